#pragma once
// Re-planning a running fleet with few moves (`kvmplan place --from PLAN`): the guests of an
// earlier plan stay where they are while every rule still holds there; the others (new guests,
// guests the plan left unplaced, guests on a host that is gone, guests whose place breaks a rule
// now) are placed by the engine onto what stays; then, within a move budget, hosts are emptied.
// docs/placement.md, "Re-planning", gives the details and what is guaranteed.
#include <cstdint>
#include <string>
#include <vector>

#include "kvmplan/placement/place.hpp"
#include "kvmplan/plan/plan_reader.hpp"
#include "kvmplan/values/result.hpp"

namespace kvmplan {

struct ReplanOptions {
  // Moves that are not needed but empty a host (so save one): at most this many in all. A host
  // is emptied only whole: all its guests move within what is left of the budget, or none.
  int max_moves = 0;
  // Pool hosts of the plan taken out of service: not reopened, their guests placed anew. (A
  // host of the scenario is retired by taking it out of the scenario: retire_hosts.)
  std::vector<std::string> retire;
};

struct Replanned {
  Plan plan;
  std::size_t kept = 0;                 // guests that stay where the plan had them
  std::size_t placed = 0;               // guests placed anew (new, unplaced before, or moved by need)
  std::size_t needed_moves = 0;         // guests of the plan on another host now, because they had to
  std::size_t optional_moves = 0;       // guests moved to empty hosts (within the budget)
  std::vector<std::string> gone_guests; // in the plan, not in the scenario: dropped
  std::vector<std::string> gone_hosts;  // hosts the plan names that the scenario no longer has (or retired)
  std::vector<std::string> emptied;     // hosts of the plan emptied by optional moves
  bool optional_skipped = false;        // failures to survive (ha): no optional moves made
};

// The plan `doc` (as read, of an earlier scenario perhaps) brought to `scenario`. Deterministic.
Replanned replan(const Scenario& scenario, const PlanDocument& doc, const ReplanOptions& options = {});

// The scenario without the named hosts (`count:` copies by their own names), the guests' fixed
// hosts renumbered. Names that are no host of the scenario go to `others`; a guest fixed on a
// named host is an error.
Result<Scenario> retire_hosts(const Scenario& scenario, const std::vector<std::string>& names, std::vector<std::string>& others);

// One step of a migration order: guest from host to host ("" from: a guest that starts there).
struct MigrationStep {
  std::string guest, from, to;
};
struct MigrationOrder {
  std::vector<MigrationStep> steps;     // in order; each, done after those before it, keeps every rule
  std::vector<MigrationStep> stuck;     // moves no order found a safe moment for (empty: all ordered)
  bool failures_checked = false;        // ha set: each step also kept the failures survived
};

// An order for the moves from `before` (a plan document) to `after` (re-planned for `scenario`):
// greedy, each step the first move (by guest name) whose target host takes the guest now.
MigrationOrder migration_order(const Scenario& scenario, const PlanDocument& before, const Plan& after);

}  // namespace kvmplan
