// kvmplan show: the plan place wrote, host by host, as a person reads it.
#include <doctest/doctest.h>

#include <fstream>

#include "test_util.hpp"

using kvmplan::test::run_cli;

TEST_CASE("show prints each host's guests with nodes, CPUs, vCPUs and memory") {
  const kvmplan::test::TempDir tmp("show");
  const std::string plan = (tmp / "plan.yaml").string();
  REQUIRE(run_cli({"place", "scenarios/two-node-hugepages.yaml", "-o", plan, "-q"}).code == 0);
  const auto r = run_cli({"show", plan});
  CHECK(r.code == 0);
  CAPTURE(r.out);
  // Every guest of the plan appears once, under a host line.
  const auto json = run_cli({"place", "scenarios/two-node-hugepages.yaml", "--format", "json"}).out;
  std::size_t guests = 0;
  for (std::size_t at = json.find("\"guest\": "); at != std::string::npos; at = json.find("\"guest\": ", at + 1)) ++guests;
  CHECK(r.out.find(std::to_string(guests) + " guests on ") == 0);
  CHECK(r.out.find("\n  guest ") != std::string::npos);
  CHECK(r.out.find(" shared vCPUs, ") != std::string::npos);
}

TEST_CASE("show --host keeps the hosts a glob matches, and a missing plan is exit 2") {
  const kvmplan::test::TempDir tmp("show-host");
  const std::string plan = (tmp / "plan.yaml").string();
  REQUIRE(run_cli({"place", "scenarios/cluster.yaml", "-o", plan, "-q"}).code == 0);
  const auto r = run_cli({"show", plan, "--host", "compute-6"});
  CHECK(r.code == 0);
  CHECK(r.out.find("187 guests on 6 hosts, 0 unplaced (1 of them matches 'compute-6')\n\ncompute-6: ") == 0);
  CHECK(r.out.find("\ncompute-1: ") == std::string::npos);
  // A database: its pinned CPUs, 8 vCPUs, 64GiB on 1GiB pages.
  const auto all = run_cli({"show", plan});
  const std::size_t at = all.out.find("\n  db-1 ");
  REQUIRE(at != std::string::npos);
  const std::string line = all.out.substr(at + 1, all.out.find('\n', at + 1) - at - 1);
  CAPTURE(line);
  CHECK(line.find(" (pinned)") != std::string::npos);
  CHECK(line.substr(line.size() - 15) == "8   64GiB  1GiB");
  const auto missing = run_cli({"show", (tmp / "none.yaml").string()});
  CHECK(missing.code == 2);
  CHECK_FALSE(missing.err.empty());
  CHECK(missing.out.empty());
}

TEST_CASE("show names an isolated guest's emulator CPU beside its pinned ones") {
  const kvmplan::test::TempDir tmp("show-emulator");
  const std::string scenario = (tmp / "s.yaml").string(), plan = (tmp / "plan.yaml").string();
  std::ofstream(scenario) << "policy: {emulator_threads: isolate}\n"
                             "hosts: [{name: h, numa: [{cpus: '0-7', memory: 32GiB}]}]\n"
                             "guests: [{name: d, vcpus: 3, memory: 1GiB, cpu_policy: dedicated}]\n";
  REQUIRE(run_cli({"place", scenario, "-o", plan, "-q"}).code == 0);
  const auto r = run_cli({"show", plan});
  CHECK(r.code == 0);
  CAPTURE(r.out);
  // The guest holds CPUs 0-3: 0-2 for its vCPUs, 3 for QEMU's emulator threads.
  CHECK(r.out.find("\n  d      0      0-2 (pinned, emulator 3)      3    1GiB") != std::string::npos);
}
