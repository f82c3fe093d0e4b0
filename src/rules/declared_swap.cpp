#include "rules/declared_swap.hpp"

namespace kvmplan::rules {

Shortfall DeclaredSwap::shortfall(const Capacity& c, const Load& l, const Add& a) {
  const Bytes room = c.swap ? *c.swap - c.baseline_swap : Bytes{};
  const Bytes before = guest_swap(c, l, {});
  return shortfall_of(id, c, (guest_swap(c, l, a) - before).value, (room - before).value, room.value, Unit::bytes);
}

std::string DeclaredSwap::violation(const Capacity& c, const Load& l) {
  return "swap " + to_human(c.swap.value_or(Bytes{})) + " is short of the " + to_human(guest_swap(c, l, {}) + c.baseline_swap) + " needed";
}

}  // namespace kvmplan::rules
