#include "kvmplan/model/model.hpp"

#include <algorithm>
#include <cstdio>

#include "kvmplan/model/cells.hpp"
#include "kvmplan/model/swap.hpp"

namespace kvmplan {
namespace {

// RHEL 6/7 Virtualization guides: up to 5 vCPUs per physical CPU is safe for loads under 100%;
// more than 10 vCPUs per physical core is not recommended.
constexpr int rhel_safe_vcpus_per_cpu = 5;
constexpr int rhel_max_vcpus_per_core = 10;

std::string ratio_text(std::int64_t num, std::int64_t den) { return format_ratio(ratio3(num, den)); }

}  // namespace

std::vector<Bytes> reserve_shares(const Host& host) {
  std::vector<Bytes> out(host.nodes.size());
  std::int64_t outside = 0;  // memory outside the pools, over all nodes (<= 1EiB)
  for (const auto& n : host.nodes) outside += (n.memory - n.hugepage_bytes()).value;
  if (out.empty()) return out;
  if (outside <= 0) {
    out.front() = host.reserve;
    return out;
  }
  Bytes given;
  std::size_t first = out.size();
  for (std::size_t i = 0; i < out.size(); ++i) {
    const std::int64_t mine = (host.nodes[i].memory - host.nodes[i].hugepage_bytes()).value;
    if (mine <= 0) continue;
    if (first == out.size()) first = i;
    out[i] = Bytes{static_cast<std::int64_t>(__int128{host.reserve.value} * mine / outside)};
    given += out[i];
  }
  out[first] += host.reserve - given;
  return out;
}

std::int64_t memory_budget(const Decimal& ratio, Bytes usable) {
  return usable.value <= 0 ? 0 : ratio.scale_down(usable).value;
}

std::vector<PagesUsed> hugepages_used(const Scenario& scenario, std::span<const GuestOnHost> guests) {
  std::vector<PagesUsed> out;
  std::vector<Cell> cells;
  for (const GuestOnHost& on : guests) {
    const GuestSpec& spec = scenario.spec(scenario.guests[on.guest]);
    if (!spec.hugepages) continue;
    split_cells(spec, {}, std::max<int>(1, static_cast<int>(on.nodes.size())), cells);
    for (std::size_t c = 0; c < cells.size(); ++c) {
      const std::size_t node = on.nodes.empty() ? 0 : static_cast<std::size_t>(on.nodes[c]);
      auto it = std::find_if(out.begin(), out.end(), [&](const PagesUsed& u) { return u.node == node && u.page_size == *spec.hugepages; });
      if (it == out.end()) out.push_back({node, *spec.hugepages, cells[c].pages});
      else it->pages += cells[c].pages;
    }
  }
  std::sort(out.begin(), out.end(), [](const PagesUsed& a, const PagesUsed& b) {
    return a.node != b.node ? a.node < b.node : a.page_size < b.page_size;
  });
  return out;
}

std::int64_t pages_used(const std::vector<PagesUsed>& used, std::size_t node, Bytes page_size) {
  for (const PagesUsed& u : used) {
    if (u.node == node && u.page_size == page_size) return u.pages;
  }
  return 0;
}

HostFigures size_host(const Scenario& scenario, const Host& host, std::span<const GuestOnHost> guests) {
  const Policy& policy = scenario.policy;
  HostFigures f;
  auto warn = [&](std::string code, std::string message) {
    f.warnings.push_back({Severity::warning, {}, host.name, std::move(message), std::move(code), {}, {}});
  };
  f.ram = host.memory;
  f.reserve = host.reserve;
  f.hugepages = host.hugepage_bytes();
  f.guests = static_cast<int>(guests.size());
  // Per node, under numa strict or preferred: what its guests' cells commit and lock.
  const bool by_node = policy.numa != NumaMode::none;
  if (by_node) {
    for (const auto& node : host.nodes) f.nodes.push_back({node.id, {}, {}, {}, {}, {}, {}, {}, {}});
  }
  // Each node's KSM shares (pages merge within a node whatever merge_across_nodes says), kept
  // only when some guest has an image to merge.
  std::vector<std::vector<KsmShare>> node_shares;

  // Under usage profiles, the resident memory before KSM in each slot, of the host and its nodes.
  const std::size_t slots = scenario.slots();
  std::vector<std::int64_t> before(slots, 0);
  std::vector<std::vector<std::int64_t>> node_before(by_node ? f.nodes.size() : 0, std::vector<std::int64_t>(slots, 0));
  auto use_in = [&](const GuestSpec& spec, std::size_t slot) {
    return spec.profile < 0 ? expected_use(spec) : expected_use(spec, scenario.profiles[static_cast<std::size_t>(spec.profile)].memory[slot]);
  };

  std::vector<KsmShare> shares;
  std::vector<Cell> cells;
  for (const GuestOnHost& on : guests) {
    const Guest& guest = scenario.guests[on.guest];
    const GuestSpec& spec = scenario.spec(guest);
    const Bytes overhead = guest_overhead(policy, spec);
    const bool swappable = !spec.hugepages && !spec.locked;
    const Bytes use = swappable ? expected_use(spec) : Bytes{};
    const bool merges = swappable && policy.ksm.enabled && !spec.image.empty();
    // With a profile, what it holds in its valley slot is what KSM can count on merging.
    const Bytes share = merges ? min(spec.ksm_shareable, expected_use_low(spec)) : Bytes{};
    if (!on.nodes.empty()) split_cells(spec, overhead, static_cast<int>(on.nodes.size()), cells);
    f.committed += overhead;  // QEMU itself is swappable, whatever backs the guest's RAM
    f.resident_before_ksm += overhead;
    for (std::size_t t = 0; t < slots; ++t) before[t] += (overhead + (swappable ? use_in(spec, t) : Bytes{})).value;
    if (!spec.hugepages && spec.locked) {
      f.pinned += spec.memory;
    } else if (swappable) {
      f.committed += spec.memory;
      f.resident_before_ksm += use;
      if (policy.ksm.enabled) f.mergeable += use;
      if (merges) {
        if (policy.ksm.merge_across_nodes || on.nodes.empty()) {
          // Bound to no node with merging per node: its pages spread over the host's nodes.
          const int spread = policy.ksm.merge_across_nodes ? 1 : static_cast<int>(host.nodes.size());
          shares.push_back({spec.image, -1, share, spread});
        } else {
          // Pages merge only inside a node: each cell's part of the share, with the node's
          // guests of the image (in proportion to the cell's memory, rounded down).
          for (std::size_t c = 0; c < cells.size(); ++c) shares.push_back({spec.image, on.nodes[c], cell_part_down(share, cells[c], spec)});
        }
      }
    }
    if (by_node && !on.nodes.empty()) {
      for (std::size_t c = 0; c < cells.size(); ++c) {
        const auto i = static_cast<std::size_t>(on.nodes[c]);
        NodeFigures& n = f.nodes[i];
        n.committed += cells[c].overhead;
        n.expected_resident += cells[c].overhead;
        for (std::size_t t = 0; t < slots; ++t) {
          node_before[i][t] += (cells[c].overhead + (swappable ? cell_part_up(use_in(spec, t), cells[c], spec) : Bytes{})).value;
        }
        if (!spec.hugepages && spec.locked) {
          n.locked += cells[c].memory;
        } else if (swappable) {
          n.committed += cells[c].memory;
          n.expected_resident += cell_part_up(use, cells[c], spec);
          if (merges) {
            node_shares.resize(f.nodes.size());
            node_shares[i].push_back({spec.image, -1, cell_part_down(share, cells[c], spec)});
          }
        }
      }
    }
    if (spec.profile >= 0 && spec.cpu_policy == CpuPolicy::shared) {
      const Profile& profile = scenario.profiles[static_cast<std::size_t>(spec.profile)];
      if (!profile.cpu.empty()) f.busy_by_slot.resize(slots, 0);
      for (std::size_t t = 0; t < profile.cpu.size(); ++t) f.busy_by_slot[t] += busy_millis(profile.cpu[t], spec.vcpus);
    }
    if (spec.cpu_policy == CpuPolicy::dedicated) f.dedicated_vcpus += spec.vcpus;
    else f.vcpus += spec.vcpus;
    f.emulator_pcpus += emulator_cpus(policy, spec);
  }

  // Under profiles the peak slot of the sums decides (each guest's own peak, summed, is more).
  if (slots > 0) {
    f.resident_before_ksm = Bytes{*std::max_element(before.begin(), before.end())};
    for (std::size_t i = 0; i < node_before.size(); ++i) f.nodes[i].expected_resident = Bytes{*std::max_element(node_before[i].begin(), node_before[i].end())};
  }

  // Memory.
  const Bytes available = f.ram - f.hugepages - f.pinned;  // RAM the swappable world shares
  f.usable = available - f.reserve;
  f.guest_swap = max(Bytes{}, f.committed + f.reserve - available);
  // ksmtuned sums the QEMU processes' RSS (locked guests too), and pages KSM merged stay mapped
  // in every process that shares them: it sees the resident memory before savings. Where it
  // would not run KSM, nothing is saved, on the host or its nodes.
  f.ksmtuned = predict_ksmtuned(f.ram, f.resident_before_ksm + f.pinned, f.mergeable, f.hugepages, f.reserve);
  if (by_node) {
    // Each node's guests live on its memory (numatune): its excess is swap, whatever the other
    // nodes have free.
    const std::vector<Bytes> reserve = reserve_shares(host);
    Bytes node_sum;
    for (std::size_t i = 0; i < f.nodes.size(); ++i) {
      NodeFigures& n = f.nodes[i];
      n.usable = host.nodes[i].memory - host.nodes[i].hugepage_bytes() - n.locked - reserve[i];
      n.guest_swap = max(Bytes{}, n.committed - n.usable);
      if (n.usable.value > 0) n.memory_overcommit = ratio3(n.committed.value, n.usable.value);
      const Bytes saved = f.ksmtuned.active && !node_shares.empty() && !node_shares[i].empty() ? ksm_savings(node_shares[i]) : Bytes{};
      n.expected_resident -= saved;
      for (std::size_t t = 0; t < slots; ++t) n.resident_by_slot.push_back(Bytes{node_before[i][t]} - saved);
      n.headroom = n.usable - n.expected_resident;
      node_sum += n.guest_swap;
    }
    f.guest_swap = max(f.guest_swap, node_sum);
  }
  const BaselineSwap baseline = baseline_swap(policy.swap_baseline, policy.hibernation, f.ram);
  f.baseline_swap = baseline.size;
  f.swap = f.guest_swap + f.baseline_swap;
  if (!baseline.warning.empty()) warn("swap-table", baseline.warning);
  if (f.usable.value > 0) f.memory_overcommit = ratio3(f.committed.value, f.usable.value);
  f.ksm_savings = f.ksmtuned.active ? ksm_savings(shares) : Bytes{};
  f.expected_resident = f.resident_before_ksm - f.ksm_savings;
  f.headroom = f.usable - f.expected_resident;
  for (std::size_t t = 0; t < slots; ++t) {
    f.resident_by_slot.push_back(Bytes{before[t]} - f.ksm_savings);
    const auto slot = static_cast<int>(t);
    if (f.peak_slot < 0 || before[t] > before[static_cast<std::size_t>(f.peak_slot)]) f.peak_slot = slot;
    if (f.valley_slot < 0 || before[t] < before[static_cast<std::size_t>(f.valley_slot)]) f.valley_slot = slot;
  }
  // A node short of memory swaps (strict) or spills to other nodes (preferred) in steady state,
  // whatever the others have free.
  Bytes node_shortfall;
  for (const NodeFigures& n : f.nodes) node_shortfall += max(Bytes{}, Bytes{} - n.headroom);
  if (node_shortfall.value > 0) f.headroom = min(f.headroom, Bytes{} - node_shortfall);

  // Pool pages no guest takes are still the host's pools (the spec's usable memory leaves them
  // out, so they can cost guest swap and room), while host tuning writes the pools at the pages
  // the plan takes. Under ha the whole pool is the restarted guests' and tuning keeps it.
  const bool ha = policy.ha.host_failures > 0 || policy.ha.zone_failures > 0;
  if (!ha && !guests.empty()) {
    const std::vector<PagesUsed> used = hugepages_used(scenario, guests);
    for (std::size_t n = 0; n < host.nodes.size(); ++n) {
      for (const HugepagePool& pool : host.nodes[n].hugepages) {
        const std::int64_t use = pages_used(used, n, pool.page_size);
        if (pool.pages <= use) continue;
        const Bytes idle{(pool.pages - use) * pool.page_size.value};
        warn("unused-hugepages", "node " + std::to_string(host.nodes[n].id) + ": " + std::to_string(pool.pages - use) + " of its " +
                                     std::to_string(pool.pages) + " " + to_human(pool.page_size) + " pages (" + to_human(idle) +
                                     ") back no guest, yet count as hugepages, not usable memory; host tuning writes the pool at the " +
                                     std::to_string(use) + " pages the plan takes: on a host that runs it, declare " +
                                     std::to_string(use) + " and re-plan to give guests the " + to_human(idle));
      }
    }
  }
  if (f.usable.value <= 0) {
    warn("no-memory", "hugepage pools, locked guests and the reserve take all of RAM (" + to_human(f.ram) +
                          "): nothing is left for swappable guests");
  }
  // Under memory_limit: committed the steady state is advice; under resident it is a rule
  // (src/rules/resident.hpp), which check reports, per host and per node.
  const bool advice = policy.memory_limit == MemoryLimit::committed;
  const bool host_short = f.usable.value > 0 && f.expected_resident > f.usable;
  if (host_short && advice) {
    warn("resident", "expected resident memory " + to_human(f.expected_resident) + " exceeds usable memory " +
                         to_human(f.usable) + ": the host will swap in steady state");
  }
  for (const NodeFigures& n : f.nodes) {
    if (!advice || f.nodes.size() < 2 || n.usable.value <= 0 || n.headroom.value >= 0) continue;
    warn("resident", "node " + std::to_string(n.id) + ": expected resident memory " + to_human(n.expected_resident) +
                         " exceeds its usable memory " + to_human(n.usable) + ": its guests " +
                         (policy.numa == NumaMode::strict ? "swap in steady state (numatune strict keeps their pages on the node)"
                                                          : "spill to other nodes in steady state (numatune preferred)"));
  }
  if (f.usable.value > 0 && f.resident_before_ksm > f.usable && !host_short) {
    warn("ksm-needed", "expected resident memory fits usable memory " + to_human(f.usable) + " only with " +
                           to_human(f.ksm_savings) + " of KSM savings (" + to_human(f.resident_before_ksm) +
                           " without)");
    // KSM merges a page on its second full pass at the earliest (the first only records it),
    // at 1250 pages per scan while free memory stays under ksmtuned's threshold; once savings
    // lift it above, ksmtuned slows down by 50 pages a minute to 64, about 20 times slower.
    const double minutes = 2 * f.ksmtuned.full_scan_seconds / 60;
    char text[32];
    std::snprintf(text, sizeof text, "%.1f", minutes);
    warn("ksm-converge", "the savings exist only after KSM's second full pass over " + to_human(f.mergeable) +
                             " (at least " + text + " min at 1250 pages per scan): after a boot or login storm or a "
                             "failover, the host swaps until then");
  }
  // Worst case beyond RAM: the swap rule's left side, less RAM (what guest_swap sizes for).
  f.beyond_ram = f.guest_swap;
  f.swap_covers = host.swap ? min(f.beyond_ram, max(Bytes{}, *host.swap - f.baseline_swap)) : f.beyond_ram;
  if (policy.ksm.enabled && host.nodes.size() > 1 && policy.ksm.merge_across_nodes && f.usable.value > 0 &&
      f.resident_before_ksm > f.usable && f.ksm_savings.value > 0) {
    warn("ksm-numa", "the host fits its expected memory only with KSM, which merges pages across its " +
                         std::to_string(host.nodes.size()) + " NUMA nodes: guests read merged pages from remote nodes "
                         "(ksm.merge_across_nodes: false keeps them local, for smaller savings)");
  }
  f.declared_swap = host.swap;
  if (host.swap && *host.swap > f.swap) f.swap_surplus = *host.swap - f.swap;
  if (host.swap && *host.swap < f.swap) f.swap_deficit = f.swap - *host.swap;

  // CPUs.
  f.cores = host.core_count();
  const CpuSet shared = host.shared_cpus();
  if (host.dedicated_cpus.empty()) {
    // No dedicated set: pinned guests take their CPUs out of the shared ones.
    f.dedicated_pcpus = shared.count();
    f.pcpus = std::max(0, shared.count() - f.dedicated_vcpus - f.emulator_pcpus);
  } else {
    f.dedicated_pcpus = host.dedicated_cpus.count();
    f.pcpus = shared.count();
  }
  for (const auto& core : host.cores) f.shared_cores += core.intersects(shared);
  if (f.pcpus > 0) f.cpu_overcommit = ratio3(f.vcpus, f.pcpus);
  if (f.vcpus > 0 && f.pcpus > 0) {
    if (f.vcpus > rhel_safe_vcpus_per_cpu * f.pcpus) {
      warn("cpu-safe", ratio_text(f.vcpus, f.pcpus) + " vCPUs per physical CPU is above the 5 RHEL calls safe");
    }
    if (f.shared_cores > 0 && f.vcpus > rhel_max_vcpus_per_core * f.shared_cores) {
      warn("cpu-core", ratio_text(f.vcpus, f.shared_cores) +
                           " vCPUs per physical core is above 10, which RHEL does not recommend");
    }
  }
  return f;
}

}  // namespace kvmplan
