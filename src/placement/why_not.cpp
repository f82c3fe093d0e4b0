// The reasons of a guest that fits nowhere, rolled up as the Kubernetes scheduler does:
// "0/12 hosts fit: 7 memory ratio 1.5 reached, 5 anti-affinity db-ha", then what a new host of
// each `count: auto` pool would say; and, per rule that refused, the shortfall of the first
// host it refused (need, free, capacity).
#include <algorithm>
#include <map>

#include "placement/engine.hpp"
#include "rules/registry.hpp"
#include "rules/vcpu_limit.hpp"

namespace kvmplan::placement {
namespace {

std::string reason_text(RuleId r, const Host& h, const Scenario& s, std::uint32_t group, const Demand& d) {
  const GuestSpec& spec = *d.spec;
  switch (r) {
    case RuleId::vcpu_limit:
      return s.policy.vcpu_limit == VcpuLimit::threads ? "more vCPUs than the host's " + std::to_string(h.cpus.count()) + " threads"
                                                       : "more vCPUs than the host's " + std::to_string(h.core_count()) + " cores";
    case RuleId::numa_cells: return "no set of NUMA nodes holds the guest's cells";
    case RuleId::cell_memory:
      return h.nodes.size() == 1 ? "larger than the host's usable memory" : "a guest cell larger than a node's room";
    case RuleId::cell_cpus:
      if (h.shared_cpus().empty()) return "no CPU left for shared guests (reserved or dedicated)";
      return h.nodes.size() == 1 ? "more vCPUs than the host has shared CPUs" : "a guest cell has more vCPUs than a node has shared CPUs";
    case RuleId::memory_ratio:
      if (d.memory == Demand::Memory::locked) {
        return "locking its " + to_human(spec.memory) + " would leave committed memory above memory ratio " + to_string(h.memory_ratio) +
               " x usable";
      }
      return "memory ratio " + to_string(h.memory_ratio) + " reached";
    case RuleId::resident: return "expected resident memory beyond usable memory";
    case RuleId::locked: return "locked memory beyond RAM outside the pools and the reserve";
    case RuleId::declared_swap: return "the host's declared swap of " + to_human(h.swap.value_or(Bytes{})) + " would be short";
    case RuleId::hugepages: return "not enough free " + to_string(spec.hugepages.value_or(Bytes{})) + " pages";
    case RuleId::cpu_ratio:
      if (h.shared_cpus().empty()) return "no CPU left for shared guests (reserved or dedicated)";
      if (d.dedicated) return "pinning it would leave the shared vCPUs above cpu ratio " + to_string(h.cpu_ratio);
      return "cpu ratio " + to_string(h.cpu_ratio) + " reached";
    case RuleId::dedicated: return "not enough free CPUs to pin";
    case RuleId::cpu_busy: return "busy vCPUs beyond the shared CPUs in a slot of the usage profiles";
    case RuleId::anti_affinity: return "anti-affinity " + s.groups[group].name;
    case RuleId::affinity: return "affinity " + s.groups[group].name;
    case RuleId::fixed_host: return "fixed on another host";
    case RuleId::host_failures:
    case RuleId::zone_failures: return "no room left for the failures to survive";
  }
  return "fits";
}

}  // namespace

// Guests of one spec (groups included) get the same answer while no guest is placed: the answer
// is kept per spec until the next commit (the unplaced of a full fleet are asked in a row).
Unplaced Engine::why_not(std::uint32_t g) {
  const std::uint32_t spec = s_.guests[g].spec;
  if (auto it = why_cache_.find(spec); it != why_cache_.end() && it->second.first == commits_) {
    Unplaced u = it->second.second;
    u.guest = g;
    return u;
  }
  Unplaced u = why_not_uncached(g);
  why_cache_[spec] = {commits_, u};
  return u;
}

Unplaced Engine::why_not_uncached(std::uint32_t g) {
  Unplaced out;
  out.guest = g;
  const Demand& d = demand(g);
  std::map<std::string, int> counts;
  std::map<RuleId, Shortfall> shortfalls;  // per rule: the first host's
  auto note = [&](const HostState& st, RuleId rule, std::uint32_t group) {
    ++counts[reason_text(rule, *st.host, s_, group, d)];
    if (shortfalls.count(rule)) return;
    if (rule == RuleId::affinity || rule == RuleId::anti_affinity) {
      shortfalls[rule] = {rule, "group " + s_.groups[group].name, 1, 0, 0, Unit::guests};
    } else {
      Shortfall sf = explain(st, d, p_, rule);
      sf.subject = st.host->name + (sf.subject.empty() ? "" : " " + sf.subject);
      shortfalls[rule] = std::move(sf);
    }
  };
  // A host whose free budgets (the index's keys) fall short of what the guest needs is refused
  // by the rule of the first short key, without a full fit: each such host costs a few compares.
  const Keys& need = demands_.needs(g);
  auto short_key = [&](std::size_t h) -> std::optional<RuleId> {
    const Keys& k = fleet_.index().keys(h);
    std::optional<RuleId> out;
    rules::for_each_place_rule([&](auto rule) {
      using R = decltype(rule);
      if (out || R::host_key == rules::no_key) return;
      if (k[R::host_key] < need[R::host_key] || k[R::node_key] < need[R::node_key]) out = R::id;
    });
    return out;
  };
  for (std::size_t h = 0; h < fleet_.size(); ++h) {
    const HostState& st = fleet_.state(h);
    const rules::GroupCheck gc = check_groups(g, h, false);
    if (gc.broken) {
      note(st, *gc.broken, gc.group);
    } else if (!rules::VcpuLimitRule::holds(*st.host, p_, d.spec->vcpus)) {
      note(st, RuleId::vcpu_limit, 0);  // the first rule, before any budget
    } else if (const auto quick = short_key(h)) {
      note(st, *quick, 0);
    } else {
      const Fit f = fit(st, d, p_, gc.rule, spread_);
      note(st, f.broken.value_or(RuleId::numa_cells), f.group);
    }
  }
  std::vector<std::pair<int, std::string>> sorted;
  for (const auto& [text, n] : counts) sorted.emplace_back(-n, text);
  std::sort(sorted.begin(), sorted.end());
  std::string summary;
  if (fleet_.size() > 0) {
    summary = "0/" + std::to_string(fleet_.size()) + (fleet_.size() == 1 ? " host fits:" : " hosts fit:");
    for (std::size_t i = 0; i < sorted.size(); ++i) summary += (i ? ", " : " ") + std::to_string(-sorted[i].first) + " " + sorted[i].second;
  }
  for (std::size_t pool = 0; pool < pools_.size(); ++pool) {
    const rules::GroupCheck gc = rules::check_groups(s_, groups_, groups_of(g), fleet_.group_place_of_new(pool), false);
    std::optional<RuleId> broken = gc.broken;
    std::uint32_t group = gc.group;
    if (!broken) {
      const Fit f = fit(pools_[pool], d, p_, {}, spread_);
      broken = f.broken.value_or(RuleId::numa_cells);
      group = f.group;
    }
    summary += (summary.empty() ? "" : "; ") + std::string("a new ") + s_.auto_pools[pool].name + " host: " +
               reason_text(*broken, *pools_[pool].host, s_, group, d);
    if (*broken != RuleId::affinity && *broken != RuleId::anti_affinity) {
      Shortfall sf = explain(pools_[pool], d, p_, *broken);
      sf.subject = "a new " + s_.auto_pools[pool].name + " host" + (sf.subject.empty() ? "" : " " + sf.subject);
      shortfalls.emplace(*broken, std::move(sf));
    } else {
      shortfalls.emplace(*broken, Shortfall{*broken, "group " + s_.groups[group].name, 1, 0, 0, Unit::guests});
    }
  }
  out.summary = summary.empty() ? "no hosts: the scenario has none" : summary;
  for (auto& [rule, sf] : shortfalls) out.shortfalls.push_back(std::move(sf));
  return out;
}

}  // namespace kvmplan::placement
