#pragma once
// NUMA cells: under numa strict or preferred every guest runs inside NUMA nodes: one node when
// some node of the host holds it whole, else numa_nodes cells (or the fewest that fit), each
// cell on its own node and within it (cell_memory.hpp, cell_cpus.hpp and the place rules).
// numa none: guests are placed by host only. Knobs: numa, a guest's numa_nodes. Sources: the
// RHEL tuning guide ("limit guest size to the resources of a single NUMA node"); the KVM
// book's measurement, 33% slower across nodes (docs/model.md section 4).
#include <algorithm>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "kvmplan/values/shortfall.hpp"
#include "rules/demand.hpp"

namespace kvmplan::rules {

struct NumaCells {
  static constexpr RuleId id = RuleId::numa_cells;

  // Whether every node rule holds for cell `a` on an empty node `c`.
  static bool fits_empty(const Policy& p, const Capacity& c, const Add& a);
  // How many cells the guest gets on a host with these nodes (0: host level, numa none), or
  // none when no split fits the host's empty nodes.
  static std::optional<int> cell_count(const Policy& p, const std::vector<Capacity>& nodes, const Demand& d);
  // The check of a placement's node list (empty when it holds): bound when numa is not none,
  // as many cells as numa_nodes asks, and not split when one node would hold it.
  static std::string violation(const Policy& p, const std::vector<Capacity>& nodes, const Demand& d, std::size_t cells);
  // Whether which cell goes to which node matters beyond the even split's one unit: cells as
  // the guest gives them (numa_cells), or a first cell that also holds the emulator's CPU
  // (emulator_threads isolate). Then placement tries the orders of a node set that fit
  // (each_fitting_order), not only the ascending one.
  static bool ordered(const Demand& d) { return !d.spec->cells.empty() || d.emulator > 0; }
};

// Whether cells from..k-1 can each take a distinct node j with fits[c][j] and !used[j]
// (Kuhn's augmenting paths on the k x k table).
bool cells_match(const std::vector<std::vector<char>>& fits, const std::vector<char>& used, std::size_t from);

// Calls each(order) for the orders of `nodes` (sorted first) in lexicographic order in which
// every cell c fits its node order[c] (fits(c, node)), until each returns false. Only those:
// a cell takes a node only while the cells after it can still each take one of the nodes left
// (cells_match), so no dead end is walked and the first fitting order costs O(k^5) at most,
// where trying every order of k nodes is k! (12 cells: 479 million).
template <class Fits, class Each>
void each_fitting_order(std::vector<int> nodes, Fits&& fits, Each&& each) {
  std::sort(nodes.begin(), nodes.end());
  const std::size_t k = nodes.size();
  std::vector<std::vector<char>> table(k, std::vector<char>(k, 0));
  for (std::size_t c = 0; c < k; ++c) {
    for (std::size_t j = 0; j < k; ++j) table[c][j] = fits(c, nodes[j]) ? 1 : 0;
  }
  std::vector<char> used(k, 0);
  std::vector<int> order(k);
  auto walk = [&](auto&& self, std::size_t c) -> bool {  // false: each asked to stop
    if (c == k) return each(static_cast<const std::vector<int>&>(order));
    for (std::size_t j = 0; j < k; ++j) {
      if (used[j] || !table[c][j]) continue;
      used[j] = 1;
      order[c] = nodes[j];
      const bool go_on = !cells_match(table, used, c + 1) || self(self, c + 1);
      used[j] = 0;
      if (!go_on) return false;
    }
    return true;
  };
  if (cells_match(table, used, 0)) walk(walk, 0);
}

}  // namespace kvmplan::rules
