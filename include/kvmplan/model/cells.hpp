#pragma once
// How a guest splits into NUMA cells: part of the model, shared by placement, check, the model's
// figures and the domain XML.
#include <vector>

#include "kvmplan/scenario/scenario.hpp"
#include "kvmplan/values/bytes.hpp"

namespace kvmplan {

// A guest split into NUMA cells, as the model defines it: the guest's numa_cells when it gives
// them and asks for as many cells; else vCPUs and memory as even as whole vCPUs and whole KiB
// (whole pages for hugepage guests) allow, the first cells taking the rest.
struct Cell {
  int vcpus = 0;
  Bytes memory;
  Bytes overhead;               // the guest's QEMU overhead, in proportion (given cells) or evenly
  std::int64_t pages = 0;       // hugepage guests: whole pages of the guest's page size
  bool first = false;           // cell 0: its node also holds the emulator's CPU (emulator_cpus)
};
std::vector<Cell> split_cells(const GuestSpec& spec, Bytes overhead, int cells);
// The unit a split takes (cell_unit) and the most cells without an empty one (max_cells) are
// declared with GuestSpec (scenario.hpp): the loader refuses numa_nodes above max_cells.
// The same into `out`, whose storage a loop over many guests reuses.
void split_cells(const GuestSpec& spec, Bytes overhead, int cells, std::vector<Cell>& out);

// A cell's part of an amount of the whole guest, in proportion to the cell's memory: rounded up
// for what the cell uses (its expected use), down for what it may save (its KSM share), so that
// the parts never promise more than the whole.
Bytes cell_part_up(Bytes amount, const Cell& cell, const GuestSpec& spec);
Bytes cell_part_down(Bytes amount, const Cell& cell, const GuestSpec& spec);

}  // namespace kvmplan
