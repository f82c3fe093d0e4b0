// kvmplan place --from: re-planning with few moves (replan.hpp, spec section 7), and the
// migration order. Each plan it writes passes check, and diff lists exactly the moves it made.
#include <doctest/doctest.h>

#include <yaml-cpp/yaml.h>

#include <fstream>

#include "kvmplan/placement/replan.hpp"
#include "placement_util.hpp"
#include "test_util.hpp"

using namespace kvmplan;
using kvmplan::test::load_text;
using kvmplan::test::read_file;
using kvmplan::test::run_cli;
using kvmplan::test::TempDir;

namespace {

// `kvmplan diff A B --format json`, parsed.
YAML::Node diff(const std::string& a, const std::string& b) {
  const auto r = run_cli({"diff", a, b, "--format", "json"});
  REQUIRE(r.code == 0);
  return YAML::Load(r.out);
}

void write(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

// Pool hosts of 10GiB (ratio 1.0, no reserve, no NUMA): a host takes two 4GiB guests, not three.
const char* const pool_policy = R"(
policy: {memory_ratio: 1.0, host_reserve: 0b, numa: none}
hosts: [{name: kvm, count: auto, memory: 10GiB, cpus: 8}]
)";

}  // namespace

TEST_CASE("place --from: a plan with no change moves nothing, and is written again byte for byte") {
  const TempDir tmp("replan-same");
  const std::string s = (tmp / "s.yaml").string(), a = (tmp / "a.yaml").string(), b = (tmp / "b.yaml").string();
  write(s, std::string(pool_policy) + "guests: [{name: web, count: 9, vcpus: 1, memory: 4GiB}, {name: db, count: 2, vcpus: 2, memory: 6GiB}]\n");
  REQUIRE(run_cli({"place", s, "-q", "-o", a}).code == 0);
  const auto r = run_cli({"place", s, "--from", a, "-o", b});
  REQUIRE(r.code == 0);
  CHECK(r.err.find("11 kept, 0 moved (0 needed, 0 to empty 0 hosts), 0 placed anew") != std::string::npos);
  CHECK(read_file(b) == read_file(a));
  CHECK(run_cli({"diff", a, b}).out.empty());
  CHECK(run_cli({"check", s, "--placement", b}).code == 0);
}

TEST_CASE("place --from: a retired host moves exactly its guests, whether left out of the scenario or named by --retire") {
  const TempDir tmp("replan-retire");
  const std::string s = (tmp / "s.yaml").string(), less = (tmp / "less.yaml").string();
  const std::string a = (tmp / "a.yaml").string(), b = (tmp / "b.yaml").string(), c = (tmp / "c.yaml").string();
  // Three 32GiB hosts, twelve 4GiB guests: packing fills h1 with eight, h2 takes four; h3 idle.
  const std::string hosts = "policy: {memory_ratio: 1.0, host_reserve: 0b, numa: none}\nhosts:\n  - {name: h1, memory: 32GiB, cpus: 16}\n";
  const std::string guests = "guests: [{name: g, count: 12, vcpus: 1, memory: 4GiB}]\n";
  write(s, hosts + "  - {name: h2, memory: 32GiB, cpus: 16}\n  - {name: h3, memory: 32GiB, cpus: 16}\n" + guests);
  write(less, hosts + "  - {name: h3, memory: 32GiB, cpus: 16}\n" + guests);
  REQUIRE(run_cli({"place", s, "-q", "-o", a}).code == 0);
  const YAML::Node plan = YAML::LoadFile(a);
  std::set<std::string> on_h2;
  for (const auto& p : plan["placements"]) {
    if (p["host"].as<std::string>() == "h2") on_h2.insert(p["guest"].as<std::string>());
  }
  REQUIRE(on_h2.size() == 4);
  for (const auto& [scenario, extra, out] : {std::tuple{less, std::string(), b}, std::tuple{s, std::string("h2"), c}}) {
    std::vector<std::string> args{"place", scenario, "--from", a, "-o", out};
    if (!extra.empty()) args.insert(args.end(), {"--retire", extra});
    const auto r = run_cli(args);
    REQUIRE(r.code == 0);
    CHECK(r.err.find("hosts gone or retired, their guests placed anew: h2") != std::string::npos);
    const YAML::Node d = diff(a, out);
    std::set<std::string> moved;
    for (const auto& m : d["moves"]) {
      CHECK(m["from"].as<std::string>() == "h2");
      CHECK(m["to"].as<std::string>() != "h2");
      moved.insert(m["guest"].as<std::string>());
    }
    CHECK(moved == on_h2);
    CHECK(d["added"].size() == 0);
    CHECK(d["removed"].size() == 0);
    CHECK(run_cli({"check", scenario, "--placement", out}).code == 0);
  }
  // A pool host of the plan is retired by name too; a name that is no host is an error.
  const auto bad = run_cli({"place", s, "--from", a, "--retire", "h9"});
  CHECK(bad.code == 2);
  CHECK(bad.out.empty());
  CHECK(bad.err.find("--retire h9: no host of the scenario or pool host of the plan has that name") != std::string::npos);
}

TEST_CASE("place --from: ten guests more move no guest that was placed, and new pool hosts take fresh names") {
  const TempDir tmp("replan-add");
  const std::string s = (tmp / "s.yaml").string(), more = (tmp / "more.yaml").string();
  const std::string a = (tmp / "a.yaml").string(), b = (tmp / "b.yaml").string();
  const std::string guests = std::string(pool_policy) + "guests:\n  - {name: web, count: 20, vcpus: 1, memory: 4GiB}\n  - {name: db, count: 3, vcpus: 2, memory: 6GiB}\n";
  write(s, guests);
  write(more, guests + "  - {name: new, count: 10, vcpus: 1, memory: 4GiB}\n");
  REQUIRE(run_cli({"place", s, "-q", "-o", a}).code == 0);
  const auto r = run_cli({"place", more, "--from", a, "-o", b});
  REQUIRE(r.code == 0);
  CHECK(r.err.find("23 kept, 0 moved (0 needed, 0 to empty 0 hosts), 10 placed anew") != std::string::npos);
  const YAML::Node d = diff(a, b);
  CHECK(d["moves"].size() == 0);
  CHECK(d["added"].size() == 10);
  CHECK(d["removed"].size() == 0);
  // New pool hosts are numbered after the plan's: no name taken twice.
  const int before = YAML::LoadFile(a)["hosts_used"].as<int>(), after = YAML::LoadFile(b)["hosts_used"].as<int>();
  REQUIRE(before >= 9);
  REQUIRE(after > before);
  CHECK(d["opened"].size() == static_cast<std::size_t>(after - before));
  CHECK(d["opened"][0].as<std::string>() == "kvm-" + std::to_string(before + 1));
  CHECK(run_cli({"check", more, "--placement", b}).code == 0);
  // And back: the ten leave (removed), the rest stay.
  const auto back = run_cli({"place", s, "--from", b, "-q", "-o", a});
  CHECK(back.code == 0);
  const YAML::Node d2 = diff(b, a);
  CHECK(d2["moves"].size() == 0);
  CHECK(d2["removed"].size() == 10);
  CHECK(d2["emptied"].size() <= d["opened"].size());
  CHECK(run_cli({"check", s, "--placement", a}).code == 0);
}

TEST_CASE("place --from --max-moves: a fragmented plan drops hosts within the budget, and no more") {
  const TempDir tmp("replan-moves");
  const std::string s = (tmp / "s.yaml").string(), a = (tmp / "a.yaml").string(), b = (tmp / "b.yaml").string();
  // Four 4GiB guests, one per host (an old plan, by hand): two hosts hold them (8GiB of 10 each).
  write(s, std::string(pool_policy) + "guests: [{name: g, count: 4, vcpus: 1, memory: 4GiB}]\n");
  write(a, "placements:\n  - {guest: g-1, host: kvm-1}\n  - {guest: g-2, host: kvm-2}\n  - {guest: g-3, host: kvm-3}\n  - {guest: g-4, host: kvm-4}\n"
           "hosts:\n  - {name: kvm-1, pool: kvm}\n  - {name: kvm-2, pool: kvm}\n  - {name: kvm-3, pool: kvm}\n  - {name: kvm-4, pool: kvm}\n");
  for (const auto& [budget, moves, hosts] : {std::tuple{0, 0, 4}, std::tuple{1, 1, 3}, std::tuple{5, 2, 2}}) {
    CAPTURE(budget);
    const auto r = run_cli({"place", s, "--from", a, "--max-moves", std::to_string(budget), "--format", "json", "-o", b});
    REQUIRE(r.code == 0);
    const YAML::Node d = diff(a, b);
    CHECK(d["moves"].size() == static_cast<std::size_t>(moves));
    CHECK(d["emptied"].size() == static_cast<std::size_t>(4 - hosts));
    CHECK(YAML::LoadFile(b)["hosts_used"].as<int>() == hosts);
    CHECK(r.err.find(std::to_string(moves) + " moved (0 needed, " + std::to_string(moves) + " to empty") != std::string::npos);
    CHECK(run_cli({"check", s, "--placement", b}).code == 0);
  }
}

TEST_CASE("place --from: a guest whose place breaks a rule now moves, and guests gone from the scenario are dropped") {
  const TempDir tmp("replan-rule");
  const std::string s = (tmp / "s.yaml").string(), a = (tmp / "a.yaml").string(), b = (tmp / "b.yaml").string();
  write(s, std::string(pool_policy) + "guests: [{name: g, count: 3, vcpus: 1, memory: 4GiB}]\n");
  write(a, "placements:\n  - {guest: g-1, host: kvm-1}\n  - {guest: g-2, host: kvm-1}\n  - {guest: old, host: kvm-1}\n  - {guest: g-3, host: kvm-2}\n"
           "hosts:\n  - {name: kvm-1, pool: kvm}\n  - {name: kvm-2, pool: kvm}\n");
  // Ratio 0.5: a host commits 5GiB, one guest each: g-2 leaves kvm-1 (g-1 came first).
  const auto r = run_cli({"place", s, "--from", a, "--set", "memory_ratio=0.5", "-o", b});
  REQUIRE(r.code == 0);
  CHECK(r.err.find("1 guest no longer in the scenario, dropped: old") != std::string::npos);
  const YAML::Node d = diff(a, b);
  REQUIRE(d["moves"].size() == 1);
  CHECK(d["moves"][0]["guest"].as<std::string>() == "g-2");
  CHECK(d["moves"][0]["to"].as<std::string>() == "kvm-3");
  CHECK(d["removed"].size() == 1);
  CHECK(run_cli({"check", s, "--set", "memory_ratio=0.5", "--placement", b}).code == 0);
  // A plan that does not parse: located error, exit 2, nothing written.
  write(a, "placements:\n  - {guest: g-1, host: kvm-1\n");
  const auto bad = run_cli({"place", s, "--from", a, "-o", b + ".new"});
  CHECK(bad.code == 2);
  CHECK(bad.out.empty());
  CHECK(bad.err.find(a + ":") == 0);
  CHECK(!std::filesystem::exists(b + ".new"));
  // The re-planning options without --from are a usage error.
  CHECK(run_cli({"place", s, "--max-moves", "3"}).code == 2);
}

TEST_CASE("migration order: a move waits for the one that makes room, and a swap has no safe order") {
  // Three 10GiB hosts (ratio 1.0): a 6GiB guest fits a host only once the other 6GiB one left.
  const Loaded loaded = load_text(R"(
policy: {memory_ratio: 1.0, host_reserve: 0b, numa: none}
hosts: [{name: h1, memory: 10GiB, cpus: 8}, {name: h2, memory: 10GiB, cpus: 8}, {name: h3, memory: 10GiB, cpus: 8}]
guests: [{name: a, vcpus: 1, memory: 6GiB}, {name: b, vcpus: 1, memory: 6GiB}]
)");
  REQUIRE(loaded.ok());
  auto plan_of = [&](const std::string& text) {
    SourceFiles sources;
    Diagnostics problems;
    PlanDocument doc = read_plan_text("plan.yaml", text, sources, problems);
    REQUIRE(!problems.has_errors());
    return doc;
  };
  const PlanDocument before = plan_of("placements:\n  - {guest: a, host: h1}\n  - {guest: b, host: h2}\n");
  // a to h2 waits for b to leave h2 for h3: b first, though a comes first by name.
  const MigrationOrder chain = migration_order(loaded.scenario, before, plan_from_document(loaded.scenario, plan_of("placements:\n  - {guest: a, host: h2}\n  - {guest: b, host: h3}\n")));
  REQUIRE(chain.steps.size() == 2);
  CHECK(chain.steps[0].guest == "b");
  CHECK(chain.steps[0].from == "h2");
  CHECK(chain.steps[0].to == "h3");
  CHECK(chain.steps[1].guest == "a");
  CHECK(chain.stuck.empty());
  // a and b trade places: each target is full until the other leaves.
  const MigrationOrder swap = migration_order(loaded.scenario, before, plan_from_document(loaded.scenario, plan_of("placements:\n  - {guest: a, host: h2}\n  - {guest: b, host: h1}\n")));
  CHECK(swap.steps.empty());
  CHECK(swap.stuck.size() == 2);
}

TEST_CASE("place --from with ha: a retired host's guests move, spares open until the plan survives, and the order keeps it surviving") {
  const TempDir tmp("replan-ha");
  const std::string a = (tmp / "a.yaml").string(), b = (tmp / "b.yaml").string(), order = (tmp / "order.txt").string();
  REQUIRE(run_cli({"place", "scenarios/cluster-ha.yaml", "-q", "-o", a}).code == 0);
  const auto r = run_cli({"place", "scenarios/cluster-ha.yaml", "--from", a, "--retire", "compute-2", "--max-moves", "9", "--order", order, "-o", b});
  REQUIRE(r.code == 0);
  CHECK(r.err.find("--max-moves not used: with failures to survive (ha)") != std::string::npos);
  CHECK(r.err.find("survives any 1 host or 1 zone: yes") != std::string::npos);
  CHECK(r.err.find("each surviving the failures") != std::string::npos);
  const YAML::Node d = diff(a, b);
  for (const auto& m : d["moves"]) CHECK(m["from"].as<std::string>() == "compute-2");
  // The order lists exactly the moves.
  const std::string steps = read_file(order);
  CHECK(static_cast<std::size_t>(std::count(steps.begin(), steps.end(), '\n')) == d["moves"].size());
  CHECK(steps.find("no safe moment") == std::string::npos);
  CHECK(run_cli({"check", "scenarios/cluster-ha.yaml", "--placement", b}).code == 0);
}
