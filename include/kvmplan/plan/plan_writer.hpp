#pragma once
// The placement document (spec section 6), as `place` writes it: YAML or JSON of the same
// structure, one placement per line, so that it streams however many guests there are.
#include <ostream>

#include "kvmplan/plan/plan.hpp"

namespace kvmplan {

enum class PlanFormat { yaml, json };

void write_plan(std::ostream& out, const Scenario& scenario, const Plan& plan, PlanFormat format);

}  // namespace kvmplan
