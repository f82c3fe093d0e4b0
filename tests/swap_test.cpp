// Every border of every baseline table (docs/model.md section 2; domain.md section 2).
// Rows are (low, high] on nominal RAM: RAM exactly on a border takes the lower row, one byte
// more takes the next.
#include <doctest/doctest.h>

#include "kvmplan/scenario/policy.hpp"
#include "kvmplan/model/swap.hpp"

using namespace kvmplan;

namespace {

SwapBaseline table(const char* name) {
  Policy p = default_policy();
  REQUIRE(find_knob("swap_baseline")->set(p, name).empty());
  return p.swap_baseline;
}

struct Row {
  const char* table;
  bool hibernation;
  Bytes ram;
  Bytes swap;
  bool warns;
};

constexpr Bytes B1{1};

}  // namespace

TEST_CASE("baseline swap at every border") {
  const Row rows[] = {
      // rhel5: <=4: 2; (4,16]: 4; (16,64]: 8; (64,256]: 16; (256,512]: 32; above: 32 and a warning.
      {"rhel5", false, GiB(1), GiB(2), false},
      {"rhel5", false, GiB(4), GiB(2), false},
      {"rhel5", false, GiB(4) + B1, GiB(4), false},
      {"rhel5", false, GiB(16), GiB(4), false},
      {"rhel5", false, GiB(16) + B1, GiB(8), false},
      {"rhel5", false, GiB(32), GiB(8), false},  // the worked example
      {"rhel5", false, GiB(64), GiB(8), false},
      {"rhel5", false, GiB(64) + B1, GiB(16), false},
      {"rhel5", false, GiB(256), GiB(16), false},
      {"rhel5", false, GiB(256) + B1, GiB(32), false},
      {"rhel5", false, GiB(512), GiB(32), false},
      {"rhel5", false, GiB(512) + B1, GiB(32), true},
      {"rhel5", false, TiB(4), GiB(32), true},
      {"rhel5", true, GiB(32), GiB(8), true},  // no hibernation column: same figure, a warning
      // rhel6: <=2: 2x; (2,8]: 1x; (8,64]: 0.5x; >64: 4GiB.
      {"rhel6", false, GiB(1), GiB(2), false},
      {"rhel6", false, GiB(2), GiB(4), false},
      {"rhel6", false, GiB(2) + B1, GiB(2) + B1, false},
      {"rhel6", false, GiB(8), GiB(8), false},
      {"rhel6", false, GiB(8) + B1, GiB(4) + B1, false},  // half of 8GiB + 1 byte, rounded up
      {"rhel6", false, GiB(64), GiB(32), false},
      {"rhel6", false, GiB(64) + B1, GiB(4), false},
      {"rhel6", false, GiB(512), GiB(4), false},
      // rhel6 with hibernation: 3x, 2x, 1.5x, no extra above 64GiB.
      {"rhel6", true, GiB(2), GiB(6), false},
      {"rhel6", true, GiB(2) + B1, GiB(4) + Bytes{2}, false},
      {"rhel6", true, GiB(8), GiB(16), false},
      {"rhel6", true, GiB(8) + B1, GiB(12) + Bytes{2}, false},  // 1.5 x (8GiB + 1) = 12GiB + 1.5
      {"rhel6", true, GiB(64), GiB(96), false},
      {"rhel6", true, GiB(64) + B1, GiB(4), false},
      // rhel7: as rhel6, (8,64] at the upper end of "4GiB to 0.5 x RAM"; >64 warns.
      {"rhel7", false, GiB(2), GiB(4), false},
      {"rhel7", false, GiB(8), GiB(8), false},
      {"rhel7", false, GiB(8) + B1, GiB(4) + B1, false},
      {"rhel7", false, GiB(32), GiB(16), false},
      {"rhel7", false, GiB(64), GiB(32), false},
      {"rhel7", false, GiB(64) + B1, GiB(4), true},
      {"rhel7", true, GiB(2), GiB(6), false},
      {"rhel7", true, GiB(8), GiB(16), false},
      {"rhel7", true, GiB(64), GiB(96), false},
      {"rhel7", true, GiB(64) + B1, GiB(4), true},
      // rhel9: <=2: 2x; (2,8]: 1x; (8,64]: 4GiB; >64: 4GiB. Hibernation not recommended above 64.
      {"rhel9", false, GiB(2), GiB(4), false},
      {"rhel9", false, GiB(2) + B1, GiB(2) + B1, false},
      {"rhel9", false, GiB(8), GiB(8), false},
      {"rhel9", false, GiB(8) + B1, GiB(4), false},
      {"rhel9", false, GiB(64), GiB(4), false},
      {"rhel9", false, GiB(64) + B1, GiB(4), false},
      {"rhel9", true, GiB(2), GiB(6), false},
      {"rhel9", true, GiB(8), GiB(16), false},
      {"rhel9", true, GiB(8) + B1, GiB(12) + Bytes{2}, false},
      {"rhel9", true, GiB(64), GiB(96), false},
      {"rhel9", true, GiB(64) + B1, GiB(4), true},
      // none and a flat size ignore RAM.
      {"none", false, GiB(32), Bytes{0}, false},
      {"none", true, GiB(32), Bytes{0}, false},
      {"4GiB", false, GiB(1), GiB(4), false},
      {"4GiB", false, TiB(1), GiB(4), false},
  };
  for (const Row& r : rows) {
    CAPTURE(r.table);
    CAPTURE(r.hibernation);
    CAPTURE(r.ram.value);
    const BaselineSwap b = baseline_swap(table(r.table), r.hibernation, r.ram);
    CHECK(b.size == r.swap);
    CHECK(b.warning.empty() == !r.warns);
  }
}

TEST_CASE("baseline names") {
  CHECK(table("rhel5").name() == "rhel5");
  CHECK(table("rhel9").name() == "rhel9");
  CHECK(table("none").name() == "none");
  CHECK(table("4096MiB").name() == "4GiB");
  Policy p = default_policy();
  CHECK(find_knob("swap_baseline")->set(p, "rhel8") ==
        "\"rhel8\" is not a swap baseline; write rhel5, rhel6, rhel7, rhel9, none or a size such as 4GiB");
  CHECK(default_policy().swap_baseline.name() == "rhel5");
}
