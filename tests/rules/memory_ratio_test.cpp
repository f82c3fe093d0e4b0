// Memory ratio (src/rules/memory_ratio.hpp): committed <= floor(memory_ratio x usable), usable =
// RAM - pools - locked - reserve.
#include "rules/memory_ratio.hpp"

#include "rule_table.hpp"

using namespace kvmplan;
using namespace kvmplan::test;
using rules::MemoryRatio;

TEST_CASE("rule memory ratio: fits, shortfalls and budget") {
  // 64GiB host, 4GiB reserve: usable 60GiB, ratio 1.5: budget 90GiB.
  const Capacity host = place(GiB(64), {}, GiB(4));
  Add locked10;
  locked10.locked = GiB(10);
  Add locked20;
  locked20.locked = GiB(20);
  Add locked21;
  locked21.locked = GiB(21);
  struct Row {
    const char* what;
    Load load;
    Add add;
    bool holds;
    std::int64_t need, free, capacity;
  };
  const Row rows[] = {
      // 0 + 90 <= 90: the border is within.
      {"the whole budget", {}, committed(GiB(90)), true, GiB(90).value, GiB(90).value, GiB(90).value},
      // 80 + 10GiB + 1 byte > 90.
      {"one byte over", load_of({committed(GiB(80))}), committed(GiB(10) + Bytes{1}), false, (GiB(10) + Bytes{1}).value, GiB(10).value,
       GiB(90).value},
      // 10GiB locked already: usable 50, budget 75; 75 committed leaves 0.
      {"locked shrinks the budget", load_of({locked10, committed(GiB(75))}), committed(GiB(1)), false, GiB(1).value, 0, GiB(75).value},
      // A locked guest commits nothing but shrinks usable: 1.5 x (60 - 20) = 60 >= 60.
      {"a locked guest at the border", load_of({committed(GiB(60))}), locked20, true, 0, 0, GiB(60).value},
      // 1.5 x (60 - 21) = 58.5 < 60 committed: it does not fit, though it commits nothing.
      {"a locked guest that breaks it", load_of({committed(GiB(60))}), locked21, false, 0, -GiB(3).value / 2,
       GiB(117).value / 2},
  };
  for (const Row& r : rows) check_row<MemoryRatio>(host, r);
}

TEST_CASE("rule memory ratio: floor of the ratio, nothing usable, policy and bound") {
  // 3 bytes usable x 1.5 = 4.5: 4 bytes, not 5.
  const Capacity tiny = place(Bytes{3});
  CHECK(MemoryRatio::holds(tiny, {}, committed(Bytes{4})));
  CHECK_FALSE(MemoryRatio::holds(tiny, {}, committed(Bytes{5})));
  // A reserve larger than RAM leaves nothing usable: nothing committed fits, a guest committing
  // nothing (hugepage-backed, no overhead) still does.
  const Capacity none = place(GiB(2), {}, GiB(4));
  CHECK(MemoryRatio::holds(none, {}, Add{}));
  CHECK_FALSE(MemoryRatio::holds(none, {}, committed(Bytes{1})));
  CHECK(MemoryRatio::offer(none) == 0);
  // The sentence check and size print: 91 > 90.
  const Capacity host = place(GiB(64), {}, GiB(4));
  CHECK(MemoryRatio::violation(host, load_of({committed(GiB(91))})) == "committed 91GiB exceeds memory_ratio 1.5 x usable 60GiB");
  // It binds under committed and both, not resident.
  Policy p;
  p.memory_limit = MemoryLimit::committed;
  CHECK(MemoryRatio::applies(p, Scope::node));
  p.memory_limit = MemoryLimit::both;
  CHECK(MemoryRatio::applies(p, Scope::host));
  p.memory_limit = MemoryLimit::resident;
  CHECK_FALSE(MemoryRatio::applies(p, Scope::host));
  // Bound: a guest of 10GiB committed and 4GiB locked weighs 10 + 1.5 x 4 = 16GiB against the
  // host's offer of 1.5 x 60 = 90GiB.
  Add a = committed(GiB(10));
  a.locked = GiB(4);
  CHECK(MemoryRatio::demand(a, {dec("1.5")}) == GiB(16).value);
  CHECK(MemoryRatio::offer(host) == GiB(90).value);
}
