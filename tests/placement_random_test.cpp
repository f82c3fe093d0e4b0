// Seeded random scenarios: every plan the placer writes passes `check`; plans mutated to break
// one rule are rejected. And real VM shapes from Azure pack within 2% of the lower bound.
#include <doctest/doctest.h>

#include <fstream>
#include <map>
#include <random>
#include <sstream>

#include "mixes.hpp"
#include "placement_util.hpp"

using namespace kvmplan;
using kvmplan::test::check_text;
using kvmplan::test::joined;
using kvmplan::test::place_text;

namespace {

// A scenario from a seed: a few host shapes (some auto), guests of mixed kinds, some groups.
std::string random_scenario(std::uint32_t seed, bool numa_none = false) {
  std::mt19937 rng(seed);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  std::ostringstream s;
  s << "policy: {memory_ratio: " << (pick(0, 1) ? "1.5" : "1.0") << ", cpu_ratio: " << pick(2, 8)
    << (pick(0, 3) == 0 ? ", memory_limit: resident, usage: 0.5" : "") << (numa_none ? ", numa: none" : "") << "}\n";
  s << "hosts:\n";
  s << "  - name: big\n    count: " << pick(1, 3) << "\n    threads_per_core: 2\n    reserved_cpus: '0,24'\n"
    << "    numa:\n      - {id: 0, cpus: '0-11,24-35', memory: 128GiB, hugepages: {1GiB: " << pick(0, 16) << "}}\n"
    << "      - {id: 1, cpus: '12-23,36-47', memory: 128GiB, hugepages: {1GiB: " << pick(0, 16) << "}}\n"
    << "    distances: [[10, 21], [21, 10]]\n";
  s << "  - name: small\n    count: " << pick(1, 4) << "\n    memory: 64GiB\n    cpus: 16\n    dedicated_cpus: '8-15'\n    zone: rack-" << pick(1, 2) << "\n";
  s << "  - name: pool\n    count: auto\n    threads_per_core: 2\n"
    << "    numa: [{cpus: '0-7,16-23', memory: 96GiB, hugepages: {2MiB: 1024}}, {cpus: '8-15,24-31', memory: 96GiB}]\n";
  s << "groups:\n  - {name: ha, policy: anti-affinity}\n  - {name: tier, policy: affinity}\n"
    << "  - {name: nodes, policy: anti-affinity, scope: node}\n  - {name: soft, policy: soft-anti-affinity}\n";
  s << "guests:\n";
  const int kinds = pick(4, 9);
  for (int k = 0; k < kinds; ++k) {
    s << "  - {name: g" << k << ", count: " << pick(1, 25);
    const int vcpus = pick(1, 12);
    s << ", vcpus: " << vcpus << ", memory: " << pick(1, 48) << "GiB";
    switch (pick(0, 7)) {
      case 0: s << ", cpu_policy: dedicated"; break;
      case 1: s << ", hugepages: " << (pick(0, 1) ? "1GiB" : "2MiB"); break;
      case 2: s << ", locked: true"; break;
      case 3: s << ", groups: [ha]"; break;
      case 4: s << ", groups: [soft]"; break;
      case 5: s << (vcpus > 1 ? ", numa_nodes: 2" : ""); break;  // the loader refuses an empty cell
      default: break;
    }
    s << "}\n";
  }
  s << "  - {name: t, count: 2, vcpus: 2, memory: 4GiB, groups: [tier]}\n";
  s << "  - {name: n, count: 2, vcpus: 1, memory: 2GiB, groups: [nodes]}\n";
  return s.str();
}

}  // namespace

TEST_CASE("seeded random scenarios: place, then check accepts the plan") {
  for (std::uint32_t seed = 1; seed <= 40; ++seed) {
    CAPTURE(seed);
    const auto p = place_text(random_scenario(seed));  // checks inside
    CHECK(p.plan.hosts_used >= p.plan.lower_bound_hosts);
    // Every guest is placed or said to be unplaced; check found nobody missing.
    CHECK(p.check.unplaced.size() == p.plan.unplaced.size());
  }
}

TEST_CASE("numa: none with dedicated guests: check accepts every plan") {
  // Pins taken from the shared CPUs must leave room for the shared vCPUs already on the host:
  // 68 of 110 such plans once broke the CPU ratio, with shared guests given an empty cpuset.
  for (std::uint32_t seed = 1; seed <= 110; ++seed) {
    CAPTURE(seed);
    const auto p = place_text(random_scenario(seed, true));  // checks inside
    CHECK(p.check.unplaced.size() == p.plan.unplaced.size());
  }
  // The issue's case: 4 CPUs at cpu_ratio 2, shared guests of 4 and 3 vCPUs, a 1-vCPU pinned guest.
  const auto tight = place_text(R"(
policy: {numa: none, cpu_ratio: 2}
hosts: [{name: h, count: auto, memory: 64GiB, cpus: 4}]
guests:
  - {name: a, vcpus: 4, memory: 1GiB}
  - {name: b, vcpus: 3, memory: 1GiB}
  - {name: pin, vcpus: 1, memory: 1GiB, cpu_policy: dedicated}
)");
  CHECK(tight.plan.unplaced.empty());
  // All three on one host: 7 shared vCPUs on the 3 CPUs the pin leaves, above 2 x 3.
  CHECK_FALSE((tight.host_of("a") == tight.host_of("b") && tight.host_of("b") == tight.host_of("pin")));
  CHECK(tight.plan.hosts_used == 2);
  CHECK_FALSE(tight.cpuset("b").empty());
}

TEST_CASE("mutated plans: check rejects each broken rule") {
  const auto p = place_text(R"(
policy: {memory_ratio: 1.0, cpu_ratio: 2}
hosts:
  - {name: a, memory: 32GiB, cpus: 8, dedicated_cpus: '6-7'}
  - {name: b, memory: 32GiB, cpus: 8, dedicated_cpus: '6-7'}
groups: [{name: ha, policy: anti-affinity}]
guests:
  - {name: x, count: 2, vcpus: 2, memory: 12GiB, groups: [ha]}
  - {name: pin, vcpus: 2, memory: 2GiB, cpu_policy: dedicated}
  - {name: s, vcpus: 1, memory: 1GiB}
)");
  REQUIRE(p.check.ok());
  auto mutated = [&](const std::string& from, const std::string& to) {
    std::string yaml = p.yaml;
    const auto at = yaml.find(from);
    REQUIRE_MESSAGE(at != std::string::npos, from);
    yaml.replace(at, from.size(), to);
    auto loaded = p.loaded;
    return joined(check_text(loaded, yaml).violations);
  };
  // x-2 joins x-1 on a: anti-affinity broken and a's memory over 1.0 x 28GiB.
  const std::string moved = mutated("{guest: \"x-2\", host: \"b\"", "{guest: \"x-2\", host: \"a\"");
  CHECK(moved.find("group ha: anti-affinity ha broken: x-1, x-2 share host a") != std::string::npos);
  CHECK(moved.find("a: committed 24GiB exceeds memory_ratio 1 x usable 28GiB") == std::string::npos);  // 24 <= 28: still fine
  // A cpuset on a dedicated CPU.
  CHECK(mutated("cpuset: \"0-5\"", "cpuset: \"0-6\"").find("cpuset has CPUs 6 that are reserved, dedicated or off its nodes") != std::string::npos);
  // A pin off the dedicated set.
  CHECK(mutated("vcpupin: [6, 7]", "vcpupin: [5, 7]").find("pin: pinned to CPUs 5, which dedicated guests may not use on") != std::string::npos);
  CHECK(mutated("vcpupin: [6, 7]", "vcpupin: [6, 6]").find("pin: pins CPUs 6 to more than one of its vCPUs") != std::string::npos);
  // A shared guest left without a CPU: one line for its host, read back from an empty cpuset.
  const std::string no_cpu = mutated("cpuset: \"0-5\"", "cpuset: \"\"");
  CHECK(no_cpu.find("no CPU left for shared guests ") != std::string::npos);
  CHECK(no_cpu.find("(empty cpuset)") != std::string::npos);
  // A guest dropped, and one placed twice.
  const std::string line_s = p.yaml.substr(p.yaml.find("  - {guest: \"s\""), p.yaml.find('\n', p.yaml.find("  - {guest: \"s\"")) - p.yaml.find("  - {guest: \"s\"") + 1);
  CHECK(mutated(line_s, "").find("s: missing from the plan") != std::string::npos);
  CHECK(mutated(line_s, line_s + line_s).find("s: placed twice") != std::string::npos);
  // A node the host does not have; wrong memory.
  CHECK(mutated("nodes: [0]", "nodes: [3]").find("node 3 is not a node of") != std::string::npos);
  CHECK(mutated("memory_mib: 1024", "memory_mib: 512").find("memory_mib 512 is not the guest's 1024") != std::string::npos);
}

TEST_CASE("mutated plans: CPUs pinned by several guests are one line for their host") {
  // Three 2-vCPU dedicated guests on CPUs 2-7 of one host; the plan edited so that all pin 2 and 3.
  const auto p = place_text(R"(
hosts: [{name: a, memory: 32GiB, cpus: 8, dedicated_cpus: '2-7'}]
guests: [{name: d, count: 3, vcpus: 2, memory: 1GiB, cpu_policy: dedicated}]
)");
  REQUIRE(p.check.ok());
  std::string yaml = p.yaml;
  for (const char* pins : {"[4, 5]", "[6, 7]"}) {
    const auto at = yaml.find(pins);
    REQUIRE(at != std::string::npos);
    yaml.replace(at, 6, "[2, 3]");
  }
  for (const char* set : {"\"4-5\"", "\"6-7\""}) {
    const auto at = yaml.find(set);
    REQUIRE(at != std::string::npos);
    yaml.replace(at, 5, "\"2-3\"");
  }
  auto loaded = p.loaded;
  const auto violations = check_text(loaded, yaml).violations;
  // One line, not one per vCPU or pair (6 pins still fit the 6 dedicated CPUs: no count breach).
  REQUIRE(violations.size() == 1);
  const Diagnostic& twice = violations[0];
  CHECK(twice.path == "a");
  CHECK(twice.message == "CPUs 2-3 pinned by more than one guest: d-1, d-2, d-3");
  CHECK(twice.members == std::vector<std::string>{"d-1", "d-2", "d-3"});
}

TEST_CASE("mutated plans: over-committed memory and vCPUs per host") {
  // Two 4-CPU hosts, cpu_ratio 1: four 1-vCPU guests per host. Moving one over breaks the ratio.
  const auto p = place_text(R"(
policy: {cpu_ratio: 1.0}
hosts: [{name: a, memory: 64GiB, cpus: 4}, {name: b, memory: 64GiB, cpus: 4}]
guests: [{name: g, count: 8, vcpus: 1, memory: 1GiB}]
)");
  REQUIRE(p.check.ok());
  std::string yaml = p.yaml;
  const auto at = yaml.find("{guest: \"g-8\", host: \"b\"");
  REQUIRE(at != std::string::npos);
  yaml.replace(at, std::string("{guest: \"g-8\", host: \"b\"").size(), "{guest: \"g-8\", host: \"a\"");
  auto loaded = p.loaded;
  const std::string v = joined(check_text(loaded, yaml).violations);
  CHECK(v.find("a: 5 shared vCPUs exceed cpu_ratio 1 x 4 shared CPUs") != std::string::npos);
  CHECK(v.find("a node 0: 5 shared vCPUs exceed cpu_ratio 1 x 4 shared CPUs") != std::string::npos);
}

TEST_CASE("Azure VM shapes pack within 2% of the lower bound") {
  // The VMs alive at the start of Azure's 2020 packing trace (data/azure-packing-2020), read as
  // kvmplan-bench reads them: cores in hundredths of a vCPU (rounded up), ram in quarters of a
  // GB (as GiB); the one VM wider than 48 cores is left out.
  const auto shapes = bench::shapes(bench::Mix::azure, 7395, 1,
                                    std::string(KVMPLAN_DATA_DIR) + "/azure-packing-2020/vm_alive_at_t0_sample.csv");
  std::ostringstream s;
  // Hosts like the trace's largest machine type: 2 sockets x 32 cores x 2 threads, 768GiB.
  s << "hosts:\n  - name: compute\n    count: auto\n    threads_per_core: 2\n"
    << "    numa: [{cpus: '0-31,64-95', memory: 384GiB}, {cpus: '32-63,96-127', memory: 384GiB}]\n";
  s << "guests:\n";
  std::int64_t vms = 0;
  for (std::size_t i = 0; i < shapes.size(); ++i) {
    s << "  - {name: s" << i << ", count: " << shapes[i].count << ", vcpus: " << shapes[i].vcpus << ", memory: " << to_string(shapes[i].memory) << "}\n";
    vms += shapes[i].count;
  }
  CHECK(vms == 7395);
  const auto p = place_text(s.str());
  CHECK(p.plan.unplaced.empty());
  MESSAGE("azure: " << p.plan.hosts_used << " hosts, lower bound " << p.plan.lower_bound_hosts);
  CHECK(p.plan.hosts_used * 100 <= p.plan.lower_bound_hosts * 102);
}
