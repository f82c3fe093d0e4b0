#include "rules/memory_ratio.hpp"

namespace kvmplan::rules {

Shortfall MemoryRatio::shortfall(const Capacity& c, const Load& l, const Add& a) {
  const std::int64_t cap = budget(c, l, a.locked);
  return shortfall_of(id, c, a.committed.value, cap - l.committed.value, cap, Unit::bytes);
}

std::string MemoryRatio::violation(const Capacity& c, const Load& l) {
  return "committed " + to_human(l.committed) + " exceeds memory_ratio " + to_string(c.memory_ratio) + " x usable " + to_human(l.usable(c));
}

}  // namespace kvmplan::rules
