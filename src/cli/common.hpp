#pragma once
// Wiring the subcommands share.
#include <ostream>

#include "cli.hpp"
#include "kvmplan/scenario/loader.hpp"
#include "kvmplan/plan/plan_reader.hpp"

namespace kvmplan::cli {

// Loads the scenario files with the options' policy overrides; prints the problems and
// returns false when there are any.
bool load(const CommonOptions& options, Loaded& loaded, std::ostream& err);
// The policy overrides of the options (--baseline, --objective, --set), once load() accepted them.
LoadOptions load_options(const CommonOptions& options);

// Reads the plan at `path` into `plan` (its text joins loaded.sources); prints the problems of
// form and returns false when there are any.
bool read_plan_file(const std::string& path, Loaded& loaded, PlanDocument& plan, std::ostream& err);

}  // namespace kvmplan::cli
