// A plan edited by hand (or by an attacker) is read as carefully as a scenario: names that are
// no names, ids beyond their limits and bad cpulists are input errors at their position, exit 2,
// before check or an export sees them.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "kvmplan/report/problems.hpp"
#include "kvmplan/libvirt/domain_export.hpp"
#include "placement_util.hpp"
#include "plan/plan_lines.hpp"

namespace fs = std::filesystem;
using namespace kvmplan;
using kvmplan::test::read_file;
using kvmplan::test::run_cli;
using kvmplan::test::Placed;
using kvmplan::test::place_text;

namespace {

std::string read_errors(const std::string& plan) {
  SourceFiles sources;
  Diagnostics problems;
  read_plan_text("plan.yaml", plan, sources, problems);
  return format_all(problems, sources);
}

}  // namespace

TEST_CASE("names in a plan are held to the scenario's rule") {
  // A pool host named /abs/path/victim or ../../../X once made export host write outside -o.
  CHECK(read_errors("placements: []\nhosts:\n  - {name: \"../../../X\", pool: compute}\n") ==
        "plan.yaml:3:12: error: hosts[0].name: \"../../../X\" has a character outside [A-Za-z0-9._-]\n"
        "  - {name: \"../../../X\", pool: compute}\n"
        "           ^\n");
  CHECK(read_errors("placements: []\nhosts:\n  - {name: ok, pool: /abs/victim}\n").find("hosts[0].pool: \"/abs/victim\" has a character outside") != std::string::npos);
  CHECK(read_errors("placements:\n  - {guest: \"\", host: h}\n").find("placements[0].guest: a name cannot be empty") != std::string::npos);
  CHECK(read_errors("placements:\n  - {guest: .x, host: h}\n").find("placements[0].guest: \".x\" starts with '.'") != std::string::npos);
  CHECK(read_errors("placements:\n  - {guest: g, host: \"a\\nb\"}\n").find("placements[0].host: \"a?b\" has a character outside") != std::string::npos);
}

TEST_CASE("ids and counts in a plan are read within their limits") {
  // vcpupin 2147483648 was cast to INT_MIN and grew a CPU set to 2^58 words.
  CHECK(read_errors("placements:\n  - {guest: g, host: h, vcpupin: [0, 2147483648]}\n") ==
        "plan.yaml:2:38: error: placements[0].vcpupin[1]: \"2147483648\" must be at most 8191\n"
        "  - {guest: g, host: h, vcpupin: [0, 2147483648]}\n"
        "                                     ^\n");
  CHECK(read_errors("placements:\n  - {guest: g, host: h, nodes: [4294967296]}\n").find("nodes[0]: \"4294967296\" must be at most 1023") != std::string::npos);
  CHECK(read_errors("placements:\n  - {guest: g, host: h, vcpupin: [-1]}\n").find("vcpupin[0]: \"-1\" must be at least 0") != std::string::npos);
  // A cpuset past the highest CPU id is bad input, not a violation.
  CHECK(read_errors("placements:\n  - {guest: g, host: h, cpuset: \"65536\"}\n").find("placements[0].cpuset: \"65536\": CPU 65536 is beyond 8191") != std::string::npos);
  CHECK(read_errors("placements:\n  - {guest: g, host: h, vcpus: 99999}\n").find("vcpus: \"99999\" must be at most 8192") != std::string::npos);
  CHECK(read_errors("placements: []\n---\nplacements: []\n").find("plan.yaml:2:1: error: a second YAML document") == 0);
}

TEST_CASE("a cpuset written loosely is read canonically, and exported so") {
  auto p = kvmplan::test::place_text("hosts: [{name: h, memory: 16GiB, cpus: 8}]\nguests: [{name: g, vcpus: 2, memory: 1GiB}]\n");
  std::string plan = p.yaml;
  const std::string from = "cpuset: \"0-7\"";
  REQUIRE(plan.find(from) != std::string::npos);
  plan.replace(plan.find(from), from.size(), "cpuset: \" 0-3 , 4-7 \"");
  Diagnostics problems;
  const PlanDocument doc = read_plan_text("plan.yaml", plan, p.loaded.sources, problems);
  REQUIRE_FALSE(problems.has_errors());
  CHECK(check_plan(p.scenario(), doc, p.loaded.sources).ok());
  const auto domains = export_domains(p.scenario(), doc);
  REQUIRE(domains.size() == 1);
  CHECK(domains[0].xml.find("cpuset=\"0-7\"") != std::string::npos);
}

TEST_CASE("exports refuse a plan with unplaced guests, and write nothing") {
  const kvmplan::test::TempDir tmp("unplaced-export");
  const std::string scenario = (tmp / "s.yaml").string(), plan = (tmp / "plan.yaml").string();
  std::ofstream(scenario) << "hosts: [{name: h, memory: 8GiB, cpus: 4}]\n"
                             "guests: [{name: small, vcpus: 1, memory: 1GiB}, {name: big, vcpus: 1, memory: 64GiB}]\n";
  CHECK(run_cli({"place", scenario, "-o", plan, "-q"}).code == 1);
  for (const char* what : {"libvirt", "host", "ansible"}) {
    CAPTURE(what);
    const auto r = run_cli({"export", what, scenario, "--placement", plan, "-o", (tmp / what).string()});
    CHECK(r.code == 1);
    CHECK(r.err.find("big: unplaced\n") != std::string::npos);
    CHECK(r.err.find("check rejects the plan (0 violations, 1 unplaced): nothing exported") != std::string::npos);
    CHECK_FALSE(fs::exists(tmp / what));
  }
}

TEST_CASE("a plan as place writes it is read line by line, failures and failover included") {
  // The line reader (plan_lines.hpp) once took `optimal` for the hosts list and `failures` for
  // failover, and handed every plan to the YAML reader: seconds for 100k guests, not 0.1.
  const Placed p = place_text(R"(
policy: {numa: none, ha: {host_failures: 1}}
hosts: [{name: kvm, count: auto, memory: 64GiB, cpus: 16}]
guests: [{name: g, count: 4, vcpus: 2, memory: 8GiB}]
)");
  CheckOptions options;
  options.evacuations = true;
  const CheckResult checked = check_plan(p.loaded.scenario, p.plan, options);
  REQUIRE(checked.failures);
  for (const auto format : {PlanFormat::yaml, PlanFormat::json}) {
    std::ostringstream text;
    write_plan(text, p.loaded.scenario, p.plan, format, &*checked.failures);
    PlanDocument doc;
    REQUIRE(plan_lines::read(text.str(), 0, doc));
    CHECK(doc.placements.size() == 4);
    CHECK(doc.hosts.size() == p.plan.hosts.size());
  }
}
