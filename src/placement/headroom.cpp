// kvmplan headroom (headroom.hpp): the plan's loads rebuilt on its hosts, then guests of a flavor
// added one at a time through placement's own fit and group checks.
//
// Without failures to survive, a host that refuses the guest refuses it for good (more guests
// elsewhere change nothing on it), so one pass over the hosts, filling each in turn, counts
// them: O(hosts + guests added). With ha set, additions are verified by check's failure verdict
// on the whole plan, which simulates every failure: see fill_surviving.
#include "kvmplan/placement/headroom.hpp"

#include <algorithm>
#include <map>
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
  // `record`: keep the guests added in a scenario and plan of their own, for check's verdict.
  Adder(const Scenario& s, const Plan& plan, bool record)
      : s_(fixed_fleet(s, plan)), plan_(plan), fleet_(s_, false, plan.hosts.size()), demands_(s_), groups_(s_.groups.size()),
        closed_(plan.hosts.size(), 0), record_(record) {
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
    if (record_) plan_.pinned.resize(plan_.hosts.size());
  }

  std::size_t hosts() const { return fleet_.size(); }

  // Adds guests like `model` (a guest index) while any host takes one; per host, how many
  // (added to `per_host`). `verify`: each addition must keep the failures survived.
  std::int64_t fill(std::uint32_t model, std::vector<std::int64_t>& per_host, bool verify) {
    per_host.resize(fleet_.size(), 0);
    closed_.assign(fleet_.size(), 0);  // a host closed to a larger guest may take a smaller one
    std::int64_t total = 0;
    const auto& groups = s_.spec(s_.guests[model]).groups;
    const bool soft = std::any_of(groups.begin(), groups.end(), [&](std::uint32_t gr) { return !rules::hard(s_.groups[gr].policy); });
    // Soft group rules kept while any host allows it, then bent (as placement does).
    for (bool soft_as_hard : {true, false}) {
      if (!soft_as_hard && !soft) break;
      for (std::size_t h = 0; h < fleet_.size(); ++h) {
        while (!closed_[h] && add(model, h, soft_as_hard, verify)) {
          ++per_host[h];
          ++total;
        }
      }
    }
    return total;
  }

  // One guest like `model` on h, soft groups bent; whether it fits.
  bool add_on(std::uint32_t model, std::size_t h) { return add(model, h, false, false); }

  // Check's verdict on the plan with the guests added so far (recording adders only).
  bool survives() const {
    CheckOptions options;
    options.first_broken_failure = true;
    const CheckResult c = check_plan(s_, plan_, options);
    return c.failures && c.failures->survives;
  }

 private:
  bool add(std::uint32_t model, std::size_t h, bool soft_as_hard, bool verify) {
    const auto& groups = s_.spec(s_.guests[model]).groups;
    const rules::GroupCheck gc = rules::check_groups(s_, groups_, groups, fleet_.group_place(h), soft_as_hard);
    if (gc.broken) return false;
    HostState& state = fleet_.state(h);
    const rules::Demand& demand = demands_.of(model);
    Fit f = placement::fit(state, demand, s_.policy, gc.rule, false);
    if (!f.fits()) return false;
    f.pins = placement::choose_pins(state, demand, f.nodes);
    if (record_) {
      record(model, h, f);
      if (verify && !survives()) {
        unrecord(h);
        closed_[h] = 1;
        return false;
      }
    }
    placement::reserve(state, demand, f);
    rules::reserve_groups(groups_, groups, fleet_.group_place(h), f.nodes);
    return true;
  }

  void record(std::uint32_t model, std::size_t h, const Fit& f) {
    Guest guest = s_.guests[model];
    guest.name = "headroom-" + std::to_string(s_.guests.size());
    guest.host = -1;
    s_.guests.push_back(guest);
    Placement pl;
    pl.host = static_cast<std::int32_t>(h);
    pl.nodes = f.nodes;
    pl.vcpupin = f.pins;
    plan_.placements.push_back(pl);
    pinned_before_ = plan_.pinned[h];
    for (int cpu : f.pins) plan_.pinned[h].insert(cpu);
  }

  void unrecord(std::size_t h) {
    s_.guests.pop_back();
    plan_.placements.pop_back();
    plan_.pinned[h] = pinned_before_;
  }

  Scenario s_;
  Plan plan_;                        // recording: the plan and the guests added, for check
  placement::Fleet fleet_;
  placement::Demands demands_;
  std::vector<rules::GroupState> groups_;
  std::vector<char> closed_;         // hosts whose next guest breaks the failure rule
  bool record_;
  CpuSet pinned_before_;
};

// Up to this many hosts, with failures to survive, guests are added one at a time, each
// verified (one verdict per guest and per host); beyond, only the longest prefix of a round
// of the hosts that survives (log2 verdicts): a verdict simulates every failure of the plan.
constexpr std::size_t one_at_a_time_up_to = 64;

// With ha set. The hosts' room without failures (a fill, unverified) makes a sequence that
// takes the hosts in turn, one guest each (spreading keeps room for the failures); the longest
// prefix of it that survives is found by doubling then halving (adding guests only makes
// failures harder to survive); small plans then go on one guest at a time.
std::int64_t fill_surviving(const Scenario& s, const Plan& plan, std::uint32_t model, std::vector<std::int64_t>& per_host) {
  std::vector<std::int64_t> room;
  Adder(s, plan, false).fill(model, room, false);
  std::vector<std::size_t> seq;
  for (std::vector<std::int64_t> left = room;;) {
    const std::size_t before = seq.size();
    for (std::size_t h = 0; h < left.size(); ++h) {
      if (left[h] > 0) {
        --left[h];
        seq.push_back(h);
      }
    }
    if (seq.size() == before) break;
  }
  auto prefix = [&](Adder& a, std::size_t m, std::vector<std::int64_t>& counts) {
    counts.assign(a.hosts(), 0);
    for (std::size_t i = 0; i < m; ++i) counts[seq[i]] += a.add_on(model, seq[i]) ? 1 : 0;
  };
  auto holds = [&](std::size_t m) {
    Adder a(s, plan, true);
    std::vector<std::int64_t> counts;
    prefix(a, m, counts);
    return a.survives();
  };
  const std::size_t n = seq.size();
  if (!holds(0)) {
    per_host.assign(plan.hosts.size(), 0);
    return 0;  // the plan does not survive as it is: no guest more
  }
  std::size_t good = 0, bad = n + 1;  // the prefix of `good` survives; that of `bad` does not (n + 1: none seen)
  for (std::size_t m = 1; m <= n; m = m == n ? n + 1 : std::min(n, m * 2)) {
    if (!holds(m)) {
      bad = m;
      break;
    }
    good = m;
  }
  while (bad <= n && bad > good + 1) {
    const std::size_t mid = good + (bad - good) / 2;
    (holds(mid) ? good : bad) = mid;
  }
  Adder a(s, plan, true);
  prefix(a, good, per_host);
  std::int64_t total = 0;
  for (auto c : per_host) total += c;
  if (plan.hosts.size() > one_at_a_time_up_to) return total;
  return total + a.fill(model, per_host, true);
}

}  // namespace

Result<HeadroomReport> headroom(const Scenario& scenario, const Plan& plan, const std::vector<std::string>& flavors, bool tiered) {
  // Each flavor's model: the first guest of the first entry of that flavor, of the entry's own
  // spec (the lowest: a guest given a profile by its samples has a spec of its own, added after
  // every entry's, and added guests should not take one guest's samples).
  std::vector<std::pair<std::string, std::uint32_t>> models;
  std::map<std::string, std::size_t> seen;  // flavor -> its position in models
  for (std::uint32_t g = 0; g < scenario.guests.size(); ++g) {
    const std::string& f = scenario.spec(scenario.guests[g]).flavor;
    if (f.empty()) continue;
    auto [it, fresh] = seen.emplace(f, models.size());
    if (fresh) models.emplace_back(f, g);
    else if (scenario.guests[g].spec < scenario.guests[models[it->second].second].spec) models[it->second].second = g;
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
    FlavorHeadroom fh{name, 0, {}};
    fh.fits = report.failures ? fill_surviving(scenario, plan, model, fh.per_host) : Adder(scenario, plan, false).fill(model, fh.per_host, false);
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
    // With failures, one guest at a time on small plans only (each verified); left out beyond.
    if (report.failures && plan.hosts.size() > one_at_a_time_up_to) return report;
    Adder adder(scenario, plan, report.failures);
    for (const auto& [name, model] : asked) {
      FlavorHeadroom fh{name, 0, {}};
      fh.fits = adder.fill(model, fh.per_host, report.failures);
      report.tiered.push_back(std::move(fh));
    }
  }
  return report;
}

}  // namespace kvmplan
