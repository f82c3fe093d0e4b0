#include "lower_bound.hpp"

#include <algorithm>
#include <map>
#include <optional>

#include "groups.hpp"
#include "host_state.hpp"

namespace kvmplan::placement {

// No plan that places the same guests uses fewer hosts (when every guest is placed: no valid
// plan at all): for each resource, the placed guests' total demand over the most one host
// offers (docs/placement.md), and the largest set of guests anti-affinity keeps apart.
namespace {

// `placed`: by guest, whether the bound counts it.
int bound_of(const Scenario& s, const std::vector<char>& placed) {
  const Policy& p = s.policy;
  const bool by_resident = p.memory_limit == MemoryLimit::resident;
  // Demands. Locked memory shrinks usable memory, so it weighs memory_ratio times in the
  // committed budget: committed <= ratio x (RAM - pools - reserve - locked).
  std::int64_t memory = 0, locked = 0, vcpus = 0, dedicated = 0;
  std::map<std::int64_t, std::int64_t> pages;  // page size -> pages
  // Under memory_limit: resident, KSM can save at most, per image, what all its guests on one
  // host would: (n - 1) / n of their shared bytes. That comes off the demand.
  const bool ksm = by_resident && p.ksm.enabled;
  std::map<std::string, std::pair<std::int64_t, std::int64_t>> images;  // image -> guests, shared bytes
  for (std::size_t g = 0; g < s.guests.size(); ++g) {
    if (!placed[g]) continue;
    const GuestSpec& spec = s.spec(s.guests[g]);
    const Demand d = make_demand(p, spec, spec.image.empty() ? -1 : 0);
    if (ksm && d.image >= 0) {
      auto& [n, shared] = images[spec.image];
      ++n;
      shared += d.shareable.value;
    }
    memory += d.overhead.value;
    if (d.memory == Demand::Memory::shared) memory += by_resident ? d.use.value : spec.memory.value;
    if (d.memory == Demand::Memory::locked) locked += spec.memory.value;
    if (d.memory == Demand::Memory::hugepages) pages[spec.hugepages->value] += (spec.memory.value + spec.hugepages->value - 1) / spec.hugepages->value;
    (d.dedicated ? dedicated : vcpus) += spec.vcpus;
  }
  // The most any one host offers.
  std::int64_t memory_cap = 0, locked_cap = 0, vcpu_cap = 0, dedicated_cap = 0;
  std::map<std::int64_t, std::int64_t> pages_cap;
  std::optional<Decimal> narrowest_ratio;  // the smallest ratio keeps the bound a bound
  auto widen = [&](const Host& h) {
    const Bytes room = h.memory - h.hugepage_bytes() - h.reserve;
    memory_cap = std::max(memory_cap, by_resident ? room.value : (room.value <= 0 ? 0 : h.memory_ratio.scale_down(room).value));
    const Decimal r = by_resident ? Decimal::of(1) : h.memory_ratio;
    narrowest_ratio = narrowest_ratio ? std::min(*narrowest_ratio, r) : r;
    locked_cap = std::max(locked_cap, (h.memory - h.hugepage_bytes() - h.reserve).value);
    vcpu_cap = std::max<std::int64_t>(vcpu_cap, h.cpu_ratio.floor_times(h.shared_cpus().count()));
    dedicated_cap = std::max<std::int64_t>(dedicated_cap, h.dedicated_cpus.empty() ? h.shared_cpus().count() : h.dedicated_cpus.count());
    std::map<std::int64_t, std::int64_t> mine;
    for (const auto& n : h.nodes) {
      for (const auto& pool : n.hugepages) mine[pool.page_size.value] += pool.pages;
    }
    for (const auto& [size, n] : mine) pages_cap[size] = std::max(pages_cap[size], n);
  };
  for (const auto& h : s.hosts) widen(h);
  for (const auto& h : s.auto_pools) widen(h);
  auto hosts_for = [](std::int64_t need, std::int64_t cap) -> std::int64_t {
    if (need <= 0 || cap <= 0) return 0;
    return (need + cap - 1) / cap;
  };
  std::int64_t savable = 0;
  for (const auto& [image, tally] : images) {
    const auto& [n, shared] = tally;
    savable += static_cast<std::int64_t>(__int128{shared} * (n - 1) / n);
  }
  const std::int64_t memory_need = memory + narrowest_ratio.value_or(Decimal::of(1)).scale_down(Bytes{locked}).value;
  std::int64_t bound = hosts_for(memory_need - savable, memory_cap);
  if (savable > 0 && memory_cap > 0) {
    // A host saves at most half of its RAM: the fewest hosts H with
    // H x usable + min(savable, H x RAM / 2) >= demand.
    std::int64_t half = 0;
    for (const auto& h : s.hosts) half = std::max(half, h.memory.value / 2);
    for (const auto& h : s.auto_pools) half = std::max(half, h.memory.value / 2);
    std::int64_t h = hosts_for(memory_need, memory_cap + half);
    while (__int128{h} * memory_cap + std::min<__int128>(savable, __int128{h} * half) < memory_need) ++h;
    bound = std::max(bound, h);
  }
  bound = std::max(bound, hosts_for(locked, locked_cap));
  bound = std::max(bound, hosts_for(vcpus, vcpu_cap));
  bound = std::max(bound, hosts_for(dedicated, dedicated_cap));
  for (const auto& [size, n] : pages) bound = std::max(bound, hosts_for(n, pages_cap[size]));
  bound = std::max<std::int64_t>(bound, anti_affinity_clique(s, placed));
  // Large guests, per resource: two guests that each need more than half of what any host
  // offers of one resource never share a host, so each such guest needs a host of its own. Per
  // resource only: a guest over half the memory and one over half the vCPUs may share one.
  std::int64_t large_memory = 0, large_locked = 0, large_vcpus = 0, large_dedicated = 0;
  std::map<std::int64_t, std::int64_t> large_pages;  // page size -> guests over half the pool
  for (std::size_t g = 0; g < s.guests.size(); ++g) {
    if (!placed[g]) continue;
    const GuestSpec& spec = s.spec(s.guests[g]);
    const Demand d = make_demand(p, spec, spec.image.empty() ? -1 : 0);
    std::int64_t own = d.overhead.value;
    if (d.memory == Demand::Memory::shared) own += by_resident ? d.use.value : spec.memory.value;
    if (ksm) own -= d.shareable.value;  // beside a guest of its image it costs less
    large_memory += 2 * own > memory_cap;
    if (d.memory == Demand::Memory::locked) large_locked += 2 * spec.memory.value > locked_cap;
    if (d.memory == Demand::Memory::hugepages) {
      const std::int64_t pages = (spec.memory.value + spec.hugepages->value - 1) / spec.hugepages->value;
      large_pages[spec.hugepages->value] += 2 * pages > pages_cap[spec.hugepages->value];
    }
    (d.dedicated ? large_dedicated : large_vcpus) += 2 * spec.vcpus > (d.dedicated ? dedicated_cap : vcpu_cap);
  }
  bound = std::max({bound, large_memory, large_locked, large_vcpus, large_dedicated});
  for (const auto& [size, n] : large_pages) bound = std::max(bound, n);
  return static_cast<int>(bound);
}

}  // namespace

int lower_bound(const Scenario& s, const Plan& plan) {
  std::vector<char> placed(s.guests.size());
  for (std::size_t g = 0; g < placed.size(); ++g) placed[g] = plan.placements[g].host >= 0;
  return bound_of(s, placed);
}

int lower_bound(const Scenario& s) { return bound_of(s, std::vector<char>(s.guests.size(), 1)); }

}  // namespace kvmplan::placement
