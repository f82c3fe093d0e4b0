#include "rules/resident.hpp"

namespace kvmplan::rules {

Shortfall Resident::shortfall(const Capacity& c, const Load& l, const Add& a) {
  const Bytes usable = l.usable(c, a.locked);
  return shortfall_of(id, c, (l.resident_with(a) - l.resident - a.ksm_gain).value, (usable - l.resident + l.ksm_savings).value, usable.value,
                      Unit::bytes);
}

std::string Resident::violation(const Capacity& c, const Load& l) {
  return "expected resident memory " + to_human(l.resident - l.ksm_savings) + " exceeds usable memory " + to_human(l.usable(c));
}

}  // namespace kvmplan::rules
