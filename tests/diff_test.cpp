// kvmplan diff: moves, added and removed guests between two plans, by name (spec section 7).
#include <doctest/doctest.h>

#include <yaml-cpp/yaml.h>

#include <fstream>

#include "test_util.hpp"

using namespace kvmplan::test;

TEST_CASE("diff: guests that move, that only the second plan places, that only the first does") {
  const TempDir tmp("diff");
  // Two 10GiB hosts (ratio 1.0, no reserve): three 6GiB guests, one per host, the third
  // unplaced; at ratio 2.0 the first host takes two and the third guest is placed.
  const std::string scenario = (tmp / "s.yaml").string();
  std::ofstream(scenario) << R"(
policy: {memory_ratio: 1.0, host_reserve: 0b, numa: none}
hosts: [{name: kvm, count: 2, memory: 10GiB, cpus: 8}]
guests: [{name: a, vcpus: 1, memory: 6GiB}, {name: b, vcpus: 1, memory: 6GiB}, {name: c, vcpus: 1, memory: 6GiB}]
)";
  const std::string first = (tmp / "first.yaml").string(), second = (tmp / "second.json").string();
  CHECK(run_cli({"place", scenario, "-q", "-o", first}).code == 1);  // c unplaced
  CHECK(run_cli({"place", scenario, "-q", "--set", "memory_ratio=2.0", "--format", "json", "-o", second}).code == 0);
  const auto r = run_cli({"diff", first, second, "--format", "json"});
  REQUIRE(r.code == 0);
  const YAML::Node d = YAML::Load(r.out);
  // Ratio 2.0 packs by host order: a, b and c all on kvm-1 (18GiB of 20); b moves there from kvm-2.
  REQUIRE(d["moves"].size() == 1);
  CHECK(d["moves"][0]["guest"].as<std::string>() == "b");
  CHECK(d["moves"][0]["from"].as<std::string>() == "kvm-2");
  CHECK(d["moves"][0]["to"].as<std::string>() == "kvm-1");
  REQUIRE(d["added"].size() == 1);
  CHECK(d["added"][0]["guest"].as<std::string>() == "c");
  CHECK(d["removed"].size() == 0);
  // The other way round: c is removed, b moves back.
  const auto back = run_cli({"diff", second, first});
  CHECK(back.out == "b: kvm-1 -> kvm-2\nc: kvm-1 -> (not placed)\nhost kvm-2: opened\n");
  // kvm-2 runs b in the first plan only: emptied.
  REQUIRE(d["emptied"].size() == 1);
  CHECK(d["emptied"][0].as<std::string>() == "kvm-2");
  CHECK(d["opened"].size() == 0);
  // A plan against itself: nothing.
  CHECK(run_cli({"diff", first, first}).out.empty());
  // Not a plan: located error, exit 2, no output.
  const auto bad = run_cli({"diff", first, scenario});
  CHECK(bad.code == 2);
  CHECK(bad.out.empty());
  CHECK(bad.err.find("missing required key \"placements\"") != std::string::npos);
}
