// Usage profiles from CSV (issue 14): a profile table, and per-guest samples reduced by a
// percentile per slot; errors located FILE:LINE:COL like the YAML loader's.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <utility>

#include "test_util.hpp"

using kvmplan::Decimal;
using kvmplan::Loaded;
using kvmplan::test::errors_of;
using kvmplan::test::read_file;
using kvmplan::test::run_cli;

namespace {

// Loads (name, text) pairs as one scenario, in order.
Loaded load(std::vector<std::pair<std::string, std::string>> files, kvmplan::LoadOptions options = {}) {
  kvmplan::SourceFiles sources;
  for (auto& [name, text] : files) sources.add(name, std::move(text));
  return kvmplan::load_sources(std::move(sources), options);
}

void write(const std::filesystem::path& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

Decimal dec(const char* text) { return Decimal::parse(text).value(); }

const kvmplan::Profile* profile(const Loaded& l, const std::string& name) {
  for (const auto& p : l.scenario.profiles) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

const kvmplan::GuestSpec& spec_of(const Loaded& l, const std::string& guest) {
  for (const auto& g : l.scenario.guests) {
    if (g.name == guest) return l.scenario.spec(g);
  }
  throw std::runtime_error("no guest " + guest);
}

// One host, and guests of 1GB (10^9 bytes) so that fractions read off the byte counts.
const std::string samples_yaml = R"(hosts:
  - {name: kvm, memory: 64GiB, cpus: 16}
guests:
  - {name: web, vcpus: 2, memory: 1GB}
  - {name: db, count: 3, vcpus: 2, memory: 1GB}
)";

}  // namespace

TEST_CASE("a CSV profile table gives the size report of the same profiles in YAML, byte for byte") {
  // scenarios/day-night.yaml's two profiles, as a table: rows in any order, a byte order mark,
  // CRLF line ends, spaces around cells and a quoted cell.
  const std::string yaml = read_file("scenarios/day-night.yaml");
  const auto from = yaml.find("\nprofiles:\n"), to = yaml.find("\nhosts:\n");
  REQUIRE(from != std::string::npos);
  REQUIRE(to != std::string::npos);
  const std::string office[24] = {"0.15", "0.15", "0.15", "0.15", "0.15", "0.15", "0.2", "0.4", "0.8", "0.9", "0.9", "0.9",
                                  "0.85", "0.9",  "0.9",  "0.9",  "0.9",  "0.7",  "0.4", "0.2", "0.15", "0.15", "0.15", "0.15"};
  const std::string batch[24] = {"0.9", "0.9", "0.9", "0.9", "0.9", "0.9", "0.6", "0.3", "0.2", "0.2", "0.2", "0.2",
                                 "0.2", "0.2", "0.2", "0.2", "0.2", "0.2", "0.3", "0.5", "0.7", "0.9", "0.9", "0.9"};
  std::string csv = "\xEF\xBB\xBFslot, profile ,memory\r\n";
  for (int s = 23; s >= 0; --s) {
    csv += std::to_string(s) + ", office , " + office[s] + "\r\n";
    csv += std::to_string(s) + ",\"batch\"," + batch[s] + "\r\n";
  }
  const kvmplan::test::TempDir tmp("csv-table");
  write(tmp / "base.yaml", yaml.substr(0, from + 1) + yaml.substr(to + 1));
  write(tmp / "profiles.csv", csv);
  for (const char* format : {"text", "json"}) {
    CAPTURE(format);
    const auto expected = run_cli({"size", "scenarios/day-night.yaml", "--format", format});
    REQUIRE(expected.code == 0);
    // The table may come before or after the guests that name its profiles.
    const auto before = run_cli({"size", (tmp / "profiles.csv").string(), (tmp / "base.yaml").string(), "--format", format});
    const auto after = run_cli({"size", (tmp / "base.yaml").string(), (tmp / "profiles.csv").string(), "--format", format});
    CHECK(before.err == "");
    CHECK(before.code == 0);
    CHECK(before.out == expected.out);
    CHECK(after.out == expected.out);
  }
}

TEST_CASE("CSV import with a bad row giving file:line:col") {
  const kvmplan::test::TempDir tmp("csv-bad-row");
  write(tmp / "p.csv", "slot,profile,memory,cpu\n0,day,0.5,0.1\n1,day,1.5,0.1\n");
  write(tmp / "s.yaml", "hosts: [{name: kvm, memory: 64GiB, cpus: 16}]\nguests: [{name: a, vcpus: 1, memory: 1GiB, profile: day}]\n");
  const std::string path = (tmp / "p.csv").string();
  const auto r = run_cli({"size", path, (tmp / "s.yaml").string(), "-o", (tmp / "out.txt").string()});
  CHECK(r.code == 2);
  CHECK(r.out.empty());
  // The profile is not loaded, and the guest that names it is not told so again.
  CHECK(r.err == path + ":3:7: error: memory: \"1.5\" is outside [0, 1]; a fraction is written 0.25\n"
                        "1,day,1.5,0.1\n"
                        "      ^\n");
  CHECK_FALSE(std::filesystem::exists(tmp / "out.txt"));
}

TEST_CASE("every cell is checked and located, columns in characters") {
  const auto l = load({{"p.csv",
                        "slot,profile,memory,cpu\n"
                        "x,a,0.5,\n"
                        "1008,a,0.5,\n"
                        "0,a b,0.5,\n"
                        "0,a,,\n"
                        "0,a,0.5,-1\n"
                        "\"é\",a,0.5,\n"
                        "0,a,0.5\n"
                        "0,a,0.5,0.1,extra\n"
                        "\"0\"x,a,0.5,\n"}});
  CHECK(errors_of(l) ==
        "p.csv:2:1: error: slot: \"x\" is not a whole number (a slot counts from 0; a profile has at most 1008 slots)\nx,a,0.5,\n^\n"
        "p.csv:3:1: error: slot: \"1008\" must be at most 1007 (a slot counts from 0; a profile has at most 1008 slots)\n1008,a,0.5,\n^\n"
        "p.csv:4:3: error: profile: \"a b\" has a character outside [A-Za-z0-9._-]\n0,a b,0.5,\n  ^\n"
        "p.csv:5:5: error: memory: is empty; give the fraction of memory in use, such as 0.25\n0,a,,\n    ^\n"
        "p.csv:6:9: error: cpu: \"-1\" is outside [0, 1]; a fraction is written 0.25\n0,a,0.5,-1\n        ^\n"
        "p.csv:7:1: error: slot: \"é\" is not a whole number (a slot counts from 0; a profile has at most 1008 slots)\n\"é\",a,0.5,\n^\n"
        "p.csv:8:8: error: cpu: 3 cells where the header has 4 columns\n0,a,0.5\n       ^\n"
        "p.csv:9:13: error: 5 cells where the header has 4 columns\n0,a,0.5,0.1,extra\n            ^\n"
        "p.csv:10:4: error: slot: text after a closing quote; a quoted cell ends at its quote\n\"0\"x,a,0.5,\n   ^\n");
  // After a two-byte character the column counts it once.
  const auto u = load({{"p.csv", "slot,profile,memory\n\"é\",a,2\n"}});
  CHECK(errors_of(u).find("p.csv:2:7: error: memory: \"2\" is outside [0, 1]") != std::string::npos);
}

TEST_CASE("the header names the format, and a wrong one is located") {
  CHECK(errors_of(load({{"p.csv", "slot,profle,memory\n"}})) ==
        "p.csv:1:6: error: header: column 2 is \"profle\", not \"profile\": a profile table's header is slot,profile,memory or "
        "slot,profile,memory,cpu; a samples file's is timestamp,guest,memory_bytes or timestamp,guest,memory_bytes,cpu\n"
        "slot,profle,memory\n     ^\n");
  CHECK(errors_of(load({{"p.csv", "timestamp,guest\n"}})).starts_with("p.csv:1:16: error: header: no column \"memory_bytes\": "));
  CHECK(errors_of(load({{"p.csv", "timestamp,guest,memory_bytes,cpu,disk\n"}})).starts_with("p.csv:1:34: error: header: a fifth column \"disk\": "));
  CHECK(errors_of(load({{"p.csv", "time,guest,memory_bytes\n"}})).starts_with("p.csv:1:1: error: header: column 1 is \"time\", not \"timestamp\": "));
  // An empty file, or a header alone, adds nothing.
  CHECK(load({{"p.csv", ""}}).ok());
  CHECK(load({{"p.csv", "\n  \n"}}).ok());
  CHECK(load({{"p.csv", "slot,profile,memory\n"}}).ok());
  CHECK(load({{"P.CSV", "slot,profile,memory\n0,a,0.5\n"}}).scenario.profiles.size() == 1);
}

TEST_CASE("duplicate and missing slots of a CSV profile") {
  const auto l = load({{"p.csv",
                        "slot,profile,memory\n"
                        "0,a,0.5\n"
                        "2,a,0.5\n"
                        "0,a,0.6\n"
                        "0,b,0.1\n"
                        "3,b,0.1\n"
                        "5,b,0.1\n"}});
  CHECK(errors_of(l) ==
        "p.csv:4:1: error: slot: slot 0 of profile \"a\" is given twice (also at line 2)\n0,a,0.6\n^\n"
        "p.csv:5:3: error: profile: \"b\" has no row for slots 1-2, 4 of 0-5: every slot once\n0,b,0.1\n  ^\n");
}

TEST_CASE("a CSV profile has the scenario's slot count, whichever file sets it") {
  const std::string yaml = "profiles:\n  day: {memory: [0.1, 0.2, 0.3]}\n";
  const auto short_table = load({{"a.yaml", yaml}, {"p.csv", "slot,profile,memory\n0,b,0.5\n1,b,0.5\n"}});
  CHECK(errors_of(short_table) == "p.csv:2:3: error: profile: \"b\" has no row for slot 2 of 0-2: every slot once\n0,b,0.5\n  ^\n");
  const auto long_table = load({{"p.csv", "slot,profile,memory\n0,b,0.5\n1,b,0.5\n2,b,0.5\n3,b,0.5\n"}, {"a.yaml", yaml}});
  CHECK(errors_of(long_table) ==
        "p.csv:5:1: error: slot: slot 3 is past the last of profile \"day\" (a.yaml:2), 2: every profile of a scenario has as many slots\n"
        "3,b,0.5\n^\n");
  // Two tables: the first one read sets the count.
  const auto two = load({{"p.csv", "slot,profile,memory\n0,b,0.5\n1,b,0.5\n"}, {"q.csv", "slot,profile,memory\n0,c,0.5\n"}});
  CHECK(errors_of(two) == "q.csv:2:3: error: profile: \"c\" has no row for slot 1 of 0-1: every slot once\n0,c,0.5\n  ^\n");
}

TEST_CASE("a CSV profile named like another profile is a duplicate naming both places") {
  const auto l = load({{"a.yaml", "profiles:\n  day: {memory: [0.1, 0.2]}\n"},
                       {"p.csv", "slot,profile,memory\n0,night,0.5\n1,night,0.5\n0,day,0.1\n1,day,0.2\n"},
                       {"q.csv", "slot,profile,memory\n0,night,0.5\n1,night,0.5\n"}});
  CHECK(errors_of(l) == "p.csv:4:3: error: profile: duplicate profile name \"day\" (also at a.yaml:2)\n0,day,0.1\n  ^\n"
                        "q.csv:2:3: error: profile: duplicate profile name \"night\" (also at p.csv:2)\n0,night,0.5\n  ^\n");
}

TEST_CASE("cpu is given in every row of a CSV profile or in none") {
  const auto mixed = load({{"p.csv", "slot,profile,memory,cpu\n0,a,0.5,0.2\n1,a,0.5,\n0,b,0.5,\n1,b,0.5,\n"}});
  CHECK(errors_of(mixed) ==
        "p.csv:3:9: error: cpu: empty here but given in profile \"a\"'s first row (line 2): give cpu in every row of a profile or in none\n"
        "1,a,0.5,\n        ^\n");
  const auto good = load({{"p.csv", "slot,profile,memory,cpu\n1,a,0.25,0.5\n0,a,0.5,0.125\n0,b,0.5,\n1,b,0.5,\n"}});
  REQUIRE(good.ok());
  const auto* a = profile(good, "a");
  REQUIRE(a);
  CHECK(a->memory == std::vector<Decimal>{dec("0.5"), dec("0.25")});
  CHECK(a->cpu == std::vector<Decimal>{dec("0.125"), dec("0.5")});
  CHECK(profile(good, "b")->cpu.empty());
}

TEST_CASE("samples reduce to a profile: the nearest-rank percentile of each hour, by hand") {
  // Hour 9 of 2024-03-04: 20 samples of 1% .. 20% of web's 1GB, in a shuffled order. p95 by
  // nearest rank is the ceil(0.95 x 20) = 19th smallest, 19%; p50 the 10th, 10%.
  // Hour 3: 5% and 7%: p95 is the ceil(1.9) = 2nd, 7%; p50 the 1st, 5%.
  // Every other hour has no sample and takes the highest hour's value.
  std::string csv = "timestamp,guest,memory_bytes,cpu\n";
  for (int k : {7, 19, 3, 12, 1, 20, 15, 9, 4, 16, 2, 11, 18, 6, 14, 10, 5, 17, 13, 8}) {
    csv += (k % 2 ? "1709543700," : "2024-03-04T09:" + std::string(k < 10 ? "0" : "") + std::to_string(k) + ":00Z,") + "web," +
           std::to_string(k * 10'000'000) + "," + (k == 20 ? "1" : "0.5") + "\n";
  }
  csv += "2024-03-04T03:00:00Z,web,50000000,\n2024-03-04 03:59:59.75,web,70000000,\n";
  for (const auto& [percentile, at9, at3, high, low, cpu9] :
       {std::tuple{"95", "0.19", "0.07", "0.19", "0.07", "0.5"}, std::tuple{"50", "0.1", "0.05", "0.1", "0.05", "0.5"},
        std::tuple{"100", "0.2", "0.07", "0.2", "0.07", "1"}, std::tuple{"1", "0.01", "0.05", "0.05", "0.01", "0.5"}}) {
    CAPTURE(percentile);
    const auto l = load({{"s.yaml", samples_yaml}, {"web.csv", csv}}, {{{"profile_percentile", percentile}}});
    REQUIRE(errors_of(l) == "");
    const auto* p = profile(l, "web.samples");
    REQUIRE(p);
    REQUIRE(p->memory.size() == 24);
    for (std::size_t s = 0; s < 24; ++s) {
      CAPTURE(s);
      CHECK(p->memory[s] == dec(s == 3 ? at3 : s == 9 ? at9 : high));
      // No cpu in hour 3: it takes the highest hour's, as memory does elsewhere.
      CHECK(p->cpu[s] == dec(cpu9));
    }
    const auto& spec = spec_of(l, "web");
    CHECK(spec.profile == static_cast<std::int32_t>(p - l.scenario.profiles.data()));
    CHECK(spec.usage == dec(high));
    CHECK(spec.usage_low == dec(low));
  }
  // The knob is the policy's too.
  const auto in_file = load({{"s.yaml", "policy: {profile_percentile: 50}\n" + samples_yaml}, {"web.csv", csv}});
  CHECK(profile(in_file, "web.samples")->memory[9] == dec("0.1"));
  const auto bad = load({{"s.yaml", "policy: {profile_percentile: 0}\n" + samples_yaml}});
  CHECK(errors_of(bad).starts_with("s.yaml:1:30: error: policy.profile_percentile: \"0\" must be at least 1\n"));
}

TEST_CASE("samples above the guest's memory are capped at it, and fractions round up to millionths") {
  const auto l = load({{"s.yaml", samples_yaml},
                       {"s.csv", "timestamp,guest,memory_bytes\n0,web,333333333\n3600,web,5000000000\n7200,web,0\n10800,web,1\n"}});
  REQUIRE(errors_of(l) == "");
  const auto* p = profile(l, "web.samples");
  REQUIRE(p);
  CHECK(p->memory[0] == dec("0.333334"));  // 0.333333333 rounded up: never below the sample
  CHECK(p->memory[1] == dec("1"));         // 5GB of a 1GB guest: QEMU's own memory, counted apart
  CHECK(p->memory[2] == dec("0"));
  CHECK(p->memory[3] == dec("0.000001"));
  CHECK(p->memory[4] == dec("1"));  // no sample: the highest hour
  CHECK(p->cpu.empty());
}

TEST_CASE("samples go into hours of the week with 168 slots, Monday 00:00 UTC first") {
  std::string week = "[0.5";
  for (int i = 1; i < 168; ++i) week += ", 0.5";
  const std::string yaml = "profiles:\n  flat: {memory: " + week + "]}\n" + samples_yaml;
  const auto l = load({{"s.yaml", yaml},
                       {"s.csv", "timestamp,guest,memory_bytes\n"
                                 "2024-03-11T00:30:00Z,web,10000000\n"   // a Monday: slot 0
                                 "2024-03-10T23:59:59Z,web,20000000\n"   // a Sunday: slot 167
                                 "1970-01-01T00:00:00Z,web,30000000\n"   // a Thursday: slot 72
                                 "1709543700,web,40000000\n"             // Monday 09:15: slot 9
                                 "2024-02-29T13:00:00Z,web,50000000\n"}});  // a leap day, Thursday: slot 85
  REQUIRE(errors_of(l) == "");
  const auto* p = profile(l, "web.samples");
  REQUIRE(p);
  REQUIRE(p->memory.size() == 168);
  CHECK(p->memory[0] == dec("0.01"));
  CHECK(p->memory[167] == dec("0.02"));
  CHECK(p->memory[72] == dec("0.03"));
  CHECK(p->memory[9] == dec("0.04"));
  CHECK(p->memory[85] == dec("0.05"));
  CHECK(p->memory[1] == dec("0.05"));
}

TEST_CASE("samples need a scenario of 24 or 168 slots") {
  const std::string yaml = "profiles:\n  two: {memory: [0.5, 0.5]}\n" + samples_yaml;
  const auto l = load({{"s.yaml", yaml}, {"s.csv", "timestamp,guest,memory_bytes\n0,web,1\n"}});
  CHECK(errors_of(l) ==
        "s.csv:1:1: error: timestamp: samples go into hours of the day (24 slots) or of the week (168), and the scenario's profiles have "
        "2 slots (profile \"two\", s.yaml:2)\ntimestamp,guest,memory_bytes\n^\n");
}

TEST_CASE("a sample of an unknown guest is an error once per name, with the nearest name") {
  const auto l = load({{"s.yaml", samples_yaml},
                       {"s.csv", "timestamp,guest,memory_bytes\n0,db-2,1\n0,db_2,1\n3600,db_2,1\n0,nothing-like-it,1\n"}});
  CHECK(errors_of(l) == "s.csv:3:3: error: guest: guest \"db_2\" names no guest; did you mean \"db-2\"?\n0,db_2,1\n  ^\n"
                        "s.csv:5:3: error: guest: guest \"nothing-like-it\" names no guest\n0,nothing-like-it,1\n  ^\n");
}

TEST_CASE("sampled guests of one count entry get specs of their own, the others keep theirs") {
  const auto l = load({{"s.yaml", samples_yaml}, {"s.csv", "timestamp,guest,memory_bytes\n0,db-2,500000000\n"}});
  REQUIRE(errors_of(l) == "");
  CHECK(spec_of(l, "db-1").profile == -1);
  CHECK(spec_of(l, "db-3").profile == -1);
  CHECK(&spec_of(l, "db-1") == &spec_of(l, "db-3"));
  CHECK(spec_of(l, "db-2").profile >= 0);
  CHECK(spec_of(l, "db-2").usage == dec("0.5"));
  CHECK(spec_of(l, "db-2").vcpus == 2);
  CHECK(spec_of(l, "db-2").memory == spec_of(l, "db-1").memory);
}

TEST_CASE("samples for a guest that sets its own usage or profile are an error, a flavor's profile gives way") {
  const std::string yaml = R"(profiles:
  day: {memory: [0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.9]}
hosts: [{name: kvm, memory: 64GiB, cpus: 16}]
flavors: [{name: small, vcpus: 1, memory: 1GB, profile: day}]
guests:
  - {name: a, flavor: small}
  - {name: b, flavor: small, usage: 0.5}
  - {name: c, flavor: small, profile: day}
)";
  const auto l = load({{"s.yaml", yaml}, {"s.csv", "timestamp,guest,memory_bytes\n0,a,1\n0,b,1\n0,c,1\n"}});
  CHECK(errors_of(l) ==
        "s.csv:3:3: error: guest: samples give guest \"b\" a profile, and its entry sets guests[1].usage (s.yaml:7): leave one out\n0,b,1\n  ^\n"
        "s.csv:4:3: error: guest: samples give guest \"c\" a profile, and its entry sets guests[2].profile (s.yaml:8): leave one out\n0,c,1\n  ^\n");
  const auto ok = load({{"s.yaml", yaml}, {"s.csv", "timestamp,guest,memory_bytes\n0,a,1\n"}});
  REQUIRE(errors_of(ok) == "");
  CHECK(ok.scenario.profiles[static_cast<std::size_t>(spec_of(ok, "a").profile)].name == "a.samples");
  // A profile of that name already: a clash naming both.
  std::string flat = "0.5";
  for (int i = 1; i < 24; ++i) flat += ", 0.5";
  const auto named = load({{"s.yaml", "profiles:\n  web.samples: {memory: [" + flat + "]}\n" + samples_yaml},
                           {"s.csv", "timestamp,guest,memory_bytes\n0,web,1\n"}});
  CHECK(errors_of(named) == "s.csv:2:3: error: guest: the samples of guest \"web\" make profile \"web.samples\", and a profile of that name is at s.yaml:2\n"
                            "0,web,1\n  ^\n");
}

TEST_CASE("timestamps: unix seconds or UTC, every other form a located error") {
  const auto l = load({{"s.yaml", samples_yaml},
                       {"s.csv", "timestamp,guest,memory_bytes\n"
                                 "2024-03-04T09:00:00+01:00,web,1\n"
                                 "2023-02-29T00:00:00Z,web,1\n"
                                 "2024-13-01T00:00:00Z,web,1\n"
                                 "2024-01-01T24:00:00Z,web,1\n"
                                 "2024-01-01T00:60:00Z,web,1\n"
                                 "2024-01-01,web,1\n"
                                 "-1,web,1\n"
                                 "253402300800,web,1\n"
                                 "99999999999999999999,web,1\n"
                                 "12.,web,1\n"
                                 ",web,1\n"
                                 "0000-01-01T00:00:00Z,web,1\n"
                                 "2024-01-01T00:00:00.5Z,web,1\n"
                                 "1709543700.25,web,1\n"
                                 "9999-12-31T23:59:60z,web,1\n"}});
  CHECK(errors_of(l) ==
        "s.csv:2:1: error: timestamp: \"2024-03-04T09:00:00+01:00\" has a time zone offset (+01:00); write the time in UTC, ending in Z\n"
        "2024-03-04T09:00:00+01:00,web,1\n^\n"
        "s.csv:3:1: error: timestamp: \"2023-02-29T00:00:00Z\": day 29 is not 01 .. 28 in that month\n2023-02-29T00:00:00Z,web,1\n^\n"
        "s.csv:4:1: error: timestamp: \"2024-13-01T00:00:00Z\": month 13 is not 01 .. 12\n2024-13-01T00:00:00Z,web,1\n^\n"
        "s.csv:5:1: error: timestamp: \"2024-01-01T24:00:00Z\": hour 24 is not 00 .. 23\n2024-01-01T24:00:00Z,web,1\n^\n"
        "s.csv:6:1: error: timestamp: \"2024-01-01T00:60:00Z\": minute 60 is not 00 .. 59\n2024-01-01T00:60:00Z,web,1\n^\n"
        "s.csv:7:1: error: timestamp: \"2024-01-01\" is not a time; write unix seconds (1709283600) or the time in UTC as 2024-03-01T09:00:00Z\n"
        "2024-01-01,web,1\n^\n"
        "s.csv:8:1: error: timestamp: \"-1\" must be at least 0 (unix seconds, 0 .. 253402300799: up to the end of 9999)\n-1,web,1\n^\n"
        "s.csv:9:1: error: timestamp: \"253402300800\" must be at most 253402300799 (unix seconds, 0 .. 253402300799: up to the end of 9999)\n"
        "253402300800,web,1\n^\n"
        "s.csv:10:1: error: timestamp: \"99999999999999999999\" must be at most 253402300799 (unix seconds, 0 .. 253402300799: up to the end of 9999)\n"
        "99999999999999999999,web,1\n^\n"
        "s.csv:11:1: error: timestamp: \"12.\" is not a time; write unix seconds (1709283600) or the time in UTC as 2024-03-01T09:00:00Z\n"
        "12.,web,1\n^\n"
        "s.csv:12:1: error: timestamp: is empty; give the time of the sample\n,web,1\n^\n"
        "s.csv:13:1: error: timestamp: \"0000-01-01T00:00:00Z\": year 0000 is not a year; years go from 0001\n0000-01-01T00:00:00Z,web,1\n^\n");
}

TEST_CASE("samples: memory_bytes a whole number of bytes, cpu a fraction, every row checked") {
  const auto l = load({{"s.yaml", samples_yaml},
                       {"s.csv", "timestamp,guest,memory_bytes,cpu\n"
                                 "0,web,1GiB,\n"
                                 "0,web,-5,\n"
                                 "0,web,1,1.5\n"
                                 "0,-web,1,\n"
                                 "0,,1,\n"
                                 "0,web,1,0.5\n"}});
  CHECK(errors_of(l) ==
        "s.csv:2:7: error: memory_bytes: \"1GiB\" is not a whole number\n0,web,1GiB,\n      ^\n"
        "s.csv:3:7: error: memory_bytes: \"-5\" must be at least 0\n0,web,-5,\n      ^\n"
        "s.csv:4:9: error: cpu: \"1.5\" is outside [0, 1]; a fraction is written 0.25\n0,web,1,1.5\n        ^\n"
        "s.csv:5:3: error: guest: \"-web\" starts with '-'; a name starts with a letter, a digit or '_'\n0,-web,1,\n  ^\n"
        "s.csv:6:3: error: guest: is empty; give the guest's name\n0,,1,\n  ^\n");
}

TEST_CASE("a file of many bad rows lists its first thousand errors and counts the rest") {
  std::string csv = "timestamp,guest,memory_bytes\n";
  for (int i = 0; i < 5000; ++i) csv += "0,web,x\n";
  const auto l = load({{"s.yaml", samples_yaml}, {"s.csv", csv}});
  REQUIRE(l.diagnostics.items.size() == 1001);
  CHECK(l.diagnostics.items.front().at.line == 0);
  CHECK(l.diagnostics.items.front().message == "4000 more errors in this file, after the first 1000 listed");
  CHECK(l.diagnostics.items.back().at.line == 1001);
}

TEST_CASE("size with a samples file: exit 0, the sampled guest planned at its profile") {
  const kvmplan::test::TempDir tmp("csv-samples");
  write(tmp / "s.yaml", "policy: {memory_limit: resident}\n" + samples_yaml);
  write(tmp / "s.csv", "timestamp,guest,memory_bytes\n0,web,250000000\n");
  const auto r = run_cli({"size", (tmp / "s.yaml").string(), (tmp / "s.csv").string(), "--set", "profile_percentile=99"});
  CHECK(r.err == "");
  CHECK(r.code == 0);
  const auto bad = run_cli({"size", (tmp / "s.yaml").string(), (tmp / "s.csv").string(), "--set", "profile_percentile=101"});
  CHECK(bad.code == 2);
  CHECK(bad.err.find("policy.profile_percentile: \"101\" must be at most 100") != std::string::npos);
}

TEST_CASE("the example samples give batch-01 and desk-001 profiles of their own") {
  const auto l = kvmplan::load_files({"scenarios/day-night.yaml", "scenarios/day-night-samples.csv"});
  REQUIRE(errors_of(l) == "");
  // Two samples an hour; p95 of two is the higher. batch-01's highest, 0.66 of 64GiB at 02:00
  // and 03:00, rounded up to millionths; desk-001's at 10:00.
  const auto& batch = spec_of(l, "batch-01");
  CHECK(l.scenario.profiles[static_cast<std::size_t>(batch.profile)].name == "batch-01.samples");
  CHECK(batch.usage == dec("0.66"));
  CHECK(spec_of(l, "desk-001").usage == dec("0.88"));
  CHECK(spec_of(l, "batch-02").profile == profile(l, "batch") - l.scenario.profiles.data());
  CHECK(run_cli({"size", "scenarios/day-night.yaml", "scenarios/day-night-samples.csv"}).code == 0);
}
