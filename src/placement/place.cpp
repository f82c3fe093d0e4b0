#include "kvmplan/placement/place.hpp"

#include <algorithm>
#include <map>
#include <memory>
#include <numeric>
#include <set>
#include <tuple>

#include "kvmplan/plan/check.hpp"
#include "placement/engine.hpp"
#include "placement/lower_bound.hpp"
#include "rules/failures.hpp"

namespace kvmplan {
namespace {

using Order = PlaceOptions::Order;

// Pools of one shape (hosts that differ in name and zone only) share their hosts out evenly,
// the first pools taking the remainder: spreading, and keeping room for a zone's failure,
// both want every zone to have its part.
std::vector<int> balanced(const Scenario& s, std::vector<int> preopen) {
  std::map<std::string, std::vector<std::size_t>> by_shape;
  for (std::size_t p = 0; p < s.auto_pools.size(); ++p) by_shape[shape_key(s.auto_pools[p])].push_back(p);
  for (const auto& [key, pools] : by_shape) {
    int total = 0;
    for (auto p : pools) total += preopen[p];
    const auto n = static_cast<int>(pools.size());
    for (int i = 0; i < n; ++i) preopen[pools[static_cast<std::size_t>(i)]] = total / n + (i < total % n ? 1 : 0);
  }
  return preopen;
}

// The search's budget (docs/placement.md, "Search"): 50,000 steps per guest, at least 500,000
// and at most 10 million (up to about a second on the adversarial benchmark mixes); beyond
// 10,000 guests fewer, where one host is a smaller part of the fleet and the greedy is close to
// the bound: at a million guests 100,000 steps. Under usage profiles of more than 24 slots a
// step costs more (every fit adds and compares each slot): the budget is divided by slots / 24,
// so that a week of hourly slots costs about what a day does. `effort` multiplies it; 0 turns
// the search off.
std::int64_t search_steps(const Scenario& s, int effort) {
  if (effort <= 0) return 0;
  constexpr std::int64_t per_guest = 50'000, least = 500'000, most = 10'000'000, full_up_to = 10'000, least_large = 100'000;
  const auto guests = static_cast<std::int64_t>(s.guests.size());
  std::int64_t steps = guests <= full_up_to ? std::clamp(per_guest * guests, least, most) : std::max(least_large, most * full_up_to / guests);
  if (const auto slots = static_cast<std::int64_t>(s.slots()); slots > 24) steps = std::max<std::int64_t>(steps * 24 / slots, least_large);
  return steps * std::min(effort, 1000);
}

// The bound on hosts with failures to survive, from the bound without (rules/failures.hpp).
std::optional<std::int64_t> failure_bound(const Scenario& s, std::int64_t without) {
  std::set<std::string> zones;
  bool zoneless = false;
  for (const auto& h : s.hosts) {
    if (h.zone.empty()) zoneless = true;
    else zones.insert(h.zone);
  }
  for (const auto& pool : s.auto_pools) {
    if (pool.zone.empty() && pool.zones.empty()) zoneless = true;
    if (!pool.zone.empty()) zones.insert(pool.zone);
    zones.insert(pool.zones.begin(), pool.zones.end());
  }
  return rules::failure_bound(s.policy, without, static_cast<std::int64_t>(zones.size()), zoneless);
}

// Up to this many guests the portfolio tries every order.
constexpr std::size_t all_orders_up_to = 20'000;

class Placer {
 public:
  Placer(const Scenario& s, const PlaceOptions& options)
      : s_(s), options_(options), spread_(s.policy.objective == Objective::spread),
        ha_(s.policy.ha.host_failures > 0 || s.policy.ha.zone_failures > 0) {
    bound_ = placement::lower_bound(s);
    for (const auto& h : s.hosts) priced_ = priced_ || h.cost != Decimal::of(1);
    for (const auto& h : s.auto_pools) priced_ = priced_ || h.cost != Decimal::of(1);
    search_steps_ = search_steps(s, options.effort);
    hosts_expected_ = s.hosts.size() + (s.auto_pools.empty() ? 0 : static_cast<std::size_t>(bound_) + static_cast<std::size_t>(bound_) / 32 + 16);
  }

  // One engine run; `preopen`: hosts to open from each pool first.
  Plan run(Order order, bool spread, const std::vector<int>& preopen, std::vector<int>* opened = nullptr) const {
    placement::Engine engine(s_, spread, order, hosts_expected_);
    Plan plan = engine.run(preopen);
    if (opened) *opened = engine.opened();
    return plan;
  }

  // Packing in the asked order and, with the portfolio, the others (all four up to
  // `all_orders_up_to` guests; beyond, all but dominant share, which tied or lost on every
  // benchmark mix at a million guests and costs most), the best kept: most guests placed, then
  // least cost (each host its entry's `cost:`), then fewest hosts, ties to the earlier. Then,
  // unless failures need spare hosts, the search on it.
  std::unique_ptr<placement::Engine> packed() const {
    std::vector<Order> orders{options_.order};
    if (options_.portfolio) {
      const bool small = s_.guests.size() <= all_orders_up_to;
      for (Order o : {Order::bin_centric, Order::memory, Order::dominant_share, Order::vcpus}) {
        if (std::find(orders.begin(), orders.end(), o) == orders.end() && (small || o != Order::dominant_share)) orders.push_back(o);
      }
    }
    // Each order with the bin-centric fill's look-ahead (several pools: the room a class would
    // strand on its node); then, with several pools, bin-centric without it, so that the plan is
    // never worse than the plain dot product's (two-models at 300 guests, seed 2: 18 hosts
    // without, 19 with).
    std::vector<std::pair<Order, bool>> runs;
    for (Order o : orders) runs.emplace_back(o, true);
    if (options_.portfolio && s_.auto_pools.size() > 1) runs.emplace_back(Order::bin_centric, false);
    std::unique_ptr<placement::Engine> best;
    for (const auto& [order, lookahead] : runs) {
      auto engine = std::make_unique<placement::Engine>(s_, false, order, hosts_expected_, lookahead);
      engine->place({});
      // Most guests placed, then least cost (hosts, when no entry gives a cost), then fewest hosts.
      const auto key = [](const placement::Engine& e) { return std::make_tuple(e.unplaced(), e.cost_used(), e.hosts_used()); };
      if (!best || key(*engine) < key(*best)) {
        best = std::move(engine);
      }
      // Every guest placed on as few hosts as the bound allows: no order does better (unless
      // hosts differ in cost), and the others' runs would cost time and memory for nothing.
      if (best->unplaced() == 0 && best->hosts_used() <= bound_ && !priced_) break;
    }
    if (!ha_) best->search(bound_, search_steps_);
    return best;
  }

  // The plan with no failure to survive: packed; or spread over as many hosts as packing needs
  // (count: auto pools), or over the fixed fleet.
  Plan without_failures(std::vector<int>* opened_out) const {
    std::vector<int> opened;
    Plan plan;
    if (!spread_) {
      auto engine = packed();
      plan = engine->finish();
      plan.proven_optimal = engine->proven_optimal();
      opened = engine->opened();
    } else {
      std::vector<int> preopen;
      if (!s_.auto_pools.empty()) {
        auto engine = packed();
        engine->finish();
        preopen = balanced(s_, engine->opened());
      }
      plan = run(options_.order, true, preopen, &opened);
    }
    if (opened_out) *opened_out = opened;
    return plan;
  }

  // With ha set: the plan with the fewest hosts that survives the failures (rules/failures.hpp).
  // A fixed fleet: the asked objective, else the other. With count: auto pools: from the bound
  // with failures up, one more host per pool shape at a time, packed (the extra hosts stay
  // empty, spares) and spread (every host keeps some room), until one survives.
  Plan with_failures(Plan base, const std::vector<int>& opened) const {
    // A plan that survives, and places as many guests (unplaced guests restart nowhere, and
    // would make any plan survive).
    auto survives = [&](const Plan& plan) {
      if (plan.unplaced.size() > base.unplaced.size()) return false;
      CheckOptions options;
      options.first_broken_failure = true;
      const CheckResult c = check_plan(s_, plan, options);
      return c.failures && c.failures->survives;
    };
    if (survives(base)) return base;
    if (s_.auto_pools.empty()) {
      Plan other = run(options_.order, !spread_, {});
      return survives(other) ? other : base;
    }
    const int base_hosts = std::accumulate(opened.begin(), opened.end(), 0);
    // The bound for the guests the plan places (a guest no host takes is no reason for hosts).
    const auto bound = failure_bound(s_, placement::lower_bound(s_, base, true));
    if (!bound) return base;  // no plan survives: check says why
    // The pools that grow: those the plan opened hosts from, or, when it opened none (the fixed
    // hosts held every guest), every pool. Pools of one shape grow together (balanced), so one
    // pool per shape takes the extra hosts.
    std::map<std::string, std::size_t> growing;  // shape -> its first pool
    for (std::size_t p = 0; p < opened.size(); ++p) {
      if (opened[p] > 0) growing.emplace(shape_key(s_.auto_pools[p]), p);
    }
    if (growing.empty()) {
      for (std::size_t p = 0; p < s_.auto_pools.size(); ++p) growing.emplace(shape_key(s_.auto_pools[p]), p);
    }
    const int step = static_cast<int>(growing.size());
    const int fixed_hosts = static_cast<int>(s_.hosts.size());
    // Hosts added per pool shape: from what the bound asks, more until a plan survives (one,
    // two, four more...), then back down by halves to the fewest that did. Enough spare hosts
    // make a fleet of one shape survive (a failed host moves whole onto an empty twin: k, or
    // the hosts of the z fullest zones), so the search ends.
    const int first = std::max<int>(0, static_cast<int>(*bound) - fixed_hosts - base_hosts + step - 1) / step;
    const int most = first + s_.policy.ha.host_failures + s_.policy.ha.zone_failures * (base_hosts + 1) + 8;
    auto attempt = [&](int per_shape) -> std::optional<Plan> {
      std::vector<int> preopen = opened;
      for (const auto& [shape, pool] : growing) preopen[pool] += per_shape;
      preopen = balanced(s_, preopen);
      // Packing in the asked order (and, with the portfolio, first-fit decreasing), then spreading.
      std::vector<std::pair<Order, bool>> candidates{{options_.order, spread_}};
      if (options_.portfolio && !spread_ && options_.order != Order::memory) candidates.emplace_back(Order::memory, false);
      candidates.emplace_back(options_.order, !spread_);
      for (const auto& [order, spread] : candidates) {
        if (per_shape == 0 && !spread) continue;  // packing onto the same hosts again: the plan that did not survive
        Plan plan = run(order, spread, preopen);
        if (survives(plan)) return plan;
      }
      return std::nullopt;
    };
    int failed = first - 1, at = first;
    std::optional<Plan> found;
    for (int grow = 1; !(found = attempt(at)); grow *= 2) {
      failed = at;
      if (at == most) return base;
      at = std::min(most, failed + grow);
    }
    // The fewest between the last that failed and the first that survived.
    for (int lo = failed + 1, hi = at; lo < hi;) {
      const int mid = lo + (hi - lo) / 2;
      if (auto plan = attempt(mid)) {
        found = std::move(plan);
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    return std::move(*found);
  }

  Plan place() const {
    std::vector<int> opened;
    Plan plan = without_failures(&opened);
    const bool ha = ha_;
    if (ha) plan = with_failures(std::move(plan), opened);
    plan.lower_bound_hosts = plan_lower_bound(s_, plan, plan.unplaced.empty() ? std::optional<int>(bound_) : std::nullopt);
    // Every host of the plan counts as used: those without guests are the spares that failures
    // restart guests on.
    if (ha) plan.hosts_used = static_cast<int>(plan.hosts.size());
    return plan;
  }

 private:
  const Scenario& s_;
  const PlaceOptions& options_;
  const bool spread_;
  const bool ha_;  // failures to survive
  bool priced_ = false;  // some host entry gives a cost other than 1
  int bound_ = 0;
  std::int64_t search_steps_ = 0;
  std::size_t hosts_expected_ = 0;
};

}  // namespace

Plan place(const Scenario& scenario, const PlaceOptions& options) { return Placer(scenario, options).place(); }

int plan_lower_bound(const Scenario& scenario, const Plan& plan, std::optional<int> without_failures) {
  const std::int64_t without = without_failures ? *without_failures : placement::lower_bound(scenario, plan);
  // With failures: the survivors of any failure hold every guest, fixed ones included.
  if (scenario.policy.ha.host_failures == 0 && scenario.policy.ha.zone_failures == 0) return static_cast<int>(without);
  return static_cast<int>(failure_bound(scenario, placement::lower_bound(scenario, plan, true)).value_or(without));
}

}  // namespace kvmplan
