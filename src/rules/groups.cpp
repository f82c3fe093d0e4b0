#include "rules/groups.hpp"

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/bron_kerbosch_all_cliques.hpp>

#include <algorithm>
#include <map>
#include <unordered_map>

namespace kvmplan::rules {
namespace {

std::uint64_t node_key(std::size_t host, std::size_t node) { return static_cast<std::uint64_t>(host) << 16 | node; }

bool node_scoped(const Group& def, const Policy& p) { return def.scope == GroupScope::node && p.numa != NumaMode::none; }

}  // namespace

std::string list_guests(const Scenario& s, std::span<const std::uint32_t> guests) {
  constexpr std::size_t shown = 8;
  std::string out;
  for (std::size_t i = 0; i < std::min(guests.size(), shown); ++i) out += (i ? ", " : "") + s.guests[guests[i]].name;
  if (guests.size() > shown) out += " and " + std::to_string(guests.size() - shown) + " more";
  return out;
}

GroupCheck check_groups(const Scenario& s, std::span<const GroupState> state, std::span<const std::uint32_t> groups,
                        const GroupPlace& place, bool soft_as_hard) {
  GroupCheck out;
  std::optional<std::uint32_t> required_by, banned_by;
  for (std::uint32_t group : groups) {
    const Group& def = s.groups[group];
    if (!hard(def.policy) && !soft_as_hard) continue;
    const GroupState& st = state[group];
    const bool node_scope = node_scoped(def, s.policy);
    auto fail = [&](RuleId r) {
      out.broken = r;
      out.group = group;
      return out;
    };
    if (is_affinity(def.policy)) {
      if (st.anchor_host < 0) continue;
      if (def.scope == GroupScope::zone) {
        if (place.zone != st.anchor_zone) return fail(RuleId::affinity);
      } else if (static_cast<std::size_t>(st.anchor_host) != place.host) {
        return fail(RuleId::affinity);
      } else if (node_scope) {
        // Two node affinities that anchor on different nodes of the host cannot both hold.
        if (required_by && out.rule.required != st.anchor_nodes) return fail(RuleId::affinity);
        out.rule.required = st.anchor_nodes;
        required_by = group;
      }
    } else if (node_scope) {
      for (std::size_t n = 0; n < place.nodes; ++n) {
        if (st.nodes.count(node_key(place.host, n))) {
          if (!banned_by) banned_by = group;  // the first group that bans a node
          out.rule.banned.resize(place.nodes, 0);
          out.rule.banned[n] = 1;
        }
      }
    } else if (def.scope == GroupScope::zone ? st.zones.count(place.zone) > 0 : st.hosts.count(static_cast<std::uint32_t>(place.host)) > 0) {
      return fail(RuleId::anti_affinity);
    }
  }
  // Nodes an affinity requires that an anti-affinity bans: the guest fits no node of this host.
  if (required_by && banned_by) {
    for (int n : out.rule.required) {
      if (static_cast<std::size_t>(n) < out.rule.banned.size() && out.rule.banned[static_cast<std::size_t>(n)]) {
        out.broken = RuleId::anti_affinity;
        out.group = *banned_by;
        return out;
      }
    }
  }
  if (required_by) out.rule.group = *required_by;
  else if (banned_by) out.rule.group = *banned_by;
  return out;
}

void reserve_groups(std::span<GroupState> state, std::span<const std::uint32_t> groups, const GroupPlace& place,
                    std::span<const int> nodes) {
  for (std::uint32_t group : groups) {
    GroupState& st = state[group];
    st.hosts.insert(static_cast<std::uint32_t>(place.host));
    st.zones.insert(place.zone);
    for (int n : nodes) st.nodes.insert(node_key(place.host, static_cast<std::size_t>(n)));
    if (st.anchor_host < 0) {
      st.anchor_host = static_cast<std::int32_t>(place.host);
      st.anchor_zone = place.zone;
      st.anchor_nodes.assign(nodes.begin(), nodes.end());
    }
  }
}

std::size_t first_allowed(const Scenario& s, std::span<GroupState> state, std::span<const std::uint32_t> groups, bool soft_as_hard,
                          std::size_t hosts) {
  std::size_t from = 0;
  for (std::uint32_t group : groups) {
    const Group& def = s.groups[group];
    const bool anti = def.policy == GroupPolicy::anti_affinity || (soft_as_hard && def.policy == GroupPolicy::soft_anti_affinity);
    if (!anti || def.scope != GroupScope::host) continue;
    GroupState& st = state[group];
    while (st.first_free < hosts && st.hosts.count(static_cast<std::uint32_t>(st.first_free))) ++st.first_free;
    from = std::max(from, st.first_free);
  }
  return from;
}

bool soft_rule_holds_nowhere(const Scenario& s, std::span<const GroupState> state, std::span<const std::uint32_t> groups,
                             std::size_t hosts) {
  for (std::uint32_t group : groups) {
    const Group& def = s.groups[group];
    if (def.policy == GroupPolicy::soft_anti_affinity && def.scope == GroupScope::host && state[group].hosts.size() >= hosts) return true;
  }
  return false;
}

std::vector<GroupBreach> verify_groups(const Scenario& s, const std::vector<std::vector<Member>>& members_by_group, const Policy& p,
                                       const std::vector<std::string>& host_names) {
  std::vector<GroupBreach> out;
  for (std::size_t i = 0; i < s.groups.size() && i < members_by_group.size(); ++i) {
    const Group& def = s.groups[i];
    if (!hard(def.policy)) continue;  // soft: a preference
    const auto& m = members_by_group[i];
    if (m.empty()) continue;
    const bool node_scope = node_scoped(def, p);
    const auto group = static_cast<std::uint32_t>(i);
    // The place a member is in, as this group's scope sees it.
    auto where = [&](const Member& x) { return def.scope == GroupScope::zone ? std::to_string(x.zone) : std::to_string(x.host); };
    if (def.policy == GroupPolicy::anti_affinity) {
      // Members sharing a place, one breach per place.
      std::map<std::string, std::vector<const Member*>> by_place;
      for (const Member& x : m) {
        if (node_scope) {
          for (int n : x.nodes) by_place[std::to_string(x.host) + "/" + std::to_string(n)].push_back(&x);
        } else {
          by_place[where(x)].push_back(&x);
        }
      }
      for (const auto& [key, at] : by_place) {
        if (at.size() < 2) continue;
        GroupBreach b{group, at[1]->at, {}, {}};
        for (const Member* x : at) b.guests.push_back(x->guest);
        const Member& first = *at.front();
        std::string place;
        if (def.scope == GroupScope::zone) place = "a zone (with host " + host_names[first.host] + ")";
        else if (node_scope) place = "NUMA node " + key.substr(key.find('/') + 1) + " of host " + host_names[first.host];
        else place = "host " + host_names[first.host];
        b.message = "anti-affinity " + def.name + " broken: " + list_guests(s, b.guests) + " share " + place;
        out.push_back(std::move(b));
      }
    } else {
      // Members away from the first member's place, one breach per group.
      const Member& first = m.front();
      GroupBreach b{group, {}, {}, {}};
      for (std::size_t k = 1; k < m.size(); ++k) {
        const Member& x = m[k];
        const bool apart = def.scope == GroupScope::zone ? x.zone != first.zone
                           : node_scope                  ? !(x.host == first.host && x.nodes == first.nodes)
                                                         : x.host != first.host;
        if (!apart) continue;
        if (b.guests.empty()) b.at = x.at;
        b.guests.push_back(x.guest);
      }
      if (b.guests.empty()) continue;
      const std::string place = def.scope == GroupScope::zone ? "zone" : node_scope ? "NUMA nodes" : "host";
      b.message = "affinity " + def.name + " broken: " + list_guests(s, b.guests) + " not on the " + place + " of " + s.guests[first.guest].name +
                  " (" + host_names[first.host] + ")";
      out.push_back(std::move(b));
    }
  }
  return out;
}

int anti_affinity_clique(const Scenario& s, const std::vector<char>& placed) {
  using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::undirectedS>;
  std::vector<std::vector<std::uint32_t>> by_group(s.groups.size());
  for (std::uint32_t g = 0; g < s.guests.size(); ++g) {
    if (!placed[g]) continue;
    for (std::uint32_t group : s.spec(s.guests[g]).groups) by_group[group].push_back(g);
  }
  std::unordered_map<std::uint32_t, std::size_t> vertex;
  std::vector<std::size_t> conflict_groups;
  std::size_t largest = 0;
  for (std::size_t group = 0; group < s.groups.size(); ++group) {
    const Group& g = s.groups[group];
    if (g.policy != GroupPolicy::anti_affinity || g.scope == GroupScope::node) continue;
    conflict_groups.push_back(group);
    largest = std::max(largest, by_group[group].size());
    for (auto m : by_group[group]) vertex.emplace(m, vertex.size());
  }
  if (largest <= 1) return static_cast<int>(largest);
  if (vertex.size() > 2000 || conflict_groups.size() == 1) return static_cast<int>(largest);
  Graph graph(vertex.size());
  for (auto group : conflict_groups) {
    const auto& m = by_group[group];
    for (std::size_t i = 0; i < m.size(); ++i) {
      for (std::size_t j = i + 1; j < m.size(); ++j) {
        if (!boost::edge(vertex[m[i]], vertex[m[j]], graph).second) boost::add_edge(vertex[m[i]], vertex[m[j]], graph);
      }
    }
  }
  return static_cast<int>(std::max(largest, boost::bron_kerbosch_clique_number(graph)));
}

}  // namespace kvmplan::rules
