// kvmplan size: load, place what has no host, size, write.
#include "common.hpp"
#include "kvmplan/io/atomic_file.hpp"
#include "kvmplan/placement/place.hpp"
#include "kvmplan/plan/check.hpp"
#include "kvmplan/plan/plan_reader.hpp"
#include "kvmplan/report/problems.hpp"
#include "kvmplan/report/size_report.hpp"

namespace kvmplan::cli {

namespace {

// Options that do not go with the format: the message, or "" when they all do.
std::string misfit(const SizeOptions& o) {
  if (o.per == "guest" && o.format != "csv") return "--per guest needs --format csv";
  const bool chosen = o.sort != "name" || o.top > 0 || !o.host_pattern.empty() || o.hosts != "auto";
  if (chosen && (o.format == "json" || o.format == "html")) {
    return "--sort, --top, --host and --hosts choose the rows of text, markdown and csv; --format " + o.format + " always has every host";
  }
  return "";
}

}  // namespace

int run_size(const SizeOptions& options, std::ostream& out, std::ostream& err) {
  if (const std::string problem = misfit(options); !problem.empty()) {
    err << "kvmplan: error: " << problem << "\n";
    return 2;
  }
  Loaded loaded;
  if (!load(options.common, loaded, err)) return 2;
  SizeReport report;
  if (options.placement.empty()) {
    kvmplan::PlaceOptions place_options;
    place_options.effort = options.common.effort;
    stage(options.common, "placing and sizing " + counted(loaded.scenario.guests.size(), "guest", "guests") + " (greedy, then the search for fewer hosts)");
    report = size_scenario(loaded.scenario, place_options);
  } else {
    // A given plan, sized as it is: one check accepts (guests it leaves unplaced are listed as
    // size lists its own); one check rejects is refused, as the exports refuse it.
    Plan plan;
    if (const int code = read_checked_plan(options.common, options.placement, loaded, plan, err, "nothing sized"); code != 0) return code;
    plan.lower_bound_hosts = plan_lower_bound(loaded.scenario, plan);
    if (loaded.scenario.policy.ha.host_failures > 0 || loaded.scenario.policy.ha.zone_failures > 0) {
      plan.hosts_used = static_cast<int>(plan.hosts.size());  // spares count, as place counts them
    }
    stage(options.common, "sizing " + counted(plan.hosts.size(), "host", "hosts"));
    report = size_plan(loaded.scenario, std::move(plan));
  }
  SizeView view;
  view.sort = options.sort;
  view.top = options.top;
  view.host_pattern = options.host_pattern;
  view.all_hosts = options.hosts == "all";
  writing(options.common, options.output, "writing the " + options.format + " report");
  const auto written = write_atomically(options.output, out, [&](std::ostream& s) {
    if (options.format == "json") write_size_json(s, report);
    else if (options.format == "markdown") write_size_markdown(s, report, view);
    else if (options.format == "csv" && options.per == "guest") write_size_csv_guests(s, report, view);
    else if (options.format == "csv") write_size_csv(s, report, view);
    else if (options.format == "html") write_size_html(s, report);
    else write_size_text(s, report, view);
  });
  if (!written) {
    err << "kvmplan: error: " << written.error() << "\n";
    return 2;
  }
  if (!options.common.quiet && options.output != "-") err << "kvmplan: wrote " << options.output << "\n";
  return report.complete() ? 0 : 1;
}

}  // namespace kvmplan::cli
