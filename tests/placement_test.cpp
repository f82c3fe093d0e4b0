// Placement rules, one case each, with the arithmetic in comments. Every plan also passes
// `check` (placement_util.hpp), the independent oracle.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>

#include "kvmplan/report/size_report.hpp"
#include "placement_util.hpp"

using namespace kvmplan;
using kvmplan::test::place_text;

TEST_CASE("interleaved CPU numbering: even ids on node 0, odd on node 1") {
  // Node 0: 16GiB, usable 16 - 2 (half the 4GiB reserve) = 14GiB x 1.0 = 14GiB: three 4GiB
  // guests fit node 0 (12GiB), the fourth goes to node 1.
  const auto p = place_text(R"(
policy: {memory_ratio: 1.0}
hosts:
  - name: h
    threads_per_core: 2
    numa:
      - {id: 0, cpus: "0,2,4,6,8,10,12,14", memory: 16GiB}
      - {id: 1, cpus: "1,3,5,7,9,11,13,15", memory: 16GiB}
guests: [{name: g, count: 4, vcpus: 2, memory: 4GiB}]
)");
  CHECK(p.node_ids("g-1") == std::vector<int>{0});
  CHECK(p.cpuset("g-1") == "0,2,4,6,8,10,12,14");
  CHECK(p.node_ids("g-3") == std::vector<int>{0});
  CHECK(p.node_ids("g-4") == std::vector<int>{1});
  CHECK(p.cpuset("g-4") == "1,3,5,7,9,11,13,15");
}

TEST_CASE("0-5,12-17 / 6-11,18-23 numbering (oVirt multiqemu) with reserved CPUs") {
  const auto p = place_text(R"(
hosts:
  - name: h
    threads_per_core: 2
    reserved_cpus: "0,12"
    numa:
      - {id: 0, cpus: "0-5,12-17", memory: 32GiB}
      - {id: 1, cpus: "6-11,18-23", memory: 32GiB}
    distances: [[10, 21], [21, 10]]
guests: [{name: g, count: 2, vcpus: 4, memory: 4GiB}]
)");
  CHECK(p.cpuset("g-1") == "1-5,13-17");  // node 0 without the reserved core 0,12
  CHECK(p.cpuset("g-1").find("12") == std::string::npos);
}

TEST_CASE("sparse node ids: the plan names nodes by id, not position") {
  // POWER8 S822L: nodes 0, 1, 16, 17. The first three fill up (memory ratio 1.0, 8GiB nodes
  // with 1GiB of reserve each: 7GiB usable, one 6GiB guest each); the fourth guest is on 17.
  const auto p = place_text(R"(
policy: {memory_ratio: 1.0}
hosts:
  - name: p8
    memory: 32GiB
    numa:
      - {id: 0, cpus: "0-7"}
      - {id: 1, cpus: "8-15"}
      - {id: 16, cpus: "16-23"}
      - {id: 17, cpus: "24-31"}
    distances: [[10, 20, 40, 40], [20, 10, 40, 40], [40, 40, 10, 20], [40, 40, 20, 10]]
guests: [{name: g, count: 4, vcpus: 2, memory: 6GiB}]
)");
  CHECK(p.node_ids("g-1") == std::vector<int>{0});
  CHECK(p.node_ids("g-3") == std::vector<int>{16});
  CHECK(p.node_ids("g-4") == std::vector<int>{17});
  CHECK(p.yaml.find("nodes: [17]") != std::string::npos);
}

TEST_CASE("a CPU-less node holds no guest cell") {
  // Node 1 has memory and no CPUs (HMAT-style memory node): every cell lands on node 0.
  const auto p = place_text(R"(
hosts:
  - name: h
    numa:
      - {id: 0, cpus: "0-7", memory: 16GiB}
      - {id: 1, memory: 16GiB}
guests: [{name: g, count: 3, vcpus: 2, memory: 2GiB}]
)");
  for (const char* g : {"g-1", "g-2", "g-3"}) CHECK(p.node_ids(g) == std::vector<int>{0});
}

TEST_CASE("hugepage guests take whole pages from the pools of their node") {
  // 4 x 1GiB pages per node. Guests of 3GiB (3 pages): one per node; the third fits no pool.
  const auto p = place_text(R"(
hosts:
  - name: h
    numa:
      - {id: 0, cpus: "0-7", memory: 32GiB, hugepages: {1GiB: 4}}
      - {id: 1, cpus: "8-15", memory: 32GiB, hugepages: {1GiB: 4}}
guests: [{name: db, count: 3, vcpus: 2, memory: 3GiB, hugepages: 1GiB}]
)");
  CHECK(p.node_ids("db-1") == std::vector<int>{0});
  CHECK(p.node_ids("db-2") == std::vector<int>{1});
  CHECK(p.at("db-3").host == -1);
  REQUIRE(p.plan.unplaced.size() == 1);
  CHECK(p.plan.unplaced[0].summary == "0/1 host fits: 1 not enough free 1GiB pages");
}

TEST_CASE("dedicated guests get whole cores: sibling threads together") {
  // 8 cores x 2 threads (CPU i with i + 8); cores 0 (CPUs 0,8) reserved; dedicated 1-3,9-11.
  // A 4-vCPU guest takes two whole cores: 1,9 and 2,10; a 1-vCPU guest then takes 3.
  const auto p = place_text(R"(
hosts:
  - {name: h, memory: 32GiB, cpus: 16, threads_per_core: 2, reserved_cpus: "0,8", dedicated_cpus: "1-3,9-11"}
guests:
  - {name: pin4, vcpus: 4, memory: 2GiB, cpu_policy: dedicated}
  - {name: pin1, vcpus: 1, memory: 2GiB, cpu_policy: dedicated}
  - {name: shared, vcpus: 2, memory: 2GiB}
)");
  CHECK(p.pins("pin4") == std::vector<int>{1, 9, 2, 10});
  CHECK(p.pins("pin1") == std::vector<int>{3});
  CHECK(p.cpuset("shared") == "4-7,12-15");  // neither reserved nor dedicated
}

TEST_CASE("without a dedicated set, pinned CPUs leave the shared pool") {
  // 8 CPUs, no reserved, no dedicated set, cpu_ratio 1: a 2-vCPU pinned guest takes 2 CPUs;
  // 6 remain for shared vCPUs: six 1-vCPU guests fit, the seventh does not.
  const auto p = place_text(R"(
policy: {cpu_ratio: 1.0}
hosts: [{name: h, memory: 64GiB, cpus: 8}]
guests:
  - {name: pin, vcpus: 2, memory: 1GiB, cpu_policy: dedicated}
  - {name: s, count: 7, vcpus: 1, memory: 1GiB}
)");
  CHECK(p.pins("pin") == std::vector<int>{0, 1});
  CHECK(p.cpuset("s-1") == "2-7");
  CHECK(p.plan.unplaced.size() == 1);
  CHECK(p.plan.unplaced[0].summary == "0/1 host fits: 1 cpu ratio 1 reached");
}

TEST_CASE("memory ratio per node: node usable = RAM - pools - share of the reserve") {
  // Node memory 16GiB, 2GiB of pools, reserve 4GiB shared 2/2: usable 16 - 2 - 2 = 12GiB.
  // memory_ratio 1.5: 18GiB per node. Six 3GiB guests per node (18GiB); the 13th fits nowhere.
  const auto p = place_text(R"(
policy: {memory_ratio: 1.5, cpu_ratio: 16}
hosts:
  - name: h
    numa:
      - {cpus: "0-7", memory: 16GiB, hugepages: {1GiB: 2}}
      - {cpus: "8-15", memory: 16GiB, hugepages: {1GiB: 2}}
guests: [{name: g, count: 13, vcpus: 1, memory: 3GiB}]
)");
  int per_node[2] = {0, 0};
  for (const auto& pl : p.plan.placements) {
    if (pl.host >= 0) ++per_node[pl.nodes[0]];
  }
  CHECK(per_node[0] == 6);
  CHECK(per_node[1] == 6);
  CHECK(p.plan.unplaced.size() == 1);
  CHECK(p.plan.unplaced[0].summary == "0/1 host fits: 1 memory ratio 1.5 reached");
}

TEST_CASE("locked memory stays within RAM outside the pools") {
  // 16GiB host, reserve 4GiB: locked guests need their memory in RAM: 12GiB locked at most
  // while committed stays within ratio x (16 - 4 - locked). Three 4GiB locked guests fit; four don't.
  const auto p = place_text(R"(
hosts: [{name: h, memory: 16GiB, cpus: 8}]
guests: [{name: l, count: 4, vcpus: 1, memory: 4GiB, locked: true}]
)");
  CHECK(p.plan.unplaced.size() == 1);
}

TEST_CASE("memory_limit: resident bounds expected use, not committed memory") {
  // 32GiB host, reserve 4GiB: 28GiB usable. Guests of 4GiB used at 50%: 2GiB each, 14 fit
  // (28GiB) though they commit 56GiB, twice memory_ratio 1.0 would allow.
  const auto p = place_text(R"(
policy: {memory_limit: resident, memory_ratio: 1.0, usage: 0.5, cpu_ratio: 16}
hosts: [{name: h, memory: 32GiB, cpus: 16}]
guests: [{name: g, count: 15, vcpus: 1, memory: 4GiB}]
)");
  CHECK(p.plan.unplaced.size() == 1);
  CHECK(p.plan.unplaced[0].summary == "0/1 host fits: 1 expected resident memory beyond usable memory");
}

TEST_CASE("no guest has more vCPUs than the host's cores, or threads by policy") {
  const std::string hosts = "hosts: [{name: h, memory: 64GiB, cpus: 16, threads_per_core: 2}]\n";
  const auto by_cores = place_text(hosts + "guests: [{name: w, vcpus: 9, memory: 1GiB}]\n");
  REQUIRE(by_cores.plan.unplaced.size() == 1);
  CHECK(by_cores.plan.unplaced[0].summary == "0/1 host fits: 1 more vCPUs than the host's 8 cores");
  const auto by_threads = place_text("policy: {vcpu_limit: threads, numa: none}\n" + hosts + "guests: [{name: w, vcpus: 9, memory: 1GiB}]\n");
  CHECK(by_threads.plan.unplaced.empty());
}

TEST_CASE("a guest larger than one node is split onto the two closest nodes") {
  // Three nodes of 16GiB, each 16 - 4/3 = 14.67GiB usable (ratio 1.0): a 24GiB guest fits no
  // node alone and gets two cells of 12GiB, on the pair with the least distance.
  struct Row {
    const char* distances;
    std::vector<int> nodes;
  };
  const Row rows[] = {
      {"[[10, 21, 31], [21, 10, 31], [31, 31, 10]]", {0, 1}},  // {0,1} = 21; {0,2}, {1,2} = 31
      {"[[10, 31, 31], [31, 10, 11], [31, 11, 10]]", {1, 2}},  // {1,2} = 11
      {"[[10, 31, 12], [31, 10, 31], [12, 31, 10]]", {0, 2}},  // {0,2} = 12
  };
  for (const Row& row : rows) {
    CAPTURE(row.distances);
    const auto p = place_text(std::string(R"(
policy: {memory_ratio: 1.0}
hosts:
  - name: h
    numa:
      - {id: 0, cpus: "0-7", memory: 16GiB}
      - {id: 1, cpus: "8-15", memory: 16GiB}
      - {id: 2, cpus: "16-23", memory: 16GiB}
    distances: )") + row.distances + R"(
guests: [{name: big, vcpus: 8, memory: 24GiB}]
)");
    CHECK(p.node_ids("big") == row.nodes);
  }
}

TEST_CASE("numa_nodes asks for cells explicitly, and numa: none places by host only") {
  const std::string host = "hosts: [{name: h, numa: [{cpus: '0-7', memory: 32GiB}, {cpus: '8-15', memory: 32GiB}]}]\n";
  const auto cells = place_text(host + "guests: [{name: g, vcpus: 4, memory: 4GiB, numa_nodes: 2}]\n");
  CHECK(cells.node_ids("g") == std::vector<int>{0, 1});
  const auto none = place_text("policy: {numa: none}\n" + host + "guests: [{name: g, vcpus: 4, memory: 4GiB}]\n");
  CHECK(none.at("g").nodes.empty());
  CHECK(none.cpuset("g") == "0-15");
}

TEST_CASE("anti-affinity forces an unplaced guest, with its reason") {
  const auto p = place_text(R"(
hosts: [{name: a, memory: 64GiB, cpus: 16}, {name: b, memory: 64GiB, cpus: 16}]
groups: [{name: db-ha, policy: anti-affinity}]
guests: [{name: db, count: 3, vcpus: 2, memory: 4GiB, groups: [db-ha]}]
)");
  CHECK(p.host_of("db-1") == "a");
  CHECK(p.host_of("db-2") == "b");
  REQUIRE(p.plan.unplaced.size() == 1);
  CHECK(p.plan.unplaced[0].summary == "0/2 hosts fit: 2 anti-affinity db-ha");
  CHECK(p.plan.lower_bound_hosts == 2);  // the bound is for what the plan places: two members
}

TEST_CASE("an anti-affinity group is a clique: the lower bound counts its members") {
  // Three small guests would share one auto host, but the group keeps them apart: 3 hosts.
  const auto p = place_text(R"(
hosts: [{name: c, count: auto, memory: 64GiB, cpus: 16}]
groups: [{name: db-ha, policy: anti-affinity}]
guests: [{name: db, count: 3, vcpus: 2, memory: 4GiB, groups: [db-ha]}]
)");
  CHECK(p.plan.hosts_used == 3);
  CHECK(p.plan.lower_bound_hosts == 3);
}

TEST_CASE("why not, with count: auto: what a new host would say") {
  const auto p = place_text(R"(
hosts:
  - {name: old, memory: 32GiB, cpus: 8}
  - {name: c, count: auto, memory: 64GiB, cpus: 16}
guests: [{name: wide, vcpus: 20, memory: 4GiB}]
)");
  REQUIRE(p.plan.unplaced.size() == 1);
  CHECK(p.plan.unplaced[0].summary == "0/1 host fits: 1 more vCPUs than the host's 8 cores; a new c host: more vCPUs than the host's 16 cores");
}

TEST_CASE("the reasons roll up per filter") {
  // Three full hosts (memory), two with a member of the group: "0/5 hosts fit: 3 ..., 2 ...".
  const auto p = place_text(R"(
policy: {memory_ratio: 1.0}
hosts:
  - {name: full, count: 3, memory: 8GiB, cpus: 8}
  - {name: roomy, count: 2, memory: 64GiB, cpus: 8}
groups: [{name: db-ha, policy: anti-affinity}]
guests:
  - {name: db, count: 3, vcpus: 1, memory: 16GiB, groups: [db-ha]}
)");
  REQUIRE(p.plan.unplaced.size() == 1);
  CHECK(p.plan.unplaced[0].summary == "0/5 hosts fit: 3 larger than the host's usable memory, 2 anti-affinity db-ha");
}

TEST_CASE("affinity keeps guests on one host, and zone anti-affinity on distinct zones") {
  const auto p = place_text(R"(
hosts:
  - {name: r1, count: 2, zone: rack-1, memory: 64GiB, cpus: 16}
  - {name: r2, count: 2, zone: rack-2, memory: 64GiB, cpus: 16}
groups:
  - {name: app, policy: affinity}
  - {name: quorum, policy: anti-affinity, scope: zone}
guests:
  - {name: web, count: 3, vcpus: 2, memory: 4GiB, groups: [app]}
  - {name: q, count: 2, vcpus: 1, memory: 1GiB, groups: [quorum]}
)");
  CHECK(p.host_of("web-1") == p.host_of("web-2"));
  CHECK(p.host_of("web-1") == p.host_of("web-3"));
  CHECK(p.host_of("q-1").substr(0, 2) != p.host_of("q-2").substr(0, 2));
}

TEST_CASE("node-scope anti-affinity keeps members on different NUMA nodes of one host") {
  const auto p = place_text(R"(
hosts: [{name: h, numa: [{cpus: '0-7', memory: 32GiB}, {cpus: '8-15', memory: 32GiB}]}]
groups: [{name: spread-nodes, policy: anti-affinity, scope: node}]
guests: [{name: g, count: 3, vcpus: 1, memory: 1GiB, groups: [spread-nodes]}]
)");
  CHECK(p.node_ids("g-1") != p.node_ids("g-2"));
  CHECK(p.plan.unplaced.size() == 1);
}

TEST_CASE("count: auto grows as the plan needs, named by the pool, with its lower bound") {
  // 2-node hosts of 96GiB (48 per node), reserve 4GiB, ratio 1.0: 46GiB usable per node.
  // 20 guests of 20GiB: two per node, four per host: 5 hosts; bound ceil(400 / 92) = 5.
  const auto p = place_text(R"(
policy: {memory_ratio: 1.0}
hosts:
  - name: compute
    count: auto
    numa: [{cpus: '0-15', memory: 48GiB}, {cpus: '16-31', memory: 48GiB}]
guests: [{name: g, count: 20, vcpus: 2, memory: 20GiB}]
)");
  CHECK(p.plan.hosts_used == 5);
  CHECK(p.plan.lower_bound_hosts == 5);
  CHECK(p.host_of("g-01") == "compute-1");
  CHECK(p.host_of("g-20") == "compute-5");
}

TEST_CASE("a new host fills as the last one did, until a class runs short") {
  // 16 CPUs to pin per host. Four 4-vCPU guests fill compute-1; compute-2 starts the same and
  // fills the same (a replay: the same CPUs too). compute-3 gets the last two of them (8 CPUs)
  // and then the 2-vCPU guests: three take 6 more. Bound: 46 pinned vCPUs / 16 = 3 hosts.
  const auto p = place_text(R"(
hosts: [{name: compute, count: auto, memory: 64GiB, cpus: 16}]
guests:
  - {name: a, count: 10, vcpus: 4, memory: 4GiB, cpu_policy: dedicated}
  - {name: b, count: 3, vcpus: 2, memory: 2GiB, cpu_policy: dedicated}
)");
  CHECK(p.plan.hosts_used == 3);
  CHECK(p.plan.lower_bound_hosts == 3);
  CHECK(p.host_of("a-04") == "compute-1");
  CHECK(p.host_of("a-05") == "compute-2");
  CHECK(p.host_of("a-08") == "compute-2");
  CHECK(p.host_of("a-09") == "compute-3");
  CHECK(p.host_of("b-3") == "compute-3");
  for (int i = 1; i <= 4; ++i) CHECK(p.cpuset("a-0" + std::to_string(i)) == p.cpuset("a-0" + std::to_string(i + 4)));
  CHECK(p.cpuset("a-09") == p.cpuset("a-01"));
  CHECK(p.cpuset("b-1") == "8-9");
}

TEST_CASE("the first-fit order is plain first-fit decreasing: each guest on the first host with room") {
  // 10GiB usable per host (14GiB - 4GiB reserve, ratio 1.0). In decreasing memory 5, 4, 4, 3,
  // 2, 2: the 5 and a 4 fill compute-1 to 9GiB (nothing else fits beside them), 4 + 3 + 2 fill
  // compute-2 to 9GiB, the last 2 opens compute-3. The file's order does not matter.
  const auto p = place_text(R"(
policy: {memory_ratio: 1.0, host_reserve: 4GiB}
hosts: [{name: compute, count: auto, memory: 14GiB, cpus: 16}]
guests:
  - {name: two-a, vcpus: 1, memory: 2GiB}
  - {name: four-a, vcpus: 1, memory: 4GiB}
  - {name: three, vcpus: 1, memory: 3GiB}
  - {name: five, vcpus: 1, memory: 5GiB}
  - {name: two-b, vcpus: 1, memory: 2GiB}
  - {name: four-b, vcpus: 1, memory: 4GiB}
)", {PlaceOptions::Order::memory, false, 0});
  CHECK(p.host_of("five") == "compute-1");
  CHECK(p.host_of("four-a") == "compute-1");
  CHECK(p.host_of("four-b") == "compute-2");
  CHECK(p.host_of("three") == "compute-2");
  CHECK(p.host_of("two-a") == "compute-2");
  CHECK(p.host_of("two-b") == "compute-3");
  CHECK(p.plan.hosts_used == 3);
  CHECK(p.plan.lower_bound_hosts == 2);  // 20GiB / 10GiB
}

TEST_CASE("guests fixed on a host stay there, and the others fill around them") {
  const auto p = place_text(R"(
hosts: [{name: a, memory: 64GiB, cpus: 16}, {name: b, memory: 64GiB, cpus: 16}]
guests:
  - {name: pinned-to-b, vcpus: 2, memory: 4GiB, host: b}
  - {name: free, vcpus: 2, memory: 4GiB}
)");
  CHECK(p.host_of("pinned-to-b") == "b");
  CHECK(p.host_of("free") == "b");  // pack fills the host in use before an empty one
  CHECK(p.plan.hosts_used == 1);
}

TEST_CASE("spread balances load where pack fills the first host") {
  const std::string s = "hosts: [{name: h, count: 4, memory: 64GiB, cpus: 16}]\nguests: [{name: g, count: 8, vcpus: 1, memory: 2GiB}]\n";
  const auto pack = place_text(s);
  CHECK(pack.plan.hosts_used == 1);
  const auto spread = place_text("policy: {objective: spread}\n" + s);
  CHECK(spread.plan.hosts_used == 4);
  for (const char* g : {"g-1", "g-2", "g-3", "g-4"}) CHECK(spread.host_of(g) != "");
}

TEST_CASE("the same input gives byte-identical plans") {
  const std::string s = R"(
hosts: [{name: compute, count: auto, threads_per_core: 2, numa: [{cpus: '0-11,24-35', memory: 128GiB}, {cpus: '12-23,36-47', memory: 128GiB}]}]
groups: [{name: ha, policy: anti-affinity}]
guests:
  - {name: web, count: 50, vcpus: 2, memory: 6GiB}
  - {name: db, count: 4, vcpus: 4, memory: 32GiB, cpu_policy: dedicated, groups: [ha]}
  - {name: big, vcpus: 16, memory: 200GiB}
)";
  CHECK(place_text(s).yaml == place_text(s).yaml);
}

TEST_CASE("soft anti-affinity spreads over existing hosts but never opens one") {
  // Two hosts exist; six guests of a soft anti-affinity group: the first two go apart, the
  // rest share, and no auto host is opened for the rule's sake.
  const auto p = place_text(R"(
hosts:
  - {name: a, memory: 64GiB, cpus: 16}
  - {name: b, memory: 64GiB, cpus: 16}
  - {name: extra, count: auto, memory: 64GiB, cpus: 16}
groups: [{name: spread, policy: soft-anti-affinity}]
guests: [{name: g, count: 6, vcpus: 1, memory: 1GiB, groups: [spread]}]
)");
  CHECK(p.host_of("g-1") == "a");
  CHECK(p.host_of("g-2") == "b");
  CHECK(p.plan.hosts.size() == 2);
  CHECK(p.plan.hosts_used == 2);
}

TEST_CASE("every bundled scenario places, and check accepts the plan") {
  for (const char* file : {"scenarios/book-example.yaml", "scenarios/rhel5-example.yaml", "scenarios/two-node-hugepages.yaml",
                           "scenarios/locked-guests.yaml", "scenarios/cluster.yaml"}) {
    CAPTURE(file);
    const auto p = place_text(kvmplan::test::read_file(file));
    CHECK(p.plan.unplaced.empty());
  }
  // The cluster scenario needs exactly its lower bound.
  const auto cluster = place_text(kvmplan::test::read_file("scenarios/cluster.yaml"));
  CHECK(cluster.plan.hosts_used == cluster.plan.lower_bound_hosts);
  CHECK(cluster.node_ids("analytics") == std::vector<int>{0, 1});
}

TEST_CASE("place and check on the command line") {
  const kvmplan::test::TempDir tmp("cluster-plan");
  const std::string plan = (tmp / "plan.json").string();
  const auto placed = kvmplan::test::run_cli({"place", "scenarios/cluster.yaml", "--format", "json", "-o", plan});
  CHECK(placed.code == 0);
  CHECK(placed.err == "kvmplan: 6 hosts used (lower bound 6, optimal), 0 unplaced; wrote " + plan + "\n");
  const auto checked = kvmplan::test::run_cli({"check", "scenarios/cluster.yaml", "--placement", plan});
  CHECK(checked.code == 0);
  CHECK(checked.out.empty());
  // A plan for other guests: every scenario guest is missing.
  const auto other = kvmplan::test::run_cli({"check", "scenarios/book-example.yaml", "--placement", plan});
  CHECK(other.code == 1);
  CHECK(other.out.find("guest-01: missing from the plan") != std::string::npos);
  // An unreadable plan is bad input.
  CHECK(kvmplan::test::run_cli({"check", "scenarios/cluster.yaml", "--placement", "/nonexistent.yaml"}).code == 2);
}

TEST_CASE("a fixed guest that does not fit stays on its host, and check names what it breaks") {
  // 16GiB host, ratio 1.0, 12GiB usable: 8GiB + 8GiB fixed there overcommits it.
  auto loaded = kvmplan::test::load_text(R"(
policy: {memory_ratio: 1.0}
hosts: [{name: h, memory: 16GiB, cpus: 8}, {name: other, memory: 64GiB, cpus: 8}]
guests: [{name: f, count: 2, vcpus: 1, memory: 8GiB, host: h}]
)");
  REQUIRE(loaded.ok());
  const Plan plan = place(loaded.scenario);
  CHECK(plan.placements[1].host == 0);
  CHECK(plan.placements[1].forced);
  std::ostringstream out;
  write_plan(out, loaded.scenario, plan, PlanFormat::yaml);
  const auto result = kvmplan::test::check_text(loaded, out.str());
  CHECK(kvmplan::test::joined(result.violations).find("h: committed 16GiB exceeds memory_ratio 1 x usable 12GiB") != std::string::npos);
  // size says the same of the host: the violation joins its warnings.
  const auto warnings = size_plan(loaded.scenario, plan).hosts.at(0).figures.warnings;
  CHECK(std::any_of(warnings.begin(), warnings.end(), [](const Diagnostic& w) { return w.code == "memory-ratio" && w.path == "h"; }));
}
