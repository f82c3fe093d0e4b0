#pragma once
// `kvmplan headroom`: with a plan fixed, how many more guests of a flavor fit (Ganeti's hspace
// asks the same). Guests are added one at a time to the plan's hosts, through the same fit as
// placement (every rule of src/rules, the guest's groups), never onto a new host; with ha set,
// an addition that leaves the plan unable to survive its failures (check's verdict) is undone
// and that host takes no more. docs/cli.md, "headroom", compares it with hspace.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "kvmplan/plan/plan.hpp"
#include "kvmplan/scenario/scenario.hpp"
#include "kvmplan/values/result.hpp"

namespace kvmplan {

struct FlavorHeadroom {
  std::string flavor;
  std::int64_t fits = 0;
  std::vector<std::int64_t> per_host;  // in plan host order
};

struct HeadroomReport {
  std::vector<std::string> hosts;      // the plan's hosts, in order
  std::vector<FlavorHeadroom> flavors; // each flavor alone, on the plan as it is
  // hspace's tiered allocation: the largest flavor until none more fits, then the next largest
  // on what is left, and so on (largest: memory, then vCPUs, then name).
  std::vector<FlavorHeadroom> tiered;
  bool failures = false;               // ha set: additions kept the plan surviving its failures
};

// The guest added for a flavor is one like the first guest entry of that flavor: its spec as
// loaded (the entry's own keys over the flavor's) and its groups. `flavors` empty: every flavor
// some guest has, in the order they first appear. A flavor no guest has is an error.
// The plan: placements for every guest of `scenario` (unplaced ones -1), hosts as place makes them.
Result<HeadroomReport> headroom(const Scenario& scenario, const Plan& plan, const std::vector<std::string>& flavors,
                                bool tiered = true);

}  // namespace kvmplan
