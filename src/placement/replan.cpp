// Re-planning with few moves (replan.hpp, docs/placement.md "Re-planning"): the earlier plan's
// guests kept through the engine's own fit, the rest placed by the engine, then hosts emptied
// within a move budget.
#include "kvmplan/placement/replan.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

#include "kvmplan/plan/check.hpp"
#include "placement/engine.hpp"
#include "rules/fixed_host.hpp"

namespace kvmplan {

namespace placement {

// The plan's pins, when they are still free CPUs of the nodes the guest keeps (cell by cell, as
// choose_pins takes them): kept, so that a guest that stays is not re-pinned.
bool Engine::pins_free(const HostState& state, std::uint32_t g, const NodeList& nodes, const Placement::Pins& pins) const {
  const Demand& d = demand(g);
  if (!d.dedicated || pins.empty() || static_cast<int>(pins.size()) != d.pins()) return false;
  CpuSet seen;
  auto free_in = [&](int cpu, std::size_t n) {
    return state.shape->pin_pools[n].contains(cpu) && !state.nodes[n].pinned.contains(cpu) && !seen.contains(cpu);
  };
  std::size_t i = 0;
  if (nodes.empty()) {
    for (int cpu : pins) {
      bool ok = false;
      for (std::size_t n = 0; n < state.nodes.size() && !ok; ++n) ok = free_in(cpu, n);
      if (!ok) return false;
      seen.insert(cpu);
    }
    return true;
  }
  const auto cells = rules::cells_of(d, static_cast<int>(nodes.size()));
  for (std::size_t c = 0; c < cells.size(); ++c) {
    for (int v = 0; v < cells[c].vcpus; ++v, ++i) {
      if (i >= pins.size() || !free_in(pins[i], static_cast<std::size_t>(nodes[c]))) return false;
      seen.insert(pins[i]);
    }
  }
  // The emulator's CPU (emulator_threads isolate), last, on the first cell's node.
  for (int e = 0; e < d.emulator; ++e, ++i) {
    if (i >= pins.size() || !free_in(pins[i], static_cast<std::size_t>(nodes[0]))) return false;
    seen.insert(pins[i]);
  }
  return i == pins.size();
}

bool Engine::keep(std::uint32_t g, std::size_t h, const NodeList& nodes, const Placement::Pins& pins) {
  plan_.placements.resize(s_.guests.size());
  // Hard group rules only: a soft one bent in the plan is no reason to move.
  const rules::GroupCheck gc = check_groups(g, h, false);
  if (gc.broken) return false;
  const HostState& state = fleet_.state(h);
  Fit f;
  bool fitted = false;
  const bool banned = std::any_of(nodes.begin(), nodes.end(), [&](int n) {
    return !gc.rule.banned.empty() && gc.rule.banned[static_cast<std::size_t>(n)];
  });
  if (!nodes.empty() && gc.rule.required.empty() && !banned) {
    rules::NodeRule on_nodes = gc.rule;
    on_nodes.required.assign(nodes.begin(), nodes.end());
    f = fit(state, demand(g), p_, on_nodes, spread_);
    fitted = f.fits();
  }
  if (!fitted) f = fit(state, demand(g), p_, gc.rule, spread_);
  if (!f.fits()) return false;
  if (f.nodes == nodes && pins_free(state, g, f.nodes, pins)) f.pins = pins;
  commit(g, h, std::move(f));
  return true;
}

// Host t's guests onto the other hosts in use (not `closed`), largest first, each onto the first
// that fits (through the index); all of them, or none moves.
bool Engine::empty_one(std::size_t t, std::vector<std::vector<std::uint32_t>>& on, const std::vector<char>& closed) {
  std::vector<std::uint32_t> guests = on[t];
  std::stable_sort(guests.begin(), guests.end(), [&](std::uint32_t a, std::uint32_t b) { return demands_.share(a) > demands_.share(b); });
  std::map<std::size_t, HostState> saved;
  std::vector<std::pair<std::uint32_t, Placement>> before;
  std::vector<std::pair<std::uint32_t, std::size_t>> moved;
  for (std::uint32_t g : guests) {
    Fit found;
    auto accept = [&](std::size_t h) {
      if (h == t || closed[h] || fleet_.state(h).guests == 0) return false;
      Fit f = fit(fleet_.state(h), demand(g), p_, {}, spread_);
      if (!f.fits()) return false;
      found = std::move(f);
      return true;
    };
    const std::size_t h = fleet_.index().find(demands_.needs(g), 0, accept);
    if (h == fleet_.size()) {
      for (auto& [host, state] : saved) {
        fleet_.state(host) = std::move(state);
        fleet_.changed(host);
      }
      for (auto& [guest, pl] : before) plan_.placements[guest] = std::move(pl);
      return false;
    }
    saved.emplace(h, fleet_.state(h));
    before.emplace_back(g, plan_.placements[g]);
    commit(g, h, std::move(found));
    moved.emplace_back(g, h);
  }
  const HostState& now = fleet_.state(t);
  fleet_.state(t) = make_host_state(*now.host, now.shape, p_);
  fleet_.changed(t);
  on[t].clear();
  for (const auto& [g, h] : moved) on[h].push_back(g);
  return true;
}

int Engine::empty_hosts(int budget, const std::vector<std::int32_t>& home, std::vector<std::size_t>& emptied) {
  std::vector<std::vector<std::uint32_t>> on(fleet_.size());
  std::vector<char> held(fleet_.size(), 0);  // runs a guest that does not move: fixed, forced or grouped (as the search)
  for (std::uint32_t g = 0; g < s_.guests.size(); ++g) {
    const Placement& pl = plan_.placements[g];
    if (pl.host < 0) continue;
    const auto h = static_cast<std::size_t>(pl.host);
    on[h].push_back(g);
    if (pl.forced || rules::FixedHost::host_of(s_.guests[g]) || !groups_of(g).empty()) held[h] = 1;
  }
  std::vector<std::size_t> order;
  for (std::size_t h = 0; h < fleet_.size(); ++h) {
    if (!on[h].empty() && !held[h]) order.push_back(h);
  }
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return on[a].size() < on[b].size(); });
  std::vector<char> closed(fleet_.size(), 0);
  int moves = 0;
  for (std::size_t t : order) {
    if (moves >= budget) break;
    int cost = 0;
    for (auto g : on[t]) cost += home[g] == static_cast<std::int32_t>(t);
    if (on[t].empty() || cost > budget - moves) continue;
    if (!empty_one(t, on, closed)) continue;
    closed[t] = 1;
    moves += cost;
    emptied.push_back(t);
  }
  return moves;
}

}  // namespace placement

namespace {

// The number a pool host's name ends with, and its digits ("compute-07": 7, 2), when the name
// is the pool's name, a dash and digits.
std::optional<std::pair<std::size_t, std::size_t>> host_number(const std::string& pool, const std::string& name) {
  if (name.size() <= pool.size() + 1 || name.compare(0, pool.size(), pool) != 0 || name[pool.size()] != '-') return std::nullopt;
  const std::string digits = name.substr(pool.size() + 1);
  if (digits.size() > 9 || !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) return std::nullopt;
  return std::make_pair(static_cast<std::size_t>(std::stoul(digits)), digits.size());
}

}  // namespace

namespace {

// The steps of replan(), in order: hosts(), guests(), then place and empty, then finish().
class Replanner {
 public:
  // `spares`: empty pool hosts opened besides (failures to survive).
  Replanner(const Scenario& s, const PlanDocument& doc, const ReplanOptions& options, int spares = 0)
      : s_(s), doc_(doc), options_(options), spares_(spares), ha_(s.policy.ha.host_failures > 0 || s.policy.ha.zone_failures > 0),
        engine_(s, s.policy.objective == Objective::spread, PlaceOptions{}.order, s.hosts.size() + doc.hosts.size() + 16),
        was_(s.guests.size()), stays_(s.guests.size(), 0), home_(s.guests.size(), -1) {
    for (std::size_t h = 0; h < s.hosts.size(); ++h) {
      host_index_.emplace(s.hosts[h].name, h);
      shape_of_.push_back(&s.hosts[h]);
    }
  }

  // The plan's pool hosts, reopened under their names (but retired ones, and those whose pool or
  // zone the scenario no longer has); new ones numbered after the highest number the plan used.
  void hosts() {
    const std::set<std::string> retire(options_.retire.begin(), options_.retire.end());
    std::vector<std::size_t>& reopened = reopened_;
    reopened.assign(s_.auto_pools.size(), 0);
    std::vector<std::size_t> next(s_.auto_pools.size(), 1), width(s_.auto_pools.size(), 0);
    for (const PlannedHost& ph : doc_.hosts) {
      if (ph.pool.empty() || host_index_.count(ph.name)) continue;
      const auto pool = std::find_if(s_.auto_pools.begin(), s_.auto_pools.end(), [&](const Host& p) { return p.name == ph.pool; });
      if (pool == s_.auto_pools.end()) {
        gone_.insert(ph.name);
        continue;
      }
      const auto p = static_cast<std::size_t>(pool - s_.auto_pools.begin());
      if (const auto number = host_number(pool->name, ph.name)) {
        next[p] = std::max(next[p], number->first + 1);
        width[p] = std::max(width[p], number->second);
      }
      const auto host = pool_host(*pool, ph, reopened[p]);
      if (retire.count(ph.name) || !host) {
        gone_.insert(ph.name);
        continue;
      }
      ++reopened[p];
      host_index_.emplace(ph.name, engine_.reopen(*host, static_cast<int>(p)));
      shape_of_.push_back(&*pool);
    }
    for (std::size_t p = 0; p < s_.auto_pools.size(); ++p) engine_.number_from(p, next[p], width[p]);
  }

  // The guests that stay: first those whose size the plan states as the scenario has it, then the
  // ones that changed (a guest that grew must not push out one that did not), in plan order.
  void guests() {
    std::unordered_map<std::string, std::uint32_t> guest_index;
    for (std::uint32_t g = 0; g < s_.guests.size(); ++g) guest_index.emplace(s_.guests[g].name, g);
    std::vector<std::pair<std::uint32_t, const PlannedGuest*>> same, changed;
    for (const PlannedGuest& pg : doc_.placements) {
      const auto gi = guest_index.find(pg.guest);
      if (gi == guest_index.end()) {
        dropped_.insert(pg.guest);
        continue;
      }
      const std::uint32_t g = gi->second;
      if (!was_[g].empty()) continue;  // named twice: the first place counts
      was_[g] = pg.host;
      if (!host_index_.count(pg.host)) {
        gone_.insert(pg.host);
        continue;
      }
      const GuestSpec& spec = s_.spec(s_.guests[g]);
      const bool same_size = pg.memory_mib.value_or(mib_ceil(spec.memory)) == mib_ceil(spec.memory) && pg.vcpus.value_or(spec.vcpus) == spec.vcpus;
      (same_size ? same : changed).emplace_back(g, &pg);
    }
    for (const auto* list : {&same, &changed}) {
      for (const auto& [g, pg] : *list) keep(g, *pg);
    }
  }

  Replanned run() {
    hosts();
    guests();
    // Spares come from the pool the plan has most hosts of (ties: the first).
    std::vector<int> preopen(s_.auto_pools.size(), 0);
    if (spares_ > 0 && !preopen.empty()) {
      const auto most = std::max_element(reopened_.begin(), reopened_.end()) - reopened_.begin();
      preopen[static_cast<std::size_t>(most)] = spares_;
    }
    engine_.place(preopen);
    Replanned out;
    out.kept = kept_;  // less those moved to empty hosts, below
    if (ha_) {
      out.optional_skipped = options_.max_moves > 0;
    } else {
      if (options_.max_moves > 0) {
        std::vector<std::size_t> emptied;
        out.optional_moves = static_cast<std::size_t>(engine_.empty_hosts(options_.max_moves, home_, emptied));
        out.kept -= out.optional_moves;
        for (std::size_t h : emptied) {
          const auto known = host_index_.find(engine_.host_name(h));
          if (known != host_index_.end() && known->second == h) out.emptied.push_back(engine_.host_name(h));
        }
      }
      engine_.drop_idle_pool_hosts();
    }
    out.plan = engine_.finish();
    out.plan.lower_bound_hosts = plan_lower_bound(s_, out.plan);
    if (ha_) out.plan.hosts_used = static_cast<int>(out.plan.hosts.size());  // spares count, as place counts them
    for (std::uint32_t g = 0; g < s_.guests.size(); ++g) {
      const Placement& pl = out.plan.placements[g];
      if (pl.host < 0 || stays_[g]) continue;
      if (was_[g].empty()) ++out.placed;
      else if (out.plan.hosts[static_cast<std::size_t>(pl.host)].name != was_[g]) ++out.needed_moves;
    }
    out.gone_guests.assign(dropped_.begin(), dropped_.end());
    out.gone_hosts.assign(gone_.begin(), gone_.end());
    return out;
  }

 private:
  void keep(std::uint32_t g, const PlannedGuest& pg) {
    const std::size_t h = host_index_.at(pg.host);
    if (!rules::FixedHost::holds(s_.guests[g], h)) return;  // the engine puts it on its fixed host
    // Node ids to indices on that host (one the host lacks: any nodes there).
    NodeList nodes;
    const std::vector<NumaNode>& hn = shape_of_[h]->nodes;
    for (int id : pg.nodes) {
      for (std::size_t n = 0; n < hn.size(); ++n) {
        if (hn[n].id == id) nodes.push_back(static_cast<int>(n));
      }
    }
    if (nodes.size() != pg.nodes.size()) nodes = {};
    if (engine_.keep(g, h, nodes, held_cpus(pg))) {
      stays_[g] = 1;
      home_[g] = static_cast<std::int32_t>(h);
      ++kept_;
    }
  }

  const Scenario& s_;
  const PlanDocument& doc_;
  const ReplanOptions& options_;
  const int spares_;
  const bool ha_;
  placement::Engine engine_;
  std::vector<std::size_t> reopened_;                         // per pool: hosts of the plan reopened
  std::unordered_map<std::string, std::size_t> host_index_;  // hosts of the fleet by name
  std::vector<const Host*> shape_of_;                         // per host of the fleet: the entry it copies
  std::set<std::string> gone_, dropped_;
  std::vector<std::string> was_;                              // per guest: its host in the plan ("": none)
  std::vector<char> stays_;                                   // per guest: kept where it was
  std::vector<std::int32_t> home_;                            // per guest kept: its host (-1: not kept)
  std::size_t kept_ = 0;
};

}  // namespace

// Up to this many spare hosts are tried for a re-plan that must survive failures.
constexpr int most_spares = 8;

Replanned replan(const Scenario& s, const PlanDocument& doc, const ReplanOptions& options) {
  Replanned out = Replanner(s, doc, options).run();
  if ((s.policy.ha.host_failures == 0 && s.policy.ha.zone_failures == 0) || s.auto_pools.empty()) return out;
  // With failures to survive: as place does, more hosts until the plan survives, here empty
  // spares (the guests that stay, stay): one, two, ... up to most_spares; none that survives
  // leaves the plan without spares (check says what fails).
  auto survives = [&](const Plan& plan) {
    CheckOptions check;
    check.first_broken_failure = true;
    const CheckResult c = check_plan(s, plan, check);
    return !c.failures || c.failures->survives;
  };
  if (survives(out.plan)) return out;
  for (int spares = 1; spares <= most_spares; ++spares) {
    Replanned more = Replanner(s, doc, options, spares).run();
    if (more.plan.unplaced.size() <= out.plan.unplaced.size() && survives(more.plan)) return more;
  }
  return out;
}

Result<Scenario> retire_hosts(const Scenario& s, const std::vector<std::string>& names, std::vector<std::string>& others) {
  const std::set<std::string> retire(names.begin(), names.end());
  std::set<std::string> found;
  Scenario out = s;
  out.hosts.clear();
  std::vector<std::int32_t> renumbered(s.hosts.size(), -1);
  for (std::size_t h = 0; h < s.hosts.size(); ++h) {
    if (retire.count(s.hosts[h].name)) {
      found.insert(s.hosts[h].name);
      continue;
    }
    renumbered[h] = static_cast<std::int32_t>(out.hosts.size());
    out.hosts.push_back(s.hosts[h]);
  }
  for (Guest& g : out.guests) {
    if (g.host < 0) continue;
    const std::int32_t now = renumbered[static_cast<std::size_t>(g.host)];
    if (now < 0) return Error{"guest \"" + g.name + "\" is fixed on host \"" + s.hosts[static_cast<std::size_t>(g.host)].name + "\" (its host: key): it cannot be retired"};
    g.host = now;
  }
  for (const auto& n : names) {
    if (!found.count(n) && std::find(others.begin(), others.end(), n) == others.end()) others.push_back(n);
  }
  return out;
}

}  // namespace kvmplan
