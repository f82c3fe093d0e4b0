#pragma once
// The structure of placement groups (Boost.Graph): which guests must be placed together, and
// how many hosts anti-affinity alone forces. Private to the engine.
#include <cstdint>
#include <span>
#include <vector>

#include "kvmplan/placement/placement.hpp"

namespace kvmplan::placement {

// Guests to place together: unit u is guests[starts[u] .. starts[u + 1]), ascending. Flat, so
// that a million lone guests do not make a million vectors.
struct Units {
  std::vector<std::uint32_t> guests;
  std::vector<std::size_t> starts;  // one more than there are units
  std::size_t size() const { return starts.size() - 1; }
  std::span<const std::uint32_t> operator[](std::size_t u) const {
    return {guests.data() + starts[u], starts[u + 1] - starts[u]};
  }
};

// Guests linked by affinity (hard or soft, any scope), as connected components of the graph
// whose edges join members of one group; every other guest is a unit of its own. Units come in
// the order of their first guest in `guests`, the guests to place.
Units affinity_units(const Scenario& scenario, const std::vector<std::uint32_t>& guests);

// The largest set of guests that must all be on different hosts, among those `placed` (by
// guest, non-zero) counts: the clique number of
// the conflict graph of hard anti-affinity groups at host or zone scope. Exact (Bron-Kerbosch)
// for graphs of up to 2000 members; above that, the largest such group, itself a clique.
int anti_affinity_clique(const Scenario& scenario, const std::vector<char>& placed);

}  // namespace kvmplan::placement
