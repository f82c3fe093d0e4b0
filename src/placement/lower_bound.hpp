#pragma once
// The proven lower bound on hosts that `kvmplan place` reports (docs/placement.md).
#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "kvmplan/placement/place.hpp"

namespace kvmplan::placement {

// No plan that places the same guests as `plan` uses fewer hosts (when every guest is placed:
// no valid plan at all). `fixed_as_free`: guests fixed on a host may go anywhere too (what the
// survivors of a failure hold: the failed hosts' fixed guests restart elsewhere).
int lower_bound(const Scenario& scenario, const Plan& plan, bool fixed_as_free = false);
// No plan that places every guest uses fewer hosts.
int lower_bound(const Scenario& scenario, bool fixed_as_free = false);
// The linear program min sum_p cost[p] x_p subject to, for each resource k, sum_p x_p cap[p][k]
// >= need[k], x >= 0: the least a fleet of those pools costs, fractional hosts allowed. None
// when some demand no pool offers, or more than 8 pools.
std::optional<double> pools_lp(const std::vector<std::vector<double>>& cap, const std::vector<double>& need,
                               const std::vector<double>& cost);
// Martello and Toth's L2 for items (size -> how many) in bins that hold `capacity` each.
std::int64_t l2_bound(const std::map<std::int64_t, std::int64_t>& items, std::int64_t capacity);

}  // namespace kvmplan::placement
