// CPU ratio (src/rules/cpu_ratio.hpp): shared vCPUs <= floor(cpu_ratio x shared CPUs), pins
// taken out of the shared CPUs when the host has no dedicated set.
#include "rules/cpu_ratio.hpp"

#include "rule_table.hpp"

using namespace kvmplan;
using namespace kvmplan::test;
using rules::CpuRatio;

TEST_CASE("rule CPU ratio: fits and shortfalls") {
  // 16 shared CPUs x 4 = 64 vCPUs.
  Capacity host = place(GiB(64));
  host.shared_cpus = 16;
  struct Row {
    const char* what;
    bool pins_from_shared;
    Load load;
    Add add;
    bool holds;
    std::int64_t need, free, capacity;
  };
  const Row rows[] = {
      {"60 + 4 = 64", false, load_of({vcpus(60)}), vcpus(4), true, 4, 4, 64},
      {"60 + 5 > 64", false, load_of({vcpus(60)}), vcpus(5), false, 5, 4, 64},
      // Without a dedicated set, 4 CPUs pinned leave 12 shared: 48; 40 + 2 more pinned -> 10 x 4
      // = 40 still holds the 40 there.
      {"a pin that leaves enough", true, load_of({vcpus(40, 4)}), vcpus(0, 2), true, 0, 0, 40},
      // 3 more pinned leave 9 CPUs: 36 < 40. The pin asks no vCPU of the budget; what it breaks is
      // the 4 vCPUs it would leave over.
      {"a pin that breaks the shared ones", true, load_of({vcpus(40, 4)}), vcpus(0, 3), false, 4, -4, 36},
      // With a dedicated set, pins come from it: the shared budget stays 64.
      {"pins from the dedicated set", false, load_of({vcpus(40, 4)}), vcpus(0, 3), true, 0, 24, 64},
  };
  for (const Row& r : rows) {
    host.pins_from_shared = r.pins_from_shared;
    check_row<CpuRatio>(host, r);
  }
}

TEST_CASE("rule CPU ratio: floor, no shared CPU left, bound") {
  // 3 CPUs x 1.5 = 4.5: 4 vCPUs.
  Capacity host = place(GiB(8));
  host.cpu_ratio = dec("1.5");
  host.shared_cpus = 3;
  CHECK(CpuRatio::holds(host, {}, vcpus(4)));
  CHECK_FALSE(CpuRatio::holds(host, {}, vcpus(5)));
  // More pinned than shared CPUs: none left, never a negative count.
  host.pins_from_shared = true;
  const Load over = load_of({vcpus(2, 5)});
  CHECK_FALSE(CpuRatio::holds(host, over, {}));
  CHECK(CpuRatio::violation(host, over) == "2 shared vCPUs exceed cpu_ratio 1.5 x 0 shared CPUs");
  // Bound: vCPUs against floor(ratio x shared CPUs).
  CHECK(CpuRatio::demand(vcpus(6), {dec("1")}) == 6);
  CHECK(CpuRatio::offer(host) == 4);
}
