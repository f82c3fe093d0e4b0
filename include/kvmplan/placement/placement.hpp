#pragma once
// Placement: where each guest runs (host, NUMA nodes, CPUs), and how many hosts that takes.
// docs/placement.md describes the algorithm and the rules it keeps.
#include <cstdint>
#include <string>
#include <vector>

#include "kvmplan/values/cpuset.hpp"
#include "kvmplan/scenario/scenario.hpp"

namespace kvmplan {

// One guest's place. Cell i of the guest runs on host node nodes[i] (indices into Host::nodes);
// `nodes` is empty for a guest placed by host only (policy numa: none). A plan holds one per
// guest, a million of them at times: nodes and pins of the usual sizes live inline.
struct Placement {
  using Pins = SmallInts<4>;
  std::int32_t host = -1;       // index into Plan::hosts; -1: unplaced
  bool forced = false;          // a fixed-host guest put on its host although it does not fit
  NodeList nodes;               // guest-cell order
  Pins vcpupin;                 // dedicated guests: vCPU i runs on physical CPU vcpupin[i]
};

struct UnplacedReason {
  std::uint32_t guest = 0;
  std::string summary;          // "0/12 hosts fit: 7 memory ratio 1.5 reached, 5 anti-affinity db-ha"
};

struct Plan {
  std::vector<Host> hosts;            // the scenario's hosts, then the hosts opened from auto pools
  std::vector<Placement> placements;  // one per scenario guest, in guest order
  std::vector<UnplacedReason> unplaced;
  int hosts_used = 0;                 // hosts with at least one guest
  int lower_bound_hosts = 0;          // no valid plan uses fewer hosts (docs/placement.md)
  std::vector<CpuSet> pinned;         // per host: the CPUs dedicated guests hold

  // The CPUs a placed guest may run on: its pinned CPUs, or the shared CPUs of its nodes
  // (of its host, for numa: none) that no dedicated guest holds.
  CpuSet cpuset(std::uint32_t guest) const;
};

// A guest split into NUMA cells, as the model defines it: vCPUs and memory as even as whole
// vCPUs and whole KiB (whole pages for hugepage guests) allow, the first cells taking the rest.
struct Cell {
  int vcpus = 0;
  Bytes memory;
  Bytes overhead;               // the guest's QEMU overhead, split the same way
  std::int64_t pages = 0;       // hugepage guests: whole pages of the guest's page size
};
std::vector<Cell> split_cells(const GuestSpec& spec, Bytes overhead, int cells);

struct PlaceOptions {
  // How guests are taken: each in turn by its dominant share of a host (the largest fraction
  // of any resource it uses) onto the first hosts that fit; by memory alone (plain first-fit
  // decreasing); or host by host, each filled with the guests that best match what it has
  // left (bin-centric, dot product).
  enum class Order { dominant_share, memory, bin_centric };
  Order order = Order::bin_centric;
  // Also try the other orders and keep the plan that places most guests on fewest hosts
  // (ties: the earlier order).
  bool portfolio = true;
};

// Places every guest without a fixed host; fixed guests stay on their host (their nodes and
// CPUs are chosen like anyone's). Deterministic: ties go to the lower index.
Plan place(const Scenario& scenario, const PlaceOptions& options = {});

}  // namespace kvmplan
