#pragma once
// `kvmplan show PLAN`: a plan as a person reads it, host by host: each host's guests with their
// NUMA nodes, CPUs, vCPUs and memory, from the plan document alone (no scenario needed).
#include <ostream>
#include <string>

#include "kvmplan/plan/plan_reader.hpp"

namespace kvmplan {

// Hosts in the order the plan first names them; `host_pattern` (a glob, "" all) keeps some.
void write_plan_text(std::ostream& out, const PlanDocument& plan, const std::string& host_pattern = "");

}  // namespace kvmplan
