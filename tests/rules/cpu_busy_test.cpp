// Busy CPUs (src/rules/cpu_busy.hpp): under CPU profiles, busy vCPUs <= shared CPUs in every slot.
#include "rules/cpu_busy.hpp"

#include "rule_table.hpp"

using namespace kvmplan;
using namespace kvmplan::test;
using rules::CpuBusy;

namespace {
// A guest busy `millis` thousandths of vCPUs in each of two slots (the row outlives the test).
Add busy(const std::int64_t* row, std::int64_t pinned = 0) {
  Add a;
  a.busy_slots = row;
  a.slot_count = 2;
  a.pinned = pinned;
  return a;
}
}  // namespace

TEST_CASE("rule busy CPUs: every slot within the shared CPUs") {
  Capacity host = place(GiB(64));
  host.shared_cpus = 8;
  static const std::int64_t day[] = {6000, 1500}, night[] = {1500, 6000}, half[] = {2500, 2500}, late[] = {0, 2001};
  struct Row {
    const char* what;
    Load load;
    Add add;
    bool holds;
    std::int64_t need, free, capacity;
  };
  const Row rows[] = {
      // Slot 0: 6 + 1.5, slot 1: 1.5 + 6: 7.5 <= 8 in both; their peaks summed (12) would not.
      {"peaks apart", load_of({busy(day)}), busy(night), true, 2, 2, 8},
      // Slot 0: 6 + 2.5 = 8.5 > 8.
      {"peaks together", load_of({busy(day)}), busy(half), false, 3, 2, 8},
      // Slot 1: 1.5 + 2.001 = 3.501; the busiest slot stays slot 0 (6): nothing more needed there.
      {"off the peak", load_of({busy(day)}), busy(late), true, 0, 2, 8},
      // No profile on either side: nothing to count.
      {"no CPU profile", Load{}, Add{}, true, 0, 8, 8},
  };
  for (const Row& r : rows) check_row<CpuBusy>(host, r);
  // A pin out of the shared CPUs (no dedicated set) leaves fewer: 7.5 > 7.
  host.pins_from_shared = true;
  CHECK_FALSE(CpuBusy::holds(host, load_of({busy(day), busy(night)}), busy(nullptr, 1)));
  CHECK(CpuBusy::violation(host, load_of({busy(day), busy(night), busy(late)})) == "9.501 busy vCPUs exceed the 8 shared CPUs in slot 1");
}
