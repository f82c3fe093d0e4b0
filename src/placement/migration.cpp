// A migration order for a re-plan (replan.hpp): the moves from the earlier plan to the new one,
// one at a time, each done only when its target host takes the guest with the guests it has at
// that moment (every rule of placement's fit, hard group rules, the new plan's nodes and pins),
// and, with ha set, when the plan so far still survives its failures (check's verdict).
//
// Greedy, in passes: each pass takes the moves left in guest-name order and does every one that
// fits now; a guest that leaves a host makes room for the next pass. Guests only the new plan
// places (starts) are steps too. Moves that wait on each other (a swap: each target full until
// the other leaves) are left over as `stuck`: no order of single moves exists for them without
// a third host, and the docs say so.
#include <algorithm>
#include <unordered_map>

#include "kvmplan/placement/replan.hpp"
#include "kvmplan/plan/check.hpp"
#include "placement/demands.hpp"
#include "placement/fleet.hpp"

namespace kvmplan {
namespace {

using placement::Fit;
using placement::HostState;

bool pins_free(const HostState& state, const Placement::Pins& pins) {
  for (int cpu : pins) {
    for (const auto& node : state.nodes) {
      if (node.pinned.contains(cpu)) return false;
    }
  }
  return true;
}

class Migration {
 public:
  Migration(const Scenario& s, const Plan& after)
      : s_(s), fixed_(fixed_fleet(s, after)), after_(after), fleet_(fixed_, false, after.hosts.size()), demands_(fixed_),
        at_(s.guests.size(), -1), where_(s.guests.size()), on_(after.hosts.size()) {}

  // Guest g runs on host h (of the new plan), on `f`'s nodes and pins.
  void put(std::uint32_t g, std::size_t h, Fit f) {
    placement::reserve(fleet_.state(h), demands_.of(g), f);
    fleet_.changed(h, false);
    at_[g] = static_cast<std::int32_t>(h);
    where_[g] = std::move(f);
    on_[h].push_back(g);
  }

  // Moves g to its host in the new plan when it takes it now; false (nothing changed) if not.
  bool move(std::uint32_t g, bool ha) {
    const Placement& to = after_.placements[g];
    const auto h = static_cast<std::size_t>(to.host);
    const auto& groups = fixed_.spec(fixed_.guests[g]).groups;
    if (!groups.empty()) rebuild_groups();
    const rules::GroupCheck gc = rules::check_groups(fixed_, groups_, groups, fleet_.group_place(h), false);
    if (gc.broken) return false;
    rules::NodeRule rule = gc.rule;
    if (!to.nodes.empty()) rule.required.assign(to.nodes.begin(), to.nodes.end());
    if (!placement::fit(fleet_.state(h), demands_.of(g), fixed_.policy, rule, false).fits()) return false;
    if (!pins_free(fleet_.state(h), to.vcpupin)) return false;
    const std::int32_t from = at_[g];
    std::optional<HostState> source;
    if (from >= 0) source = fleet_.state(static_cast<std::size_t>(from));
    const HostState target = fleet_.state(h);
    const Fit was = where_[g];
    leave(g);
    put(g, h, Fit{std::nullopt, to.nodes, to.vcpupin, 0});
    if (ha && !survives()) {
      on_[h].pop_back();
      fleet_.state(h) = target;
      at_[g] = from;
      where_[g] = was;
      if (from >= 0) {
        on_[static_cast<std::size_t>(from)].push_back(g);
        fleet_.state(static_cast<std::size_t>(from)) = *source;
      }
      return false;
    }
    return true;
  }

  std::vector<std::int32_t>& at() { return at_; }

 private:
  static Scenario fixed_fleet(const Scenario& s, const Plan& plan) {
    Scenario fixed = s;
    fixed.hosts = plan.hosts;
    for (auto& h : fixed.hosts) h.auto_pool = false;
    fixed.auto_pools.clear();
    return fixed;
  }

  // g leaves its host: the host rebuilt from the guests it keeps.
  void leave(std::uint32_t g) {
    if (at_[g] < 0) return;
    const auto h = static_cast<std::size_t>(at_[g]);
    auto& list = on_[h];
    list.erase(std::find(list.begin(), list.end(), g));
    const HostState& now = fleet_.state(h);
    HostState fresh = placement::make_host_state(*now.host, now.shape, fixed_.policy);
    for (auto other : list) placement::reserve(fresh, demands_.of(other), where_[other]);
    fleet_.state(h) = std::move(fresh);
    at_[g] = -1;
  }

  void rebuild_groups() {
    groups_.assign(fixed_.groups.size(), {});
    for (std::uint32_t g = 0; g < fixed_.guests.size(); ++g) {
      const auto& groups = fixed_.spec(fixed_.guests[g]).groups;
      if (groups.empty() || at_[g] < 0) continue;
      const auto h = static_cast<std::size_t>(at_[g]);
      rules::reserve_groups(groups_, groups, fleet_.group_place(h), where_[g].nodes);
    }
  }

  // Check's failure verdict on the plan as it stands (guests not placed yet count nowhere).
  bool survives() const {
    Plan plan;
    plan.hosts = after_.hosts;
    plan.placements.resize(s_.guests.size());
    plan.pinned.resize(plan.hosts.size());
    for (std::uint32_t g = 0; g < s_.guests.size(); ++g) {
      if (at_[g] < 0) continue;
      Placement& pl = plan.placements[g];
      pl.host = at_[g];
      pl.nodes = where_[g].nodes;
      pl.vcpupin = where_[g].pins;
      for (int cpu : pl.vcpupin) plan.pinned[static_cast<std::size_t>(pl.host)].insert(cpu);
    }
    CheckOptions options;
    options.first_broken_failure = true;
    const CheckResult c = check_plan(s_, plan, options);
    return !c.failures || c.failures->survives;
  }

  const Scenario& s_;
  Scenario fixed_;
  const Plan& after_;
  placement::Fleet fleet_;
  placement::Demands demands_;
  std::vector<rules::GroupState> groups_;
  std::vector<std::int32_t> at_;                 // per guest: its host now, -1 none
  std::vector<Fit> where_;                       // per guest: its nodes and pins now
  std::vector<std::vector<std::uint32_t>> on_;   // per host: its guests now
};

}  // namespace

MigrationOrder migration_order(const Scenario& s, const PlanDocument& before, const Plan& after) {
  MigrationOrder out;
  const bool ha = s.policy.ha.host_failures > 0 || s.policy.ha.zone_failures > 0;
  out.failures_checked = ha;
  Migration m(s, after);
  std::unordered_map<std::string, std::size_t> host_index;
  for (std::size_t h = 0; h < after.hosts.size(); ++h) host_index.emplace(after.hosts[h].name, h);
  std::unordered_map<std::string, std::uint32_t> guest_index;
  for (std::uint32_t g = 0; g < s.guests.size(); ++g) guest_index.emplace(s.guests[g].name, g);
  std::vector<std::string> from(s.guests.size());
  std::vector<const PlannedGuest*> was(s.guests.size(), nullptr);
  for (const PlannedGuest& pg : before.placements) {
    const auto g = guest_index.find(pg.guest);
    if (g != guest_index.end() && !was[g->second]) was[g->second] = &pg;
  }
  // The start: guests that stay where the new plan has them; guests that move, on their old
  // host while the new plan still has it (else nowhere: their host is gone).
  std::vector<std::pair<std::string, std::uint32_t>> pending;
  for (std::uint32_t g = 0; g < s.guests.size(); ++g) {
    const Placement& to = after.placements[g];
    if (to.host < 0) continue;  // not placed in the new plan: stopped, not moved
    const std::string& target = after.hosts[static_cast<std::size_t>(to.host)].name;
    const PlannedGuest* pg = was[g];
    if (pg && pg->host == target) {
      m.put(g, static_cast<std::size_t>(to.host), Fit{std::nullopt, to.nodes, to.vcpupin, 0});
      continue;
    }
    pending.emplace_back(s.guests[g].name, g);
    if (!pg) continue;
    from[g] = pg->host;
    const auto h = host_index.find(pg->host);
    if (h == host_index.end()) continue;
    const Host& host = after.hosts[h->second];
    Fit f;
    for (int id : pg->nodes) {
      for (std::size_t n = 0; n < host.nodes.size(); ++n) {
        if (host.nodes[n].id == id) f.nodes.push_back(static_cast<int>(n));
      }
    }
    f.pins = held_cpus(*pg);
    m.put(g, h->second, std::move(f));
  }
  std::sort(pending.begin(), pending.end());
  for (bool progress = true; progress && !pending.empty();) {
    progress = false;
    std::vector<std::pair<std::string, std::uint32_t>> left;
    for (const auto& [name, g] : pending) {
      if (m.move(g, ha)) {
        out.steps.push_back({name, from[g], after.hosts[static_cast<std::size_t>(after.placements[g].host)].name});
        progress = true;
      } else {
        left.emplace_back(name, g);
      }
    }
    pending = std::move(left);
  }
  for (const auto& [name, g] : pending) out.stuck.push_back({name, from[g], after.hosts[static_cast<std::size_t>(after.placements[g].host)].name});
  return out;
}

}  // namespace kvmplan
