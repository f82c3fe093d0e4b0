// Surviving failures (src/rules/failures.hpp, docs/placement.md "Surviving failures"): the
// failure rule decided with the rules themselves on the survivors, placement that keeps the room
// for it, the bound with failures, zones round-robin, drains, and every evacuation the rule
// claims checked as a plan of its own.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <random>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include <fstream>

#include "kvmplan/report/size_report.hpp"
#include "placement_util.hpp"

using namespace kvmplan;
using kvmplan::test::load_text;
using kvmplan::test::place_text;

namespace {

const FailureCase* failure_of(const FailureReport& r, const std::vector<std::string>& hosts) {
  for (const auto& c : r.broken) {
    if (c.hosts == hosts) return &c;
  }
  return nullptr;
}

CheckResult check_with(const Scenario& s, const Plan& plan, bool evacuations = false) {
  CheckOptions options;
  options.evacuations = evacuations;
  return check_plan(s, plan, options);
}

// The plan after a failure, as the rule says: the failed hosts' guests where they restart.
Plan with_restarts(const Scenario& s, Plan plan, const FailureCase& c) {
  std::map<std::string, std::size_t> host;
  for (std::size_t h = 0; h < plan.hosts.size(); ++h) host.emplace(plan.hosts[h].name, h);
  std::map<std::string, std::uint32_t> guest;
  for (std::uint32_t g = 0; g < s.guests.size(); ++g) guest.emplace(s.guests[g].name, g);
  for (const auto& r : c.restarts) {
    Placement& p = plan.placements[guest.at(r.guest)];
    p.host = static_cast<std::int32_t>(host.at(r.host));
    p.nodes.clear();
    const Host& h = plan.hosts[host.at(r.host)];
    for (int id : r.nodes) {
      for (std::size_t n = 0; n < h.nodes.size(); ++n) {
        if (h.nodes[n].id == id) p.nodes.push_back(static_cast<int>(n));
      }
    }
    p.vcpupin.assign(r.vcpupin.begin(), r.vcpupin.end());
  }
  plan.pinned.assign(plan.hosts.size(), CpuSet{});
  for (const auto& p : plan.placements) {
    for (int cpu : p.vcpupin) plan.pinned[static_cast<std::size_t>(p.host)].insert(cpu);
  }
  return plan;
}

// Violations of a plan with the failure rule off (and fixed hosts left behind: a failure moves them).
std::vector<Diagnostic> violations_without_failures(Scenario s, const Plan& plan) {
  s.policy.ha = {};
  std::vector<Diagnostic> out;
  for (auto& v : check_plan(s, plan).violations) {
    if (v.code != "fixed-host") out.push_back(std::move(v));
  }
  return out;
}

}  // namespace

TEST_CASE("failures: a guest that fits a survivor by sums but no survivor's node does not restart") {
  // Three hosts of two 16GiB nodes, no reserve, memory_ratio 1.0. a runs one 12GiB guest held to
  // one cell; b and c each run two 10GiB guests, one per node: 6GiB free on each node, 12GiB
  // on each host. By sums b takes the 12GiB guest (12 <= 12); by nodes, neither does (12 > 6).
  const auto p = place_text(R"(
policy: {host_reserve: 0b, memory_ratio: 1.0, ha: {host_failures: 1}}
hosts:
  - {name: a, numa: [{cpus: '0-7', memory: 16GiB}, {cpus: '8-15', memory: 16GiB}]}
  - {name: b, numa: [{cpus: '0-7', memory: 16GiB}, {cpus: '8-15', memory: 16GiB}]}
  - {name: c, numa: [{cpus: '0-7', memory: 16GiB}, {cpus: '8-15', memory: 16GiB}]}
guests:
  - {name: big, vcpus: 2, memory: 12GiB, numa_nodes: 1, host: a}
  - {name: b, count: 2, vcpus: 2, memory: 10GiB, numa_nodes: 1, host: b}
  - {name: c, count: 2, vcpus: 2, memory: 10GiB, numa_nodes: 1, host: c}
)",
                            {}, false);
  REQUIRE(p.node_ids("b-1") != p.node_ids("b-2"));  // one per node, as the comment says
  REQUIRE(p.check.failures);
  const FailureReport& r = *p.check.failures;
  CHECK_FALSE(r.survives);
  CHECK(r.method == "exact");
  const FailureCase* a = failure_of(r, {"a"});
  REQUIRE(a != nullptr);
  CHECK(a->stranded == std::vector<std::string>{"big"});
  CHECK(a->reason == "0/2 survivors take it: 2 memory ratio");  // the node's ratio, 10 + 12 > 16
  // check names the failure and the guest.
  CHECK(kvmplan::test::joined(p.check.violations).find("if a fails, big restart nowhere") != std::string::npos);
}

TEST_CASE("failures: dedicated guests restart only where dedicated CPUs are free, pinned to them") {
  // Three hosts with dedicated CPUs 4-7, one 2-vCPU dedicated guest each (on CPUs 4-5): a
  // survivor has CPUs 6-7 left, and a failed host's guest restarts pinned to them.
  const auto p = place_text(R"(
policy: {ha: {host_failures: 1}}
hosts: [{name: h, count: 3, memory: 32GiB, cpus: 8, dedicated_cpus: '4-7'}]
guests:
  - {name: d1, vcpus: 2, memory: 2GiB, cpu_policy: dedicated, host: h-1}
  - {name: d2, vcpus: 2, memory: 2GiB, cpu_policy: dedicated, host: h-2}
  - {name: d3, vcpus: 2, memory: 2GiB, cpu_policy: dedicated, host: h-3}
)");
  REQUIRE(p.check.failures);
  CHECK(p.check.failures->survives);
  CHECK(p.check.failures->simulated == 3);
  const CheckResult evac = check_with(p.scenario(), p.plan, true);
  REQUIRE(evac.failures);
  REQUIRE(evac.failures->evacuations.size() == 3);
  const FailureCase& first = evac.failures->evacuations[0];
  REQUIRE(first.restarts.size() == 1);
  CHECK(first.restarts[0].guest == "d1");
  CHECK(first.restarts[0].from == "h-1");
  CHECK(first.restarts[0].host == "h-2");
  CHECK(first.restarts[0].vcpupin == std::vector<int>{6, 7});  // 4-5 are d2's

  // Two hosts: h-2's two guests take all four of its dedicated CPUs, h-1 has two left. If h-2
  // fails, one of its guests restarts on h-1's CPUs 6-7 and the other finds none, though h-1
  // has 28GiB of memory free.
  const auto tight = place_text(R"(
policy: {ha: {host_failures: 1}}
hosts: [{name: h, count: 2, memory: 32GiB, cpus: 8, dedicated_cpus: '4-7'}]
guests:
  - {name: d1, vcpus: 2, memory: 2GiB, cpu_policy: dedicated, host: h-1}
  - {name: d2, vcpus: 2, memory: 2GiB, cpu_policy: dedicated, host: h-2}
  - {name: d3, vcpus: 2, memory: 2GiB, cpu_policy: dedicated, host: h-2}
)",
                                {}, false);
  REQUIRE(tight.check.failures);
  CHECK_FALSE(tight.check.failures->survives);
  const FailureCase* h2 = failure_of(*tight.check.failures, {"h-2"});
  REQUIRE(h2 != nullptr);
  CHECK(h2->stranded == std::vector<std::string>{"d3"});
  CHECK(h2->reason == "0/1 survivor takes it: 1 dedicated CPUs");
  // And if h-1 fails, d1 finds h-2's dedicated CPUs all taken.
  const FailureCase* h1 = failure_of(*tight.check.failures, {"h-1"});
  REQUIRE(h1 != nullptr);
  CHECK(h1->stranded == std::vector<std::string>{"d1"});
}

TEST_CASE("failures: losing one of three zones, with a pool's hosts round-robin over them") {
  // Hosts of 64GiB (60GiB usable, ratio 1.0) in zones a, b, c in turn; 24 guests of 10GiB, six
  // per host: 4 hosts without failures. Surviving any one zone: the other two zones hold every
  // guest, so H - ceil(H / 3) >= 4: H = 6 (two per zone).
  const auto p = place_text(R"(
policy: {memory_ratio: 1.0, ha: {zone_failures: 1}}
hosts: [{name: h, count: auto, memory: 64GiB, cpus: 32, zones: [a, b, c]}]
guests: [{name: g, count: 24, vcpus: 1, memory: 10GiB}]
)");
  REQUIRE(p.check.failures);
  CHECK(p.check.failures->survives);
  CHECK(p.check.failures->simulated == 3);  // each zone once
  CHECK(p.plan.lower_bound_hosts == 6);
  CHECK(p.plan.hosts_used == 6);
  REQUIRE(p.plan.hosts.size() == 6);
  const char* zones[] = {"a", "b", "c", "a", "b", "c"};
  for (std::size_t h = 0; h < 6; ++h) CHECK(p.plan.hosts[h].zone == zones[h]);
  // The plan says each host's zone, and check reads it back.
  CHECK(p.yaml.find("{name: \"h-1\", pool: \"h\", zone: \"a\"") != std::string::npos);
  // With one zone, no plan survives losing it: the bound says so, check says why.
  const auto one = place_text(R"(
policy: {ha: {zone_failures: 1}}
hosts: [{name: h, count: auto, memory: 64GiB, cpus: 32, zone: a}]
guests: [{name: g, count: 2, vcpus: 1, memory: 10GiB}]
)",
                              {}, false);
  REQUIRE(one.check.failures);
  CHECK_FALSE(one.check.failures->survives);
  CHECK(kvmplan::test::joined(one.check.violations).find("if a fail") != std::string::npos);
}

TEST_CASE("failures: spreading a pool's hosts spreads them over its zones") {
  // Three pools of one shape, one per zone. Packing needs 6 hosts (six 10GiB guests on 60GiB
  // each); spreading opens them two per zone, and each zone runs a third of the guests.
  const auto p = place_text(R"(
policy: {objective: spread, memory_ratio: 1.0}
hosts:
  - {name: ra, count: auto, memory: 64GiB, cpus: 32, zone: a}
  - {name: rb, count: auto, memory: 64GiB, cpus: 32, zone: b}
  - {name: rc, count: auto, memory: 64GiB, cpus: 32, zone: c}
guests: [{name: g, count: 36, vcpus: 1, memory: 10GiB}]
)");
  std::map<std::string, int> guests_per_zone, hosts_per_zone;
  for (const auto& pl : p.plan.placements) ++guests_per_zone[p.plan.hosts[static_cast<std::size_t>(pl.host)].zone];
  for (const auto& h : p.plan.hosts) ++hosts_per_zone[h.zone];
  CHECK(guests_per_zone == std::map<std::string, int>{{"a", 12}, {"b", 12}, {"c", 12}});
  CHECK(hosts_per_zone == std::map<std::string, int>{{"a", 2}, {"b", 2}, {"c", 2}});
}

TEST_CASE("failures: the cluster needs more hosts with each host it must survive, and check agrees") {
  int previous = 0;
  for (int k = 0; k <= 3; ++k) {
    CAPTURE(k);
    std::string text = kvmplan::test::read_file("scenarios/cluster.yaml");
    text.replace(text.find("policy:\n"), 8, "policy:\n  ha: {host_failures: " + std::to_string(k) + "}\n");
    const auto p = place_text(text);
    CHECK(p.plan.unplaced.empty());
    CHECK(p.plan.hosts_used > previous);
    CHECK(p.plan.hosts_used >= p.plan.lower_bound_hosts);
    if (k > 0) {
      REQUIRE(p.check.failures);
      CHECK(p.check.failures->survives);
      CHECK(p.check.failures->host_failures == k);
    }
    previous = p.plan.hosts_used;
  }
}

TEST_CASE("failures: check rejects the plan made without failures, naming the host") {
  std::string text = kvmplan::test::read_file("scenarios/cluster.yaml");
  const auto p0 = place_text(text);
  text.replace(text.find("policy:\n"), 8, "policy:\n  ha: {host_failures: 1}\n");
  auto loaded = load_text(text);
  REQUIRE(loaded.ok());
  const CheckResult c = kvmplan::test::check_text(loaded, p0.yaml);
  REQUIRE(c.failures);
  CHECK_FALSE(c.failures->survives);
  REQUIRE_FALSE(c.violations.empty());
  CHECK(c.violations.front().code == "host-failures");
  CHECK(c.violations.front().path == "host " + p0.plan.hosts[0].name);
  CHECK(c.violations.front().message.find("if " + p0.plan.hosts[0].name + " fails, ") == 0);
}

TEST_CASE("failures: every evacuation the rule claims is a plan check accepts, and pairs agree with a brute force") {
  // Small random clusters of one-node hosts: for each host alone and each pair of hosts, the
  // rule's evacuation (a drain of those hosts) must be a valid plan once applied; and when the
  // rule restarts everything, so does some assignment the brute force finds; when it strands a
  // guest, the brute force tells whether any assignment would have restarted it.
  std::mt19937 rng(7);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  int pairs = 0, agree = 0, brute_only = 0;
  for (int round = 0; round < 40; ++round) {
    CAPTURE(round);
    std::ostringstream s;
    s << "policy: {memory_ratio: 1.0, cpu_ratio: 2, host_reserve: 0b, numa: strict}\nhosts:\n";
    const int hosts = pick(3, 5);
    for (int h = 1; h <= hosts; ++h) s << "  - {name: h" << h << ", memory: " << pick(8, 16) << "GiB, cpus: " << pick(2, 6) << "}\n";
    s << "groups: [{name: apart, policy: anti-affinity}]\nguests:\n";
    const int guests = pick(3, 7);
    for (int g = 1; g <= guests; ++g) {
      s << "  - {name: g" << g << ", vcpus: " << pick(1, 3) << ", memory: " << pick(1, 5) << "GiB" << (pick(0, 4) == 0 ? ", groups: [apart]" : "") << "}\n";
    }
    auto p = place_text(s.str());
    if (!p.plan.unplaced.empty()) continue;
    std::vector<std::vector<std::string>> sets;
    for (const auto& h : p.plan.hosts) sets.push_back({h.name});
    for (std::size_t a = 0; a < p.plan.hosts.size(); ++a) {
      for (std::size_t b = a + 1; b < p.plan.hosts.size(); ++b) sets.push_back({p.plan.hosts[a].name, p.plan.hosts[b].name});
    }
    Diagnostics problems;
    const PlanDocument doc = read_plan_text("plan.yaml", p.yaml, p.loaded.sources, problems);
    for (const auto& failed : sets) {
      CAPTURE(failed.front());
      const auto drained = drain_plan(p.scenario(), doc, failed);
      REQUIRE(drained);
      const Plan after = with_restarts(p.scenario(), p.plan, *drained);
      CHECK_MESSAGE(violations_without_failures(p.scenario(), after).empty(), kvmplan::test::joined(violations_without_failures(p.scenario(), after)));
      if (failed.size() != 2) continue;
      // Brute force: every host for every guest of the failed pair, among the survivors.
      std::vector<std::uint32_t> victims;
      for (std::uint32_t g = 0; g < p.scenario().guests.size(); ++g) {
        const auto& h = p.plan.hosts[static_cast<std::size_t>(p.plan.placements[g].host)].name;
        if (h == failed[0] || h == failed[1]) victims.push_back(g);
      }
      std::vector<std::size_t> survivors;
      for (std::size_t h = 0; h < p.plan.hosts.size(); ++h) {
        if (p.plan.hosts[h].name != failed[0] && p.plan.hosts[h].name != failed[1]) survivors.push_back(h);
      }
      bool any = false;
      std::vector<std::size_t> choice(victims.size(), 0);
      while (!any) {
        Plan trial = p.plan;
        for (std::size_t i = 0; i < victims.size(); ++i) trial.placements[victims[i]].host = static_cast<std::int32_t>(survivors[choice[i]]);
        any = violations_without_failures(p.scenario(), trial).empty();
        std::size_t i = 0;
        while (i < choice.size() && ++choice[i] == survivors.size()) choice[i++] = 0;
        if (i == choice.size()) break;
      }
      ++pairs;
      const bool rule = drained->stranded.empty();
      if (rule) CHECK(any);  // sound: what the rule restarts, restarts
      agree += rule == any;
      brute_only += !rule && any;
    }
  }
  MESSAGE(pairs << " pair failures: the rule and the brute force agree on " << agree << ", the brute force restarts more on " << brute_only);
  CHECK(pairs > 100);
  CHECK(agree * 10 >= pairs * 9);  // first fit, largest first, misses a packing rarely
}

TEST_CASE("failures: place --failures writes where guests restart, check reads it back, drain moves a host's guests") {
  const kvmplan::test::TempDir tmp("failover");
  std::string text = kvmplan::test::read_file("scenarios/cluster.yaml");
  text.replace(text.find("policy:\n"), 8, "policy:\n  ha: {host_failures: 1}\n");
  const std::string scenario = (tmp / "cluster.yaml").string();
  std::ofstream(scenario) << text;
  for (const char* format : {"yaml", "json"}) {
    CAPTURE(format);
    const std::string plan = (tmp / (std::string("plan.") + format)).string();
    const auto placed = kvmplan::test::run_cli({"place", scenario, "--failures", "--format", format, "-o", plan});
    CHECK(placed.code == 0);
    CHECK(placed.err.find("survives any 1 host: yes (7 failures simulated") != std::string::npos);
    const std::string doc = kvmplan::test::read_file(plan);
    CHECK(doc.find("failover") != std::string::npos);
    const bool listed = doc.find("\"failure\": \"host compute-1\"") != std::string::npos || doc.find("failure: \"host compute-1\"") != std::string::npos;
    CHECK(listed);
    const auto checked = kvmplan::test::run_cli({"check", scenario, "--placement", plan});
    CHECK(checked.code == 0);
    CHECK(checked.err.find("survives any 1 host: yes") != std::string::npos);
  }
  const std::string plan = (tmp / "plan.yaml").string();
  const auto drained = kvmplan::test::run_cli({"drain", scenario, "--placement", plan, "compute-3", "--format", "json"});
  CHECK(drained.code == 0);
  const YAML::Node moves = YAML::Load(drained.out)["moves"];
  REQUIRE(moves.size() > 0);
  for (const auto& m : moves) {
    CHECK(m["from"].as<std::string>() == "compute-3");
    CHECK(m["to"].as<std::string>() != "compute-3");
  }
  // A host the plan does not have: exit 2, nothing printed on standard output.
  const auto unknown = kvmplan::test::run_cli({"drain", scenario, "--placement", plan, "--host", "nosuch"});
  CHECK(unknown.code == 2);
  CHECK(unknown.out.empty());
  CHECK(unknown.err.find("\"nosuch\" is neither a scenario file nor a host of the plan") != std::string::npos);
}

TEST_CASE("failures: the bound counts fixed guests as free to restart, and a host named twice drains once") {
  // Three hosts with one 1GiB guest fixed on each, any one host to survive: if h-1 fails, its
  // guest restarts on h-2. Two hosts would hold all three guests, so the bound is 1 + 1 = 2, not
  // the three hosts the fixed guests name.
  const auto p = place_text(R"(
policy: {ha: {host_failures: 1}}
hosts: [{name: h, count: 3, memory: 8GiB, cpus: 4}]
guests:
  - {name: a, vcpus: 1, memory: 1GiB, host: h-1}
  - {name: b, vcpus: 1, memory: 1GiB, host: h-2}
  - {name: c, vcpus: 1, memory: 1GiB, host: h-3}
)");
  REQUIRE(p.check.failures);
  CHECK(p.check.failures->survives);
  CHECK(p.plan.lower_bound_hosts == 2);
  CHECK(p.plan.hosts_used == 3);
  SourceFiles sources = p.loaded.sources;
  Diagnostics problems;
  const PlanDocument doc = read_plan_text("plan.yaml", p.yaml, sources, problems);
  const auto once = drain_plan(p.scenario(), doc, {"h-1"});
  const auto twice = drain_plan(p.scenario(), doc, {"h-1", "h-1"});
  REQUIRE(once);
  REQUIRE(twice);
  CHECK(once->restarts.size() == 1);
  CHECK(twice->restarts.size() == 1);
}

TEST_CASE("failures: evacuations with NUMA nodes and groups at every scope are valid plans") {
  // Two-node hosts in two zones, guests of node, host and zone groups, some dedicated: every
  // single and pair drain the rule claims, applied, is a plan check accepts.
  std::mt19937 rng(11);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  const char* groups[] = {"pair-node", "spread-node", "pair-host", "spread-host", "spread-zone"};
  int drains = 0;
  for (int round = 0; round < 30; ++round) {
    CAPTURE(round);
    std::ostringstream s;
    s << "policy: {memory_ratio: 1.2, cpu_ratio: 2, host_reserve: 0b}\nhosts:\n";
    for (int h = 1; h <= pick(3, 5); ++h) {
      s << "  - {name: h" << h << ", zone: z" << h % 2 << ", threads_per_core: 2, numa: [{cpus: '0-3,8-11', memory: 16GiB}, {cpus: '4-7,12-15', memory: 16GiB}]}\n";
    }
    s << "groups:\n  - {name: pair-node, policy: affinity, scope: node}\n  - {name: spread-node, policy: anti-affinity, scope: node}\n"
         "  - {name: pair-host, policy: affinity}\n  - {name: spread-host, policy: anti-affinity}\n"
         "  - {name: spread-zone, policy: anti-affinity, scope: zone}\nguests:\n";
    for (int g = 1; g <= pick(4, 9); ++g) {
      s << "  - {name: g" << g << ", vcpus: " << pick(1, 3) << ", memory: " << pick(1, 6) << "GiB";
      if (pick(0, 3) == 0) s << ", cpu_policy: dedicated";
      if (pick(0, 1) == 0) s << ", groups: [" << groups[pick(0, 4)] << "]";
      s << "}\n";
    }
    auto p = place_text(s.str());
    Diagnostics problems;
    const PlanDocument doc = read_plan_text("plan.yaml", p.yaml, p.loaded.sources, problems);
    for (std::size_t a = 0; a < p.plan.hosts.size(); ++a) {
      for (std::size_t b = a; b < p.plan.hosts.size(); ++b) {
        const auto drained = drain_plan(p.scenario(), doc, {p.plan.hosts[a].name, p.plan.hosts[b].name});
        REQUIRE(drained);
        const auto broken = violations_without_failures(p.scenario(), with_restarts(p.scenario(), p.plan, *drained));
        CHECK_MESSAGE(broken.empty(), kvmplan::test::joined(broken) << s.str());
        ++drains;
      }
    }
  }
  CHECK(drains > 200);
}
