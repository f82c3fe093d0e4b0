// Resident memory (src/rules/resident.hpp): expected resident - KSM savings <= usable memory.
#include "rules/resident.hpp"

#include "rule_table.hpp"

using namespace kvmplan;
using namespace kvmplan::test;
using rules::Resident;

namespace {
Add resident(Bytes b, Bytes ksm_gain = {}, Bytes locked = {}) {
  Add a;
  a.resident = a.resident_low = b;
  a.ksm_gain = ksm_gain;
  a.locked = locked;
  return a;
}
}  // namespace

TEST_CASE("rule resident memory: fits, shortfalls and KSM") {
  // 64GiB host, 4GiB reserve: usable 60GiB.
  const Capacity host = place(GiB(64), {}, GiB(4));
  struct Row {
    const char* what;
    Load load;
    Add add;
    bool holds;
    std::int64_t need, free, capacity;
  };
  const Row rows[] = {
      // 50 + 10 <= 60.
      {"to the last byte", load_of({resident(GiB(50))}), resident(GiB(10)), true, GiB(10).value, GiB(10).value, GiB(60).value},
      // 50 + 10GiB + 1 > 60.
      {"one byte over", load_of({resident(GiB(50))}), resident(GiB(10) + Bytes{1}), false, (GiB(10) + Bytes{1}).value, GiB(10).value,
       GiB(60).value},
      // 58 resident, KSM saves 4 there: 54 + 7 - 1 (what KSM saves more once it joins) = 60.
      {"KSM makes room", load_of({resident(GiB(58), GiB(4))}), resident(GiB(7), GiB(1)), true, GiB(6).value, GiB(6).value, GiB(60).value},
      // A locked guest shrinks usable memory by what it locks: 57 + 2 > 60 - 2.
      {"locked memory counts twice", load_of({resident(GiB(57))}), resident(GiB(2), {}, GiB(2)), false, GiB(2).value, GiB(1).value,
       GiB(58).value},
  };
  for (const Row& r : rows) check_row<Resident>(host, r);
  // 62 resident less 1 saved: 61 > 60.
  CHECK(Resident::violation(host, load_of({resident(GiB(62), GiB(1))})) == "expected resident memory 61GiB exceeds usable memory 60GiB");
  CHECK_FALSE(Resident::holds(host, load_of({resident(GiB(62), GiB(1))}), {}));
}

TEST_CASE("rule resident memory: policy and bound") {
  Policy p;
  p.memory_limit = MemoryLimit::committed;
  CHECK_FALSE(Resident::applies(p, Scope::host));
  p.memory_limit = MemoryLimit::resident;
  CHECK(Resident::applies(p, Scope::node));
  p.memory_limit = MemoryLimit::both;
  CHECK(Resident::applies(p, Scope::host));
  // The bound takes resident memory without KSM (what KSM saves depends on who shares a host);
  // a host offers its room, never less than nothing.
  CHECK(Resident::demand(resident(GiB(3), GiB(1)), {dec("1")}) == GiB(3).value);
  CHECK(Resident::offer(place(GiB(64), GiB(16), GiB(4))) == GiB(44).value);
  CHECK(Resident::offer(place(GiB(2), {}, GiB(4))) == 0);
}
