// The benchmark's scenarios and figures, at a small size: no time is asserted here.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>

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

// The adversarial mixes (kvmplan-bench --mix adversarial).

TEST_CASE("adversarial mixes: the guests asked, in compact and expanded files") {
  for (bench::Mix mix : bench::adversarial_mixes) {
    for (std::int64_t guests : {1, 2, 9, 10, 137}) {
      CAPTURE(bench::mix_name(mix));
      CAPTURE(guests);
      const auto shapes = bench::shapes(mix, guests, 3, azure_csv);
      std::int64_t total = 0;
      for (const auto& s : shapes) total += s.count;
      CHECK(total == guests);
      const auto compact = kvmplan::test::load_text(bench::scenario_yaml(mix, shapes, false));
      const auto expanded = kvmplan::test::load_text(bench::scenario_yaml(mix, shapes, true));
      REQUIRE_MESSAGE(compact.ok(), kvmplan::test::errors_of(compact));
      REQUIRE_MESSAGE(expanded.ok(), kvmplan::test::errors_of(expanded));
      CHECK(compact.scenario.guests.size() == static_cast<std::size_t>(guests));
      CHECK(expanded.scenario.guests.size() == static_cast<std::size_t>(guests));
    }
  }
  CHECK(bench::parse_mix("zero-slack") == bench::Mix::zero_slack);
  CHECK(bench::parse_mix("two-models") == bench::Mix::two_models);
  CHECK(bench::parse_mix("adversarial") == std::nullopt);  // a list, as `all` is
}

TEST_CASE("zero-slack: every host is cut whole into 2 to 8 guests") {
  for (std::int64_t guests : {2, 9, 10, 11, 500}) {
    CAPTURE(guests);
    const bench::Cut cut = bench::zero_slack_cut(guests, 5);
    REQUIRE(cut.guests.size() == static_cast<std::size_t>(guests));
    REQUIRE(cut.host.size() == cut.guests.size());
    std::vector<std::int64_t> memory(static_cast<std::size_t>(cut.hosts)), vcpus(memory.size()), count(memory.size());
    for (std::size_t i = 0; i < cut.guests.size(); ++i) {
      REQUIRE(cut.host[i] >= 0);
      REQUIRE(cut.host[i] < cut.hosts);
      const auto h = static_cast<std::size_t>(cut.host[i]);
      memory[h] += cut.guests[i].memory.value;
      vcpus[h] += cut.guests[i].vcpus;
      ++count[h];
      CHECK(cut.guests[i].vcpus >= 1);
      CHECK(cut.guests[i].memory >= MiB(256));
    }
    for (std::size_t h = 0; h < memory.size(); ++h) {
      CHECK(memory[h] == GiB(bench::flat_host_gib).value);
      CHECK(vcpus[h] == bench::flat_host_cpus);
      CHECK(count[h] >= 2);
      CHECK(count[h] <= 8);
    }
  }
}

TEST_CASE("zero-slack: the lower bound is the hosts cut, and the cut is a plan check accepts") {
  for (std::uint32_t seed : {1u, 2u, 3u}) {
    for (std::int64_t guests : {50, 200}) {
      CAPTURE(seed);
      CAPTURE(guests);
      const bench::Cut cut = bench::zero_slack_cut(guests, seed);
      auto p = kvmplan::test::place_text(bench::scenario_yaml(bench::Mix::zero_slack, bench::shapes(bench::Mix::zero_slack, guests, seed, azure_csv), false));
      const Scenario& s = p.loaded.scenario;
      CHECK(p.plan.unplaced.empty());
      CHECK(p.plan.lower_bound_hosts == cut.hosts);
      CHECK(p.plan.hosts_used >= cut.hosts);

      // The cut as a plan: each guest of the scenario (equal ones in turn) on the host it was cut from.
      REQUIRE(s.auto_pools.size() == 1);
      Plan plan;
      for (int h = 0; h < cut.hosts; ++h) {
        Host host = s.auto_pools[0];
        host.auto_pool = false;
        host.name += "-" + std::to_string(h + 1);
        plan.hosts.push_back(std::move(host));
      }
      plan.pinned.assign(plan.hosts.size(), CpuSet{});
      plan.placements.resize(s.guests.size());
      std::map<std::pair<int, std::int64_t>, std::vector<std::uint32_t>> unused;  // shape -> its guests, last first
      for (std::uint32_t g = static_cast<std::uint32_t>(s.guests.size()); g-- > 0;) {
        unused[{s.spec(s.guests[g]).vcpus, s.spec(s.guests[g]).memory.value}].push_back(g);
      }
      for (std::size_t i = 0; i < cut.guests.size(); ++i) {
        auto& left = unused[{cut.guests[i].vcpus, cut.guests[i].memory.value}];
        REQUIRE(!left.empty());
        Placement& placement = plan.placements[left.back()];
        left.pop_back();
        placement.host = cut.host[i];
        placement.nodes.push_back(0);
      }
      plan.hosts_used = cut.hosts;
      plan.lower_bound_hosts = cut.hosts;
      const CheckResult checked = check_plan(s, plan);
      CHECK_MESSAGE(checked.ok(), kvmplan::test::joined(checked.violations));
    }
  }
}

TEST_CASE("adversarial mixes: every plan place makes, with and without the search, in every order, passes check") {
  const PlaceOptions::Order orders[] = {PlaceOptions::Order::memory, PlaceOptions::Order::dominant_share, PlaceOptions::Order::vcpus,
                                        PlaceOptions::Order::bin_centric};
  for (bench::Mix mix : bench::adversarial_mixes) {
    for (std::int64_t guests : {60, 300}) {
      CAPTURE(bench::mix_name(mix));
      CAPTURE(guests);
      std::vector<PlaceOptions> all{PlaceOptions{}, PlaceOptions{PlaceOptions::Order::bin_centric, true, 0}};
      for (auto order : orders) all.push_back({order, false, 0});
      const std::string yaml = bench::scenario_yaml(mix, bench::shapes(mix, guests, 11, azure_csv), false);
      for (const PlaceOptions& options : all) {
        CAPTURE(static_cast<int>(options.order));
        CAPTURE(options.portfolio);
        CAPTURE(options.effort);
        auto p = kvmplan::test::place_text(yaml, options);  // checks the plan, written and read back
        CHECK(p.check.ok());
        CHECK(p.plan.unplaced.empty());
        CHECK(p.plan.hosts_used >= p.plan.lower_bound_hosts);
      }
    }
  }
}

// The usage profile mixes (kvmplan-bench --mix profiles).
TEST_CASE("day-night mixes: the same guests, with profiles and flat at each profile's peak") {
  const auto shapes = bench::shapes(bench::Mix::day_night, 300, 3, azure_csv);
  CHECK(shapes == bench::shapes(bench::Mix::day_night_flat, 300, 3, azure_csv));
  for (bool expanded : {false, true}) {
    const auto profiled = kvmplan::test::load_text(bench::scenario_yaml(bench::Mix::day_night, shapes, expanded));
    const auto flat = kvmplan::test::load_text(bench::scenario_yaml(bench::Mix::day_night_flat, shapes, expanded));
    REQUIRE_MESSAGE(profiled.ok(), kvmplan::test::errors_of(profiled));
    REQUIRE_MESSAGE(flat.ok(), kvmplan::test::errors_of(flat));
    CHECK(profiled.scenario.slots() == 24);
    CHECK(flat.scenario.slots() == 0);
    REQUIRE(profiled.scenario.guests.size() == 300);
    REQUIRE(flat.scenario.guests.size() == 300);
    // Guest by guest: flat usage is the profile's peak, so their expected use is the same.
    for (std::size_t g = 0; g < 300; ++g) {
      CHECK(expected_use(profiled.scenario.spec(profiled.scenario.guests[g])) == expected_use(flat.scenario.spec(flat.scenario.guests[g])));
    }
  }
  auto p = kvmplan::test::place_text(bench::scenario_yaml(bench::Mix::day_night, bench::shapes(bench::Mix::day_night, 400, 7, azure_csv), false));
  auto f = kvmplan::test::place_text(bench::scenario_yaml(bench::Mix::day_night_flat, bench::shapes(bench::Mix::day_night_flat, 400, 7, azure_csv), false));
  CHECK(p.check.violations.empty());
  CHECK(f.check.violations.empty());
  CHECK(p.plan.lower_bound_hosts < f.plan.lower_bound_hosts);
  CHECK(p.plan.hosts_used < f.plan.hosts_used);
}
