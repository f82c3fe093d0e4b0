#pragma once
// Wiring the subcommands share.
#include <ostream>
#include <string>
#include <string_view>

#include "cli.hpp"
#include "kvmplan/scenario/loader.hpp"
#include "kvmplan/plan/plan_reader.hpp"

namespace kvmplan::cli {

// Shows the stage a command is in on a terminal (progress.hpp); nothing otherwise.
void stage(const CommonOptions& options, std::string_view text);
// The stage before output is written: shown when it goes to a file; cleared when it goes to
// standard output ("-"), which may be a pager or the terminal itself, so that no stage line
// sits among the output.
void writing(const CommonOptions& options, const std::string& output, std::string_view text);
// "187 guests", "1 host": a count for a stage line, with thousands separators.
std::string counted(std::size_t n, std::string_view one, std::string_view many);

// place, on a terminal without -o: why there is no plan, and how to get it.
extern const char* const plan_not_written_note;

// Loads the scenario files with the options' policy overrides; prints the problems and
// returns false when there are any.
bool load(const CommonOptions& options, Loaded& loaded, std::ostream& err);
// The policy overrides of the options (--baseline, --objective, --set), once load() accepted them.
LoadOptions load_options(const CommonOptions& options);

// Reads the plan at `path` into `plan` (its text joins loaded.sources); prints the problems of
// form and returns false when there are any.
bool read_plan_file(const std::string& path, Loaded& loaded, PlanDocument& plan, std::ostream& err);

// Reads the plan at `path` and checks it against the scenario, as size --placement and
// headroom --placement take one: into `plan` when check accepts it. Returns 0; 2 when it does
// not read (its problems printed); 1 when check rejects it (the violations printed, then
// "check rejects the plan (...): `refused`").
int read_checked_plan(const CommonOptions& options, const std::string& path, Loaded& loaded, Plan& plan, std::ostream& err,
                      const std::string& refused);

}  // namespace kvmplan::cli
