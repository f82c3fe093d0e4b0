#include "kvmplan/plan/check.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

#include "kvmplan/model/model.hpp"
#include "kvmplan/model/cells.hpp"
#include "kvmplan/plan/plan.hpp"

namespace kvmplan {
namespace {

// What the plan puts on one node (or, for guests bound to no node, on the host).
struct Tally {
  Bytes committed, locked, resident;
  int shared_vcpus = 0;
  std::map<std::int64_t, std::int64_t> pages;  // page size -> pages used
  std::vector<KsmShare> shares;                 // what KSM may merge here (memory_limit: resident)
};

struct HostCheck {
  Host host;
  std::int64_t zone = 0;
  Tally total;
  std::vector<Tally> nodes;
  std::map<int, std::string> pinned_by;  // CPU -> guest
  std::vector<GuestOnHost> guests;
  std::vector<std::pair<const PlannedGuest*, CpuSet>> shared_cpusets;  // shared guests' CPUs
  std::vector<KsmShare> node_shares;  // merge_across_nodes false: each node-bound cell's share, by node
};

std::int64_t floor_ratio(const Decimal& r, Bytes b) { return memory_budget(r, b); }

Bytes reserve_share(const Host& h, std::size_t i) { return reserve_shares(h)[i]; }

std::int64_t pool(const NumaNode& n, Bytes size) {
  for (const auto& p : n.hugepages) {
    if (p.page_size == size) return p.pages;
  }
  return 0;
}

CpuSet pin_pool(const Host& h) { return h.dedicated_cpus.empty() ? h.cpus - h.reserved_cpus : h.dedicated_cpus; }

// Whether the whole guest fits some empty node of the host (then it must not be split).
bool fits_one_node(const Host& h, const GuestSpec& spec, const Policy& p) {
  const Bytes overhead = guest_overhead(p, spec);
  for (std::size_t i = 0; i < h.nodes.size(); ++i) {
    const NumaNode& n = h.nodes[i];
    const Bytes pools = n.hugepage_bytes();
    Bytes usable = n.memory - pools - reserve_share(h, i);
    Bytes swappable = overhead, resident = overhead;
    if (spec.hugepages) {
      if (pool(n, *spec.hugepages) * spec.hugepages->value < spec.memory.value) continue;
    } else if (spec.locked) {
      if (spec.memory > n.memory - pools) continue;
      usable -= spec.memory;
    } else {
      swappable += spec.memory;
      resident += expected_use(spec);
    }
    const bool memory_ok = p.memory_limit == MemoryLimit::resident ? resident <= usable
                                                                    : swappable.value <= floor_ratio(h.memory_ratio, usable);
    if (!memory_ok) continue;
    const CpuSet shared = n.cpus - h.reserved_cpus - h.dedicated_cpus;
    if (spec.cpu_policy == CpuPolicy::dedicated) {
      if (spec.vcpus > (n.cpus & pin_pool(h)).count()) continue;
    } else if (spec.vcpus > shared.count() || spec.vcpus > h.cpu_ratio.floor_times(shared.count())) {
      continue;
    }
    return true;
  }
  return false;
}

class Checker {
 public:
  Checker(const Scenario& s, const PlanDocument& doc, const SourceFiles& sources) : s_(s), doc_(doc), sources_(sources) {}

  CheckResult run() {
    for (std::size_t i = 0; i < s_.hosts.size(); ++i) add_host(s_.hosts[i]);
    for (const PlannedHost& ph : doc_.hosts) {
      if (ph.pool.empty() || hosts_.count(ph.name)) continue;
      const auto pool = std::find_if(s_.auto_pools.begin(), s_.auto_pools.end(), [&](const Host& h) { return h.name == ph.pool; });
      if (pool == s_.auto_pools.end()) {
        violation(ph.at, "host " + ph.name + ": pool \"" + ph.pool + "\" is no count: auto host of the scenario");
        continue;
      }
      Host h = *pool;
      h.name = ph.name;
      h.auto_pool = false;
      add_host(h);
    }
    for (std::uint32_t g = 0; g < s_.guests.size(); ++g) guest_index_.emplace(s_.guests[g].name, g);
    for (const PlannedGuest& pg : doc_.placements) placement(pg);
    for (const auto& [name, at] : doc_.unplaced) {
      auto it = guest_index_.find(name);
      if (it == guest_index_.end()) {
        violation(at, name + ": unplaced, but the scenario has no such guest");
      } else if (seen_[it->second]++) {
        violation(at, name + ": both placed and unplaced, or unplaced twice");
      } else {
        result_.unplaced.push_back(name + ": unplaced");
      }
    }
    for (std::uint32_t g = 0; g < s_.guests.size(); ++g) {
      if (!seen_.count(g)) violation({}, s_.guests[g].name + ": missing from the plan");
    }
    for (auto& [name, hc] : hosts_) limits(hc);
    groups();
    return std::move(result_);
  }

 private:
  void add_host(const Host& h) {
    HostCheck hc;
    hc.host = h;
    hc.nodes.resize(h.nodes.size());
    hc.zone = h.zone.empty() ? -1 - static_cast<std::int64_t>(hosts_.size())
                             : zones_.emplace(h.zone, static_cast<std::int64_t>(zones_.size())).first->second;
    order_.push_back(h.name);
    hosts_.emplace(h.name, std::move(hc));
  }

  void violation(SourceRef at, const std::string& message) {
    std::string where;
    if (at.line > 0) where = sources_.files[at.file].path + ":" + std::to_string(at.line) + ":" + std::to_string(at.col) + ": ";
    else if (!sources_.files.empty()) where = sources_.files.back().path + ": ";
    result_.violations.push_back(where + message);
  }

  void placement(const PlannedGuest& pg) {
    const auto it = guest_index_.find(pg.guest);
    if (it == guest_index_.end()) return violation(pg.at, pg.guest + ": the scenario has no such guest");
    const std::uint32_t g = it->second;
    if (seen_[g]++) return violation(pg.at, pg.guest + ": placed twice");
    const auto host_it = hosts_.find(pg.host);
    if (host_it == hosts_.end()) return violation(pg.at, pg.guest + ": host \"" + pg.host + "\" is no host of the scenario or the plan");
    HostCheck& hc = host_it->second;
    const Host& h = hc.host;
    const Guest& guest = s_.guests[g];
    const GuestSpec& spec = s_.spec(guest);
    const Policy& p = s_.policy;
    auto bad = [&](const std::string& m) { violation(pg.at, pg.guest + ": " + m); };

    if (guest.host >= 0 && s_.hosts[static_cast<std::size_t>(guest.host)].name != pg.host) {
      bad("moved off its fixed host " + s_.hosts[static_cast<std::size_t>(guest.host)].name);
    }
    if (pg.memory_mib && *pg.memory_mib != mib_ceil(spec.memory)) bad("memory_mib " + std::to_string(*pg.memory_mib) + " is not the guest's " + std::to_string(mib_ceil(spec.memory)));
    if (pg.vcpus && *pg.vcpus != spec.vcpus) bad("vcpus " + std::to_string(*pg.vcpus) + " is not the guest's " + std::to_string(spec.vcpus));
    if (pg.hugepages != spec.hugepages) bad("hugepages does not match the guest's backing");
    const int limit = p.vcpu_limit == VcpuLimit::threads ? h.cpus.count() : h.core_count();
    if (spec.vcpus > limit) bad(std::to_string(spec.vcpus) + " vCPUs, more than the host's " + std::to_string(limit) + (p.vcpu_limit == VcpuLimit::threads ? " threads" : " cores"));

    // Nodes: ids of the host, distinct, as many as the guest's cells.
    std::vector<int> nodes;
    for (int id : pg.nodes) {
      const auto n = std::find_if(h.nodes.begin(), h.nodes.end(), [&](const NumaNode& x) { return x.id == id; });
      if (n == h.nodes.end()) return bad("node " + std::to_string(id) + " is not a node of " + h.name);
      const int index = static_cast<int>(n - h.nodes.begin());
      if (std::find(nodes.begin(), nodes.end(), index) != nodes.end()) return bad("node " + std::to_string(id) + " listed twice");
      nodes.push_back(index);
    }
    if (p.numa != NumaMode::none && nodes.empty()) bad("not bound to any NUMA node (policy numa is not none)");
    if (spec.numa_nodes > 0 && !nodes.empty() && static_cast<int>(nodes.size()) != spec.numa_nodes) {
      bad("on " + std::to_string(nodes.size()) + " nodes, but numa_nodes is " + std::to_string(spec.numa_nodes));
    }
    if (spec.numa_nodes == 0 && nodes.size() > 1 && p.numa != NumaMode::none && fits_one_node(h, spec, p)) {
      bad("split over " + std::to_string(nodes.size()) + " nodes though it fits one");
    }

    // CPUs.
    const CpuSet* cpuset = &pg.cpuset;
    CpuSet allowed;
    if (nodes.empty()) allowed = h.cpus;
    for (int n : nodes) allowed = allowed | h.nodes[static_cast<std::size_t>(n)].cpus;
    const std::vector<Cell> cells = split_cells(spec, guest_overhead(p, spec), std::max<int>(1, static_cast<int>(nodes.size())));
    if (spec.cpu_policy == CpuPolicy::dedicated) {
      if (!pg.vcpupin || static_cast<int>(pg.vcpupin->size()) != spec.vcpus) {
        bad("a dedicated guest needs a vcpupin entry for each of its " + std::to_string(spec.vcpus) + " vCPUs");
      } else {
        CpuSet pins;
        std::size_t vcpu = 0;
        for (std::size_t c = 0; c < cells.size(); ++c) {
          const CpuSet node_cpus = nodes.empty() ? h.cpus : h.nodes[static_cast<std::size_t>(nodes[c])].cpus;
          for (int i = 0; i < cells[c].vcpus; ++i, ++vcpu) {
            const int cpu = (*pg.vcpupin)[vcpu];
            const std::string which = "vCPU " + std::to_string(vcpu) + " pinned to CPU " + std::to_string(cpu);
            if (!pin_pool(h).contains(cpu)) bad(which + ", which is not a CPU dedicated guests may use on " + h.name);
            else if (!node_cpus.contains(cpu)) bad(which + ", outside its cell's node");
            if (pins.contains(cpu)) bad(which + " twice");
            pins.insert(cpu);
            if (auto [other, fresh] = hc.pinned_by.emplace(cpu, pg.guest); !fresh && other->second != pg.guest) {
              bad(which + ", which " + other->second + " holds too");
            }
          }
        }
        if (!(pins == *cpuset)) bad("cpuset \"" + to_string(pg.cpuset) + "\" is not its pinned CPUs \"" + to_string(pins) + "\"");
      }
    } else {
      if (pg.vcpupin) bad("vcpupin given for a shared guest");
      const CpuSet usable = allowed - h.reserved_cpus - h.dedicated_cpus;
      if (cpuset->empty()) bad("empty cpuset");
      if (!cpuset->subset_of(usable)) bad("cpuset has CPUs " + to_string(*cpuset - usable) + " that are reserved, dedicated or off its nodes");
      hc.shared_cpusets.emplace_back(&pg, *cpuset);
    }

    // Memory and vCPUs, on the nodes (or on the host when bound to none).
    hc.guests.push_back({g, NodeList(nodes.begin(), nodes.end())});
    const Bytes overhead = guest_overhead(p, spec);
    const Bytes use = expected_use(spec);
    add(hc.total, spec, spec.memory, overhead, use, spec.vcpus,
        spec.hugepages ? (spec.memory.value + spec.hugepages->value - 1) / spec.hugepages->value : 0);
    const bool merges = p.ksm.enabled && !spec.image.empty() && !spec.hugepages && !spec.locked;
    const Bytes share = min(spec.ksm_shareable, use);
    // Host-level merging: the whole share, or (pages staying in their node) the node parts below.
    if (merges && (p.ksm.merge_across_nodes || nodes.empty())) hc.total.shares.push_back({spec.image, -1, share});
    for (std::size_t c = 0; c < nodes.size(); ++c) {
      const Bytes cell_use{static_cast<std::int64_t>((__int128{use.value} * cells[c].memory.value + spec.memory.value - 1) / spec.memory.value)};
      Tally& t = hc.nodes[static_cast<std::size_t>(nodes[c])];
      add(t, spec, cells[c].memory, cells[c].overhead, cell_use, cells[c].vcpus, cells[c].pages);
      const Bytes part{static_cast<std::int64_t>(__int128{share.value} * cells[c].memory.value / spec.memory.value)};
      if (merges) t.shares.push_back({spec.image, -1, part});
      // Host-level merging per node when pages stay in their node: node-tagged parts.
      if (merges && !p.ksm.merge_across_nodes) hc.node_shares.push_back({spec.image, nodes[c], part});
    }
  }

  static void add(Tally& t, const GuestSpec& spec, Bytes memory, Bytes overhead, Bytes use, int vcpus, std::int64_t pages) {
    t.committed += overhead;
    t.resident += overhead;
    if (spec.hugepages) {
      t.pages[spec.hugepages->value] += pages;
    } else if (spec.locked) {
      t.locked += memory;
    } else {
      t.committed += memory;
      t.resident += use;
    }
    if (spec.cpu_policy == CpuPolicy::shared) t.shared_vcpus += vcpus;
  }

  void limits(HostCheck& hc) {
    const Host& h = hc.host;
    const Policy& p = s_.policy;
    CpuSet pinned;
    for (const auto& [cpu, guest] : hc.pinned_by) pinned.insert(cpu);
    // Each place's limits; `where` is "kvm01" or "kvm01 node 1".
    auto verify = [&](const std::string& where, const Tally& t, Bytes memory, Bytes pools, Bytes reserve, const CpuSet& cpus,
                      const std::vector<HugepagePool>& pool_list, Bytes saved) {
      const Bytes usable = memory - pools - t.locked - reserve;
      if (p.memory_limit == MemoryLimit::resident) {
        const Bytes net = t.resident - saved;  // expected resident memory after KSM
        if (net > usable) violation({}, where + ": expected resident memory " + to_human(net) + " exceeds usable memory " + to_human(usable));
      } else if (t.committed.value > floor_ratio(h.memory_ratio, usable)) {
        violation({}, where + ": committed " + to_human(t.committed) + " exceeds memory_ratio " + to_string(h.memory_ratio) + " x usable " + to_human(usable));
      }
      if (t.locked > memory - pools - reserve) {
        violation({}, where + ": locked memory " + to_human(t.locked) + " exceeds RAM outside the hugepage pools and the reserve, " +
                          to_human(memory - pools - reserve));
      }
      for (const auto& [size, used] : t.pages) {
        std::int64_t have = 0;
        for (const auto& pl : pool_list) have += pl.page_size.value == size ? pl.pages : 0;
        if (used > have) violation({}, where + ": " + std::to_string(used) + " hugepages of " + to_string(Bytes{size}) + " used, " + std::to_string(have) + " in the pools");
      }
      CpuSet shared = cpus - h.reserved_cpus - h.dedicated_cpus;
      if (h.dedicated_cpus.empty()) shared = shared - pinned;
      if (t.shared_vcpus > h.cpu_ratio.floor_times(shared.count())) {
        violation({}, where + ": " + std::to_string(t.shared_vcpus) + " shared vCPUs exceed cpu_ratio " + to_string(h.cpu_ratio) + " x " + std::to_string(shared.count()) + " shared CPUs");
      }
    };
    std::vector<HugepagePool> all_pools;
    for (const auto& n : h.nodes) all_pools.insert(all_pools.end(), n.hugepages.begin(), n.hugepages.end());
    // KSM savings (model.md section 3): on the host per image (per node when pages stay in
    // their node), at most half of RAM; on a node, the node's own merging only.
    std::vector<KsmShare> host_shares = hc.total.shares;
    host_shares.insert(host_shares.end(), hc.node_shares.begin(), hc.node_shares.end());
    verify(h.name, hc.total, h.memory, h.hugepage_bytes(), h.reserve, h.cpus, all_pools, ksm_savings(host_shares, h.memory));
    for (std::size_t i = 0; i < h.nodes.size(); ++i) {
      const NumaNode& n = h.nodes[i];
      verify(h.name + " node " + std::to_string(n.id), hc.nodes[i], n.memory, n.hugepage_bytes(), reserve_share(h, i), n.cpus,
             n.hugepages, ksm_savings(hc.nodes[i].shares, h.memory));
    }
    if (h.swap) {
      const HostFigures f = size_host(s_, h, hc.guests);
      if (f.swap_deficit.value > 0) violation({}, h.name + ": swap " + to_human(*h.swap) + " is short of the " + to_human(f.swap) + " needed");
    }
    for (const auto& [pg, cpus] : hc.shared_cpusets) {
      if (cpus.intersects(pinned)) {
        violation(pg->at, pg->guest + ": cpuset includes CPUs " + to_string(cpus & pinned) + " that dedicated guests hold");
      }
    }
  }

  void groups() {
    // Each hard group's members, where the plan puts them.
    struct Where {
      std::string guest;
      const HostCheck* host;
      std::vector<int> nodes;
      SourceRef at;
    };
    std::vector<std::vector<Where>> members(s_.groups.size());
    for (const PlannedGuest& pg : doc_.placements) {
      auto g = guest_index_.find(pg.guest);
      auto h = hosts_.find(pg.host);
      if (g == guest_index_.end() || h == hosts_.end()) continue;
      for (std::uint32_t group : s_.spec(s_.guests[g->second]).groups) {
        std::vector<int> nodes;
        for (int id : pg.nodes) nodes.push_back(id);
        members[group].push_back({pg.guest, &h->second, nodes, pg.at});
      }
    }
    for (std::size_t i = 0; i < s_.groups.size(); ++i) {
      const Group& def = s_.groups[i];
      if (def.policy != GroupPolicy::affinity && def.policy != GroupPolicy::anti_affinity) continue;  // soft: a preference
      const auto& m = members[i];
      const bool node_scope = def.scope == GroupScope::node && s_.policy.numa != NumaMode::none;
      for (std::size_t a = 0; a < m.size(); ++a) {
        for (std::size_t b = a + 1; b < m.size(); ++b) {
          const bool same_host = m[a].host == m[b].host;
          const bool same_zone = m[a].host->zone == m[b].host->zone;
          bool share_node = false;
          for (int x : m[a].nodes) share_node = share_node || std::find(m[b].nodes.begin(), m[b].nodes.end(), x) != m[b].nodes.end();
          const bool together = def.scope == GroupScope::zone ? same_zone : node_scope ? same_host && share_node : same_host;
          if (def.policy == GroupPolicy::anti_affinity && together) {
            violation(m[b].at, m[b].guest + ": anti-affinity " + def.name + " broken: shares its " +
                                   (def.scope == GroupScope::zone ? "zone" : node_scope ? "NUMA node" : "host") + " with " + m[a].guest);
          }
          const bool apart = def.scope == GroupScope::zone ? !same_zone : node_scope ? !(same_host && m[a].nodes == m[b].nodes) : !same_host;
          if (def.policy == GroupPolicy::affinity && apart && a == 0) {
            violation(m[b].at, m[b].guest + ": affinity " + def.name + " broken: not on the " +
                                   (def.scope == GroupScope::zone ? "zone" : node_scope ? "NUMA nodes" : "host") + " of " + m[a].guest);
          }
        }
      }
    }
  }

  const Scenario& s_;
  const PlanDocument& doc_;
  const SourceFiles& sources_;
  std::map<std::string, HostCheck> hosts_;
  std::vector<std::string> order_;
  std::unordered_map<std::string, std::int64_t> zones_;
  std::unordered_map<std::string, std::uint32_t> guest_index_;
  std::unordered_map<std::uint32_t, int> seen_;
  CheckResult result_;
};

}  // namespace

CheckResult check_plan(const Scenario& scenario, const PlanDocument& plan, const SourceFiles& sources) {
  return Checker(scenario, plan, sources).run();
}

}  // namespace kvmplan
