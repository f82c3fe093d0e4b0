#pragma once
// `kvmplan check`: verifies a plan against the scenario with tallies of its own, rebuilt from
// the plan, never from the placer's state: the oracle of the placer's tests, and what `place`
// and `size` run on their own plan before they say it holds. Every rule of src/rules verifies
// its part (docs/placement.md lists them).
#include <string>
#include <vector>

#include "kvmplan/plan/plan_reader.hpp"
#include "kvmplan/scenario/scenario.hpp"

namespace kvmplan {

// What check counted on one host and its nodes: the figures `size` prints must equal these.
struct NodeTally {
  int id = 0;
  Bytes committed, locked, usable;
  Bytes expected_resident;  // expected use and overhead, less what KSM merges within the node
  std::int64_t shared_vcpus = 0, pinned = 0;
};
struct HostTally {
  std::string host;
  Bytes committed, locked;
  Bytes expected_resident;  // expected use and overhead, less what KSM merges on the host
  std::int64_t shared_vcpus = 0, pinned = 0;
  int guests = 0;
  std::vector<NodeTally> nodes;
};

struct CheckResult {
  // Severity violation: code (a rule's, or "plan" for a plan that is not whole), the placement's
  // position when it is one guest's, the subject (a guest, a host, "kvm01 node 1", a group),
  // the message, the guests concerned, the shortfall. One per guest, host, node or group.
  std::vector<Diagnostic> violations;
  std::vector<std::string> unplaced;    // guests the plan leaves unplaced
  std::vector<HostTally> tallies;       // per host of the plan, in plan order
  bool ok() const { return violations.empty() && unplaced.empty(); }
};

// A plan document, as read (plan_reader.hpp).
CheckResult check_plan(const Scenario& scenario, const PlanDocument& plan, const SourceFiles& sources);
// A plan in memory: what place and size verify before they call a plan whole.
CheckResult check_plan(const Scenario& scenario, const Plan& plan);

}  // namespace kvmplan
