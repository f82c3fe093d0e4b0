// kvmplan place: load, place, check the plan as `kvmplan check` would, write it (or, to a
// terminal without -o, a summary: a plan of thousands of lines is for files and pipes).
#include <algorithm>

#include "common.hpp"
#include "kvmplan/io/atomic_file.hpp"
#include "kvmplan/placement/place.hpp"
#include "kvmplan/plan/check.hpp"
#include "kvmplan/plan/plan_writer.hpp"
#include "kvmplan/report/problems.hpp"
#include "kvmplan/report/size_report.hpp"

namespace kvmplan::cli {

namespace {

// What a person at a terminal reads instead of the plan: the same status line place prints on
// standard error, guests per host, the unplaced guests (the first 5) and the failure verdict,
// then how to get the plan.
void write_place_summary(std::ostream& s, const Scenario& scenario, const Plan& plan, const CheckResult& checked,
                         const FailureReport* failures) {
  const std::size_t placed = scenario.guests.size() - plan.unplaced.size();
  s << plan.hosts_used << (plan.hosts_used == 1 ? " host" : " hosts") << " used ("
    << bound_text(plan.hosts_used, plan.lower_bound_hosts, plan.optimal()) << "), " << counted(placed, "guest", "guests")
    << " placed, " << plan.unplaced.size() << " unplaced";
  if (!checked.violations.empty()) s << ", " << counted(checked.violations.size(), "violation", "violations") << " (on standard error)";
  s << "\n";
  std::vector<std::size_t> per_host(plan.hosts.size(), 0);
  for (const Placement& p : plan.placements) {
    if (p.host >= 0) ++per_host[static_cast<std::size_t>(p.host)];
  }
  std::vector<std::size_t> used;
  for (std::size_t n : per_host) {
    if (n > 0) used.push_back(n);
  }
  if (!used.empty()) {
    std::sort(used.begin(), used.end());
    s << "guests per host: min " << used.front() << ", median " << used[(used.size() - 1) / 2] << ", max " << used.back() << "\n";
  }
  constexpr std::size_t shown = 5;
  for (std::size_t i = 0; i < plan.unplaced.size() && i < shown; ++i) {
    s << "unplaced: " << scenario.guests[plan.unplaced[i].guest].name << ": " << plan.unplaced[i].summary << "\n";
  }
  if (plan.unplaced.size() > shown) s << "unplaced: " << plan.unplaced.size() - shown << " more (kvmplan size lists them all)\n";
  if (failures && (failures->host_failures > 0 || failures->zone_failures > 0)) s << failures_line(*failures) << "\n";
  s << plan_not_written_note;
}

}  // namespace

const char* const plan_not_written_note =
    "The plan was not written (standard output is a terminal): -o plan.yaml writes it, as does a pipe or a redirection\n"
    "(kvmplan place ... > plan.yaml); kvmplan show plan.yaml reads it host by host.\n";

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
  stage(options.common, "placing " + counted(loaded.scenario.guests.size(), "guest", "guests") + " (greedy, then the search for fewer hosts)");
  const Plan plan = place(loaded.scenario, place_options);
  // Fixed guests that break a rule make a plan check rejects: it is written, for the record,
  // with the same violations check prints, and the exit code says it does not hold.
  // With --failures, also where each guest restarts when its host or zone fails alone.
  kvmplan::CheckOptions check_options;
  check_options.evacuations = options.failures;
  stage(options.common, "checking the plan: " + counted(static_cast<std::size_t>(plan.hosts_used), "host", "hosts"));
  const CheckResult checked = check_plan(loaded.scenario, plan, check_options);
  const auto format = options.format == "json" ? PlanFormat::json : PlanFormat::yaml;
  const FailureReport* failures = checked.failures ? &*checked.failures : nullptr;
  if (options.terminal && !options.output_given) {
    for (const auto& v : checked.violations) err << violation_line(v, SourceFiles{}) << "\n";
    write_place_summary(out, loaded.scenario, plan, checked, failures);
    return plan.unplaced.empty() && checked.violations.empty() ? 0 : 1;
  }
  writing(options.common, options.output, "writing the plan: " + counted(loaded.scenario.guests.size(), "guest", "guests"));
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
