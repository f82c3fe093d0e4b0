#include "placement/host_state.hpp"

#include <algorithm>
#include <limits>

#include "kvmplan/model/ksm.hpp"
#include "rules/numa_cells.hpp"
#include "rules/registry.hpp"
#include "rules/vcpu_limit.hpp"

namespace kvmplan::placement {
namespace {

using rules::Add;
using rules::Capacity;
using rules::Load;

// Choosing a guest's node within a host, the score (lower is better) is its memory room (pack:
// the tightest; spread: the roomiest), at most 2^60 either way, with two terms that outrank it:
//   - a node the guest would make commit beyond its usable memory comes after every node it
//     would not: numatune keeps the guest's pages there, so that excess is swap the host needs
//     (model.md, per-node guest swap) though another node has the room;
//   - under memory_limit: resident, a node that already runs the guest's image comes before
//     any other: there KSM merges its pages even when they may not cross nodes.
// Together at most 2^62 + 2^61 + 2^60 < 2^63: no overflow.
constexpr std::int64_t node_swap_last = std::int64_t{1} << 61;
constexpr std::int64_t image_node_first = std::int64_t{1} << 62;

// What the host saves now.
Bytes host_savings(const HostState& s) {
  Bytes saved;
  if (s.merge_across_nodes) {
    saved = s.ksm_host.savings();
  } else {
    saved = s.ksm_loose.savings();
    for (const auto& n : s.nodes) saved += n.ksm.savings();
  }
  return saved;
}

// The host's KSM savings if the guest joined on `nodes` (guest-cell order). With no nodes given,
// an upper bound: merged across the host, or in its best node.
Bytes host_savings_with(const HostState& s, const Demand& d, std::span<const int> nodes) {
  if (d.image < 0) return host_savings(s);
  Bytes saved;
  if (s.merge_across_nodes) {
    saved = s.ksm_host.savings_with(d.image, d.shareable);
  } else if (nodes.empty()) {
    Bytes gain = s.ksm_loose.savings_with(d.image, d.shareable) - s.ksm_loose.savings();
    for (const auto& n : s.nodes) gain = max(gain, n.ksm.savings_with(d.image, d.shareable) - n.ksm.savings());
    Bytes now = s.ksm_loose.savings();
    for (const auto& n : s.nodes) now += n.ksm.savings();
    saved = now + gain;
  } else {
    const auto cells = rules::cells_of(d, static_cast<int>(nodes.size()));
    saved = s.ksm_loose.savings();
    for (const auto& n : s.nodes) saved += n.ksm.savings();
    for (std::size_t c = 0; c < nodes.size(); ++c) {
      const NodeState& n = s.nodes[static_cast<std::size_t>(nodes[c])];
      saved += n.ksm.savings_with(d.image, rules::share_of(d, cells[c])) - n.ksm.savings();
    }
  }
  return saved;
}

// Whether ksmtuned runs KSM on the host once a guest adding `whole` joins (model/ksm.hpp):
// only then do savings count, on the host and its nodes. Guests only add RSS, so a host where
// it runs now runs in the final plan too, and check, which counts on the final plan, credits
// at least what placement did.
bool ksm_runs_with(const HostState& s, const Add& whole, const Policy& p) {
  if (p.memory_limit == MemoryLimit::committed || !p.ksm.enabled) return true;  // savings weigh on no rule
  const rules::Capacity& c = s.cap();
  return ksmtuned_runs(c.ram, s.load.resident_with(whole) + s.load.locked + whole.locked, c.pools, c.reserve);
}

// What the whole guest adds to the host on `nodes` (none given: at best): its KSM gain, or the
// host's savings taken back where KSM would not run.
Add whole_on(const HostState& s, const Demand& d, const Policy& p, std::span<const int> nodes) {
  Add a = rules::whole(d);
  if (d.image >= 0) a.ksm_gain = host_savings_with(s, d, nodes) - s.load.ksm_savings;
  if (!ksm_runs_with(s, a, p)) a.ksm_gain = Bytes{} - s.load.ksm_savings;
  return a;
}

// What cell c adds to node n: the node counts its own merging only (a lower bound on what
// merging across nodes saves), so a node never counts savings made elsewhere. Where KSM does
// not run (`runs` false), the node's savings are taken back.
Add cell_on(const NodeState& n, const Demand& d, const Cell& c, bool runs) {
  Add a = rules::cell(d, c);
  if (!runs) a.ksm_gain = Bytes{} - n.load.ksm_savings;
  else if (d.image >= 0) a.ksm_gain = n.ksm.savings_with(d.image, rules::share_of(d, c)) - n.load.ksm_savings;
  return a;
}

Bytes node_excess(const Capacity& c, const Load& l) { return max(Bytes{}, l.committed - l.usable(c)); }

// Whether `a` makes a node commit more beyond its usable memory than it does.
bool adds_swap(const Capacity& c, const Load& l, const Add& a) {
  return max(Bytes{}, l.committed + a.committed - l.usable(c, a.locked)) > node_excess(c, l);
}

// The room a node has for the guest's memory, under the memory limit: what scoring compares.
std::int64_t memory_room(const Capacity& c, const Load& l, const Policy& p) {
  switch (p.memory_limit) {
    case MemoryLimit::committed: return rules::MemoryRatio::free(c, l);
    case MemoryLimit::resident: return rules::Resident::free(c, l);
    case MemoryLimit::both: break;
  }
  return std::min(rules::MemoryRatio::free(c, l), rules::Resident::free(c, l));
}

int distance(const Host& h, std::span<const int> nodes) {
  int total = 0;
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    for (std::size_t j = i + 1; j < nodes.size(); ++j) {
      total += h.distances[static_cast<std::size_t>(nodes[i])][static_cast<std::size_t>(nodes[j])];
    }
  }
  return total;
}

// Calls f(combination) for every ascending k-subset of `items`.
template <class F>
void combinations(const std::vector<int>& items, int k, F&& f) {
  std::vector<std::size_t> idx(static_cast<std::size_t>(k));
  for (std::size_t i = 0; i < idx.size(); ++i) idx[i] = i;
  std::vector<int> pick(static_cast<std::size_t>(k));
  while (true) {
    for (std::size_t i = 0; i < idx.size(); ++i) pick[i] = items[idx[i]];
    f(pick);
    std::size_t i = idx.size();
    while (i > 0 && idx[i - 1] == items.size() - idx.size() + i - 1) --i;
    if (i == 0) return;
    ++idx[i - 1];
    for (std::size_t j = i; j < idx.size(); ++j) idx[j] = idx[j - 1] + 1;
  }
}

// The whole guest against the host's totals: a quick no before any node is looked at, and the
// only check of memory and CPUs for host-level placement. KSM counts at its most.
std::optional<RuleId> check_host(const HostState& s, const Demand& d, const Policy& p) {
  const Add a = whole_on(s, d, p, {});
  return rules::first_broken(p, s.cap(), s.load, a);
}

// Once the nodes are chosen: the host's exact KSM savings and its nodes' guest swap.
std::optional<RuleId> check_chosen(const HostState& s, const Demand& d, const Policy& p, std::span<const int> nodes) {
  const bool ksm = d.image >= 0 && p.memory_limit != MemoryLimit::committed;
  if (!ksm && !s.cap().swap) return std::nullopt;
  Add a = whole_on(s, d, p, nodes);
  if (s.node_swap && !nodes.empty()) {
    const auto cells = rules::cells_of(d, static_cast<int>(nodes.size()));
    for (std::size_t c = 0; c < nodes.size(); ++c) {
      const auto n = static_cast<std::size_t>(nodes[c]);
      Load after = s.nodes[n].load;
      after.add(rules::cell(d, cells[c]));
      a.node_swap_gain += node_excess(s.cap(n), after) - node_excess(s.cap(n), s.nodes[n].load);
    }
  }
  return rules::first_broken(p, s.cap(), s.load, a);
}

Fit fit_nodes(const HostState& s, const Demand& d, const Policy& p, const NodeRule& rule, bool spread, bool force) {
  const Host& h = *s.host;
  const GuestSpec& spec = *d.spec;
  Fit out;
  if (!force && !rules::VcpuLimitRule::holds(h, p, spec.vcpus)) return {RuleId::vcpu_limit, {}, {}, 0};
  if (!force) {
    if (const auto r = check_host(s, d, p)) return {r, {}, {}, 0};
  }
  const std::optional<int> cells = cell_count(s, d, p);
  if (!cells && !force) return {RuleId::numa_cells, {}, {}, 0};
  if (cells.value_or(0) == 0 && p.numa == NumaMode::none) return out;  // host level: check_host decided

  const int k = cells.value_or(std::max(1, std::min<int>(spec.numa_nodes, static_cast<int>(s.nodes.size()))));
  const std::vector<Cell> split = rules::cells_of(d, k);
  const bool runs = ksm_runs_with(s, rules::whole(d), p);
  std::optional<RuleId> first_failure;
  if (k == 1 && rule.required.empty() && !force) {
    // One cell, the common case: the tightest node that fits (pack) or the roomiest (spread),
    // without building node sets.
    int best = -1;
    std::int64_t best_score = 0;
    for (int i = 0; i < static_cast<int>(s.nodes.size()); ++i) {
      const auto n = static_cast<std::size_t>(i);
      if (!rule.banned.empty() && rule.banned[n]) continue;
      const NodeState& node = s.nodes[n];
      const Add a = cell_on(node, d, split[0], runs);
      if (const auto r = rules::first_broken(p, s.cap(n), node.load, a)) {
        if (!first_failure) first_failure = r;
        continue;
      }
      const std::int64_t room = memory_room(s.cap(n), node.load, p);
      std::int64_t score = spread ? -room : room;
      if (adds_swap(s.cap(n), node.load, a)) score += node_swap_last;
      if (p.memory_limit != MemoryLimit::committed && node.ksm.has(d.image)) score -= image_node_first;
      if (best < 0 || score < best_score) {
        best = i;
        best_score = score;
      }
    }
    if (best < 0) return {first_failure.value_or(RuleId::anti_affinity), {}, {}, rule.group};
    out.nodes = {best};
    return out;
  }
  std::vector<int> allowed;
  if (!rule.required.empty()) {
    allowed = rule.required;
  } else {
    for (int i = 0; i < static_cast<int>(s.nodes.size()); ++i) {
      if (rule.banned.empty() || !rule.banned[static_cast<std::size_t>(i)]) allowed.push_back(i);
    }
  }
  if (static_cast<int>(allowed.size()) < k) {
    if (force) return out;
    return {RuleId::anti_affinity, {}, {}, rule.group};
  }
  std::vector<int> best;
  std::int64_t best_score = 0;
  auto consider = [&](const std::vector<int>& nodes) {
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      const auto n = static_cast<std::size_t>(nodes[i]);
      const auto r = rules::first_broken(p, s.cap(n), s.nodes[n].load, cell_on(s.nodes[n], d, split[i], runs));
      if (r && !force) {
        if (!first_failure) first_failure = r;
        return;
      }
    }
    // One cell: pack takes the tightest node, spread the roomiest. Several: the closest set.
    std::int64_t score = 0;
    if (nodes.size() == 1 || force) {
      for (int i : nodes) score += memory_room(s.cap(static_cast<std::size_t>(i)), s.nodes[static_cast<std::size_t>(i)].load, p);
      if (spread || force) score = -score;
    } else {
      score = distance(h, nodes);
    }
    if (best.empty() || score < best_score) {
      best = nodes;
      best_score = score;
    }
  };
  // Cells that differ (numa_cells, the emulator's CPU): the orders of each node set too. As
  // the distance is the same for all orders the first that fits is kept: the ascending one
  // (tried first, it says why a set does not fit), else the first other order in which every
  // cell fits its node, found without walking every order (each_fitting_order).
  auto consider_orders = [&](const std::vector<int>& nodes) {
    if (!rules::NumaCells::ordered(d)) return consider(nodes);
    std::vector<int> order = nodes;
    std::sort(order.begin(), order.end());
    consider(order);
    rules::each_fitting_order(
        order,
        [&](std::size_t c, int node) {
          const auto n = static_cast<std::size_t>(node);
          return force || !rules::first_broken(p, s.cap(n), s.nodes[n].load, cell_on(s.nodes[n], d, split[c], runs));
        },
        [&](const std::vector<int>& fitting) {
          if (fitting != order) consider(fitting);
          return false;
        });
  };
  if (!rule.required.empty()) {
    if (static_cast<int>(allowed.size()) != k) return {RuleId::affinity, {}, {}, rule.group};
    consider_orders(allowed);
  } else {
    combinations(allowed, k, consider_orders);
  }
  if (best.empty()) return {first_failure.value_or(RuleId::numa_cells), {}, {}, 0};
  out.nodes.assign(best.begin(), best.end());
  return out;
}

}  // namespace

std::shared_ptr<const Shape> make_shape(const Host& host, const Policy& policy) {
  auto shape = std::make_shared<Shape>();
  shape->host = rules::host_capacity(host, policy);
  shape->nodes = rules::node_capacities(host);
  for (const auto& node : host.nodes) {
    const CpuSet shared = node.cpus - host.reserved_cpus - host.dedicated_cpus;
    shape->pin_pools.push_back(host.dedicated_cpus.empty() ? shared : (node.cpus & host.dedicated_cpus));
  }
  return shape;
}

HostState make_host_state(const Host& host, std::shared_ptr<const Shape> shape, const Policy& policy) {
  HostState s;
  s.host = &host;
  s.nodes.resize(shape->nodes.size());
  s.shape = std::move(shape);
  s.merge_across_nodes = policy.ksm.merge_across_nodes;
  s.node_swap = policy.numa != NumaMode::none;
  // Guests bound to no node, when pages merge only within a node: their pages spread over the
  // nodes, each of which keeps its own copy.
  if (!s.merge_across_nodes) s.ksm_loose = KsmTally(static_cast<int>(s.nodes.size()));
  return s;
}

std::optional<int> cell_count(const HostState& s, const Demand& d, const Policy& p) {
  return rules::NumaCells::cell_count(p, s.shape->nodes, d);
}

Fit fit(const HostState& s, const Demand& d, const Policy& p, const NodeRule& rule, bool spread, bool force) {
  Fit out = fit_nodes(s, d, p, rule, spread, force);
  if (out.fits() && !force) {
    if (const auto r = check_chosen(s, d, p, out.nodes)) return {r, {}, {}, 0};
  }
  return out;
}

Shortfall explain(const HostState& s, const Demand& d, const Policy& p, RuleId rule) {
  const Host& h = *s.host;
  if (rule == RuleId::vcpu_limit) return rules::VcpuLimitRule::shortfall(h, p, d.spec->vcpus);
  const Add whole = whole_on(s, d, p, {});
  const bool runs = ksm_runs_with(s, whole, p);
  // The host's own shortfall when the host breaks the rule, else the node closest to holding it.
  const bool node_rule = rule == RuleId::cell_memory || rule == RuleId::cell_cpus;
  if (!node_rule && rules::first_broken(p, s.cap(), s.load, whole) == rule) return rules::shortfall(rule, s.cap(), s.load, whole);
  const auto cells = cell_count(s, d, p);
  const Cell c = rules::cells_of(d, std::max(1, cells.value_or(1))).front();
  std::optional<Shortfall> best;
  for (std::size_t n = 0; n < s.nodes.size(); ++n) {
    const Shortfall sf = rules::shortfall(rule, s.cap(n), s.nodes[n].load, cell_on(s.nodes[n], d, c, runs));
    if (!best || sf.free > best->free) best = sf;
  }
  if (best && best->rule == rule) return *best;
  return {rule, {}, 0, 0, 0, Unit::guests};
}

Placement::Pins choose_pins(const HostState& s, const Demand& d, std::span<const int> nodes) {
  const Host& h = *s.host;
  Placement::Pins pins;
  if (!d.dedicated) return pins;
  std::vector<CpuSet> free;
  std::vector<Cell> split;
  if (nodes.empty()) {
    free.emplace_back();
    for (std::size_t n = 0; n < s.nodes.size(); ++n) free.front() = free.front() | (s.shape->pin_pools[n] - s.nodes[n].pinned);
  } else {
    split = rules::cells_of(d, static_cast<int>(nodes.size()));
    for (int node : nodes) {
      const auto n = static_cast<std::size_t>(node);
      free.push_back(s.shape->pin_pools[n] - s.nodes[n].pinned);
    }
  }
  const auto cpus = rules::pick_guest_pins(h, d, split, free);
  pins.assign(cpus.begin(), cpus.end());
  if (static_cast<int>(pins.size()) < d.pins()) {
    // Only a forced guest gets here (fit proved there were enough free CPUs otherwise): the
    // pool's CPUs again, in order, and check reports them pinned twice.
    CpuSet pool;
    for (const auto& p : s.shape->pin_pools) pool = pool | p;
    const auto ids = pool.empty() ? h.cpus.ids() : pool.ids();
    for (std::size_t i = 0; static_cast<int>(pins.size()) < d.pins() && !ids.empty(); ++i) pins.push_back(ids[i % ids.size()]);
  }
  return pins;
}

void reserve(HostState& s, const Demand& d, const Fit& where) {
  ++s.guests;
  s.load.add(rules::whole(d));
  for (int cpu : where.pins) {
    for (std::size_t n = 0; n < s.nodes.size(); ++n) {
      NodeState& node = s.nodes[n];
      if (s.shape->pin_pools[n].contains(cpu) && !node.pinned.contains(cpu)) {
        node.pinned.insert(cpu);
        if (where.nodes.empty()) ++node.load.pinned;  // node-bound pins count through their cell below
      }
    }
  }
  s.ksm_host.add(d.image, d.shareable);
  if (where.nodes.empty()) {
    s.ksm_loose.add(d.image, d.shareable);
    // Host level: hugepages come from the nodes' pools in node order.
    if (d.memory == Demand::Memory::hugepages) {
      std::int64_t pages = d.pages();
      for (std::size_t n = 0; n < s.nodes.size() && pages > 0; ++n) {
        const std::int64_t take = std::min(pages, s.cap(n).pool_pages(*d.spec->hugepages) - s.nodes[n].load.pages_of(*d.spec->hugepages));
        if (take <= 0) continue;
        Add part;
        part.page_size = *d.spec->hugepages;
        part.pages = take;
        s.nodes[n].load.add(part);
        pages -= take;
      }
    }
  } else {
    const auto cells = rules::cells_of(d, static_cast<int>(where.nodes.size()));
    for (std::size_t i = 0; i < cells.size(); ++i) {
      NodeState& n = s.nodes[static_cast<std::size_t>(where.nodes[i])];
      n.load.add(rules::cell(d, cells[i]));
      n.ksm.add(d.image, rules::share_of(d, cells[i]));
    }
  }
  // KSM savings, capped as the rules count them; the nodes' guest swap.
  for (auto& n : s.nodes) n.load.ksm_savings = n.ksm.savings();
  s.load.ksm_savings = host_savings(s);
  if (s.node_swap) {
    Bytes sum;
    for (std::size_t n = 0; n < s.nodes.size(); ++n) sum += node_excess(s.cap(n), s.nodes[n].load);
    s.load.node_swap = sum;
  }
}

Keys keys_of(const HostState& s, const Policy& p) {
  Keys k;
  k.fill(std::numeric_limits<std::int64_t>::max());
  rules::for_each_place_rule([&](auto rule) {
    using R = decltype(rule);
    if (R::host_key == rules::no_key) return;
    if (R::applies(p, rules::Scope::host)) k[R::host_key] = R::free(s.cap(), s.load);
    if (!R::applies(p, rules::Scope::node)) return;
    std::int64_t best = std::numeric_limits<std::int64_t>::min();
    for (std::size_t n = 0; n < s.nodes.size(); ++n) best = std::max(best, R::free(s.cap(n), s.nodes[n].load));
    k[R::node_key] = best;
  });
  return k;
}

Keys node_keys_with(const HostState& s, const Demand& d, const Policy& p, std::size_t node, Keys& empty) {
  Keys k;
  k.fill(std::numeric_limits<std::int64_t>::max());
  empty = k;
  Load host = s.load;
  host.add(rules::whole(d));
  Load on = s.nodes[node].load;
  on.add(rules::cell(d, rules::cells_of(d, 1).front()));
  rules::for_each_place_rule([&](auto rule) {
    using R = decltype(rule);
    if (R::host_key == rules::no_key) return;
    if (R::applies(p, rules::Scope::host)) k[R::host_key] = R::free(s.cap(), host);
    if (!R::applies(p, rules::Scope::node)) return;
    k[R::node_key] = R::free(s.cap(node), on);
    empty[R::node_key] = R::free(s.cap(node), Load{});
  });
  return k;
}

Keys needs_of(const Demand& d, const Policy& p, int most_cells, Bytes ksm_gain_bound) {
  Keys k;
  k.fill(rules::no_need);
  Add whole = rules::whole(d);
  whole.ksm_gain = ksm_gain_bound;
  // A node must hold at least the guest's smallest cell: per rule, the least any cell needs
  // (the last of an even split; given cells may differ either way).
  std::vector<Add> parts;
  if (most_cells > 0) {
    for (const Cell& c : rules::cells_of(d, most_cells)) {
      parts.push_back(rules::cell(d, c));
      parts.back().ksm_gain = ksm_gain_bound;
    }
  }
  rules::for_each_place_rule([&](auto rule) {
    using R = decltype(rule);
    if (R::host_key == rules::no_key) return;
    if (R::applies(p, rules::Scope::host)) k[R::host_key] = R::need(whole);
    if (most_cells > 0 && R::applies(p, rules::Scope::node)) {
      std::int64_t least = R::need(parts.front());
      for (const Add& a : parts) least = std::min(least, R::need(a));
      k[R::node_key] = least;
    }
  });
  return k;
}

}  // namespace kvmplan::placement
