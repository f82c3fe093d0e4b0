// kvmplan headroom: equal to brute force on small clusters (every way of adding k guests,
// judged by check, for increasing k), the command line's plan handling and errors.
#include <doctest/doctest.h>

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <functional>

#include "kvmplan/placement/headroom.hpp"
#include "kvmplan/placement/place.hpp"
#include "kvmplan/plan/check.hpp"
#include "test_util.hpp"

using namespace kvmplan;
using namespace kvmplan::test;

namespace {

// Three hosts of 16GiB and 8 CPUs, no reserve, host-level placement, ratios 1.0.
std::string cluster(const std::string& extra_policy, const std::string& extra_guests) {
  return "policy: {memory_ratio: 1.0, cpu_ratio: 1.0, host_reserve: 0b, numa: none, swap_baseline: none" + extra_policy +
         "}\n"
         "hosts: [{name: kvm, count: 3, memory: 16GiB, cpus: 8}]\n"
         "groups: [{name: apart, policy: anti-affinity}]\n"
         "flavors: [{name: small, vcpus: 1, memory: 2GiB}, {name: big, vcpus: 3, memory: 6GiB}]\n"
         "guests:\n"
         "  - {name: s, count: 5, flavor: small}\n"
         "  - {name: b, count: 2, flavor: big, groups: [apart]}\n" +
         extra_guests;
}

// The most guests like the first of `flavor` (its entry's keys and groups) that some assignment
// to hosts adds to `plan` with check accepting the whole (and its failures survived).
std::int64_t brute_force(const std::string& extra_policy, const Plan& plan, const std::string& flavor, const std::string& groups) {
  std::int64_t best = 0;
  for (std::int64_t k = 1;; ++k) {
    const Loaded more = load_text(cluster(extra_policy, "  - {name: x, count: " + std::to_string(k) + ", flavor: " + flavor + groups + "}\n"));
    REQUIRE(more.ok());
    const std::size_t base = plan.placements.size();
    bool found = false;
    // Multisets of hosts for the k guests: host[i] <= host[i+1] (they are interchangeable).
    std::vector<int> host(static_cast<std::size_t>(k), 0);
    std::function<void(std::size_t, int)> assign = [&](std::size_t i, int from) {
      if (found) return;
      if (i == host.size()) {
        Plan p = plan;
        for (int h : host) {
          Placement pl;
          pl.host = h;
          p.placements.push_back(pl);
        }
        REQUIRE(p.placements.size() == base + host.size());
        const CheckResult c = check_plan(more.scenario, p);
        found = c.ok() && (!c.failures || c.failures->survives);
        return;
      }
      for (int h = from; h < static_cast<int>(plan.hosts.size()); ++h) {
        host[i] = h;
        assign(i + 1, h);
      }
    };
    assign(0, 0);
    if (!found) return best;
    best = k;
  }
}

}  // namespace

TEST_CASE("headroom equals brute force on small clusters: alone, in an anti-affinity group, with N+1") {
  struct Case {
    std::string policy, flavor, groups;
  };
  const std::vector<Case> cases{
      {"", "small", ""},
      {"", "big", ", groups: [apart]"},  // the first big guest's entry is in the group: one per host
      {", ha: {host_failures: 1}", "small", ""},
      {", ha: {host_failures: 1}", "big", ", groups: [apart]"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.policy);
    CAPTURE(c.flavor);
    const Loaded loaded = load_text(cluster(c.policy, ""));
    REQUIRE(loaded.ok());
    const Plan plan = place(loaded.scenario);
    REQUIRE(plan.unplaced.empty());
    const auto report = headroom(loaded.scenario, plan, {c.flavor}, false);
    REQUIRE(report);
    REQUIRE(report->flavors.size() == 1);
    const auto& f = report->flavors[0];
    CHECK(f.fits == brute_force(c.policy, plan, c.flavor, c.groups));
    std::int64_t sum = 0;
    for (auto n : f.per_host) sum += n;
    CHECK(sum == f.fits);
  }
}

TEST_CASE("headroom: a given plan, every flavor, tiered, and errors") {
  const TempDir tmp("headroom");
  const std::string file = (tmp / "s.yaml").string(), plan = (tmp / "plan.yaml").string();
  std::ofstream(file) << cluster("", "");
  REQUIRE(run_cli({"place", file, "-q", "-o", plan}).code == 0);
  const auto r = run_cli({"headroom", file, "--placement", plan, "--format", "json"});
  REQUIRE(r.code == 0);
  const YAML::Node d = YAML::Load(r.out);
  // 48GiB and 24 CPUs in all; the guests take 5 x 2 + 2 x 6 = 22GiB and 5 + 6 = 11 vCPUs:
  // 26GiB and 13 CPUs free. small (2GiB, 1 vCPU): memory allows 13 only if every host's free
  // memory is even: the plan's own place decides; the sum of per_host is the total.
  REQUIRE(d["flavors"].size() == 2);
  CHECK(d["flavors"][0]["flavor"].as<std::string>() == "small");
  CHECK(d["flavors"][1]["flavor"].as<std::string>() == "big");
  // big joins "apart": one per host, and two hosts hold one already.
  CHECK(d["flavors"][1]["fits"].as<int>() == 1);
  std::int64_t sum = 0;
  for (const auto& kv : d["flavors"][0]["per_host"]) sum += kv.second.as<std::int64_t>();
  CHECK(sum == d["flavors"][0]["fits"].as<std::int64_t>());
  CHECK(d["flavors"][0]["per_host"].size() == 3);
  // Tiered: big first (the larger), then small on what it left.
  REQUIRE(d["tiered"].size() == 2);
  CHECK(d["tiered"][0]["flavor"].as<std::string>() == "big");
  CHECK(d["tiered"][0]["fits"].as<int>() == 1);
  CHECK(d["tiered"][1]["fits"].as<int>() <= d["flavors"][0]["fits"].as<int>());
  // Without --placement: place's own plan, the same plan here.
  CHECK(run_cli({"headroom", file, "--format", "json"}).out == r.out);

  const auto bad = run_cli({"headroom", file, "--flavor", "smal"});
  CHECK(bad.code == 2);
  CHECK(bad.out.empty());
  CHECK(bad.err == "kvmplan: error: --flavor: no guest has flavor \"smal\"; did you mean \"small\"? (headroom adds guests like the first of a flavor's guests)\n");
  // A plan check rejects is refused, as size --placement refuses it.
  std::ofstream(file) << cluster("", "").replace(cluster("", "").find("memory: 16GiB"), 13, "memory: 8GiB");
  const auto refused = run_cli({"headroom", file, "--placement", plan});
  CHECK(refused.code == 1);
  CHECK(refused.out.empty());
  CHECK(refused.err.find("check rejects the plan") != std::string::npos);
}
