#include "placement/units.hpp"

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/connected_components.hpp>

#include <algorithm>
#include <map>
#include <unordered_map>

namespace kvmplan::placement {
namespace {

using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::undirectedS>;

bool is_affinity(GroupPolicy p) { return p == GroupPolicy::affinity || p == GroupPolicy::soft_affinity; }

// Members of each group, among the guests `keep` accepts (by guest index).
template <class Keep>
std::vector<std::vector<std::uint32_t>> members(const Scenario& s, Keep keep) {
  std::vector<std::vector<std::uint32_t>> out(s.groups.size());
  for (std::uint32_t g = 0; g < s.guests.size(); ++g) {
    if (!keep(g)) continue;
    for (std::uint32_t group : s.spec(s.guests[g]).groups) out[group].push_back(g);
  }
  return out;
}

}  // namespace

Units affinity_units(const Scenario& s, const std::vector<std::uint32_t>& guests) {
  std::vector<char> wanted(s.guests.size(), 0);
  for (auto g : guests) wanted[g] = 1;
  const auto by_group = members(s, [&](std::uint32_t g) { return wanted[g] != 0; });

  // Vertices are the guests in some affinity group; the others are units of their own.
  std::unordered_map<std::uint32_t, std::size_t> vertex;
  std::vector<std::uint32_t> guest_of;
  for (std::size_t group = 0; group < s.groups.size(); ++group) {
    if (!is_affinity(s.groups[group].policy)) continue;
    for (auto g : by_group[group]) {
      if (vertex.emplace(g, guest_of.size()).second) guest_of.push_back(g);
    }
  }
  Graph graph(guest_of.size());
  for (std::size_t group = 0; group < s.groups.size(); ++group) {
    if (!is_affinity(s.groups[group].policy)) continue;
    const auto& m = by_group[group];
    for (std::size_t i = 1; i < m.size(); ++i) boost::add_edge(vertex[m[0]], vertex[m[i]], graph);  // a star joins them
  }
  std::vector<std::size_t> component(guest_of.size());
  const std::size_t components = guest_of.empty() ? 0 : boost::connected_components(graph, component.data());

  std::vector<std::vector<std::uint32_t>> linked(components);
  for (std::size_t v = 0; v < guest_of.size(); ++v) linked[component[v]].push_back(guest_of[v]);
  Units units;
  units.guests.reserve(guests.size());
  units.starts.reserve(guests.size() + 1);
  units.starts.push_back(0);
  std::vector<char> done(s.guests.size(), 0);
  for (auto g : guests) {  // in the caller's order of first members
    if (done[g]) continue;
    if (auto it = vertex.find(g); it != vertex.end()) {
      auto& unit = linked[component[it->second]];
      std::sort(unit.begin(), unit.end());
      for (auto m : unit) {
        done[m] = 1;
        units.guests.push_back(m);
      }
    } else {
      done[g] = 1;
      units.guests.push_back(g);
    }
    units.starts.push_back(units.guests.size());
  }
  return units;
}

std::vector<std::vector<std::uint32_t>> tied_components(const Scenario& s, std::span<const std::uint32_t> unit) {
  std::vector<std::uint32_t> root(unit.size());
  for (std::uint32_t i = 0; i < root.size(); ++i) root[i] = i;
  auto find = [&](std::uint32_t i) {
    while (root[i] != i) i = root[i] = root[root[i]];
    return i;
  };
  std::map<std::uint32_t, std::uint32_t> first_member;  // tying group -> the first member seen
  for (std::uint32_t i = 0; i < unit.size(); ++i) {
    for (std::uint32_t group : s.spec(s.guests[unit[i]]).groups) {
      const Group& def = s.groups[group];
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
  return components;
}

}  // namespace kvmplan::placement
