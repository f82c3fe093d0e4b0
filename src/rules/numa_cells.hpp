#pragma once
// NUMA cells: under numa strict or preferred every guest runs inside NUMA nodes: one node when
// some node of the host holds it whole, else numa_nodes cells (or the fewest that fit), each
// cell on its own node and within it (cell_memory.hpp, cell_cpus.hpp and the place rules).
// numa none: guests are placed by host only. Knobs: numa, a guest's numa_nodes. Sources: the
// RHEL tuning guide ("limit guest size to the resources of a single NUMA node"); the KVM
// book's measurement, 33% slower across nodes (docs/model.md section 4).
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
  // (emulator_threads isolate). Then placement tries every order of a node set, not only the
  // ascending one.
  static bool ordered(const Demand& d) { return !d.spec->cells.empty() || d.emulator > 0; }
};

}  // namespace kvmplan::rules
