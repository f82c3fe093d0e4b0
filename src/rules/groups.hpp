#pragma once
// Placement groups: hard affinity and anti-affinity at scope host, zone (hosts without a zone
// are each a zone of their own) or node always hold; soft ones hold when some host allows it.
// The rule keeps, per group, where its members are (GroupState, the group's "load"), answers
// whether a host takes one more member (check), and verifies a plan's members, one breach per
// group and place, not per pair. Its share of the lower bound is the largest set of guests
// anti-affinity keeps apart. Source: Nova server groups.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <unordered_set>
#include <vector>

#include "kvmplan/values/shortfall.hpp"
#include "kvmplan/scenario/scenario.hpp"
#include "kvmplan/values/diagnostics.hpp"

namespace kvmplan::rules {

inline bool hard(GroupPolicy p) { return p == GroupPolicy::affinity || p == GroupPolicy::anti_affinity; }
inline bool is_affinity(GroupPolicy p) { return p == GroupPolicy::affinity || p == GroupPolicy::soft_affinity; }

// Where a group's members are so far.
struct GroupState {
  std::unordered_set<std::uint32_t> hosts;
  std::unordered_set<std::int64_t> zones;
  std::unordered_set<std::uint64_t> nodes;  // host << 16 | node index
  std::int32_t anchor_host = -1;            // the first member's host, zone and nodes
  std::int64_t anchor_zone = 0;
  std::vector<int> anchor_nodes;
  // Every host before it holds a member (hosts only ever gain members): an anti-affinity search
  // starts here. Advanced lazily (first_allowed).
  std::size_t first_free = 0;
};

// Per-node limits a group sets on one host: nodes a guest may not use, or the only ones it may.
struct NodeRule {
  std::vector<char> banned;        // by node index; empty: none banned
  std::vector<int> required;       // exact node set; empty: any
  std::uint32_t group = 0;         // the group that bans or requires them
};

struct GroupCheck {
  std::optional<RuleId> broken;    // affinity or anti_affinity, with the group at fault
  std::uint32_t group = 0;
  NodeRule rule;                   // when it holds: what the nodes of this host must respect
};

// A host, as the groups see it.
struct GroupPlace {
  std::size_t host = 0;
  std::int64_t zone = 0;           // zone id; hosts without a zone have one of their own
  std::size_t nodes = 0;
};

// Guests named for a message: the first eight, then how many more ("a, b and 3 more").
std::string list_guests(const Scenario& s, std::span<const std::uint32_t> guests);

// Whether a guest of `groups` may join `place`, with soft groups counted as hard or not.
GroupCheck check_groups(const Scenario& s, std::span<const GroupState> state, std::span<const std::uint32_t> groups,
                        const GroupPlace& place, bool soft_as_hard);
// Records a member placed on `place`, on node indices `nodes`.
void reserve_groups(std::span<GroupState> state, std::span<const std::uint32_t> groups, const GroupPlace& place,
                    std::span<const int> nodes);
// The first host index an anti-affinity group of these (host scope; soft ones when counted as
// hard) may allow: every host before it holds a member of one of them.
std::size_t first_allowed(const Scenario& s, std::span<GroupState> state, std::span<const std::uint32_t> groups, bool soft_as_hard,
                          std::size_t hosts);
// Whether a soft anti-affinity group (host scope) of these has a member on every host already.
bool soft_rule_holds_nowhere(const Scenario& s, std::span<const GroupState> state, std::span<const std::uint32_t> groups,
                             std::size_t hosts);

// A member of a group as a plan states it, for verification.
struct Member {
  std::uint32_t guest = 0;
  std::size_t host = 0;
  std::int64_t zone = 0;
  NodeList nodes;                  // host node ids
  SourceRef at;
};
struct GroupBreach {
  std::uint32_t group = 0;
  SourceRef at;                    // the first member that breaks it
  std::string message;             // "anti-affinity db-ha broken: db-1, db-2 share host kvm01"
  std::vector<std::uint32_t> guests;
};
// Every hard group's breaches: one per group and shared place (anti-affinity), one per group
// for the members away from the first one's place (affinity). `host_names` names hosts.
std::vector<GroupBreach> verify_groups(const Scenario& s, const std::vector<std::vector<Member>>& members_by_group, const Policy& policy,
                                       const std::vector<std::string>& host_names);

// The largest set of guests (those `placed` marks) that must all be on different hosts: the
// clique number of the conflict graph of hard anti-affinity at host or zone scope. Exact
// (Bron-Kerbosch, Boost.Graph) for up to 2000 members; above, the largest such group.
int anti_affinity_clique(const Scenario& s, const std::vector<char>& placed);

}  // namespace kvmplan::rules
