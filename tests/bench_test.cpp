// The benchmark's scenarios and figures, at a small size: no time is asserted here.
#include <doctest/doctest.h>

#include <algorithm>

#include "mixes.hpp"
#include "placement_util.hpp"

using namespace kvmplan;

namespace {
const std::string azure_csv = std::string(KVMPLAN_DATA_DIR) + "/azure-packing-2020/vm_alive_at_t0_sample.csv";
}

TEST_CASE("every mix: compact and expanded files hold the same guests") {
  for (bench::Mix mix : bench::all_mixes) {
    CAPTURE(bench::mix_name(mix));
    const auto shapes = bench::shapes(mix, 300, 1, azure_csv);
    std::int64_t total = 0;
    for (const auto& s : shapes) total += s.count;
    CHECK(total == 300);
    const auto compact = kvmplan::test::load_text(bench::scenario_yaml(mix, shapes, false));
    const auto expanded = kvmplan::test::load_text(bench::scenario_yaml(mix, shapes, true));
    REQUIRE_MESSAGE(compact.ok(), kvmplan::test::errors_of(compact));
    REQUIRE_MESSAGE(expanded.ok(), kvmplan::test::errors_of(expanded));
    CHECK(compact.scenario.guests.size() == 300);
    CHECK(expanded.scenario.guests.size() == 300);
    CHECK(expanded.scenario.specs.size() == 300);  // one entry per guest
  }
}

TEST_CASE("every mix: the plan and the first-fit-decreasing baseline pass check, and the figures are consistent") {
  for (bench::Mix mix : bench::all_mixes) {
    CAPTURE(bench::mix_name(mix));
    auto p = kvmplan::test::place_text(bench::scenario_yaml(mix, bench::shapes(mix, 400, 7, azure_csv), false));
    CHECK(p.plan.unplaced.empty());
    CHECK(p.plan.hosts_used >= p.plan.lower_bound_hosts);
    const Plan ffd = place(p.loaded.scenario, {PlaceOptions::Order::memory, false});
    std::ostringstream out;
    write_plan(out, p.loaded.scenario, ffd, PlanFormat::yaml);
    const CheckResult checked = kvmplan::test::check_text(p.loaded, out.str());
    CHECK_MESSAGE(checked.ok(), kvmplan::test::joined(checked.violations));
    CHECK(ffd.hosts_used >= p.plan.lower_bound_hosts);
    CHECK(p.plan.hosts_used <= ffd.hosts_used);  // the portfolio holds the baseline
  }
}

TEST_CASE("the azure mix follows the trace's frequencies") {
  // 7,135 VMs of the sample fit the host model (261 are larger than two of its 190GiB nodes, one of
  // them also wider than its 48 cores); 2 vCPUs / 7GB is the most common shape: 746 VMs of exactly 200
  // hundredths of a vCPU, 830 with the fractional ones that round up to 2.
  const auto shapes = bench::shapes(bench::Mix::azure, 7135, 1, azure_csv);
  const auto top = std::max_element(shapes.begin(), shapes.end(), [](const auto& a, const auto& b) { return a.count < b.count; });
  CHECK(top->vcpus == 2);
  CHECK(top->memory == MiB(7 * 1024));
  CHECK(top->count == 830);
}
