// Per-node memory truth (docs/model.md, "Per NUMA node"): under numa strict a node's guests
// live on its memory, so what it commits beyond its usable memory is swap, whatever the other
// nodes have free; and no guest cell is larger than its node's usable memory.
#include <doctest/doctest.h>
#include <yaml-cpp/yaml.h>

#include <fstream>

#include "kvmplan/report/size_report.hpp"
#include "placement_util.hpp"

using namespace kvmplan;
using kvmplan::test::run_cli;

namespace {

std::string write(const kvmplan::test::TempDir& dir, const std::string& name, const std::string& text) {
  const std::string path = (dir / name).string();
  std::ofstream(path) << text;
  return path;
}

// A 2 x 32GiB host, 4GiB reserve (2GiB per node: usable 30GiB each), memory_ratio 1.5.
constexpr const char* two_node_host = R"(
policy: {host_reserve: 4GiB, memory_ratio: 1.5, swap_baseline: rhel5}
hosts:
  - name: kvm01
    numa:
      - {cpus: '0-15', memory: 32GiB}
      - {cpus: '16-31', memory: 32GiB}
)";

}  // namespace

TEST_CASE("node memory: eleven 4GiB guests held on node 0 need 14GiB of swap there") {
  // Node 1's CPUs are all dedicated: the eleven shared guests can only run on node 0, which takes
  // them under its ratio (44 <= 1.5 x 30 = 45) but holds 30GiB: 44 - 30 = 14GiB of guest swap,
  // though the host as a whole commits 44 of its 60 usable. Baseline rhel5 for 64GiB: 8GiB.
  const kvmplan::test::TempDir tmp("node-swap");
  const std::string file = write(tmp, "s.yaml", std::string(two_node_host) + "    dedicated_cpus: '16-31'\n" +
                                                    "guests:\n  - {name: db, count: 11, vcpus: 2, memory: 4GiB, host: kvm01}\n");
  const auto r = run_cli({"size", file, "--format", "json"});
  CHECK(r.code == 0);  // nothing breaks a rule: the node needs swap, and size sizes it
  const YAML::Node host = YAML::Load(r.out)["hosts"][0];
  CHECK(host["guest_swap_mib"].as<int>() == 14 * 1024);
  CHECK(host["swap_mib"].as<int>() == 22 * 1024);
  CHECK(host["headroom_mib"].as<int>() == -14 * 1024);  // usage 1.0: node 0 swaps in steady state
  REQUIRE(host["nodes"].size() == 2);
  CHECK(host["nodes"][0]["committed_mib"].as<int>() == 44 * 1024);
  CHECK(host["nodes"][0]["usable_mib"].as<int>() == 30 * 1024);
  CHECK(host["nodes"][0]["guest_swap_mib"].as<int>() == 14 * 1024);
  CHECK(host["nodes"][1]["guest_swap_mib"].as<int>() == 0);
  const auto text = run_cli({"size", file});
  CHECK(text.out.find("  node 0 ") != std::string::npos);
  CHECK(text.out.find("  node 1 ") == std::string::npos);  // a node that needs nothing has no row
  CHECK(text.out.find("node 0: expected resident memory 44GiB exceeds its usable memory 30GiB") != std::string::npos);
  // check's own tally of the plan place writes gives the same node figures.
  const std::string plan = (tmp / "plan.yaml").string();
  REQUIRE(run_cli({"place", file, "-o", plan}).code == 0);
  CHECK(run_cli({"check", file, "--placement", plan}).code == 0);
}

TEST_CASE("node memory: with both nodes open the same guests need no swap") {
  // Placement keeps a node from committing beyond its usable memory when another node has room:
  // pack fills node 0 to 7 guests (28GiB of its 30), the other 4 go to node 1 (16GiB).
  const auto p = kvmplan::test::place_text(std::string(two_node_host) + "guests:\n  - {name: db, count: 11, vcpus: 2, memory: 4GiB, host: kvm01}\n");
  const SizeReport report = size_plan(p.scenario(), p.plan);
  REQUIRE(report.hosts.size() == 1);
  CHECK(report.hosts[0].figures.guest_swap == Bytes{0});
  REQUIRE(report.hosts[0].figures.nodes.size() == 2);
  CHECK(report.hosts[0].figures.nodes[0].committed == GiB(28));
  CHECK(report.hosts[0].figures.nodes[1].committed == GiB(16));
}

TEST_CASE("node memory: a 20GiB guest on 16GiB nodes gets two cells, or stays unplaced") {
  const char* host = R"(
policy: {host_reserve: 0b}
hosts:
  - name: kvm
    numa: [{cpus: '0-7', memory: 16GiB}, {cpus: '8-15', memory: 16GiB}]
guests:
)";
  // Free to split: two cells of 10GiB, one per node.
  const auto split = kvmplan::test::place_text(std::string(host) + "  - {name: big, vcpus: 4, memory: 20GiB}\n");
  CHECK(split.node_ids("big") == std::vector<int>{0, 1});
  // Held to one cell: no node holds 20GiB, whatever the memory ratio lets it commit.
  const auto one = kvmplan::test::place_text(std::string(host) + "  - {name: big, vcpus: 4, memory: 20GiB, numa_nodes: 1}\n");
  REQUIRE(one.plan.unplaced.size() == 1);
  CHECK(one.plan.unplaced[0].summary == "0/1 host fits: 1 a guest cell larger than a node's room");
  REQUIRE(one.plan.unplaced[0].shortfalls.size() == 1);
  const Shortfall& sf = one.plan.unplaced[0].shortfalls[0];
  CHECK(sf.rule == RuleId::cell_memory);
  CHECK(sf.subject == "kvm node 0");
  CHECK(sf.need == GiB(20).value);
  CHECK(sf.free == GiB(16).value);
  // Fixed on the host in one cell: place puts it there, and place, size and check all reject it
  // with the same violation, exit 1.
  const kvmplan::test::TempDir tmp("cell-memory");
  const std::string file = write(tmp, "s.yaml", std::string(host) + "  - {name: big, vcpus: 4, memory: 20GiB, numa_nodes: 1, host: kvm}\n");
  const std::string violation = "big: cell 0 of 20GiB is larger than node 0's room, 16GiB";
  const std::string plan = (tmp / "plan.yaml").string();
  const auto placed = run_cli({"place", file, "-o", plan});
  CHECK(placed.code == 1);
  CHECK(placed.err.find(violation) != std::string::npos);
  const auto sized = run_cli({"size", file});
  CHECK(sized.code == 1);
  CHECK(sized.out.find(violation) != std::string::npos);
  const auto checked = run_cli({"check", file, "--placement", plan});
  CHECK(checked.code == 1);
  CHECK(checked.out.find(violation) != std::string::npos);
}
