#pragma once
// The structure of placement groups (Boost.Graph): which guests must be placed together, and
// how many hosts anti-affinity alone forces. Private to the engine.
#include <cstdint>
#include <vector>

#include "kvmplan/placement.hpp"

namespace kvmplan::placement {

// Guests linked by affinity (hard or soft, any scope), as connected components of the graph
// whose edges join members of one group. Each unit lists guest indices in ascending order;
// units come in the order of their first guest. `guests` are the guests to place.
std::vector<std::vector<std::uint32_t>> affinity_units(const Scenario& scenario,
                                                       const std::vector<std::uint32_t>& guests);

// The largest set of placed guests that must all be on different hosts: the clique number of
// the conflict graph of hard anti-affinity groups at host or zone scope. Exact (Bron-Kerbosch)
// for graphs of up to 2000 members; above that, the largest such group, itself a clique.
int anti_affinity_clique(const Scenario& scenario, const Plan& plan);

}  // namespace kvmplan::placement
