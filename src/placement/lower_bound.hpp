#pragma once
// The proven lower bound on hosts that `kvmplan place` reports (docs/placement.md).
#include "kvmplan/placement/place.hpp"

namespace kvmplan::placement {

// No plan that places the same guests as `plan` uses fewer hosts (when every guest is placed:
// no valid plan at all).
int lower_bound(const Scenario& scenario, const Plan& plan);
// No plan that places every guest uses fewer hosts.
int lower_bound(const Scenario& scenario);

}  // namespace kvmplan::placement
