#pragma once
// A plan: where each guest runs (host, NUMA nodes, CPUs), the hosts it uses, and the guests it
// could not place. Written by placement, read back from a document (plan_reader.hpp), verified
// by check, sized by the model, turned into deployment files. docs/cli.md describes the document.
#include <cstdint>
#include <string>
#include <vector>

#include "kvmplan/model/model.hpp"
#include "kvmplan/values/shortfall.hpp"
#include "kvmplan/scenario/scenario.hpp"
#include "kvmplan/values/cpuset.hpp"

namespace kvmplan {

// One guest's place. Cell i of the guest runs on host node nodes[i] (indices into Host::nodes);
// `nodes` is empty for a guest placed by host only (policy numa: none). A plan holds one per
// guest, a million of them at times: nodes and pins of the usual sizes live inline.
struct Placement {
  using Pins = SmallInts<4>;
  std::int32_t host = -1;       // index into Plan::hosts; -1: unplaced
  bool forced = false;          // a fixed-host guest put on its host although it does not fit
  NodeList nodes;               // guest-cell order
  // Dedicated guests: vCPU i runs on physical CPU vcpupin[i]; under emulator_threads isolate
  // one more entry at the end, the CPU of QEMU's emulator and I/O threads (on cell 0's node):
  // every CPU the guest holds. A plan document writes that one as `emulatorpin`.
  Pins vcpupin;
};

// A guest the plan could not place, and why: the rules that refused it, rolled up over the
// hosts, and per rule the shortfall of the first host it refused (need, free, capacity).
struct Unplaced {
  std::uint32_t guest = 0;
  std::string summary;                  // "0/12 hosts fit: 7 memory ratio 1.5 reached, 5 anti-affinity db-ha"
  std::vector<Shortfall> shortfalls;
};

struct Plan {
  std::vector<Host> hosts;            // the scenario's hosts, then the hosts opened from auto pools
  std::vector<Placement> placements;  // one per scenario guest, in guest order
  std::vector<Unplaced> unplaced;
  int hosts_used = 0;                 // hosts with at least one guest
  int lower_bound_hosts = 0;          // no valid plan uses fewer hosts (docs/placement.md)
  bool proven_optimal = false;        // the search proved no plan places these guests on fewer hosts
  // Every guest placed, on as few hosts as any plan can: hosts used equal the bound, or the
  // search proved it. (Fewer than the bound: the plan breaks a rule, failures to survive.)
  bool optimal() const { return unplaced.empty() && hosts_used >= lower_bound_hosts && (hosts_used == lower_bound_hosts || proven_optimal); }
  std::vector<CpuSet> pinned;         // per host: the CPUs dedicated guests hold

  // The CPUs a placed guest's `vcpus` vCPUs may run on: their pins (not the emulator's), or
  // the shared CPUs of its nodes (of its host, for numa: none) that no dedicated guest holds.
  CpuSet cpuset(std::uint32_t guest, int vcpus) const;
  // A dedicated guest's emulator CPU (emulator_threads isolate): vcpupin past its `vcpus`, or -1.
  int emulator_cpu(std::uint32_t guest, int vcpus) const;
};

// Per-host figures of a plan (spec section 3), hosts in plan order.
std::vector<HostFigures> plan_figures(const Scenario& scenario, const Plan& plan);
// The guests of each host with their nodes, in guest order.
std::vector<std::vector<GuestOnHost>> guests_by_host(const Plan& plan);

}  // namespace kvmplan
