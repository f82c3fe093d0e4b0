#pragma once
// Which guests placement takes together: units of guests linked by affinity (Boost.Graph), and
// within a unit, those hard affinity ties to one host. Private to the engine.
#include <cstdint>
#include <span>
#include <vector>

#include "kvmplan/placement/place.hpp"

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

// The members of `unit` that hard affinity at host or node scope ties to one host: the
// connected components of those groups over the unit, in order of their first member.
std::vector<std::vector<std::uint32_t>> tied_components(const Scenario& scenario, std::span<const std::uint32_t> unit);

}  // namespace kvmplan::placement
