// Groups (src/rules/groups.hpp): hard affinity and anti-affinity at host, zone and node scope
// always hold; soft ones only when counted as hard; breaches one per group and place.
#include "rules/groups.hpp"

#include "rule_table.hpp"

using namespace kvmplan;
using namespace kvmplan::test;
using namespace kvmplan::rules;

namespace {

// Hosts a and b in zone r1, c in r2 (zones 0, 0, 1), two nodes each; one group of each kind.
Loaded fleet() {
  auto l = load_text(R"(
hosts:
  - {name: a, zone: r1, numa: [{cpus: '0-3', memory: 8GiB}, {cpus: '4-7', memory: 8GiB}]}
  - {name: b, zone: r1, numa: [{cpus: '0-3', memory: 8GiB}, {cpus: '4-7', memory: 8GiB}]}
  - {name: c, zone: r2, numa: [{cpus: '0-3', memory: 8GiB}, {cpus: '4-7', memory: 8GiB}]}
groups:
  - {name: apart, policy: anti-affinity}
  - {name: apart-zones, policy: anti-affinity, scope: zone}
  - {name: apart-nodes, policy: anti-affinity, scope: node}
  - {name: together, policy: affinity}
  - {name: maybe-apart, policy: soft-anti-affinity}
guests: []
)");
  REQUIRE_MESSAGE(l.ok(), errors_of(l));
  return l;
}

GroupPlace at(std::size_t host) { return {host, host == 2 ? 1 : 0, 2}; }

}  // namespace

TEST_CASE("rule groups: whether one more member may join a place") {
  const auto l = fleet();
  const Scenario& s = l.scenario;
  std::vector<GroupState> state(s.groups.size());
  // One member of every group on host a, node 0.
  const std::vector<std::uint32_t> all{0, 1, 2, 3, 4};
  const std::vector<int> node0{0};
  reserve_groups(state, all, at(0), node0);
  struct Row {
    const char* what;
    std::uint32_t group;
    std::size_t host;
    bool soft_as_hard;
    std::optional<RuleId> broken;
  };
  const Row rows[] = {
      {"anti-affinity, same host", 0, 0, false, RuleId::anti_affinity},
      {"anti-affinity, other host", 0, 1, false, std::nullopt},
      {"zone anti-affinity, same zone, other host", 1, 1, false, RuleId::anti_affinity},
      {"zone anti-affinity, other zone", 1, 2, false, std::nullopt},
      {"affinity, same host", 3, 0, false, std::nullopt},
      {"affinity, other host", 3, 1, false, RuleId::affinity},
      {"soft anti-affinity, a preference", 4, 0, false, std::nullopt},
      {"soft anti-affinity counted as hard", 4, 0, true, RuleId::anti_affinity},
      {"node anti-affinity never refuses a host", 2, 0, false, std::nullopt},
  };
  for (const Row& r : rows) {
    INFO(r.what);
    const std::uint32_t groups[] = {r.group};
    const GroupCheck gc = check_groups(s, state, groups, at(r.host), r.soft_as_hard);
    CHECK(gc.broken == r.broken);
    if (gc.broken) CHECK(gc.group == r.group);  // the group at fault, not the first one
  }
  // Node anti-affinity bans node 0 of host a, and names the group that bans it.
  const std::uint32_t nodes_group[] = {2};
  const GroupCheck gc = check_groups(s, state, nodes_group, at(0), false);
  CHECK(gc.rule.banned == std::vector<char>{1, 0});
  CHECK(gc.rule.group == 2);
}

TEST_CASE("rule groups: a broken group is one line, not one per pair") {
  const auto l = load_text(R"(
hosts: [{name: a, memory: 512GiB, cpus: 64}, {name: b, memory: 512GiB, cpus: 64}]
groups: [{name: db, policy: anti-affinity}, {name: web, policy: affinity}]
guests:
  - {name: db, count: 64, vcpus: 1, memory: 1GiB, groups: [db]}
  - {name: web, count: 3, vcpus: 1, memory: 1GiB, groups: [web]}
)");
  REQUIRE_MESSAGE(l.ok(), errors_of(l));
  const Scenario& s = l.scenario;
  // All 64 db members on host a (2016 pairs); web-2 and web-3 on b, away from web-1 on a.
  std::vector<std::vector<Member>> members(2);
  for (std::uint32_t g = 0; g < 64; ++g) members[0].push_back({g, 0, -1, {}, {}});
  members[1] = {{64, 0, -1, {}, {}}, {65, 1, -2, {}, {}}, {66, 1, -2, {}, {}}};
  const auto breaches = verify_groups(s, members, s.policy, {"a", "b"});
  REQUIRE(breaches.size() == 2);
  CHECK(breaches[0].guests.size() == 64);
  CHECK(breaches[0].message == "anti-affinity db broken: db-01, db-02, db-03, db-04, db-05, db-06, db-07, db-08 and 56 more share host a");
  CHECK(breaches[1].guests == std::vector<std::uint32_t>{65, 66});
  CHECK(breaches[1].message == "affinity web broken: web-2, web-3 not on the host of web-1 (a)");
}

TEST_CASE("rule groups: the lower bound's share is the largest set kept apart") {
  // x and y overlap in m: {x-1, x-2, m} and {y-1, m} apart; the largest clique is 3. A node
  // scope group keeps nothing off a host.
  const auto l = load_text(R"(
hosts: [{name: a, memory: 64GiB, cpus: 8}]
groups: [{name: x, policy: anti-affinity}, {name: y, policy: anti-affinity}, {name: n, policy: anti-affinity, scope: node}]
guests:
  - {name: x, count: 2, vcpus: 1, memory: 1GiB, groups: [x]}
  - {name: y, vcpus: 1, memory: 1GiB, groups: [y]}
  - {name: m, vcpus: 1, memory: 1GiB, groups: [x, y]}
  - {name: n, count: 5, vcpus: 1, memory: 1GiB, groups: [n]}
)");
  REQUIRE_MESSAGE(l.ok(), errors_of(l));
  CHECK(anti_affinity_clique(l.scenario, std::vector<char>(l.scenario.guests.size(), 1)) == 3);
  // Only the guests placed count: without m, two x apart.
  std::vector<char> placed(l.scenario.guests.size(), 1);
  placed[3] = 0;
  CHECK(anti_affinity_clique(l.scenario, placed) == 2);
}

TEST_CASE("rule groups: a node an affinity requires and an anti-affinity bans fits no guest of both") {
  // numa strict, one host of two nodes. `pair` (node affinity) is anchored on node 0; `spread`
  // (node anti-affinity) has a member on node 0. A guest of both can go nowhere on this host.
  const auto l = load_text(R"(
hosts: [{name: h, numa: [{cpus: '0-3', memory: 8GiB}, {cpus: '4-7', memory: 8GiB}]}]
groups:
  - {name: pair, policy: affinity, scope: node}
  - {name: spread, policy: anti-affinity, scope: node}
guests: []
)");
  REQUIRE_MESSAGE(l.ok(), errors_of(l));
  const Scenario& s = l.scenario;
  std::vector<GroupState> state(s.groups.size());
  const std::vector<int> node0{0};
  const std::uint32_t pair[] = {0}, spread[] = {1}, both[] = {0, 1};
  reserve_groups(state, pair, {0, 0, 2}, node0);
  reserve_groups(state, spread, {0, 0, 2}, node0);
  const GroupCheck gc = check_groups(s, state, both, {0, 0, 2}, false);
  REQUIRE(gc.broken);
  CHECK(*gc.broken == RuleId::anti_affinity);
  CHECK(gc.group == 1);
  // Either alone holds: the affinity requires node 0, the anti-affinity bans it.
  const GroupCheck only_pair = check_groups(s, state, pair, {0, 0, 2}, false);
  CHECK_FALSE(only_pair.broken);
  CHECK(only_pair.rule.required == std::vector<int>{0});
  const GroupCheck only_spread = check_groups(s, state, spread, {0, 0, 2}, false);
  CHECK_FALSE(only_spread.broken);
  CHECK(only_spread.rule.banned == std::vector<char>{1, 0});
}
