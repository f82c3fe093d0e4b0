#pragma once
// The placement document (spec section 6), as `place` writes it: YAML or JSON of the same
// structure, one placement per line, so that it streams however many guests there are.
#include <ostream>

#include "kvmplan/plan/check.hpp"
#include "kvmplan/plan/plan.hpp"

namespace kvmplan {

enum class PlanFormat { yaml, json };

// `failures`: the failure rule's verdict (with ha set), written as `failures`; with its
// evacuations, each as a `failover` list: where every guest restarts when its host (or zone)
// fails alone.
void write_plan(std::ostream& out, const Scenario& scenario, const Plan& plan, PlanFormat format, const FailureReport* failures = nullptr);

}  // namespace kvmplan
