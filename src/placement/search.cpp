// The search after the greedy (docs/placement.md, "Search"): while the plan uses more hosts than
// the bound, take the least loaded host whose guests may all move, and share its guests out over
// the other hosts in use. A guest that fits nowhere as the hosts stand goes in anyway, pushing
// out one or two guests of a host that lighter weigh less than it; those wait their turn. A
// guest that waits grows heavier each turn, so that in the end it may push out heavier ones:
// the weighting of Buljubasic and Vasquez's consistent neighbourhood search for bin packing
// ("Consistent neighborhood search for one-dimensional bin packing and two-dimensional vector
// packing", Computers & Operations Research 76, 2016), here over every rule of src/rules: each
// host is rebuilt from its guests and the guest that comes in is fitted by fit(), so every
// state the search passes through is a valid host, NUMA nodes, CPUs and pools included.
//
// Only guests placement decides and no group names move (a group's rules are the greedy's to
// keep); a host that runs any other guest is never emptied, but takes guests. The budget is in
// steps (a guest reserved or fitted on a host, a candidate weighed), not seconds: the same input
// gives the same plan on any machine.
#include <algorithm>
#include <limits>
#include <map>

#include "placement/engine.hpp"
#include "rules/fixed_host.hpp"

namespace kvmplan::placement {

namespace {

// The budgets that add up over a host's guests: what the prefilter and the weights count.
constexpr std::size_t additive[] = {rules::committed_host, rules::resident_host, rules::cpu_host,
                                    rules::pin_host, rules::pages_host, rules::locked_host};
constexpr std::int64_t unlimited = std::numeric_limits<std::int64_t>::max();

bool counts(const Keys& full, std::size_t k) { return full[k] > 0 && full[k] != unlimited; }

}  // namespace

struct Engine::Search {
  Engine& e;
  std::int64_t steps;                          // left
  std::vector<std::vector<std::uint32_t>> on;  // guests per host
  std::vector<Keys> free;                      // per host, its budgets now
  std::vector<char> movable;                   // per guest
  std::vector<double> size;                    // per guest: its shares of the largest host, summed
  Keys reference{};                            // per key, the most any host offers

  Search(Engine& engine, std::int64_t budget) : e(engine), steps(budget) {
    const std::size_t hosts = e.fleet_.size();
    on.resize(hosts);
    free.resize(hosts);
    for (std::size_t h = 0; h < hosts; ++h) {
      free[h] = keys_of(e.fleet_.state(h), e.p_);
      for (std::size_t k : additive) {
        if (counts(e.fleet_.full(h), k)) reference[k] = std::max(reference[k], e.fleet_.full(h)[k]);
      }
    }
    movable.assign(e.s_.guests.size(), 0);
    size.assign(e.s_.guests.size(), 0.0);
    for (std::uint32_t g = 0; g < e.s_.guests.size(); ++g) {
      const Placement& pl = e.plan_.placements[g];
      if (pl.host < 0) continue;
      on[static_cast<std::size_t>(pl.host)].push_back(g);
      movable[g] = !pl.forced && !rules::FixedHost::host_of(e.s_.guests[g]) && e.groups_of(g).empty();
      const Keys& need = e.demands_.needs(g);
      for (std::size_t k : additive) {
        if (reference[k] > 0 && need[k] > 0) size[g] += static_cast<double>(need[k]) / static_cast<double>(reference[k]);
      }
    }
  }

  // The guest's place, as reserve() wants it.
  Fit where(std::uint32_t g) const {
    const Placement& pl = e.plan_.placements[g];
    return Fit{std::nullopt, pl.nodes, pl.vcpupin, 0};
  }

  // Host h with `keep` of its guests and nothing else, rebuilt through reserve().
  HostState rebuilt(std::size_t h, const std::vector<std::uint32_t>& keep) {
    const HostState& now = e.fleet_.state(h);
    HostState fresh = make_host_state(*now.host, now.shape, e.p_);
    for (auto g : keep) reserve(fresh, e.demand(g), where(g));
    steps -= static_cast<std::int64_t>(keep.size()) + 1;
    return fresh;
  }

  // Whether the host's budgets, with `out` gone, may hold g: the additive ones only, a
  // necessary condition (fit() decides).
  bool may_hold(std::size_t h, std::uint32_t g, std::initializer_list<std::uint32_t> out) {
    const Keys& need = e.demands_.needs(g);
    for (std::size_t k : additive) {
      if (need[k] <= 0 || free[h][k] == unlimited) continue;
      __int128 room = free[h][k];
      for (auto x : out) room += std::max<std::int64_t>(0, e.demands_.needs(x)[k]);
      if (room < need[k]) return false;
    }
    return true;
  }

  // Puts g on h (whose state is `state`, without g), where fit() says; false when it does not fit.
  bool put(std::size_t h, HostState& state, std::uint32_t g) {
    --steps;
    Fit f = fit(state, e.demand(g), e.p_, {}, false);
    if (!f.fits()) return false;
    f.pins = choose_pins(state, e.demand(g), f.nodes);
    reserve(state, e.demand(g), f);
    Placement& pl = e.plan_.placements[g];
    pl.host = static_cast<std::int32_t>(h);
    pl.nodes = std::move(f.nodes);
    pl.vcpupin = std::move(f.pins);
    return true;
  }

  void commit_state(std::size_t h, HostState state) {
    e.fleet_.state(h) = std::move(state);
    e.fleet_.changed(h);
    free[h] = keys_of(e.fleet_.state(h), e.p_);
  }

  // How full host h is: its additive budgets used, as fractions of its own, summed.
  double fill(std::size_t h) const {
    const Keys& full = e.fleet_.full(h);
    double used = 0;
    for (std::size_t k : additive) {
      if (counts(full, k)) used += static_cast<double>(full[k] - free[h][k]) / static_cast<double>(full[k]);
    }
    return used;
  }

  // Empties host t onto the other hosts in use, within `budget` steps; undone when it fails.
  bool empty(std::size_t t, std::int64_t budget);
  // Runs until the plan uses `bound` hosts or the steps run out. Returns the hosts emptied.
  std::vector<char> run(int bound, int used);
};

bool Engine::Search::empty(std::size_t t, std::int64_t budget) {
  const std::int64_t stop = steps - budget;
  // What to put back if it fails.
  std::map<std::size_t, std::pair<HostState, std::vector<std::uint32_t>>> saved;
  std::map<std::uint32_t, Placement> placed_before;
  auto save = [&](std::size_t h) {
    if (!saved.count(h)) saved.emplace(h, std::make_pair(e.fleet_.state(h), on[h]));
  };
  save(t);
  std::vector<std::uint32_t> waiting = on[t];
  for (auto g : waiting) placed_before.emplace(g, e.plan_.placements[g]);
  on[t].clear();
  commit_state(t, rebuilt(t, {}));
  std::vector<std::size_t> targets;  // the other hosts in use
  for (std::size_t h = 0; h < on.size(); ++h) {
    if (h != t && !on[h].empty()) targets.push_back(h);
  }
  std::map<std::uint32_t, double> weight;
  for (auto g : waiting) weight[g] = size[g];
  // A guest that came onto a host stays there a while: no cycle of the same two swaps.
  std::map<std::pair<std::uint32_t, std::size_t>, std::int64_t> kept_until;
  constexpr std::int64_t tenure = 10;
  std::int64_t turn = 0;
  while (!waiting.empty() && steps > stop) {
    ++turn;
    // The heaviest waiting guest (ties: the lowest index).
    auto heaviest = std::max_element(waiting.begin(), waiting.end(), [&](std::uint32_t a, std::uint32_t b) {
      return weight[a] < weight[b] || (weight[a] == weight[b] && a > b);
    });
    const std::uint32_t g = *heaviest;
    // The best host for it: one that takes it as it stands (the fullest such), else the one
    // where the guests it pushes out weigh least, below its own weight.
    std::size_t best_host = on.size();
    std::vector<std::uint32_t> best_out;
    double best_cost = weight[g];
    std::optional<HostState> best_state;
    double best_fill = -1;
    for (std::size_t h : targets) {
      if (steps <= stop) break;
      if (!may_hold(h, g, {})) continue;
      --steps;
      if (fill(h) > best_fill && fit(e.fleet_.state(h), e.demand(g), e.p_, {}, false).fits()) {
        best_fill = fill(h);
        best_host = h;
        best_out.clear();
        best_cost = 0;
      }
    }
    steps -= static_cast<std::int64_t>(targets.size() / 16) + 1;
    bool any = false;  // some host could take it with some guests out, at some weight
    if (best_host == on.size()) {
      for (std::size_t h : targets) {
        if (steps <= stop) break;
        // Candidates: one or two movable guests that may leave, lightest first.
        std::vector<std::pair<double, std::vector<std::uint32_t>>> outs;
        const auto& here = on[h];
        auto may_leave = [&](std::uint32_t x) {
          auto it = kept_until.find({x, h});
          return movable[x] && (it == kept_until.end() || it->second < turn);
        };
        for (std::size_t i = 0; i < here.size(); ++i) {
          const std::uint32_t x = here[i];
          if (!may_leave(x)) continue;
          const double wx = weight.count(x) ? weight[x] : size[x];
          if (may_hold(h, g, {x})) {
            any = true;
            if (wx < best_cost) outs.push_back({wx, {x}});
          }
          for (std::size_t j = i + 1; j < here.size(); ++j) {
            const std::uint32_t y = here[j];
            if (!may_leave(y)) continue;
            const double wy = weight.count(y) ? weight[y] : size[y];
            if (may_hold(h, g, {x, y})) {
              any = true;
              if (wx + wy < best_cost) outs.push_back({wx + wy, {x, y}});
            }
          }
        }
        steps -= static_cast<std::int64_t>(here.size() * here.size() / 16);
        std::stable_sort(outs.begin(), outs.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
        for (const auto& [cost, out] : outs) {
          if (cost >= best_cost || steps <= stop) break;
          std::vector<std::uint32_t> keep;
          for (auto x : here) {
            if (std::find(out.begin(), out.end(), x) == out.end()) keep.push_back(x);
          }
          HostState state = rebuilt(h, keep);
          --steps;
          if (!fit(state, e.demand(g), e.p_, {}, false).fits()) continue;
          best_host = h;
          best_out = out;
          best_cost = cost;
          best_state = std::move(state);
          break;  // the lightest that works, on this host
        }
      }
    }
    if (best_host == on.size()) {
      if (!any) break;   // no host could take it whatever it pushed out: nothing will change
      weight[g] *= 1.5;  // heavier next turn: it may push out more
      continue;
    }
    const std::size_t h = best_host;
    save(h);
    for (auto x : best_out) {
      if (!placed_before.count(x)) placed_before.emplace(x, e.plan_.placements[x]);
    }
    if (!placed_before.count(g)) placed_before.emplace(g, e.plan_.placements[g]);
    HostState state = best_state ? std::move(*best_state) : e.fleet_.state(h);
    if (!put(h, state, g)) break;  // cannot happen: fit() said yes on this very state
    std::erase_if(on[h], [&](std::uint32_t x) { return std::find(best_out.begin(), best_out.end(), x) != best_out.end(); });
    on[h].push_back(g);
    commit_state(h, std::move(state));
    kept_until[{g, h}] = turn + tenure;
    waiting.erase(std::find(waiting.begin(), waiting.end(), g));
    for (auto x : best_out) {
      waiting.push_back(x);
      if (!weight.count(x)) weight[x] = size[x];
      e.plan_.placements[x].host = -1;
    }
    for (auto x : waiting) {
      if (x != g) weight[x] += size[x] * 0.1;  // waiting makes a guest heavier
    }
  }
  if (waiting.empty()) return true;
  // Failed: every host and guest as it was.
  for (auto& [h, before] : saved) {
    on[h] = std::move(before.second);
    commit_state(h, std::move(before.first));
  }
  for (auto& [g, pl] : placed_before) e.plan_.placements[g] = std::move(pl);
  return false;
}

std::vector<char> Engine::Search::run(int bound, int used) {
  std::vector<char> emptied(on.size(), 0);
  std::vector<char> tried(on.size(), 0);
  while (used > bound && steps > 0) {
    // The least full host whose guests may all move, not tried since the last success.
    std::size_t t = on.size();
    double least = std::numeric_limits<double>::max();
    for (std::size_t h = 0; h < on.size(); ++h) {
      if (on[h].empty() || tried[h]) continue;
      if (!std::all_of(on[h].begin(), on[h].end(), [&](std::uint32_t g) { return movable[g]; })) continue;
      const double f = fill(h);
      if (f < least) {
        least = f;
        t = h;
      }
    }
    steps -= static_cast<std::int64_t>(on.size() / 16) + 1;
    if (t == on.size()) break;
    // Each attempt may spend a quarter of what is left, and at least a share of the whole.
    if (empty(t, std::max<std::int64_t>(steps / 4, 1))) {
      emptied[t] = 1;
      --used;
      std::fill(tried.begin(), tried.end(), 0);
    } else {
      tried[t] = 1;
    }
  }
  return emptied;
}

int Engine::search(int bound, std::int64_t steps) {
  const int used = hosts_used();
  if (steps <= 0 || !plan_.unplaced.empty() || used <= bound) return 0;
  Search search(*this, steps);
  emptied_ = search.run(bound, used);
  return static_cast<int>(std::count(emptied_.begin(), emptied_.end(), 1));
}

}  // namespace kvmplan::placement
