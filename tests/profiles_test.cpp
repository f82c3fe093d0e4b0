// Usage profiles (issue 14): memory in use per slot, the resident rule in every slot, the
// peak-of-sums bound, and the figures size prints (docs/model.md section 6).
#include <doctest/doctest.h>

#include "kvmplan/model/model.hpp"
#include "kvmplan/report/size_report.hpp"
#include "placement_util.hpp"

using namespace kvmplan;
using kvmplan::test::errors_of;
using kvmplan::test::load_text;
using kvmplan::test::place_text;

namespace {

// One 16GiB host (no reserve, one node): 16GiB usable. A day guest uses all of its 10GiB in
// slot 0 and a quarter in slot 1; a night guest the other way round.
const std::string day_and_night = R"(
policy: {memory_limit: resident, host_reserve: 0GiB, memory_ratio: 4.0}
profiles:
  day: {memory: [1.0, 0.25]}
  night: {memory: [0.25, 1.0]}
hosts: [{name: h, count: auto, memory: 16GiB, cpus: 8}]
flavors:
  - {name: office, vcpus: 1, memory: 10GiB, profile: day}
guests:
  - {name: desk, flavor: office}
  - {name: batch, vcpus: 1, memory: 10GiB, profile: night}
)";

}  // namespace

TEST_CASE("profiles load: a guest's usage is its profile's peak, usage_low its valley") {
  const Loaded l = load_text(day_and_night);
  REQUIRE_MESSAGE(!l.diagnostics.has_errors(), errors_of(l));
  const Scenario& s = l.scenario;
  CHECK(s.slots() == 2);
  const GuestSpec& desk = s.spec(s.guests[0]);
  CHECK(desk.profile == 0);
  CHECK(to_string(desk.usage) == "1");
  CHECK(to_string(desk.usage_low) == "0.25");
  CHECK(expected_use_by_slot(s, desk) == std::vector<Bytes>{GiB(10), MiB(2560)});
  CHECK(expected_use_by_slot(s, s.spec(s.guests[1])) == std::vector<Bytes>{MiB(2560), GiB(10)});
}

TEST_CASE("two guests whose peaks never meet share a host their peaks summed would not fit") {
  const auto p = place_text(day_and_night);
  // Slot 0: 10 + 2.5 = 12.5GiB, slot 1 the same; their peaks summed, 20GiB, are over 16.
  CHECK(p.plan.hosts_used == 1);
  CHECK(p.plan.lower_bound_hosts == 1);
  CHECK(p.check.violations.empty());
  const std::vector<HostFigures> f = plan_figures(p.scenario(), p.plan);
  REQUIRE(f.size() == 1);
  CHECK(f[0].resident_by_slot == std::vector<Bytes>{MiB(12800), MiB(12800)});
  CHECK(f[0].expected_resident == MiB(12800));
  CHECK(f[0].headroom == MiB(16384 - 12800));
  CHECK(f[0].peak_slot == 0);
  CHECK(f[0].valley_slot == 0);
  // Both at their peak all day (usage 1.0): two hosts.
  std::string flat = day_and_night;
  for (const char* profile : {"profile: day", "profile: night"}) flat.replace(flat.find(profile), std::string(profile).size(), "usage: 1.0");
  CHECK(place_text(flat).plan.hosts_used == 2);
}

TEST_CASE("check verifies every slot: two day guests on one host break the resident rule in slot 0") {
  std::string two_days = day_and_night;
  two_days.replace(two_days.find("profile: night"), 14, "profile: day");
  two_days.replace(two_days.find("count: auto, "), 13, "");
  Loaded loaded = load_text(two_days);
  REQUIRE(!loaded.diagnostics.has_errors());
  // A plan edited by hand: both on one host. Slot 0: 20GiB; slot 1: 5GiB.
  const std::string plan = R"(placements:
  - {guest: desk, host: h, nodes: [0], cpuset: "0-7"}
  - {guest: batch, host: h, nodes: [0], cpuset: "0-7"}
)";
  Diagnostics problems;
  const PlanDocument doc = read_plan_text("plan.yaml", plan, loaded.sources, problems);
  REQUIRE_MESSAGE(!problems.has_errors(), format_all(problems, loaded.sources));
  const CheckResult r = check_plan(loaded.scenario, doc, loaded.sources);
  // The host and its one node, both in slot 0.
  REQUIRE(r.violations.size() == 2);
  for (const auto& v : r.violations) CHECK(v.message.find("expected resident memory 20GiB exceeds usable memory 16GiB in slot 0") != std::string::npos);
}

TEST_CASE("the bound takes the peak of the sums, not the sum of the peaks") {
  std::string many = day_and_night;
  many.replace(many.find("{name: desk, flavor: office}"), 28, "{name: desk, count: 4, flavor: office}");
  many.replace(many.find("{name: batch,"), 13, "{name: batch, count: 4,");
  const auto p = place_text(many);
  // Each slot: 4 x 10 + 4 x 2.5 = 50GiB over 16GiB hosts: 4 at least (the peaks summed, 80GiB,
  // would say 5). Pairs of a day and a night guest make it.
  CHECK(p.plan.lower_bound_hosts == 4);
  CHECK(p.plan.hosts_used == 4);
  CHECK(p.check.violations.empty());
}

TEST_CASE("size reports the peak slot, the valley and the resident memory of every slot") {
  const auto r = kvmplan::test::run_cli({"size", "--format", "json", "scenarios/day-night.yaml"});
  REQUIRE(r.code == 0);
  CHECK(r.out.find("\"resident_by_slot\": [") != std::string::npos);
  CHECK(r.out.find("\"peak_slot\": ") != std::string::npos);
  const auto text = kvmplan::test::run_cli({"size", "scenarios/day-night.yaml"});
  CHECK(text.out.find("peak slot") != std::string::npos);
}

TEST_CASE("profile errors are located, all at once") {
  const Loaded l = load_text(R"(
profiles:
  day: {memory: [1.0, 0.25]}
  week: {memory: [0.5, 0.5, 0.5]}
  bad: {memory: [1.5, 0.2]}
  none: {memory: []}
  cpu: {memory: [0.1, 0.2], cpu: [0.5]}
hosts: [{name: h, memory: 16GiB, cpus: 8}]
guests:
  - {name: a, vcpus: 1, memory: 1GiB, profile: dya}
  - {name: b, vcpus: 1, memory: 1GiB, profile: day, usage: 0.5}
  - {name: c, vcpus: 1, memory: 1GiB, profile: week}
)");
  const std::string e = errors_of(l);
  CHECK(e.find("test.yaml:4:18: error: profiles.week.memory: has 3 slots where profile \"day\" (line 3) has 2") != std::string::npos);
  CHECK(e.find("test.yaml:5:18: error: profiles.bad.memory[0]:") != std::string::npos);
  CHECK(e.find("test.yaml:6:18: error: profiles.none.memory: expected a list of fractions, one per slot, got an empty list") != std::string::npos);
  CHECK(e.find("test.yaml:7:34: error: profiles.cpu.cpu: has 1 value for the 2 slots of memory") != std::string::npos);
  CHECK(e.find("test.yaml:10:48: error: guests[0].profile: profile \"dya\" names no profile; did you mean \"day\"?") != std::string::npos);
  CHECK(e.find("guests[1].profile: usage and profile both say what the guest uses: give one") != std::string::npos);
  // A guest naming a profile whose own entry has errors is not told it names no profile.
  CHECK(e.find("profile \"week\" names no profile") == std::string::npos);
}

TEST_CASE("CPU profiles: guests busy at different hours share CPUs that both busy at once would not") {
  const std::string s = R"(
policy: {cpu_ratio: 4.0}
profiles:
  day: {memory: [0.5, 0.5], cpu: [1.0, 0.0]}
  night: {memory: [0.5, 0.5], cpu: [0.0, 1.0]}
hosts: [{name: h, count: auto, memory: 64GiB, cpus: 8}]
guests:
  - {name: a, vcpus: 8, memory: 4GiB, profile: day}
  - {name: b, vcpus: 8, memory: 4GiB, profile: night}
)";
  // 8 busy vCPUs in each slot on 8 CPUs: one host.
  const auto apart = place_text(s);
  CHECK(apart.plan.hosts_used == 1);
  CHECK(apart.check.violations.empty());
  CHECK(plan_figures(apart.scenario(), apart.plan)[0].busy_by_slot == std::vector<std::int64_t>{8000, 8000});
  // Both busy in slot 0: 16 > 8, although cpu_ratio 4 allows 32 vCPUs.
  std::string together = s;
  together.replace(together.find("profile: night"), 14, "profile: day");
  const auto p = place_text(together);
  CHECK(p.plan.hosts_used == 2);
  CHECK(p.check.violations.empty());
}

TEST_CASE("scenarios/day-night.yaml places on fewer hosts than every guest at its peak, and check verifies every slot") {
  const std::string with_profiles = kvmplan::test::read_file("scenarios/day-night.yaml");
  std::string at_peak = with_profiles;
  for (const char* profile : {"profile: office", "profile: batch"}) {
    at_peak.replace(at_peak.find(profile), std::string(profile).size(), "usage: 0.9");
  }
  const auto p = place_text(with_profiles);
  const auto flat = place_text(at_peak);
  CHECK(p.check.violations.empty());
  CHECK(p.plan.unplaced.empty());
  // The busiest slot (9:00) holds 400 x 8 x 0.9 + 40 x 64 x 0.2 = 3392GiB of 504GiB usable
  // hosts: 7 at least; at their peaks, 5184GiB: 11.
  CHECK(p.plan.lower_bound_hosts == 7);
  CHECK(flat.plan.lower_bound_hosts == 11);
  CHECK(flat.plan.hosts_used == 11);
  CHECK(p.plan.hosts_used <= 8);
}

TEST_CASE("place, check and size count the same KSM savings for profiled guests of one image") {
  // Two 10GiB guests using 100% in slot 0 and 20% in slot 1, half shareable, one image, on a
  // 20GiB host (4GiB reserve: 16 usable). KSM counts on the valley: 2GiB shared each, 2GiB
  // saved; slot 0: 20 - 2 = 18GiB > 16. A plan with both on the host breaks the resident rule
  // for check as for place (which uses two hosts), and size's figures say the same.
  const std::string s = R"(
policy: {memory_limit: resident, numa: none, host_reserve: 4GiB}
profiles:
  p: {memory: [1.0, 0.2]}
hosts: [{name: h, count: auto, memory: 20GiB, cpus: 8}]
guests:
  - {name: a, count: 2, vcpus: 1, memory: 10GiB, profile: p, image: img, ksm_shareable: 0.5}
)";
  const auto p = place_text(s);
  CHECK(p.plan.hosts_used == 2);
  CHECK(p.plan.lower_bound_hosts == 2);
  Loaded loaded = load_text(std::string(s).replace(s.find("count: auto, "), 13, ""));
  REQUIRE(!loaded.diagnostics.has_errors());
  const std::string plan = R"(placements:
  - {guest: a-1, host: h, cpuset: "0-7"}
  - {guest: a-2, host: h, cpuset: "0-7"}
)";
  Diagnostics problems;
  const PlanDocument doc = read_plan_text("plan.yaml", plan, loaded.sources, problems);
  REQUIRE_MESSAGE(!problems.has_errors(), format_all(problems, loaded.sources));
  const CheckResult r = check_plan(loaded.scenario, doc, loaded.sources);
  REQUIRE(r.violations.size() == 1);
  CHECK(r.violations[0].message.find("expected resident memory 18GiB exceeds usable memory 16GiB in slot 0") != std::string::npos);
}
