// kvmplan size, end to end through the command line.
#include <doctest/doctest.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>

#include "test_util.hpp"

namespace fs = std::filesystem;
using kvmplan::test::read_file;
using kvmplan::test::run_cli;

TEST_CASE("size --format json on the book example, field by field (spec section 6)") {
  const auto r = run_cli({"size", "scenarios/book-example.yaml", "--format", "json"});
  REQUIRE(r.code == 0);
  // JSON is YAML: yaml-cpp reads it back.
  const YAML::Node doc = YAML::Load(r.out);
  CHECK(doc["kvmplan"].as<std::string>() == "0.1.0");
  CHECK(doc["swap_baseline"].as<std::string>() == "rhel5");
  REQUIRE(doc["hosts"].size() == 1);
  const YAML::Node h = doc["hosts"][0];
  CHECK(h["name"].as<std::string>() == "kvm01");
  CHECK(h["memory_mib"].as<long>() == 32768);
  CHECK(h["reserve_mib"].as<long>() == 4096);
  CHECK(h["hugepages_mib"].as<long>() == 0);
  CHECK(h["committed_mib"].as<long>() == 65536);
  CHECK(h["guest_swap_mib"].as<long>() == 36864);
  CHECK(h["baseline_swap_mib"].as<long>() == 8192);
  CHECK(h["swap_mib"].as<long>() == 45056);
  CHECK(h["memory_overcommit"].as<double>() == doctest::Approx(2.286));
  CHECK(h["expected_resident_mib"].as<long>() == 65536);
  CHECK(h["ksm_savings_mib"].as<long>() == 0);
  CHECK(h["ksm_active"].as<bool>() == true);
  CHECK(h["vcpus"].as<int>() == 64);
  CHECK(h["pcpus"].as<int>() == 16);
  CHECK(h["cpu_overcommit"].as<double>() == doctest::Approx(4.0));
  CHECK(h["guests"].as<int>() == 64);
  CHECK(h["warnings"].IsSequence());
  CHECK(doc["unplaced"].IsSequence());
  CHECK(doc["unplaced"].size() == 0);
  CHECK(doc["totals"]["hosts"].as<int>() == 1);
  CHECK(doc["totals"]["guests"].as<int>() == 64);
  CHECK(doc["totals"]["swap_mib"].as<long>() == 45056);
  // Ratios print as numbers with a decimal point, as in the spec.
  CHECK(r.out.find("\"cpu_overcommit\": 4.0,") != std::string::npos);
  CHECK(r.out.find("\"memory_overcommit\": 2.286,") != std::string::npos);
}

TEST_CASE("the text report is a summary, then a table per host") {
  const auto r = run_cli({"size", "scenarios/book-example.yaml"});
  REQUIRE(r.code == 0);
  CHECK(r.out.find("kvmplan 0.1.0: swap sizing, baseline rhel5\n\nsummary:\n") == 0);
  CHECK(r.out.find("kvm01  32GiB") != std::string::npos);
  CHECK(r.out.find("  44GiB  ") != std::string::npos);
  CHECK(r.out.find("  hosts         1 needed, 1 in the plan (lower bound 1, optimal)\n"
                   "  guests        64 placed, 0 unplaced\n"
                   "  swap          44GiB in all; per host min 44GiB, median 44GiB, max 44GiB\n") != std::string::npos);
  CHECK(r.out.find("summary:") < r.out.find("hosts:\nhost "));
}

TEST_CASE("markdown has a header row, an alignment row and one row per host") {
  const auto r = run_cli({"size", "scenarios/rhel5-example.yaml", "--format", "markdown"});
  CHECK(r.code == 0);
  CHECK(r.out.find("| host | RAM |") != std::string::npos);
  CHECK(r.out.find("| --- | ---: |") != std::string::npos);
  CHECK(r.out.find("| server1 | 32GiB | 4GiB | 0 | 0 | 56GiB | 2.0 | 28GiB | 8GiB | 36GiB |") != std::string::npos);
}

TEST_CASE("--baseline overrides the file's policy") {
  // rhel9 gives 4GiB for 32GiB of RAM: 36 + 4 = 40GiB = 40960MiB.
  const auto r = run_cli({"size", "scenarios/book-example.yaml", "--format", "json", "--baseline", "rhel9"});
  REQUIRE(r.code == 0);
  const YAML::Node doc = YAML::Load(r.out);
  CHECK(doc["swap_baseline"].as<std::string>() == "rhel9");
  CHECK(doc["hosts"][0]["swap_mib"].as<long>() == 40960);
  const auto flat = run_cli({"size", "scenarios/book-example.yaml", "--format", "json", "--baseline", "2GiB"});
  CHECK(YAML::Load(flat.out)["hosts"][0]["swap_mib"].as<long>() == 38912);  // 36 + 2
  const auto bad = run_cli({"size", "scenarios/book-example.yaml", "--baseline", "rhel8"});
  CHECK(bad.code == 2);
  CHECK(bad.err == "kvmplan: error: --baseline: \"rhel8\" is not a swap baseline; write rhel5, rhel6, rhel7, rhel9, none or a size such as 4GiB\n");
}

TEST_CASE("size places guests without a host, and one that fits nowhere is unplaced with the reason, exit 1") {
  const kvmplan::test::TempDir tmp("unplaced");
  const fs::path& dir = tmp.path();
  const std::string file = (dir / "s.yaml").string();
  // b has no host and fits h; c has 24 vCPUs and h has 16 cores (threads_per_core 1).
  std::ofstream(file) << "hosts: [{name: h, memory: 32GiB, cpus: 16}]\n"
                         "guests:\n  - {name: a, vcpus: 1, memory: 1GiB, host: h}\n  - {name: b, vcpus: 1, memory: 1GiB}\n"
                         "  - {name: c, vcpus: 24, memory: 1GiB}\n";
  const auto r = run_cli({"size", file, "--format", "json"});
  CHECK(r.code == 1);
  const YAML::Node doc = YAML::Load(r.out);
  CHECK(doc["hosts"][0]["guests"].as<int>() == 2);
  REQUIRE(doc["unplaced"].size() == 1);
  CHECK(doc["unplaced"][0]["guest"].as<std::string>() == "c");
  CHECK(doc["unplaced"][0]["reasons"][0].as<std::string>() == "0/1 host fits: 1 more vCPUs than the host's 16 cores");
  CHECK(doc["totals"]["guests"].as<int>() == 2);
  const auto text = run_cli({"size", file});
  CHECK(text.out.find("unplaced guests (1):\n  c: 0/1 host fits: 1 more vCPUs than the host's 16 cores\n") != std::string::npos);
}

TEST_CASE("size opens count: auto hosts as the plan needs and sizes each") {
  // 10 guests x 12GiB on 32GiB hosts, memory_ratio 1.0: usable 28GiB takes 2 guests each: 5 hosts.
  const kvmplan::test::TempDir tmp("auto");
  const fs::path& dir = tmp.path();
  const std::string file = (dir / "s.yaml").string();
  std::ofstream(file) << "policy: {memory_ratio: 1.0}\nhosts: [{name: c, count: auto, memory: 32GiB, cpus: 16}]\n"
                         "guests: [{name: g, count: 10, vcpus: 2, memory: 12GiB}]\n";
  const auto r = run_cli({"size", file, "--format", "json"});
  CHECK(r.code == 0);
  const YAML::Node doc = YAML::Load(r.out);
  REQUIRE(doc["hosts"].size() == 5);
  CHECK(doc["hosts"][0]["name"].as<std::string>() == "c-1");
  CHECK(doc["hosts"][4]["name"].as<std::string>() == "c-5");
  CHECK(doc["hosts"][0]["guest_swap_mib"].as<long>() == 0);  // 24 + 4 - 32 < 0
  CHECK(doc["totals"]["hosts_used"].as<int>() == 5);
  CHECK(doc["totals"]["lower_bound_hosts"].as<int>() == 5);  // ceil(120 / 28)
  CHECK(doc["totals"]["optimal"].as<bool>());  // 5 used, bound 5
  CHECK(doc["optimal"].as<bool>());
}

TEST_CASE("declared swap: a deficit makes the exit code 1, a surplus is reported") {
  // Needs 20 + 8 = 28GiB. With 8GiB: 20GiB short. With 32GiB: 4GiB to spare.
  const auto r = run_cli({"size", "tests/data/swap-deficit.yaml", "--format", "json"});
  CHECK(r.code == 1);
  const YAML::Node h = YAML::Load(r.out)["hosts"][0];
  CHECK(h["declared_swap_mib"].as<long>() == 8192);
  CHECK(h["swap_deficit_mib"].as<long>() == 20480);
  CHECK(h["swap_surplus_mib"].as<long>() == 0);
  CHECK(run_cli({"size", "tests/data/swap-deficit.yaml"}).out.find("declared swap:\n  gpu01: has 8GiB, needs 28GiB: 20GiB short\n") != std::string::npos);
  const auto ok = run_cli({"size", "scenarios/locked-guests.yaml", "--format", "json"});
  CHECK(ok.code == 0);
  const YAML::Node g = YAML::Load(ok.out)["hosts"][0];
  CHECK(g["swap_deficit_mib"].as<long>() == 0);
  CHECK(g["swap_surplus_mib"].as<long>() == 4096);
  CHECK(run_cli({"size", "scenarios/locked-guests.yaml"}).out.find("declared swap:\n  gpu01: has 32GiB, needs 28GiB: 4GiB to spare\n") != std::string::npos);
}

TEST_CASE("-o writes the report atomically and says so unless --quiet") {
  const kvmplan::test::TempDir tmp("output");
  const fs::path& dir = tmp.path();
  const std::string out = (dir / "report.json").string();
  const auto r = run_cli({"size", "scenarios/book-example.yaml", "--format", "json", "-o", out});
  CHECK(r.code == 0);
  CHECK(r.out.empty());
  CHECK(r.err == "kvmplan: wrote " + out + "\n");
  CHECK(read_file(out) == run_cli({"size", "scenarios/book-example.yaml", "--format", "json"}).out);
  const auto quiet = run_cli({"size", "scenarios/book-example.yaml", "-o", out, "--quiet"});
  CHECK(quiet.err.empty());
  CHECK(std::distance(fs::directory_iterator(dir), fs::directory_iterator{}) == 1);
}

TEST_CASE("the same input gives byte-identical output") {
  for (const char* format : {"text", "json", "markdown"}) {
    CAPTURE(format);
    const auto a = run_cli({"size", "scenarios/two-node-hugepages.yaml", "--format", format});
    const auto b = run_cli({"size", "scenarios/two-node-hugepages.yaml", "--format", format});
    CHECK(a.out == b.out);
    CHECK_FALSE(a.out.empty());
  }
}

TEST_CASE("usage errors exit 2") {
  CHECK(run_cli({"size"}).code == 2);                       // no file
  CHECK(run_cli({"size", "x.yaml", "--format", "xml"}).code == 2);
  CHECK(run_cli({"frobnicate"}).code == 2);
  CHECK(run_cli({}).code == 2);
  const auto version = run_cli({"--version"});
  CHECK(version.code == 0);
  CHECK(version.out == "kvmplan 0.1.0\n");
  CHECK(run_cli({"size", "--help"}).code == 0);
}

TEST_CASE("every bundled scenario loads and sizes") {
  for (const auto& e : fs::directory_iterator("scenarios")) {
    if (e.path().extension() != ".yaml") continue;
    CAPTURE(e.path().string());
    const auto r = run_cli({"size", e.path().string(), "--format", "json"});
    CHECK(r.code != 2);
    CHECK(YAML::Load(r.out)["hosts"].size() > 0);
  }
}

TEST_CASE("bundled scenarios give the swap their comments work out") {
  struct Case {
    const char* file;
    long swap_mib;
    int exit_code;
  };
  const Case cases[] = {
      {"scenarios/book-example.yaml", 44 * 1024, 0},        // 36 + 8
      {"scenarios/rhel5-example.yaml", 36 * 1024, 0},       // 28 + 8
      {"scenarios/two-node-hugepages.yaml", 120 * 1024, 0}, // 104 + 16
      {"scenarios/locked-guests.yaml", 28 * 1024, 0},       // 20 + 8, and 32GiB of swap is enough
  };
  for (const Case& c : cases) {
    CAPTURE(c.file);
    const auto r = run_cli({"size", c.file, "--format", "json"});
    CHECK(r.code == c.exit_code);
    CHECK(YAML::Load(r.out)["hosts"][0]["swap_mib"].as<long>() == c.swap_mib);
  }
}

TEST_CASE("--set changes a policy knob over the files, validated like the file") {
  // cluster.yaml plans 6 hosts at its memory_ratio 1.2; at 1.0 it takes 7, at 1.5 5, and N+1 7.
  auto hosts_of = [](const std::vector<std::string>& extra) {
    std::vector<std::string> args{"size", "scenarios/cluster.yaml", "--format", "json"};
    args.insert(args.end(), extra.begin(), extra.end());
    const auto r = kvmplan::test::run_cli(args);
    REQUIRE(r.code == 0);
    return YAML::Load(r.out)["totals"]["hosts_used"].as<int>();
  };
  CHECK(hosts_of({}) == 6);
  CHECK(hosts_of({"--set", "memory_ratio=1.0"}) == 7);
  CHECK(hosts_of({"--set", "ha.host_failures=1"}) == 7);
  CHECK(hosts_of({"--set", "memory_ratio=1.5"}) == 5);
  // The later wins, as in the files.
  CHECK(hosts_of({"--set", "memory_ratio=1.0", "--set", "memory_ratio=1.5"}) == 5);
  // Bad values and keys: exit 2, the error names the key, nothing on standard output.
  const auto bad = kvmplan::test::run_cli({"size", "scenarios/cluster.yaml", "--set", "memory_ratio=abc"});
  CHECK(bad.code == 2);
  CHECK(bad.out.empty());
  CHECK(bad.err.find("policy.memory_ratio: \"abc\" is not a number") != std::string::npos);
  const auto unknown = kvmplan::test::run_cli({"place", "scenarios/cluster.yaml", "--set", "memory_ratoi=1"});
  CHECK(unknown.code == 2);
  CHECK(unknown.err.find("policy.memory_ratoi: unknown policy key") != std::string::npos);
  const auto shapeless = kvmplan::test::run_cli({"check", "scenarios/cluster.yaml", "--placement", "x", "--set", "memory_ratio"});
  CHECK(shapeless.code == 2);
  CHECK(shapeless.err.find("expected KEY=VALUE") != std::string::npos);
}

TEST_CASE("size --placement sizes a given plan: the plan place wrote gives size's own report") {
  const kvmplan::test::TempDir tmp("size-placement");
  for (const char* scenario : {"scenarios/cluster.yaml", "scenarios/cluster-ha.yaml", "scenarios/ksm-desktops.yaml"}) {
    CAPTURE(scenario);
    const std::string plan = (tmp / "plan.yaml").string();
    REQUIRE(kvmplan::test::run_cli({"place", scenario, "-q", "-o", plan}).code == 0);
    const auto own = kvmplan::test::run_cli({"size", scenario, "--format", "json"});
    const auto given = kvmplan::test::run_cli({"size", scenario, "--placement", plan, "--format", "json"});
    CHECK(given.code == own.code);
    CHECK(given.out == own.out);
  }
  // A plan check rejects (read against a stricter ratio) is refused: exit 1, nothing written.
  const std::string plan = (tmp / "cluster.yaml").string();
  REQUIRE(kvmplan::test::run_cli({"place", "scenarios/cluster.yaml", "-q", "-o", plan}).code == 0);
  const auto strict = kvmplan::test::run_cli({"size", "scenarios/cluster.yaml", "--set", "memory_ratio=1.0", "--placement", plan});
  CHECK(strict.code == 1);
  CHECK(strict.out.empty());
  CHECK(strict.err.find("nothing sized") != std::string::npos);
  // No such plan: exit 2.
  CHECK(kvmplan::test::run_cli({"size", "scenarios/cluster.yaml", "--placement", (tmp / "none.yaml").string()}).code == 2);
}
