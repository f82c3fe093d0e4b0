// kvmplan whatif and --grow: rows checked by hand on small scenarios, growth by hand, bad options.
#include <doctest/doctest.h>

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <set>

#include "kvmplan/scenario/growth.hpp"
#include "test_util.hpp"

using namespace kvmplan;
using namespace kvmplan::test;

namespace {

// Hosts of 16GiB and 8 CPUs, no reserve, no baseline swap, host-level placement: a host's
// budgets are 16GiB x memory_ratio and 8 vCPUs (cpu_ratio 1.0). Six guests of 1 vCPU, 4GiB.
const char* const small = R"(
policy: {memory_ratio: 1.0, cpu_ratio: 1.0, host_reserve: 0b, numa: none, swap_baseline: none}
hosts: [{name: kvm, count: auto, memory: 16GiB, cpus: 8}]
guests: [{name: web, count: 6, vcpus: 1, memory: 4GiB}]
)";

std::string write(const TempDir& tmp, const std::string& name, const std::string& text) {
  const std::string path = (tmp / name).string();
  std::ofstream(path) << text;
  return path;
}

Scenario grown(const std::string& yaml, const std::vector<std::string>& texts) {
  const Loaded loaded = load_text(yaml);
  REQUIRE(loaded.ok());
  std::vector<Growth> growths;
  for (const auto& t : texts) {
    auto g = Growth::parse(t);
    REQUIRE(g);
    growths.push_back(*g);
  }
  auto s = grow(loaded.scenario, growths);
  REQUIRE(s);
  return *s;
}

}  // namespace

TEST_CASE("whatif: a sweep of memory_ratio with and without growth, rows by hand") {
  const TempDir tmp("whatif");
  const std::string file = write(tmp, "s.yaml", small);
  const auto r = run_cli({"whatif", file, "--sweep", "memory_ratio=1.0,1.5", "--grow", "count=1.5", "--format", "json", "-q"});
  REQUIRE(r.code == 0);
  CHECK(r.err.empty());
  const YAML::Node d = YAML::Load(r.out);
  REQUIRE(d["variants"].size() == 2);
  // 6 x 1.5 = 9 guests of 4GiB (36GiB). Ratio 1.0: 4 per host (16GiB), 3 hosts (4, 4, 1), bound
  // ceil(36 / 16) = 3, no host committed beyond its RAM: no swap; peak 16/16 = 1.0, 4/8 vCPUs.
  const YAML::Node a = d["variants"][0];
  CHECK(a["set"]["memory_ratio"].as<std::string>() == "1.0");
  CHECK(a["grow"]["count"].as<std::string>() == "1.5");
  CHECK(a["guests"].as<int>() == 9);
  CHECK(a["hosts_used"].as<int>() == 3);
  CHECK(a["lower_bound_hosts"].as<int>() == 3);
  CHECK(a["gap"].as<int>() == 0);
  CHECK(a["swap_mib"].as<long>() == 0);
  CHECK(a["peak_memory_overcommit"].as<double>() == 1.0);
  CHECK(a["peak_cpu_overcommit"].as<double>() == 0.5);
  CHECK(a["unplaced"].as<int>() == 0);
  CHECK(a["survives"].IsNull());
  // Ratio 1.5: 6 per host (24GiB), 2 hosts (6, 3), bound ceil(36 / 24) = 2; the full host
  // commits 24GiB on 16GiB: 8GiB of guest swap (8192MiB), overcommit 1.5, 6/8 vCPUs.
  const YAML::Node b = d["variants"][1];
  CHECK(b["set"]["memory_ratio"].as<std::string>() == "1.5");
  CHECK(b["hosts_used"].as<int>() == 2);
  CHECK(b["lower_bound_hosts"].as<int>() == 2);
  CHECK(b["swap_mib"].as<long>() == 8192);
  CHECK(b["peak_memory_overcommit"].as<double>() == 1.5);
  CHECK(b["peak_cpu_overcommit"].as<double>() == 0.75);

  // Text and CSV carry the same rows; the first sweep varies slowest.
  const auto text = run_cli({"whatif", file, "--sweep", "memory_ratio=1.0,1.5", "--sweep", "cpu_ratio=1.0,0.25", "-q"});
  REQUIRE(text.code == 0);
  CHECK(text.out ==
        "memory_ratio  cpu_ratio  grow  hosts  bound  gap  swap  peak mem  peak cpu  unplaced\n"
        "1.0           1.0        -         2      2    0     0       1.0       0.5         0\n"
        "1.0           0.25       -         3      3    0     0       0.5      0.25         0\n"
        "1.5           1.0        -         1      1    0  8GiB       1.5      0.75         0\n"
        "1.5           0.25       -         3      3    0     0       0.5      0.25         0\n");
  // cpu_ratio 0.25: 2 vCPUs per host, 3 hosts of 2 guests each: 8/16GiB, 2/8 CPUs, no swap.
  const auto csv = run_cli({"whatif", file, "--sweep", "memory_ratio=1.5", "--grow", "count=1.5", "--format", "csv", "-q"});
  CHECK(csv.out ==
        "memory_ratio,grow,hosts_used,lower_bound_hosts,gap,swap_mib,peak_memory_overcommit,peak_cpu_overcommit,guests,unplaced,violations,survives\n"
        "1.5,count=1.5,2,2,0,8192,1.5,0.75,9,0,0,\n");
}

TEST_CASE("whatif: a range sweeps exact decimals, and rows do not depend on the threads") {
  const TempDir tmp("whatif-range");
  const std::string file = write(tmp, "s.yaml", small);
  const auto one = run_cli({"whatif", file, "--sweep", "memory_ratio=1.0:2.0:0.25", "--sweep", "swap_baseline=rhel5,rhel9", "-j", "1", "--format", "json", "-q"});
  const auto four = run_cli({"whatif", file, "--sweep", "memory_ratio=1.0:2.0:0.25", "--sweep", "swap_baseline=rhel5,rhel9", "-j", "4", "--format", "json", "-q"});
  REQUIRE(one.code == 0);
  CHECK(one.out == four.out);
  const YAML::Node d = YAML::Load(one.out);
  REQUIRE(d["variants"].size() == 10);
  const char* ratios[] = {"1", "1.25", "1.5", "1.75", "2"};
  for (int i = 0; i < 10; ++i) CHECK(d["variants"][i]["set"]["memory_ratio"].as<std::string>() == ratios[i / 2]);
  CHECK(d["variants"][9]["set"]["swap_baseline"].as<std::string>() == "rhel9");
  // 0.1 x 3 is no double's 0.30000000000000004: the range ends on its stop.
  const auto tenth = run_cli({"whatif", file, "--sweep", "usage=0.1:0.3:0.1", "--format", "csv", "-q"});
  CHECK(tenth.out.find("\n0.3,") != std::string::npos);
}

TEST_CASE("growth: count, memory and vcpus by hand, with selectors") {
  const std::string yaml = R"(
policy: {numa: none}
hosts: [{name: kvm, memory: 64GiB, cpus: 16}]
flavors: [{name: small, vcpus: 3, memory: 4GiB}]
guests:
  - {name: web, count: 6, flavor: small}
  - {name: db, vcpus: 2, memory: 3GiB, hugepages: 1GiB}
  - {name: app, vcpus: 1, memory: 1000MiB, current_memory: 500MiB}
)";
  // count 1.5: 8 guests -> 12. web 6 -> 9 (web-7 .. web-9 after web-1 .. web-6); db and app
  // 1.5 each: 1 each, and the guest left over to the first of the equal remainders, db.
  const Scenario c = grown(yaml, {"count=1.5"});
  REQUIRE(c.guests.size() == 9 + 2 + 1);
  CHECK(c.guests[6].name == "web-7");
  CHECK(c.guests[8].name == "web-9");
  CHECK(c.guests[9].name == "db");
  CHECK(c.guests[10].name == "db-2");
  CHECK(c.guests[11].name == "app");
  // memory 1.1: 4GiB -> 4505.6MiB -> 4506MiB; db 3GiB of 1GiB pages -> 3.3GiB -> 4 pages;
  // app 1000MiB -> 1100MiB, its balloon target 500MiB -> 550MiB.
  const Scenario m = grown(yaml, {"memory=1.1"});
  CHECK(m.spec(m.guests[0]).memory == MiB(4506));
  CHECK(m.spec(m.guests[6]).memory == MiB(4096));
  CHECK(m.spec(m.guests[7]).memory == MiB(1100));
  CHECK(*m.spec(m.guests[7]).current_memory == MiB(550));
  // vcpus 1.2: 3 -> 3.6 -> 4, 2 -> 2.4 -> 3, 1 -> 1.2 -> 2; by flavor only the web guests.
  const Scenario v = grown(yaml, {"vcpus=1.2@flavor=small"});
  CHECK(v.spec(v.guests[0]).vcpus == 4);
  CHECK(v.spec(v.guests[6]).vcpus == 2);
  CHECK(v.spec(v.guests[7]).vcpus == 1);
  // One guest of an entry: it gets a spec of its own, its siblings keep theirs.
  const Scenario one = grown(yaml, {"memory=2@guest=web-3", "count=2@guest=db"});
  CHECK(one.spec(one.guests[2]).memory == MiB(8192));
  CHECK(one.spec(one.guests[3]).memory == MiB(4096));
  CHECK(one.guests.size() == 6 + 2 + 1);
  // Shrinking: 6 x 0.5 = 3 web guests, the first three.
  const Scenario half = grown(yaml, {"count=0.5@flavor=small"});
  CHECK(half.guests.size() == 3 + 2);
  CHECK(half.guests[2].name == "web-3");
  CHECK(Growth::parse("memory=1.10@flavor=db")->to_string() == "memory=1.1@flavor=db");
}

TEST_CASE("whatif: hugepage pools do not grow with the guests: the guests that no longer fit are unplaced, by the hugepage rule") {
  const TempDir tmp("whatif-pages");
  // One host, one node, a pool of 4 x 1GiB: two 2GiB guests fit (2 pages each); grown by 1.3
  // to 2.6GiB, each takes 3 whole pages: one fits, the other is refused by the hugepages rule.
  const std::string file = write(tmp, "s.yaml", R"(
policy: {memory_ratio: 1.0, host_reserve: 0b, swap_baseline: none}
hosts: [{name: kvm, numa: [{id: 0, cpus: "0-7", memory: 16GiB, hugepages: {1GiB: 4}}]}]
guests: [{name: db, count: 2, vcpus: 1, memory: 2GiB, hugepages: 1GiB}]
)");
  const auto r = run_cli({"whatif", file, "--grow", "memory=1.3", "--format", "json", "-q"});
  REQUIRE(r.code == 0);
  const YAML::Node row = YAML::Load(r.out)["variants"][0];
  CHECK(row["unplaced"].as<int>() == 1);
  CHECK(row["unplaced_by_rule"]["hugepages"].as<int>() == 1);
  const auto text = run_cli({"whatif", file, "--grow", "memory=1.3", "-q"});
  CHECK(text.out.find("variant 1: 1 unplaced (hugepages 1)") != std::string::npos);
}

TEST_CASE("whatif: bad options are errors that name the option, exit 2, nothing written") {
  const TempDir tmp("whatif-bad");
  const std::string file = write(tmp, "s.yaml", small);
  const std::string out = (tmp / "out.txt").string();
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases{
      {{"--grow", "cpu=1.2"}, "kvmplan: error: --grow cpu=1.2: cannot grow \"cpu\": grow count, memory or vcpus; did you mean \"vcpus\"?\n"},
      {{"--grow", "memory=0"}, "kvmplan: error: --grow memory=0: factor 0: a factor is more than 0 (1.3: 30% more)\n"},
      {{"--grow", "memory"}, "kvmplan: error: --grow memory: expected WHAT=FACTOR[@flavor=NAME|@guest=NAME] (count=1.3, memory=1.1@flavor=db)\n"},
      {{"--grow", "memory=1.1@host=x"}, "kvmplan: error: --grow memory=1.1@host=x: selector \"@host=x\": expected @flavor=NAME or @guest=NAME\n"},
      {{"--grow", "memory=1.1@flavor=wbe"}, "kvmplan: error: --grow memory=1.1@flavor=wbe: no guest has flavor \"wbe\"\n"},
      {{"--grow", "memory=1.1@guest=wbe"}, "kvmplan: error: --grow memory=1.1@guest=wbe: no guest or guest entry is named \"wbe\"; did you mean \"web\"?\n"},
      {{"--grow", "count=10000000"}, "kvmplan: error: --grow count=10000000: the scenario would have more than 10000000 guests, the most kvmplan plans\n"},
      {{"--grow", "memory=1000000000"}, "kvmplan: error: --grow memory=1000000000: a guest's memory would be more than 1EiB, the most kvmplan takes\n"},
      {{"--grow", "vcpus=10000"}, "kvmplan: error: --grow vcpus=10000: a guest would have more than 8192 vCPUs, the most kvmplan takes\n"},
      {{"--sweep", "memory_raito=1,2"}, "kvmplan: error: --sweep memory_raito=1,2: \"memory_raito\" is no policy key; did you mean \"memory_ratio\"? (kvmplan help policy lists them)\n"},
      {{"--sweep", "memory_ratio=1,x"}, "kvmplan: error: --sweep memory_ratio=1,x: memory_ratio=x: "},
      {{"--sweep", "memory_ratio=2:1:0.5"}, "kvmplan: error: --sweep memory_ratio=2:1:0.5: the range ends (1) before it starts (2)\n"},
      {{"--sweep", "memory_ratio=1:2:0"}, "kvmplan: error: --sweep memory_ratio=1:2:0: the step 0 is not more than 0\n"},
      {{"--sweep", "memory_ratio=1:2"}, "kvmplan: error: --sweep memory_ratio=1:2: a range is START:STOP:STEP (1.0:2.0:0.25)\n"},
      {{"--sweep", "memory_ratio=1", "--sweep", "memory_ratio=2"}, "kvmplan: error: --sweep memory_ratio=2: memory_ratio is swept twice; give its values in one --sweep\n"},
      {{"--sweep", "memory_ratio=0:1000:0.01"}, "kvmplan: error: --sweep memory_ratio=0:1000:0.01: the range has more than 10000 values\n"},
  };
  for (const auto& [args, message] : cases) {
    std::vector<std::string> argv{"whatif", file, "-o", out};
    argv.insert(argv.end(), args.begin(), args.end());
    CAPTURE(message);
    const auto r = run_cli(argv);
    CHECK(r.code == 2);
    CHECK(r.out.empty());
    CHECK(r.err.substr(0, message.size()) == message);
    CHECK_FALSE(std::filesystem::exists(out));
  }
}

TEST_CASE("docs/cli.md shows what whatif and headroom print") {
  const std::string doc = read_file("docs/cli.md");
  const auto text = run_cli({"whatif", "scenarios/cluster-ha.yaml", "--grow", "count=1.3", "--grow", "memory=1.1", "--sweep", "memory_ratio=1.0,1.2,1.5", "-q"});
  REQUIRE(text.code == 0);
  CHECK(doc.find(text.out) != std::string::npos);
  const auto csv = run_cli({"whatif", "scenarios/cluster.yaml", "--grow", "memory=1.3@flavor=db", "--sweep", "memory_ratio=1.0:1.5:0.25", "--format", "csv", "-q"});
  REQUIRE(csv.code == 0);
  CHECK(doc.find(csv.out) != std::string::npos);
  const auto head = run_cli({"headroom", "scenarios/cluster.yaml", "--flavor", "web", "--flavor", "db", "-q"});
  REQUIRE(head.code == 0);
  CHECK(doc.find(head.out) != std::string::npos);
}

TEST_CASE("count growth of an inventory of one entry per guest adds the share asked, not a guest per entry") {
  std::string yaml = "hosts: [{name: kvm, memory: 64GiB, cpus: 16}]\nguests:\n";
  for (int i = 1; i <= 10; ++i) yaml += "  - {name: vm" + std::to_string(i) + ", vcpus: 1, memory: 1GiB}\n";
  // 10 x 1.1 = 11: one guest added, to the first entry (equal remainders).
  const Scenario c = grown(yaml, {"count=1.1"});
  REQUIRE(c.guests.size() == 11);
  CHECK(c.guests[1].name == "vm1-2");
  // 10 x 1.25 = 12.5 -> 13.
  CHECK(grown(yaml, {"count=1.25"}).guests.size() == 13);
}

TEST_CASE("whatif: a variant's keys resolve into hosts and guests as loading with --set would") {
  // Knobs the loader resolves into hosts (reserve, ratios) and guests (usage, ksm.shareable):
  // each sweep row equals size with the same --set, figure for figure. One host sets its own
  // reserve and one flavor its own usage: those keep theirs.
  const TempDir tmp("whatif-resolve");
  const std::string file = write(tmp, "s.yaml", R"(
policy: {memory_limit: both, numa: none, ksm: {enabled: true}}
hosts:
  - {name: kvm, count: auto, memory: 64GiB, cpus: 16}
  - {name: big, memory: 128GiB, cpus: 32, reserve: 2GiB}
flavors: [{name: fixed, vcpus: 2, memory: 8GiB, usage: 0.5}]
guests:
  - {name: web, count: 20, vcpus: 2, memory: 6GiB, image: deb}
  - {name: db, count: 6, flavor: fixed}
)");
  const std::vector<std::string> sets{"host_reserve=8GiB", "memory_ratio=1.1", "cpu_ratio=2.0", "usage=0.6", "ksm.shareable=0.3"};
  for (const std::string& set : sets) {
    CAPTURE(set);
    const auto w = run_cli({"whatif", file, "--sweep", set, "--format", "json", "-q"});
    REQUIRE(w.code == 0);
    const auto s = run_cli({"size", file, "--set", set, "--format", "json", "-q"});
    REQUIRE(s.code == 0);
    const YAML::Node row = YAML::Load(w.out)["variants"][0];
    const YAML::Node totals = YAML::Load(s.out)["totals"];
    CHECK(row["hosts_used"].as<int>() == totals["hosts_used"].as<int>());
    CHECK(row["swap_mib"].as<std::int64_t>() == totals["swap_mib"].as<std::int64_t>());
  }
}

TEST_CASE("whatif refuses to sweep profile_percentile, which only loading the samples applies") {
  const TempDir tmp("whatif-percentile");
  const std::string file = write(tmp, "s.yaml", small);
  const auto r = run_cli({"whatif", file, "--sweep", "profile_percentile=50,99"});
  CHECK(r.code == 2);
  CHECK(r.out.empty());
  CHECK(r.err.find("--sweep profile_percentile=50,99: profile_percentile shapes the profiles while the sample files load") != std::string::npos);
}

TEST_CASE("growth of an entry some of whose guests have sampled profiles: one entry, one numbering") {
  SourceFiles files;
  files.add("s.yaml", "hosts: [{name: kvm, memory: 64GiB, cpus: 16}]\nguests: [{name: web, count: 3, vcpus: 1, memory: 4GiB}]\n");
  files.add("s.csv", "timestamp,guest,memory_bytes\n0,web-1,1073741824\n3600,web-1,2147483648\n");
  const Loaded loaded = load_sources(std::move(files));
  REQUIRE_MESSAGE(loaded.ok(), errors_of(loaded));
  REQUIRE(loaded.scenario.specs.size() == 2);  // web-1 has a spec of its own
  auto g = Growth::parse("count=2@guest=web");
  REQUIRE(g);
  const auto s = grow(loaded.scenario, {*g});
  REQUIRE(s);
  // 3 guests of the entry -> 6, numbered on after web-3, every name once.
  REQUIRE(s->guests.size() == 6);
  std::set<std::string> names;
  for (const auto& guest : s->guests) names.insert(guest.name);
  CHECK(names == std::set<std::string>{"web-1", "web-2", "web-3", "web-4", "web-5", "web-6"});
}
