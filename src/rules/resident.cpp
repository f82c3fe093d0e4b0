#include "rules/resident.hpp"

#include <algorithm>

namespace kvmplan::rules {

Shortfall Resident::shortfall(const Capacity& c, const Load& l, const Add& a) {
  const Bytes usable = l.usable(c, a.locked);
  return shortfall_of(id, c, (l.resident_with(a) - l.resident - a.ksm_gain).value, (usable - l.resident + l.ksm_savings).value, usable.value,
                      Unit::bytes);
}

std::string Resident::violation(const Capacity& c, const Load& l) {
  std::string text = "expected resident memory " + to_human(l.resident - l.ksm_savings) + " exceeds usable memory " + to_human(l.usable(c));
  // Under usage profiles, the slot where it does (the first of its peak).
  if (!l.slots.empty()) text += " in slot " + std::to_string(std::max_element(l.slots.begin(), l.slots.end()) - l.slots.begin());
  return text;
}

}  // namespace kvmplan::rules
