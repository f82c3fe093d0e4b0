// The docs users read must not drift from the code: every policy knob appears in
// docs/format.md with its default, and the README shows what its first command prints.
#include <doctest/doctest.h>

#include <filesystem>
#include <set>

#include "kvmplan/scenario/policy.hpp"
#include "test_util.hpp"

using kvmplan::test::read_file;

TEST_CASE("docs/format.md lists every policy key with its default") {
  const std::string doc = read_file("docs/format.md");
  REQUIRE_FALSE(doc.empty());
  for (const auto& knob : kvmplan::policy_knobs()) {
    CAPTURE(knob.key);
    const std::string row = "| `" + std::string(knob.key) + "` | `" + std::string(knob.default_text) + "` |";
    CHECK(doc.find(row) != std::string::npos);
  }
}

TEST_CASE("the README shows the report its first command prints") {
  const std::string readme = read_file("README.md");
  const auto r = kvmplan::test::run_cli({"size", "scenarios/book-example.yaml"});
  REQUIRE(r.code == 0);
  CHECK(readme.find("./scripts/setup.sh && ./build/kvmplan size scenarios/book-example.yaml") != std::string::npos);
  CHECK(readme.find(r.out) != std::string::npos);
}

TEST_CASE(".ci/run runs the README's test command") {
  const std::string ci = read_file(".ci/run");
  const std::string command = "./scripts/setup.sh && ctest --test-dir build --output-on-failure -j2";
  CHECK(ci.find(command) != std::string::npos);
  CHECK(read_file("README.md").find(command) != std::string::npos);
}

TEST_CASE("docs/placement.md's rule table points at one file per rule, and every rule file is in it") {
  const std::string doc = read_file("docs/placement.md");
  const auto table = doc.substr(doc.find("## The rules a plan keeps"), doc.find("## The algorithm") - doc.find("## The rules a plan keeps"));
  REQUIRE_FALSE(table.empty());
  // The rules' own headers, not the interface (rule, place, demand, slot_table) nor the list (registry).
  const std::set<std::string> not_rules{"rule.hpp", "place.hpp", "demand.hpp", "slot_table.hpp", "registry.hpp"};
  int rows = 0;
  for (const auto& entry : std::filesystem::directory_iterator("src/rules")) {
    const std::string name = entry.path().filename().string();
    if (entry.path().extension() != ".hpp" || not_rules.count(name)) continue;
    CAPTURE(name);
    CHECK(table.find("| [" + name + "](../src/rules/" + name + ") |") != std::string::npos);
    ++rows;
  }
  CHECK(rows >= 13);
}
