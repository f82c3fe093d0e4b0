#include "placement/host_state.hpp"

#include <algorithm>
#include <limits>

#include "kvmplan/model/model.hpp"
#include "kvmplan/model/swap.hpp"

namespace kvmplan::placement {
namespace {

// What a node has used, as plain numbers, so that an empty node checks the same way.
struct Use {
  Bytes committed, locked, resident;
  int shared_vcpus = 0;
  int shared_pcpus = 0;
  int free_dedicated = 0;
  bool pages_free = true;  // count the node's free pages (false: its whole pools)
  const KsmTally* ksm = nullptr;  // the node's images; none for an empty node
};

Use use_of(const NodeState& n) {
  return {n.committed, n.locked, n.resident, n.shared_vcpus, n.shared_pcpus(), n.free_dedicated(), true, &n.ksm};
}

Use empty_use(const NodeState& n) {
  return {{}, {}, {}, 0, n.shared_count, n.pool_count, false, nullptr};
}

Bytes half_ram(const HostState& s) { return Bytes{s.host->memory.value / 2}; }

// The host's KSM savings if the guest joined on `nodes` (guest-cell order). With no nodes
// given, an upper bound: merged across the host, or in its best node.
Bytes host_savings_with(const HostState& s, const Demand& d, std::span<const int> nodes);

// A share of the guest's shareable memory, in proportion to a part of its memory.
Bytes share_of(const Demand& d, Bytes part) {
  if (d.spec->memory.value == 0) return {};
  return Bytes{static_cast<std::int64_t>(__int128{d.shareable.value} * part.value / d.spec->memory.value)};
}

std::int64_t budget(const Decimal& ratio, Bytes usable) { return memory_budget(ratio, usable); }

std::int64_t pool_pages(const std::vector<HugepagePool>& pools, Bytes size) {
  for (const auto& p : pools) {
    if (p.page_size == size) return p.pages;
  }
  return 0;
}

// A cell's share of the guest's expected use, in proportion to its memory, rounded up.
Bytes cell_use(const Demand& d, const Cell& c) {
  if (d.spec->memory.value == 0) return {};
  const __int128 p = __int128{d.use.value} * c.memory.value;
  return Bytes{static_cast<std::int64_t>((p + d.spec->memory.value - 1) / d.spec->memory.value)};
}

Reason check_cell(const NodeState& n, const Use& u, const Cell& c, const Demand& d, const Host& h,
                  const Policy& p) {
  const Bytes usable = n.memory - n.pool_bytes - u.locked - n.reserve_share;
  const bool by_resident = p.memory_limit == MemoryLimit::resident;
  Bytes swappable = c.overhead;  // what the cell adds to `committed`
  Bytes resident = c.overhead;
  Bytes locked;
  switch (d.memory) {
    case Demand::Memory::shared:
      swappable += c.memory;
      resident += cell_use(d, c);
      break;
    case Demand::Memory::hugepages: {
      const auto pages = u.pages_free ? n.pages(*d.spec->hugepages) : pool_pages(n.free_pages, *d.spec->hugepages);
      if (pages < c.pages) return Reason::hugepages;
      break;
    }
    case Demand::Memory::locked:
      locked = c.memory;
      // Locked memory stays in RAM, beside the pools and the host's own reserve.
      if (u.locked + locked > n.memory - n.pool_bytes - n.reserve_share) return Reason::locked;
      break;
  }
  if (by_resident) {
    // Net of KSM: per node, the node's own merging (a lower bound on what merging across
    // nodes saves), so the node check never counts savings made elsewhere.
    const Bytes saved = u.ksm ? min(u.ksm->savings_with(d.image, share_of(d, c.memory)), Bytes{h.memory.value / 2}) : Bytes{};
    if (u.resident + resident - saved > usable - locked) return Reason::resident;
  } else if (u.committed.value + swappable.value >
             (locked.value == 0 ? n.memory_budget.of(h.memory_ratio, usable.value) : budget(h.memory_ratio, usable - locked))) {
    // A locked guest adds nothing to committed; it shrinks usable memory under what is there.
    return locked.value > 0 ? Reason::locked_ratio : Reason::memory;
  }
  if (d.dedicated) {
    if (u.free_dedicated < c.vcpus) return Reason::dedicated;
    if (n.pins_from_shared && u.shared_vcpus > h.cpu_ratio.floor_times(u.shared_pcpus - c.vcpus)) return Reason::dedicated;
  } else {
    // One guest cell is never larger than one host node (Nova), whatever the ratio.
    if (n.shared_count == 0) return Reason::no_shared_cpus;
    if (c.vcpus > n.shared_count) return Reason::cell_cpus;
    if (u.shared_vcpus + c.vcpus > n.cpu_budget.of(h.cpu_ratio, u.shared_pcpus)) return Reason::cpu;
  }
  return Reason::none;
}

Bytes host_savings_with(const HostState& s, const Demand& d, std::span<const int> nodes) {
  if (d.image < 0) return s.ksm_savings();
  Bytes saved;
  if (s.merge_across_nodes) {
    saved = s.ksm_host.savings_with(d.image, d.shareable);
  } else if (nodes.empty()) {
    // Upper bound: the guest's best node, or the node-less group.
    Bytes gain = s.ksm_loose.savings_with(d.image, d.shareable) - s.ksm_loose.savings();
    for (const auto& n : s.nodes) gain = max(gain, n.ksm.savings_with(d.image, d.shareable) - n.ksm.savings());
    Bytes now = s.ksm_loose.savings();
    for (const auto& n : s.nodes) now += n.ksm.savings();
    saved = now + gain;
  } else {
    const auto cells = split_cells(*d.spec, d.overhead, static_cast<int>(nodes.size()));
    saved = s.ksm_loose.savings();
    for (std::size_t i = 0; i < s.nodes.size(); ++i) saved += s.nodes[i].ksm.savings();
    for (std::size_t c = 0; c < nodes.size(); ++c) {
      const NodeState& n = s.nodes[static_cast<std::size_t>(nodes[c])];
      saved += n.ksm.savings_with(d.image, share_of(d, cells[c].memory)) - n.ksm.savings();
    }
  }
  return min(saved, half_ram(s));
}

// The whole guest against the host's totals: a quick no before any node is looked at, and the
// only memory and CPU check for host-level placement.
Reason check_host(const HostState& s, const Demand& d, const Policy& p) {
  const Host& h = *s.host;
  const GuestSpec& spec = *d.spec;
  const Bytes pools = s.pool_bytes;
  Bytes swappable = d.overhead, resident = d.overhead, locked;
  if (d.memory == Demand::Memory::shared) {
    swappable += spec.memory;
    resident += d.use;
  } else if (d.memory == Demand::Memory::locked) {
    locked = spec.memory;
    if (s.locked + locked > h.memory - pools - h.reserve) return Reason::locked;
  } else {
    std::int64_t free = 0;
    for (const auto& n : s.nodes) free += n.pages(*spec.hugepages);
    if (free < (spec.memory.value + spec.hugepages->value - 1) / spec.hugepages->value) return Reason::hugepages;
  }
  const Bytes usable = s.usable() - locked;
  // Declared swap: guest swap = max(0, committed + reserve - (RAM - pools - pinned)), i.e.
  // committed - usable, stays within it.
  if (s.swap_room && max(Bytes{}, s.committed + swappable - usable) > *s.swap_room) return Reason::swap;
  if (p.memory_limit == MemoryLimit::resident) {
    // The most KSM could save with this guest, wherever on the host it goes; fit() checks the
    // exact figure once the nodes are chosen.
    if (s.resident + resident - host_savings_with(s, d, {}) > usable) return Reason::resident;
  } else if (s.committed.value + swappable.value >
             (locked.value == 0 ? s.memory_budget.of(h.memory_ratio, usable.value) : budget(h.memory_ratio, usable))) {
    return locked.value > 0 ? Reason::locked_ratio : Reason::memory;
  }
  if (d.dedicated) {
    int free = 0;
    for (const auto& n : s.nodes) free += n.free_dedicated();
    if (free < spec.vcpus) return Reason::dedicated;
    // Pins taken from the shared CPUs (no dedicated set) must leave room for the shared vCPUs
    // already placed: check_cell asks this of a node, and a host-level guest has no node.
    if (!s.nodes.empty() && s.nodes.front().pins_from_shared &&
        s.shared_vcpus > h.cpu_ratio.floor_times(s.shared_pcpus() - spec.vcpus)) {
      return Reason::dedicated;
    }
  } else if (s.shared_pcpus() == 0) {
    return Reason::no_shared_cpus;
  } else if (s.shared_vcpus + spec.vcpus > s.cpu_budget.of(h.cpu_ratio, s.shared_pcpus())) {
    return Reason::cpu;
  }
  return Reason::none;
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

std::int64_t memory_room(const NodeState& n, const Host& h, const Policy& p) {
  return p.memory_limit == MemoryLimit::resident ? (n.usable() - n.resident + n.ksm.savings()).value
                                                 : n.memory_budget.of(h.memory_ratio, n.usable().value) - n.committed.value;
}

}  // namespace

Demand make_demand(const Policy& policy, const GuestSpec& spec, int image) {
  Demand d;
  d.spec = &spec;
  d.overhead = guest_overhead(policy, spec);
  d.use = expected_use(spec);
  d.dedicated = spec.cpu_policy == CpuPolicy::dedicated;
  d.memory = spec.hugepages ? Demand::Memory::hugepages : spec.locked ? Demand::Memory::locked : Demand::Memory::shared;
  // Only swappable guests of an image merge (hugepage and locked memory never does).
  if (policy.ksm.enabled && image >= 0 && d.memory == Demand::Memory::shared) {
    d.image = image;
    d.shareable = min(spec.ksm_shareable, d.use);
  }
  return d;
}

Bytes HostState::ksm_savings() const {
  Bytes saved;
  if (merge_across_nodes) {
    saved = ksm_host.savings();
  } else {
    saved = ksm_loose.savings();
    for (const auto& n : nodes) saved += n.ksm.savings();
  }
  return min(saved, Bytes{host->memory.value / 2});
}

std::int64_t NodeState::pages(Bytes size) const { return pool_pages(free_pages, size); }

Bytes NodeState::free_pool_bytes() const {
  Bytes total;
  for (const auto& p : free_pages) total += p.bytes();
  return total;
}

Bytes HostState::usable() const { return host->memory - pool_bytes - locked - host->reserve; }

int HostState::shared_pcpus() const {
  int total = 0;
  for (const auto& n : nodes) total += n.shared_pcpus();
  return total;
}

HostState make_host_state(const Host& host, const Policy& policy) {
  HostState s;
  s.host = &host;
  s.merge_across_nodes = policy.ksm.merge_across_nodes;
  s.pool_bytes = host.hugepage_bytes();
  if (host.swap) s.swap_room = *host.swap - baseline_swap(policy.swap_baseline, policy.hibernation, host.memory).size;
  const std::vector<Bytes> shares = reserve_shares(host);
  for (std::size_t i = 0; i < host.nodes.size(); ++i) {
    const NumaNode& node = host.nodes[i];
    NodeState n;
    n.memory = node.memory;
    n.pool_bytes = node.hugepage_bytes();
    n.reserve_share = shares[i];
    n.shared_cpus = node.cpus - host.reserved_cpus - host.dedicated_cpus;
    n.pins_from_shared = host.dedicated_cpus.empty();
    n.dedicated_pool = n.pins_from_shared ? n.shared_cpus : (node.cpus & host.dedicated_cpus);
    n.shared_count = n.shared_cpus.count();
    n.pool_count = n.dedicated_pool.count();
    n.free_pages = node.hugepages;
    s.nodes.push_back(std::move(n));
  }
  return s;
}

std::optional<int> cell_count(const HostState& s, const Demand& d, const Policy& p) {
  if (p.numa == NumaMode::none) return 0;
  const int n = static_cast<int>(s.nodes.size());
  const GuestSpec& spec = *d.spec;
  if (spec.numa_nodes > 0) {
    if (spec.numa_nodes > n || spec.numa_nodes > spec.vcpus) return std::nullopt;
    return spec.numa_nodes;
  }
  const Cell whole{spec.vcpus, spec.memory, d.overhead,
                   spec.hugepages ? (spec.memory.value + spec.hugepages->value - 1) / spec.hugepages->value : 0};
  for (const auto& node : s.nodes) {
    if (check_cell(node, empty_use(node), whole, d, *s.host, p) == Reason::none) return 1;
  }
  for (int k = 2; k <= std::min(n, spec.vcpus); ++k) {
    const Cell largest = split_cells(spec, d.overhead, k).front();
    int fitting = 0;
    for (const auto& node : s.nodes) {
      fitting += check_cell(node, empty_use(node), largest, d, *s.host, p) == Reason::none;
    }
    if (fitting >= k) return k;
  }
  return std::nullopt;
}

std::vector<int> pick_cpus(const Host& host, const CpuSet& free, int count) {
  std::vector<int> out;
  std::vector<std::pair<int, const CpuSet*>> partial;  // (free threads, core)
  // Whole free cores first, in id order, while a whole core is still wanted.
  for (const auto& core : host.cores) {
    const int threads = core.count_in(free);
    if (threads == 0) continue;
    if (threads == core.count() && static_cast<int>(out.size()) + threads <= count) {
      for (int cpu : core.ids()) out.push_back(cpu);
    } else {
      partial.emplace_back(threads, &core);
    }
  }
  // Then the cores with the fewest free threads, so that whole cores stay whole (each core's
  // count taken once, not in every comparison).
  std::stable_sort(partial.begin(), partial.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [threads, core] : partial) {
    for (int cpu : (*core & free).ids()) {
      if (static_cast<int>(out.size()) == count) return out;
      out.push_back(cpu);
    }
  }
  return out;
}

namespace {
Fit fit_nodes(const HostState& s, const Demand& d, const Policy& p, const NodeRule& rule, bool spread, bool force);
}

Fit fit(const HostState& s, const Demand& d, const Policy& p, const NodeRule& rule, bool spread, bool force) {
  Fit out = fit_nodes(s, d, p, rule, spread, force);
  // With KSM in play, the host-level check before the nodes were chosen was an upper bound on
  // the savings: now the exact figure for these nodes.
  if (out.reason == Reason::none && !force && d.image >= 0 && p.memory_limit == MemoryLimit::resident) {
    if (s.resident + d.use + d.overhead - host_savings_with(s, d, out.nodes) > s.usable()) return {Reason::resident, {}, {}};
  }
  return out;
}

namespace {
Fit fit_nodes(const HostState& s, const Demand& d, const Policy& p, const NodeRule& rule, bool spread, bool force) {
  const Host& h = *s.host;
  const GuestSpec& spec = *d.spec;
  Fit out;
  const int limit = p.vcpu_limit == VcpuLimit::threads ? h.cpus.count() : h.core_count();
  if (!force && spec.vcpus > limit) return {Reason::vcpu_limit, {}, {}};
  if (!force) {
    if (const Reason r = check_host(s, d, p); r != Reason::none) return {r, {}, {}};
  }
  const std::optional<int> cells = cell_count(s, d, p);
  if (!cells && !force) return {Reason::numa_cells, {}, {}};

  if (cells.value_or(0) == 0 && p.numa == NumaMode::none) {
    // Host level: check_host found the vCPUs and memory room; pins are chosen on commit.
  } else {
    const int k = cells.value_or(std::max(1, std::min<int>(spec.numa_nodes, static_cast<int>(s.nodes.size()))));
    if (k == 1 && rule.required.empty() && !force) {
      // One cell, the common case: the tightest node that fits (pack) or the roomiest (spread),
      // without building node sets.
      const Cell whole{spec.vcpus, spec.memory, d.overhead,
                       spec.hugepages ? (spec.memory.value + spec.hugepages->value - 1) / spec.hugepages->value : 0};
      Reason first_failure = Reason::none;
      int best = -1;
      std::int64_t best_score = 0;
      for (int i = 0; i < static_cast<int>(s.nodes.size()); ++i) {
        if (!rule.banned.empty() && rule.banned[static_cast<std::size_t>(i)]) continue;
        const NodeState& n = s.nodes[static_cast<std::size_t>(i)];
        if (const Reason r = check_cell(n, use_of(n), whole, d, h, p); r != Reason::none) {
          if (first_failure == Reason::none) first_failure = r;
          continue;
        }
        std::int64_t score = spread ? -memory_room(n, h, p) : memory_room(n, h, p);
        // Under memory_limit: resident, a node that runs the guest's image first: there KSM
        // merges its pages even when they may not cross nodes.
        if (p.memory_limit == MemoryLimit::resident && n.ksm.has(d.image)) score -= std::int64_t{1} << 56;
        if (best < 0 || score < best_score) {
          best = i;
          best_score = score;
        }
      }
      if (best < 0) return {first_failure == Reason::none ? Reason::anti_affinity : first_failure, {}, {}, rule.group};
      out.nodes = {best};
      return out;
    }
    const std::vector<Cell> split = split_cells(spec, d.overhead, k);
    std::vector<int> allowed;
    if (!rule.required.empty()) {
      allowed = rule.required;
    } else {
      for (int i = 0; i < static_cast<int>(s.nodes.size()); ++i) {
        if (rule.banned.empty() || !rule.banned[static_cast<std::size_t>(i)]) allowed.push_back(i);
      }
    }
    if (static_cast<int>(allowed.size()) < k) return {force ? Reason::none : Reason::anti_affinity, {}, {}, rule.group};
    Reason first_failure = Reason::none;
    std::vector<int> best;
    std::int64_t best_score = 0;
    auto consider = [&](const std::vector<int>& nodes) {
      for (std::size_t i = 0; i < nodes.size(); ++i) {
        const NodeState& n = s.nodes[static_cast<std::size_t>(nodes[i])];
        if (const Reason r = check_cell(n, use_of(n), split[i], d, h, p); r != Reason::none && !force) {
          if (first_failure == Reason::none) first_failure = r;
          return;
        }
      }
      // One cell: pack takes the tightest node, spread the roomiest. Several: the closest set.
      std::int64_t score = 0;
      if (nodes.size() == 1 || force) {
        for (int i : nodes) score += memory_room(s.nodes[static_cast<std::size_t>(i)], h, p);
        if (spread || force) score = -score;
      } else {
        score = distance(h, nodes);
      }
      if (best.empty() || score < best_score) {
        best = nodes;
        best_score = score;
      }
    };
    if (!rule.required.empty()) {
      if (static_cast<int>(allowed.size()) == k) consider(allowed);
      else return {Reason::affinity, {}, {}, rule.group};
    } else {
      combinations(allowed, k, consider);
    }
    if (best.empty()) return {first_failure == Reason::none ? Reason::numa_cells : first_failure, {}, {}};
    out.nodes.assign(best.begin(), best.end());
  }
  return out;
}

}  // namespace

Placement::Pins choose_pins(const HostState& s, const Demand& d, std::span<const int> nodes) {
  const Host& h = *s.host;
  const GuestSpec& spec = *d.spec;
  Placement::Pins pins;
  if (!d.dedicated) return pins;
  if (nodes.empty()) {
    CpuSet free;
    for (const auto& n : s.nodes) free = free | (n.dedicated_pool - n.pinned);
    const auto cpus = pick_cpus(h, free, spec.vcpus);
    pins.assign(cpus.begin(), cpus.end());
  } else {
    const std::vector<Cell> split = split_cells(spec, d.overhead, static_cast<int>(nodes.size()));
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      const NodeState& n = s.nodes[static_cast<std::size_t>(nodes[i])];
      const auto cpus = pick_cpus(h, n.dedicated_pool - n.pinned, split[i].vcpus);
      for (int cpu : cpus) pins.push_back(cpu);
    }
  }
  if (static_cast<int>(pins.size()) < spec.vcpus) {
    // Only a forced guest gets here (fit proved there were enough free CPUs otherwise): the
    // pool's CPUs again, in order, and check reports them pinned twice.
    CpuSet pool;
    for (const auto& n : s.nodes) pool = pool | n.dedicated_pool;
    const auto ids = pool.empty() ? h.cpus.ids() : pool.ids();
    for (std::size_t i = 0; static_cast<int>(pins.size()) < spec.vcpus; ++i) pins.push_back(ids[i % ids.size()]);
  }
  return pins;
}

void reserve(HostState& s, const Demand& d, const Fit& where, const Policy& /*policy*/) {
  const GuestSpec& spec = *d.spec;
  ++s.guests;
  // Host totals.
  s.committed += d.overhead;
  s.resident += d.overhead;
  if (d.memory == Demand::Memory::shared) {
    s.committed += spec.memory;
    s.resident += d.use;
  } else if (d.memory == Demand::Memory::locked) {
    s.locked += spec.memory;
  }
  if (!d.dedicated) s.shared_vcpus += spec.vcpus;
  for (int cpu : where.pins) {
    for (auto& n : s.nodes) {
      if (n.dedicated_pool.contains(cpu) && !n.pinned.contains(cpu)) {
        n.pinned.insert(cpu);
        ++n.pinned_count;
      }
    }
  }
  s.ksm_host.add(d.image, d.shareable);
  if (where.nodes.empty()) s.ksm_loose.add(d.image, d.shareable);
  if (where.nodes.empty()) {
    // Host level: hugepages come from the nodes' pools in node order.
    if (d.memory == Demand::Memory::hugepages) {
      std::int64_t pages = (spec.memory.value + spec.hugepages->value - 1) / spec.hugepages->value;
      for (auto& n : s.nodes) {
        for (auto& pool : n.free_pages) {
          if (pool.page_size != *spec.hugepages) continue;
          const std::int64_t take = std::min(pages, pool.pages);
          pool.pages -= take;
          pages -= take;
        }
      }
    }
    return;
  }
  const auto cells = split_cells(spec, d.overhead, static_cast<int>(where.nodes.size()));
  for (std::size_t i = 0; i < cells.size(); ++i) {
    NodeState& n = s.nodes[static_cast<std::size_t>(where.nodes[i])];
    const Cell& c = cells[i];
    n.committed += c.overhead;
    n.resident += c.overhead;
    switch (d.memory) {
      case Demand::Memory::shared:
        n.committed += c.memory;
        n.resident += cell_use(d, c);
        n.ksm.add(d.image, share_of(d, c.memory));
        break;
      case Demand::Memory::hugepages:
        for (auto& pool : n.free_pages) {
          if (pool.page_size == *spec.hugepages) pool.pages -= c.pages;
        }
        break;
      case Demand::Memory::locked:
        n.locked += c.memory;
        break;
    }
    if (!d.dedicated) n.shared_vcpus += c.vcpus;
  }
}

Keys keys_of(const HostState& s, const Policy& p) {
  const Host& h = *s.host;
  Keys k{};
  const bool by_resident = p.memory_limit == MemoryLimit::resident;
  k[mem_host] = by_resident ? (s.usable() - s.resident + s.ksm_savings()).value
                            : s.memory_budget.of(h.memory_ratio, s.usable().value) - s.committed.value;
  k[cpu_host] = s.cpu_budget.of(h.cpu_ratio, s.shared_pcpus()) - s.shared_vcpus;
  k[lock_host] = (h.memory - s.pool_bytes - s.locked - h.reserve).value;
  for (std::size_t i = 0; i < key_count; ++i) {
    if (i == mem_node || i == cpu_node || i == ded_node || i == huge_node || i == lock_node) {
      k[i] = std::numeric_limits<std::int64_t>::min();
    }
  }
  for (const auto& n : s.nodes) {
    k[mem_node] = std::max(k[mem_node], memory_room(n, h, p));
    k[cpu_node] = std::max<std::int64_t>(k[cpu_node], n.cpu_budget.of(h.cpu_ratio, n.shared_pcpus()) - n.shared_vcpus);
    const int ded = n.free_dedicated();
    k[ded_host] += ded;
    k[ded_node] = std::max<std::int64_t>(k[ded_node], ded);
    const Bytes huge = n.free_pool_bytes();
    k[huge_host] += huge.value;
    k[huge_node] = std::max(k[huge_node], huge.value);
    k[lock_node] = std::max(k[lock_node], (n.memory - n.pool_bytes - n.locked - n.reserve_share).value);
  }
  return k;
}

}  // namespace kvmplan::placement
