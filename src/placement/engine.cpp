// The placement engine: order, choose, reserve. See docs/placement.md.
#include <algorithm>
#include <limits>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <unordered_map>
#include <unordered_set>

#include "placement/fit_index.hpp"
#include "placement/groups.hpp"
#include "placement/lower_bound.hpp"
#include "placement/host_state.hpp"
#include "kvmplan/placement/placement.hpp"

namespace kvmplan {
namespace placement {
namespace {

constexpr std::int64_t no_need = std::numeric_limits<std::int64_t>::min();

struct GroupState {
  std::unordered_set<std::uint32_t> hosts;
  std::unordered_set<std::int64_t> zones;
  std::unordered_set<std::uint64_t> nodes;  // host << 16 | node
  std::int32_t anchor_host = -1;
  std::int64_t anchor_zone = 0;
  std::vector<int> anchor_nodes;
  // Every host before it holds a member (hosts only ever gain members): an anti-affinity search
  // starts here. Advanced lazily.
  std::size_t first_free = 0;
};

struct GroupCheck {
  Reason reason = Reason::none;
  std::uint32_t group = 0;
  NodeRule rule;
};

bool hard(GroupPolicy p) { return p == GroupPolicy::affinity || p == GroupPolicy::anti_affinity; }
bool affinity(GroupPolicy p) { return p == GroupPolicy::affinity || p == GroupPolicy::soft_affinity; }

std::string reason_text(Reason r, const Host& h, const Scenario& s, std::uint32_t group, const GuestSpec& spec) {
  switch (r) {
    case Reason::vcpu_limit:
      return s.policy.vcpu_limit == VcpuLimit::threads ? "more vCPUs than the host's " + std::to_string(h.cpus.count()) + " threads"
                                                      : "more vCPUs than the host's " + std::to_string(h.core_count()) + " cores";
    case Reason::numa_cells: return "no set of NUMA nodes holds the guest's cells";
    case Reason::memory: return "memory ratio " + to_string(h.memory_ratio) + " reached";
    case Reason::locked_ratio:
      return "locking its " + to_human(spec.memory) + " would leave committed memory above memory ratio " + to_string(h.memory_ratio) +
             " x usable";
    case Reason::resident: return "expected resident memory beyond usable memory";
    case Reason::locked: return "locked memory beyond RAM outside the pools and the reserve";
    case Reason::swap: return "the host's declared swap of " + to_human(h.swap.value_or(Bytes{})) + " would be short";
    case Reason::hugepages: return "not enough free " + to_string(*spec.hugepages) + " pages";
    case Reason::cpu: return "cpu ratio " + to_string(h.cpu_ratio) + " reached";
    case Reason::cell_cpus: return "a guest cell has more vCPUs than a node has shared CPUs";
    case Reason::no_shared_cpus: return "no CPU left for shared guests (reserved or dedicated)";
    case Reason::dedicated: return "not enough free CPUs to pin";
    case Reason::anti_affinity: return "anti-affinity " + s.groups[group].name;
    case Reason::affinity: return "affinity " + s.groups[group].name;
    case Reason::none: break;
  }
  return "fits";
}

// A key that tells hosts of one shape apart: what fit() looks at.
std::string shape_of(const Host& h) {
  std::string k = to_string(h.memory_ratio) + "/" + to_string(h.cpu_ratio) + "/" + std::to_string(h.reserve.value) + "/" +
                  std::to_string(h.core_count()) + "/" + std::to_string(h.cpus.count());
  for (const auto& n : h.nodes) {
    k += "|" + std::to_string(n.memory.value) + ":" + std::to_string((n.cpus - h.reserved_cpus - h.dedicated_cpus).count()) +
         ":" + std::to_string((n.cpus & h.dedicated_cpus).count());
    for (const auto& p : n.hugepages) k += ":" + std::to_string(p.page_size.value) + "x" + std::to_string(p.pages);
  }
  return k;
}

class Engine {
 public:
  // `hosts_expected`: about how many hosts the plan will have (the lower bound serves): the
  // per-host arrays are sized once instead of growing, which a plan of many hosts feels. (Not
  // the index: it is filled as it grows, and a bound that counts guests nothing holds could
  // be far too high.)
  Engine(const Scenario& s, bool spread, PlaceOptions::Order order, std::size_t hosts_expected)
      : s_(s), p_(s.policy), spread_(spread), order_(order) {
    hosts_expected = std::max(hosts_expected, s.hosts.size());
    hosts_.reserve(hosts_expected);
    states_.reserve(hosts_expected);
    pool_of_.reserve(hosts_expected);
    zones_.reserve(hosts_expected);
    full_.reserve(hosts_expected);
    loads_.reserve(hosts_expected);
    for (const auto& spec : s.specs) {
      int image = -1;
      if (!spec.image.empty()) image = image_ids_.emplace(spec.image, static_cast<int>(image_ids_.size())).first->second;
      demands_.push_back(make_demand(p_, spec, image));
      if (demands_.back().image >= 0) {
        max_share_.resize(image_ids_.size());
        max_share_[static_cast<std::size_t>(image)] = std::max(max_share_[static_cast<std::size_t>(image)], demands_.back().shareable.value);
      }
    }
    groups_.resize(s.groups.size());
    for (const auto& pool : s.auto_pools) pool_states_.push_back(make_host_state(pool, p_));
    // Host shapes, for the NUMA cells a guest can get anywhere (see node_share()).
    std::map<std::string, const Host*> shapes;
    for (const auto& h : s.hosts) shapes.emplace(shape_of(h), &h);
    for (const auto& h : s.auto_pools) shapes.emplace(shape_of(h), &h);
    if (shapes.size() <= 64) {
      for (const auto& [key, host] : shapes) shape_states_.push_back(make_host_state(*host, p_));
    }
    for (const auto& h : s.hosts) add_host(h, -1);
  }

  Plan run(const std::vector<int>& preopen) {
    plan_.placements.resize(s_.guests.size());
    for (std::size_t pool = 0; pool < preopen.size(); ++pool) {
      for (int i = 0; i < preopen[pool]; ++i) add_host(s_.auto_pools[pool], static_cast<int>(pool));
    }
    // Guests fixed on a host are not moved; their nodes and CPUs are chosen like anyone's.
    std::vector<std::uint32_t> free_guests;
    for (std::uint32_t g = 0; g < s_.guests.size(); ++g) {
      if (s_.guests[g].host < 0) {
        free_guests.push_back(g);
        continue;
      }
      const auto h = static_cast<std::size_t>(s_.guests[g].host);
      GroupCheck gc = check_groups(g, h, false);
      Fit f = fit(states_[h], demand(g), p_, gc.rule, spread_);
      if (f.reason != Reason::none || gc.reason != Reason::none) {
        f = fit(states_[h], demand(g), p_, {}, spread_, true);
        plan_.placements[g].forced = true;
      }
      commit(g, h, f);
    }
    // Packing bin-centric takes guests of no group host by host, by class (fill_hosts); so
    // does first fit when no guest has a group. The others go one by one, in decreasing order
    // of their largest share of a host (memory, for first fit), affinity units kept together:
    // first fit then interleaves grouped and loose guests by size.
    bool by_class = !spread_ && order_ != PlaceOptions::Order::dominant_share;
    if (order_ == PlaceOptions::Order::memory) {
      by_class = by_class && std::none_of(free_guests.begin(), free_guests.end(), [&](std::uint32_t g) { return !s_.spec(s_.guests[g]).groups.empty(); });
    }
    std::vector<std::uint32_t> loose, grouped;
    for (auto g : free_guests) (by_class && s_.spec(s_.guests[g]).groups.empty() ? loose : grouped).push_back(g);
    auto units = affinity_units(s_, grouped);
    std::vector<double> size(units.size(), 0.0);
    for (std::size_t u = 0; u < units.size(); ++u) {
      for (auto g : units[u]) size[u] += order_ == PlaceOptions::Order::memory ? static_cast<double>(memory_of(g)) : share(g);
    }
    std::vector<std::size_t> order(units.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return size[a] > size[b]; });
    for (std::size_t u : order) place_unit(units[u]);
    if (!loose.empty()) fill_hosts(loose);
    return finish();
  }

 private:
  const Demand& demand(std::uint32_t g) const { return demands_[s_.guests[g].spec]; }
  std::int64_t memory_of(std::uint32_t g) const { return s_.spec(s_.guests[g]).memory.value; }

  std::int64_t zone_of(const Host& h, std::size_t index) {
    if (h.zone.empty()) return -1 - static_cast<std::int64_t>(index);  // no zone: a zone of its own
    return zone_ids_.emplace(h.zone, static_cast<std::int64_t>(zone_ids_.size())).first->second;
  }

  void add_host(const Host& proto, int pool) {
    const Host* before = hosts_.data();
    hosts_.push_back(proto);
    if (hosts_.data() != before) {
      for (std::size_t h = 0; h < states_.size(); ++h) states_[h].host = &hosts_[h];  // the hosts moved
    }
    states_.push_back(make_host_state(hosts_.back(), p_));
    pool_of_.push_back(pool);
    zones_.push_back(zone_of(hosts_.back(), hosts_.size() - 1));
    full_.push_back(keys_of(states_.back(), p_));  // an empty host's budgets
    index_.push(full_.back());
    loads_.push_back(0);
    if (spread_) by_load_.emplace(0, states_.size() - 1);
  }

  // The guest's largest fraction of the biggest host, over the resources it uses.
  double share(std::uint32_t g) {
    if (ref_.empty()) {
      ref_.assign(key_count, 1);
      auto widen = [&](const HostState& st) {
        const Keys k = keys_of(st, p_);
        for (std::size_t i = 0; i < key_count; ++i) ref_[i] = std::max(ref_[i], k[i]);
      };
      for (const auto& st : states_) widen(make_host_state(*st.host, p_));
      for (const auto& st : pool_states_) widen(st);
    }
    const Keys need = needs(g);
    double best = 0;
    for (std::size_t i : {mem_host, cpu_host, ded_host, huge_host, lock_host}) {
      if (need[i] > 0) best = std::max(best, static_cast<double>(need[i]) / static_cast<double>(ref_[i]));
    }
    return best;
  }

  // How much of each key's budget the guest needs at the least, wherever it goes.
  Keys needs(std::uint32_t g) {
    const Demand& d = demand(g);
    const GuestSpec& spec = *d.spec;
    Keys k;
    k.fill(no_need);
    const int cells = most_cells(g);
    auto node_part = [&](std::int64_t total) { return cells == 0 ? no_need : (total + cells - 1) / cells; };
    const bool by_resident = p_.memory_limit == MemoryLimit::resident;
    std::int64_t memory = d.overhead.value;
    if (d.memory == Demand::Memory::shared) memory += by_resident ? d.use.value : spec.memory.value;
    if (by_resident && d.image >= 0) {
      // Joining its image, a guest costs its use less what KSM then saves, which is at most
      // the largest share of that image: the need stays a lower bound.
      memory = std::max(d.overhead.value, memory - max_share_[static_cast<std::size_t>(d.image)]);
    }
    k[mem_host] = memory;
    k[mem_node] = node_part(memory);
    if (d.memory == Demand::Memory::hugepages) {
      const std::int64_t pages = (spec.memory.value + spec.hugepages->value - 1) / spec.hugepages->value;
      k[huge_host] = pages * spec.hugepages->value;
      k[huge_node] = cells == 0 ? no_need : (pages + cells - 1) / cells * spec.hugepages->value;
    } else if (d.memory == Demand::Memory::locked) {
      k[lock_host] = spec.memory.value;
      k[lock_node] = node_part(spec.memory.value);
    }
    if (d.dedicated) {
      k[ded_host] = spec.vcpus;
      k[ded_node] = node_part(spec.vcpus);
    } else {
      k[cpu_host] = spec.vcpus;
      k[cpu_node] = node_part(spec.vcpus);
    }
    return k;
  }

  // The most NUMA cells the guest gets on any host shape (0: host level), so that node needs
  // stay a lower bound: a guest split in k cells needs 1/k of itself on each node.
  int most_cells(std::uint32_t g) {
    if (p_.numa == NumaMode::none) return 0;
    const std::uint32_t spec = s_.guests[g].spec;
    if (auto it = most_cells_.find(spec); it != most_cells_.end()) return it->second;
    int most = 1;
    if (shape_states_.empty()) {
      for (const auto& st : states_) most = std::max<int>(most, static_cast<int>(st.nodes.size()));
      for (const auto& st : pool_states_) most = std::max<int>(most, static_cast<int>(st.nodes.size()));
    } else {
      for (const auto& st : shape_states_) most = std::max(most, cell_count(st, demands_[spec], p_).value_or(1));
    }
    most_cells_.emplace(spec, most);
    return most;
  }

  GroupCheck check_groups(std::uint32_t g, std::size_t h, bool soft_as_hard) const {
    GroupCheck out;
    for (std::uint32_t group : s_.spec(s_.guests[g]).groups) {
      const Group& def = s_.groups[group];
      if (!hard(def.policy) && !soft_as_hard) continue;
      const GroupState& st = groups_[group];
      const bool node_scope = def.scope == GroupScope::node && p_.numa != NumaMode::none;
      auto fail = [&](Reason r) {
        out.reason = r;
        out.group = group;
        return out;
      };
      if (affinity(def.policy)) {
        if (st.anchor_host < 0) continue;
        if (def.scope == GroupScope::zone) {
          if (zones_[h] != st.anchor_zone) return fail(Reason::affinity);
        } else if (static_cast<std::size_t>(st.anchor_host) != h) {
          return fail(Reason::affinity);
        } else if (node_scope) {
          out.rule.required = st.anchor_nodes;
          out.rule.group = group;
        }
      } else if (node_scope) {
        for (std::size_t n = 0; n < states_[h].nodes.size(); ++n) {
          if (st.nodes.count(static_cast<std::uint64_t>(h) << 16 | n)) {
            if (out.rule.banned.empty()) out.rule.group = group;  // the first group that bans a node
            out.rule.banned.resize(states_[h].nodes.size(), 0);
            out.rule.banned[n] = 1;
          }
        }
      } else if (def.scope == GroupScope::zone ? st.zones.count(zones_[h]) > 0 : st.hosts.count(static_cast<std::uint32_t>(h)) > 0) {
        return fail(Reason::anti_affinity);
      }
    }
    return out;
  }

  // `update_index`: false when the caller updates the index itself, once for many guests.
  void commit(std::uint32_t g, std::size_t h, Fit f, bool update_index = true) {
    ++commits_;
    f.pins = choose_pins(states_[h], demand(g), f.nodes);
    reserve(states_[h], demand(g), f, p_);
    if (update_index) index_.update(h, keys_of(states_[h], p_));
    if (spread_) {
      by_load_.erase({loads_[h], h});
      loads_[h] = load(h);
      by_load_.emplace(loads_[h], h);
    }
    Placement& pl = plan_.placements[g];
    pl.host = static_cast<std::int32_t>(h);
    pl.vcpupin = std::move(f.pins);
    for (std::uint32_t group : s_.spec(s_.guests[g]).groups) {
      GroupState& st = groups_[group];
      st.hosts.insert(static_cast<std::uint32_t>(h));
      st.zones.insert(zones_[h]);
      for (int n : f.nodes) st.nodes.insert(static_cast<std::uint64_t>(h) << 16 | static_cast<std::uint64_t>(n));
      if (st.anchor_host < 0) {
        st.anchor_host = static_cast<std::int32_t>(h);
        st.anchor_zone = zones_[h];
        st.anchor_nodes.assign(f.nodes.begin(), f.nodes.end());
      }
    }
    pl.nodes = std::move(f.nodes);
  }

  // A unit of guests linked by affinity. Those that hard affinity at host or node scope ties
  // to one host (a connected component of such groups) go in one go: onto the first host that
  // takes all of them, or a new one, not member by member, which would anchor the group on a
  // host that can take only some. The rest go one by one.
  void place_unit(std::span<const std::uint32_t> unit) {
    if (unit.size() == 1) {
      place_one(unit.front());
      return;
    }
    std::vector<std::uint32_t> root(unit.size());
    for (std::uint32_t i = 0; i < root.size(); ++i) root[i] = i;
    auto find = [&](std::uint32_t i) {
      while (root[i] != i) i = root[i] = root[root[i]];
      return i;
    };
    std::map<std::uint32_t, std::uint32_t> first_member;  // tying group -> the first member seen
    for (std::uint32_t i = 0; i < unit.size(); ++i) {
      for (std::uint32_t group : s_.spec(s_.guests[unit[i]]).groups) {
        const Group& def = s_.groups[group];
        if (def.policy != GroupPolicy::affinity || def.scope == GroupScope::zone) continue;
        auto [it, fresh] = first_member.emplace(group, i);
        if (!fresh) root[find(i)] = find(it->second);
      }
    }
    std::vector<std::vector<std::uint32_t>> components;
    std::map<std::uint32_t, std::size_t> component_of;  // root -> index, in order of first member
    for (std::uint32_t i = 0; i < unit.size(); ++i) {
      auto [it, fresh] = component_of.emplace(find(i), components.size());
      if (fresh) components.emplace_back();
      components[it->second].push_back(unit[i]);
    }
    for (const auto& members : components) {
      if (members.size() == 1 || !place_together(members)) {
        for (auto g : members) {
          if (plan_.placements[g].host < 0) place_one(g);
        }
      }
    }
  }

  // What the members of a component need together of a host's budgets, at the least: the sum
  // of the host keys, the largest of the node keys (each member is on some node).
  Keys needs_together(std::span<const std::uint32_t> members) {
    Keys total;
    total.fill(no_need);
    for (auto g : members) {
      const Keys k = needs(g);
      for (std::size_t i = 0; i < key_count; ++i) {
        if (k[i] == no_need) continue;
        const bool node_key = i == mem_node || i == cpu_node || i == ded_node || i == huge_node || i == lock_node;
        total[i] = total[i] == no_need ? k[i] : node_key ? std::max(total[i], k[i]) : total[i] + k[i];
      }
    }
    return total;
  }

  // Places every member on host h, or none (what was placed is taken back).
  bool try_together(std::span<const std::uint32_t> members, std::size_t h, bool soft_as_hard) {
    std::set<std::uint32_t> touched;
    for (auto g : members) touched.insert(s_.spec(s_.guests[g]).groups.begin(), s_.spec(s_.guests[g]).groups.end());
    const HostState before = states_[h];
    std::vector<std::pair<std::uint32_t, GroupState>> groups_before;
    for (auto group : touched) groups_before.emplace_back(group, groups_[group]);
    std::size_t placed = 0;
    for (auto g : members) {
      const GroupCheck gc = check_groups(g, h, soft_as_hard);
      if (gc.reason != Reason::none) break;
      Fit f = fit(states_[h], demand(g), p_, gc.rule, spread_);
      if (f.reason != Reason::none) break;
      commit(g, h, std::move(f));
      ++placed;
    }
    if (placed == members.size()) return true;
    states_[h] = before;
    for (auto& [group, state] : groups_before) groups_[group] = std::move(state);
    for (std::size_t i = 0; i < placed; ++i) plan_.placements[members[i]] = Placement{};
    index_.update(h, keys_of(states_[h], p_));
    if (spread_) {
      by_load_.erase({loads_[h], h});
      loads_[h] = load(h);
      by_load_.emplace(loads_[h], h);
    }
    return false;
  }

  // The members onto one host: the first existing host (least loaded, for spread) that takes
  // them all, with soft rules kept and then bent; else a new host of the first pool that does.
  bool place_together(std::span<const std::uint32_t> members) {
    const Keys need = needs_together(members);
    for (bool soft_as_hard : {true, false}) {
      if (spread_) {
        std::vector<std::size_t> hosts;  // a copy: trying changes the loads
        for (const auto& [l, h] : by_load_) hosts.push_back(h);
        for (std::size_t h : hosts) {
          if (try_together(members, h, soft_as_hard)) return true;
        }
      } else {
        for (std::size_t from = 0; from < states_.size();) {
          const std::size_t h = index_.find(need, from, [](std::size_t) { return true; });
          if (h == states_.size()) break;
          if (try_together(members, h, soft_as_hard)) return true;
          from = h + 1;
        }
      }
    }
    for (std::size_t pool = 0; pool < pool_states_.size(); ++pool) {
      add_host(s_.auto_pools[pool], static_cast<int>(pool));
      if (try_together(members, states_.size() - 1, false)) return true;
      drop_last_host();
    }
    return false;
  }

  // Takes back the host add_host opened last, while it runs no guest.
  void drop_last_host() {
    const std::size_t h = states_.size() - 1;
    if (spread_) by_load_.erase({loads_[h], h});
    hosts_.pop_back();
    states_.pop_back();
    pool_of_.pop_back();
    zones_.pop_back();
    full_.pop_back();
    loads_.pop_back();
    index_.pop();
  }

  // The host for guest g: the first that fits (pack) or the least loaded (spread); soft group
  // rules are kept when any host allows it.
  bool place_one(std::uint32_t g) {
    for (bool soft_as_hard : {true, false}) {
      if (!soft_as_hard && !has_soft(g)) break;
      if (soft_as_hard && soft_rule_holds_nowhere(g)) continue;
      Fit found;
      auto accept = [&](std::size_t h) {
        const GroupCheck gc = check_groups(g, h, soft_as_hard);
        if (gc.reason != Reason::none) return false;
        Fit f = fit(states_[h], demand(g), p_, gc.rule, spread_);
        if (f.reason != Reason::none) return false;
        found = std::move(f);
        return true;
      };
      std::size_t h = states_.size();
      if (spread_) {
        h = least_loaded(accept);
      } else {
        h = best_of_first(g, accept, first_allowed(g, soft_as_hard));
      }
      // Soft rules choose among hosts that exist; only the hard pass opens a new one.
      if (h == states_.size() && !(soft_as_hard && has_soft(g))) h = open_host(g, soft_as_hard, found);
      if (h < states_.size()) {
        commit(g, h, found);
        return true;
      }
    }
    plan_.unplaced.push_back({g, why_not(g)});
    return false;
  }

  // Packing host by host: hosts in order, each filled until nothing more fits, then the next,
  // opening hosts of a pool as needed. Guests of equal demand form a class. Bin-centric: the
  // guest whose demand best matches what the host has left (the largest dot product of the
  // demand and the free capacity, both as fractions of the empty host), classes in decreasing
  // dominant share breaking ties. First fit: classes in decreasing memory, each guest onto the
  // host when it fits; filling host by host gives each guest the first host that fits, which
  // is plain first-fit decreasing, since a guest that does not fit a host never fits it later.
  //
  // A new host of a pool starts in the same state as the last one, so while the same classes
  // are left it fills the same way: that fill is recorded once (which class, which nodes and
  // CPUs, the state after) and replayed, as long as every class it uses has guests enough.
  // Guests of equal demand: interchangeable, placed from the front.
  struct Class {
    std::vector<std::uint32_t> members;  // in guest order
    std::size_t next = 0;                // the next to place
    Keys need;
    std::size_t left() const { return members.size() - next; }
  };

  // The classes of `guests`, in the order's: decreasing dominant share (bin-centric), or
  // decreasing memory then dominant share (first fit); ties to the class seen first.
  std::vector<Class> classes_of(const std::vector<std::uint32_t>& guests) {
    std::vector<Class> classes;
    // Everything fit() reads of a guest: members of a class are interchangeable.
    std::map<std::tuple<std::int64_t, std::int64_t, std::int64_t, std::int64_t, int, int, int, int, std::int64_t>, std::size_t> by_key;
    for (auto g : guests) {
      const Demand& d = demand(g);
      const GuestSpec& spec = *d.spec;
      const auto key = std::make_tuple(spec.memory.value, d.use.value, d.overhead.value,
                                       spec.hugepages ? spec.hugepages->value : 0, spec.vcpus,
                                       static_cast<int>(d.memory) * 2 + d.dedicated, spec.numa_nodes, d.image, d.shareable.value);
      auto [it, fresh] = by_key.emplace(key, classes.size());
      if (fresh) classes.push_back({{}, 0, needs(g)});
      classes[it->second].members.push_back(g);
    }
    std::vector<std::tuple<double, double, std::uint32_t, std::size_t>> ranked;
    for (std::size_t c = 0; c < classes.size(); ++c) {
      const std::uint32_t g = classes[c].members.front();
      ranked.emplace_back(order_ == PlaceOptions::Order::memory ? -static_cast<double>(memory_of(g)) : 0.0, -share(g), g, c);
    }
    std::sort(ranked.begin(), ranked.end());
    std::vector<Class> sorted;
    for (const auto& r : ranked) sorted.push_back(std::move(classes[std::get<3>(r)]));
    return sorted;
  }

  // The class (a position in `open`) host h takes next, or open.size() when it has room for
  // none. First fit: the first with room, from `cursor` on (the classes before it had no room
  // and never will). Bin-centric: the largest dot product of need and free capacity.
  std::size_t next_class(std::size_t h, const std::vector<Class>& classes, const std::vector<std::size_t>& open, std::size_t& cursor) const {
    const Keys free = keys_of(states_[h], p_);
    auto room = [&](const Keys& need) {
      for (std::size_t k = 0; k < key_count; ++k) {
        if (free[k] < need[k]) return false;
      }
      return true;
    };
    if (order_ == PlaceOptions::Order::memory) {
      while (cursor < open.size() && !room(classes[open[cursor]].need)) ++cursor;
      return cursor;
    }
    std::size_t best = open.size();
    double best_score = -1;
    for (std::size_t i = 0; i < open.size(); ++i) {
      const Keys& need = classes[open[i]].need;
      if (!room(need)) continue;
      double score = 0;
      for (std::size_t k : {mem_host, cpu_host, ded_host, huge_host, lock_host}) {
        if (need[k] > 0 && full_[h][k] > 0) {
          score += static_cast<double>(need[k]) / static_cast<double>(full_[h][k]) * static_cast<double>(free[k]) /
                   static_cast<double>(full_[h][k]);
        }
      }
      // Guests of an image the host already runs first, under memory_limit: resident: KSM
      // merges their shared pages there.
      if (p_.memory_limit == MemoryLimit::resident && states_[h].ksm_host.has(demand(classes[open[i]].members.front()).image)) score += 1e3;
      if (score > best_score) {
        best = i;
        best_score = score;
      }
    }
    return best;
  }

  void fill_hosts(const std::vector<std::uint32_t>& guests) {
    std::vector<Class> classes = classes_of(guests);
    struct Fill {
      int pool = -1;
      std::size_t emptied = 0;                            // classes used up before it began
      std::vector<std::pair<std::size_t, Fit>> picks;     // class, and where its guest went
      std::vector<std::pair<std::size_t, std::size_t>> uses;  // class, guests taken
      HostState after;
    };
    index_.defer();  // filling host by host never searches the index
    std::optional<Fill> last;  // the last fill of a new host, to replay
    std::size_t emptied = 0;   // classes with no guest left
    std::size_t left = guests.size();
    std::vector<std::size_t> open;  // classes that may still fit the current host
    // Hosts in use first (pack fills them before an empty one), then the empty ones, then new.
    std::vector<std::size_t> visit;
    for (std::size_t h = 0; h < states_.size(); ++h) {
      if (states_[h].guests > 0) visit.push_back(h);
    }
    for (std::size_t h = 0; h < states_.size(); ++h) {
      if (states_[h].guests == 0) visit.push_back(h);
    }
    for (std::size_t v = 0; left > 0; ++v) {
      int opened = -1;  // the pool of a host opened for this fill
      std::size_t h = states_.size();
      if (v < visit.size()) {
        h = visit[v];
      } else {
        // A new host: of the first pool whose empty host takes some remaining class.
        for (std::size_t pool = 0; pool < pool_states_.size() && opened < 0; ++pool) {
          for (const Class& c : classes) {
            if (c.left() > 0 && fit(pool_states_[pool], demand(c.members[c.next]), p_, {}, false).reason == Reason::none) {
              add_host(s_.auto_pools[pool], static_cast<int>(pool));
              opened = static_cast<int>(pool);
              break;
            }
          }
        }
        if (opened < 0) break;
        visit.push_back(h);
        if (last && last->pool == opened && last->emptied == emptied &&
            std::all_of(last->uses.begin(), last->uses.end(), [&](const auto& u) { return classes[u.first].left() >= u.second; })) {
          for (const auto& [c, where] : last->picks) {
            const std::uint32_t g = classes[c].members[classes[c].next++];
            Placement& pl = plan_.placements[g];
            pl.host = static_cast<std::int32_t>(h);
            pl.nodes = where.nodes;
            pl.vcpupin = where.pins;
          }
          for (const auto& [c, n] : last->uses) emptied += classes[c].left() == 0;
          left -= last->picks.size();
          const Host* host = states_[h].host;
          states_[h] = last->after;
          states_[h].host = host;
          index_.update(h, keys_of(states_[h], p_));
          continue;
        }
      }
      Fill fill;
      fill.pool = opened;
      fill.emptied = emptied;
      open.clear();
      for (std::size_t c = 0; c < classes.size(); ++c) {
        if (classes[c].left() > 0) open.push_back(c);
      }
      std::size_t cursor = 0;  // first fit: the classes before it no longer fit this host
      while (!open.empty()) {
        const std::size_t best = next_class(h, classes, open, cursor);
        if (best == open.size()) break;  // nothing left that this host has room for
        Class& c = classes[open[best]];
        const std::uint32_t g = c.members[c.next];
        Fit f = fit(states_[h], demand(g), p_, {}, false);
        if (f.reason != Reason::none) {
          open.erase(open.begin() + static_cast<std::ptrdiff_t>(best));  // its nodes are too full here
          continue;
        }
        commit(g, h, f, false);
        if (opened >= 0) fill.picks.emplace_back(open[best], Fit{Reason::none, plan_.placements[g].nodes, plan_.placements[g].vcpupin});
        --left;
        if (++c.next == c.members.size()) {
          ++emptied;
          open.erase(open.begin() + static_cast<std::ptrdiff_t>(best));
        }
      }
      index_.update(h, keys_of(states_[h], p_));
      // A fill that used up a class saw it leave midway: a replay, with guests of it left over,
      // could take more of it. Such fills are not kept.
      if (opened >= 0 && emptied == fill.emptied && !fill.picks.empty()) {
        std::map<std::size_t, std::size_t> uses;
        for (const auto& pick : fill.picks) ++uses[pick.first];
        fill.uses.assign(uses.begin(), uses.end());
        fill.after = states_[h];
        last = std::move(fill);
      }
    }
    index_.resume();
    for (const Class& c : classes) {
      for (std::size_t i = c.next; i < c.members.size(); ++i) plan_.unplaced.push_back({c.members[i], why_not(c.members[i])});
    }
    std::sort(plan_.unplaced.begin(), plan_.unplaced.end(), [](const UnplacedReason& a, const UnplacedReason& b) { return a.guest < b.guest; });
  }

  // The first host an anti-affinity group of g (host scope; soft ones when they count as hard)
  // may allow: every host before it holds a member of one of them. Exact, and what keeps a
  // large group from scanning the hosts it already covers for every new member.
  std::size_t first_allowed(std::uint32_t g, bool soft_as_hard) {
    std::size_t from = 0;
    for (std::uint32_t group : s_.spec(s_.guests[g]).groups) {
      const Group& def = s_.groups[group];
      const bool anti = def.policy == GroupPolicy::anti_affinity || (soft_as_hard && def.policy == GroupPolicy::soft_anti_affinity);
      if (!anti || def.scope != GroupScope::host) continue;
      GroupState& st = groups_[group];
      while (st.first_free < states_.size() && st.hosts.count(static_cast<std::uint32_t>(st.first_free))) ++st.first_free;
      from = std::max(from, st.first_free);
    }
    return from;
  }

  // Pack: of the first few hosts that fit (in host order, through the index), the one the
  // guest fills best: the least normalised free capacity left over all resources (the L2 norm
  // of the residual, after Panigrahy et al., "Heuristics for Vector Bin Packing"). Looking at a
  // few keeps memory-heavy and CPU-heavy guests from stranding each other's resource.
  template <class Accept>
  std::size_t best_of_first(std::uint32_t g, Accept& accept, std::size_t from = 0) {
    const Keys need = needs(g);
    // The first few hosts whose budgets could take the guest, scored from the index's own
    // keys (no fit yet); then full fits in score order: usually the first one holds.
    std::vector<std::pair<double, std::size_t>>& scored = scored_;
    scored.clear();
    index_.find(need, from, [&](std::size_t h) {
      const Keys& free = index_.keys(h);
      double score = 0;
      for (std::size_t k : {mem_host, cpu_host, ded_host, huge_host}) {
        if (full_[h][k] <= 0) continue;
        const double left = static_cast<double>(free[k] - std::max<std::int64_t>(need[k], 0)) / static_cast<double>(full_[h][k]);
        score += left * left;
      }
      // Under memory_limit: resident, a host that already runs the guest's image comes first:
      // there KSM merges what the guest shares (model.md section 3).
      if (p_.memory_limit == MemoryLimit::resident && states_[h].ksm_host.has(demand(g).image)) score -= 1e6;
      scored.emplace_back(score, h);
      return static_cast<int>(scored.size()) >= candidates;
    });
    // Where the candidates end in host order (before sorting them by score).
    const std::size_t after = scored.empty() ? 0 : scored.back().second + 1;
    std::stable_sort(scored.begin(), scored.end());
    for (const auto& [score, h] : scored) {
      if (accept(h)) return h;  // accept keeps the fit in `found`
    }
    // None of them: first fit over the hosts after them, if the index had more to offer.
    return scored.size() < static_cast<std::size_t>(candidates) ? states_.size() : index_.find(need, after, accept);
  }
  static constexpr int candidates = 8;

  // Whether a soft anti-affinity group of g (host scope) has a member on every host already:
  // then no host keeps the rule, and the pass that tries it would visit every host for nothing.
  bool soft_rule_holds_nowhere(std::uint32_t g) const {
    for (std::uint32_t group : s_.spec(s_.guests[g]).groups) {
      const Group& def = s_.groups[group];
      if (def.policy == GroupPolicy::soft_anti_affinity && def.scope == GroupScope::host && groups_[group].hosts.size() >= states_.size()) {
        return true;
      }
    }
    return false;
  }

  bool has_soft(std::uint32_t g) const {
    for (std::uint32_t group : s_.spec(s_.guests[g]).groups) {
      if (!hard(s_.groups[group].policy)) return true;
    }
    return false;
  }

  // Load: the larger of the memory and vCPU budgets used, in millionths of the empty host's.
  std::int64_t load(std::size_t h) const {
    const Keys free = keys_of(states_[h], p_);
    auto used = [&](std::size_t k) {
      return full_[h][k] <= 0 ? std::int64_t{0} : (full_[h][k] - free[k]) * 1'000'000 / full_[h][k];
    };
    return std::max(used(mem_host), used(cpu_host));
  }

  template <class Accept>
  std::size_t least_loaded(Accept& accept) const {
    for (const auto& [l, h] : by_load_) {
      if (accept(h)) return h;
    }
    return states_.size();
  }

  std::size_t open_host(std::uint32_t g, bool soft_as_hard, Fit& found) {
    for (std::size_t pool = 0; pool < pool_states_.size(); ++pool) {
      // A new host holds no group member yet: only an anchored affinity can rule it out.
      bool anchored = false;
      for (std::uint32_t group : s_.spec(s_.guests[g]).groups) {
        const Group& def = s_.groups[group];
        if (affinity(def.policy) && (hard(def.policy) || soft_as_hard) && groups_[group].anchor_host >= 0) {
          const auto zone = zone_ids_.find(s_.auto_pools[pool].zone);
          anchored = anchored || def.scope != GroupScope::zone || zone == zone_ids_.end() ||
                     zone->second != groups_[group].anchor_zone;
        }
      }
      if (anchored) continue;
      Fit f = fit(pool_states_[pool], demand(g), p_, {}, spread_);
      if (f.reason != Reason::none) continue;
      add_host(s_.auto_pools[pool], static_cast<int>(pool));
      found = std::move(f);
      return states_.size() - 1;
    }
    return states_.size();
  }

  // "0/12 hosts fit: 7 memory ratio 1.5 reached, 5 anti-affinity db-ha", then what a new
  // host of each count: auto pool would say.
  // Guests of one spec (groups included) get the same answer while no guest is placed: the
  // answer is kept per spec until the next commit (the unplaced of a full fleet are asked in a
  // row).
  std::string why_not(std::uint32_t g) {
    const std::uint32_t spec_index = s_.guests[g].spec;
    if (auto it = why_cache_.find(spec_index); it != why_cache_.end() && it->second.first == commits_) return it->second.second;
    std::string text = why_not_uncached(g);
    why_cache_[spec_index] = {commits_, text};
    return text;
  }

  std::string why_not_uncached(std::uint32_t g) {
    const GuestSpec& spec = s_.spec(s_.guests[g]);
    std::map<std::string, int> counts;
    auto judge = [&](const HostState& st, const GroupCheck& gc) {
      const Fit f = gc.reason != Reason::none ? Fit{gc.reason, {}, {}, gc.group} : fit(st, demand(g), p_, gc.rule, spread_);
      return reason_text(f.reason, *st.host, s_, f.group, spec);
    };
    // A host whose free budgets (the index's keys) fall short of what the guest needs is
    // refused by the first short key, without a full fit: each such host costs a few compares.
    const Keys need = needs(g);
    const bool by_resident = p_.memory_limit == MemoryLimit::resident;
    auto short_key = [&](std::size_t h) {
      const Keys& k = index_.keys(h);
      for (std::size_t i = 0; i < key_count; ++i) {
        if (k[i] >= need[i]) continue;
        switch (static_cast<Key>(i)) {
          case mem_host: case mem_node: return by_resident ? Reason::resident : Reason::memory;
          case cpu_host: case cpu_node: return Reason::cpu;
          case ded_host: case ded_node: return Reason::dedicated;
          case huge_host: case huge_node: return Reason::hugepages;
          case lock_host: case lock_node: return Reason::locked;
          case key_count: break;
        }
      }
      return Reason::none;
    };
    for (std::size_t h = 0; h < states_.size(); ++h) {
      const GroupCheck gc = check_groups(g, h, false);
      const Reason quick = gc.reason == Reason::none ? short_key(h) : Reason::none;
      ++counts[quick != Reason::none ? reason_text(quick, *states_[h].host, s_, 0, spec) : judge(states_[h], gc)];
    }
    std::vector<std::pair<int, std::string>> sorted;
    for (const auto& [text, n] : counts) sorted.emplace_back(-n, text);
    std::sort(sorted.begin(), sorted.end());
    std::string out;
    if (!states_.empty()) {
      out = "0/" + std::to_string(states_.size()) + (states_.size() == 1 ? " host fits:" : " hosts fit:");
      for (std::size_t i = 0; i < sorted.size(); ++i) out += (i ? ", " : " ") + std::to_string(-sorted[i].first) + " " + sorted[i].second;
    }
    for (std::size_t pool = 0; pool < pool_states_.size(); ++pool) {
      GroupCheck gc;
      for (std::uint32_t group : spec.groups) {
        if (s_.groups[group].policy == GroupPolicy::affinity && groups_[group].anchor_host >= 0) gc = {Reason::affinity, group, {}};
      }
      out += (out.empty() ? "" : "; ") + std::string("a new ") + s_.auto_pools[pool].name + " host: " + judge(pool_states_[pool], gc);
    }
    return out.empty() ? "no hosts: the scenario has none" : out;
  }

  Plan finish() {
    // Hosts opened from a pool are named after it: compute-01 .. compute-12.
    std::vector<int> opened(s_.auto_pools.size(), 0), seen(s_.auto_pools.size(), 0);
    for (int pool : pool_of_) {
      if (pool >= 0) ++opened[static_cast<std::size_t>(pool)];
    }
    for (std::size_t h = 0; h < hosts_.size(); ++h) {
      const int pool = pool_of_[h];
      if (pool < 0) continue;
      const auto p = static_cast<std::size_t>(pool);
      std::string number = std::to_string(++seen[p]);
      const std::size_t width = std::to_string(opened[p]).size();
      hosts_[h].name = s_.auto_pools[p].name + "-" + std::string(width - std::min(width, number.size()), '0') + number;
      hosts_[h].auto_pool = false;
    }
    // The states that point into hosts_ are done with: the plan takes the hosts.
    plan_.hosts = std::move(hosts_);
    plan_.pinned.resize(plan_.hosts.size());
    for (const auto& p : plan_.placements) {
      for (int cpu : p.vcpupin) plan_.pinned[static_cast<std::size_t>(p.host)].insert(cpu);
    }
    for (const auto& st : states_) plan_.hosts_used += st.guests > 0;
    opened_ = opened;
    return std::move(plan_);
  }

 public:
  const std::vector<int>& opened() const { return opened_; }

 private:

  const Scenario& s_;
  const Policy& p_;
  bool spread_;
  PlaceOptions::Order order_;
  std::vector<Host> hosts_;  // HostState points into it: re-pointed when it grows
  std::vector<HostState> states_;
  std::vector<int> pool_of_;
  std::vector<std::int64_t> zones_;
  std::unordered_map<std::string, std::int64_t> zone_ids_;
  std::vector<HostState> pool_states_;
  std::vector<HostState> shape_states_;
  std::unordered_map<std::uint32_t, int> most_cells_;
  std::vector<Demand> demands_;
  std::unordered_map<std::string, int> image_ids_;
  std::vector<std::int64_t> max_share_;  // per image: the most any of its guests shares
  std::vector<GroupState> groups_;
  std::vector<std::int64_t> ref_;
  FitIndex index_;
  std::vector<Keys> full_;  // each host's budgets when empty
  std::vector<std::int64_t> loads_;
  std::set<std::pair<std::int64_t, std::size_t>> by_load_;
  std::vector<int> opened_;  // hosts opened per pool
  std::vector<std::pair<double, std::size_t>> scored_;  // best_of_first's candidates, reused
  std::uint64_t commits_ = 0;  // guests committed so far: what why_not's answers are valid for
  std::unordered_map<std::uint32_t, std::pair<std::uint64_t, std::string>> why_cache_;  // spec -> (commits_, answer)
  Plan plan_;
};

}  // namespace
}  // namespace placement

Plan place(const Scenario& scenario, const PlaceOptions& options) {
  using Order = PlaceOptions::Order;
  const bool spread = scenario.policy.objective == Objective::spread;
  // The bound over all guests, known before placing: what the per-host arrays are sized for,
  // and the plan's bound when every guest is placed.
  const int bound = placement::lower_bound(scenario);
  const std::size_t hosts_expected =
      scenario.hosts.size() + (scenario.auto_pools.empty() ? 0 : static_cast<std::size_t>(bound) + static_cast<std::size_t>(bound) / 32 + 16);
  auto run = [&](Order order) {
    std::vector<int> preopen;
    if (spread && !scenario.auto_pools.empty()) {
      // Spreading over hosts that do not exist yet: as many as packing needs, then even out.
      placement::Engine pack(scenario, false, order, hosts_expected);
      pack.run({});
      preopen = pack.opened();
    }
    placement::Engine engine(scenario, spread, order, hosts_expected);
    return engine.run(preopen);
  };
  Plan plan = run(options.order);
  if (options.portfolio && !spread) {
    // A portfolio: the first-fit-decreasing order too (and bin-centric, when another order was
    // asked for), kept if it places more guests, or as many on fewer hosts. The dominant-share
    // order is not in it: on every benchmark mix it tied or lost to the better of these two.
    for (Order other_order : {Order::bin_centric, Order::memory}) {
      if (other_order == options.order) continue;
      Plan other = run(other_order);
      if (other.unplaced.size() < plan.unplaced.size() ||
          (other.unplaced.size() == plan.unplaced.size() && other.hosts_used < plan.hosts_used)) {
        plan = std::move(other);
      }
    }
  }
  plan.lower_bound_hosts = plan.unplaced.empty() ? bound : placement::lower_bound(scenario, plan);
  return plan;
}

}  // namespace kvmplan
