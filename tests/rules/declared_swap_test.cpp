// Declared swap (src/rules/declared_swap.hpp): guest swap <= swap - baseline swap, guest swap
// the larger of committed - usable and the nodes' guest swap summed.
#include "rules/declared_swap.hpp"

#include "rule_table.hpp"

using namespace kvmplan;
using namespace kvmplan::test;
using rules::DeclaredSwap;

TEST_CASE("rule declared swap: the classic host, to the byte") {
  // The classic case: 32GiB host, 4GiB reserve (usable 28GiB), 64 guests of 1GiB committed
  // (memory_ratio 2.5 lets them in): guest swap 64 - 28 = 36GiB, plus the 8GiB baseline = 44GiB.
  Capacity host = place(GiB(32), {}, GiB(4));
  host.memory_ratio = dec("2.5");
  host.baseline_swap = GiB(8);
  const Load load = load_of({committed(GiB(64))});
  CHECK(DeclaredSwap::guest_swap(host, load, {}) == GiB(36));
  host.swap = GiB(44);
  CHECK(DeclaredSwap::holds(host, load, {}));
  CHECK_FALSE(DeclaredSwap::holds(host, load, committed(Bytes{1})));  // one more byte needs one more byte of swap
  host.swap = GiB(43);
  CHECK_FALSE(DeclaredSwap::holds(host, load, {}));
  CHECK(DeclaredSwap::violation(host, load) == "swap 43GiB is short of the 44GiB needed");
  // A guest of 2GiB more: 38GiB of guest swap against 35GiB of room: 2GiB needed, -1GiB free.
  const Shortfall sf = DeclaredSwap::shortfall(host, load, committed(GiB(2)));
  CHECK(sf.need == GiB(2).value);
  CHECK(sf.free == -GiB(1).value);
  CHECK(sf.capacity == GiB(35).value);
  // Without a declared swap the rule holds whatever is committed: size says how much to add.
  host.swap.reset();
  CHECK(DeclaredSwap::holds(host, load_of({committed(GiB(1000))}), {}));
}

TEST_CASE("rule declared swap: nodes' guest swap counts, hosts only") {
  // Host-wide committed 20GiB on usable 28GiB needs none; its nodes, bound strictly, need 17GiB
  // summed: 17 > 16 of room (swap 20GiB - baseline 4GiB).
  Capacity host = place(GiB(32), {}, GiB(4));
  host.swap = GiB(20);
  host.baseline_swap = GiB(4);
  Load load = load_of({committed(GiB(20))});
  load.node_swap = GiB(16);
  CHECK(DeclaredSwap::holds(host, load, {}));
  Add more_on_a_node;
  more_on_a_node.node_swap_gain = GiB(1);
  CHECK_FALSE(DeclaredSwap::holds(host, load, more_on_a_node));
  Policy p;
  CHECK(DeclaredSwap::applies(p, Scope::host));
  CHECK_FALSE(DeclaredSwap::applies(p, Scope::node));
}
