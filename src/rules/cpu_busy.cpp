#include "rules/cpu_busy.hpp"

#include <algorithm>

namespace kvmplan::rules {
namespace {
// Thousandths of a vCPU as people read them: "12.5".
std::string vcpus_text(std::int64_t millis) {
  std::string text = std::to_string(millis / 1000);
  if (const std::int64_t rest = millis % 1000; rest != 0) {
    std::string frac = std::to_string(1000 + rest).substr(1);
    while (frac.back() == '0') frac.pop_back();
    text += "." + frac;
  }
  return text;
}
}  // namespace

Shortfall CpuBusy::shortfall(const Capacity& c, const Load& l, const Add& a) {
  const std::int64_t budget = CpuBusy::budget(c, l, c.pins_from_shared ? a.pinned : 0);
  const std::int64_t now = l.busy.empty() ? 0 : *std::max_element(l.busy.begin(), l.busy.end());
  // In whole CPUs: the need rounded up, what is free rounded down.
  return shortfall_of(id, c, (l.busy_with(a) - now + 999) / 1000, std::max<std::int64_t>(0, budget - now) / 1000, budget / 1000, Unit::cpus);
}

std::string CpuBusy::violation(const Capacity& c, const Load& l) {
  const auto peak = std::max_element(l.busy.begin(), l.busy.end());
  return vcpus_text(*peak) + " busy vCPUs exceed the " + std::to_string(l.shared_pcpus(c)) + " shared CPUs in slot " +
         std::to_string(peak - l.busy.begin());
}

}  // namespace kvmplan::rules
