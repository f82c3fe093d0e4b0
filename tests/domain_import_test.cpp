// Domain XML in: the samples of data/libvirt/domains, and the round trip of what
// kvmplan exports.
#include <doctest/doctest.h>

#include <filesystem>

#include "kvmplan/report/problems.hpp"
#include "kvmplan/libvirt/domain_export.hpp"
#include "kvmplan/libvirt/domain_import.hpp"
#include "domain_util.hpp"
#include "placement_util.hpp"

using namespace kvmplan;

namespace {

const std::string dir = std::string(KVMPLAN_DATA_DIR) + "/libvirt/domains/";

struct Read {
  std::vector<ImportedGuest> guests;
  std::string messages;
  bool ok = false;
};

Read read(const std::vector<std::string>& paths) {
  SourceFiles sources;
  Diagnostics problems;
  Read r;
  r.guests = import_domains(paths, sources, problems);
  r.messages = format_all(problems, sources);
  r.ok = !problems.has_errors();
  return r;
}

}  // namespace

TEST_CASE("every domain sample imports") {
  struct Row {
    const char* file;
    int vcpus;
    Bytes memory;
    int numa_nodes;
    bool dedicated;
  };
  const Row rows[] = {
      {"libvirt-cputune.xml", 2, KiB(219136), 0, true},               // vcpupin: dedicated; quota -1: no cap
      {"libvirt-cputune-numatune.xml", 6, MiB(128), 0, false},        // <vcpu current='2'>6: the most, 6
      {"libvirt-hugepages-memaccess.xml", 4, GiB(4), 4, false},
      {"libvirt-hugepages-numa-nodeset.xml", 4, GiB(4), 4, false},
      {"libvirt-numatune-distances.xml", 12, GiB(12), 6, false},    // <memory> 8GiB, six 2GiB cells: libvirt runs 12GiB
      {"libvirt-numatune-memnode-restrictive-mode.xml", 32, KiB(24682468), 3, false},
      {"libvirt-numatune-memnode.xml", 32, KiB(24682468), 3, false},
      {"libvirt-numatune-memory.xml", 2, KiB(219136), 0, false},
  };
  for (const Row& row : rows) {
    CAPTURE(row.file);
    const Read r = read({dir + row.file});
    REQUIRE(r.ok);
    REQUIRE(r.guests.size() == 1);
    const GuestSpec& s = r.guests[0].spec;
    CHECK(s.vcpus == row.vcpus);
    CHECK(s.memory == row.memory);
    CHECK(s.numa_nodes == row.numa_nodes);
    CHECK((s.cpu_policy == CpuPolicy::dedicated) == row.dedicated);
    CHECK_FALSE(s.cpu_quota.has_value());
  }
  // Balloon target below <memory>.
  CHECK(read({dir + "libvirt-cputune-numatune.xml"}).guests[0].spec.current_memory == MiB(64));
  // Cells on 2MiB (cell 1) and 1GiB pages (cells 0, 2, 3): 1GiB backs most, with a warning.
  const Read huge = read({dir + "libvirt-hugepages-numa-nodeset.xml"});
  CHECK(huge.guests[0].spec.hugepages == GiB(1));
  CHECK(huge.messages.find("warning: domain.memoryBacking.hugepages: cells back on 2 page sizes; kvmplan models one per guest: 1GiB") !=
        std::string::npos);
}

TEST_CASE("two domains of one name are an error at the second <name>") {
  const Read r = read({dir + "libvirt-cputune.xml", dir + "libvirt-numatune-memory.xml"});
  CHECK_FALSE(r.ok);
  CHECK(r.messages.find("libvirt-numatune-memory.xml:2:3: error: domain.name: guest \"QEMUGuest1\" is also the domain of " + dir +
                        "libvirt-cputune.xml:2; guest names must be unique") != std::string::npos);
}

TEST_CASE("round trip: exported domains import back to the same guests") {
  // Every element export writes, and a guest of odd sizes.
  auto p = kvmplan::test::place_text(kvmplan::test::read_file("tests/data/every-element.yaml") +
                                     "  - {name: odd, vcpus: 3, memory: 1536MiB, cpu_quota: 0.125}\n");
  Diagnostics problems;
  const PlanDocument doc = read_plan_text("plan.yaml", p.yaml, p.loaded.sources, problems);
  const auto domains = export_domains(p.scenario(), doc);
  const kvmplan::test::TempDir tmp("roundtrip");
  const std::filesystem::path& out = tmp.path();
  std::vector<std::string> files;
  for (const auto& d : domains) {
    files.push_back((out / (d.guest + ".xml")).string());
    std::ofstream(files.back()) << d.xml;
  }
  const Read back = read(files);
  REQUIRE(back.ok);
  REQUIRE(back.guests.size() == p.scenario().guests.size());
  for (const ImportedGuest& g : back.guests) {
    CAPTURE(g.name);
    const GuestSpec& was = p.scenario().spec(p.scenario().guests[p.guest(g.name)]);
    kvmplan::test::check_same_guest(g.spec, was);
  }
  // And the imported guests, written as YAML, load as a scenario again.
  std::ostringstream yaml;
  write_guests_yaml(yaml, back.guests, "round trip");
  CHECK(kvmplan::test::load_text(yaml.str()).ok());
}

TEST_CASE("import: <memory> is the sum of the cells, as libvirt sets it, and unequal cells are kept as numa_cells") {
  const kvmplan::test::TempDir tmp("cells-sum");
  const std::string file = (tmp.path() / "seed.xml").string();
  // 8GiB of <memory> and one 4GiB cell: libvirt runs the guest with 4GiB.
  std::ofstream(file) << "<domain type='kvm'>\n  <name>seed</name>\n  <memory unit='GiB'>8</memory>\n  <vcpu>2</vcpu>\n"
                         "  <cpu>\n    <numa>\n      <cell id='0' cpus='0-1' memory='4' unit='GiB'/>\n    </numa>\n  </cpu>\n</domain>\n";
  const Read r = read({file});
  REQUIRE(r.ok);
  CHECK(r.guests[0].spec.memory == GiB(4));
  CHECK(r.messages.find("seed.xml:6:5: warning: domain.cpu.numa: <memory> is 8GiB but the cells add up to 4GiB, which libvirt uses: taken as 4GiB") !=
        std::string::npos);
  const std::string uneven = (tmp.path() / "uneven.xml").string();
  std::ofstream(uneven) << "<domain type='kvm'>\n  <name>uneven</name>\n  <memory unit='GiB'>6</memory>\n  <vcpu>3</vcpu>\n"
                           "  <cpu>\n    <numa>\n      <cell id='0' cpus='0' memory='1' unit='GiB'/>\n      <cell id='1' cpus='1' memory='2' unit='GiB'/>\n"
                           "      <cell id='2' cpus='2' memory='3' unit='GiB'/>\n    </numa>\n  </cpu>\n</domain>\n";
  const Read u = read({uneven});
  REQUIRE(u.ok);
  CHECK(u.guests[0].spec.memory == GiB(6));
  CHECK(u.guests[0].spec.numa_nodes == 3);
  // Kept as given, in cell id order: memory from each <cell>, vCPUs the count of its cpus.
  REQUIRE(u.guests[0].spec.cells.size() == 3);
  for (int c = 0; c < 3; ++c) {
    CHECK(u.guests[0].spec.cells[static_cast<std::size_t>(c)].memory == GiB(c + 1));
    CHECK(u.guests[0].spec.cells[static_cast<std::size_t>(c)].vcpus == 1);
  }
  CHECK(u.messages.find("cells of unequal") == std::string::npos);
  // Cells whose cpus do not add up to <vcpu> cannot be kept: split evenly, with a warning.
  const std::string loose = (tmp.path() / "loose.xml").string();
  std::ofstream(loose) << "<domain type='kvm'>\n  <name>loose</name>\n  <memory unit='GiB'>6</memory>\n  <vcpu>4</vcpu>\n"
                          "  <cpu>\n    <numa>\n      <cell id='0' cpus='0' memory='1' unit='GiB'/>\n      <cell id='1' cpus='1' memory='2' unit='GiB'/>\n"
                          "      <cell id='2' cpus='2' memory='3' unit='GiB'/>\n    </numa>\n  </cpu>\n</domain>\n";
  const Read l = read({loose});
  REQUIRE(l.ok);
  CHECK(l.guests[0].spec.cells.empty());
  CHECK(l.guests[0].spec.numa_nodes == 3);
  CHECK(l.messages.find("warning: domain.cpu.numa: cells of unequal size whose cpus do not add up to the <vcpu> count are planned as kvmplan splits the guest") !=
        std::string::npos);
  // Cells libvirt would refuse or kvmplan cannot keep: cpus that overlap (0-2 and 0 make 4
  // for <vcpu>4 but leave vCPU 3 in no cell), cpus past <vcpu>, a cell of no memory. Each is
  // split evenly, with a warning; before, they became numa_cells that libvirt refuses or that
  // the loader refuses (`kvmplan import` then failed with an internal error).
  const std::vector<std::pair<std::string, std::string>> odd{
      {"<cell id='0' cpus='0-2' memory='1' unit='GiB'/><cell id='1' cpus='0' memory='3' unit='GiB'/>", "cpus do not add up to the <vcpu> count"},
      {"<cell id='0' cpus='0' memory='1' unit='GiB'/><cell id='1' cpus='1-2,7' memory='3' unit='GiB'/>", "cpus do not add up to the <vcpu> count"},
      {"<cell id='0' cpus='0' memory='0' unit='GiB'/><cell id='1' cpus='1-3' memory='4' unit='GiB'/>", "memory is 0 in a cell"}};
  for (const auto& [cells, why] : odd) {
    CAPTURE(cells);
    const std::string file = (tmp.path() / "odd.xml").string();
    std::ofstream(file) << "<domain type='kvm'>\n  <name>odd</name>\n  <memory unit='GiB'>4</memory>\n  <vcpu>4</vcpu>\n"
                           "  <cpu><numa>" + cells + "</numa></cpu>\n</domain>\n";
    const Read o = read({file});
    REQUIRE(o.ok);
    CHECK(o.guests[0].spec.cells.empty());
    CHECK(o.guests[0].spec.numa_nodes == 2);
    CHECK(o.messages.find("warning: domain.cpu.numa: cells of unequal size whose " + why + " are planned as kvmplan splits the guest") != std::string::npos);
  }
  // Even cells stay numa_nodes.
  const std::string even = (tmp.path() / "even.xml").string();
  std::ofstream(even) << "<domain type='kvm'>\n  <name>even</name>\n  <memory unit='GiB'>4</memory>\n  <vcpu>2</vcpu>\n"
                         "  <cpu>\n    <numa>\n      <cell id='0' cpus='0' memory='2' unit='GiB'/>\n      <cell id='1' cpus='1' memory='2' unit='GiB'/>\n"
                         "    </numa>\n  </cpu>\n</domain>\n";
  const Read e = read({even});
  REQUIRE(e.ok);
  CHECK(e.guests[0].spec.cells.empty());
  CHECK(e.guests[0].spec.numa_nodes == 2);
}

TEST_CASE("import domain --host records where the VMs run: each guest fixed on that host") {
  const kvmplan::test::TempDir tmp("import-host");
  const std::string out = (tmp.path() / "guests.yaml").string();
  const auto r = kvmplan::test::run_cli({"import", "domain", dir + "libvirt-cputune.xml", dir + "libvirt-numatune-distances.xml", "--host", "kvm-a",
                                         "-o", out, "-q"});
  REQUIRE(r.code == 0);
  const std::string yaml = kvmplan::test::read_file(out);
  CHECK(yaml.find("  - name: QEMUGuest1\n    host: kvm-a\n    vcpus: 2\n") != std::string::npos);
  CHECK(yaml.find("  - name: QEMUGuest\n    host: kvm-a\n    vcpus: 12\n") != std::string::npos);
  // Beside that host, the guests load and stay where they run.
  const auto loaded = kvmplan::test::load_text("hosts: [{name: kvm-a, memory: 64GiB, cpus: 32}, {name: kvm-b, memory: 64GiB, cpus: 32}]\n" + yaml);
  REQUIRE(loaded.ok());
  for (const auto& g : loaded.scenario.guests) CHECK(g.host == 0);
  // Without a host of that name the file names a host that is not there, as any fixed guest would.
  CHECK_FALSE(kvmplan::test::load_text("hosts: [{name: kvm-b, memory: 64GiB, cpus: 32}]\n" + yaml).ok());
  const auto bad = kvmplan::test::run_cli({"import", "domain", dir + "libvirt-cputune.xml", "--host", "kvm a"});
  CHECK(bad.code == 2);
  CHECK(bad.err.find("kvmplan: error: --host: ") != std::string::npos);
}

TEST_CASE("import: hugepage memory that is not whole pages is rounded up to whole pages, with a warning, and loads") {
  // 10485763KiB on 2MiB pages is 5120 pages and 3KiB: QEMU refuses it, and so does the
  // scenario loader. Imported as 5121 pages = 10242MiB (found by the domain fuzzer).
  const kvmplan::test::TempDir tmp("import-pages");
  const std::string file = (tmp.path() / "odd.xml").string();
  std::ofstream(file) << "<domain type='kvm'>\n  <name>odd</name>\n  <memory unit='KiB'>10485763</memory>\n  <vcpu>4</vcpu>\n"
                         "  <memoryBacking>\n    <hugepages/>\n  </memoryBacking>\n</domain>\n";
  const Read r = read({file});
  REQUIRE_MESSAGE(r.ok, r.messages);
  CHECK(r.guests[0].spec.memory == MiB(2) * 5121);
  CHECK(r.messages.find("odd.xml:3:3: warning: domain.memory: 10485763KiB is not a whole number of 2MiB pages, which QEMU refuses: imported as 10242MiB") !=
        std::string::npos);
  std::ostringstream yaml;
  write_guests_yaml(yaml, r.guests, "test");
  const Loaded back = kvmplan::test::load_text(yaml.str());
  CHECK_MESSAGE(back.ok(), kvmplan::test::errors_of(back));
  // Whole pages already: nothing said, nothing changed.
  const std::string whole = (tmp.path() / "whole.xml").string();
  std::ofstream(whole) << "<domain type='kvm'>\n  <name>whole</name>\n  <memory unit='MiB'>10242</memory>\n  <vcpu>4</vcpu>\n"
                          "  <memoryBacking>\n    <hugepages/>\n  </memoryBacking>\n</domain>\n";
  const Read w = read({whole});
  CHECK(w.guests[0].spec.memory == MiB(10242));
  CHECK(w.messages.find("whole pages") == std::string::npos);
}

TEST_CASE("import: more cells than the guest has pages or vCPUs are planned as that many, with a warning, and load") {
  // Two cells of a 2GiB guest on 1GiB pages rounded from 1.5GiB: 2 pages, 2 cells, kept; one of
  // 1GiB (a page) in two cells: one would be empty, so one cell (found by the domain fuzzer).
  const kvmplan::test::TempDir tmp("import-cells");
  const std::string file = (tmp.path() / "few.xml").string();
  std::ofstream(file) << "<domain type='kvm'>\n  <name>few</name>\n  <memory unit='GiB'>1</memory>\n  <vcpu>4</vcpu>\n"
                         "  <memoryBacking>\n    <hugepages><page size='1' unit='GiB'/></hugepages>\n  </memoryBacking>\n"
                         "  <cpu>\n    <numa>\n      <cell id='0' cpus='0-1' memory='512' unit='MiB'/>\n"
                         "      <cell id='1' cpus='2-3' memory='512' unit='MiB'/>\n    </numa>\n  </cpu>\n</domain>\n";
  const Read r = read({file});
  REQUIRE_MESSAGE(r.ok, r.messages);
  CHECK(r.guests[0].spec.memory == GiB(1));
  CHECK(r.guests[0].spec.numa_nodes == 0);  // one cell: the whole guest
  CHECK(r.messages.find("warning: domain.cpu.numa: 2 cells would leave one empty (each needs a vCPU and a page): planned as 1 cell") !=
        std::string::npos);
  std::ostringstream yaml;
  write_guests_yaml(yaml, r.guests, "test");
  const Loaded back = kvmplan::test::load_text(yaml.str());
  CHECK_MESSAGE(back.ok(), kvmplan::test::errors_of(back));
}
