#pragma once
// What a guest asks of the places it runs on, as the rules count it: computed once per guest
// spec, then turned into what the whole guest, or one of its cells, adds to a host or a node.
// Shared by placement (what it reserves), check (what it tallies from the plan) and the bound.
#include <vector>

#include "kvmplan/model/cells.hpp"
#include "kvmplan/scenario/scenario.hpp"
#include "rules/place.hpp"
#include "rules/slot_table.hpp"

namespace kvmplan::rules {

struct Demand {
  const GuestSpec* spec = nullptr;
  Bytes overhead;   // QEMU's own memory (policy.guest_overhead)
  Bytes use;        // expected use: usage x memory, capped by current_memory (a profile's peak)
  Bytes use_low;    // in its valley slot (flat: use)
  SlotTable* slots = nullptr;              // where its cells' rows come from (profiles)
  const std::int64_t* use_row = nullptr;   // with a profile: its expected use in each slot
  const std::int64_t* busy_row = nullptr;  // with a profile that has cpu: busy vCPUs (thousandths)
  bool dedicated = false;
  int emulator = 0;  // dedicated CPUs for QEMU's emulator threads (emulator_cpus), on cell 0's node
  enum class Memory : std::uint8_t { shared, hugepages, locked } memory = Memory::shared;
  int image = -1;   // KSM image (an id the counter chooses), -1: nothing to merge
  Bytes shareable;  // bytes identical within the image: ksm_shareable, at most `use_low`

  std::int64_t pages() const;  // hugepage guests: whole pages of the guest's size
  // The CPUs a dedicated guest holds: one per vCPU, and its emulator's (0 for a shared guest).
  int pins() const { return dedicated ? spec->vcpus + emulator : 0; }
};

// `image`: the id the caller gives the guest's image, or -1 for none. `slots`: the caller's
// table of profile rows, which outlives the demand (null: the scenario has no profiles).
Demand make_demand(const Policy& policy, const GuestSpec& spec, int image = -1, SlotTable* slots = nullptr);

// What the whole guest adds to a host (KSM not counted: the counter knows what it saves).
Add whole(const Demand& d);
// What cell `c` of the guest adds to its node (`cell_memory` set for a shared guest).
Add cell(const Demand& d, const Cell& c);
// The guest's cells on `nodes` nodes (1 when bound to none).
std::vector<Cell> cells_of(const Demand& d, int nodes);
// The CPUs a dedicated guest's cell holds on its node: its vCPUs', and the first cell the
// emulator's too (0 for a shared guest).
int cell_pins(const Demand& d, const Cell& c);
// A cell's part of the guest's shareable bytes (cell_part_down).
Bytes share_of(const Demand& d, const Cell& c);

}  // namespace kvmplan::rules
