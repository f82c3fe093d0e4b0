#pragma once
// The per-host and per-node memory and CPU model of spec section 3 (docs/model.md): what the
// guests placed on a host commit, how much swap it needs, how far it is overcommitted, and what
// a person should know about it. Whether a host breaks a rule is the rules' to say
// (src/rules, through check): the model only counts.
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "kvmplan/values/bytes.hpp"
#include "kvmplan/values/diagnostics.hpp"
#include "kvmplan/model/ksm.hpp"
#include "kvmplan/scenario/scenario.hpp"

namespace kvmplan {

// A guest on a host; `nodes` are indices into Host::nodes, empty when not tied to nodes.
struct GuestOnHost {
  std::uint32_t guest = 0;
  NodeList nodes;
};

// One NUMA node's memory, under numa strict or preferred: numatune keeps its guests' pages on
// it, so what it commits beyond its usable memory lives on swap, whatever the other nodes have.
struct NodeFigures {
  int id = 0;
  Bytes committed;          // its guests' cells: swappable memory and QEMU overhead
  Bytes locked;             // its locked guests' cells
  Bytes usable;             // RAM - its pools - locked - its share of the reserve
  Bytes guest_swap;         // max(0, committed - usable)
  std::optional<double> memory_overcommit;  // committed / usable, none when usable <= 0
  Bytes expected_resident;  // its cells' expected use and overhead, less what KSM merges within it (peak slot)
  Bytes headroom;           // usable - expected_resident (negative: the node swaps in steady state)
  std::vector<Bytes> resident_by_slot;  // under usage profiles, expected_resident in each slot
};

struct HostFigures {
  Bytes ram, reserve;
  Bytes hugepages;          // the host's hugepage pools
  Bytes pinned;             // memory of locked guests
  Bytes committed;          // overcommittable guests' memory + every guest's QEMU overhead
  Bytes usable;             // RAM - hugepages - pinned - reserve (may be negative)
  // The larger of max(0, committed + reserve - (RAM - hugepages - pinned)) and the nodes' guest
  // swap summed (numa strict or preferred).
  Bytes guest_swap;
  Bytes baseline_swap;
  Bytes swap;               // guest_swap + baseline_swap
  std::optional<Bytes> declared_swap;
  Bytes swap_deficit;       // swap - declared_swap when positive
  Bytes swap_surplus;       // declared_swap - swap when positive
  std::optional<double> memory_overcommit;  // committed / usable, none when usable <= 0
  Bytes resident_before_ksm;                // expected use of swappable guests and every guest's overhead, without merging (peak slot)
  Bytes ksm_savings;
  Bytes expected_resident;  // resident_before_ksm - ksm_savings
  // Under usage profiles: expected_resident in each slot (KSM's savings in all: pages it merged
  // at the peak stay merged when ksmtuned stops it), and which slot is the peak (the first of
  // the highest) and the valley (the first of the lowest). Empty and -1 without profiles.
  std::vector<Bytes> resident_by_slot;
  int peak_slot = -1, valley_slot = -1;
  // Under profiles that give cpu: the shared guests' busy vCPUs in each slot, in thousandths.
  std::vector<std::int64_t> busy_by_slot;
  Ksmtuned ksmtuned;
  Bytes mergeable;          // resident memory of the guests KSM may merge
  // Risk: what the guests could touch beyond RAM (worst case: every guest uses all of its
  // memory), how much of that swap covers, and the room left in the expected case.
  Bytes beyond_ram;         // max(0, committed + reserve + pinned + hugepages - RAM)
  Bytes swap_covers;        // of beyond_ram: all of it with the sized swap; with declared swap, what it has beyond the baseline
  // usable - expected_resident (negative: the host swaps in steady state); when a node is short
  // (numa strict or preferred), at most minus the nodes' shortfalls summed, whatever the others
  // have free.
  Bytes headroom;
  int vcpus = 0;            // shared guests' vCPUs
  int pcpus = 0;            // physical CPUs (threads) left for shared guests
  int dedicated_vcpus = 0;
  int emulator_pcpus = 0;    // dedicated CPUs of isolated emulator threads (emulator_threads isolate)
  int dedicated_pcpus = 0;  // CPUs dedicated guests may use
  int cores = 0;            // physical cores of the host
  int shared_cores = 0;     // cores with a CPU shared guests may use
  std::optional<double> cpu_overcommit;     // vcpus / pcpus, none when pcpus is 0
  int guests = 0;
  std::vector<NodeFigures> nodes;           // numa strict or preferred, in Host::nodes order
  std::vector<Diagnostic> warnings;         // advisory (code, message); the host is their subject
};

// Each node's share of the host reserve, in Host::nodes order: in proportion to the node's
// memory outside its hugepage pools (where the kernel's own memory comes from), the first
// node with any taking what the division leaves. A node that is all pool takes none.
std::vector<Bytes> reserve_shares(const Host& host);

// The most committed memory a host or node may hold: floor(ratio x usable), and 0 when
// nothing is usable (a guest that commits nothing, hugepage-backed or locked, always fits it).
std::int64_t memory_budget(const Decimal& ratio, Bytes usable);

// Hugepages the guests on a host take: per node (index in Host::nodes) and page size, the pages
// of each hugepage cell on its node (a guest bound to no node: node 0). Host tuning writes the
// pools at these counts; size warns about pool pages beyond them.
struct PagesUsed {
  std::size_t node = 0;
  Bytes page_size;
  std::int64_t pages = 0;
};
std::vector<PagesUsed> hugepages_used(const Scenario& scenario, std::span<const GuestOnHost> guests);
std::int64_t pages_used(const std::vector<PagesUsed>& used, std::size_t node, Bytes page_size);

HostFigures size_host(const Scenario& scenario, const Host& host, std::span<const GuestOnHost> guests);

}  // namespace kvmplan
