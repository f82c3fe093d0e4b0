// Locked memory (src/rules/locked.hpp): locked <= RAM - pools - reserve.
#include "rules/locked.hpp"

#include "rule_table.hpp"

using namespace kvmplan;
using namespace kvmplan::test;
using rules::Locked;

namespace {
Add locked(Bytes b) {
  Add a;
  a.locked = b;
  return a;
}
}  // namespace

TEST_CASE("rule locked memory: RAM outside the pools and the reserve, never overcommitted") {
  // 64GiB, 16GiB of hugepage pools, 4GiB reserve: 44GiB may be locked, whatever memory_ratio.
  const Capacity host = place(GiB(64), GiB(16), GiB(4));
  CHECK(Locked::holds(host, load_of({locked(GiB(40))}), locked(GiB(4))));                 // 40 + 4 = 44
  CHECK_FALSE(Locked::holds(host, load_of({locked(GiB(40))}), locked(GiB(4) + Bytes{1})));  // a byte over
  const Shortfall sf = Locked::shortfall(host, load_of({locked(GiB(40))}), locked(GiB(5)));
  CHECK(sf.need == GiB(5).value);
  CHECK(sf.free == GiB(4).value);
  CHECK(sf.capacity == GiB(44).value);
  CHECK(sf.unit == Unit::bytes);
  // A guest that locks nothing asks nothing of the index.
  CHECK(Locked::need(Add{}) == rules::no_need);
  CHECK(Locked::need(locked(GiB(2))) == GiB(2).value);
  check_index_budget<Locked>(host, load_of({locked(GiB(40))}), locked(GiB(4)));
  // Verified on check's tally: 45 > 44.
  CHECK_FALSE(Locked::holds(host, load_of({locked(GiB(45))}), {}));
  CHECK(Locked::violation(host, load_of({locked(GiB(45))})) == "locked memory 45GiB exceeds RAM outside the hugepage pools and the reserve, 44GiB");
  // Bound: what it locks against the room.
  CHECK(Locked::demand(locked(GiB(8)), {dec("1.5")}) == GiB(8).value);
  CHECK(Locked::offer(host) == GiB(44).value);
}
