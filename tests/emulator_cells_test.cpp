// emulator_threads: isolate (one more dedicated CPU per dedicated guest, counted by placement,
// check and size; exported as <emulatorpin>) and uneven NUMA cells (numa_cells: loaded,
// placed cell by cell, checked, exported as given, imported from domain XML).
#include <doctest/doctest.h>

#include <pugixml.hpp>
#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <filesystem>
#include <regex>
#include <set>
#include <sstream>

#include "kvmplan/libvirt/domain_export.hpp"
#include "kvmplan/libvirt/domain_import.hpp"
#include "kvmplan/model/cells.hpp"
#include "domain_util.hpp"
#include "placement_util.hpp"

namespace fs = std::filesystem;
using namespace kvmplan;

using kvmplan::test::domain_of;

namespace {

PlanDocument document_of(kvmplan::test::Placed& p, const std::string& yaml) {
  Diagnostics problems;
  PlanDocument doc = read_plan_text("plan.yaml", yaml, p.loaded.sources, problems);
  REQUIRE_MESSAGE(!problems.has_errors(), format_all(problems, p.loaded.sources));
  return doc;
}

bool have(const char* tool) { return std::system(("command -v " + std::string(tool) + " >/dev/null 2>&1").c_str()) == 0; }

// "guest: libvirt's message" for each domain the test driver refuses (nothing when virsh is
// missing: the caller says it skipped).
std::vector<std::string> refused_by_virsh(const std::vector<DomainXml>& domains, const std::string& name) {
  const kvmplan::test::TempDir tmp("iso-virsh-" + name);
  std::vector<std::string> refused;
  for (const auto& d : domains) {
    const fs::path file = tmp.path() / (d.guest + ".xml");
    const fs::path log = tmp.path() / (d.guest + ".log");
    std::ofstream(file) << d.xml;
    const std::string cmd = "virsh -q -c test:///default define '" + file.string() + "' >'" + log.string() + "' 2>&1";
    if (std::system(cmd.c_str()) != 0) refused.push_back(d.guest + ": " + kvmplan::test::read_file(log.string()));
    const std::string xsd = "virt-xml-validate '" + file.string() + "' domain >/dev/null 2>&1";
    if (have("virt-xml-validate") && std::system(xsd.c_str()) != 0) refused.push_back(d.guest + ": virt-xml-validate");
  }
  return refused;
}

// A host of two nodes of 8 CPUs (4 cores of 2 threads) and 32GiB each, nothing reserved.
const std::string two_nodes =
    "hosts:\n"
    "  - name: h\n"
    "    count: COUNT\n"
    "    numa:\n"
    "      - {cpus: '0-7', memory: 32GiB}\n"
    "      - {cpus: '8-15', memory: 32GiB}\n";
constexpr int node_cpus = 8, nodes = 2;

std::string with_count(std::string text, const std::string& count) { return std::regex_replace(text, std::regex("COUNT"), count); }

std::string dedicated_guests(int count, int vcpus) {
  return "guests: [{name: d, count: " + std::to_string(count) + ", vcpus: " + std::to_string(vcpus) + ", memory: 1GiB, cpu_policy: dedicated}]\n";
}

int placed(const Plan& plan) {
  int n = 0;
  for (const auto& p : plan.placements) n += p.host >= 0;
  return n;
}

}  // namespace

TEST_CASE("emulator_threads isolate: one more dedicated CPU per dedicated guest, counted by placement, the bound and size") {
  const int vcpus = 4, guests = 10;
  // One host: under share it holds nodes x floor(8 / 4) guests, under isolate nodes x
  // floor(8 / (4 + 1)): each guest's fifth CPU comes from its own node.
  const int fit_share = nodes * (node_cpus / vcpus), fit_isolate = nodes * (node_cpus / (vcpus + 1));
  REQUIRE(fit_isolate < fit_share);
  for (const std::string policy : {"share", "isolate"}) {
    CAPTURE(policy);
    const bool isolate = policy == "isolate";
    auto one = kvmplan::test::place_text("policy: {host_reserve: 0b, emulator_threads: " + policy + "}\n" + with_count(two_nodes, "1") +
                                         dedicated_guests(guests, vcpus));
    CHECK(placed(one.plan) == (isolate ? fit_isolate : fit_share));
    // Every guest's CPUs: its vCPUs', and under isolate one more at the end, on its node.
    CpuSet held;
    int total = 0;
    for (std::uint32_t g = 0; g < one.plan.placements.size(); ++g) {
      const Placement& pl = one.plan.placements[g];
      if (pl.host < 0) continue;
      REQUIRE(static_cast<int>(pl.vcpupin.size()) == vcpus + (isolate ? 1 : 0));
      const CpuSet& node = one.plan.hosts[0].nodes[static_cast<std::size_t>(pl.nodes[0])].cpus;
      for (int cpu : pl.vcpupin) {
        CHECK(node.contains(cpu));
        held.insert(cpu);
        ++total;
      }
      CHECK(one.plan.emulator_cpu(g, vcpus) == (isolate ? pl.vcpupin.back() : -1));
    }
    CHECK(held.count() == total);  // no CPU held twice
    // The plan document: emulatorpin only under isolate, beside a vcpupin of the vCPUs only.
    CHECK((one.yaml.find("emulatorpin: ") != std::string::npos) == isolate);
    CHECK(one.yaml.find("vcpupin: [" + std::to_string(one.plan.placements[0].vcpupin[0]) + ", ") != std::string::npos);
    // size: the shared CPUs left are the host's less every CPU the guests hold.
    const auto figures = plan_figures(one.scenario(), one.plan);
    CHECK(figures[0].pcpus == nodes * node_cpus - placed(one.plan) * (vcpus + (isolate ? 1 : 0)));
    CHECK(figures[0].emulator_pcpus == (isolate ? placed(one.plan) : 0));

    // A pool: as many hosts as the guests need, and the bound agrees.
    auto pool = kvmplan::test::place_text("policy: {host_reserve: 0b, emulator_threads: " + policy + "}\n" + with_count(two_nodes, "auto") +
                                          dedicated_guests(guests, vcpus));
    const int per_host = isolate ? fit_isolate : fit_share;
    CHECK(pool.plan.unplaced.empty());
    CHECK(pool.plan.hosts_used == (guests + per_host - 1) / per_host);
    // The bound counts the emulator's CPU too (it sees the host's CPUs, not how nodes split
    // them): the guests' CPUs over the host's, rounded up.
    const int cpus_held = guests * (vcpus + (isolate ? 1 : 0));
    CHECK(pool.plan.lower_bound_hosts == (cpus_held + nodes * node_cpus - 1) / (nodes * node_cpus));
  }
}

TEST_CASE("emulator_threads isolate leaves shared guests alone, and a guest or flavor may choose it") {
  // A shared guest under isolate: no pins, no emulator CPU.
  auto shared = kvmplan::test::place_text("policy: {emulator_threads: isolate}\n" + with_count(two_nodes, "1") +
                                          "guests: [{name: s, vcpus: 2, memory: 1GiB}]\n");
  CHECK(shared.plan.placements[0].vcpupin.empty());
  CHECK(shared.yaml.find("emulatorpin") == std::string::npos);
  // Per guest, over the policy's share: only the guest that asks gets the fifth CPU.
  auto mixed = kvmplan::test::place_text(with_count(two_nodes, "1") +
                                         "flavors: [{name: pinned, vcpus: 3, memory: 1GiB, cpu_policy: dedicated, emulator_threads: isolate}]\n"
                                         "guests:\n  - {name: a, flavor: pinned}\n  - {name: b, flavor: pinned, emulator_threads: share}\n");
  CHECK(mixed.pins("a").size() == 4);
  CHECK(mixed.pins("b").size() == 3);
  // isolate on a shared guest is refused where it is written (Nova refuses it too).
  const auto bad = kvmplan::test::load_text(with_count(two_nodes, "1") + "guests:\n  - {name: s, vcpus: 2, memory: 1GiB, emulator_threads: isolate}\n");
  CHECK(kvmplan::test::errors_of(bad).find("test.yaml:8:57: error: guests[0].emulator_threads: isolate takes one more dedicated CPU: it needs cpu_policy: dedicated") !=
        std::string::npos);
  const auto flavor = kvmplan::test::load_text(with_count(two_nodes, "1") + "flavors: [{name: f, vcpus: 2, memory: 1GiB, emulator_threads: isolate}]\n"
                                                                             "guests:\n  - {name: s, flavor: f}\n");
  CHECK(kvmplan::test::errors_of(flavor).find("error: guests[0].flavor: flavor f: emulator_threads isolate needs cpu_policy: dedicated") != std::string::npos);
  const auto typo = kvmplan::test::load_text(with_count(two_nodes, "1") + "guests:\n  - {name: s, vcpus: 2, memory: 1GiB, emulator_threads: isolated}\n");
  CHECK(kvmplan::test::errors_of(typo).find("test.yaml:8:57: error: guests[0].emulator_threads: \"isolated\" is not one of share or isolate") != std::string::npos);
}

TEST_CASE("check of a hand-edited plan: the isolated CPU missing, shared by two guests, or on another node") {
  auto p = kvmplan::test::place_text("policy: {host_reserve: 0b, emulator_threads: isolate}\n" + with_count(two_nodes, "1") +
                                     dedicated_guests(2, 3));
  REQUIRE(p.plan.unplaced.empty());
  const int a = p.plan.emulator_cpu(0, 3), b = p.plan.emulator_cpu(1, 3);
  REQUIRE(a >= 0);
  REQUIRE(b >= 0);
  REQUIRE(a != b);
  const std::string a_pin = "emulatorpin: " + std::to_string(a), b_pin = "emulatorpin: " + std::to_string(b);
  REQUIRE(p.yaml.find(a_pin) != std::string::npos);
  REQUIRE(p.yaml.find(b_pin) != std::string::npos);

  // Missing: the plan of a share policy given to an isolate scenario.
  {
    std::string edited = p.yaml;
    edited.replace(edited.find(", " + a_pin), 2 + a_pin.size(), "");
    const auto r = kvmplan::test::check_text(p.loaded, edited);
    CHECK(kvmplan::test::joined(r.violations).find("d-1: emulator_threads isolate: a dedicated guest needs an emulatorpin") != std::string::npos);
  }
  // Shared: guest 2 names guest 1's isolated CPU.
  {
    std::string edited = p.yaml;
    edited.replace(edited.find(b_pin), b_pin.size(), "emulatorpin: " + std::to_string(a));
    const auto r = kvmplan::test::check_text(p.loaded, edited);
    CHECK(kvmplan::test::joined(r.violations).find("CPUs " + std::to_string(a) + " pinned by more than one guest") != std::string::npos);
  }
  // One of its own vCPUs' CPUs.
  {
    std::string edited = p.yaml;
    const int own = p.plan.placements[0].vcpupin[0];
    edited.replace(edited.find(a_pin), a_pin.size(), "emulatorpin: " + std::to_string(own));
    const auto r = kvmplan::test::check_text(p.loaded, edited);
    CHECK(kvmplan::test::joined(r.violations).find("emulatorpin " + std::to_string(own) + " is also one of its vCPUs' CPUs") != std::string::npos);
  }
  // Under share, an emulatorpin is no part of the plan.
  {
    auto share = kvmplan::test::place_text("policy: {host_reserve: 0b}\n" + with_count(two_nodes, "1") + dedicated_guests(1, 3));
    std::string edited = share.yaml;
    const std::string tail = ", hugepages: ";
    edited.replace(edited.find(tail), tail.size(), ", emulatorpin: 15" + tail);
    const auto r = kvmplan::test::check_text(share.loaded, edited);
    CHECK(kvmplan::test::joined(r.violations).find("emulatorpin given, but its emulator threads are not isolated") != std::string::npos);
  }
}

TEST_CASE("export under isolate: <emulatorpin> is the plan's isolated CPU, and libvirt's test driver defines it") {
  auto p = kvmplan::test::place_text("policy: {host_reserve: 0b, emulator_threads: isolate}\n" + with_count(two_nodes, "1") +
                                     "guests:\n  - {name: d, count: 2, vcpus: 3, memory: 1GiB, cpu_policy: dedicated}\n  - {name: s, vcpus: 2, memory: 1GiB}\n");
  REQUIRE(p.plan.unplaced.empty());
  const auto domains = export_domains(p.scenario(), document_of(p, p.yaml));
  for (std::uint32_t g = 0; g < 2; ++g) {
    const std::string name = p.scenario().guests[g].name;
    const std::string xml = domain_of(domains, name);
    const int emulator = p.plan.emulator_cpu(g, 3);
    CHECK(xml.find("<emulatorpin cpuset=\"" + std::to_string(emulator) + "\" />") != std::string::npos);
    // Its vCPUs on their own pins, none on the emulator's.
    for (int v = 0; v < 3; ++v) {
      CHECK(xml.find("<vcpupin vcpu=\"" + std::to_string(v) + "\" cpuset=\"" + std::to_string(p.plan.placements[g].vcpupin[static_cast<std::size_t>(v)]) +
                     "\" />") != std::string::npos);
    }
    CHECK(xml.find("<vcpupin vcpu=\"3\"") == std::string::npos);
    CHECK(xml.find("<topology sockets=\"1\" dies=\"1\" cores=\"") != std::string::npos);
  }
  CHECK(domain_of(domains, "s").find("emulatorpin") == std::string::npos);
  if (!have("virsh")) {
    MESSAGE("SKIPPED: virsh is not installed (Debian: libvirt-clients, which scripts/setup.sh installs)");
    return;
  }
  CHECK(refused_by_virsh(domains, "isolate") == std::vector<std::string>{});
}

TEST_CASE("export --domains under isolate moves the file's <iothreadpin>s to the isolated CPU") {
  auto p = kvmplan::test::place_text("policy: {host_reserve: 0b, emulator_threads: isolate}\n" + with_count(two_nodes, "1") + dedicated_guests(1, 2));
  const std::string existing =
      "<domain type='kvm'>\n  <name>d</name>\n  <memory unit='KiB'>1048576</memory>\n  <vcpu placement='static'>2</vcpu>\n"
      "  <iothreads>1</iothreads>\n  <cputune>\n    <iothreadpin iothread='1' cpuset='0-15'/>\n  </cputune>\n"
      "  <os>\n    <type arch='x86_64'>hvm</type>\n  </os>\n</domain>\n";
  ExistingDomains given;
  given.emplace("d", ExistingDomain{"d.xml", "d", existing});
  const auto domains = export_domains(p.scenario(), document_of(p, p.yaml), given);
  const std::string cpu = std::to_string(p.plan.emulator_cpu(0, 2));
  CHECK(domains[0].xml.find("<iothreadpin iothread='1' cpuset='" + cpu + "'/>") != std::string::npos);
  CHECK(domains[0].xml.find("<emulatorpin cpuset='" + cpu + "'/>") != std::string::npos);
  if (have("virsh")) CHECK(refused_by_virsh(domains, "iothreads") == std::vector<std::string>{});
}

TEST_CASE("numa_cells: located errors for cells that disagree with the guest") {
  const std::string host = with_count(two_nodes, "1");
  auto errors = [&](const std::string& guest) { return kvmplan::test::errors_of(kvmplan::test::load_text(host + "guests:\n" + guest)); };
  // Memory that does not add up (line 8, the list's column).
  CHECK(errors("  - name: g\n    vcpus: 3\n    memory: 8GiB\n    numa_cells: [{memory: 4GiB, vcpus: 2}, {memory: 2GiB, vcpus: 1}]\n")
            .find("test.yaml:11:17: error: guests[0].numa_cells: the cells' memory adds up to 6GiB, not the guest's 8GiB") != std::string::npos);
  CHECK(errors("  - name: g\n    vcpus: 4\n    memory: 6GiB\n    numa_cells: [{memory: 4GiB, vcpus: 2}, {memory: 2GiB, vcpus: 1}]\n")
            .find("test.yaml:11:17: error: guests[0].numa_cells: the cells' vCPUs add up to 3, not the guest's 4") != std::string::npos);
  CHECK(errors("  - name: g\n    vcpus: 3\n    memory: 6GiB\n    numa_nodes: 3\n    numa_cells: [{memory: 4GiB, vcpus: 2}, {memory: 2GiB, vcpus: 1}]\n")
            .find("test.yaml:11:17: error: guests[0].numa_nodes: 3 does not agree with numa_cells, which lists 2 cells") != std::string::npos);
  // A cell of half a 1GiB page.
  CHECK(errors("  - name: g\n    vcpus: 2\n    memory: 2GiB\n    hugepages: 1GiB\n    numa_cells: [{memory: 1536MiB, vcpus: 1}, {memory: 512MiB, vcpus: 1}]\n")
            .find("test.yaml:12:18: error: guests[0].numa_cells[0].memory: 1536MiB is not a whole number of 1GiB pages, which QEMU refuses for a cell") !=
        std::string::npos);
  // A cell without vcpus, and not a list.
  CHECK(errors("  - name: g\n    vcpus: 2\n    memory: 2GiB\n    numa_cells: [{memory: 1GiB}, {memory: 1GiB, vcpus: 2}]\n")
            .find("error: guests[0].numa_cells[0]: missing required key \"vcpus\"") != std::string::npos);
  CHECK(errors("  - name: g\n    vcpus: 2\n    memory: 2GiB\n    numa_cells: 2\n").find("test.yaml:11:17: error: guests[0].numa_cells: expected a list of cells") !=
        std::string::npos);
  // From a flavor: reported at the guest's flavor.
  const auto flavor = kvmplan::test::errors_of(kvmplan::test::load_text(
      host + "flavors: [{name: f, vcpus: 3, memory: 6GiB, numa_cells: [{memory: 4GiB, vcpus: 2}, {memory: 2GiB, vcpus: 1}]}]\n"
             "guests:\n  - {name: g, flavor: f, memory: 8GiB}\n"));
  CHECK(flavor.find("error: guests[0].flavor: flavor f: numa_cells: the cells' memory adds up to 6GiB, not the guest's 8GiB") != std::string::npos);
  // Good cells load, and split_cells gives them back, the overhead in proportion.
  const auto good = kvmplan::test::load_text(host + "policy: {guest_overhead: 64MiB}\nguests:\n  - name: g\n    vcpus: 4\n    memory: 8GiB\n"
                                                    "    numa_cells: [{memory: 4GiB, vcpus: 2}, {memory: 2GiB, vcpus: 1}, {memory: 2GiB, vcpus: 1}]\n");
  REQUIRE_MESSAGE(good.ok(), kvmplan::test::errors_of(good));
  const GuestSpec& spec = good.scenario.specs[0];
  CHECK(spec.numa_nodes == 3);
  const auto cells = split_cells(spec, MiB(64), 3);
  REQUIRE(cells.size() == 3);
  CHECK(cells[0].memory == GiB(4));
  CHECK(cells[1].memory == GiB(2));
  CHECK(cells[2].memory == GiB(2));
  CHECK(cells[0].vcpus == 2);
  CHECK(cells[1].vcpus + cells[2].vcpus == 2);
  CHECK(cells[0].overhead == MiB(32));
  CHECK(cells[1].overhead == MiB(16));
  CHECK(cells[0].overhead + cells[1].overhead + cells[2].overhead == MiB(64));
}

TEST_CASE("numa_cells: each cell lands on a node that holds that cell, whatever the node order") {
  // Node 0 has 3GiB, node 1 6GiB, strictly (memory_ratio 1, nothing reserved). The guest's
  // first cell (5GiB) fits only node 1, its second (1GiB) either: cell 0 on node 1.
  const std::string scenario =
      "policy: {host_reserve: 0b, memory_ratio: 1.0}\n"
      "hosts:\n  - name: h\n    numa:\n      - {cpus: '0-3', memory: 3GiB}\n      - {cpus: '4-7', memory: 6GiB}\n"
      "guests:\n  - {name: g, vcpus: 3, memory: 6GiB, numa_cells: [{memory: 5GiB, vcpus: 2}, {memory: 1GiB, vcpus: 1}]}\n";
  auto p = kvmplan::test::place_text(scenario);
  REQUIRE(p.plan.unplaced.empty());
  CHECK(p.node_ids("g") == std::vector<int>{1, 0});
  // The same plan with the nodes swapped: check finds cell 0 (5GiB) too large for node 0.
  std::string edited = p.yaml;
  edited.replace(edited.find("nodes: [1, 0]"), 13, "nodes: [0, 1]");
  const auto r = kvmplan::test::check_text(p.loaded, edited);
  CHECK(kvmplan::test::joined(r.violations).find("cell 0 of 5GiB is larger than node 0's room, 3GiB") != std::string::npos);
  // A cell no node holds: unplaced, though the guest's memory fits the host.
  auto too_big = kvmplan::test::place_text(std::regex_replace(scenario, std::regex("memory: 6GiB, numa_cells: \\[\\{memory: 5GiB"),
                                                               "memory: 8GiB, numa_cells: [{memory: 7GiB"));
  REQUIRE(too_big.scenario().specs[0].cells[0].memory == GiB(7));
  CHECK(too_big.plan.unplaced.size() == 1);
}

TEST_CASE("uneven cells round trip: domain XML -> import -> scenario -> place -> export gives the same cells") {
  const std::string original =
      "<domain type='kvm'>\n  <name>uneven</name>\n  <memory unit='KiB'>8388608</memory>\n  <vcpu placement='static'>4</vcpu>\n"
      "  <os>\n    <type arch='x86_64'>hvm</type>\n  </os>\n  <cpu>\n    <numa>\n"
      "      <cell id='0' cpus='0-1' memory='4194304' unit='KiB'/>\n      <cell id='1' cpus='2' memory='2097152' unit='KiB'/>\n"
      "      <cell id='2' cpus='3' memory='2097152' unit='KiB'/>\n    </numa>\n  </cpu>\n</domain>\n";
  SourceFiles sources;
  Diagnostics problems;
  const auto imported = import_domains_texts({{"uneven.xml", original}}, sources, problems);
  REQUIRE_MESSAGE(!problems.has_errors(), format_all(problems, sources));
  REQUIRE(imported.size() == 1);
  std::ostringstream yaml;
  write_guests_yaml(yaml, imported, "");
  CHECK(yaml.str().find("numa_cells:") != std::string::npos);
  CHECK(yaml.str().find("numa_nodes") == std::string::npos);
  // Three nodes of 6GiB and 4 CPUs: the 4GiB cell anywhere, each cell on its own node.
  auto p = kvmplan::test::place_text("policy: {host_reserve: 0b}\nhosts:\n  - name: h\n    numa:\n      - {cpus: '0-3', memory: 6GiB}\n"
                                     "      - {cpus: '4-7', memory: 6GiB}\n      - {cpus: '8-11', memory: 6GiB}\n" +
                                     yaml.str());
  REQUIRE(p.plan.unplaced.empty());
  CHECK(p.node_ids("uneven").size() == 3);
  const auto domains = export_domains(p.scenario(), document_of(p, p.yaml));
  REQUIRE(domains.size() == 1);
  pugi::xml_document before, after;
  REQUIRE(before.load_string(original.c_str()));
  REQUIRE(after.load_string(domains[0].xml.c_str()));
  std::vector<std::pair<std::string, long long>> want, got;
  auto kib = [](pugi::xml_node cell) {
    const std::string unit = cell.attribute("unit").value();
    const long long v = cell.attribute("memory").as_llong();
    return unit == "GiB" ? v << 20 : unit == "MiB" ? v << 10 : v;
  };
  for (auto c : before.child("domain").child("cpu").child("numa").children("cell")) want.emplace_back(c.attribute("cpus").value(), kib(c));
  for (auto c : after.child("domain").child("cpu").child("numa").children("cell")) got.emplace_back(c.attribute("cpus").value(), kib(c));
  CHECK(got == want);
  CHECK(after.child("domain").child("memory").text().as_llong() == 8388608);
  // Each vCPU pinned to the node of its cell, and the domain defines.
  const auto& nodes = p.at("uneven").nodes;
  const Host& h = p.plan.hosts[0];
  int vcpu = 0;
  for (std::size_t c = 0; c < 3; ++c) {
    for (int i = 0; i < imported[0].spec.cells[c].vcpus; ++i, ++vcpu) {
      const std::string pin = "<vcpupin vcpu=\"" + std::to_string(vcpu) + "\" cpuset=\"";
      const auto at = domains[0].xml.find(pin);
      REQUIRE(at != std::string::npos);
      const std::string set = domains[0].xml.substr(at + pin.size(), domains[0].xml.find('"', at + pin.size()) - at - pin.size());
      CHECK(CpuSet::parse(set).value().subset_of(h.nodes[static_cast<std::size_t>(nodes[c])].cpus));
    }
  }
  // And it imports back to the same cells.
  SourceFiles again_sources;
  Diagnostics again_problems;
  const auto again = import_domains_texts({{"again.xml", domains[0].xml}}, again_sources, again_problems);
  REQUIRE(again.size() == 1);
  CHECK(again[0].spec.cells == imported[0].spec.cells);
  if (have("virsh")) CHECK(refused_by_virsh(domains, "uneven") == std::vector<std::string>{});
}

TEST_CASE("place --from under isolate and with uneven cells: a plan with no change is written again byte for byte") {
  const kvmplan::test::TempDir tmp("iso-replan");
  const std::string s = (tmp / "s.yaml").string(), a = (tmp / "a.yaml").string(), b = (tmp / "b.yaml").string();
  // A scenario of the fuzz corpus: isolated dedicated guests of uneven cells, some placed in
  // another order than their nodes' (numa_cells), shared guests beside them.
  std::ofstream(s) << kvmplan::test::read_file("tests/fuzz/corpus/scenario/numa-cells-isolate.yaml");
  REQUIRE(kvmplan::test::run_cli({"place", s, "-q", "-o", a}).code == 0);
  CHECK(kvmplan::test::read_file(a).find("emulatorpin: ") != std::string::npos);
  const auto r = kvmplan::test::run_cli({"place", s, "--from", a, "-o", b});
  REQUIRE(r.code == 0);
  CHECK(r.err.find(" 0 moved") != std::string::npos);
  CHECK(kvmplan::test::read_file(b) == kvmplan::test::read_file(a));
  CHECK(kvmplan::test::run_cli({"check", s, "--placement", b}).code == 0);
}

TEST_CASE("failures under isolate: a restart needs the emulator's CPU too") {
  // Two hosts of two 8-CPU nodes, three 4-vCPU dedicated guests. Under share a host holds
  // nodes x floor(8 / 4) = 4 of them: any one host takes all three. Under isolate it holds
  // nodes x floor(8 / 5) = 2: the guests need both hosts, and neither takes the other's.
  const kvmplan::test::TempDir tmp("iso-ha");
  for (const std::string policy : {"share", "isolate"}) {
    CAPTURE(policy);
    const std::string s = (tmp / (policy + ".yaml")).string(), plan = (tmp / (policy + "-plan.yaml")).string();
    std::ofstream(s) << "policy: {host_reserve: 0b, emulator_threads: " + policy + ", ha: {host_failures: 1}}\n" + with_count(two_nodes, "2") +
                            dedicated_guests(3, 4);
    kvmplan::test::run_cli({"place", s, "-q", "-o", plan});
    const auto r = kvmplan::test::run_cli({"check", s, "--placement", plan});
    CHECK(r.code == (policy == "share" ? 0 : 1));
    CHECK(r.err.find(policy == "share" ? "survives any 1 host: yes" : "survives any 1 host: no") != std::string::npos);
  }
}

TEST_CASE("numa_cells of 12 cells that fit one order only place without trying every order of the nodes") {
  // Node j holds (j + 1)GiB, cell c is (12 - c)GiB: cell 0 fits node 11 only, cell 1 nodes 10
  // and 11, ... The one order that fits is the descending one, the last of the 12! = 479001600
  // orders in lexicographic order: placement (and the failure simulation, ha.host_failures: 1
  // restarting it on the other host) must find it without walking them.
  std::string yaml = "policy: {host_reserve: 0b, guest_overhead: none, ha: {host_failures: 1}}\n"
                     "hosts:\n  - name: h\n    count: 2\n    numa:\n";
  std::string cells;
  for (int j = 0; j < 12; ++j) {
    yaml += "      - {cpus: '" + std::to_string(2 * j) + "-" + std::to_string(2 * j + 1) + "', memory: " + std::to_string(j + 1) + "GiB}\n";
    cells += std::string(j ? ", " : "") + "{memory: " + std::to_string(12 - j) + "GiB, vcpus: 1}";
  }
  yaml += "guests: [{name: g, vcpus: 12, memory: 78GiB, numa_cells: [" + cells + "]}]\n";
  // (Walking the orders took 45 s here; no timing in the test: a regression shows as its CTest
  // timeout, and bench/ measures speed.)
  auto p = kvmplan::test::place_text(yaml);
  CHECK(p.plan.unplaced.empty());
  CHECK(p.node_ids("g") == std::vector<int>{11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0});
  // check simulated h-1 failing: the guest restarts on h-2, in the one order that fits.
  REQUIRE(p.check.failures);
  CHECK(p.check.failures->survives);
  CHECK(p.check.failures->simulated == 1);
}

TEST_CASE("drain json writes an isolated guest's vcpupin one per vCPU and its emulator CPU as emulatorpin") {
  const kvmplan::test::TempDir tmp("iso-drain");
  const std::string scenario = (tmp / "s.yaml").string(), plan = (tmp / "plan.yaml").string();
  std::ofstream(scenario) << "policy: {emulator_threads: isolate}\n" + with_count(two_nodes, "2") +
                                 "guests: [{name: d, vcpus: 3, memory: 1GiB, cpu_policy: dedicated}]\n";
  REQUIRE(kvmplan::test::run_cli({"place", scenario, "-o", plan}).code == 0);
  const auto drained = kvmplan::test::run_cli({"drain", scenario, "--placement", plan, "h-1", "--format", "json"});
  REQUIRE(drained.code == 0);
  const YAML::Node move = YAML::Load(drained.out)["moves"][0];
  CHECK(move["to"].as<std::string>() == "h-2");
  // 3 vCPUs: three pins, not four; the fourth CPU the guest holds is its emulator's.
  REQUIRE(move["vcpupin"].size() == 3);
  REQUIRE(move["emulatorpin"]);
  std::set<int> held;
  for (const auto& c : move["vcpupin"]) held.insert(c.as<int>());
  held.insert(move["emulatorpin"].as<int>());
  CHECK(held.size() == 4);
  // A guest not isolated has no emulatorpin.
  std::ofstream(scenario) << with_count(two_nodes, "2") + "guests: [{name: d, vcpus: 3, memory: 1GiB, cpu_policy: dedicated}]\n";
  REQUIRE(kvmplan::test::run_cli({"place", scenario, "-o", plan}).code == 0);
  const auto shared = kvmplan::test::run_cli({"drain", scenario, "--placement", plan, "h-1", "--format", "json"});
  const YAML::Node plain = YAML::Load(shared.out)["moves"][0];
  CHECK(plain["vcpupin"].size() == 3);
  CHECK(!plain["emulatorpin"]);
}
