#include "rules/cpu_ratio.hpp"

#include <algorithm>

namespace kvmplan::rules {

Shortfall CpuRatio::shortfall(const Capacity& c, const Load& l, const Add& a) {
  const std::int64_t cap = budget(c, l, c.pins_from_shared ? a.pinned : 0);
  // A pinned guest asks nothing of the budget but shrinks it: its need is what it would break.
  const std::int64_t need = a.shared_vcpus > 0 ? a.shared_vcpus : std::max<std::int64_t>(0, l.shared_vcpus - cap);
  return shortfall_of(id, c, need, cap - l.shared_vcpus, cap, Unit::vcpus);
}

std::string CpuRatio::violation(const Capacity& c, const Load& l) {
  return std::to_string(l.shared_vcpus) + " shared vCPUs exceed cpu_ratio " + to_string(c.cpu_ratio) + " x " +
         std::to_string(l.shared_pcpus(c)) + " shared CPUs";
}

}  // namespace kvmplan::rules
