// Packing host by host: hosts in order, each filled until nothing more fits, then the next,
// opening hosts of a pool as needed. Guests of equal demand form a class. Bin-centric: the
// class whose demand best matches what the host has left (scorers::dot), classes in decreasing
// dominant share breaking ties; under usage profiles, the less a class would raise the host's
// peak slot, the more it weighs (scorers::off_peak), so that peaks that do not meet share hosts. First fit: classes in decreasing memory (or vCPUs), each guest onto the
// host when it fits; filling host by host gives each guest the first host that fits, which is
// plain first-fit decreasing, since a guest that does not fit a host never fits it later.
//
// A new host of a pool starts in the same state as the last one, so while the same classes are
// left it fills the same way: that fill is recorded once (which class, which nodes and CPUs,
// the state after) and replayed, as long as every class it uses has guests enough.
#include <algorithm>
#include <array>
#include <iterator>
#include <limits>
#include <map>
#include <optional>
#include <tuple>

#include "placement/engine.hpp"
#include "placement/lower_bound.hpp"
#include "placement/scorers.hpp"

namespace kvmplan::placement {

// The classes of `guests`, in the order's: decreasing dominant share (bin-centric), or
// decreasing memory (vCPUs) then dominant share (first fit); ties to the class seen first.
std::vector<Engine::Class> Engine::classes_of(const std::vector<std::uint32_t>& guests) {
  std::vector<Class> classes;
  // Everything fit() reads of a guest: members of a class are interchangeable.
  // Given cells (numa_cells) make a spec its own class.
  std::map<std::tuple<std::int64_t, std::int64_t, std::int64_t, std::int64_t, int, int, int, int, std::int64_t, std::int32_t, std::int64_t>, std::size_t> by_key;
  for (auto g : guests) {
    const Demand& d = demand(g);
    const GuestSpec& spec = *d.spec;
    const auto key = std::make_tuple(spec.memory.value, d.use.value, d.overhead.value, spec.hugepages ? spec.hugepages->value : 0,
                                     spec.vcpus, (static_cast<int>(d.memory) * 2 + d.dedicated) * 2 + d.emulator, spec.numa_nodes, d.image, d.shareable.value, spec.profile,
                                     spec.cells.empty() ? std::int64_t{-1} : static_cast<std::int64_t>(s_.guests[g].spec));
    auto [it, fresh] = by_key.emplace(key, classes.size());
    if (fresh) classes.push_back({{}, 0, demands_.needs(g)});
    classes[it->second].members.push_back(g);
  }
  std::vector<std::tuple<double, double, std::uint32_t, std::size_t>> ranked;
  for (std::size_t c = 0; c < classes.size(); ++c) {
    const std::uint32_t g = classes[c].members.front();
    const GuestSpec& spec = s_.spec(s_.guests[g]);
    const double first = order_ == PlaceOptions::Order::memory  ? -static_cast<double>(spec.memory.value)
                         : order_ == PlaceOptions::Order::vcpus ? -static_cast<double>(spec.vcpus)
                                                                : 0.0;
    ranked.emplace_back(first, -demands_.share(g), g, c);
  }
  std::sort(ranked.begin(), ranked.end());
  std::vector<Class> sorted;
  for (const auto& r : ranked) sorted.push_back(std::move(classes[std::get<3>(r)]));
  return sorted;
}

// The class (a position in `open`) host h takes next, or open.size() when it has room for none.
// First fit: the first with room, from `cursor` on (the classes before it had no room and never
// will). Bin-centric: the largest dot product of need and free capacity.
std::size_t Engine::next_class(std::size_t h, const std::vector<Class>& classes, const std::vector<std::size_t>& open,
                               std::size_t& cursor) const {
  const Keys free = keys_of(fleet_.state(h), p_);
  auto room = [&](const Keys& need) {
    for (std::size_t k = 0; k < rules::key_count; ++k) {
      if (free[k] < need[k]) return false;
    }
    return true;
  };
  if (order_ == PlaceOptions::Order::memory || order_ == PlaceOptions::Order::vcpus) {
    while (cursor < open.size() && !room(classes[open[cursor]].need)) ++cursor;
    return cursor;
  }
  const bool by_image = p_.memory_limit != MemoryLimit::committed;
  const bool profiles = s_.slots() > 0 && p_.memory_limit != MemoryLimit::committed;
  // Several pools: each class is fitted, and one that would leave its node with room that no
  // class left fits is charged for that room (scorers::stranded_weight). With one pool the
  // plain dot product, as it was (the benchmarks of one pool are packed as tightly without);
  // the portfolio tries the plain one with several pools too (place.cpp).
  const bool lookahead = lookahead_ && pools_.size() > 1;
  // The room a guest of class open[i] would strand on `node`, as fractions of the node summed
  // over the node budgets some class left asks for. Of each budget r, the node can still give
  // out no more than, for every other budget q, its free q times the most of r per unit of q
  // that a class still fitting there asks (the same class included, when it has another
  // guest); the rest of r is stranded. No class fits: all its room is. A node of a memory-rich
  // host with 1 vCPU and 216GiB free, where the guests with 1 vCPU ask 96GiB at most, strands
  // 120GiB.
  constexpr std::size_t budgets = std::size(scorers::node_keys);
  std::array<std::size_t, budgets> asked{};
  std::size_t n_asked = 0;
  if (lookahead) {
    const Keys& full = fleet_.full(h);
    for (std::size_t k : scorers::node_keys) {
      const bool limited = full[k] > 0 && full[k] != std::numeric_limits<std::int64_t>::max();
      if (limited && std::any_of(open.begin(), open.end(), [&](std::size_t c) { return classes[c].need[k] > 0; })) asked[n_asked++] = k;
    }
  }
  auto stranded = [&](std::size_t i, const Demand& d, std::size_t node) {
    Keys empty;
    const Keys after = node_keys_with(fleet_.state(h), d, p_, node, empty);
    constexpr double unbounded = std::numeric_limits<double>::infinity();
    std::array<std::array<double, budgets>, budgets> most{};  // [r][q]: the most r per unit of q
    bool any = false;
    for (std::size_t j = 0; j < open.size(); ++j) {
      const Class& other = classes[open[j]];
      if (other.left() <= (j == i ? 1u : 0u) ||
          !std::equal(after.begin(), after.end(), other.need.begin(), [](std::int64_t f, std::int64_t n) { return f >= n; })) {
        continue;
      }
      any = true;
      for (std::size_t r = 0; r < n_asked; ++r) {
        const std::int64_t nr = other.need[asked[r]];
        if (nr <= 0) continue;
        for (std::size_t q = 0; q < n_asked; ++q) {
          if (q == r) continue;
          const std::int64_t nq = other.need[asked[q]];
          most[r][q] = std::max(most[r][q], nq > 0 ? static_cast<double>(nr) / static_cast<double>(nq) : unbounded);
        }
      }
    }
    double slack = 0;
    for (std::size_t r = 0; r < n_asked; ++r) {
      const std::size_t k = asked[r];
      if (empty[k] <= 0 || empty[k] == std::numeric_limits<std::int64_t>::max()) continue;
      const double free_r = static_cast<double>(std::max<std::int64_t>(after[k], 0));
      double usable = any ? free_r : 0.0;
      for (std::size_t q = 0; q < n_asked && any; ++q) {
        if (q != r && most[r][q] != unbounded) usable = std::min(usable, static_cast<double>(std::max<std::int64_t>(after[asked[q]], 0)) * most[r][q]);
      }
      slack += (free_r - usable) / static_cast<double>(empty[k]);
    }
    return slack;
  };
  std::size_t best = open.size();
  double best_score = -std::numeric_limits<double>::infinity();
  // The score before the look-ahead; with it, the candidates, best first (ties: the first).
  std::vector<std::pair<double, std::size_t>> ranked;
  for (std::size_t i = 0; i < open.size(); ++i) {
    const Keys& need = classes[open[i]].need;
    if (!room(need)) continue;
    double score = scorers::dot(free, need, fleet_.full(h));
    if (profiles) score *= scorers::off_peak(fleet_.state(h).load, rules::whole(demand(classes[open[i]].members.front())));
    if (by_image && fleet_.state(h).ksm_host.has(demand(classes[open[i]].members.front()).image)) score += scorers::image_class_bonus;
    if (lookahead) {
      ranked.emplace_back(score, i);
    } else if (score > best_score) {
      best = i;
      best_score = score;
    }
  }
  if (!lookahead) return best;
  // The look-ahead only lowers a score: once the score before it falls below the best after
  // it, no candidate left can win, and is not fitted. Each candidate fitted looks at every class
  // left: at most scorers::lookahead_work classes in all per guest (thousands of shapes would
  // otherwise cost their square per guest), the first candidate always.
  std::stable_sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  const std::size_t most_fitted = std::max<std::size_t>(1, scorers::lookahead_work / std::max<std::size_t>(1, open.size()));
  std::size_t fitted = 0;
  for (const auto& [before, i] : ranked) {
    if (before < best_score || fitted++ == most_fitted) break;
    const Class& c = classes[open[i]];
    const Demand& d = demand(c.members[c.next]);
    const Fit f = fit(fleet_.state(h), d, p_, {}, false);
    if (!f.fits()) continue;  // it never fits this host again: guests only take room
    const double score = f.nodes.size() == 1 ? before - scorers::stranded_weight * stranded(i, d, static_cast<std::size_t>(f.nodes.front())) : before;
    if (score > best_score || (score == best_score && i < best)) {
      best = i;
      best_score = score;
    }
  }
  return best;
}

void Engine::fill_hosts(const std::vector<std::uint32_t>& guests) {
  std::vector<Class> classes = classes_of(guests);
  struct Fill {
    int pool = -1;
    std::size_t emptied = 0;                                 // classes used up before it began
    std::vector<std::pair<std::size_t, Fit>> picks;          // class, and where its guest went
    std::vector<std::pair<std::size_t, std::size_t>> uses;   // class, guests taken
    std::optional<HostState> after;
  };
  fleet_.index().defer();  // filling host by host never searches the index
  std::optional<Fill> last;  // the last fill of a new host, to replay
  std::size_t emptied = 0;   // classes with no guest left
  std::size_t left = guests.size();
  std::vector<std::size_t> open;  // classes that may still fit the current host
  // With several pools: what the guests left ask, per additive budget (the pool choice's
  // linear program).
  const bool choosing = pools_.size() > 1;
  std::vector<double> remaining(std::size(scorers::dot_keys), 0.0);
  auto count_need = [&](std::uint32_t g, double sign) {
    const Keys& need = demands_.needs(g);
    for (std::size_t i = 0; i < std::size(scorers::dot_keys); ++i) {
      const std::int64_t n = need[scorers::dot_keys[i]];
      if (n > 0) remaining[i] += sign * static_cast<double>(n);
    }
  };
  if (choosing) {
    for (auto g : guests) count_need(g, 1.0);
  }
  // Fills host h with the classes left, in the order's way; `fill`, when given, records it.
  auto fill_host = [&](std::size_t h, Fill* fill) {
    open.clear();
    for (std::size_t c = 0; c < classes.size(); ++c) {
      if (classes[c].left() > 0) open.push_back(c);
    }
    std::size_t cursor = 0;  // first fit: the classes before it no longer fit this host
    while (!open.empty()) {
      const std::size_t best = next_class(h, classes, open, cursor);
      if (best == open.size()) break;  // nothing left that this host has room for
      Class& c = classes[open[best]];
      const std::uint32_t g = c.members[c.next];
      Fit f = fit(fleet_.state(h), demand(g), p_, {}, false);
      if (!f.fits()) {
        open.erase(open.begin() + static_cast<std::ptrdiff_t>(best));  // its nodes are too full here
        continue;
      }
      commit(g, h, std::move(f), false);
      if (choosing) count_need(g, -1.0);
      if (fill) fill->picks.emplace_back(open[best], Fit{std::nullopt, plan_.placements[g].nodes, plan_.placements[g].vcpupin, 0});
      --left;
      if (++c.next == c.members.size()) {
        ++emptied;
        open.erase(open.begin() + static_cast<std::ptrdiff_t>(best));
      }
    }
    fleet_.changed(h);
  };
  // Several pools: the one whose new host, filled, leaves the cheapest fleet for the guests
  // left: its cost plus the linear program's over the pools (lower_bound.hpp) for what remains;
  // found by filling one host of each pool and taking it back; ties to the pool listed first.
  // Where the program has no answer, the pool whose host takes the most guests per unit of its
  // cost (guests weighed by their shares of the largest host).
  std::vector<std::vector<double>> capacity;  // per pool, per additive budget: the program's
  if (choosing) {
    for (const auto& proto : pools_) {
      const Keys full = keys_of(proto, p_);
      std::vector<double> row;
      for (std::size_t key : scorers::dot_keys) {
        row.push_back(full[key] == std::numeric_limits<std::int64_t>::max() ? 1e30 : static_cast<double>(std::max<std::int64_t>(full[key], 0)));
      }
      capacity.push_back(std::move(row));
    }
  }
  auto choose_pool = [&]() -> int {
    int best = -1;
    double best_value = 0;
    int best_lp = -1;
    double best_fleet = 0;
    for (std::size_t pool = 0; pool < pools_.size(); ++pool) {
      bool takes_some = false;
      for (const Class& c : classes) {
        if (c.left() > 0 && fit(pools_[pool], demand(c.members[c.next]), p_, {}, false).fits()) {
          takes_some = true;
          break;
        }
      }
      if (!takes_some) continue;
      if (pools_.size() == 1) return static_cast<int>(pool);
      std::vector<std::size_t> next_before;
      for (const Class& c : classes) next_before.push_back(c.next);
      const std::size_t emptied_before = emptied, left_before = left;
      const std::size_t h = fleet_.open(s_.auto_pools[pool], static_cast<int>(pool));
      fill_host(h, nullptr);
      double taken = 0;
      const std::vector<double> after = remaining;  // what the guests left ask once it is filled
      for (std::size_t c = 0; c < classes.size(); ++c) {
        for (std::size_t i = next_before[c]; i < classes[c].next; ++i) {
          const std::uint32_t g = classes[c].members[i];
          taken += weight_of(g);
          count_need(g, 1.0);
          plan_.placements[g] = Placement{};
        }
        classes[c].next = next_before[c];
      }
      if (taken > 0) {
        if (const auto rest = pools_lp(capacity, after, pool_cost_)) {
          const double fleet = pool_cost_[pool] + *rest;
          if (best_lp < 0 || fleet < best_fleet - 1e-9) {
            best_lp = static_cast<int>(pool);
            best_fleet = fleet;
          }
        }
      }
      emptied = emptied_before;
      left = left_before;
      fleet_.drop_last();
      const double value = taken / pool_cost_[pool];
      if (best < 0 || value > best_value) {
        best = static_cast<int>(pool);
        best_value = value;
      }
    }
    return best_lp >= 0 ? best_lp : best;
  };
  // Hosts in use first (pack fills them before an empty one), then the empty ones, then new.
  std::vector<std::size_t> visit;
  for (std::size_t h = 0; h < fleet_.size(); ++h) {
    if (fleet_.state(h).guests > 0) visit.push_back(h);
  }
  for (std::size_t h = 0; h < fleet_.size(); ++h) {
    if (fleet_.state(h).guests == 0) visit.push_back(h);
  }
  for (std::size_t v = 0; left > 0; ++v) {
    int opened = -1;  // the pool of a host opened for this fill
    std::size_t h = fleet_.size();
    if (v < visit.size()) {
      h = visit[v];
    } else {
      // A new host: the same pool's fill replayed while it can be (the classes it used have
      // guests enough), else the pool chosen.
      const bool replay = last && last->emptied == emptied &&
                          std::all_of(last->uses.begin(), last->uses.end(), [&](const auto& u) { return classes[u.first].left() >= u.second; });
      opened = replay ? last->pool : choose_pool();
      if (opened < 0) break;
      fleet_.open(s_.auto_pools[static_cast<std::size_t>(opened)], opened);
      visit.push_back(h);
      if (replay) {
        for (const auto& [c, where] : last->picks) {
          const std::uint32_t g = classes[c].members[classes[c].next++];
          if (choosing) count_need(g, -1.0);
          Placement& pl = plan_.placements[g];
          pl.host = static_cast<std::int32_t>(h);
          pl.nodes = where.nodes;
          pl.vcpupin = where.pins;
        }
        for (const auto& [c, n] : last->uses) emptied += classes[c].left() == 0;
        left -= last->picks.size();
        commits_ += last->picks.size();
        const Host* host = fleet_.state(h).host;
        fleet_.state(h) = *last->after;
        fleet_.state(h).host = host;
        fleet_.changed(h);
        continue;
      }
    }
    Fill fill;
    fill.pool = opened;
    fill.emptied = emptied;
    fill_host(h, opened >= 0 ? &fill : nullptr);
    // A fill that used up a class saw it leave midway: a replay, with guests of it left over,
    // could take more of it. Such fills are not kept.
    if (opened >= 0 && emptied == fill.emptied && !fill.picks.empty()) {
      std::map<std::size_t, std::size_t> uses;
      for (const auto& pick : fill.picks) ++uses[pick.first];
      fill.uses.assign(uses.begin(), uses.end());
      fill.after = fleet_.state(h);
      last = std::move(fill);
    }
  }
  fleet_.index().resume();
  for (const Class& c : classes) {
    for (std::size_t i = c.next; i < c.members.size(); ++i) plan_.unplaced.push_back(why_not(c.members[i]));
  }
}

}  // namespace kvmplan::placement
