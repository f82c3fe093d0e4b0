// kvmplan place: load, place, write the plan.
#include "common.hpp"
#include "kvmplan/io/atomic_file.hpp"
#include "kvmplan/placement/placement.hpp"
#include "kvmplan/plan/plan_writer.hpp"

namespace kvmplan::cli {

int run_place(const PlaceOptions& options, std::ostream& out, std::ostream& err) {
  Loaded loaded;
  if (!load(options.common, loaded, err)) return 2;
  const Plan plan = place(loaded.scenario);
  const auto format = options.format == "json" ? PlanFormat::json : PlanFormat::yaml;
  const auto written = write_atomically(options.output, out, [&](std::ostream& s) { write_plan(s, loaded.scenario, plan, format); });
  if (!written) {
    err << "kvmplan: error: " << written.error() << "\n";
    return 2;
  }
  if (!options.common.quiet) {
    err << "kvmplan: " << plan.hosts_used << (plan.hosts_used == 1 ? " host" : " hosts") << " used (lower bound "
        << plan.lower_bound_hosts << "), " << plan.unplaced.size() << " unplaced";
    err << (options.output != "-" ? "; wrote " + options.output : std::string()) << "\n";
  }
  return plan.unplaced.empty() ? 0 : 1;
}

}  // namespace kvmplan::cli
