// Placement where it once crashed or answered wrong: no usable host, affinity groups that need a
// host of their own, a bound above the optimum, a node that is all hugepage pool, and reasons
// that name the rule that refused.
#include <doctest/doctest.h>

#include "placement_util.hpp"

using namespace kvmplan;
using kvmplan::test::place_text;

TEST_CASE("no usable host: guests are unplaced with the reason, nothing crashes") {
  // Each of these once died in FitIndex::resume with an empty index.
  struct Row {
    const char* yaml;
    const char* reason;
  };
  const Row rows[] = {
      {"guests: [{name: g, vcpus: 1, memory: 1GiB}]\n", "no hosts: the scenario has none"},
      {"hosts: [{name: p, count: auto, memory: 4GiB, cpus: 2}]\nguests: [{name: g, vcpus: 1, memory: 64GiB}]\n",
       "a new p host: memory ratio 1.5 reached"},
      {"hosts: [{name: p, count: auto, memory: 64GiB, cpus: 2, reserved_cpus: '0-1'}]\nguests: [{name: g, vcpus: 1, memory: 1GiB}]\n",
       "a new p host: no CPU left for shared guests (reserved or dedicated)"},
  };
  for (const Row& row : rows) {
    CAPTURE(row.yaml);
    const auto p = place_text(row.yaml);
    REQUIRE(p.plan.unplaced.size() == 1);
    CHECK(p.plan.unplaced[0].summary == row.reason);
    CHECK(p.plan.hosts_used == 0);
  }
}

TEST_CASE("a hard affinity group goes onto one host in one go, opening one when needed") {
  // Five groups of 3 x 4GiB + 8GiB (20GiB each) on 64GiB pool hosts: (64 - 4) x 1.5 = 90GiB
  // takes four groups; the fifth needs a second host. Member by member, its first guests once
  // anchored it on the full host and the others were left unplaced.
  std::string yaml = "hosts: [{name: p, count: auto, memory: 64GiB, cpus: 32}]\ngroups:\n";
  for (int i = 0; i < 5; ++i) yaml += "  - {name: a" + std::to_string(i) + ", policy: affinity}\n";
  yaml += "guests:\n";
  for (int i = 0; i < 5; ++i) {
    const std::string n = std::to_string(i);
    yaml += "  - {name: s" + n + ", count: 3, vcpus: 1, memory: 4GiB, groups: [a" + n + "]}\n";
    yaml += "  - {name: b" + n + ", vcpus: 1, memory: 8GiB, groups: [a" + n + "]}\n";
  }
  const auto p = place_text(yaml);
  CHECK(p.plan.unplaced.empty());
  CHECK(p.plan.hosts_used == 2);
  for (int i = 0; i < 5; ++i) {
    const std::string n = std::to_string(i);
    CHECK(p.host_of("s" + n + "-1") == p.host_of("b" + n));
    CHECK(p.host_of("s" + n + "-3") == p.host_of("b" + n));
  }
}

TEST_CASE("the lower bound counts large guests per resource") {
  // 176GiB/1 vCPU and 24GiB/40 vCPUs on 256GiB/64-CPU hosts: each is over half of one
  // resource, not of the same one, and they share a host: the bound is 1, not 2.
  const auto p = place_text(R"(
policy: {memory_ratio: 1.0, cpu_ratio: 1.0, host_reserve: 0b, swap_baseline: none}
hosts: [{name: p, count: auto, memory: 256GiB, cpus: 64}]
guests:
  - {name: a, vcpus: 1, memory: 176GiB}
  - {name: b, vcpus: 40, memory: 24GiB}
)");
  CHECK(p.plan.hosts_used == 1);
  CHECK(p.plan.lower_bound_hosts == 1);
  // Two guests over half the memory still need two hosts.
  const auto two = place_text(R"(
policy: {memory_ratio: 1.0, host_reserve: 0b}
hosts: [{name: p, count: auto, memory: 256GiB, cpus: 64}]
guests: [{name: a, count: 2, vcpus: 1, memory: 129GiB}]
)");
  CHECK(two.plan.lower_bound_hosts == 2);
  CHECK(two.plan.hosts_used == 2);
}

TEST_CASE("the lower bound keeps fixed guests on their host, counted at most as that host holds") {
  // The book example without its memory_ratio 2.5: 64 x 1GiB fixed on a host that commits at
  // most 1.5 x 28GiB = 42GiB. The fuzzer found "1 used (lower bound 2)": the bound counted
  // all 64GiB as if they could spread.
  const auto p = place_text(R"(
hosts: [{name: kvm01, memory: 32GiB, cpus: 16}]
guests: [{name: guest, count: 64, vcpus: 1, memory: 1GiB, host: kvm01}]
)", {}, false);
  CHECK(p.plan.hosts_used == 1);
  CHECK(p.plan.lower_bound_hosts == 1);
}

TEST_CASE("a node that is all hugepage pool takes hugepage guests when the host keeps a reserve") {
  // Node 0 is all 1GiB pages: its share of the reserve is 0 (the reserve comes from memory
  // outside the pools), so its 64 pages go to the guest, and check agrees.
  const auto p = place_text(R"(
hosts:
  - name: h
    reserve: 4GiB
    numa:
      - {id: 0, cpus: '0-7', memory: 64GiB, hugepages: {1GiB: 64}}
      - {id: 1, cpus: '8-15', memory: 64GiB}
guests: [{name: db, vcpus: 4, memory: 64GiB, hugepages: 1GiB}]
)");
  CHECK(p.plan.unplaced.empty());
  CHECK(p.node_ids("db") == std::vector<int>{0});
  CHECK(p.check.ok());
}

TEST_CASE("reasons name the rule that refused") {
  // A cell wider than any node's shared CPUs, not a CPU ratio.
  const auto wide = place_text(R"(
policy: {cpu_ratio: 16}
hosts: [{name: h, numa: [{cpus: '0-3', memory: 32GiB}, {cpus: '4-7', memory: 32GiB}]}]
guests: [{name: g, vcpus: 6, memory: 1GiB, numa_nodes: 1}]
)");
  REQUIRE(wide.plan.unplaced.size() == 1);
  CHECK(wide.plan.unplaced[0].summary == "0/1 host fits: 1 a guest cell has more vCPUs than a node has shared CPUs");
  // A locked guest that would push committed memory over the ratio.
  const auto locked = place_text(R"(
policy: {memory_ratio: 1.0}
hosts: [{name: h, memory: 32GiB, cpus: 8}]
guests:
  - {name: s, vcpus: 1, memory: 24GiB, host: h}
  - {name: l, vcpus: 1, memory: 8GiB, locked: true}
)");
  REQUIRE(locked.plan.unplaced.size() == 1);
  CHECK(locked.plan.unplaced[0].summary == "0/1 host fits: 1 locking its 8GiB would leave committed memory above memory ratio 1 x usable");
  // Node-scope anti-affinity names the group at fault, not the first group of the scenario.
  const auto node = place_text(R"(
hosts: [{name: h, numa: [{cpus: '0-3', memory: 32GiB}, {cpus: '4-7', memory: 32GiB}]}]
groups: [{name: first, policy: soft-affinity}, {name: apart, policy: anti-affinity, scope: node}]
guests: [{name: g, count: 3, vcpus: 1, memory: 1GiB, groups: [apart]}]
)");
  REQUIRE(node.plan.unplaced.size() == 1);
  CHECK(node.plan.unplaced[0].summary == "0/1 host fits: 1 anti-affinity apart");
}
