#pragma once
// `kvmplan check`: verifies a plan against the scenario with tallies of its own, rebuilt from
// the plan, never from the placer's state: the oracle of the placer's tests, and what `place`
// and `size` run on their own plan before they say it holds. Every rule of src/rules verifies
// its part (docs/placement.md lists them).
#include <optional>
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

// Where one guest of a failed host restarts (host node ids, and pins for dedicated guests).
struct FailoverRestart {
  std::string guest, from, host;
  std::vector<int> nodes;
  std::vector<int> vcpupin;  // vCPU i's CPU; under emulator_threads isolate the emulator's last
};

// One simulated failure: the hosts (or zones) that fail and what becomes of their guests.
struct FailureCase {
  std::vector<std::string> hosts;
  std::vector<std::string> zones;          // zone failures: the zones ("host X" for a host without one)
  std::vector<std::string> stranded;       // guests that restart nowhere
  std::string reason;                      // why the first of them restarts nowhere
  std::string tightest_host;               // the survivor left with the least free memory budget
  Bytes tightest_free;
  std::vector<FailoverRestart> restarts;   // evacuations only
};

// The failure rule's verdict (src/rules/failures.hpp), with names.
struct FailureReport {
  int host_failures = 0, zone_failures = 0;
  bool survives = true;
  std::string method = "exact";            // "exact" (every failure simulated) or "sufficient"
  std::size_t simulated = 0;
  int spare_hosts = 0;                     // hosts of the plan that run no guest: room for failures
  std::vector<FailureCase> broken;         // the failures that strand guests (the first 100)
  std::optional<FailureCase> worst;        // surviving by simulation: the failure that leaves a survivor tightest
  std::vector<FailureCase> evacuations;    // when asked: each host's, then each zone's failure alone
  std::string unproven;                    // the sufficient method: why it does not hold
  static constexpr std::size_t max_broken = 100;
};

struct CheckOptions {
  bool evacuations = false;                // also where every guest restarts when its host or zone fails alone
  bool first_broken_failure = false;       // stop simulating failures at the first that strands guests
  bool skip_failures = false;              // leave the failure rule out (a drain asks the others only)
};

struct CheckResult {
  // Severity violation: code (a rule's, or "plan" for a plan that is not whole), the placement's
  // position when it is one guest's, the subject (a guest, a host, "kvm01 node 1", a group),
  // the message, the guests concerned, the shortfall. One per guest, host, node or group.
  std::vector<Diagnostic> violations;
  std::vector<std::string> unplaced;    // guests the plan leaves unplaced
  std::vector<HostTally> tallies;       // per host of the plan, in plan order
  std::optional<FailureReport> failures;  // with ha set (or evacuations asked for)
  bool ok() const { return violations.empty() && unplaced.empty(); }
};

// A plan document, as read (plan_reader.hpp).
CheckResult check_plan(const Scenario& scenario, const PlanDocument& plan, const SourceFiles& sources, const CheckOptions& options = {});
// A maintenance drain: where the guests of `hosts` go now, onto the plan's other hosts, under
// the same rules (the failure rule's evacuation). None when a host is no host of the plan. For
// a plan check accepts.
std::optional<FailureCase> drain_plan(const Scenario& scenario, const PlanDocument& plan, const std::vector<std::string>& hosts);
// A plan in memory: what place and size verify before they call a plan whole.
CheckResult check_plan(const Scenario& scenario, const Plan& plan, const CheckOptions& options = {});

}  // namespace kvmplan
