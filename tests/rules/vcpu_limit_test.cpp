// vCPU limit (src/rules/vcpu_limit.hpp): no guest has more vCPUs than its host has cores
// (threads with vcpu_limit: threads).
#include "rules/vcpu_limit.hpp"

#include "rule_table.hpp"

using namespace kvmplan;
using namespace kvmplan::test;
using rules::VcpuLimitRule;

TEST_CASE("rule vCPU limit: cores, or threads") {
  // 16 threads in 8 cores of 2.
  auto loaded = load_text("hosts: [{name: h, memory: 8GiB, cpus: 16, threads_per_core: 2}]\nguests: []\n");
  REQUIRE_MESSAGE(loaded.ok(), errors_of(loaded));
  const Host& h = loaded.scenario.hosts[0];
  Policy p;
  p.vcpu_limit = VcpuLimit::cores;
  CHECK(VcpuLimitRule::holds(h, p, 8));
  CHECK_FALSE(VcpuLimitRule::holds(h, p, 9));
  CHECK(VcpuLimitRule::violation(h, p, 9) == "9 vCPUs, more than the host's 8 cores");
  const Shortfall sf = VcpuLimitRule::shortfall(h, p, 9);
  CHECK(sf.need == 9);
  CHECK(sf.capacity == 8);
  CHECK(sf.unit == Unit::vcpus);
  p.vcpu_limit = VcpuLimit::threads;
  CHECK(VcpuLimitRule::holds(h, p, 16));
  CHECK_FALSE(VcpuLimitRule::holds(h, p, 17));
  CHECK(VcpuLimitRule::violation(h, p, 17) == "17 vCPUs, more than the host's 16 threads");
}
