#pragma once
// The rules of the plan, in the order they are evaluated: the first that a fit breaks is the
// reason it does not fit. Place rules bind a host and each of its NUMA nodes (place.hpp);
// guest rules bind a guest (vcpu_limit, numa_cells, fixed_host) or a group of guests (groups).
// Adding a rule: its file (the interface is in rule.hpp), a line here, its test in tests/rules.
#include <optional>

#include "rules/cell_cpus.hpp"
#include "rules/cell_memory.hpp"
#include "rules/cpu_busy.hpp"
#include "rules/cpu_ratio.hpp"
#include "rules/declared_swap.hpp"
#include "rules/dedicated.hpp"
#include "rules/hugepages.hpp"
#include "rules/locked.hpp"
#include "rules/memory_ratio.hpp"
#include "rules/resident.hpp"

namespace kvmplan::rules {

template <class... R>
struct RuleList {};

using PlaceRules = RuleList<Hugepages, Locked, CellMemory, MemoryRatio, Resident, DeclaredSwap, CellCpus, Dedicated, CpuRatio, CpuBusy>;

// Calls f(R{}) for every place rule, in order.
template <class F, class... R>
void for_each(RuleList<R...>, F&& f) {
  (f(R{}), ...);
}
template <class F>
void for_each_place_rule(F&& f) {
  for_each(PlaceRules{}, f);
}

// The first place rule that load + add breaks under this policy, or none. The hot path of
// placement: a fold over the list, no virtual call.
template <class... R>
std::optional<RuleId> first_broken(RuleList<R...>, const Policy& p, const Capacity& c, const Load& l, const Add& a) {
  std::optional<RuleId> out;
  (void)((R::applies(p, c.scope) && !R::holds(c, l, a) ? (out = R::id, true) : false) || ...);
  return out;
}
inline std::optional<RuleId> first_broken(const Policy& p, const Capacity& c, const Load& l, const Add& a) {
  return first_broken(PlaceRules{}, p, c, l, a);
}

// The shortfall of place rule `id` for load + add.
Shortfall shortfall(RuleId id, const Capacity& c, const Load& l, const Add& a);

}  // namespace kvmplan::rules
