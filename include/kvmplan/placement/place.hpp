#pragma once
// Placement: where each guest runs (host, NUMA nodes, CPUs), and how many hosts that takes.
// docs/placement.md describes the algorithm and the rules it keeps.
#include <optional>

#include "kvmplan/plan/plan.hpp"
#include "kvmplan/scenario/scenario.hpp"

namespace kvmplan {

struct PlaceOptions {
  // How guests are taken: each in turn by its dominant share of a host (the largest fraction
  // of any resource it uses) onto the first hosts that fit; by memory alone (plain first-fit
  // decreasing); or host by host, each filled with the guests that best match what it has
  // left (bin-centric, dot product); or by vCPUs alone (first-fit decreasing by vCPUs).
  enum class Order { dominant_share, memory, bin_centric, vcpus };
  Order order = Order::bin_centric;
  // Also try the other orders and keep the plan that places most guests on fewest hosts
  // (ties: the earlier order).
  bool portfolio = true;
  // The search after the greedy plans (docs/placement.md, "Search"): while the plan uses more
  // hosts than the bound, empty hosts by moving and swapping guests through the rules, within
  // effort x the default budget of steps (a step: one guest tried on one host). 0: greedy only.
  // Counted in steps, not seconds: the same input gives the same plan on any machine.
  int effort = 1;
};

// Places every guest without a fixed host; fixed guests stay on their host (their nodes and
// CPUs are chosen like anyone's). Deterministic: ties go to the lower index.
Plan place(const Scenario& scenario, const PlaceOptions& options = {});

// The bound place reports for a plan (docs/placement.md): no plan that places the same guests
// uses fewer hosts, with the policy's failures to survive. `without_failures`: the bound
// without failures, when already known.
int plan_lower_bound(const Scenario& scenario, const Plan& plan, std::optional<int> without_failures = std::nullopt);

}  // namespace kvmplan
