#pragma once
// Place a scenario, write the plan, read it back and check it: every placement test runs the
// independent checker on what the placer produced.
#include <doctest/doctest.h>

#include <sstream>

#include "kvmplan/report/problems.hpp"
#include "kvmplan/plan/check.hpp"
#include "kvmplan/placement/place.hpp"
#include "kvmplan/plan/plan_reader.hpp"
#include "kvmplan/plan/plan_writer.hpp"
#include "test_util.hpp"

namespace kvmplan::test {

struct Placed {
  Loaded loaded;
  Plan plan;
  std::string yaml;
  CheckResult check;

  const Scenario& scenario() const { return loaded.scenario; }
  std::uint32_t guest(const std::string& name) const {
    for (std::uint32_t g = 0; g < loaded.scenario.guests.size(); ++g) {
      if (loaded.scenario.guests[g].name == name) return g;
    }
    FAIL("no guest " << name);
    return 0;
  }
  const Placement& at(const std::string& name) const { return plan.placements[guest(name)]; }
  std::string host_of(const std::string& name) const {
    const Placement& p = at(name);
    return p.host < 0 ? "" : plan.hosts[static_cast<std::size_t>(p.host)].name;
  }
  std::vector<int> node_ids(const std::string& name) const {
    const Placement& p = at(name);
    std::vector<int> ids;
    for (int n : p.nodes) ids.push_back(plan.hosts[static_cast<std::size_t>(p.host)].nodes[static_cast<std::size_t>(n)].id);
    return ids;
  }
  std::vector<int> pins(const std::string& name) const {
    const Placement& p = at(name);
    return {p.vcpupin.begin(), p.vcpupin.end()};
  }
  std::string cpuset(const std::string& name) const {
    const std::uint32_t g = guest(name);
    return to_string(plan.cpuset(g, scenario().spec(scenario().guests[g]).vcpus));
  }
};

inline CheckResult check_text(Loaded& loaded, const std::string& plan_text) {
  Diagnostics problems;
  const PlanDocument doc = read_plan_text("plan.yaml", plan_text, loaded.sources, problems);
  REQUIRE_MESSAGE(!problems.has_errors(), format_all(problems, loaded.sources));
  return check_plan(loaded.scenario, doc, loaded.sources);
}

inline std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

// Violations as check prints them, without the file: "subject: message" per line.
inline std::string joined(const std::vector<Diagnostic>& violations) {
  std::string out;
  for (const auto& v : violations) out += violation_line(v, SourceFiles{}) + "\n";
  return out;
}

// `valid`: the plan must pass check (false for scenarios whose fixed guests break a rule).
inline Placed place_text(const std::string& yaml, const PlaceOptions& options = {}, bool valid = true) {
  Placed p;
  p.loaded = load_text(yaml);
  REQUIRE_MESSAGE(p.loaded.ok(), errors_of(p.loaded));
  p.plan = place(p.loaded.scenario, options);
  std::ostringstream out;
  write_plan(out, p.loaded.scenario, p.plan, PlanFormat::yaml);
  p.yaml = out.str();
  p.check = check_text(p.loaded, p.yaml);
  if (valid) CHECK_MESSAGE(p.check.violations.empty(), joined(p.check.violations));
  return p;
}

}  // namespace kvmplan::test
