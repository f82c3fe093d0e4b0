// kvmplan headroom (headroom.hpp): the plan's loads rebuilt on its hosts, then guests of a flavor
// added one at a time through placement's own fit and group checks.
//
// Without failures to survive, a host that refuses the guest refuses it for good (more guests
// elsewhere change nothing on it), so one pass over the hosts, filling each in turn, counts
// them: O(hosts + guests added). With ha set, each addition is verified by check's failure
// verdict on the whole plan, and a host whose addition breaks it takes no more (more load
// elsewhere only makes failures harder to survive): one verdict per guest added and per host.
#include "kvmplan/placement/headroom.hpp"

#include <algorithm>
#include <set>

#include "kvmplan/plan/check.hpp"
#include "kvmplan/values/diagnostics.hpp"
#include "placement/demands.hpp"
#include "placement/fleet.hpp"

namespace kvmplan {
namespace {

using placement::Fit;
using placement::HostState;

// The scenario as the plan has it: its hosts (pool hosts opened) are the fleet, no pool opens.
Scenario fixed_fleet(const Scenario& s, const Plan& plan) {
  Scenario fixed = s;
  fixed.hosts = plan.hosts;
  for (auto& h : fixed.hosts) h.auto_pool = false;
  fixed.auto_pools.clear();
  return fixed;
}

class Adder {
 public:
  Adder(const Scenario& s, const Plan& plan)
      : s_(fixed_fleet(s, plan)), plan_(plan), fleet_(s_, false, plan.hosts.size()), demands_(s_), groups_(s_.groups.size()),
        closed_(plan.hosts.size(), 0),
        ha_(s_.policy.ha.host_failures > 0 || s_.policy.ha.zone_failures > 0) {
    for (std::uint32_t g = 0; g < s_.guests.size(); ++g) {
      const Placement& pl = plan.placements[g];
      if (pl.host < 0) continue;
      const auto h = static_cast<std::size_t>(pl.host);
      Fit f;
      f.nodes = pl.nodes;
      f.pins = pl.vcpupin;
      placement::reserve(fleet_.state(h), demands_.of(g), f);
      rules::reserve_groups(groups_, s_.spec(s_.guests[g]).groups, fleet_.group_place(h), f.nodes);
    }
    if (ha_) plan_.pinned.resize(plan_.hosts.size());
  }

  // Adds guests like `model` (a guest index) while any host takes one; per host, how many.
  std::int64_t fill(std::uint32_t model, std::vector<std::int64_t>& per_host) {
    per_host.assign(fleet_.size(), 0);
    closed_.assign(fleet_.size(), 0);  // a host closed to a larger guest may take a smaller one
    std::int64_t total = 0;
    const auto& groups = s_.spec(s_.guests[model]).groups;
    const bool soft = std::any_of(groups.begin(), groups.end(), [&](std::uint32_t gr) { return !rules::hard(s_.groups[gr].policy); });
    // Soft group rules kept while any host allows it, then bent (as placement does).
    for (bool soft_as_hard : {true, false}) {
      if (!soft_as_hard && !soft) break;
      for (std::size_t h = 0; h < fleet_.size(); ++h) {
        while (!closed_[h] && add(model, h, soft_as_hard)) {
          ++per_host[h];
          ++total;
        }
      }
    }
    return total;
  }

 private:
  bool add(std::uint32_t model, std::size_t h, bool soft_as_hard) {
    const auto& groups = s_.spec(s_.guests[model]).groups;
    const rules::GroupCheck gc = rules::check_groups(s_, groups_, groups, fleet_.group_place(h), soft_as_hard);
    if (gc.broken) return false;
    HostState& state = fleet_.state(h);
    const rules::Demand& demand = demands_.of(model);
    Fit f = placement::fit(state, demand, s_.policy, gc.rule, false);
    if (!f.fits()) return false;
    f.pins = placement::choose_pins(state, demand, f.nodes);
    if (ha_ && !survives_with(model, h, f)) {
      closed_[h] = 1;
      return false;
    }
    placement::reserve(state, demand, f);
    rules::reserve_groups(groups_, groups, fleet_.group_place(h), f.nodes);
    return true;
  }

  // Whether the plan with one more guest like `model` on h (as `f` says) survives its failures:
  // check's verdict, on the plan with every guest added so far. Kept when it does.
  bool survives_with(std::uint32_t model, std::size_t h, const Fit& f) {
    Guest guest = s_.guests[model];
    guest.name = "headroom-" + std::to_string(++added_);
    guest.host = -1;
    s_.guests.push_back(guest);
    Placement pl;
    pl.host = static_cast<std::int32_t>(h);
    pl.nodes = f.nodes;
    pl.vcpupin = f.pins;
    plan_.placements.push_back(pl);
    CheckOptions options;
    options.first_broken_failure = true;
    const CpuSet pinned_before = plan_.pinned[h];
    for (int cpu : f.pins) plan_.pinned[h].insert(cpu);
    const CheckResult c = check_plan(s_, plan_, options);
    if (c.failures && c.failures->survives) return true;
    s_.guests.pop_back();
    plan_.placements.pop_back();
    plan_.pinned[h] = pinned_before;
    --added_;
    return false;
  }

  Scenario s_;
  Plan plan_;                        // with ha: the plan and the guests added, for check
  placement::Fleet fleet_;
  placement::Demands demands_;
  std::vector<rules::GroupState> groups_;
  std::vector<char> closed_;         // with ha: hosts whose next guest breaks the failure rule
  bool ha_;
  std::int64_t added_ = 0;
};

}  // namespace

Result<HeadroomReport> headroom(const Scenario& scenario, const Plan& plan, const std::vector<std::string>& flavors, bool tiered) {
  // Each flavor's model: the first guest of the first entry of that flavor.
  std::vector<std::pair<std::string, std::uint32_t>> models;
  std::set<std::string> seen;
  for (std::uint32_t g = 0; g < scenario.guests.size(); ++g) {
    const std::string& f = scenario.spec(scenario.guests[g]).flavor;
    if (!f.empty() && seen.insert(f).second) models.emplace_back(f, g);
  }
  std::vector<std::pair<std::string, std::uint32_t>> asked;
  if (flavors.empty()) asked = models;
  for (const auto& name : flavors) {
    auto it = std::find_if(models.begin(), models.end(), [&](const auto& m) { return m.first == name; });
    if (it == models.end()) {
      std::vector<std::string> names;
      for (const auto& m : models) names.push_back(m.first);
      const std::string hint = nearest(name, names);
      return Error{"no guest has flavor \"" + name + "\"" + (hint.empty() ? "" : "; did you mean \"" + hint + "\"?") +
                   " (headroom adds guests like the first of a flavor's guests)"};
    }
    if (std::none_of(asked.begin(), asked.end(), [&](const auto& a) { return a.first == name; })) asked.push_back(*it);
  }
  HeadroomReport report;
  report.failures = scenario.policy.ha.host_failures > 0 || scenario.policy.ha.zone_failures > 0;
  for (const auto& h : plan.hosts) report.hosts.push_back(h.name);
  for (const auto& [name, model] : asked) {
    Adder adder(scenario, plan);
    FlavorHeadroom fh{name, 0, {}};
    fh.fits = adder.fill(model, fh.per_host);
    report.flavors.push_back(std::move(fh));
  }
  if (tiered && !asked.empty()) {
    // Largest first: memory, then vCPUs, then name.
    std::sort(asked.begin(), asked.end(), [&](const auto& a, const auto& b) {
      const GuestSpec& x = scenario.spec(scenario.guests[a.second]);
      const GuestSpec& y = scenario.spec(scenario.guests[b.second]);
      if (x.memory != y.memory) return x.memory > y.memory;
      if (x.vcpus != y.vcpus) return x.vcpus > y.vcpus;
      return a.first < b.first;
    });
    Adder adder(scenario, plan);
    for (const auto& [name, model] : asked) {
      FlavorHeadroom fh{name, 0, {}};
      fh.fits = adder.fill(model, fh.per_host);
      report.tiered.push_back(std::move(fh));
    }
  }
  return report;
}

}  // namespace kvmplan
