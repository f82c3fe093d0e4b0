// kvmplan check: load, read the plan, verify, print one line per violation.
#include "common.hpp"
#include "kvmplan/report/problems.hpp"
#include "kvmplan/plan/check.hpp"

namespace kvmplan::cli {

int run_check(const CheckOptions& options, std::ostream& out, std::ostream& err) {
  Loaded loaded;
  if (!load(options.common, loaded, err)) return 2;
  PlanDocument plan;
  stage(options.common, "reading " + options.placement);
  if (!read_plan_file(options.placement, loaded, plan, err)) return 2;
  stage(options.common, "checking " + counted(plan.placements.size(), "placement", "placements"));
  const CheckResult result = check_plan(loaded.scenario, plan, loaded.sources);
  writing(options.common, "-", "");
  for (const auto& v : result.violations) out << violation_line(v, loaded.sources) << "\n";
  for (const auto& u : result.unplaced) out << u << "\n";
  if (!options.common.quiet) {
    err << "kvmplan: " << result.violations.size() << (result.violations.size() == 1 ? " violation, " : " violations, ")
        << result.unplaced.size() << " unplaced\n";
    if (result.failures && (result.failures->host_failures > 0 || result.failures->zone_failures > 0)) {
      err << "kvmplan: " << failures_line(*result.failures) << "\n";
    }
  }
  return result.ok() ? 0 : 1;
}

}  // namespace kvmplan::cli
