#include "kvmplan/plan/check.hpp"

#include <algorithm>
#include <deque>
#include <limits>
#include <memory>
#include <optional>
#include <string_view>
#include <unordered_map>

#include "kvmplan/model/ksm.hpp"
#include "kvmplan/model/model.hpp"
#include "rules/demand.hpp"
#include "rules/failures.hpp"
#include "rules/fixed_host.hpp"
#include "rules/groups.hpp"
#include "rules/numa_cells.hpp"
#include "rules/registry.hpp"
#include "rules/vcpu_limit.hpp"

namespace kvmplan {
namespace {

using rules::Capacity;
using rules::Load;

// One placement with its names resolved: the guest and host it names, and the placement as the
// document states it (which stays the caller's, so that a million of them are not copied).
struct Resolved {
  std::uint32_t guest = 0;
  std::uint32_t host = 0;
  const PlannedGuest* planned = nullptr;
};

// What a host offers, once per shape (a pool's hosts share it).
struct Offer {
  Capacity host;
  std::vector<Capacity> nodes;
  CpuSet pin_pool;                  // CPUs dedicated guests may use
  std::vector<CpuSet> node_pin_pools;  // the same, per node
};

struct HostCheck {
  const Host* host = nullptr;
  std::shared_ptr<const Offer> offer;
  std::int64_t zone = 0;
  Load load;
  std::vector<Load> nodes;
  std::vector<KsmShare> shares;     // host-level merging, or node-tagged parts
  std::vector<std::vector<KsmShare>> node_shares;
  std::unordered_map<int, std::uint32_t> pinned_by;  // CPU -> guest
  CpuSet pinned;
  CpuSet pinned_twice;                      // CPUs more than one guest pins
  std::vector<std::uint32_t> pinned_twice_by;  // those guests (sorted and made unique at the end)
  std::vector<std::uint32_t> without_cpus;     // shared guests whose cpuset is empty
  int guests = 0;
};

class Checker {
 public:
  Checker(const Scenario& s, const CheckOptions& options) : s_(s), p_(s.policy), options_(options) {
    for (const auto& spec : s.specs) demands_.push_back(rules::make_demand(p_, spec, -1, slots_.get()));
    seen_.assign(s.guests.size(), 0);
  }

  void add_host(const Host& h, std::shared_ptr<const Offer> offer = nullptr) {
    HostCheck hc;
    hc.host = &h;
    hc.offer = offer ? std::move(offer) : offer_of(h);
    hc.nodes.resize(h.nodes.size());
    hc.node_shares.resize(h.nodes.size());
    hc.zone = h.zone.empty() ? -1 - static_cast<std::int64_t>(hosts_.size())
                             : zones_.emplace(h.zone, static_cast<std::int64_t>(zones_.size())).first->second;
    host_index_.emplace(h.name, hosts_.size());
    hosts_.push_back(std::move(hc));
  }

  std::shared_ptr<const Offer> offer_of(const Host& h) const {
    auto o = std::make_shared<Offer>();
    o->host = rules::host_capacity(h, p_);
    o->nodes = rules::node_capacities(h);
    o->pin_pool = h.dedicated_cpus.empty() ? h.cpus - h.reserved_cpus : h.dedicated_cpus;
    for (const auto& node : h.nodes) o->node_pin_pools.push_back(node.cpus & o->pin_pool);
    return o;
  }

  std::optional<std::size_t> host_of(const std::string& name) const {
    const auto it = host_index_.find(name);
    if (it == host_index_.end()) return std::nullopt;
    return it->second;
  }
  // Plans list guests in scenario order: the one after the last found is tried first, and the
  // index of every name is built only when that guess fails.
  std::optional<std::uint32_t> guest_of(const std::string& name) {
    if (next_guest_ < s_.guests.size() && s_.guests[next_guest_].name == name) return next_guest_++;
    if (guest_index_.empty()) {
      guest_index_.reserve(s_.guests.size());
      for (std::uint32_t g = 0; g < s_.guests.size(); ++g) guest_index_.emplace(s_.guests[g].name, g);
    }
    const auto it = guest_index_.find(name);
    if (it == guest_index_.end()) return std::nullopt;
    next_guest_ = it->second + 1;
    return it->second;
  }

  void violation(SourceRef at, std::string code, std::string subject, std::string message, std::vector<std::string> members = {},
                 std::vector<Shortfall> shortfalls = {}) {
    result_.violations.push_back({Severity::violation, at, std::move(subject), std::move(message), std::move(code), std::move(members),
                                  std::move(shortfalls)});
  }

  // Counts a guest seen (placed or listed unplaced); false when it was seen before.
  bool see(std::uint32_t g) { return seen_[g]++ == 0; }

  void placement(const Resolved& r);
  void unplaced(std::uint32_t g) { result_.unplaced.push_back(s_.guests[g].name + ": unplaced"); }
  CheckResult finish();

 private:
  void limits(HostCheck& hc);
  void groups();
  void failures();
  std::string zone_name(std::int64_t zone) const;
  struct FailoverView {
    std::vector<rules::FailoverHost> hosts;
    std::vector<rules::PlacedGuest> placed;
  };
  FailoverView failover_view() const;
  FailureCase named(const rules::Failure& f) const;

 public:
  // Where the guests of the named hosts go now, onto the others (after the placements are in).
  FailureCase drain(const std::vector<std::string>& hosts);

 private:

  const Scenario& s_;
  const Policy& p_;
  CheckOptions options_;
  std::unique_ptr<rules::SlotTable> slots_ = std::make_unique<rules::SlotTable>(s_);  // demands_ point to it
  std::vector<rules::Demand> demands_;
  std::vector<HostCheck> hosts_;
  std::unordered_map<std::string_view, std::size_t> host_index_;
  std::unordered_map<std::string_view, std::uint32_t> guest_index_;
  std::uint32_t next_guest_ = 0;
  std::unordered_map<std::string, std::int64_t> zones_;
  std::vector<char> seen_;
  std::vector<Resolved> placed_;  // for the second pass: cpusets against pins, groups
  CheckResult result_;
};

void Checker::placement(const Resolved& r) {
  const PlannedGuest& pg = *r.planned;
  HostCheck& hc = hosts_[r.host];
  const Host& h = *hc.host;
  const Guest& guest = s_.guests[r.guest];
  const GuestSpec& spec = s_.spec(guest);
  const rules::Demand& d = demands_[guest.spec];
  const std::string& name = guest.name;
  auto bad = [&](const std::string& code, const std::string& m, std::vector<Shortfall> shortfalls = {}) {
    violation(pg.at, code, name, m, {name}, std::move(shortfalls));
  };

  if (!rules::FixedHost::holds(guest, r.host)) bad(std::string(rule_code(rules::FixedHost::id)), rules::FixedHost::violation(s_, guest));
  if (pg.memory_mib && *pg.memory_mib != mib_ceil(spec.memory)) {
    bad("plan", "memory_mib " + std::to_string(*pg.memory_mib) + " is not the guest's " + std::to_string(mib_ceil(spec.memory)));
  }
  if (pg.vcpus && *pg.vcpus != spec.vcpus) bad("plan", "vcpus " + std::to_string(*pg.vcpus) + " is not the guest's " + std::to_string(spec.vcpus));
  if (pg.hugepages != spec.hugepages) bad("plan", "hugepages does not match the guest's backing");
  if (!rules::VcpuLimitRule::holds(h, p_, spec.vcpus)) {
    Shortfall sf = rules::VcpuLimitRule::shortfall(h, p_, spec.vcpus);
    sf.subject = h.name;
    bad(std::string(rule_code(RuleId::vcpu_limit)), rules::VcpuLimitRule::violation(h, p_, spec.vcpus), {sf});
  }

  // Nodes: ids of the host, distinct, as many as the guest's cells.
  std::vector<int> nodes;
  for (int id : pg.nodes) {
    const auto n = std::find_if(h.nodes.begin(), h.nodes.end(), [&](const NumaNode& x) { return x.id == id; });
    if (n == h.nodes.end()) return bad("plan", "node " + std::to_string(id) + " is not a node of " + h.name);
    const int index = static_cast<int>(n - h.nodes.begin());
    if (std::find(nodes.begin(), nodes.end(), index) != nodes.end()) return bad("plan", "node " + std::to_string(id) + " listed twice");
    nodes.push_back(index);
  }
  if (const std::string why = rules::NumaCells::violation(p_, hc.offer->nodes, d, nodes.size()); !why.empty()) {
    bad(std::string(rule_code(RuleId::numa_cells)), why);
  }
  const std::vector<Cell> cells = rules::cells_of(d, static_cast<int>(nodes.size()));
  // One cell within its node (cell_memory, cell_cpus): per guest, on the node's capacity.
  if (p_.numa != NumaMode::none) {
    for (std::size_t c = 0; c < nodes.size(); ++c) {
      const Capacity& cap = hc.offer->nodes[static_cast<std::size_t>(nodes[c])];
      const rules::Add a = rules::cell(d, cells[c]);
      if (!rules::CellMemory::holds(cap, Load{}, a)) {
        Shortfall sf = rules::CellMemory::shortfall(cap, Load{}, a);
        sf.subject = h.name + " " + sf.subject;
        bad(std::string(rule_code(RuleId::cell_memory)),
            "cell " + std::to_string(c) + " of " + to_human(a.cell_memory) + " is larger than node " + std::to_string(cap.node_id) +
                "'s room, " + to_human(Bytes{sf.capacity}),
            {sf});
      }
      if (!rules::CellCpus::holds(cap, Load{}, a)) {
        Shortfall sf = rules::CellCpus::shortfall(cap, Load{}, a);
        sf.subject = h.name + " " + sf.subject;
        bad(std::string(rule_code(RuleId::cell_cpus)),
            "cell " + std::to_string(c) + " of " + std::to_string(a.shared_vcpus) + " vCPUs is wider than node " +
                std::to_string(cap.node_id) + "'s " + std::to_string(cap.shared_cpus) + " shared CPUs",
            {sf});
      }
    }
  }

  // CPUs.
  CpuSet allowed;
  if (nodes.empty()) allowed = h.cpus;
  for (int n : nodes) allowed = allowed | h.nodes[static_cast<std::size_t>(n)].cpus;
  if (d.dedicated) {
    if (!pg.vcpupin || static_cast<int>(pg.vcpupin->size()) != spec.vcpus) {
      bad(std::string(rule_code(RuleId::dedicated)), "a dedicated guest needs a vcpupin entry for each of its " + std::to_string(spec.vcpus) + " vCPUs");
    } else {
      // One line per kind of fault, listing its CPUs; CPUs another guest pins too are the
      // host's line (Checker::finish).
      CpuSet pins, foreign, off_node, twice, shared_with;
      std::size_t vcpu = 0;
      for (std::size_t c = 0; c < cells.size(); ++c) {
        const CpuSet& node_cpus = nodes.empty() ? h.cpus : h.nodes[static_cast<std::size_t>(nodes[c])].cpus;
        for (int i = 0; i < cells[c].vcpus; ++i, ++vcpu) {
          const int cpu = (*pg.vcpupin)[vcpu];
          if (!hc.offer->pin_pool.contains(cpu)) foreign.insert(cpu);
          else if (!node_cpus.contains(cpu)) off_node.insert(cpu);
          if (pins.contains(cpu)) twice.insert(cpu);
          pins.insert(cpu);
          if (auto [other, fresh] = hc.pinned_by.emplace(cpu, r.guest); !fresh && other->second != r.guest) {
            hc.pinned_twice_by.push_back(other->second);
            shared_with.insert(cpu);
          }
          hc.pinned.insert(cpu);
        }
      }
      // emulator_threads isolate: one more CPU of its own, on its first cell's node.
      const std::string code(rule_code(RuleId::dedicated));
      if (d.emulator > 0 && !pg.emulatorpin) {
        bad(code, "emulator_threads isolate: a dedicated guest needs an emulatorpin, a CPU of its own for QEMU's emulator threads" +
                      (nodes.empty() ? std::string() : " on node " + std::to_string(h.nodes[static_cast<std::size_t>(nodes.front())].id)));
      } else if (d.emulator > 0) {
        const int cpu = *pg.emulatorpin;
        const CpuSet& node_cpus = nodes.empty() ? h.cpus : h.nodes[static_cast<std::size_t>(nodes.front())].cpus;
        if (!hc.offer->pin_pool.contains(cpu)) foreign.insert(cpu);
        else if (!node_cpus.contains(cpu)) bad(code, "emulatorpin " + std::to_string(cpu) + " is not on its first cell's node");
        if (pins.contains(cpu)) bad(code, "emulatorpin " + std::to_string(cpu) + " is also one of its vCPUs' CPUs");
        if (auto [other, fresh] = hc.pinned_by.emplace(cpu, r.guest); !fresh && other->second != r.guest) {
          hc.pinned_twice_by.push_back(other->second);
          shared_with.insert(cpu);
        }
        hc.pinned.insert(cpu);
      }
      if (!foreign.empty()) bad(code, "pinned to CPUs " + to_string(foreign) + ", which dedicated guests may not use on " + h.name);
      if (!off_node.empty()) bad(code, "pinned to CPUs " + to_string(off_node) + ", outside its cells' nodes");
      if (!twice.empty()) bad(code, "pins CPUs " + to_string(twice) + " to more than one of its vCPUs");
      if (!shared_with.empty()) {
        hc.pinned_twice = hc.pinned_twice | shared_with;
        hc.pinned_twice_by.push_back(r.guest);
      }
      if (!(pins == pg.cpuset)) bad("plan", "cpuset \"" + to_string(pg.cpuset) + "\" is not its pinned CPUs \"" + to_string(pins) + "\"");
    }
  } else {
    if (pg.vcpupin) bad("plan", "vcpupin given for a shared guest");
  }
  if (pg.emulatorpin && d.emulator == 0) {
    bad("plan", d.dedicated ? "emulatorpin given, but its emulator threads are not isolated (emulator_threads: share)"
                            : "emulatorpin given for a shared guest");
  }
  if (!d.dedicated) {
    const CpuSet usable = allowed - h.reserved_cpus - h.dedicated_cpus;
    if (pg.cpuset.empty()) hc.without_cpus.push_back(r.guest);
    if (!pg.cpuset.subset_of(usable)) bad("plan", "cpuset has CPUs " + to_string(pg.cpuset - usable) + " that are reserved, dedicated or off its nodes");
  }

  // What it takes of the host and its nodes (the host too when bound to none).
  ++hc.guests;
  hc.load.add(rules::whole(d));
  const bool merges = p_.ksm.enabled && !spec.image.empty() && d.memory == rules::Demand::Memory::shared;
  // What KSM can count on merging: its share of what it holds in its valley slot (as placement,
  // the bound and the model count it; d.use is the peak's).
  const Bytes share = min(spec.ksm_shareable, d.use_low);
  if (merges && (p_.ksm.merge_across_nodes || nodes.empty())) {
    hc.shares.push_back({spec.image, -1, share, p_.ksm.merge_across_nodes ? 1 : static_cast<int>(hc.host->nodes.size())});
  }
  for (std::size_t c = 0; c < nodes.size(); ++c) {
    const auto n = static_cast<std::size_t>(nodes[c]);
    hc.nodes[n].add(rules::cell(d, cells[c]));
    const Bytes part = cell_part_down(share, cells[c], spec);
    if (merges) hc.node_shares[n].push_back({spec.image, -1, part});
    if (merges && !p_.ksm.merge_across_nodes) hc.shares.push_back({spec.image, nodes[c], part});
  }
  if (nodes.empty() && d.memory == rules::Demand::Memory::hugepages) {
    // Host level: pages come from the nodes' pools in node order, as the engine takes them.
    std::int64_t pages = d.pages();
    for (std::size_t n = 0; n < hc.nodes.size() && pages > 0; ++n) {
      const std::int64_t take = std::min(pages, hc.offer->nodes[n].pool_pages(*spec.hugepages) - hc.nodes[n].pages_of(*spec.hugepages));
      if (take <= 0) continue;
      rules::Add part;
      part.page_size = *spec.hugepages;
      part.pages = take;
      hc.nodes[n].add(part);
      pages -= take;
    }
  }
  if (nodes.empty() && d.dedicated && pg.vcpupin) {
    // Host level: each pin counts on the node that holds its CPU.
    Placement::Pins held = *pg.vcpupin;
    if (d.emulator > 0 && pg.emulatorpin) held.push_back(*pg.emulatorpin);
    for (int cpu : held) {
      for (std::size_t n = 0; n < h.nodes.size(); ++n) {
        if (h.nodes[n].cpus.contains(cpu)) ++hc.nodes[n].pinned;
      }
    }
  }
  placed_.push_back(r);
}

void Checker::limits(HostCheck& hc) {
  const Host& h = *hc.host;
  // KSM savings (model.md section 3): on the host per image (per node when pages stay in their
  // node), on a node its own merging only; none where ksmtuned would not run KSM.
  const Capacity& cap = hc.offer->host;
  if (p_.ksm.enabled && ksmtuned_runs(cap.ram, hc.load.resident + hc.load.locked, cap.pools, cap.reserve)) {
    hc.load.ksm_savings = ksm_savings(hc.shares);
    for (std::size_t i = 0; i < hc.nodes.size(); ++i) hc.nodes[i].ksm_savings = ksm_savings(hc.node_shares[i]);
  }
  // The nodes' guest swap: what each commits beyond its usable memory (numa strict or preferred).
  if (p_.numa != NumaMode::none) {
    for (std::size_t i = 0; i < hc.nodes.size(); ++i) {
      hc.load.node_swap += max(Bytes{}, hc.nodes[i].committed - hc.nodes[i].usable(hc.offer->nodes[i]));
    }
  }
  auto verify = [&](const std::string& where, const Capacity& cap, const Load& load) {
    rules::for_each_place_rule([&](auto rule) {
      using R = decltype(rule);
      if (!R::applies(p_, cap.scope) || R::holds(cap, load, {})) return;
      const std::string message = R::violation(cap, load);
      if (message.empty()) return;  // a rule checked per guest (cell rules)
      Shortfall sf = R::shortfall(cap, load, {});
      sf.subject = where;
      violation({}, std::string(rule_code(R::id)), where, message, {}, {sf});
    });
  };
  if (!hc.pinned_twice.empty()) {
    auto& by = hc.pinned_twice_by;
    std::sort(by.begin(), by.end());
    by.erase(std::unique(by.begin(), by.end()), by.end());
    std::vector<std::string> names;
    for (auto g : by) names.push_back(s_.guests[g].name);
    violation({}, std::string(rule_code(RuleId::dedicated)), h.name,
              "CPUs " + to_string(hc.pinned_twice) + " pinned by more than one guest: " + rules::list_guests(s_, by), std::move(names));
  }
  if (!hc.without_cpus.empty()) {
    std::vector<std::string> names;
    for (auto g : hc.without_cpus) names.push_back(s_.guests[g].name);
    violation({}, std::string(rule_code(RuleId::cpu_ratio)), h.name,
              "no CPU left for shared guests " + rules::list_guests(s_, hc.without_cpus) + " (empty cpuset)", std::move(names));
  }
  verify(h.name, hc.offer->host, hc.load);
  for (std::size_t i = 0; i < hc.nodes.size(); ++i) verify(h.name + " node " + std::to_string(h.nodes[i].id), hc.offer->nodes[i], hc.nodes[i]);
  HostTally tally{h.name, hc.load.committed, hc.load.locked, hc.load.resident - hc.load.ksm_savings, hc.load.shared_vcpus, hc.load.pinned,
                  hc.guests, {}};
  for (std::size_t i = 0; i < hc.nodes.size(); ++i) {
    const Load& n = hc.nodes[i];
    tally.nodes.push_back({h.nodes[i].id, n.committed, n.locked, n.usable(hc.offer->nodes[i]), n.resident - n.ksm_savings, n.shared_vcpus, n.pinned});
  }
  result_.tallies.push_back(std::move(tally));
}

void Checker::groups() {
  std::vector<std::vector<rules::Member>> members(s_.groups.size());
  std::vector<std::string> host_names;
  for (const auto& hc : hosts_) host_names.push_back(hc.host->name);
  for (const Resolved& r : placed_) {
    for (std::uint32_t group : s_.spec(s_.guests[r.guest]).groups) {
      members[group].push_back({r.guest, r.host, hosts_[r.host].zone, r.planned->nodes, r.planned->at});
    }
  }
  for (const auto& b : rules::verify_groups(s_, members, p_, host_names)) {
    const Group& def = s_.groups[b.group];
    std::vector<std::string> names;
    for (auto g : b.guests) names.push_back(s_.guests[g].name);
    const RuleId rule = def.policy == GroupPolicy::anti_affinity ? RuleId::anti_affinity : RuleId::affinity;
    violation(b.at, std::string(rule_code(rule)), "group " + def.name, b.message, std::move(names),
              {Shortfall{rule, "group " + def.name, static_cast<std::int64_t>(b.guests.size()), 0, 0, Unit::guests}});
  }
}

CheckResult Checker::finish() {
  for (std::uint32_t g = 0; g < s_.guests.size(); ++g) {
    if (!seen_[g]) violation({}, "plan", s_.guests[g].name, "missing from the plan", {s_.guests[g].name});
  }
  for (auto& hc : hosts_) limits(hc);
  // Shared guests' CPUs against the pins, now that every pin is known.
  for (const Resolved& r : placed_) {
    const HostCheck& hc = hosts_[r.host];
    const PlannedGuest& pg = *r.planned;
    if (demands_[s_.guests[r.guest].spec].dedicated || hc.pinned.empty() || !pg.cpuset.intersects(hc.pinned)) continue;
    violation(pg.at, "plan", s_.guests[r.guest].name, "cpuset includes CPUs " + to_string(pg.cpuset & hc.pinned) + " that dedicated guests hold",
              {s_.guests[r.guest].name});
  }
  groups();
  failures();
  return std::move(result_);
}

std::string Checker::zone_name(std::int64_t zone) const {
  for (const auto& [name, id] : zones_) {
    if (id == zone) return name;
  }
  return "host " + hosts_[static_cast<std::size_t>(-1 - zone)].host->name;  // a host without a zone is its own
}

Checker::FailoverView Checker::failover_view() const {
  FailoverView view;
  std::vector<rules::FailoverHost>& hosts = view.hosts;
  hosts.reserve(hosts_.size());
  for (const HostCheck& hc : hosts_) {
    hosts.push_back({hc.host, &hc.offer->host, &hc.offer->nodes, &hc.offer->node_pin_pools, hc.load, hc.nodes, hc.pinned, hc.zone,
                     static_cast<std::size_t>(hc.guests)});
  }
  std::vector<rules::PlacedGuest>& placed = view.placed;
  placed.reserve(placed_.size());
  for (const Resolved& r : placed_) {
    const Host& h = *hosts_[r.host].host;
    rules::PlacedGuest g{r.guest, r.host, {}};
    for (int id : r.planned->nodes) {
      for (std::size_t n = 0; n < h.nodes.size(); ++n) {
        if (h.nodes[n].id == id) g.nodes.push_back(static_cast<int>(n));
      }
    }
    placed.push_back(std::move(g));
  }
  return view;
}

FailureCase Checker::named(const rules::Failure& f) const {
  FailureCase c;
  for (auto h : f.hosts) c.hosts.push_back(hosts_[h].host->name);
  for (auto z : f.zones) c.zones.push_back(zone_name(z));
  for (auto g : f.stranded) c.stranded.push_back(s_.guests[g].name);
  c.reason = f.reason;
  if (f.tightest_host >= 0) c.tightest_host = hosts_[static_cast<std::size_t>(f.tightest_host)].host->name;
  c.tightest_free = Bytes{f.tightest_free};
  for (const auto& r : f.restarts) {
    const Host& h = *hosts_[r.host].host;
    FailoverRestart fr{s_.guests[r.guest].name, hosts_[r.from].host->name, h.name, {}, {r.pins.begin(), r.pins.end()}};
    for (int n : r.nodes) fr.nodes.push_back(h.nodes[static_cast<std::size_t>(n)].id);
    c.restarts.push_back(std::move(fr));
  }
  return c;
}

FailureCase Checker::drain(const std::vector<std::string>& names) {
  for (auto& hc : hosts_) limits(hc);
  FailoverView view = failover_view();
  std::vector<std::uint32_t> failed;
  for (const auto& name : names) failed.push_back(static_cast<std::uint32_t>(*host_of(name)));
  std::sort(failed.begin(), failed.end());  // a host named twice drains once
  failed.erase(std::unique(failed.begin(), failed.end()), failed.end());
  return named(rules::evacuate(s_, view.hosts, view.placed, demands_, failed));
}

// The failure rule (src/rules/failures.hpp) on check's own tallies.
void Checker::failures() {
  if (options_.skip_failures || (p_.ha.host_failures == 0 && p_.ha.zone_failures == 0 && !options_.evacuations)) return;
  FailoverView view = failover_view();
  const rules::FailureVerdict v = rules::check_failures(s_, view.hosts, view.placed, demands_, options_.evacuations,
                                                        options_.first_broken_failure ? 1 : rules::FailureVerdict::max_broken);
  FailureReport report;
  report.host_failures = v.host_failures;
  report.zone_failures = v.zone_failures;
  report.survives = v.survives;
  report.method = v.method == rules::FailureMethod::exact ? "exact" : "sufficient";
  report.simulated = v.simulated;
  for (const HostCheck& hc : hosts_) report.spare_hosts += hc.guests == 0;
  report.unproven = v.unproven;
  for (const auto& f : v.broken) report.broken.push_back(named(f));
  if (v.worst) report.worst = named(*v.worst);
  for (const auto& f : v.evacuations) report.evacuations.push_back(named(f));

  // One violation per failure that strands guests (the first ten), naming them.
  constexpr std::size_t shown = 10;
  for (std::size_t i = 0; i < v.broken.size() && i < shown; ++i) {
    const rules::Failure& f = v.broken[i];
    const FailureCase& c = report.broken[i];
    const bool zone = !f.zones.empty();
    std::string what;
    for (std::size_t j = 0; j < (zone ? c.zones.size() : c.hosts.size()); ++j) what += (j ? ", " : "") + (zone ? c.zones[j] : c.hosts[j]);
    const std::string subject = (zone ? (c.zones.size() == 1 ? "zone " : "zones ") : (c.hosts.size() == 1 ? "host " : "hosts ")) + what;
    const RuleId rule = zone ? RuleId::zone_failures : RuleId::host_failures;
    violation({}, std::string(rule_code(rule)), subject,
              "if " + what + (c.hosts.size() == 1 && !zone ? " fails, " : " fail, ") + rules::list_guests(s_, f.stranded) + " restart nowhere (" +
                  c.stranded.front() + ": " + c.reason + ")",
              c.stranded, {Shortfall{rule, subject, static_cast<std::int64_t>(c.stranded.size()), 0, 0, Unit::guests}});
  }
  if (v.broken.size() > shown) {
    const RuleId rule = v.broken[shown].zones.empty() ? RuleId::host_failures : RuleId::zone_failures;
    violation({}, std::string(rule_code(rule)), "failures", "and " + std::to_string(v.broken.size() - shown) + (v.broken.size() == rules::FailureVerdict::max_broken ? " or more" : "") +
                                                   " more failures that strand guests");
  }
  if (!v.unproven.empty()) {
    const RuleId rule = v.unproven_zones ? RuleId::zone_failures : RuleId::host_failures;
    const std::string what = v.unproven_zones ? std::to_string(p_.ha.zone_failures) + " zones" : std::to_string(p_.ha.host_failures) + " hosts";
    violation({}, std::string(rule_code(rule)), "failures",
              "too many failures to simulate, and the plan keeps too few spare hosts to prove it survives any " + what + ": " + v.unproven);
  }
  result_.failures = std::move(report);
}

// The document into the checker: its hosts (pool hosts as copies of their pool, kept in
// `opened`), its placements and its unplaced guests.
void read_document(Checker& checker, const Scenario& s, const PlanDocument& doc, std::deque<Host>& opened) {
  for (const auto& h : s.hosts) checker.add_host(h);
  // Hosts of count: auto pools, as the plan names them: copies of their pool.
  std::vector<std::shared_ptr<const Offer>> pool_offers(s.auto_pools.size());
  std::vector<std::size_t> nth(s.auto_pools.size(), 0);
  for (const PlannedHost& ph : doc.hosts) {
    if (ph.pool.empty() || checker.host_of(ph.name)) continue;
    const auto pool = std::find_if(s.auto_pools.begin(), s.auto_pools.end(), [&](const Host& h) { return h.name == ph.pool; });
    if (pool == s.auto_pools.end()) {
      checker.violation(ph.at, "plan", ph.name, "pool \"" + ph.pool + "\" is no count: auto host of the scenario");
      continue;
    }
    auto host = pool_host(*pool, ph, nth[static_cast<std::size_t>(pool - s.auto_pools.begin())]++);
    if (!host) {
      checker.violation(ph.at, "plan", ph.name, "zone \"" + ph.zone + "\" is not a zone of pool " + pool->name);
      continue;
    }
    opened.push_back(std::move(*host));
    auto& offer = pool_offers[static_cast<std::size_t>(pool - s.auto_pools.begin())];
    if (!offer) offer = checker.offer_of(*pool);
    checker.add_host(opened.back(), offer);
  }
  for (const PlannedGuest& pg : doc.placements) {
    const auto g = checker.guest_of(pg.guest);
    if (!g) {
      checker.violation(pg.at, "plan", pg.guest, "the scenario has no such guest", {pg.guest});
      continue;
    }
    if (!checker.see(*g)) {
      checker.violation(pg.at, "plan", pg.guest, "placed twice", {pg.guest});
      continue;
    }
    const auto h = checker.host_of(pg.host);
    if (!h) {
      checker.violation(pg.at, "plan", pg.guest, "host \"" + pg.host + "\" is no host of the scenario or the plan", {pg.guest});
      continue;
    }
    checker.placement({*g, static_cast<std::uint32_t>(*h), &pg});
  }
  for (const auto& [name, at] : doc.unplaced) {
    const auto g = checker.guest_of(name);
    if (!g) checker.violation(at, "plan", name, "unplaced, but the scenario has no such guest", {name});
    else if (!checker.see(*g)) checker.violation(at, "plan", name, "both placed and unplaced, or unplaced twice", {name});
    else checker.unplaced(*g);
  }
}

}  // namespace

CheckResult check_plan(const Scenario& s, const PlanDocument& doc, const SourceFiles& sources, const CheckOptions& options) {
  Checker checker(s, options);
  std::deque<Host> opened;
  read_document(checker, s, doc, opened);
  CheckResult result = checker.finish();
  // Violations of the plan as a whole are the document's: they carry its file.
  const auto plan_file = static_cast<std::uint32_t>(sources.files.empty() ? 0 : sources.files.size() - 1);
  for (auto& v : result.violations) {
    if (v.at.line == 0) v.at.file = plan_file;
  }
  return result;
}

std::optional<FailureCase> drain_plan(const Scenario& s, const PlanDocument& doc, const std::vector<std::string>& hosts) {
  Checker checker(s, {});
  std::deque<Host> opened;
  read_document(checker, s, doc, opened);
  for (const auto& name : hosts) {
    if (!checker.host_of(name)) return std::nullopt;
  }
  return checker.drain(hosts);
}

CheckResult check_plan(const Scenario& s, const Plan& plan, const CheckOptions& options) {
  Checker checker(s, options);
  for (const auto& h : plan.hosts) checker.add_host(h);
  // The placements as a document would state them (node ids, pins, cpusets), kept while the
  // checker looks at them.
  std::vector<PlannedGuest> planned;
  planned.reserve(plan.placements.size());
  std::vector<std::uint32_t> guests;
  for (std::uint32_t g = 0; g < plan.placements.size(); ++g) {
    const Placement& p = plan.placements[g];
    if (p.host < 0) continue;
    const Host& host = plan.hosts[static_cast<std::size_t>(p.host)];
    PlannedGuest pg;
    for (int n : p.nodes) pg.nodes.push_back(host.nodes[static_cast<std::size_t>(n)].id);
    const int vcpus = s.spec(s.guests[g]).vcpus;
    if (!p.vcpupin.empty()) pg.vcpupin = Placement::Pins(p.vcpupin.begin(), p.vcpupin.begin() + std::min<std::ptrdiff_t>(vcpus, static_cast<std::ptrdiff_t>(p.vcpupin.size())));
    if (const int emulator = plan.emulator_cpu(g, vcpus); emulator >= 0) pg.emulatorpin = emulator;
    pg.cpuset = plan.cpuset(g, vcpus);
    pg.hugepages = s.spec(s.guests[g]).hugepages;
    planned.push_back(std::move(pg));
    guests.push_back(g);
  }
  for (std::size_t i = 0; i < planned.size(); ++i) {
    checker.see(guests[i]);
    checker.placement({guests[i], static_cast<std::uint32_t>(plan.placements[guests[i]].host), &planned[i]});
  }
  for (const auto& u : plan.unplaced) {
    if (checker.see(u.guest)) checker.unplaced(u.guest);
  }
  CheckResult result = checker.finish();
  for (auto& v : result.violations) v.at.file = std::numeric_limits<std::uint32_t>::max();  // no file
  return result;
}

}  // namespace kvmplan
