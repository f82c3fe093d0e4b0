// The search after the greedy (src/placement/search.cpp), the pool choice by cost and the
// bound over several pools: every plan still passes check; the figures are compared with the
// greedy's (effort 0) and with what is known of the optimum.
#include <doctest/doctest.h>

#include "mixes.hpp"
#include "placement_util.hpp"

using namespace kvmplan;
using namespace kvmplan::test;

namespace {

std::string plan_text(const Loaded& l, const Plan& plan) {
  std::ostringstream out;
  write_plan(out, l.scenario, plan, PlanFormat::yaml);
  return out.str();
}

PlaceOptions greedy() {
  PlaceOptions o;
  o.effort = 0;
  return o;
}

}  // namespace

TEST_CASE("search packs zero-slack instances to their bound where the greedy does not") {
  // Hosts cut into 2 to 8 guests each, in memory and vCPUs exactly (bench/mixes.cpp): the
  // optimum is the number of hosts cut, and the bound equals it.
  int greedy_above = 0, searched_at_bound = 0;
  const int seeds = 6;
  for (std::uint32_t seed = 1; seed <= seeds; ++seed) {
    CAPTURE(seed);
    const auto shapes = bench::shapes(bench::Mix::zero_slack, 200, seed, "");
    const Placed p = place_text(bench::scenario_yaml(bench::Mix::zero_slack, shapes, false));
    const Plan g = place(p.loaded.scenario, greedy());
    REQUIRE(p.plan.unplaced.empty());
    CHECK(p.plan.hosts.size() == static_cast<std::size_t>(p.plan.hosts_used));  // no empty host left behind
    CHECK(p.plan.hosts_used <= g.hosts_used);
    CHECK(p.plan.lower_bound_hosts == g.lower_bound_hosts);
    greedy_above += g.hosts_used > g.lower_bound_hosts;
    searched_at_bound += p.plan.hosts_used == p.plan.lower_bound_hosts;
    CHECK(p.plan.optimal() == (p.plan.hosts_used == p.plan.lower_bound_hosts));
  }
  // The greedy misses the optimum on these, the search finds it on all.
  CHECK(greedy_above >= seeds / 2);
  CHECK(searched_at_bound == seeds);
}

TEST_CASE("search is deterministic: the same input gives the same plan") {
  const auto shapes = bench::shapes(bench::Mix::zero_slack, 150, 3, "");
  const std::string yaml = bench::scenario_yaml(bench::Mix::zero_slack, shapes, false);
  const Loaded a = load_text(yaml), b = load_text(yaml);
  const std::string first = plan_text(a, place(a.scenario));
  CHECK(first == plan_text(b, place(b.scenario)));
  CHECK(first != plan_text(a, place(a.scenario, greedy())));  // the search changed something
}

TEST_CASE("search moves only free guests: groups and fixed guests stay as the greedy put them") {
  // 10GiB per host (ratio 1.0); the greedy (first fit by memory) leaves a third host the search
  // can empty. The anti-affinity pair and the fixed guest must keep their rules.
  const std::string yaml = R"(
policy: {memory_ratio: 1.0, cpu_ratio: 4.0, host_reserve: 0b, numa: none}
hosts:
  - {name: fixed, memory: 10GiB, cpus: 8}
  - {name: compute, count: auto, memory: 10GiB, cpus: 8}
groups:
  - {name: apart, policy: anti-affinity}
guests:
  - {name: pinned-here, vcpus: 1, memory: 3GiB, host: fixed}
  - {name: a, vcpus: 1, memory: 4GiB, groups: [apart]}
  - {name: b, vcpus: 1, memory: 4GiB, groups: [apart]}
  - {name: five, vcpus: 1, memory: 5GiB}
  - {name: four, vcpus: 1, memory: 4GiB}
  - {name: three, vcpus: 1, memory: 3GiB}
  - {name: two, count: 3, vcpus: 1, memory: 2GiB}
)";
  const Placed p = place_text(yaml);  // check accepts it
  CHECK(p.host_of("pinned-here") == "fixed");
  CHECK(p.host_of("a") != p.host_of("b"));
  CHECK(p.plan.unplaced.empty());
  const Plan g = place(p.loaded.scenario, greedy());
  CHECK(p.plan.hosts_used <= g.hosts_used);
  // 29GiB on 10GiB hosts: 3 hosts at least, and 3 suffice.
  CHECK(p.plan.lower_bound_hosts == 3);
  CHECK(p.plan.hosts_used == 3);
}

TEST_CASE("search escapes the first-fit-decreasing trap") {
  // 5, 4, 4, 3, 2, 2 GiB on 10GiB hosts: first fit decreasing puts 5 + 4, then 4 + 3 + 2, then
  // the last 2 alone (3 hosts); 5 + 3 + 2 and 4 + 4 + 2 fill two.
  const std::string yaml = R"(
policy: {memory_ratio: 1.0, cpu_ratio: 4.0, host_reserve: 4GiB, numa: none}
hosts:
  - {name: compute, count: auto, memory: 14GiB, cpus: 16}
guests:
  - {name: five, vcpus: 1, memory: 5GiB}
  - {name: four-a, vcpus: 1, memory: 4GiB}
  - {name: four-b, vcpus: 1, memory: 4GiB}
  - {name: three, vcpus: 1, memory: 3GiB}
  - {name: two-a, vcpus: 1, memory: 2GiB}
  - {name: two-b, vcpus: 1, memory: 2GiB}
)";
  PlaceOptions ffd{PlaceOptions::Order::memory, false, 0};
  CHECK(place_text(yaml, ffd).plan.hosts_used == 3);
  ffd.effort = 1;
  const Placed searched = place_text(yaml, ffd);
  CHECK(searched.plan.hosts_used == 2);
  CHECK(searched.plan.lower_bound_hosts == 2);
  CHECK(searched.plan.optimal());
  CHECK(searched.plan.hosts.size() == 2);  // the emptied host left the plan: compute-1, compute-2
  CHECK(searched.plan.hosts[1].name == "compute-2");
}

TEST_CASE("search proves optimal a plan above the bound when no packing onto fewer hosts exists") {
  // No two of these share a 100GiB/100-CPU host (x and y ask 105 CPUs, x and z 105GiB, y and
  // z 150GiB), yet per resource two hosts would do: the bound says 2, the search proves 3.
  const Placed p = place_text(R"(
policy: {memory_ratio: 1.0, cpu_ratio: 1.0, host_reserve: 0b, numa: none}
hosts:
  - {name: kvm, count: auto, memory: 100GiB, cpus: 100}
guests:
  - {name: x, vcpus: 55, memory: 10GiB}
  - {name: y, vcpus: 50, memory: 55GiB}
  - {name: z, vcpus: 10, memory: 95GiB}
)");
  CHECK(p.plan.hosts_used == 3);
  CHECK(p.plan.lower_bound_hosts == 2);
  CHECK(p.plan.proven_optimal);
  CHECK(p.plan.optimal());
  CHECK(p.yaml.find("\noptimal: true\n") != std::string::npos);
  const Plan g = place(p.loaded.scenario, greedy());
  CHECK_FALSE(g.optimal());  // the greedy alone proves nothing
}

TEST_CASE("pools: a new host comes from the pool that takes most per cost, not the first listed") {
  // 24 guests of 8GiB: the small pool (32GiB) needs 6 hosts where 1 of the large (256GiB) takes all.
  const std::string hosts = R"(
policy: {memory_ratio: 1.0, cpu_ratio: 4.0, host_reserve: 0b, numa: none}
hosts:
  - {name: small, count: auto, memory: 32GiB, cpus: 16%s}
  - {name: large, count: auto, memory: 256GiB, cpus: 128%s}
guests:
  - {name: vm, count: 24, vcpus: 2, memory: 8GiB}
)";
  auto with_costs = [&](const std::string& small, const std::string& large) {
    std::string y = hosts;
    y.replace(y.find("%s"), 2, small);
    y.replace(y.find("%s"), 2, large);
    return y;
  };
  const Placed plain = place_text(with_costs("", ""));
  CHECK(plain.plan.hosts_used == 1);
  CHECK(plain.host_of("vm-01") == "large-1");
  CHECK(plain.plan.lower_bound_hosts == 1);
  // The large host costs 10 small ones: 6 small hosts are cheaper.
  const Placed priced = place_text(with_costs(", cost: 1000", ", cost: 10000"));
  CHECK(priced.plan.hosts_used == 6);
  CHECK(priced.host_of("vm-01") == "small-1");
}

TEST_CASE("bound over several pools: the pools' capacities together, not each resource's largest") {
  // A memory-rich pool (512GiB, 16 CPUs) and a CPU-rich one (64GiB, 128 CPUs); guests ask
  // 2000GiB and 600 vCPUs in all. Per resource the largest host says ceil(2000/512) = 4 and
  // ceil(600/128) = 5; no mix of the two pools has both with fewer than 8 hosts (the linear
  // program: 512a + 64b >= 2000, 16a + 128b >= 600 -> a = 3.37, b = 4.27, 7.6 hosts).
  const Placed p = place_text(R"(
policy: {memory_ratio: 1.0, cpu_ratio: 1.0, host_reserve: 0b, numa: none}
hosts:
  - {name: memory-rich, count: auto, memory: 512GiB, cpus: 16}
  - {name: cpu-rich, count: auto, memory: 64GiB, cpus: 128}
guests:
  - {name: big, count: 100, vcpus: 1, memory: 19GiB}
  - {name: wide, count: 100, vcpus: 5, memory: 1GiB}
)");
  CHECK(p.plan.unplaced.empty());
  CHECK(p.plan.lower_bound_hosts == 8);
  CHECK(p.plan.hosts_used >= 8);
}

TEST_CASE("pools: the fill of a memory-rich and a CPU-rich pool strands little room on their nodes") {
  // The two-models benchmark mix (bench/mixes.cpp): memory-heavy guests need CPU-heavy ones
  // beside them to use a memory-rich host's vCPUs, and a node that runs out of vCPUs with 30GiB
  // free stays so. The greedy (no search) charges a class for the room it would strand on its
  // node (fill.cpp): 1, 0, 1, 0 and 1 hosts above the bound at 1,000 guests, seeds 1 to 5.
  // Before, 2, 2, 3, 2 and 2 (11 in all), and 580 at 10,000 guests against a bound of 558
  // (3.9%; now 562).
  int above = 0;
  for (std::uint32_t seed = 1; seed <= 5; ++seed) {
    CAPTURE(seed);
    const Placed p = place_text(bench::scenario_yaml(bench::Mix::two_models, bench::shapes(bench::Mix::two_models, 1000, seed, ""), false), greedy());
    REQUIRE(p.plan.unplaced.empty());
    CHECK(p.plan.hosts_used <= p.plan.lower_bound_hosts + 1);
    above += p.plan.hosts_used - p.plan.lower_bound_hosts;
  }
  CHECK(above <= 3);
  // The target of issue 13: at most 2% above the bound at 10,000 guests, without the search.
  const Placed large = place_text(bench::scenario_yaml(bench::Mix::two_models, bench::shapes(bench::Mix::two_models, 10000, 1, ""), false), greedy());
  REQUIRE(large.plan.unplaced.empty());
  CHECK(large.plan.hosts_used * 100 <= large.plan.lower_bound_hosts * 102);
}

TEST_CASE("optimal is never claimed for a plan below its bound: failures no plan survives") {
  // Two of three zones failing put a zone anti-affinity pair in the one zone left: no plan
  // survives, place keeps the plan it has (2 hosts, where surviving would take 6 at least).
  const Loaded l = load_text(read_file("tests/fuzz/corpus/scenario/ha-zone-anti-affinity-no-plan-survives.yaml"));
  REQUIRE_MESSAGE(l.ok(), errors_of(l));
  const Plan plan = place(l.scenario);
  CHECK(plan.hosts_used < plan.lower_bound_hosts);
  CHECK_FALSE(plan.optimal());
}
