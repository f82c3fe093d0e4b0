#pragma once
// `kvmplan check`: verifies a placement document against the scenario with its own accounting,
// not the placer's: the oracle of the placer's tests. docs/placement.md lists what it checks.
#include <string>
#include <vector>

#include "kvmplan/plan/plan_reader.hpp"
#include "kvmplan/scenario/scenario.hpp"

namespace kvmplan {

struct CheckResult {
  std::vector<std::string> violations;  // one line each: "plan.yaml:12:5: web-03: ..."
  std::vector<std::string> unplaced;    // guests the plan leaves unplaced
  bool ok() const { return violations.empty() && unplaced.empty(); }
};

CheckResult check_plan(const Scenario& scenario, const PlanDocument& plan, const SourceFiles& sources);

}  // namespace kvmplan
