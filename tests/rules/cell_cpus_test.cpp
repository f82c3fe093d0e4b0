// Cell CPUs (src/rules/cell_cpus.hpp): a shared guest cell has no more vCPUs than its node has
// shared CPUs.
#include "rules/cell_cpus.hpp"

#include "rule_table.hpp"

using namespace kvmplan;
using namespace kvmplan::test;
using rules::CellCpus;

TEST_CASE("rule cell CPUs: a cell no wider than its node") {
  // A node with 8 shared CPUs, cpu_ratio 4: 32 vCPUs fit its budget, but one cell of 9 vCPUs
  // would run 9 threads on 8 CPUs of its own node.
  Capacity node = place(GiB(32), {}, {}, Scope::node);
  node.shared_cpus = 8;
  CHECK(CellCpus::holds(node, {}, vcpus(8)));
  CHECK_FALSE(CellCpus::holds(node, {}, vcpus(9)));
  // Other guests' vCPUs are the ratio's business: 30 there already, a cell of 8 is still narrow enough.
  CHECK(CellCpus::holds(node, load_of({vcpus(30)}), vcpus(8)));
  const Shortfall sf = CellCpus::shortfall(node, {}, vcpus(9));
  CHECK(sf.need == 9);
  CHECK(sf.free == 8);
  CHECK(sf.unit == Unit::cpus);
  // A dedicated cell asks no shared CPU.
  CHECK(CellCpus::holds(node, {}, vcpus(0, 16)));
  Policy p;
  CHECK(CellCpus::applies(p, Scope::node));
  CHECK_FALSE(CellCpus::applies(p, Scope::host));
}
