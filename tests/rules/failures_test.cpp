// The failure rule (src/rules/failures.hpp): its bound, and its sufficient method for failures
// too many to simulate.
#include "rules/failures.hpp"

#include "../placement_util.hpp"
#include "rule_table.hpp"

using namespace kvmplan;
using namespace kvmplan::test;

TEST_CASE("rule failures: the bound with failures") {
  Policy p;
  // k hosts: the bound without failures plus k (any k fail, the rest hold every guest).
  p.ha.host_failures = 2;
  CHECK(rules::failure_bound(p, 10, 3, false) == std::optional<std::int64_t>(12));
  // z zones of Z named ones: the z fullest zones hold at least z/Z of the hosts. 6 guests' worth
  // of hosts, 3 zones, 1 to lose: H - ceil(H/3) >= 6 first at H = 9 (9 - 3 = 6; 8 - 3 = 5).
  p.ha = {};
  p.ha.zone_failures = 1;
  CHECK(rules::failure_bound(p, 6, 3, false) == std::optional<std::int64_t>(9));
  // 4 zones: H - ceil(H/4) >= 6 at H = 8 (8 - 2 = 6; 7 - 2 = 5).
  CHECK(rules::failure_bound(p, 6, 4, false) == std::optional<std::int64_t>(8));
  // Hosts without a zone are a zone each: only + z is sure.
  CHECK(rules::failure_bound(p, 6, 3, true) == std::optional<std::int64_t>(7));
  // As many zones to lose as there are: no plan survives.
  CHECK_FALSE(rules::failure_bound(p, 6, 1, false).has_value());
  // Both: the larger.
  p.ha.host_failures = 5;
  CHECK(rules::failure_bound(p, 6, 3, false) == std::optional<std::int64_t>(11));
}

TEST_CASE("rule failures: too many failures to simulate, decided by spare twins") {
  // 60 hosts, any 3 failing: C(60, 3) = 34,220 sets, simulated. 100 hosts: C(100, 3) = 161,700
  // > 100,000: the sufficient method. 20 of the 100 run a guest; 80 empty twins >= 3: proven.
  auto loaded = load_text(R"(
policy: {ha: {host_failures: 3}}
hosts: [{name: h, count: 100, memory: 16GiB, cpus: 4}]
guests: [{name: g, count: 20, vcpus: 1, memory: 8GiB, groups: [apart]}]
groups: [{name: apart, policy: anti-affinity}]
)");
  REQUIRE_MESSAGE(loaded.ok(), errors_of(loaded));
  const Plan plan = place(loaded.scenario);
  const CheckResult c = check_plan(loaded.scenario, plan);
  REQUIRE(c.failures);
  CHECK(c.failures->method == "sufficient");
  CHECK(c.failures->survives);
  // Every host busy: no twin is empty, nothing is proven, and check says so.
  auto full = load_text(R"(
policy: {ha: {host_failures: 3}}
hosts: [{name: h, count: 100, memory: 16GiB, cpus: 4}]
guests: [{name: g, count: 100, vcpus: 1, memory: 8GiB, groups: [apart]}]
groups: [{name: apart, policy: anti-affinity}]
)");
  REQUIRE(full.ok());
  const CheckResult f = check_plan(full.scenario, place(full.scenario));
  REQUIRE(f.failures);
  CHECK(f.failures->method == "sufficient");
  CHECK_FALSE(f.failures->survives);
  CHECK(f.failures->unproven == "hosts like h-001 run guests but only 0 of them are empty, fewer than the 3 failures to survive");
  REQUIRE(f.violations.size() == 1);
  CHECK(f.violations[0].code == "host-failures");
}
