#pragma once
// Failures: with ha.host_failures k (ha.zone_failures z), a plan holds only if, for every set of
// k hosts (z zones) that fail, every guest on them restarts on the surviving hosts under the
// same rules: the place rules on each survivor and its nodes (ratios per node, NUMA cells,
// dedicated CPUs, hugepage pools, locked memory, declared swap), the vCPU limit and the hard
// groups (soft ones may bend). Decided by evacuating each failure onto the survivors' tallies
// with the rules themselves, not by a capacity sum: a survivor whose free memory is split
// across nodes may not take a guest that a sum says fits.
//
// Methods (docs/placement.md, "Surviving failures"):
//   exact       every failure simulated: every set of k hosts (z zones) while there are at
//               most 100,000 of them (k = 1: up to 100,000 hosts);
//   sufficient  beyond that, spare hosts: for each host shape that runs guests, at least k
//               empty hosts of that shape (z zones: more than the z zones hardest hit can take),
//               so that the hosts of any failure move whole, each onto an empty twin. Sound: a
//               twin offers what the failed host did, node for node and CPU for CPU, and holds
//               no group member.
// The evacuation is first fit: largest guests first, each onto the first survivor (from where
// the last one went, wrapping around) whose nodes hold it. A guest it cannot restart makes the
// plan fail the rule; a cleverer packing might restart it, but the plan would not show how.
// Source: Ganeti hspace (N+1), VMware HA admission control (failover hosts); spec section 3.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "kvmplan/scenario/scenario.hpp"
#include "kvmplan/values/cpuset.hpp"
#include "kvmplan/values/small_ints.hpp"
#include "rules/demand.hpp"
#include "rules/place.hpp"

namespace kvmplan::rules {

// A host as the failure rule sees it: what it offers, and what its guests take, as whoever
// counts tallied it (check, from the plan).
struct FailoverHost {
  const Host* host = nullptr;
  const Capacity* capacity = nullptr;
  const std::vector<Capacity>* node_capacities = nullptr;  // in Host::nodes order
  const std::vector<CpuSet>* pin_pools = nullptr;          // per node: CPUs dedicated guests may use
  Load load;
  std::vector<Load> nodes;
  CpuSet pinned;                                           // CPUs its guests pin
  std::int64_t zone = 0;                                   // a host without a zone is a zone of its own
  std::size_t guests = 0;
};

// A guest where the plan puts it (node indices into its host's nodes).
struct PlacedGuest {
  std::uint32_t guest = 0;
  std::uint32_t host = 0;
  NodeList nodes;
};

// Where one guest of a failed host restarts.
struct Restart {
  std::uint32_t guest = 0;
  std::uint32_t from = 0;          // the failed host it ran on
  std::uint32_t host = 0;
  NodeList nodes;                  // node indices of that host, in guest-cell order
  SmallInts<4> pins;               // dedicated guests: vCPU i on CPU pins[i]
  Bytes swap_gain;                 // what it adds to the host's nodes' guest swap
};

// One failure: the hosts that fail (a zone's, for a zone failure) and what becomes of their guests.
struct Failure {
  std::vector<std::uint32_t> hosts;
  std::vector<std::int64_t> zones;  // zone failures: the zones
  std::vector<Restart> restarts;    // when asked for
  std::vector<std::uint32_t> stranded;
  std::string reason;               // why the first stranded guest restarts nowhere
  std::int64_t tightest_host = -1;  // the survivor left with the least free memory budget
  std::int64_t tightest_free = 0;   // bytes
};

enum class FailureMethod { exact, sufficient };

struct FailureVerdict {
  int host_failures = 0, zone_failures = 0;
  bool survives = true;
  FailureMethod method = FailureMethod::exact;
  std::size_t simulated = 0;        // failures simulated (exact)
  std::vector<Failure> broken;      // the failures that strand guests (at most max_broken)
  std::optional<Failure> worst;     // when it survives by simulation: the tightest failure
  std::vector<Failure> evacuations; // when asked for: each single host's, then each zone's, with restarts
  std::string unproven;             // sufficient method: why it does not hold
  bool unproven_zones = false;      // ... for zone failures (else host failures)
  static constexpr std::size_t max_broken = 100;
};

inline constexpr std::uint64_t max_simulated_failures = 100'000;

// Whether the plan survives the policy's failures. `hosts` are the plan's hosts (their loads
// are changed while a failure is simulated and restored after), `placed` every placed guest,
// `demands` by guest spec. `evacuations`: also where each guest restarts when its host (or its
// zone) fails alone, for the plan's failover section.
// `enough_broken`: stop simulating once this many failures strand guests (a placement that
// only asks whether the plan survives stops at the first).
FailureVerdict check_failures(const Scenario& s, std::vector<FailoverHost>& hosts, const std::vector<PlacedGuest>& placed,
                              const std::vector<Demand>& demands, bool evacuations,
                              std::size_t enough_broken = FailureVerdict::max_broken);

// Where the guests of `failed` hosts go on the others now (a maintenance drain), with restarts.
Failure evacuate(const Scenario& s, std::vector<FailoverHost>& hosts, const std::vector<PlacedGuest>& placed,
                 const std::vector<Demand>& demands, std::span<const std::uint32_t> failed);

// The fewest hosts any plan that survives the policy's failures needs, from `hosts`, the bound
// with none failing: after any failure the survivors hold every guest (docs/placement.md).
//   host failures k:  hosts + k;
//   zone failures z:  hosts + z (every zone holds a host), and with Z named zones and no host
//                     without one, the smallest H with H - ceil(z x H / Z) >= hosts: the z
//                     fullest zones hold at least z/Z of any H hosts.
// None when no plan survives: z zones fail and the hosts have no more than z zones.
std::optional<std::int64_t> failure_bound(const Policy& p, std::int64_t hosts, std::int64_t named_zones, bool zoneless);

}  // namespace kvmplan::rules
