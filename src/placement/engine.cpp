// The placement engine, guest by guest: fixed guests, affinity units, the first host that fits
// (pack) or the least loaded (spread), new hosts from pools. See docs/placement.md.
#include "placement/engine.hpp"

#include <algorithm>
#include <limits>
#include <map>
#include <set>

#include "placement/lower_bound.hpp"
#include "placement/scorers.hpp"
#include "placement/units.hpp"
#include "rules/fixed_host.hpp"

namespace kvmplan::placement {

Engine::Engine(const Scenario& s, bool spread, PlaceOptions::Order order, std::size_t hosts_expected, bool lookahead)
    : s_(s), p_(s.policy), spread_(spread), order_(order), lookahead_(lookahead), fleet_(s, spread, hosts_expected), demands_(s) {
  groups_.resize(s.groups.size());
  for (std::size_t pool = 0; pool < s.auto_pools.size(); ++pool) {
    pools_.push_back(fleet_.prototype(pool));
    pool_cost_.push_back(s.auto_pools[pool].cost.to_double());
  }
  // Pools by cost per capacity: a host's budgets as shares of the largest pool host's, summed.
  std::vector<Keys> full;
  for (const auto& proto : pools_) full.push_back(keys_of(proto, p_));
  for (const Keys& k : full) {
    for (std::size_t key : scorers::dot_keys) {
      if (k[key] > 0 && k[key] != std::numeric_limits<std::int64_t>::max()) reference_[key] = std::max(reference_[key], k[key]);
    }
  }
  std::vector<std::pair<double, std::size_t>> ranked;
  for (std::size_t pool = 0; pool < pools_.size(); ++pool) {
    double capacity = 0;
    for (std::size_t key : scorers::dot_keys) {
      if (reference_[key] > 0 && full[pool][key] > 0) capacity += static_cast<double>(std::min(full[pool][key], reference_[key])) / static_cast<double>(reference_[key]);
    }
    ranked.emplace_back(capacity > 0 ? pool_cost_[pool] / capacity : std::numeric_limits<double>::max(), pool);
  }
  std::stable_sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [value, pool] : ranked) pool_order_.push_back(pool);
}

double Engine::weight_of(std::uint32_t g) {
  const Keys& need = demands_.needs(g);
  double w = 0;
  for (std::size_t key : scorers::dot_keys) {
    if (reference_[key] > 0 && need[key] > 0) w += static_cast<double>(need[key]) / static_cast<double>(reference_[key]);
  }
  return w;
}

Plan Engine::run(const std::vector<int>& preopen) {
  place(preopen);
  return finish();
}

int Engine::hosts_used() const {
  int used = 0;
  for (std::size_t h = 0; h < fleet_.size(); ++h) used += fleet_.state(h).guests > 0;
  return used;
}

double Engine::cost_used() const {
  double cost = 0;
  for (std::size_t h = 0; h < fleet_.size(); ++h) {
    if (fleet_.state(h).guests > 0) cost += fleet_.state(h).host->cost.to_double();
  }
  return cost;
}

void Engine::place(const std::vector<int>& preopen) {
  plan_.placements.resize(s_.guests.size());  // guests kept by a re-plan (replan.cpp) are placed already
  // Pools take turns, so that hosts filled in order alternate between pools (and their zones).
  for (int i = 0, most = preopen.empty() ? 0 : *std::max_element(preopen.begin(), preopen.end()); i < most; ++i) {
    for (std::size_t pool = 0; pool < preopen.size(); ++pool) {
      if (i < preopen[pool]) fleet_.open(s_.auto_pools[pool], static_cast<int>(pool));
    }
  }
  // Guests fixed on a host are not moved; their nodes and CPUs are chosen like anyone's. One
  // that does not fit is put there anyway, on the roomiest nodes, and check says what it breaks.
  std::vector<std::uint32_t> free_guests;
  for (std::uint32_t g = 0; g < s_.guests.size(); ++g) {
    if (plan_.placements[g].host >= 0) continue;
    const auto fixed = rules::FixedHost::host_of(s_.guests[g]);
    if (!fixed) {
      free_guests.push_back(g);
      continue;
    }
    const std::size_t h = *fixed;
    const rules::GroupCheck gc = check_groups(g, h, false);
    Fit f = fit(fleet_.state(h), demand(g), p_, gc.rule, spread_);
    if (!f.fits() || gc.broken) {
      f = fit(fleet_.state(h), demand(g), p_, {}, spread_, true);
      plan_.placements[g].forced = true;
    }
    commit(g, h, std::move(f));
  }
  // Packing bin-centric takes guests of no group host by host, by class (fill_hosts); so does
  // first fit when no guest has a group. The others go one by one, in decreasing order of their
  // largest share of a host (memory or vCPUs, for first fit), affinity units kept together: first fit
  // then interleaves grouped and loose guests by size.
  bool by_class = !spread_ && order_ != PlaceOptions::Order::dominant_share;
  const bool first_fit = order_ == PlaceOptions::Order::memory || order_ == PlaceOptions::Order::vcpus;
  if (first_fit) {
    by_class = by_class && std::none_of(free_guests.begin(), free_guests.end(), [&](std::uint32_t g) { return !groups_of(g).empty(); });
  }
  std::vector<std::uint32_t> loose, grouped;
  for (auto g : free_guests) (by_class && groups_of(g).empty() ? loose : grouped).push_back(g);
  const Units units = affinity_units(s_, grouped);
  std::vector<double> size(units.size(), 0.0);
  for (std::size_t u = 0; u < units.size(); ++u) {
    for (auto g : units[u]) {
      const GuestSpec& spec = s_.spec(s_.guests[g]);
      size[u] += order_ == PlaceOptions::Order::memory  ? static_cast<double>(spec.memory.value)
                 : order_ == PlaceOptions::Order::vcpus ? static_cast<double>(spec.vcpus)
                                                        : demands_.share(g);
    }
  }
  std::vector<std::size_t> order(units.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return size[a] > size[b]; });
  for (std::size_t u : order) place_unit(units[u]);
  if (!loose.empty()) fill_hosts(loose);
  std::sort(plan_.unplaced.begin(), plan_.unplaced.end(), [](const Unplaced& a, const Unplaced& b) { return a.guest < b.guest; });
}

Plan Engine::finish() {
  // Hosts opened from pools that the search emptied leave the plan (scenario hosts stay, unused).
  if (!emptied_.empty()) {
    const std::vector<std::int32_t> renumbered = fleet_.drop(emptied_);
    for (auto& pl : plan_.placements) {
      if (pl.host >= 0) pl.host = renumbered[static_cast<std::size_t>(pl.host)];
    }
  }
  opened_ = fleet_.finish(plan_);
  plan_.pinned.resize(plan_.hosts.size());
  for (const auto& p : plan_.placements) {
    for (int cpu : p.vcpupin) plan_.pinned[static_cast<std::size_t>(p.host)].insert(cpu);
  }
  return std::move(plan_);
}

rules::GroupCheck Engine::check_groups(std::uint32_t g, std::size_t h, bool soft_as_hard) const {
  return rules::check_groups(s_, groups_, groups_of(g), fleet_.group_place(h), soft_as_hard);
}

// `update_index`: false when the caller updates the index itself, once for many guests.
void Engine::commit(std::uint32_t g, std::size_t h, Fit f, bool update_index) {
  ++commits_;
  HostState& state = fleet_.state(h);
  if (f.pins.empty()) f.pins = choose_pins(state, demand(g), f.nodes);  // a re-plan keeps the plan's pins
  reserve(state, demand(g), f);
  fleet_.changed(h, update_index);
  Placement& pl = plan_.placements[g];
  pl.host = static_cast<std::int32_t>(h);
  pl.vcpupin = std::move(f.pins);
  rules::reserve_groups(groups_, groups_of(g), fleet_.group_place(h), f.nodes);
  pl.nodes = std::move(f.nodes);
}

// The host for guest g: the first that fits (pack) or the least loaded (spread); soft group
// rules are kept when any host allows it.
bool Engine::place_one(std::uint32_t g) {
  for (bool soft_as_hard : {true, false}) {
    if (!soft_as_hard && !has_soft(g)) break;
    if (soft_as_hard && rules::soft_rule_holds_nowhere(s_, groups_, groups_of(g), fleet_.size())) continue;
    Fit found;
    auto accept = [&](std::size_t h) {
      const rules::GroupCheck gc = check_groups(g, h, soft_as_hard);
      if (gc.broken) return false;
      Fit f = fit(fleet_.state(h), demand(g), p_, gc.rule, spread_);
      if (!f.fits()) return false;
      found = std::move(f);
      return true;
    };
    std::size_t h = spread_ ? least_loaded(accept)
                            : best_of_first(g, accept, rules::first_allowed(s_, groups_, groups_of(g), soft_as_hard, fleet_.size()));
    // Soft rules choose among hosts that exist; only the hard pass opens a new one.
    if (h == fleet_.size() && !(soft_as_hard && has_soft(g))) h = open_host(g, soft_as_hard, found);
    if (h < fleet_.size()) {
      commit(g, h, std::move(found));
      return true;
    }
  }
  plan_.unplaced.push_back(why_not(g));
  return false;
}

// A unit of guests linked by affinity. Those that hard affinity at host or node scope ties to
// one host (a connected component of such groups) go in one go: onto the first host that takes
// all of them, or a new one, not member by member, which would anchor the group on a host that
// can take only some. The rest go one by one.
void Engine::place_unit(std::span<const std::uint32_t> unit) {
  if (unit.size() == 1) {
    place_one(unit.front());
    return;
  }
  for (const auto& members : tied_components(s_, unit)) {
    if (members.size() == 1 || !place_together(members)) {
      for (auto g : members) {
        if (plan_.placements[g].host < 0) place_one(g);
      }
    }
  }
}

// What the members of a component need together of a host's budgets, at the least: the sum of
// the host keys, the largest of the node keys (each member is on some node).
Keys Engine::needs_together(std::span<const std::uint32_t> members) {
  Keys total;
  total.fill(rules::no_need);
  for (auto g : members) {
    const Keys& k = demands_.needs(g);
    for (std::size_t i = 0; i < rules::key_count; ++i) {
      if (k[i] == rules::no_need) continue;
      const bool node_key = rules::is_node_key(i);
      total[i] = total[i] == rules::no_need ? k[i] : node_key ? std::max(total[i], k[i]) : total[i] + k[i];
    }
  }
  return total;
}

// Places every member on host h, or none (what was placed is taken back).
bool Engine::try_together(std::span<const std::uint32_t> members, std::size_t h, bool soft_as_hard) {
  std::set<std::uint32_t> touched;
  for (auto g : members) touched.insert(groups_of(g).begin(), groups_of(g).end());
  const HostState before = fleet_.state(h);
  std::vector<std::pair<std::uint32_t, rules::GroupState>> groups_before;
  for (auto group : touched) groups_before.emplace_back(group, groups_[group]);
  std::size_t placed = 0;
  for (auto g : members) {
    const rules::GroupCheck gc = check_groups(g, h, soft_as_hard);
    if (gc.broken) break;
    Fit f = fit(fleet_.state(h), demand(g), p_, gc.rule, spread_);
    if (!f.fits()) break;
    commit(g, h, std::move(f));
    ++placed;
  }
  if (placed == members.size()) return true;
  fleet_.state(h) = before;
  for (auto& [group, state] : groups_before) groups_[group] = std::move(state);
  for (std::size_t i = 0; i < placed; ++i) plan_.placements[members[i]] = Placement{};
  fleet_.changed(h);
  return false;
}

// The members onto one host: the first existing host (least loaded, for spread) that takes them
// all, with soft rules kept and then bent; else a new host of the first pool that does.
bool Engine::place_together(std::span<const std::uint32_t> members) {
  const Keys need = needs_together(members);
  for (bool soft_as_hard : {true, false}) {
    if (spread_) {
      std::vector<std::size_t> hosts;  // a copy: trying changes the loads
      for (const auto& [l, h] : fleet_.by_load()) hosts.push_back(h);
      for (std::size_t h : hosts) {
        if (try_together(members, h, soft_as_hard)) return true;
      }
    } else {
      for (std::size_t from = 0; from < fleet_.size();) {
        const std::size_t h = fleet_.index().find(need, from, [](std::size_t) { return true; });
        if (h == fleet_.size()) break;
        if (try_together(members, h, soft_as_hard)) return true;
        from = h + 1;
      }
    }
  }
  for (std::size_t pool : pool_order_) {
    fleet_.open(s_.auto_pools[pool], static_cast<int>(pool));
    if (try_together(members, fleet_.size() - 1, false)) return true;
    fleet_.drop_last();
  }
  return false;
}

// Pack: of the first few hosts that fit (in host order, through the index), the one the guest
// fills best (scorers::residual); ties keep host order.
template <class Accept>
std::size_t Engine::best_of_first(std::uint32_t g, Accept& accept, std::size_t from) {
  const Keys& need = demands_.needs(g);
  // The first few hosts whose budgets could take the guest, scored from the index's own keys
  // (no fit yet); then full fits in score order: usually the first one holds.
  std::vector<std::pair<double, std::size_t>>& scored = scored_;
  scored.clear();
  const bool by_image = p_.memory_limit != MemoryLimit::committed && demand(g).image >= 0;
  fleet_.index().find(need, from, [&](std::size_t h) {
    double score = scorers::residual(fleet_.index().keys(h), need, fleet_.full(h));
    if (by_image && fleet_.state(h).ksm_host.has(demand(g).image)) score -= scorers::image_host_bonus;
    scored.emplace_back(score, h);
    return static_cast<int>(scored.size()) >= scorers::pack_candidates;
  });
  // Where the candidates end in host order (before sorting them by score).
  const std::size_t after = scored.empty() ? 0 : scored.back().second + 1;
  std::stable_sort(scored.begin(), scored.end());
  for (const auto& [score, h] : scored) {
    if (accept(h)) return h;  // accept keeps the fit in `found`
  }
  // None of them: first fit over the hosts after them, if the index had more to offer.
  return scored.size() < static_cast<std::size_t>(scorers::pack_candidates) ? fleet_.size() : fleet_.index().find(need, after, accept);
}

template <class Accept>
std::size_t Engine::least_loaded(Accept& accept) const {
  for (const auto& [l, h] : fleet_.by_load()) {
    if (accept(h)) return h;
  }
  return fleet_.size();
}

std::size_t Engine::open_host(std::uint32_t g, bool soft_as_hard, Fit& found) {
  for (std::size_t pool : pool_order_) {
    // A new host holds no group member yet; its zone may (zone anti-affinity), and an anchored
    // affinity keeps the guest where its group is.
    if (rules::check_groups(s_, groups_, groups_of(g), fleet_.group_place_of_new(pool), soft_as_hard).broken) continue;
    Fit f = fit(pools_[pool], demand(g), p_, {}, spread_);
    if (!f.fits()) continue;
    found = std::move(f);
    return fleet_.open(s_.auto_pools[pool], static_cast<int>(pool));
  }
  return fleet_.size();
}

bool Engine::has_soft(std::uint32_t g) const {
  for (std::uint32_t group : groups_of(g)) {
    if (!rules::hard(s_.groups[group].policy)) return true;
  }
  return false;
}

}  // namespace kvmplan::placement
