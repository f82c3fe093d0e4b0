// The search after the greedy (docs/placement.md, "Search"): while the plan uses more hosts than
// the bound, put the guests of some hosts back onto one host fewer. Three methods, in turn:
//   repack    bin completion (Korf 2003) over the r least full hosts, r = 2, 4, ... up to all
//             (at most 64): host by host the largest guest left and a set of others that
//             leaves no more room than the hosts can spare together; when it looked at every
//             way and found none for every host in use, no plan with fewer hosts exists;
//   restarts  minimum bin slack (Gupta and Ho 1999, Fleszar and Hindi 2002), classes in other
//             orders;
//   repair    swaps in the manner of Buljubasic and Vasquez's consistent neighbourhood search
//             ("Consistent neighborhood search for one-dimensional bin packing and
//             two-dimensional vector packing", Computers & Operations Research 76, 2016): up
//             to two guests of a host out for up to two waiting guests in; a guest that waits
//             grows heavier, so that in the end it may push out heavier ones.
// Sets are chosen on the budgets that add up (Keys); every guest then goes where fit() says,
// on a host rebuilt from its guests by reserve(), so every state the search passes through is
// a valid plan, NUMA nodes, CPUs, pools and KSM included.
//
// Only guests placement decides and no group names move (a group's rules are the greedy's to
// keep); a host that runs any other guest is never emptied, but takes guests. The budget is in
// steps (a guest reserved or fitted, a candidate weighed, a node of the completion's search),
// not seconds: the same input gives the same plan on any machine.
#include <algorithm>
#include <array>
#include <limits>
#include <map>
#include <optional>
#include <random>
#include <span>

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
  std::vector<char> held;                      // per host: runs a guest that may not move (never emptied)
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
    held.assign(hosts, 0);
    size.assign(e.s_.guests.size(), 0.0);
    for (std::uint32_t g = 0; g < e.s_.guests.size(); ++g) {
      const Placement& pl = e.plan_.placements[g];
      if (pl.host < 0) continue;
      on[static_cast<std::size_t>(pl.host)].push_back(g);
      movable[g] = !pl.forced && !rules::FixedHost::host_of(e.s_.guests[g]) && e.groups_of(g).empty();
      if (!movable[g]) held[static_cast<std::size_t>(pl.host)] = 1;
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

  // Whether host h's additive budgets, with `out` gone, may hold `in`: a necessary condition
  // (fit() decides).
  bool may_swap(std::size_t h, std::span<const std::uint32_t> out, std::span<const std::uint32_t> in) {
    for (std::size_t k : additive) {
      if (free[h][k] == unlimited) continue;
      __int128 room = free[h][k];
      // A guest that leaves frees at most its need; of resident memory, its peak (under
      // profiles the host's peak may be its own peak slot, not its valley).
      for (auto x : out) room += std::max<std::int64_t>(0, k == rules::resident_host ? rules::whole(e.demand(x)).resident.value : e.demands_.needs(x)[k]);
      for (auto g : in) room -= std::max<std::int64_t>(0, e.demands_.needs(g)[k]);
      if (room < 0) return false;
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
  // Packs the guests of `hosts` onto all but the last, by minimum bin slack (at most `nodes`
  // nodes of search per host), then swaps in what is left over; undone when it fails.
  // Where each guest goes, by bin completion on the additive budgets (none: not found).
  // `exhausted`: set when it looked at every way (no answer then proves none exists, on the
  // additive budgets: of identical bins, each guest anywhere).
  std::optional<std::vector<std::vector<std::uint32_t>>> complete(const std::vector<std::size_t>& bins,
                                                                  const std::vector<std::uint32_t>& guests, std::int64_t nodes,
                                                                  bool* exhausted = nullptr);
  // `shuffle` > 0: a restart, the classes in another order (from that seed).
  // `proven_none`: set when bin completion proved that no packing onto one host fewer exists.
  bool repack(const std::vector<std::size_t>& hosts, std::int64_t nodes, std::int64_t budget, std::uint32_t shuffle = 0,
              bool* proven_none = nullptr);

  // What an attempt changed, to undo it: hosts (state and guests) and placements as they were.
  struct Attempt {
    std::map<std::size_t, std::pair<HostState, std::vector<std::uint32_t>>> hosts;
    std::map<std::uint32_t, Placement> guests;
  };
  void save(Attempt& a, std::size_t h);
  void save(Attempt& a, std::uint32_t g);
  void undo(Attempt& a);
  // Swaps the waiting guests in over the hosts in use but t, within `budget` steps.
  bool repair(Attempt& a, std::vector<std::uint32_t> waiting, std::size_t t, std::int64_t budget);
  // Runs until the plan uses `bound` hosts or the steps run out. Returns the hosts emptied.
  std::vector<char> run(int bound, int used);
  bool proven = false;  // no plan places these guests on fewer hosts than the search leaves
};

void Engine::Search::save(Attempt& a, std::size_t h) {
  if (!a.hosts.count(h)) a.hosts.emplace(h, std::make_pair(e.fleet_.state(h), on[h]));
}

void Engine::Search::save(Attempt& a, std::uint32_t g) { a.guests.emplace(g, e.plan_.placements[g]); }

void Engine::Search::undo(Attempt& a) {
  for (auto& [h, before] : a.hosts) {
    on[h] = std::move(before.second);
    commit_state(h, std::move(before.first));
  }
  for (auto& [g, pl] : a.guests) e.plan_.placements[g] = std::move(pl);
  a = {};
}

bool Engine::Search::empty(std::size_t t, std::int64_t budget) {
  Attempt a;
  save(a, t);
  std::vector<std::uint32_t> waiting = on[t];
  for (auto g : waiting) save(a, g);
  on[t].clear();
  commit_state(t, rebuilt(t, {}));
  if (repair(a, std::move(waiting), t, budget)) return true;
  undo(a);
  return false;
}

// Consistent neighbourhood search: swaps between the hosts in use (but t) and the waiting guests.
bool Engine::Search::repair(Attempt& a, std::vector<std::uint32_t> waiting, std::size_t t, std::int64_t budget) {
  const std::int64_t stop = steps - budget;
  std::vector<std::size_t> targets;  // the other hosts in use
  for (std::size_t h = 0; h < on.size(); ++h) {
    if (h != t && !on[h].empty()) targets.push_back(h);
  }
  std::map<std::uint32_t, double> weight;
  auto weight_of = [&](std::uint32_t g) {
    auto it = weight.find(g);
    return it == weight.end() ? size[g] : it->second;
  };
  for (auto g : waiting) weight[g] = size[g];
  // Tabu: a guest that came onto a host stays a while; one that left may not come back soon.
  std::map<std::pair<std::uint32_t, std::size_t>, std::int64_t> stays_until, away_until;
  constexpr std::int64_t tenure = 7;
  std::int64_t turn = 0;
  int stuck = 0;
  struct Move {
    double gain;
    std::size_t host;
    std::array<std::uint32_t, 2> out, in;
    std::uint8_t outs, ins;
  };
  // The `tries` best swaps of a turn, best first: most gained, then fewest guests moved, then
  // the lowest host; among equals, the one found first. Only these are asked of fit().
  constexpr std::size_t tries = 16;
  std::vector<Move> moves;
  auto better = [](const Move& a, const Move& b) {
    if (a.gain != b.gain) return a.gain > b.gain;
    if (a.outs + a.ins != b.outs + b.ins) return a.outs + a.ins < b.outs + b.ins;
    return a.host < b.host;
  };
  auto keep_best = [&](const Move& m) {
    if (moves.size() == tries && !better(m, moves.back())) return;
    moves.insert(std::upper_bound(moves.begin(), moves.end(), m, better), m);
    if (moves.size() > tries) moves.pop_back();
  };
  while (!waiting.empty() && steps > stop) {
    ++turn;
    // Every swap of up to two guests of a host with up to two waiting guests that the host's
    // additive budgets allow and that makes the waiting guests weigh less; the best that
    // fit() confirms is made.
    moves.clear();
    // Each waiting guest alone, and pairs of the heaviest few (the pairs of many would be many).
    constexpr std::size_t paired = 24;
    std::vector<std::uint32_t> heaviest = waiting;
    std::stable_sort(heaviest.begin(), heaviest.end(), [&](std::uint32_t a, std::uint32_t b) { return weight_of(a) > weight_of(b); });
    if (heaviest.size() > paired) heaviest.resize(paired);
    std::vector<std::pair<std::array<std::uint32_t, 2>, std::uint8_t>> ins;
    for (auto g : waiting) ins.push_back({{g, 0}, 1});
    for (std::size_t i = 0; i < heaviest.size(); ++i) {
      for (std::size_t j = i + 1; j < heaviest.size(); ++j) ins.push_back({{heaviest[i], heaviest[j]}, 2});
    }
    for (std::size_t h : targets) {
      if (steps <= stop) break;
      std::vector<std::uint32_t> may_go;
      for (auto x : on[h]) {
        auto it = stays_until.find({x, h});
        if (movable[x] && (it == stays_until.end() || it->second < turn)) may_go.push_back(x);
      }
      // None out, each one alone, and pairs of the lightest few.
      std::vector<std::pair<std::array<std::uint32_t, 2>, std::uint8_t>> outs{{{0, 0}, 0}};
      for (auto x : may_go) outs.push_back({{x, 0}, 1});
      std::stable_sort(may_go.begin(), may_go.end(), [&](std::uint32_t a, std::uint32_t b) { return weight_of(a) < weight_of(b); });
      if (may_go.size() > paired) may_go.resize(paired);
      for (std::size_t i = 0; i < may_go.size(); ++i) {
        for (std::size_t j = i + 1; j < may_go.size(); ++j) outs.push_back({{may_go[i], may_go[j]}, 2});
      }
      steps -= static_cast<std::int64_t>(ins.size() * outs.size()) + 1;  // a step per swap weighed
      for (const auto& [in, n_in] : ins) {
        bool barred = false;
        double w_in = 0;
        for (std::uint8_t i = 0; i < n_in; ++i) {
          auto it = away_until.find({in[i], h});
          barred = barred || (it != away_until.end() && it->second >= turn);
          w_in += weight_of(in[i]);
        }
        if (barred) continue;
        for (const auto& [out, n_out] : outs) {
          double w_out = 0;
          for (std::uint8_t i = 0; i < n_out; ++i) w_out += weight_of(out[i]);
          const double gain = w_in - w_out;
          if (n_out > 0 && gain <= 1e-12) continue;  // a guest in with none out always gains
          if (!may_swap(h, {out.data(), n_out}, {in.data(), n_in})) continue;
          keep_best({gain, h, out, in, n_out, n_in});
        }
      }
    }
    bool made = false;
    for (std::size_t m = 0; m < moves.size() && m < tries && steps > stop; ++m) {
      const Move& mv = moves[m];
      const std::size_t h = mv.host;
      std::vector<std::uint32_t> keep;
      for (auto x : on[h]) {
        if (std::find(mv.out.begin(), mv.out.begin() + mv.outs, x) == mv.out.begin() + mv.outs) keep.push_back(x);
      }
      HostState state = mv.outs == 0 ? e.fleet_.state(h) : rebuilt(h, keep);
      std::map<std::uint32_t, Placement> was;
      bool fits = true;
      for (std::uint8_t i = 0; i < mv.ins && fits; ++i) {
        was.emplace(mv.in[i], e.plan_.placements[mv.in[i]]);
        fits = put(h, state, mv.in[i]);
      }
      if (!fits) {
        for (auto& [g, pl] : was) e.plan_.placements[g] = std::move(pl);
        continue;
      }
      save(a, h);
      for (std::uint8_t i = 0; i < mv.outs; ++i) save(a, mv.out[i]);
      for (auto& [g, pl] : was) a.guests.emplace(g, std::move(pl));
      on[h] = std::move(keep);
      for (std::uint8_t i = 0; i < mv.ins; ++i) {
        on[h].push_back(mv.in[i]);
        stays_until[{mv.in[i], h}] = turn + tenure;
        waiting.erase(std::find(waiting.begin(), waiting.end(), mv.in[i]));
      }
      for (std::uint8_t i = 0; i < mv.outs; ++i) {
        waiting.push_back(mv.out[i]);
        away_until[{mv.out[i], h}] = turn + tenure;
        e.plan_.placements[mv.out[i]].host = -1;
      }
      commit_state(h, std::move(state));
      made = true;
      break;
    }
    if (made) {
      stuck = 0;
      continue;
    }
    // No swap lightens the waiting guests: they grow heavier, so that next turn they may push
    // out heavier ones (the weighting of consistent neighbourhood search).
    // Fifty turns without one (each weighs them more): no swap of two will ever do.
    if (++stuck > 50) break;
    for (auto g : waiting) weight[g] = weight_of(g) + size[g];
    std::erase_if(stays_until, [&](const auto& kv) { return kv.second < turn; });
    std::erase_if(away_until, [&](const auto& kv) { return kv.second < turn; });
  }
  return waiting.empty();
}

// Bin completion (Korf, "An improved algorithm for optimal bin packing", IJCAI 2003), on the
// additive budgets: the guests go onto `bins` hosts, bin by bin, each taking the largest guest
// left and a set of others; the sets a bin may take leave it no more room, in any budget, than
// the bins together can spare (their budgets less what the guests ask), so on a packing with
// no slack every bin is filled exactly. Each bin tries its `per_bin` sets of least room left,
// least first, and backtracks; at most `nodes` nodes in all. The assignment, or none.
std::optional<std::vector<std::vector<std::uint32_t>>> Engine::Search::complete(const std::vector<std::size_t>& bins,
                                                                               const std::vector<std::uint32_t>& guests, std::int64_t nodes,
                                                                               bool* exhausted) {
  bool whole = true;  // every set of every bin looked at
  if (exhausted) *exhausted = false;
  struct Class {
    std::uint32_t spec;
    Keys need;
    std::vector<std::uint32_t> guests;
  };
  std::vector<std::uint32_t> sorted = guests;
  std::stable_sort(sorted.begin(), sorted.end(), [&](std::uint32_t a, std::uint32_t b) {
    return size[a] > size[b] || (size[a] == size[b] && e.s_.guests[a].spec < e.s_.guests[b].spec);
  });
  std::vector<Class> classes;
  for (auto g : sorted) {
    if (classes.empty() || classes.back().spec != e.s_.guests[g].spec) classes.push_back({e.s_.guests[g].spec, e.demands_.needs(g), {}});
    classes.back().guests.push_back(g);
  }
  std::vector<std::size_t> keys;
  for (std::size_t k : additive) {
    bool asked = false, limited = true;
    for (const auto& c : classes) asked = asked || c.need[k] > 0;
    for (std::size_t b : bins) limited = limited && counts(e.fleet_.full(b), k);
    if (asked && limited) keys.push_back(k);
  }
  if (keys.empty()) return std::nullopt;
  // Bins of one shape: the largest guest left may go into the next bin, whichever it is.
  for (std::size_t b : bins) {
    for (std::size_t k : keys) whole = whole && e.fleet_.full(b)[k] == e.fleet_.full(bins.front())[k];
  }
  // What the bins can spare, per budget.
  std::vector<std::int64_t> spare(rules::key_count, 0);
  for (std::size_t k : keys) {
    __int128 total = 0;
    for (std::size_t b : bins) total += e.fleet_.full(b)[k];
    for (const auto& c : classes) total -= __int128{std::max<std::int64_t>(0, c.need[k])} * static_cast<std::int64_t>(c.guests.size());
    if (total < 0) {
      if (exhausted) *exhausted = whole;  // not even the sums fit
      return std::nullopt;
    }
    spare[k] = static_cast<std::int64_t>(std::min<__int128>(total, unlimited));
  }
  std::vector<std::int64_t> left(classes.size());
  for (std::size_t c = 0; c < classes.size(); ++c) left[c] = static_cast<std::int64_t>(classes[c].guests.size());
  std::vector<std::vector<std::int64_t>> taken(bins.size(), std::vector<std::int64_t>(classes.size(), 0));
  constexpr std::size_t per_bin = 8;
  std::int64_t budget = nodes;
  auto need = [&](std::size_t c, std::size_t k) { return std::max<std::int64_t>(0, classes[c].need[k]); };
  auto solve = [&](auto&& self, std::size_t j) -> bool {
    std::size_t first = 0;
    while (first < classes.size() && left[first] == 0) ++first;
    if (first == classes.size()) return true;
    if (budget <= 0) whole = false;
    if (j == bins.size() || budget <= 0) return false;
    const Keys& full = e.fleet_.full(bins[j]);
    // The sets this bin may take: the first class left at least once, then any of the others.
    struct Set {
      double slack;
      std::vector<std::pair<std::size_t, std::int64_t>> take;
    };
    std::vector<Set> sets;
    std::vector<std::pair<std::size_t, std::int64_t>> take;
    Keys room = full;
    auto slack_of = [&] {
      double t = 0;
      for (std::size_t k : keys) t += static_cast<double>(room[k]) / static_cast<double>(full[k]);
      return t;
    };
    // What the classes from c on could still take off the room, per budget: a set that cannot
    // bring the room down to the spare is not looked for.
    std::vector<Keys> after(classes.size() + 1, Keys{});
    for (std::size_t c = classes.size(); c-- > 0;) {
      after[c] = after[c + 1];
      for (std::size_t k : keys) after[c][k] = static_cast<std::int64_t>(std::min<__int128>(__int128{after[c][k]} + __int128{left[c]} * need(c, k), unlimited));
    }
    // How many guests of class c the room left holds, by the additive budgets; and the set with
    // n of them taken, while `then` runs.
    auto room_for = [&](std::size_t c) {
      std::int64_t most = left[c];
      for (std::size_t k : keys) {
        if (need(c, k) > 0) most = std::min(most, room[k] / need(c, k));
      }
      return most;
    };
    auto taking = [&](std::size_t c, std::int64_t n, auto&& then) {
      for (std::size_t k : keys) room[k] -= n * need(c, k);
      take.emplace_back(c, n);
      left[c] -= n;
      then();
      left[c] += n;
      take.pop_back();
      for (std::size_t k : keys) room[k] += n * need(c, k);
    };
    // This bin's share of the nodes left: the bins after it need theirs.
    std::int64_t bin_budget = std::max<std::int64_t>(1000, budget / static_cast<std::int64_t>(bins.size() - j));
    auto enumerate = [&](auto&& go, std::size_t from) -> void {
      if (--budget <= 0 || --bin_budget <= 0) {
        whole = false;
        return;
      }
      for (std::size_t k : keys) {
        if (room[k] - after[from][k] > spare[k]) return;
      }
      bool fits_spare = true;
      for (std::size_t k : keys) fits_spare = fits_spare && room[k] <= spare[k];
      if (fits_spare) {
        sets.push_back({slack_of(), take});
        std::stable_sort(sets.begin(), sets.end(), [](const Set& a, const Set& b) { return a.slack < b.slack; });
        if (sets.size() > per_bin) {
          sets.pop_back();
          whole = false;  // a set left out
        }
        if (sets.front().slack <= 1e-12 && sets.size() == per_bin) {
          whole = false;
          return;
        }
      }
      for (std::size_t c = from; c < classes.size() && budget > 0 && bin_budget > 0; ++c) {
        if (left[c] == 0) continue;
        for (std::int64_t n = room_for(c); n >= 1; --n) taking(c, n, [&] { go(go, c + 1); });
      }
    };
    for (std::int64_t n = room_for(first); n >= 1 && budget > 0 && bin_budget > 0; --n) {
      taking(first, n, [&] { enumerate(enumerate, first + 1); });
    }
    for (const Set& set : sets) {
      Keys r = full;
      for (const auto& [c, n] : set.take) {
        for (std::size_t k : keys) r[k] -= n * need(c, k);
      }
      for (const auto& [c, n] : set.take) {
        left[c] -= n;
        taken[j][c] = n;
      }
      for (std::size_t k : keys) spare[k] -= r[k];
      if (self(self, j + 1)) return true;
      for (std::size_t k : keys) spare[k] += r[k];
      for (const auto& [c, n] : set.take) {
        left[c] += n;
        taken[j][c] = 0;
      }
      if (budget <= 0) break;
    }
    return false;
  };
  const bool solved = solve(solve, 0);
  steps -= nodes - std::max<std::int64_t>(budget, 0);
  if (!solved) {
    if (exhausted) *exhausted = whole && budget > 0;
    return std::nullopt;
  }
  std::vector<std::vector<std::uint32_t>> out(bins.size());
  std::vector<std::size_t> next(classes.size(), 0);
  for (std::size_t j = 0; j < bins.size(); ++j) {
    for (std::size_t c = 0; c < classes.size(); ++c) {
      for (std::int64_t n = 0; n < taken[j][c]; ++n) out[j].push_back(classes[c].guests[next[c]++]);
    }
  }
  return out;
}

// Minimum bin slack (Gupta and Ho, "A new heuristic algorithm for the one-dimensional bin
// packing problem", 1999; Fleszar and Hindi's MBS', 2002): the guests of `hosts` (each host
// emptied) go back host by host, each host taking the set of the guests left, the largest
// always among them, that leaves it the least slack (its additive budgets left, as fractions of
// the host's, summed), found by a depth-first search over guest classes within `nodes` nodes.
// fit() places each guest of the set; one it refuses waits for the next host. Succeeds when
// the last host is left empty; otherwise everything is put back.
bool Engine::Search::repack(const std::vector<std::size_t>& hosts, std::int64_t nodes, std::int64_t budget, std::uint32_t shuffle,
                            bool* proven_none) {
  const std::int64_t start = steps;
  Attempt a;
  std::vector<std::uint32_t> left;
  for (std::size_t h : hosts) {
    save(a, h);
    for (auto g : on[h]) {
      save(a, g);
      left.push_back(g);
    }
    on[h].clear();
  }
  // Bin completion first: when it finds where every guest goes, fit() places them host by host
  // (what it refuses is left over).
  if (shuffle == 0) {
    const std::vector<std::size_t> bins(hosts.begin(), hosts.end() - 1);
    if (auto assignment = complete(bins, left, nodes * static_cast<std::int64_t>(hosts.size()), proven_none)) {
      std::vector<std::uint32_t> over;
      for (std::size_t j = 0; j < bins.size(); ++j) {
        HostState state = rebuilt(bins[j], {});
        for (auto g : (*assignment)[j]) {
          if (put(bins[j], state, g)) on[bins[j]].push_back(g);
          else over.push_back(g);
        }
        commit_state(bins[j], std::move(state));
      }
      commit_state(hosts.back(), rebuilt(hosts.back(), {}));
      for (auto g : over) e.plan_.placements[g].host = -1;
      if (over.empty() || (budget > 0 && repair(a, std::move(over), hosts.back(), budget - (start - steps)))) return true;
      undo(a);
      return false;
    }
  }
  // Guests of one spec are interchangeable: classes, largest first.
  std::stable_sort(left.begin(), left.end(), [&](std::uint32_t a, std::uint32_t b) {
    return size[a] > size[b] || (size[a] == size[b] && e.s_.guests[a].spec < e.s_.guests[b].spec);
  });
  bool done = true;
  for (std::size_t i = 0; i < hosts.size(); ++i) {
    const std::size_t h = hosts[i];
    HostState state = rebuilt(h, {});
    if (i + 1 == hosts.size()) {
      done = left.empty();
      for (auto g : left) e.plan_.placements[g].host = -1;
      commit_state(h, std::move(state));
      break;
    }
    if (left.empty()) {
      commit_state(h, std::move(state));
      continue;
    }
    struct Class {
      std::uint32_t spec;
      std::vector<std::uint32_t> guests;
    };
    std::vector<Class> classes;
    for (auto g : left) {
      if (classes.empty() || classes.back().spec != e.s_.guests[g].spec) classes.push_back({e.s_.guests[g].spec, {}});
      classes.back().guests.push_back(g);
    }
    // A restart looks at the classes after the largest in another order: the DFS finds
    // another of the sets of least slack first.
    if (shuffle > 0 && classes.size() > 2) {
      std::mt19937 rng(shuffle * 7919u + static_cast<std::uint32_t>(i));
      for (std::size_t c = classes.size() - 1; c > 1; --c) {
        std::swap(classes[c], classes[1 + rng() % c]);
      }
    }
    const Keys& full = e.fleet_.full(h);
    // The budgets some guest left asks for (the others are slack no choice changes).
    std::vector<std::size_t> keys;
    for (std::size_t k : additive) {
      if (counts(full, k) && std::any_of(classes.begin(), classes.end(), [&](const Class& c) { return e.demands_.needs(c.guests.front())[k] > 0; })) {
        keys.push_back(k);
      }
    }
    auto slack = [&](const Keys& room) {
      double total = 0;
      for (std::size_t k : keys) total += static_cast<double>(room[k]) / static_cast<double>(full[k]);
      return total;
    };
    std::vector<std::int64_t> take(classes.size(), 0), best_take(classes.size(), 0);
    double best = std::numeric_limits<double>::max();
    std::int64_t budget = nodes;
    // How many of class c the room holds, by the additive budgets.
    auto most = [&](std::size_t c, const Keys& room) {
      std::int64_t n = static_cast<std::int64_t>(classes[c].guests.size());
      const Keys& need = e.demands_.needs(classes[c].guests.front());
      for (std::size_t k : keys) {
        if (need[k] > 0) n = std::min(n, room[k] / need[k]);
      }
      return n;
    };
    auto dfs = [&](auto&& self, std::size_t from, const Keys& room) -> void {
      if (--budget < 0 || best <= 1e-12) return;
      const double here = slack(room);
      if (here < best) {
        best = here;
        best_take = take;
      }
      for (std::size_t c = from; c < classes.size() && budget >= 0 && best > 1e-12; ++c) {
        const Keys& need = e.demands_.needs(classes[c].guests.front());
        for (std::int64_t n = most(c, room); n >= 1; --n) {
          Keys next = room;
          for (std::size_t k : keys) next[k] -= n * std::max<std::int64_t>(0, need[k]);
          take[c] = n;
          self(self, c + 1, next);
          take[c] = 0;
          if (budget < 0 || best <= 1e-12) break;
        }
      }
    };
    // The largest guest left is always taken (MBS').
    Keys room = full;
    if (most(0, room) >= 1) {
      const Keys& need = e.demands_.needs(classes[0].guests.front());
      const std::int64_t cap = most(0, room);
      for (std::int64_t n = cap; n >= 1 && best > 1e-12 && budget >= 0; --n) {
        Keys next = room;
        for (std::size_t k : keys) next[k] -= n * std::max<std::int64_t>(0, need[k]);
        take[0] = n;
        dfs(dfs, 1, next);
        take[0] = 0;
      }
    }
    steps -= nodes - std::max<std::int64_t>(budget, 0);
    std::vector<std::uint32_t> chosen, rest;
    for (std::size_t c = 0; c < classes.size(); ++c) {
      for (std::size_t j = 0; j < classes[c].guests.size(); ++j) {
        (static_cast<std::int64_t>(j) < best_take[c] ? chosen : rest).push_back(classes[c].guests[j]);
      }
    }
    for (auto g : chosen) {
      if (put(h, state, g)) on[h].push_back(g);
      else rest.push_back(g);
    }
    // Guests fit() refused may still fit beside the others here: first fit over what is left.
    std::vector<std::uint32_t> still;
    for (auto g : rest) {
      if (put(h, state, g)) on[h].push_back(g);
      else still.push_back(g);
    }
    std::stable_sort(still.begin(), still.end(), [&](std::uint32_t a, std::uint32_t b) {
      return size[a] > size[b] || (size[a] == size[b] && e.s_.guests[a].spec < e.s_.guests[b].spec);
    });
    left = std::move(still);
    commit_state(h, std::move(state));
  }
  // Guests left over: swapped in by the consistent neighbourhood search, within what is left
  // of the budget.
  if (done || (budget > 0 && repair(a, std::move(left), hosts.back(), budget - (start - steps)))) return true;
  undo(a);
  return false;
}

std::vector<char> Engine::Search::run(int bound, int used) {
  std::vector<char> emptied(on.size(), 0);
  // The hosts whose guests may all move, least full first.
  auto emptiable = [&] {
    std::vector<std::pair<double, std::size_t>> by_fill;
    for (std::size_t h = 0; h < on.size(); ++h) {
      if (on[h].empty()) continue;
      if (held[h]) continue;
      by_fill.emplace_back(fill(h), h);
    }
    std::stable_sort(by_fill.begin(), by_fill.end());
    steps -= static_cast<std::int64_t>(on.size() / 4) + 1;  // a step per few hosts looked at
    return by_fill;
  };
  // First, minimum bin slack over the least full hosts, more of them each time, up to all
  // (at most `window` of them); a host emptied starts it over. Then, over those most hosts,
  // restarts in other orders, then the same with the guests left over swapped in.
  constexpr std::int64_t nodes_per_host = 2'000'000;
  constexpr std::size_t window = 64;
  constexpr std::uint32_t restarts = 8;
  // Whether every host the plan could have is of one shape: a pool's, no scenario host.
  const bool one_shape = e.s_.hosts.empty() && e.s_.auto_pools.size() == 1;
  auto attempt = [&](std::size_t r, std::uint32_t shuffle, bool with_repair) {
    const auto by_fill = emptiable();
    r = std::min(r, by_fill.size());
    if (r < 2) return false;
    std::vector<std::size_t> hosts;
    for (std::size_t i = 0; i < r; ++i) hosts.push_back(by_fill[i].second);
    // The host left empty: one opened from a pool if one is (it leaves the plan).
    std::stable_sort(hosts.begin(), hosts.end(), [&](std::size_t a, std::size_t b) {
      return (e.fleet_.pool(a) >= 0) < (e.fleet_.pool(b) >= 0);
    });
    const std::int64_t nodes = std::min<std::int64_t>(nodes_per_host, std::max<std::int64_t>(steps / static_cast<std::int64_t>(2 * r), 1));
    // Every host in use, of the one shape any host has: bin completion may prove there is no
    // plan on one host fewer.
    const bool all = r == static_cast<std::size_t>(used) && one_shape;
    bool none = false;
    if (!repack(hosts, nodes, with_repair ? std::max<std::int64_t>(steps / 4, 1) : 0, shuffle, all ? &none : nullptr)) {
      proven = proven || none;
      return false;
    }
    // Every host of the set left without a guest (the last always; others when the guests
    // fitted in fewer still).
    for (std::size_t h : hosts) {
      if (!on[h].empty() || emptied[h]) continue;
      emptied[h] = 1;
      --used;
    }
    return true;
  };
  for (std::size_t r = 2; used > bound && steps > 0 && r <= window && !proven;) {
    const std::size_t hosts = emptiable().size();
    if (attempt(r, 0, false)) {
      r = 2;
    } else if (r >= hosts) {
      break;
    } else {
      r = std::min(hosts, r * 2);
    }
  }
  for (std::uint32_t k = 1; k <= restarts && used > bound && steps > 0 && !proven;) {
    if (!attempt(window, k, false)) ++k;
  }
  for (std::uint32_t k = 0; k <= restarts && used > bound && steps > 0 && !proven;) {
    if (!attempt(window, k, true)) ++k;
  }
  // Then swaps, host by host: the least full first, each tried once until one empties.
  std::vector<char> tried(on.size(), 0);
  while (used > bound && steps > 0 && !proven) {
    std::size_t t = on.size();
    for (const auto& [f, h] : emptiable()) {
      if (!tried[h]) {
        t = h;
        break;
      }
    }
    if (t == on.size()) break;
    // Each attempt may spend a quarter of what is left.
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
  proven_ = search.proven;
  return static_cast<int>(std::count(emptied_.begin(), emptied_.end(), 1));
}

}  // namespace kvmplan::placement
