// Importing the real `virsh capabilities` files of data/libvirt (libvirt, oVirt vdsm,
// virt-manager test data): every one imports, or fails with the error it must.
#include <doctest/doctest.h>

#include "kvmplan/report/problems.hpp"
#include "kvmplan/libvirt/capabilities.hpp"
#include "test_util.hpp"

using namespace kvmplan;

namespace {

const std::string dir = std::string(KVMPLAN_DATA_DIR) + "/libvirt/capabilities/";

struct Imported {
  std::vector<Host> hosts;
  std::string errors;   // errors and warnings, formatted
  bool ok = false;
};

Imported import(const std::string& file, CapabilitiesImport options = {}) {
  SourceFiles sources;
  Diagnostics problems;
  Imported r;
  r.hosts = import_capabilities({dir + file}, options, sources, problems);
  r.errors = format_all(problems, sources);
  r.ok = !problems.has_errors();
  return r;
}

}  // namespace

TEST_CASE("every capabilities file imports, or fails with its clear error") {
  struct Row {
    const char* file;
    bool imports;
    const char* says;  // a line the errors or warnings hold
  };
  const Row rows[] = {
      {"libvirt-caps-test3-westmere.xml", true, ""},
      {"libvirt-vircaps-aarch64-basic-clusters.xml", true, "the file contradicts itself; pools left out"},
      {"libvirt-vircaps-basic-4-4-2G.xml", false, "error: cell[0].cpus: CPU 0 is listed twice (also in cell[0] at line 19)"},
      {"libvirt-vircaps-x86_64-basic-dies.xml", true, "pools left out"},
      {"libvirt-vircaps-x86_64-basic.xml", true, "hugepage pools of 6152GiB exceed the cell's memory, 1GiB"},
      {"libvirt-vircaps-x86_64-caches.xml", true, "pools left out"},
      {"libvirt-vircaps-x86_64-hmat.xml", true, "pools left out"},
      {"libvirt-vircaps-x86_64-resctrl-amd.xml", true, "pools left out"},
      {"vdsm-caps_libvirt_amd_6274.xml", false, "error: cells: cell 2 gives no <memory> and no pages to count it from"},
      {"vdsm-caps_libvirt_ibm_S822L_le.xml", true, ""},
      {"vdsm-caps_libvirt_intel_E5649.xml", false, "error: cells: cells 0, 1 give no <memory> and no pages to count it from"},
      {"vdsm-caps_libvirt_multiqemu.xml", true, ""},
      {"virt-manager-kvm-aarch64.xml", true, ""},
      {"virt-manager-kvm-ppc64le.xml", true, ""},
      {"virt-manager-kvm-x86_64.xml", true, ""},
  };
  for (const Row& row : rows) {
    CAPTURE(row.file);
    const Imported r = import(row.file);
    CHECK(r.ok == row.imports);
    CHECK(r.hosts.size() == (row.imports ? 1u : 0u));
    CHECK(r.errors.find(row.says) != std::string::npos);
    if (!*row.says) CHECK(r.errors.empty());
  }
}

TEST_CASE("multiqemu: CPUs 0-5,12-17 and 6-11,18-23, siblings, distance 21") {
  const Imported r = import("vdsm-caps_libvirt_multiqemu.xml");
  REQUIRE(r.ok);
  const Host& h = r.hosts[0];
  REQUIRE(h.nodes.size() == 2);
  CHECK(to_string(h.nodes[0].cpus) == "0-5,12-17");
  CHECK(to_string(h.nodes[1].cpus) == "6-11,18-23");
  CHECK(h.distances[0][1] == 21);
  CHECK(h.core_count() == 12);  // 24 threads, sibling pairs
  CHECK(to_string(h.cores[0]) == "0,12");
  CHECK(h.nodes[1].memory == GiB(32));
}

TEST_CASE("POWER8 S822L: sparse node ids 0, 1, 16, 17 and distances 10/20/40") {
  const Imported r = import("vdsm-caps_libvirt_ibm_S822L_le.xml");
  REQUIRE(r.ok);
  const Host& h = r.hosts[0];
  REQUIRE(h.nodes.size() == 4);
  CHECK(h.nodes[0].id == 0);
  CHECK(h.nodes[1].id == 1);
  CHECK(h.nodes[2].id == 16);
  CHECK(h.nodes[3].id == 17);
  CHECK(h.distances == std::vector<std::vector<int>>{{10, 20, 40, 40}, {20, 10, 40, 40}, {40, 40, 10, 20}, {40, 40, 20, 10}});
  CHECK(h.nodes[0].hugepages.at(0).page_size == MiB(16));  // 64KiB base pages, 16MiB pool
}

TEST_CASE("HMAT host: a memory-only node, and caps-test3: CPUs without topology attributes") {
  const Imported hmat = import("libvirt-vircaps-x86_64-hmat.xml");
  REQUIRE(hmat.ok);
  CHECK(hmat.hosts[0].nodes[1].cpus.empty());
  CHECK(hmat.hosts[0].nodes[1].memory == GiB(2));
  const Imported test3 = import("libvirt-caps-test3-westmere.xml");
  REQUIRE(test3.ok);
  CHECK(to_string(test3.hosts[0].nodes[0].cpus) == "0,2,4,6,8,10,12,14,16,18,20,22");  // interleaved
  CHECK(test3.hosts[0].core_count() == 0);  // no sibling sets: the loader takes one thread per core
}

TEST_CASE("cells without <memory>: from their pages, or --node-memory") {
  const Imported e5649 = import("vdsm-caps_libvirt_intel_E5649.xml", {std::string("e5649"), GiB(48)});
  REQUIRE(e5649.ok);
  CHECK(e5649.hosts[0].name == "e5649");
  CHECK(e5649.hosts[0].memory == GiB(96));
  // amd_6274 cell 0: 2500 pages of 4KiB and 100 of 2MiB: 10000KiB + 200MiB.
  const Imported amd = import("vdsm-caps_libvirt_amd_6274.xml", {std::nullopt, GiB(16)});
  REQUIRE(amd.ok);
  CHECK(amd.hosts[0].nodes[0].memory == KiB(10000) + MiB(200));
  CHECK(amd.hosts[0].nodes[2].memory == GiB(16));  // all of its pages count none
}

TEST_CASE("imported hosts load as a scenario, and place") {
  for (const char* file : {"vdsm-caps_libvirt_multiqemu.xml", "vdsm-caps_libvirt_ibm_S822L_le.xml", "virt-manager-kvm-aarch64.xml",
                           "libvirt-vircaps-x86_64-hmat.xml"}) {
    CAPTURE(file);
    const Imported r = import(file);
    REQUIRE(r.ok);
    std::ostringstream yaml;
    write_hosts_yaml(yaml, r.hosts, "test");
    const auto loaded = kvmplan::test::load_text(yaml.str() + "guests: [{name: g, vcpus: 1, memory: 256MiB}]\n");
    REQUIRE_MESSAGE(loaded.ok(), kvmplan::test::errors_of(loaded));
    CHECK(loaded.scenario.hosts[0].nodes.size() == r.hosts[0].nodes.size());
    CHECK(loaded.scenario.hosts[0].memory == r.hosts[0].memory);
  }
}

TEST_CASE("import capabilities on the command line") {
  const auto r = kvmplan::test::run_cli({"import", "capabilities", dir + "vdsm-caps_libvirt_multiqemu.xml", "--name", "kvm-a"});
  CHECK(r.code == 0);
  CHECK(r.out.find("  - name: kvm-a\n") != std::string::npos);
  CHECK(r.out.find("    distances: [[10, 21], [21, 10]]\n") != std::string::npos);
  const auto dup = kvmplan::test::run_cli({"import", "capabilities", dir + "libvirt-vircaps-basic-4-4-2G.xml"});
  CHECK(dup.code == 2);
  CHECK(dup.out.empty());
  CHECK(kvmplan::test::run_cli({"import", "capabilities", dir + "a.xml", dir + "b.xml", "--name", "x"}).code == 2);
}
