#pragma once
// Wiring the subcommands share.
#include <ostream>

#include "cli.hpp"
#include "kvmplan/loader.hpp"

namespace kvmplan::cli {

// Loads the scenario files with the options' policy overrides; prints the problems and
// returns false when there are any.
bool load(const CommonOptions& options, Loaded& loaded, std::ostream& err);

}  // namespace kvmplan::cli
