#include "rules/locked.hpp"

namespace kvmplan::rules {

Shortfall Locked::shortfall(const Capacity& c, const Load& l, const Add& a) {
  return shortfall_of(id, c, a.locked.value, (c.room() - l.locked).value, c.room().value, Unit::bytes);
}

std::string Locked::violation(const Capacity& c, const Load& l) {
  return "locked memory " + to_human(l.locked) + " exceeds RAM outside the hugepage pools and the reserve, " + to_human(c.room());
}

}  // namespace kvmplan::rules
