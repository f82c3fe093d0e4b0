// NUMA cells (src/rules/numa_cells.hpp): one node when one holds the guest, else numa_nodes
// cells or the fewest that fit; none under numa: none.
#include "rules/numa_cells.hpp"

#include "rule_table.hpp"

using namespace kvmplan;
using namespace kvmplan::test;
using rules::NumaCells;

namespace {
// Two nodes of 16GiB and 8 CPUs, no reserve; guests as given.
Loaded two_nodes(const std::string& numa, const std::string& guests) {
  return load_text("policy: {host_reserve: 0b, numa: " + numa + "}\nhosts:\n  - name: kvm\n    numa: [{cpus: '0-7', memory: 16GiB}, {cpus: '8-15', memory: 16GiB}]\nguests:\n" + guests);
}
std::optional<int> cells(const Loaded& l, std::size_t spec = 0) {
  const rules::Demand d = rules::make_demand(l.scenario.policy, l.scenario.specs[spec]);
  return NumaCells::cell_count(l.scenario.policy, rules::node_capacities(l.scenario.hosts[0]), d);
}
}  // namespace

TEST_CASE("rule NUMA cells: how many cells a guest gets") {
  // 8GiB fits one node: 1 cell.
  CHECK(cells(two_nodes("strict", "  - {name: g, vcpus: 4, memory: 8GiB}\n")) == 1);
  // 20GiB is larger than a 16GiB node: 2 cells of 10GiB.
  CHECK(cells(two_nodes("strict", "  - {name: g, vcpus: 4, memory: 20GiB}\n")) == 2);
  // 12 vCPUs on nodes of 8 CPUs: 2 cells of 6.
  CHECK(cells(two_nodes("preferred", "  - {name: g, vcpus: 12, memory: 1GiB}\n")) == 2);
  // 40GiB is larger than both nodes together: no split fits.
  CHECK_FALSE(cells(two_nodes("strict", "  - {name: g, vcpus: 4, memory: 40GiB}\n")).has_value());
  // numa_nodes is obeyed, within the host's nodes and the guest's vCPUs.
  CHECK(cells(two_nodes("strict", "  - {name: g, vcpus: 4, memory: 1GiB, numa_nodes: 2}\n")) == 2);
  CHECK_FALSE(cells(two_nodes("strict", "  - {name: g, vcpus: 4, memory: 1GiB, numa_nodes: 3}\n")).has_value());
  // numa: none binds no node: 0 cells, host level.
  CHECK(cells(two_nodes("none", "  - {name: g, vcpus: 4, memory: 20GiB}\n")) == 0);
}

TEST_CASE("rule NUMA cells: check's verdict on a placement's node list") {
  const auto l = two_nodes("strict", "  - {name: small, vcpus: 2, memory: 2GiB}\n  - {name: two, vcpus: 2, memory: 2GiB, numa_nodes: 2}\n");
  REQUIRE_MESSAGE(l.ok(), errors_of(l));
  const Policy& p = l.scenario.policy;
  const auto nodes = rules::node_capacities(l.scenario.hosts[0]);
  const rules::Demand small = rules::make_demand(p, l.scenario.specs[0]);
  const rules::Demand two = rules::make_demand(p, l.scenario.specs[1]);
  CHECK(NumaCells::violation(p, nodes, small, 1).empty());
  CHECK(NumaCells::violation(p, nodes, small, 0) == "not bound to any NUMA node (policy numa is not none)");
  CHECK(NumaCells::violation(p, nodes, small, 2) == "split over 2 nodes though it fits one");
  CHECK(NumaCells::violation(p, nodes, two, 2).empty());
  CHECK(NumaCells::violation(p, nodes, two, 1) == "on 1 node, but numa_nodes is 2");
}

TEST_CASE("rule NUMA cells: no cell without a vCPU or a page") {
  // Nodes of 16 CPUs and 1GiB pages: 1 vCPU, or 1GiB on 1GiB pages, makes one cell at most.
  const auto l = load_text(
      "policy: {host_reserve: 0b}\nhosts:\n  - name: kvm\n    numa: [{cpus: '0-15', memory: 16GiB, hugepages: {1GiB: 2}}, {cpus: '16-31', memory: 16GiB, hugepages: {1GiB: 2}}]\n"
      "guests:\n  - {name: page, vcpus: 20, memory: 1GiB, hugepages: 1GiB}\n  - {name: three, vcpus: 20, memory: 3GiB, hugepages: 1GiB}\n"
      "  - {name: one, vcpus: 1, memory: 20GiB}\n");
  REQUIRE_MESSAGE(l.ok(), errors_of(l));
  CHECK(max_cells(l.scenario.specs[0]) == 1);
  CHECK(max_cells(l.scenario.specs[1]) == 3);
  CHECK(max_cells(l.scenario.specs[2]) == 1);
  const Policy& p = l.scenario.policy;
  const auto nodes = rules::node_capacities(l.scenario.hosts[0]);
  // 20 vCPUs need two nodes of 16 CPUs, but one page cannot be split: no placement on this host.
  CHECK_FALSE(cells(l, 0).has_value());
  // 3 pages over 2 cells: 2 + 1, each cell whole pages.
  CHECK(cells(l, 1) == 2);
  const auto split = split_cells(l.scenario.specs[1], {}, 2);
  CHECK(split[0].pages == 2);
  CHECK(split[1].pages == 1);
  CHECK(split[1].memory == GiB(1));
  // A plan that splits the one-page guest anyway: check says why.
  CHECK(NumaCells::violation(p, nodes, rules::make_demand(p, l.scenario.specs[0]), 2) ==
        "split over 2 nodes, but its 20 vCPUs and 1GiB of 1GiB pages make at most 1 cell with none empty");
}
