#pragma once
// `kvmplan size`: every host's swap and overcommit figures, as text, Markdown, JSON, CSV or
// HTML. Text and Markdown open with a summary, then the hosts (grouped by shape when there are
// many), then the findings grouped by code.
#include <memory>
#include <ostream>
#include <optional>
#include <string>
#include <vector>

#include "kvmplan/model/model.hpp"
#include "kvmplan/placement/place.hpp"
#include "kvmplan/plan/check.hpp"
#include "kvmplan/plan/plan.hpp"
#include "kvmplan/scenario/scenario.hpp"

namespace kvmplan {

struct HostSizing {
  std::string name;
  HostFigures figures;   // warnings: the model's advice, then the rules this host breaks
};

struct SizeReport {
  const Scenario* scenario = nullptr;
  std::shared_ptr<const Plan> plan;  // the plan sized: where each guest runs (CSV per guest)
  std::string swap_baseline;  // the policy's name for it: "rhel5", "4GiB"
  std::vector<HostSizing> hosts;
  std::vector<Unplaced> unplaced;
  // What check finds in the plan (fixed guests that break a rule, a host short of the swap it
  // declares): the same lines `kvmplan check` prints.
  std::vector<Diagnostic> violations;
  std::optional<FailureReport> failures;  // with ha set: whether the plan survives them
  int placed_guests = 0;
  int hosts_used = 0;          // hosts that run a guest, and the spare hosts failures need
  int lower_bound_hosts = 0;   // no valid plan uses fewer
  bool optimal = false;        // every guest placed on as few hosts as any plan can (Plan::optimal)

  std::int64_t total_swap_mib() const;
  // Exit status 0 is earned: every guest placed and no rule broken (check accepts the plan).
  bool complete() const { return unplaced.empty() && violations.empty(); }
};

// Places the guests without a host (as `kvmplan place` does), then sizes every host: the
// scenario's hosts and those opened from `count: auto` pools, and checks the plan as `kvmplan
// check` does. Guests that fit nowhere are reported unplaced with the reasons.
// "lower bound 12, optimal", "lower bound 11, optimal (proven by search)" or "lower bound 11,
// gap 1": how the hosts used compare with the bound, for the text reports.
std::string bound_text(int hosts_used, int lower_bound, bool optimal);

SizeReport size_scenario(const Scenario& scenario, const PlaceOptions& options = {});
// Sizes a plan already made (a plan in memory, or read back), and checks it.
SizeReport size_plan(const Scenario& scenario, Plan plan);

// Which hosts the host tables of text, Markdown and CSV list, in what order; the summary
// always counts every host.
struct SizeView {
  std::string sort = "name";    // one of size_sort_keys(); "name": the plan's order
  int top = 0;                  // the first N hosts once sorted; 0: all
  std::string host_pattern;     // a glob (fnmatch): only the hosts it matches; "": all
  bool all_hosts = false;       // one row per host even when there are many (no grouping)
};
// Above this many hosts listed, hosts of identical figures share one row ("kvm-001..kvm-120
// (120 hosts)") and warnings of one code share one line.
inline constexpr std::size_t group_hosts_above = 20;
// The keys of --sort: name ascending, the others largest first.
const std::vector<std::string>& size_sort_keys();

void write_size_text(std::ostream& out, const SizeReport& report, const SizeView& view = {});
void write_size_markdown(std::ostream& out, const SizeReport& report, const SizeView& view = {});
void write_size_json(std::ostream& out, const SizeReport& report);
// RFC 4180 CSV, a header row then one row per host (sizes in exact MiB as in JSON).
void write_size_csv(std::ostream& out, const SizeReport& report, const SizeView& view = {});
// One row per guest: where it runs (host, nodes, CPUs), its size, and why when unplaced.
void write_size_csv_guests(std::ostream& out, const SizeReport& report, const SizeView& view = {});
// One self-contained HTML page (inline SVG and a few lines of script, nothing fetched).
void write_size_html(std::ostream& out, const SizeReport& report);

}  // namespace kvmplan
