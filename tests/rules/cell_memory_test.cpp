// Cell memory (src/rules/cell_memory.hpp): one guest cell <= its node's usable memory.
#include "rules/cell_memory.hpp"
#include "rules/demand.hpp"

#include "rule_table.hpp"

using namespace kvmplan;
using namespace kvmplan::test;
using rules::CellMemory;

namespace {
Add cell_of(Bytes memory) {
  Add a;
  a.committed = memory;
  a.cell_memory = memory;
  return a;
}
}  // namespace

TEST_CASE("rule cell memory: a cell never larger than its node's room") {
  // A 32GiB node with 2GiB of the reserve: 30GiB of room, however much the memory ratio would
  // let it commit. Another guest's 2GiB of locked memory does not shrink it: that is load, and
  // a guest locked after the cell was placed would break it (the memory ratio counts it).
  const Capacity node = place(GiB(32), {}, GiB(2), Scope::node);
  Add lock2;
  lock2.locked = GiB(2);
  const Load load = load_of({lock2});
  CHECK(CellMemory::holds(node, load, cell_of(GiB(30))));
  CHECK(CellMemory::holds(node, Load{}, cell_of(GiB(30))));
  CHECK_FALSE(CellMemory::holds(node, load, cell_of(GiB(30) + Bytes{1})));
  CHECK_FALSE(CellMemory::holds(node, Load{}, cell_of(GiB(30) + Bytes{1})));
  const Shortfall sf = CellMemory::shortfall(node, load, cell_of(GiB(31)));
  CHECK(sf.rule == RuleId::cell_memory);
  CHECK(sf.subject == "node 0");
  CHECK(sf.need == GiB(31).value);
  CHECK(sf.free == GiB(30).value);
  // Other guests' committed memory is the ratio's business, not this rule's: 40GiB committed
  // already, a 20GiB cell still is not larger than the node.
  CHECK(CellMemory::holds(node, load_of({lock2, committed(GiB(40))}), cell_of(GiB(20))));
  // A hugepage or locked guest has no swappable cell: nothing to hold.
  CHECK(CellMemory::holds(place(GiB(1), {}, GiB(4), Scope::node), {}, Add{}));
  // Nodes only, and only when guests are bound to nodes.
  Policy p;
  p.numa = NumaMode::strict;
  CHECK(CellMemory::applies(p, Scope::node));
  CHECK_FALSE(CellMemory::applies(p, Scope::host));
  p.numa = NumaMode::preferred;
  CHECK(CellMemory::applies(p, Scope::node));
  p.numa = NumaMode::none;
  CHECK_FALSE(CellMemory::applies(p, Scope::node));
}

TEST_CASE("rule cell memory: a 20GiB guest on 16GiB nodes gets two cells, or stays unplaced") {
  // Two 16GiB nodes, no reserve: one cell of 20GiB is larger than either node; two of 10GiB fit.
  const char* host = R"(
policy: {host_reserve: 0b, memory_ratio: 2.0}
hosts:
  - name: kvm
    numa: [{cpus: '0-7', memory: 16GiB}, {cpus: '8-15', memory: 16GiB}]
guests:
)";
  auto loaded = load_text(std::string(host) + "  - {name: big, vcpus: 4, memory: 20GiB}\n");
  REQUIRE_MESSAGE(loaded.ok(), errors_of(loaded));
  const Capacity node = rules::node_capacities(loaded.scenario.hosts[0])[0];
  const rules::Demand d = rules::make_demand(loaded.scenario.policy, loaded.scenario.specs[0]);
  CHECK_FALSE(CellMemory::holds(node, {}, rules::cell(d, rules::cells_of(d, 1)[0])));  // 20 > 16
  CHECK(CellMemory::holds(node, {}, rules::cell(d, rules::cells_of(d, 2)[0])));        // 10 <= 16
}
