#include "rules/registry.hpp"

namespace kvmplan::rules {

Shortfall shortfall(RuleId id, const Capacity& c, const Load& l, const Add& a) {
  Shortfall out;
  for_each_place_rule([&](auto rule) {
    if (decltype(rule)::id == id) out = decltype(rule)::shortfall(c, l, a);
  });
  return out;
}

}  // namespace kvmplan::rules
