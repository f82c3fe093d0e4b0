// Hugepages (src/rules/hugepages.hpp): whole free pages of the guest's size, never overcommitted.
#include "rules/hugepages.hpp"

#include "rule_table.hpp"

using namespace kvmplan;
using namespace kvmplan::test;
using rules::Hugepages;

namespace {
Add pages(Bytes size, std::int64_t n) {
  Add a;
  a.page_size = size;
  a.pages = n;
  return a;
}
}  // namespace

TEST_CASE("rule hugepages: pages of each size, per node") {
  // Node 0: 8 pages of 1GiB, 512 of 2MiB.
  Capacity node = place(GiB(64), GiB(9), {}, Scope::node);
  node.page_pools = {{MiB(2), 512}, {GiB(1), 8}};
  const Load six = load_of({pages(GiB(1), 6)});
  CHECK(Hugepages::holds(node, six, pages(GiB(1), 2)));         // 6 + 2 = 8
  CHECK_FALSE(Hugepages::holds(node, six, pages(GiB(1), 3)));   // 6 + 3 > 8
  const Shortfall sf = Hugepages::shortfall(node, six, pages(GiB(1), 3));
  CHECK(sf.subject == "1GiB pages of node 0");
  CHECK(sf.need == 3);
  CHECK(sf.free == 2);
  CHECK(sf.capacity == 8);
  CHECK(sf.unit == Unit::pages);
  // The other size is a pool of its own: 6 of 1GiB used leave all 512 of 2MiB.
  CHECK(Hugepages::holds(node, six, pages(MiB(2), 512)));
  CHECK_FALSE(Hugepages::holds(node, six, pages(MiB(2), 513)));
  // No pool of the size: nothing fits.
  CHECK_FALSE(Hugepages::holds(node, {}, pages(MiB(4), 1)));
  // The index keeps free bytes over every size: 2 x 1GiB + 512 x 2MiB = 3GiB, at least what a
  // guest of either size that fits needs.
  CHECK(Hugepages::free(node, six) == GiB(3).value);
  CHECK(Hugepages::need(pages(GiB(1), 2)) == GiB(2).value);
  CHECK(Hugepages::need(Add{}) == rules::no_need);
  check_index_budget<Hugepages>(node, six, pages(GiB(1), 2));
  // check's verify: with nothing added, every size the place uses; 9 of 8 is over.
  const Load nine = load_of({pages(GiB(1), 9)});
  CHECK_FALSE(Hugepages::holds(node, nine, {}));
  CHECK(Hugepages::violation(node, nine) == "9 hugepages of 1GiB used, 8 in the pools");
  CHECK(Hugepages::violation(node, six).empty());
}
