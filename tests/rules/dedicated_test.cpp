// Dedicated CPUs (src/rules/dedicated.hpp): one CPU per dedicated vCPU, whole cores first.
#include "rules/dedicated.hpp"

#include "rule_table.hpp"

using namespace kvmplan;
using namespace kvmplan::test;
using rules::Dedicated;

namespace {
Add pinned(std::int64_t n) {
  Add a;
  a.pinned = n;
  return a;
}
}  // namespace

TEST_CASE("rule dedicated CPUs: never overcommitted") {
  Capacity host = place(GiB(64));
  host.pin_cpus = 8;
  CHECK(Dedicated::holds(host, load_of({pinned(6)}), pinned(2)));        // 6 + 2 = 8
  CHECK_FALSE(Dedicated::holds(host, load_of({pinned(6)}), pinned(3)));  // 6 + 3 > 8
  const Shortfall sf = Dedicated::shortfall(host, load_of({pinned(6)}), pinned(3));
  CHECK(sf.need == 3);
  CHECK(sf.free == 2);
  CHECK(sf.capacity == 8);
  CHECK(Dedicated::need(Add{}) == rules::no_need);
  check_index_budget<Dedicated>(host, load_of({pinned(6)}), pinned(2));
  CHECK(Dedicated::violation(host, load_of({pinned(9)})) == "dedicated guests pin 9 CPUs (vCPUs and isolated emulator threads); 8 may be pinned to");
  CHECK(Dedicated::offer(host) == 8);
}

TEST_CASE("rule dedicated CPUs: whole cores first, then the fullest cores") {
  // 4 cores of 2 threads: CPUs 0-3 with siblings 4-7 (the kernel's numbering).
  auto loaded = load_text("hosts: [{name: h, memory: 8GiB, cpus: 8, threads_per_core: 2}]\nguests: []\n");
  REQUIRE_MESSAGE(loaded.ok(), errors_of(loaded));
  const Host& h = loaded.scenario.hosts[0];
  // Core 0 is half taken (CPU 0 used): two vCPUs go to the first whole core, 1 and 5.
  CpuSet free = h.cpus;
  free.erase(0);
  CHECK(rules::pick_cpus(h, free, 2) == std::vector<int>{1, 5});
  // Three vCPUs: one whole core (1, 5), then the half-free core 0's last thread (4), keeping
  // cores 2 and 3 whole.
  CHECK(rules::pick_cpus(h, free, 3) == std::vector<int>{1, 5, 4});
}
