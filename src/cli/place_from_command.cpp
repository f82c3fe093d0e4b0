// kvmplan place --from PLAN: re-plan a running fleet with few moves (replan.hpp), check the
// result as place does, write it; on standard error what changed since the plan and the moves.
#include <algorithm>
#include <sstream>

#include "common.hpp"
#include "kvmplan/io/atomic_file.hpp"
#include "kvmplan/placement/replan.hpp"
#include "kvmplan/plan/check.hpp"
#include "kvmplan/plan/plan_writer.hpp"
#include "kvmplan/report/problems.hpp"
#include "kvmplan/report/size_report.hpp"

namespace kvmplan::cli {
namespace {

// "a, b, c and 12 more"
std::string some(const std::vector<std::string>& names) {
  constexpr std::size_t shown = 5;
  std::string text;
  for (std::size_t i = 0; i < names.size() && i < shown; ++i) text += (i ? ", " : "") + names[i];
  if (names.size() > shown) text += " and " + std::to_string(names.size() - shown) + " more";
  return text;
}

std::string guests(std::size_t n) { return std::to_string(n) + (n == 1 ? " guest" : " guests"); }

void write_order(std::ostream& s, const MigrationOrder& order) {
  for (const auto& m : order.steps) s << m.guest << ": " << (m.from.empty() ? "(not placed)" : m.from) << " -> " << m.to << "\n";
  for (const auto& m : order.stuck) {
    s << "# no safe moment: " << m.guest << ": " << (m.from.empty() ? "(not placed)" : m.from) << " -> " << m.to << "\n";
  }
}

}  // namespace

int run_place_from(const PlaceOptions& options, std::ostream& out, std::ostream& err) {
  Loaded loaded;
  if (!load(options.common, loaded, err)) return 2;
  PlanDocument doc;
  stage(options.common, "reading " + options.from);
  if (!read_plan_file(options.from, loaded, doc, err)) return 2;
  // Hosts to retire: the scenario's leave it; the plan's pool hosts are not reopened.
  ReplanOptions replan_options;
  replan_options.max_moves = options.max_moves;
  auto retired = retire_hosts(loaded.scenario, options.retire, replan_options.retire);
  if (!retired) {
    err << "kvmplan: error: --retire: " << retired.error() << "\n";
    return 2;
  }
  for (const auto& name : replan_options.retire) {
    if (std::none_of(doc.hosts.begin(), doc.hosts.end(), [&](const PlannedHost& h) { return h.name == name && !h.pool.empty(); })) {
      err << "kvmplan: error: --retire " << name << ": no host of the scenario or pool host of the plan has that name\n";
      return 2;
    }
  }
  const Scenario& scenario = retired.value();
  stage(options.common, "re-planning " + counted(scenario.guests.size(), "guest", "guests") + " from " + counted(doc.placements.size(), "placement", "placements"));
  const Replanned r = replan(scenario, doc, replan_options);
  kvmplan::CheckOptions check_options;
  check_options.evacuations = options.failures;
  stage(options.common, "checking the plan");
  const CheckResult checked = check_plan(scenario, r.plan, check_options);
  const auto format = options.format == "json" ? PlanFormat::json : PlanFormat::yaml;
  const FailureReport* failures = checked.failures ? &*checked.failures : nullptr;
  // On a terminal without -o, no plan (standard error says what changed): as place.
  const bool summary_only = options.terminal && !options.output_given;
  if (!summary_only) writing(options.common, options.output, "writing the plan: " + counted(scenario.guests.size(), "guest", "guests"));
  const auto written = summary_only ? Result<bool>(true)
                                    : write_atomically(options.output, out, [&](std::ostream& s) { write_plan(s, scenario, r.plan, format, failures); });
  if (!written) {
    err << "kvmplan: error: " << written.error() << "\n";
    return 2;
  }
  for (const auto& v : checked.violations) err << violation_line(v, SourceFiles{}) << "\n";
  if (!options.order.empty()) {
    const MigrationOrder order = migration_order(scenario, doc, r.plan);
    if (options.order == "-") {
      write_order(err, order);
    } else if (const auto w = write_atomically(options.order, err, [&](std::ostream& s) { write_order(s, order); }); !w) {
      err << "kvmplan: error: " << w.error() << "\n";
      return 2;
    }
    if (!options.common.quiet || !order.stuck.empty()) {
      err << "kvmplan: order: " << order.steps.size() << (order.steps.size() == 1 ? " step" : " steps")
          << (order.failures_checked ? ", each surviving the failures" : "");
      if (!order.stuck.empty()) err << "; " << order.stuck.size() << " with no safe moment (each waits on another: move it through a spare host)";
      err << "\n";
    }
  }
  if (!options.common.quiet) {
    const Plan& plan = r.plan;
    if (!r.gone_guests.empty()) err << "kvmplan: from plan: " << guests(r.gone_guests.size()) << " no longer in the scenario, dropped: " << some(r.gone_guests) << "\n";
    if (!r.gone_hosts.empty()) err << "kvmplan: from plan: hosts gone or retired, their guests placed anew: " << some(r.gone_hosts) << "\n";
    if (r.optional_skipped) err << "kvmplan: from plan: --max-moves not used: with failures to survive (ha), hosts are not emptied\n";
    err << "kvmplan: " << plan.hosts_used << (plan.hosts_used == 1 ? " host" : " hosts") << " used ("
        << bound_text(plan.hosts_used, plan.lower_bound_hosts, plan.optimal()) << "), " << plan.unplaced.size() << " unplaced";
    if (!checked.violations.empty()) err << ", " << checked.violations.size() << (checked.violations.size() == 1 ? " violation" : " violations");
    err << "; " << r.kept << " kept, " << r.needed_moves + r.optional_moves << " moved (" << r.needed_moves << " needed, "
        << r.optional_moves << " to empty " << r.emptied.size() << (r.emptied.size() == 1 ? " host" : " hosts") << "), " << r.placed << " placed anew"
        << (options.output != "-" ? "; wrote " + options.output : std::string()) << "\n";
    if (!r.emptied.empty()) err << "kvmplan: emptied: " << some(r.emptied) << "\n";
    if (failures && (failures->host_failures > 0 || failures->zone_failures > 0)) err << "kvmplan: " << failures_line(*failures) << "\n";
  }
  if (summary_only) out << plan_not_written_note;
  return r.plan.unplaced.empty() && checked.violations.empty() ? 0 : 1;
}

}  // namespace kvmplan::cli
