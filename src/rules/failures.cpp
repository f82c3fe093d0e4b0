#include "rules/failures.hpp"

#include <algorithm>
#include <limits>
#include <map>
#include <set>
#include <unordered_map>

#include "rules/dedicated.hpp"
#include "rules/groups.hpp"
#include "rules/numa_cells.hpp"
#include "rules/registry.hpp"
#include "rules/vcpu_limit.hpp"

namespace kvmplan::rules {
namespace {

// C(n, k), or more than `cap` when it would be.
std::uint64_t choose(std::uint64_t n, std::uint64_t k, std::uint64_t cap) {
  if (k > n) return 0;
  k = std::min(k, n - k);
  std::uint64_t c = 1;
  for (std::uint64_t i = 1; i <= k; ++i) {
    c = c * (n - k + i) / i;  // exact: c x (n - k + i) is a multiple of i
    if (c > cap) return cap + 1;
  }
  return c;
}

// Calls f(subset) for every k-subset of [0, n), in lexicographic order, while f returns true.
template <class F>
void each_subset(std::size_t n, std::size_t k, F&& f) {
  if (k == 0 || k > n) return;
  std::vector<std::uint32_t> pick(k);
  for (std::size_t i = 0; i < k; ++i) pick[i] = static_cast<std::uint32_t>(i);
  while (true) {
    if (!f(std::span<const std::uint32_t>(pick))) return;
    std::size_t i = k;
    while (i > 0 && pick[i - 1] == n - k + i - 1) --i;
    if (i == 0) return;
    ++pick[i - 1];
    for (std::size_t j = i; j < k; ++j) pick[j] = pick[j - 1] + 1;
  }
}

// Evacuations of one plan: the survivors' tallies and the groups' state are changed while one
// failure is simulated, and put back after.
class Evacuator {
 public:
  Evacuator(const Scenario& s, std::vector<FailoverHost>& hosts, const std::vector<PlacedGuest>& placed, const std::vector<Demand>& demands)
      : s_(s), p_(s.policy), hosts_(hosts), placed_(placed), demands_(demands), failed_(hosts.size(), 0), on_host_(hosts.size()),
        state_(s.groups.size()) {
    for (std::uint32_t i = 0; i < placed.size(); ++i) {
      const PlacedGuest& g = placed[i];
      on_host_[g.host].push_back(i);
      for (std::uint32_t group : groups_of(g.guest)) {
        if (!hard(s.groups[group].policy)) continue;
        const FailoverHost& h = hosts[g.host];
        reserve_groups(state_, std::span<const std::uint32_t>(&group, 1), {g.host, h.zone, h.host->nodes.size()}, g.nodes);
        members_[group].push_back(i);
      }
    }
    for (std::size_t h = 1; h < hosts.size(); ++h) {
      if (memory_free(hosts[h]) > memory_free(hosts[start_])) start_ = h;
    }
  }

  const std::vector<std::uint32_t>& on_host(std::size_t h) const { return on_host_[h]; }

  // The failure of `failed`: where their guests restart, which restart nowhere, and the
  // tightest survivor after.
  // `first_stranded_only`: stop at the first guest that restarts nowhere (whether the plan
  // survives is all that is asked).
  Failure run(std::span<const std::uint32_t> failed, bool keep_restarts, bool first_stranded_only = false) {
    Failure out;
    out.hosts.assign(failed.begin(), failed.end());
    for (auto h : failed) failed_[h] = 1;
    std::vector<std::uint32_t> victims;
    for (auto h : failed) victims.insert(victims.end(), on_host_[h].begin(), on_host_[h].end());
    // Units: guests that hard affinity ties to one host (or node) restart together, onto one
    // survivor that takes them all; the others one by one. Largest units first (memory:
    // committed, locked and pages; then vCPUs; then plan order).
    const std::vector<std::vector<std::uint32_t>> units = tied_units(victims);
    std::vector<std::pair<std::int64_t, std::int64_t>> size(units.size(), {0, 0});
    for (std::size_t u = 0; u < units.size(); ++u) {
      for (auto v : units[u]) {
        const Add a = whole(demand(placed_[v].guest));
        size[u].first += a.committed.value + a.locked.value + a.pages * a.page_size.value;
        size[u].second += a.shared_vcpus + a.pinned;
      }
    }
    std::vector<std::size_t> order(units.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return size[a] > size[b]; });
    // The groups without their failed members.
    for (auto v : victims) leave_groups(placed_[v]);

    // The search starts at the host with the most room (a plan's spare, when it has one), then
    // where the last restart went: first fit, without scanning every full host first. The
    // start depends on the plan alone, so a failure evacuates the same way whenever it is
    // simulated.
    std::size_t cursor = start_;
    std::set<std::uint32_t> restarted;  // survivors that took guests
    // A guest alone that restarted nowhere: another of its spec and groups will not either
    // (survivors only fill up, groups only gain members), so it is not looked for again.
    std::vector<std::uint32_t> stranded_specs;
    for (std::size_t u : order) {
      const std::vector<std::uint32_t>& unit = units[u];
      const std::uint32_t spec = s_.guests[placed_[unit.front()].guest].spec;
      std::vector<Restart> done;
      const bool hopeless = unit.size() == 1 && std::find(stranded_specs.begin(), stranded_specs.end(), spec) != stranded_specs.end();
      for (std::size_t step = 0; step < hosts_.size() && done.empty() && !hopeless; ++step) {
        const auto t = static_cast<std::uint32_t>((cursor + step) % hosts_.size());
        if (!failed_[t]) done = restart_on(unit, t);
      }
      if (done.empty()) {
        if (out.stranded.empty()) out.reason = why_not(placed_[unit.front()].guest);
        for (auto v : unit) out.stranded.push_back(placed_[v].guest);
        if (unit.size() == 1 && !hopeless) stranded_specs.push_back(spec);
        if (first_stranded_only) break;
        continue;
      }
      cursor = done.front().host;
      restarted.insert(done.front().host);
      if (keep_restarts) out.restarts.insert(out.restarts.end(), std::make_move_iterator(done.begin()), std::make_move_iterator(done.end()));
    }
    // The survivor left tightest: the least free memory budget among those that took guests.
    for (const std::uint32_t h : restarted) {
      const std::int64_t free = memory_free(hosts_[h]);
      if (out.tightest_host < 0 || free < out.tightest_free) {
        out.tightest_host = static_cast<std::int64_t>(h);
        out.tightest_free = free;
      }
    }
    restore();
    for (auto h : failed) failed_[h] = 0;
    return out;
  }

 private:
  struct Saved {
    Load load;
    std::vector<Load> nodes;
    CpuSet pinned;
  };

  std::span<const std::uint32_t> groups_of(std::uint32_t guest) const { return s_.spec(s_.guests[guest]).groups; }
  const Demand& demand(std::uint32_t guest) const { return demands_[s_.guests[guest].spec]; }

  std::int64_t memory_free(const FailoverHost& h) const {
    return p_.memory_limit == MemoryLimit::resident ? Resident::free(*h.capacity, h.load) : MemoryRatio::free(*h.capacity, h.load);
  }

  void touch_host(std::uint32_t h) {
    if (saved_.count(h)) return;
    saved_.emplace(h, Saved{hosts_[h].load, hosts_[h].nodes, hosts_[h].pinned});
  }
  void touch_group(std::uint32_t g) {
    if (!saved_groups_.count(g)) saved_groups_.emplace(g, state_[g]);
  }

  // The victims (indices into placed_) in units: those that a hard affinity group at host or
  // node scope ties together form one, in plan order; every other victim is one alone.
  std::vector<std::vector<std::uint32_t>> tied_units(const std::vector<std::uint32_t>& victims) const {
    std::unordered_map<std::uint32_t, std::size_t> unit_of_group;
    std::vector<std::vector<std::uint32_t>> units;
    std::vector<std::size_t> parent;  // union-find over units
    auto find = [&](std::size_t u) {
      while (parent[u] != u) u = parent[u] = parent[parent[u]];
      return u;
    };
    std::vector<std::size_t> unit_of(victims.size());
    for (std::size_t i = 0; i < victims.size(); ++i) {
      std::size_t mine = units.size();
      units.emplace_back();
      parent.push_back(mine);
      for (std::uint32_t group : groups_of(placed_[victims[i]].guest)) {
        const Group& def = s_.groups[group];
        if (def.policy != GroupPolicy::affinity || def.scope == GroupScope::zone) continue;
        auto [it, fresh] = unit_of_group.emplace(group, mine);
        if (!fresh) {
          const std::size_t a = find(it->second), b = find(mine);
          if (a != b) parent[std::max(a, b)] = std::min(a, b);
        }
      }
      unit_of[i] = mine;
    }
    std::vector<std::vector<std::uint32_t>> out;
    std::unordered_map<std::size_t, std::size_t> index;
    for (std::size_t i = 0; i < victims.size(); ++i) {
      auto [it, fresh] = index.emplace(find(unit_of[i]), out.size());
      if (fresh) out.emplace_back();
      out[it->second].push_back(victims[i]);
    }
    return out;
  }

  // Restarts every guest of `unit` on host t, or none of them (what a partial try took is put back).
  std::vector<Restart> restart_on(const std::vector<std::uint32_t>& unit, std::uint32_t t) {
    if (unit.size() == 1) {
      std::optional<Restart> r = try_host(placed_[unit.front()].guest, t);
      if (!r) return {};
      r->from = placed_[unit.front()].host;
      apply(*r);
      return {std::move(*r)};
    }
    // What a partial try changes is put back: the host's state, and the groups' as they were
    // before the first member joined them (saved only once one does).
    std::optional<Saved> before;
    std::map<std::uint32_t, GroupState> groups_before;
    std::vector<Restart> done;
    for (auto v : unit) {
      std::optional<Restart> r = try_host(placed_[v].guest, t);
      if (!r) {
        if (before) {
          hosts_[t].load = std::move(before->load);
          hosts_[t].nodes = std::move(before->nodes);
          hosts_[t].pinned = std::move(before->pinned);
        }
        for (auto& [group, st] : groups_before) state_[group] = std::move(st);
        return {};
      }
      if (!before) before = Saved{hosts_[t].load, hosts_[t].nodes, hosts_[t].pinned};
      for (std::uint32_t group : groups_of(placed_[v].guest)) {
        if (hard(s_.groups[group].policy)) groups_before.emplace(group, state_[group]);
      }
      r->from = placed_[v].host;
      apply(*r);
      done.push_back(std::move(*r));
    }
    return done;
  }

  // A failed member leaves its group: its host (and, when no member is left there, its zone)
  // no longer holds one; an affinity group whose anchor failed is anchored by the first
  // member that survives, or by the first to restart.
  void leave_groups(const PlacedGuest& v) {
    for (std::uint32_t group : groups_of(v.guest)) {
      if (!hard(s_.groups[group].policy)) continue;
      touch_group(group);
      GroupState& st = state_[group];
      st.hosts.erase(v.host);
      for (int n : v.nodes) st.nodes.erase(static_cast<std::uint64_t>(v.host) << 16 | static_cast<std::uint64_t>(n));
      st.first_free = 0;
      // Zones matter to zone-scoped groups only: there a zone stays held while a member survives in it.
      if (s_.groups[group].scope == GroupScope::zone) {
        const bool zone_left = std::any_of(members_[group].begin(), members_[group].end(), [&](std::uint32_t m) {
          return !failed_[placed_[m].host] && hosts_[placed_[m].host].zone == hosts_[v.host].zone;
        });
        if (!zone_left) st.zones.erase(hosts_[v.host].zone);
      }
      if (st.anchor_host >= 0 && failed_[static_cast<std::size_t>(st.anchor_host)]) {
        st.anchor_host = -1;
        st.anchor_nodes.clear();
        for (std::uint32_t m : members_[group]) {
          const PlacedGuest& x = placed_[m];
          if (failed_[x.host]) continue;
          st.anchor_host = static_cast<std::int32_t>(x.host);
          st.anchor_zone = hosts_[x.host].zone;
          st.anchor_nodes.assign(x.nodes.begin(), x.nodes.end());
          break;
        }
      }
    }
  }

  // Whether `guest` restarts on host t, and where: the first node set (in id order) whose nodes
  // hold its cells, the host its whole.
  std::optional<Restart> try_host(std::uint32_t guest, std::uint32_t t, std::optional<RuleId>* broken = nullptr) const {
    const FailoverHost& h = hosts_[t];
    const Demand& d = demand(guest);
    const GuestSpec& spec = *d.spec;
    auto fail = [&](RuleId r) -> std::optional<Restart> {
      if (broken) *broken = r;
      return std::nullopt;
    };
    if (!VcpuLimitRule::holds(*h.host, p_, spec.vcpus)) return fail(RuleId::vcpu_limit);
    const GroupCheck gc = check_groups(s_, state_, groups_of(guest), {t, h.zone, h.host->nodes.size()}, false);
    if (gc.broken) {
      if (broken) group_at_fault_ = gc.group;
      return fail(*gc.broken);
    }
    const Add whole_add = whole(d);
    if (const auto r = first_broken(p_, *h.capacity, h.load, whole_add)) return fail(*r);
    const std::optional<int> cells = NumaCells::cell_count(p_, *h.node_capacities, d);
    if (!cells) return fail(RuleId::numa_cells);
    Restart r;
    r.guest = guest;
    r.host = t;
    if (*cells == 0) {
      // numa none: the host's budgets decided; pins from any node's pool.
      if (d.dedicated) {
        CpuSet free;
        for (const auto& pool : *h.pin_pools) free = free | pool;
        const CpuSet left = free - h.pinned;
        const auto cpus = pick_guest_pins(*h.host, d, {}, std::span<const CpuSet>(&left, 1));
        if (static_cast<int>(cpus.size()) < d.pins()) return fail(RuleId::dedicated);
        r.pins.assign(cpus.begin(), cpus.end());
      }
      return r;
    }
    const auto k = static_cast<std::size_t>(*cells);
    const std::vector<Cell> split = cells_of(d, *cells);
    std::vector<std::uint32_t> allowed;
    auto group_fail = [&](RuleId r) {
      if (broken) group_at_fault_ = gc.rule.group;
      return fail(r);
    };
    if (!gc.rule.required.empty()) {
      if (gc.rule.required.size() != k) return group_fail(RuleId::affinity);
      allowed.assign(gc.rule.required.begin(), gc.rule.required.end());
    } else {
      for (std::uint32_t n = 0; n < h.nodes.size(); ++n) {
        if (gc.rule.banned.empty() || !gc.rule.banned[n]) allowed.push_back(n);
      }
    }
    if (allowed.size() < k) return group_fail(RuleId::anti_affinity);  // the nodes left are too few
    std::optional<RuleId> first_failure;
    bool found = false;
    auto try_nodes = [&](std::span<const std::uint32_t> pick) {
      Bytes swap_gain;
      for (std::size_t c = 0; c < k; ++c) {
        const std::size_t n = allowed[pick[c]];
        const Capacity& cap = (*h.node_capacities)[n];
        const Add a = cell(d, split[c]);
        if (const auto broke = first_broken(p_, cap, h.nodes[n], a)) {
          if (!first_failure) first_failure = broke;
          return true;
        }
        const Bytes before = max(Bytes{}, h.nodes[n].committed - h.nodes[n].usable(cap));
        const Bytes after = max(Bytes{}, h.nodes[n].committed + a.committed - h.nodes[n].usable(cap, a.locked));
        swap_gain += after - before;
      }
      if (h.capacity->swap) {
        Add with_swap = whole_add;
        with_swap.node_swap_gain = swap_gain;
        if (!DeclaredSwap::holds(*h.capacity, h.load, with_swap)) {
          if (!first_failure) first_failure = RuleId::declared_swap;
          return true;
        }
      }
      r.nodes.clear();
      r.pins.clear();
      std::vector<CpuSet> free;
      for (std::size_t c = 0; c < k; ++c) {
        const std::size_t n = allowed[pick[c]];
        r.nodes.push_back(static_cast<int>(n));
        if (d.dedicated) free.push_back((*h.pin_pools)[n] - h.pinned);
      }
      if (d.dedicated) {
        const auto cpus = pick_guest_pins(*h.host, d, split, free);
        if (static_cast<int>(cpus.size()) < d.pins()) {
          if (!first_failure) first_failure = RuleId::dedicated;
          return true;
        }
        r.pins.assign(cpus.begin(), cpus.end());
      }
      r.swap_gain = swap_gain;
      found = true;
      return false;
    };
    each_subset(allowed.size(), gc.rule.required.empty() ? k : allowed.size(), [&](std::span<const std::uint32_t> pick) {
      if (!NumaCells::ordered(d)) return try_nodes(pick);
      // Cells that differ: the ascending order (it says why the set does not fit), then the
      // other orders in which every cell fits its node (rules/numa_cells.hpp), not all k!.
      if (!try_nodes(pick)) return false;
      const std::vector<int> ascending(pick.begin(), pick.end());
      bool go_on = true;
      std::vector<std::uint32_t> order(k);
      each_fitting_order(
          ascending,
          [&](std::size_t c, int i) {
            const std::size_t n = allowed[static_cast<std::size_t>(i)];
            return !first_broken(p_, (*h.node_capacities)[n], h.nodes[n], cell(d, split[c]));
          },
          [&](const std::vector<int>& fitting) {
            if (fitting == ascending) return true;
            for (std::size_t c = 0; c < k; ++c) order[c] = static_cast<std::uint32_t>(fitting[c]);
            go_on = try_nodes(order);
            return go_on;
          });
      return go_on;
    });
    if (!found) return fail(first_failure.value_or(RuleId::numa_cells));
    return r;
  }

  void apply(const Restart& r) {
    touch_host(r.host);
    FailoverHost& h = hosts_[r.host];
    const Demand& d = demand(r.guest);
    Add a = whole(d);
    a.node_swap_gain = r.swap_gain;
    h.load.add(a);
    const std::vector<Cell> split = cells_of(d, static_cast<int>(r.nodes.size()));
    for (std::size_t c = 0; c < r.nodes.size(); ++c) h.nodes[static_cast<std::size_t>(r.nodes[c])].add(cell(d, split[c]));
    for (int cpu : r.pins) h.pinned.insert(cpu);
    std::vector<std::uint32_t> hard_groups;
    for (std::uint32_t group : groups_of(r.guest)) {
      if (!hard(s_.groups[group].policy)) continue;
      touch_group(group);
      hard_groups.push_back(group);
    }
    reserve_groups(state_, hard_groups, {r.host, h.zone, h.host->nodes.size()}, r.nodes);
  }

  void restore() {
    for (auto& [h, saved] : saved_) {
      hosts_[h].load = std::move(saved.load);
      hosts_[h].nodes = std::move(saved.nodes);
      hosts_[h].pinned = std::move(saved.pinned);
    }
    saved_.clear();
    for (auto& [g, st] : saved_groups_) state_[g] = std::move(st);
    saved_groups_.clear();
  }

  // "0/13 survivors take it: 9 memory ratio, 4 anti-affinity db-ha"
  std::string why_not(std::uint32_t guest) const {
    std::map<std::string, int> counts;
    int survivors = 0;
    for (std::uint32_t t = 0; t < hosts_.size(); ++t) {
      if (failed_[t]) continue;
      ++survivors;
      std::optional<RuleId> broken;
      if (try_host(guest, t, &broken) || !broken) continue;
      std::string text(rule_name(*broken));
      if (*broken == RuleId::affinity || *broken == RuleId::anti_affinity) text += " " + s_.groups[group_at_fault_].name;
      ++counts[text];
    }
    std::vector<std::pair<int, std::string>> sorted;
    for (const auto& [text, n] : counts) sorted.emplace_back(-n, text);
    std::sort(sorted.begin(), sorted.end());
    std::string out = "0/" + std::to_string(survivors) + (survivors == 1 ? " survivor takes it" : " survivors take it");
    for (std::size_t i = 0; i < sorted.size(); ++i) out += (i ? ", " : ": ") + std::to_string(-sorted[i].first) + " " + sorted[i].second;
    return out;
  }

  const Scenario& s_;
  const Policy& p_;
  std::vector<FailoverHost>& hosts_;
  const std::vector<PlacedGuest>& placed_;
  const std::vector<Demand>& demands_;
  std::vector<char> failed_;
  std::vector<std::vector<std::uint32_t>> on_host_;  // indices into placed_
  std::vector<GroupState> state_;
  std::unordered_map<std::uint32_t, std::vector<std::uint32_t>> members_;  // hard groups: indices into placed_
  std::map<std::uint32_t, Saved> saved_;
  std::map<std::uint32_t, GroupState> saved_groups_;
  mutable std::uint32_t group_at_fault_ = 0;
  std::size_t start_ = 0;  // the host with the most free memory budget
};

// The sufficient condition for failures too many to simulate: every failed host moves whole
// onto an empty twin (same shape; docs/placement.md proves it). Empty when it holds, else why not.
std::string spare_twins(const Scenario& s, const std::vector<FailoverHost>& hosts, const std::vector<PlacedGuest>& placed, int k,
                        int z) {
  for (const PlacedGuest& g : placed) {
    for (std::uint32_t group : s.spec(s.guests[g.guest]).groups) {
      const Group& def = s.groups[group];
      if (hard(def.policy) && def.scope == GroupScope::zone) {
        return "guests of zone-scoped group " + def.name + " cannot move whole onto spare hosts of other zones";
      }
    }
  }
  // Per shape: hosts running guests and empty hosts, per zone.
  struct Counts {
    std::map<std::int64_t, std::int64_t> busy, empty;
    std::string name;  // one host of the shape, for the message
  };
  std::map<std::string, Counts> shapes;
  for (const FailoverHost& h : hosts) {
    Counts& c = shapes[shape_key(*h.host)];
    if (c.name.empty()) c.name = h.host->name;
    ++(h.guests > 0 ? c.busy : c.empty)[h.zone];
  }
  auto largest = [](const std::map<std::int64_t, std::int64_t>& per_zone, int n) {
    std::vector<std::int64_t> v;
    for (const auto& [zone, count] : per_zone) v.push_back(count);
    std::sort(v.rbegin(), v.rend());
    std::int64_t sum = 0;
    for (std::size_t i = 0; i < v.size() && i < static_cast<std::size_t>(n); ++i) sum += v[i];
    return sum;
  };
  for (const auto& [key, c] : shapes) {
    if (c.busy.empty()) continue;
    std::int64_t empty = 0;
    for (const auto& [zone, n] : c.empty) empty += n;
    if (k > 0 && empty < k) {
      return "hosts like " + c.name + " run guests but only " + std::to_string(empty) + " of them are empty, fewer than the " + std::to_string(k) +
             " failures to survive";
    }
    if (z > 0 && empty - largest(c.empty, z) < largest(c.busy, z)) {
      return "hosts like " + c.name + ": the " + std::to_string(z) + " zones with the most of them may take " + std::to_string(largest(c.busy, z)) +
             " that run guests, and leave " + std::to_string(empty - largest(c.empty, z)) + " empty ones";
    }
  }
  return {};
}

}  // namespace

FailureVerdict check_failures(const Scenario& s, std::vector<FailoverHost>& hosts, const std::vector<PlacedGuest>& placed,
                              const std::vector<Demand>& demands, bool evacuations, std::size_t enough_broken) {
  const Policy& p = s.policy;
  FailureVerdict v;
  v.host_failures = p.ha.host_failures;
  v.zone_failures = p.ha.zone_failures;
  if (v.host_failures == 0 && v.zone_failures == 0 && !evacuations) return v;
  Evacuator evac(s, hosts, placed, demands);
  auto record = [&](Failure f) {
    ++v.simulated;
    if (!f.stranded.empty()) {
      v.survives = false;
      if (v.broken.size() < FailureVerdict::max_broken) v.broken.push_back(std::move(f));
    } else if (f.tightest_host >= 0 && (!v.worst || f.tightest_free < v.worst->tightest_free)) {
      f.restarts.clear();
      v.worst = std::move(f);
    }
  };
  auto busy = [&](std::span<const std::uint32_t> set) {
    return std::any_of(set.begin(), set.end(), [&](std::uint32_t h) { return !evac.on_host(h).empty(); });
  };
  // Zones: the distinct zone ids, each with its hosts.
  std::map<std::int64_t, std::vector<std::uint32_t>> zone_hosts;
  for (std::uint32_t h = 0; h < hosts.size(); ++h) zone_hosts[hosts[h].zone].push_back(h);
  std::vector<std::int64_t> zone_ids;
  for (const auto& [zone, members] : zone_hosts) zone_ids.push_back(zone);
  auto zone_failure = [&](std::span<const std::uint32_t> zones, bool keep) {
    std::vector<std::uint32_t> failed;
    for (auto z : zones) failed.insert(failed.end(), zone_hosts[zone_ids[z]].begin(), zone_hosts[zone_ids[z]].end());
    Failure f = evac.run(failed, keep, enough_broken == 1 && !keep);
    for (auto z : zones) f.zones.push_back(zone_ids[z]);
    return f;
  };

  std::string unproven;
  if (const int k = v.host_failures; k > 0) {
    if (static_cast<std::size_t>(k) >= hosts.size()) {
      std::vector<std::uint32_t> all(hosts.size());
      for (std::uint32_t h = 0; h < all.size(); ++h) all[h] = h;
      if (busy(all)) record(evac.run(all, false));
    } else if (choose(hosts.size(), static_cast<std::uint64_t>(k), max_simulated_failures) <= max_simulated_failures) {
      each_subset(hosts.size(), static_cast<std::size_t>(k), [&](std::span<const std::uint32_t> set) {
        if (busy(set)) record(evac.run(set, false, enough_broken == 1));
        return v.broken.size() < enough_broken;
      });
    } else {
      v.method = FailureMethod::sufficient;
      unproven = spare_twins(s, hosts, placed, k, 0);
    }
  }
  if (const int z = v.zone_failures; z > 0 && v.broken.size() < enough_broken) {
    if (static_cast<std::size_t>(z) >= zone_ids.size()) {
      std::vector<std::uint32_t> all(zone_ids.size());
      for (std::uint32_t i = 0; i < all.size(); ++i) all[i] = i;
      record(zone_failure(all, false));
    } else if (choose(zone_ids.size(), static_cast<std::uint64_t>(z), max_simulated_failures) <= max_simulated_failures) {
      each_subset(zone_ids.size(), static_cast<std::size_t>(z), [&](std::span<const std::uint32_t> set) {
        record(zone_failure(set, false));
        return v.broken.size() < enough_broken;
      });
    } else {
      v.method = FailureMethod::sufficient;
      if (unproven.empty()) {
        unproven = spare_twins(s, hosts, placed, 0, z);
        v.unproven_zones = !unproven.empty();
      }
    }
  }
  if (!unproven.empty()) {
    v.survives = false;
    v.unproven = std::move(unproven);
  }
  if (evacuations) {
    // Each host's and each zone's evacuation on its own, with where every guest restarts.
    v.evacuations.clear();
    for (std::uint32_t h = 0; h < hosts.size(); ++h) {
      if (!evac.on_host(h).empty()) v.evacuations.push_back(evac.run(std::span<const std::uint32_t>(&h, 1), true));
    }
    if (zone_ids.size() > 1 && std::any_of(hosts.begin(), hosts.end(), [](const FailoverHost& h) { return !h.host->zone.empty(); })) {
      for (std::uint32_t z = 0; z < zone_ids.size(); ++z) {
        if (zone_ids[z] >= 0 && busy(zone_hosts[zone_ids[z]])) v.evacuations.push_back(zone_failure(std::span<const std::uint32_t>(&z, 1), true));
      }
    }
  }
  return v;
}

Failure evacuate(const Scenario& s, std::vector<FailoverHost>& hosts, const std::vector<PlacedGuest>& placed,
                 const std::vector<Demand>& demands, std::span<const std::uint32_t> failed) {
  Evacuator evac(s, hosts, placed, demands);
  return evac.run(failed, true);
}

std::optional<std::int64_t> failure_bound(const Policy& p, std::int64_t hosts, std::int64_t named_zones, bool zoneless) {
  if (hosts == 0) return 0;  // no guest: no host, whatever fails
  std::int64_t bound = hosts + p.ha.host_failures;
  if (const std::int64_t z = p.ha.zone_failures; z > 0) {
    bound = std::max(bound, hosts + z);
    if (!zoneless) {
      if (named_zones <= z) return std::nullopt;
      std::int64_t h = std::max<std::int64_t>(hosts + z, 1);
      while (h - (z * h + named_zones - 1) / named_zones < hosts) ++h;
      bound = std::max(bound, h);
    }
  }
  return bound;
}

}  // namespace kvmplan::rules
