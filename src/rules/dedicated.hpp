#pragma once
// Dedicated CPUs: a dedicated guest's vCPUs are pinned 1:1 to CPUs nobody else uses, from
// dedicated_cpus (or, without it, from the CPUs neither reserved nor dedicated), whole cores
// first; never overcommitted. Per host and per node. Source: Nova cpu_policy dedicated, thread
// policy "prefer". pick_cpus chooses them (the rule's reserve).
#include <span>
#include <vector>

#include "kvmplan/values/cpuset.hpp"
#include "rules/demand.hpp"
#include "rules/rule.hpp"

namespace kvmplan::rules {

struct Dedicated {
  static constexpr RuleId id = RuleId::dedicated;
  static bool applies(const Policy&, Scope) { return true; }

  static bool holds(const Capacity& c, const Load& l, const Add& a) { return l.pinned + a.pinned <= c.pin_cpus; }
  static Shortfall shortfall(const Capacity& c, const Load& l, const Add& a);
  static std::string violation(const Capacity& c, const Load& l);

  static constexpr std::size_t host_key = pin_host, node_key = pin_node;
  static std::int64_t free(const Capacity& c, const Load& l) { return c.pin_cpus - l.pinned; }
  static std::int64_t need(const Add& a) { return a.pinned == 0 ? no_need : a.pinned; }

  static std::int64_t demand(const Add& a, const BoundContext&) { return a.pinned; }
  static std::int64_t offer(const Capacity& c) { return c.pin_cpus; }
};

// CPUs for `count` vCPUs out of `free`: whole free cores first (sibling threads together,
// Nova's "prefer" policy), then the cores with the fewest free threads.
std::vector<int> pick_cpus(const Host& host, const CpuSet& free, int count);

// The CPUs a dedicated guest pins, vCPU i's at [i]: cell c's vCPUs out of free[c] (its node's
// free pin pool), then, under emulator_threads isolate, the emulator's out of what cell 0's node
// has left (the demand counts it there, rules/demand.hpp). Host level (numa none, `cells`
// empty): free[0] for every vCPU and the emulator. Fewer than d.pins() when they do not fit.
std::vector<int> pick_guest_pins(const Host& host, const Demand& d, const std::vector<Cell>& cells, std::span<const CpuSet> free);

}  // namespace kvmplan::rules
