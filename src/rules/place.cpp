#include "rules/place.hpp"

#include <algorithm>

#include <Eigen/Core>

#include "kvmplan/model/model.hpp"
#include "kvmplan/model/swap.hpp"

namespace kvmplan::rules {
namespace {

std::int64_t pages_in(const std::vector<HugepagePool>& pools, Bytes size) {
  for (const auto& p : pools) {
    if (p.page_size == size) return p.pages;
  }
  return 0;
}

}  // namespace

std::int64_t Capacity::pool_pages(Bytes page_size) const { return pages_in(page_pools, page_size); }

std::int64_t Load::pages_of(Bytes page_size) const {
  for (const auto& [size, n] : pages) {
    if (size == page_size) return n;
  }
  return 0;
}

namespace {
using Slots = Eigen::Array<std::int64_t, Eigen::Dynamic, 1>;
Eigen::Map<Slots> slots_of(std::vector<std::int64_t>& v) { return {v.data(), static_cast<Eigen::Index>(v.size())}; }
Eigen::Map<const Slots> slots_of(const std::int64_t* p, std::size_t n) { return {p, static_cast<Eigen::Index>(n)}; }
}  // namespace

Bytes Load::resident_with(const Add& a) const {
  if (!a.use_slots || slots.empty()) return resident + a.resident;
  return Bytes{(slots_of(slots.data(), slots.size()) + slots_of(a.use_slots, a.slot_count)).maxCoeff()} + a.resident_fixed;
}

std::int64_t Load::busy_with(const Add& a) const {
  if (!a.busy_slots) return busy.empty() ? 0 : slots_of(busy.data(), busy.size()).maxCoeff();
  if (busy.empty()) return slots_of(a.busy_slots, a.slot_count).maxCoeff();
  return (slots_of(busy.data(), busy.size()) + slots_of(a.busy_slots, a.slot_count)).maxCoeff();
}

void Load::add(const Add& a) {
  committed += a.committed;
  if (a.busy_slots) {
    if (busy.empty()) busy.assign(a.slot_count, 0);
    slots_of(busy) += slots_of(a.busy_slots, a.slot_count);
  }
  locked += a.locked;
  if (a.use_slots) {
    if (slots.empty()) slots.assign(a.slot_count, resident.value);
    slots_of(slots) += slots_of(a.use_slots, a.slot_count) + a.resident_fixed.value;
    resident = Bytes{slots_of(slots).maxCoeff()};
  } else {
    if (!slots.empty()) slots_of(slots) += a.resident.value;
    resident += a.resident;
  }
  ksm_savings += a.ksm_gain;
  node_swap += a.node_swap_gain;
  shared_vcpus += a.shared_vcpus;
  pinned += a.pinned;
  if (a.pages > 0) {
    auto it = std::find_if(pages.begin(), pages.end(), [&](const auto& p) { return p.first == a.page_size; });
    if (it == pages.end()) pages.emplace_back(a.page_size, a.pages);
    else it->second += a.pages;
  }
}

Capacity host_capacity(const Host& host, const Policy& policy) {
  Capacity c;
  c.scope = Scope::host;
  c.ram = host.memory;
  c.pools = host.hugepage_bytes();
  c.reserve = host.reserve;
  for (const auto& node : host.nodes) {
    for (const auto& pool : node.hugepages) {
      auto it = std::find_if(c.page_pools.begin(), c.page_pools.end(), [&](const HugepagePool& p) { return p.page_size == pool.page_size; });
      if (it == c.page_pools.end()) c.page_pools.push_back(pool);
      else it->pages += pool.pages;
    }
  }
  std::sort(c.page_pools.begin(), c.page_pools.end(), [](const HugepagePool& a, const HugepagePool& b) { return a.page_size < b.page_size; });
  const CpuSet shared = host.shared_cpus();
  c.shared_cpus = shared.count();
  c.pins_from_shared = host.dedicated_cpus.empty();
  c.pin_cpus = c.pins_from_shared ? c.shared_cpus : host.dedicated_cpus.count();
  c.memory_ratio = host.memory_ratio;
  c.cpu_ratio = host.cpu_ratio;
  c.swap = host.swap;
  c.baseline_swap = baseline_swap(policy.swap_baseline, policy.hibernation, host.memory).size;
  return c;
}

std::vector<Capacity> node_capacities(const Host& host) {
  const std::vector<Bytes> shares = reserve_shares(host);
  std::vector<Capacity> out;
  out.reserve(host.nodes.size());
  for (std::size_t i = 0; i < host.nodes.size(); ++i) {
    const NumaNode& node = host.nodes[i];
    Capacity c;
    c.scope = Scope::node;
    c.node_id = node.id;
    c.ram = node.memory;
    c.pools = node.hugepage_bytes();
    c.reserve = shares[i];
    c.page_pools = node.hugepages;
    const CpuSet shared = node.cpus - host.reserved_cpus - host.dedicated_cpus;
    c.shared_cpus = shared.count();
    c.pins_from_shared = host.dedicated_cpus.empty();
    c.pin_cpus = c.pins_from_shared ? c.shared_cpus : (node.cpus & host.dedicated_cpus).count();
    c.memory_ratio = host.memory_ratio;
    c.cpu_ratio = host.cpu_ratio;
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace kvmplan::rules
