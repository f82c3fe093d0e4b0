#pragma once
// What every rule of a place provides (src/rules/*.hpp, listed in registry.hpp), and the keys
// of the placement index that rules keep their free budget under. A rule is a struct of static
// functions, so that the engine's hot path calls them without a virtual call:
//
//   id                          the rule (RuleId), its code and name come from it
//   applies(policy, scope)      whether the rule binds a host or a node under this policy
//   holds(capacity, load, add)  whether load + add stays within the rule: the one predicate;
//                               with nothing added, whether the load does (what check asks)
//   shortfall(capacity, load, add)  how far it does not (need, free, capacity), cold
//   violation(capacity, load)   the sentence check and size print for a place over the rule
//   host_key, node_key, free(capacity, load), need(add)
//                               the index budget: free never below what holds() allows, need
//                               never above what a guest asks, so pruning never skips a fit
//   demand(add, context), offer(capacity)
//                               its share of the lower bound: no host holds more than offer
#include <array>
#include <cstdint>
#include <limits>
#include <string>

#include "kvmplan/values/shortfall.hpp"
#include "rules/place.hpp"

namespace kvmplan::rules {

// The free budgets the placement index keeps per host: for each, the host's total and its best
// node's, in pairs (host key even, node key odd). A rule of nodes only leaves its host key
// unbounded.
enum Key : std::size_t {
  committed_host, committed_node, resident_host, resident_node, cpu_host, cpu_node, pin_host, pin_node,
  pages_host, pages_node, locked_host, locked_node, cell_memory_host, cell_memory_node, cell_cpus_host, cell_cpus_node,
  key_count
};
constexpr bool is_node_key(std::size_t key) { return key % 2 == 1; }
using Keys = std::array<std::int64_t, key_count>;
inline constexpr std::int64_t no_need = std::numeric_limits<std::int64_t>::min();
inline constexpr std::size_t no_key = key_count;

// What the lower bound knows beyond one guest and one host.
struct BoundContext {
  Decimal narrowest_memory_ratio;  // the smallest any host has: locked memory weighs that much
};

}  // namespace kvmplan::rules

namespace kvmplan::rules {

// A shortfall about capacity `c` (its subject: the node, or the host).
inline Shortfall shortfall_of(RuleId rule, const Capacity& c, std::int64_t need, std::int64_t free, std::int64_t capacity, Unit unit) {
  return {rule, c.subject(), need, free, capacity, unit};
}

}  // namespace kvmplan::rules
