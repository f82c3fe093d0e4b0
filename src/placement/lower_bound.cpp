#include "placement/lower_bound.hpp"

#include <algorithm>
#include <map>
#include <optional>

#include "placement/groups.hpp"
#include "placement/host_state.hpp"

namespace kvmplan::placement {

// No plan that places the same guests uses fewer hosts (when every guest is placed: no valid
// plan at all): for each resource, the placed guests' total demand over the most one host
// offers (docs/placement.md), and the largest set of guests anti-affinity keeps apart.
namespace {

// What a set of guests asks of hosts, per resource.
struct Need {
  std::int64_t memory = 0, locked = 0, vcpus = 0, dedicated = 0;
  std::map<std::int64_t, std::int64_t> pages;  // page size -> pages
};

// `placed`: by guest, whether the bound counts it.
int bound_of(const Scenario& s, const std::vector<char>& placed) {
  const Policy& p = s.policy;
  const bool by_resident = p.memory_limit == MemoryLimit::resident;
  // Demands. Locked memory shrinks usable memory, so it weighs memory_ratio times in the
  // committed budget: committed <= ratio x (RAM - pools - reserve - locked).
  Need free;                            // guests placement decides
  std::map<std::int32_t, Need> fixed;   // guests fixed on a host, per host
  // Under memory_limit: resident, KSM can save at most, per image, what all its guests on one
  // host would: (n - 1) / n of their shared bytes. That comes off the demand.
  const bool ksm = by_resident && p.ksm.enabled;
  std::map<std::string, std::pair<std::int64_t, std::int64_t>> images;  // image -> guests, shared bytes
  std::vector<char> free_placed(s.guests.size(), 0);
  for (std::size_t g = 0; g < s.guests.size(); ++g) {
    if (!placed[g]) continue;
    const GuestSpec& spec = s.spec(s.guests[g]);
    const Demand d = make_demand(p, spec, spec.image.empty() ? -1 : 0);
    if (ksm && d.image >= 0) {
      auto& [n, shared] = images[spec.image];
      ++n;
      shared += d.shareable.value;
    }
    Need& need = s.guests[g].host >= 0 ? fixed[s.guests[g].host] : free;
    free_placed[g] = s.guests[g].host < 0;
    need.memory += d.overhead.value;
    if (d.memory == Demand::Memory::shared) need.memory += by_resident ? d.use.value : spec.memory.value;
    if (d.memory == Demand::Memory::locked) need.locked += spec.memory.value;
    if (d.memory == Demand::Memory::hugepages) need.pages[spec.hugepages->value] += (spec.memory.value + spec.hugepages->value - 1) / spec.hugepages->value;
    (d.dedicated ? need.dedicated : need.vcpus) += spec.vcpus;
  }
  // What one host offers, and the most any host does.
  struct Offer {
    std::int64_t memory = 0, locked = 0, vcpus = 0, dedicated = 0;
    std::map<std::int64_t, std::int64_t> pages;
  };
  auto offer_of = [&](const Host& h) {
    Offer o;
    const Bytes room = h.memory - h.hugepage_bytes() - h.reserve;
    o.memory = by_resident ? std::max<std::int64_t>(0, room.value) : memory_budget(h.memory_ratio, room);
    o.locked = std::max<std::int64_t>(0, room.value);
    o.vcpus = h.cpu_ratio.floor_times(h.shared_cpus().count());
    o.dedicated = h.dedicated_cpus.empty() ? h.shared_cpus().count() : h.dedicated_cpus.count();
    for (const auto& n : h.nodes) {
      for (const auto& pool : n.hugepages) o.pages[pool.page_size.value] += pool.pages;
    }
    return o;
  };
  Offer most;
  std::optional<Decimal> narrowest_ratio;  // the smallest ratio keeps the bound a bound
  auto widen = [&](const Host& h) {
    const Offer o = offer_of(h);
    most.memory = std::max(most.memory, o.memory);
    most.locked = std::max(most.locked, o.locked);
    most.vcpus = std::max(most.vcpus, o.vcpus);
    most.dedicated = std::max(most.dedicated, o.dedicated);
    for (const auto& [size, n] : o.pages) most.pages[size] = std::max(most.pages[size], n);
    const Decimal r = by_resident ? Decimal::of(1) : h.memory_ratio;
    narrowest_ratio = narrowest_ratio ? std::min(*narrowest_ratio, r) : r;
  };
  for (const auto& h : s.hosts) widen(h);
  for (const auto& h : s.auto_pools) widen(h);
  const Decimal ratio = narrowest_ratio.value_or(Decimal::of(1));
  // Fixed guests stay on their host: what they ask of it counts, but never more than that host
  // offers. (When they break its limits there is no valid plan at all; the bound then speaks of
  // the plan that keeps them where they are.)
  std::int64_t memory_need = free.memory + ratio.scale_down(Bytes{free.locked}).value;
  Need total = free;
  for (const auto& [host, need] : fixed) {
    const Host& h = s.hosts[static_cast<std::size_t>(host)];
    const Offer o = offer_of(h);
    const Decimal r = by_resident ? Decimal::of(1) : h.memory_ratio;
    memory_need += std::min(need.memory + r.scale_down(Bytes{need.locked}).value, o.memory);
    total.locked += std::min(need.locked, o.locked);
    total.vcpus += std::min(need.vcpus, o.vcpus);
    total.dedicated += std::min(need.dedicated, o.dedicated);
    for (const auto& [size, n] : need.pages) total.pages[size] += std::min(n, o.pages.count(size) ? o.pages.at(size) : std::int64_t{0});
  }
  auto hosts_for = [](std::int64_t need, std::int64_t cap) -> std::int64_t {
    if (need <= 0 || cap <= 0) return 0;
    return (need + cap - 1) / cap;
  };
  std::int64_t savable = 0;
  for (const auto& [image, tally] : images) {
    const auto& [n, shared] = tally;
    savable += static_cast<std::int64_t>(__int128{shared} * (n - 1) / n);
  }
  std::int64_t bound = std::max<std::int64_t>(static_cast<std::int64_t>(fixed.size()), hosts_for(memory_need - savable, most.memory));
  if (savable > 0 && most.memory > 0) {
    // A host saves at most half of its RAM: the fewest hosts H with
    // H x usable + min(savable, H x RAM / 2) >= demand.
    std::int64_t half = 0;
    for (const auto& h : s.hosts) half = std::max(half, h.memory.value / 2);
    for (const auto& h : s.auto_pools) half = std::max(half, h.memory.value / 2);
    std::int64_t h = hosts_for(memory_need, most.memory + half);
    while (__int128{h} * most.memory + std::min<__int128>(savable, __int128{h} * half) < memory_need) ++h;
    bound = std::max(bound, h);
  }
  bound = std::max(bound, hosts_for(total.locked, most.locked));
  bound = std::max(bound, hosts_for(total.vcpus, most.vcpus));
  bound = std::max(bound, hosts_for(total.dedicated, most.dedicated));
  for (const auto& [size, n] : total.pages) bound = std::max(bound, hosts_for(n, most.pages[size]));
  // Guests anti-affinity keeps apart, among those placement decides (fixed ones may break it).
  bound = std::max<std::int64_t>(bound, anti_affinity_clique(s, free_placed));
  // Large guests, per resource: two guests that each need more than half of what any host
  // offers of one resource never share a host, so each such guest needs a host of its own. Per
  // resource only: a guest over half the memory and one over half the vCPUs may share one.
  // Fixed guests count once per host they are on.
  std::int64_t large_memory = 0, large_locked = 0, large_vcpus = 0, large_dedicated = 0;
  std::map<std::int64_t, std::int64_t> large_pages;  // page size -> guests over half the pool
  std::map<std::pair<int, std::int32_t>, char> fixed_large;  // (resource, host) seen
  for (std::size_t g = 0; g < s.guests.size(); ++g) {
    if (!placed[g]) continue;
    const GuestSpec& spec = s.spec(s.guests[g]);
    const Demand d = make_demand(p, spec, spec.image.empty() ? -1 : 0);
    const std::int32_t host = s.guests[g].host;
    auto count = [&](std::int64_t& n, int resource, bool large) {
      if (large && (host < 0 || !fixed_large[{resource, host}]++)) ++n;
    };
    std::int64_t own = d.overhead.value;
    if (d.memory == Demand::Memory::shared) own += by_resident ? d.use.value : spec.memory.value;
    if (ksm) own -= d.shareable.value;  // beside a guest of its image it costs less
    count(large_memory, 0, 2 * own > most.memory);
    if (d.memory == Demand::Memory::locked) count(large_locked, 1, 2 * spec.memory.value > most.locked);
    if (d.memory == Demand::Memory::hugepages) {
      const std::int64_t pages = (spec.memory.value + spec.hugepages->value - 1) / spec.hugepages->value;
      count(large_pages[spec.hugepages->value], 10, 2 * pages > most.pages[spec.hugepages->value]);
    }
    if (d.dedicated) count(large_dedicated, 2, 2 * spec.vcpus > most.dedicated);
    else count(large_vcpus, 3, 2 * spec.vcpus > most.vcpus);
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
