#pragma once
// `kvmplan size`: every host's swap and overcommit figures, as text, Markdown or JSON.
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
SizeReport size_plan(const Scenario& scenario, const Plan& plan);

void write_size_text(std::ostream& out, const SizeReport& report);
void write_size_markdown(std::ostream& out, const SizeReport& report);
void write_size_json(std::ostream& out, const SizeReport& report);

}  // namespace kvmplan
