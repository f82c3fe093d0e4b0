// kvmplan place: load, place, check the plan as `kvmplan check` would, write it.
#include "common.hpp"
#include "kvmplan/io/atomic_file.hpp"
#include "kvmplan/placement/place.hpp"
#include "kvmplan/plan/check.hpp"
#include "kvmplan/plan/plan_writer.hpp"
#include "kvmplan/report/problems.hpp"
#include "kvmplan/report/size_report.hpp"

namespace kvmplan::cli {

int run_place(const PlaceOptions& options, std::ostream& out, std::ostream& err) {
  if (!options.from.empty()) return run_place_from(options, out, err);
  if (options.max_moves > 0 || !options.retire.empty() || !options.order.empty()) {
    err << "kvmplan: error: place: --max-moves, --retire and --order re-plan a plan: give it with --from PLAN\n";
    return 2;
  }
  Loaded loaded;
  if (!load(options.common, loaded, err)) return 2;
  kvmplan::PlaceOptions place_options;
  place_options.effort = options.common.effort;
  const Plan plan = place(loaded.scenario, place_options);
  // Fixed guests that break a rule make a plan check rejects: it is written, for the record,
  // with the same violations check prints, and the exit code says it does not hold.
  // With --failures, also where each guest restarts when its host or zone fails alone.
  kvmplan::CheckOptions check_options;
  check_options.evacuations = options.failures;
  const CheckResult checked = check_plan(loaded.scenario, plan, check_options);
  const auto format = options.format == "json" ? PlanFormat::json : PlanFormat::yaml;
  const FailureReport* failures = checked.failures ? &*checked.failures : nullptr;
  const auto written =
      write_atomically(options.output, out, [&](std::ostream& s) { write_plan(s, loaded.scenario, plan, format, failures); });
  if (!written) {
    err << "kvmplan: error: " << written.error() << "\n";
    return 2;
  }
  for (const auto& v : checked.violations) err << violation_line(v, SourceFiles{}) << "\n";
  if (!options.common.quiet) {
    err << "kvmplan: " << plan.hosts_used << (plan.hosts_used == 1 ? " host" : " hosts") << " used ("
        << bound_text(plan.hosts_used, plan.lower_bound_hosts, plan.optimal()) << "), " << plan.unplaced.size() << " unplaced";
    if (!checked.violations.empty()) err << ", " << checked.violations.size() << (checked.violations.size() == 1 ? " violation" : " violations");
    err << (options.output != "-" ? "; wrote " + options.output : std::string()) << "\n";
    if (failures && (failures->host_failures > 0 || failures->zone_failures > 0)) err << "kvmplan: " << failures_line(*failures) << "\n";
  }
  return plan.unplaced.empty() && checked.violations.empty() ? 0 : 1;
}

}  // namespace kvmplan::cli
