// Loading: expansion, flavors, topology, merging. Error texts are in bad_scenarios_test.cpp.
#include <doctest/doctest.h>

#include "kvmplan/scenario/loader.hpp"
#include "test_util.hpp"

using namespace kvmplan;
using kvmplan::test::errors_of;
using kvmplan::test::load_text;

TEST_CASE("count expands to zero-padded names") {
  const auto l = load_text(R"(
hosts:
  - {name: kvm, count: 12, memory: 64GiB, cpus: 16}
  - {name: solo, count: 1, memory: 8GiB, cpus: 4}
guests:
  - {name: web, count: 100, vcpus: 1, memory: 1GiB}
  - {name: db, count: 9, vcpus: 2, memory: 4GiB}
  - {name: one, vcpus: 1, memory: 1GiB}
)");
  REQUIRE_MESSAGE(l.ok(), errors_of(l));
  const auto& s = l.scenario;
  REQUIRE(s.hosts.size() == 13);
  CHECK(s.hosts[0].name == "kvm-01");   // 12 has two digits
  CHECK(s.hosts[11].name == "kvm-12");
  CHECK(s.hosts[12].name == "solo");    // a count of 1 keeps the name
  REQUIRE(s.guests.size() == 110);
  CHECK(s.guests[0].name == "web-001");  // 100 has three digits
  CHECK(s.guests[99].name == "web-100");
  CHECK(s.guests[100].name == "db-1");
  CHECK(s.guests[108].name == "db-9");
  CHECK(s.guests[109].name == "one");
  // Copies of one entry share one spec.
  CHECK(s.specs.size() == 3);
  CHECK(s.guests[5].spec == s.guests[6].spec);
}

TEST_CASE("a guest's own keys override its flavor's") {
  const auto l = load_text(R"(
flavors:
  - {name: m1.large, vcpus: 4, memory: 8GiB, image: rhel9, usage: 0.5}
guests:
  - {name: a, flavor: m1.large}
  - {name: b, flavor: m1.large, memory: 1.5GiB, usage: 0.25}
)");
  REQUIRE_MESSAGE(l.ok(), errors_of(l));
  const auto& s = l.scenario;
  const GuestSpec& a = s.spec(s.guests[0]);
  const GuestSpec& b = s.spec(s.guests[1]);
  CHECK(a.vcpus == 4);
  CHECK(a.memory == GiB(8));
  CHECK(a.usage == *Decimal::parse("0.5"));
  CHECK(a.flavor == "m1.large");
  CHECK(b.vcpus == 4);
  CHECK(b.memory == MiB(1536));
  CHECK(b.usage == *Decimal::parse("0.25"));
  CHECK(b.image == "rhel9");
}

TEST_CASE("guest defaults come from the policy") {
  const auto l = load_text(R"(
policy: {usage: 0.6, ksm: {shareable: 0.25}}
guests:
  - {name: a, vcpus: 1, memory: 4GiB}
  - {name: b, vcpus: 1, memory: 4GiB, ksm_shareable: 512MiB, usage: 1}
  - {name: c, vcpus: 1, memory: 4GiB, ksm_shareable: 0.5}
)");
  REQUIRE_MESSAGE(l.ok(), errors_of(l));
  const auto& s = l.scenario;
  CHECK(s.spec(s.guests[0]).usage == *Decimal::parse("0.6"));
  CHECK(s.spec(s.guests[0]).ksm_shareable == GiB(1));   // 0.25 x 4GiB
  CHECK(s.spec(s.guests[1]).ksm_shareable == MiB(512));
  CHECK(s.spec(s.guests[1]).usage == Decimal::of(1));
  CHECK(s.spec(s.guests[2]).ksm_shareable == GiB(2));
}

TEST_CASE("a host without numa is one node with all of it") {
  const auto l = load_text(R"(
hosts:
  - {name: h, memory: 32GiB, cpus: 16, threads_per_core: 2, reserved_cpus: "0,8", dedicated_cpus: "4-7,12-15"}
)");
  REQUIRE_MESSAGE(l.ok(), errors_of(l));
  const Host& h = l.scenario.hosts.at(0);
  REQUIRE(h.nodes.size() == 1);
  CHECK(h.nodes[0].memory == GiB(32));
  CHECK(to_string(h.nodes[0].cpus) == "0-15");
  CHECK(h.distances == std::vector<std::vector<int>>{{10}});
  // 16 threads, 2 per core: CPU i pairs with i + 8.
  REQUIRE(h.core_count() == 8);
  CHECK(to_string(h.cores[0]) == "0,8");
  CHECK(to_string(h.cores[7]) == "7,15");
  CHECK(to_string(h.shared_cpus()) == "1-3,9-11");
  CHECK(h.reserve == GiB(4));  // policy default
  CHECK(h.memory_ratio == *Decimal::parse("1.5"));
}

TEST_CASE("interleaved CPU numbering: even ids on node 0, odd on node 1") {
  const auto l = load_text(R"(
hosts:
  - name: h
    threads_per_core: 2
    numa:
      - {id: 0, cpus: "0,2,4,6,8,10,12,14", memory: 16GiB, hugepages: {2MiB: 512, 1GiB: 4}}
      - {id: 1, cpus: "1,3,5,7,9,11,13,15", memory: 16GiB}
    distances: [[10, 21], [21, 10]]
)");
  REQUIRE_MESSAGE(l.ok(), errors_of(l));
  const Host& h = l.scenario.hosts.at(0);
  CHECK(h.memory == GiB(32));
  CHECK(to_string(h.cpus) == "0-15");
  // Threads pair as i and i + 8: 0 and 8 are both even, so each core stays in one node.
  CHECK(to_string(h.cores[0]) == "0,8");
  CHECK(to_string(h.cores[1]) == "1,9");
  // Pools: 512 x 2MiB + 4 x 1GiB = 1GiB + 4GiB.
  CHECK(h.nodes[0].hugepage_bytes() == GiB(5));
  CHECK(h.hugepage_bytes() == GiB(5));
  CHECK(h.distances[0][1] == 21);
}

TEST_CASE("0-5,12-17 / 6-11,18-23 numbering with sibling sets, sparse node ids") {
  const auto l = load_text(R"(
hosts:
  - name: h
    numa:
      - {id: 0, cpus: "0-5,12-17", memory: 24GiB, siblings: ["0,12", "1,13"]}
      - {id: 16, cpus: "6-11,18-23", memory: 24GiB}
)");
  REQUIRE_MESSAGE(l.ok(), errors_of(l));
  const Host& h = l.scenario.hosts.at(0);
  CHECK(h.nodes[1].id == 16);
  // Listed siblings are cores; every other CPU is a core of its own: 24 - 2 = 22 cores.
  CHECK(h.core_count() == 22);
  CHECK(to_string(h.cores[0]) == "0,12");
  CHECK(h.distances == std::vector<std::vector<int>>{{10, 20}, {20, 10}});  // default 10/20
}

TEST_CASE("host memory split over nodes that do not list theirs, and a CPU-less node") {
  const auto l = load_text(R"(
hosts:
  - name: h
    memory: 3GiB
    numa:
      - {cpus: "0-3"}
      - {cpus: "4-7"}
      - {id: 2}
)");
  REQUIRE_MESSAGE(l.ok(), errors_of(l));
  const Host& h = l.scenario.hosts.at(0);
  REQUIRE(h.nodes.size() == 3);
  CHECK(h.nodes[0].memory == GiB(1));
  CHECK(h.nodes[2].memory == GiB(1));
  CHECK(h.nodes[2].cpus.empty());
  CHECK(h.nodes[1].id == 1);  // ids default to the list position
}

TEST_CASE("count: auto makes a pool, not hosts") {
  const auto l = load_text(R"(
hosts:
  - {name: compute, count: auto, memory: 384GiB, cpus: 96}
)");
  REQUIRE_MESSAGE(l.ok(), errors_of(l));
  CHECK(l.scenario.hosts.empty());
  REQUIRE(l.scenario.auto_pools.size() == 1);
  CHECK(l.scenario.auto_pools[0].name == "compute");
}

TEST_CASE("several files merge in order, and later policy keys win") {
  SourceFiles files;
  files.add("base.yaml", R"(
policy: {memory_ratio: 1.2, host_reserve: 2GiB}
flavors: [{name: small, vcpus: 1, memory: 1GiB}]
hosts: [{name: a, memory: 16GiB, cpus: 8}]
groups: [{name: ha, policy: anti-affinity}]
)");
  files.add("more.yaml", R"(
policy: {memory_ratio: 2.0}
hosts: [{name: b, memory: 16GiB, cpus: 8, memory_ratio: 3}]
guests: [{name: g, flavor: small, host: a, groups: [ha]}]
)");
  const Loaded l = load_sources(std::move(files));
  REQUIRE_MESSAGE(l.ok(), errors_of(l));
  const Scenario& s = l.scenario;
  CHECK(s.policy.memory_ratio == Decimal::of(2));
  CHECK(s.policy.host_reserve == GiB(2));  // not overridden: kept from base.yaml
  REQUIRE(s.hosts.size() == 2);
  CHECK(s.hosts[0].name == "a");
  CHECK(s.hosts[1].name == "b");
  CHECK(s.hosts[0].memory_ratio == Decimal::of(2));  // the merged policy applies to every file
  CHECK(s.hosts[1].memory_ratio == Decimal::of(3));
  CHECK(s.hosts[0].reserve == GiB(2));
  REQUIRE(s.guests.size() == 1);
  CHECK(s.guests[0].host == 0);
  CHECK(s.spec(s.guests[0]).groups == std::vector<std::uint32_t>{0});
}

TEST_CASE("command-line policy overrides come last") {
  SourceFiles files;
  files.add("a.yaml", "policy: {swap_baseline: rhel6}\n");
  LoadOptions o;
  o.policy_overrides.emplace_back("swap_baseline", "2GiB");
  const Loaded l = load_sources(std::move(files), o);
  REQUIRE(l.ok());
  CHECK(l.scenario.policy.swap_baseline.name() == "2GiB");
}

TEST_CASE("an empty file is an empty scenario") {
  const auto l = load_text("");
  CHECK(l.ok());
  CHECK(l.scenario.hosts.empty());
}

TEST_CASE("duplicate names across files say where the first one is") {
  SourceFiles files;
  files.add("a.yaml", "hosts: [{name: h, memory: 1GiB, cpus: 1}]\n");
  files.add("b.yaml", "hosts: [{name: h, memory: 1GiB, cpus: 1}]\n");
  const Loaded l = load_sources(std::move(files));
  CHECK(errors_of(l) ==
        "b.yaml:1:16: error: hosts[0].name: duplicate host name \"h\" (also at a.yaml:1)\n"
        "hosts: [{name: h, memory: 1GiB, cpus: 1}]\n"
        "               ^\n");
}

TEST_CASE("a file that cannot be read is an error, and the others are still checked") {
  const Loaded l = load_files({"/nonexistent/kvmplan.yaml", "scenarios/bad/no-unit.yaml"});
  const std::string e = errors_of(l);
  CHECK(e.find("/nonexistent/kvmplan.yaml: error: cannot read the file: No such file or directory\n") == 0);
  CHECK(e.find("scenarios/bad/no-unit.yaml:") != std::string::npos);
}

TEST_CASE("what is not a scenario file is refused with the reason") {
  // A directory once read as an empty scenario (exit 0), /dev/zero grew until it aborted.
  CHECK(errors_of(load_files({"scenarios"})) == "scenarios: error: is a directory, not a file\n");
  CHECK(errors_of(load_files({"/dev/zero"})) == "/dev/zero: error: is not a text file: byte 0 is NUL\n");
  const kvmplan::test::TempDir tmp("nul");
  const std::string file = (tmp / "nul.yaml").string();
  std::ofstream(file) << "hosts: []\n" << '\0' << "\n";
  CHECK(errors_of(load_files({file})) == file + ": error: is not a text file: byte 10 is NUL\n");
}

TEST_CASE("YAML that yaml-cpp cannot read on from, or that expands without bound, is an error") {
  // A stray ',' made YAML::LoadAll spin for ever (and YAML::Load drop what followed it); the
  // fuzzer found it in two bytes.
  CHECK(errors_of(load_text(", cpus: 16}\n")) == "test.yaml:1:1: error: syntax: unexpected ',': yaml-cpp cannot read on from here\n"
                                                  ", cpus: 16}\n"
                                                  "^\n");
  CHECK(errors_of(load_text("hosts:\n  - {name: a, memory: 8GiB, cpus: 2}\n,\n")).find("test.yaml:3:1: error: syntax: ") == 0);
  // A billion laughs: eight lines that stand for 10^8 nodes.
  std::string laughs = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  for (char c = 'b'; c <= 'h'; ++c) {
    const char prev = static_cast<char>(c - 1);
    laughs += std::string(1, c) + ": &" + c + " [";
    for (int i = 0; i < 10; ++i) laughs += std::string(i ? ", *" : "*") + prev;
    laughs += "]\n";
  }
  CHECK(errors_of(load_text(laughs)).find("test.yaml:7:") == 0);
  CHECK(errors_of(load_text(laughs)).find("aliases expand to more than 10 million nodes") != std::string::npos);
  // Aliases within reason still work, as yaml-cpp reads them.
  const auto ok = load_text("flavors: [&small {name: s, vcpus: 1, memory: 1GiB}]\nhosts: [{name: h, memory: 8GiB, cpus: 2}]\n"
                            "guests: [{name: g, flavor: s, vcpus: &two 2, memory: 1GiB}, {name: k, vcpus: *two, memory: 1GiB}]\n");
  CHECK(ok.ok());
}

TEST_CASE("a second YAML document is an error, not silently dropped") {
  const auto l = load_text("hosts:\n  - {name: a, memory: 8GiB, cpus: 2}\n---\nguests:\n  - {name: g, vcpus: 1, memory: 1GiB}\n");
  CHECK(errors_of(l) ==
        "test.yaml:3:1: error: a second YAML document: kvmplan reads one per file (split it into two files)\n"
        "---\n"
        "^\n");
  // A lone "---" before the first document is fine; an empty second one is still a second.
  CHECK(load_text("---\npolicy: {usage: 0.5}\n").ok());
  CHECK(errors_of(load_text("policy: {usage: 0.5}\n---\n")).find("test.yaml:2:1: error: a second YAML document") == 0);
}

TEST_CASE("two entries that expand to the same names clash once, not once per guest") {
  const auto l = load_text(R"(
guests:
  - {name: web, count: 1000, vcpus: 1, memory: 1GiB}
  - {name: web, count: 1000, vcpus: 1, memory: 1GiB}
  - {name: web-0500, vcpus: 1, memory: 1GiB}
)");
  CHECK(errors_of(l) ==
        "test.yaml:4:12: error: guests[1].name: duplicate guest name \"web-0001\" (also at line 3)\n"
        "  - {name: web, count: 1000, vcpus: 1, memory: 1GiB}\n"
        "           ^\n"
        "test.yaml:5:12: error: guests[2].name: duplicate guest name \"web-0500\" (also at line 3)\n"
        "  - {name: web-0500, vcpus: 1, memory: 1GiB}\n"
        "           ^\n");
}

TEST_CASE("replace: true in a later file takes the place of the earlier entry of that name") {
  SourceFiles files;
  files.add("base.yaml", R"(
hosts:
  - {name: kvm, memory: 64GiB, cpus: 16}
  - {name: spare, memory: 32GiB, cpus: 8}
flavors: [{name: web, vcpus: 2, memory: 4GiB}]
groups: [{name: apart, policy: anti-affinity}]
guests:
  - {name: web, count: 3, flavor: web}
  - {name: db, vcpus: 4, memory: 16GiB}
)");
  files.add("whatif.yaml", R"(
hosts: [{name: kvm, memory: 128GiB, cpus: 32, replace: true}]
flavors: [{name: web, vcpus: 2, memory: 8GiB, replace: true}]
groups: [{name: apart, policy: affinity, replace: true}]
guests: [{name: db, vcpus: 8, memory: 32GiB, replace: true}]
)");
  const Loaded l = load_sources(std::move(files));
  REQUIRE_MESSAGE(l.ok(), kvmplan::test::errors_of(l));
  const Scenario& s = l.scenario;
  // The replaced host keeps its place: kvm first, then spare.
  REQUIRE(s.hosts.size() == 2);
  CHECK(s.hosts[0].name == "kvm");
  CHECK(s.hosts[0].memory == GiB(128));
  CHECK(s.hosts[1].name == "spare");
  REQUIRE(s.guests.size() == 4);
  CHECK(s.spec(s.guests[0]).memory == GiB(8));  // web-1, of the new flavor
  CHECK(s.guests[3].name == "db");
  CHECK(s.spec(s.guests[3]).memory == GiB(32));
  CHECK(s.spec(s.guests[3]).vcpus == 8);
  REQUIRE(s.groups.size() == 1);
  CHECK(s.groups[0].policy == GroupPolicy::affinity);
}

TEST_CASE("replace: a repeated name without it, one with no earlier entry, and one in the same file are errors") {
  SourceFiles files;
  files.add("base.yaml", "hosts: [{name: kvm, memory: 64GiB, cpus: 16}, {name: kvm2, memory: 64GiB, cpus: 16, replace: true}]\n");
  files.add("more.yaml", "hosts: [{name: kvm, memory: 64GiB, cpus: 16}, {name: new, memory: 8GiB, cpus: 2, replace: true}, {name: kvm, memory: 8GiB, cpus: 2, replace: maybe}]\n");
  files.add("same.yaml", "flavors: [{name: a, vcpus: 1, memory: 1GiB}, {name: a, vcpus: 1, memory: 2GiB, replace: true}]\n");
  const Loaded l = load_sources(std::move(files));
  const std::string e = kvmplan::test::errors_of(l);
  CHECK(e.find("base.yaml:1:94: error: hosts[1].replace: replace: true, but no earlier host entry is named \"kvm2\"") != std::string::npos);
  CHECK(e.find("more.yaml:1:16: error: hosts[0].name: duplicate host name \"kvm\" (also at base.yaml:1)") != std::string::npos);
  CHECK(e.find("more.yaml:1:91: error: hosts[1].replace: replace: true, but no earlier host entry is named \"new\"") != std::string::npos);
  CHECK(e.find("more.yaml:1:142: error: hosts[2].replace: \"maybe\" is not a boolean; write true or false") != std::string::npos);
  CHECK(e.find("same.yaml:1:89: error: flavors[1].replace: replace: true replaces an entry of an earlier file; \"a\" is at line 1 in this one: edit it there") != std::string::npos);
}
