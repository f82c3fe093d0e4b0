// Domain XML for a plan: every element that carries the placement, and every file accepted by
// libvirt's own schema (`virt-xml-validate FILE domain`, Debian's libvirt-clients).
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>

#include "kvmplan/libvirt/capabilities.hpp"
#include "kvmplan/libvirt/domain_export.hpp"
#include "placement_util.hpp"

namespace fs = std::filesystem;
using namespace kvmplan;

namespace {

// Every element kvmplan writes. Read when a test runs, not at static initialisation: the
// test binary changes to the source directory first, in main().
std::string every_element() { return kvmplan::test::read_file("tests/data/every-element.yaml"); }

PlanDocument document(kvmplan::test::Placed& p) {
  Diagnostics problems;
  PlanDocument doc = read_plan_text("plan.yaml", p.yaml, p.loaded.sources, problems);
  REQUIRE_FALSE(problems.has_errors());
  return doc;
}

std::string domain_of(const std::vector<DomainXml>& domains, const std::string& guest) {
  for (const auto& d : domains) {
    if (d.guest == guest) return d.xml;
  }
  FAIL("no domain for " << guest);
  return {};
}

// Writes each domain and runs libvirt's validator on it; returns the files it rejected.
std::vector<std::string> rejected_by_libvirt(const std::vector<DomainXml>& domains, const std::string& name) {
  const kvmplan::test::TempDir tmp("domains-" + name);
  const fs::path& dir = tmp.path();
  std::vector<std::string> rejected;
  for (const auto& d : domains) {
    const fs::path file = dir / (d.guest + ".xml");
    std::ofstream(file) << d.xml;
    const std::string cmd = "virt-xml-validate '" + file.string() + "' domain >/dev/null 2>&1";
    if (std::system(cmd.c_str()) != 0) rejected.push_back(d.guest);
  }
  return rejected;
}

}  // namespace

TEST_CASE("virt-xml-validate is there (libvirt-clients, which scripts/setup.sh installs)") {
  CHECK(std::system("command -v virt-xml-validate >/dev/null 2>&1") == 0);
}

TEST_CASE("each domain carries the plan") {
  auto p = kvmplan::test::place_text(every_element());
  REQUIRE(p.plan.unplaced.empty());
  const auto domains = export_domains(p.scenario(), document(p));
  REQUIRE(domains.size() == 4);

  const std::string web = domain_of(domains, "web");
  CHECK(web.find("<memory unit=\"KiB\">4194304</memory>") != std::string::npos);
  CHECK(web.find("<currentMemory unit=\"KiB\">3145728</currentMemory>") != std::string::npos);
  CHECK(web.find("<period>100000</period>") != std::string::npos);
  CHECK(web.find("<quota>25000</quota>") != std::string::npos);  // 0.25 of one CPU per vCPU
  CHECK(web.find("<vcpu placement=\"static\" cpuset=\"" + p.cpuset("web") + "\">2</vcpu>") != std::string::npos);
  CHECK(web.find("<memory mode=\"strict\" nodeset=\"") != std::string::npos);

  // The dedicated guest: one vcpupin per vCPU, equal to the plan's.
  const std::string db = domain_of(domains, "db");
  const auto& pins = p.at("db").vcpupin;
  REQUIRE(pins.size() == 4);
  for (std::size_t v = 0; v < pins.size(); ++v) {
    CHECK(db.find("<vcpupin vcpu=\"" + std::to_string(v) + "\" cpuset=\"" + std::to_string(pins[v]) + "\" />") != std::string::npos);
  }
  CHECK(db.find("<vcpupin vcpu=\"4\"") == std::string::npos);
  CHECK(db.find("<page size=\"1048576\" unit=\"KiB\" />") != std::string::npos);
  CHECK(db.find("<emulatorpin cpuset=\"" + p.cpuset("db") + "\" />") != std::string::npos);

  CHECK(domain_of(domains, "gpu").find("<locked />") != std::string::npos);

  // Two cells of 10GiB and 4 vCPUs each, cell i on the plan's node i; hugepages for both cells.
  const std::string big = domain_of(domains, "big");
  CHECK(big.find("<cell id=\"0\" cpus=\"0-3\" memory=\"10485760\" unit=\"KiB\" />") != std::string::npos);
  CHECK(big.find("<cell id=\"1\" cpus=\"4-7\" memory=\"10485760\" unit=\"KiB\" />") != std::string::npos);
  CHECK(big.find("<memnode cellid=\"0\" mode=\"strict\" nodeset=\"0\" />") != std::string::npos);
  CHECK(big.find("<memnode cellid=\"1\" mode=\"strict\" nodeset=\"1\" />") != std::string::npos);
  CHECK(big.find("<page size=\"1048576\" unit=\"KiB\" nodeset=\"0-1\" />") != std::string::npos);
}

TEST_CASE("numa preferred and none change numatune") {
  std::string preferred = "policy: {numa: preferred}\n" + every_element();
  auto p = kvmplan::test::place_text(preferred);
  const auto d = export_domains(p.scenario(), document(p));
  CHECK(domain_of(d, "web").find("<memory mode=\"preferred\"") != std::string::npos);
  auto none = kvmplan::test::place_text("policy: {numa: none}\nhosts: [{name: h, memory: 16GiB, cpus: 8}]\nguests: [{name: g, vcpus: 1, memory: 1GiB}]\n");
  CHECK(domain_of(export_domains(none.scenario(), document(none)), "g").find("<numatune>") == std::string::npos);
}

TEST_CASE("every generated domain passes virt-xml-validate") {
  auto every = kvmplan::test::place_text(every_element());
  CHECK(rejected_by_libvirt(export_domains(every.scenario(), document(every)), "every").empty());
  auto cluster = kvmplan::test::place_text(kvmplan::test::read_file("scenarios/cluster.yaml"));
  const auto domains = export_domains(cluster.scenario(), document(cluster));
  CHECK(domains.size() == 187);
  CHECK(rejected_by_libvirt(domains, "cluster").empty());
}

TEST_CASE("round trip: real capabilities, imported, placed, exported, validated") {
  SourceFiles sources;
  Diagnostics problems;
  const auto hosts = import_capabilities({std::string(KVMPLAN_DATA_DIR) + "/libvirt/capabilities/vdsm-caps_libvirt_multiqemu.xml"},
                                         {std::string("kvm"), std::nullopt}, sources, problems);
  REQUIRE(hosts.size() == 1);
  std::ostringstream yaml;
  write_hosts_yaml(yaml, hosts, "imported");
  auto p = kvmplan::test::place_text(yaml.str() + R"(
guests:
  - {name: pinned, vcpus: 4, memory: 8GiB, cpu_policy: dedicated}
  - {name: wide, vcpus: 10, memory: 50GiB}
  - {name: small, count: 3, vcpus: 2, memory: 2GiB}
)");
  REQUIRE(p.plan.unplaced.empty());
  // Pinned in whole cores, as the file's sibling sets pair threads (0,12 .. 11,23).
  const auto& pins = p.at("pinned").vcpupin;
  REQUIRE(pins.size() == 4);
  CHECK(pins[1] == pins[0] + 12);
  CHECK(pins[3] == pins[2] + 12);
  // 50GiB is more than a node takes ((32GiB - 2GiB of reserve) x 1.5 = 45GiB): two cells.
  CHECK(p.node_ids("wide") == std::vector<int>{0, 1});
  CHECK(rejected_by_libvirt(export_domains(p.scenario(), document(p)), "roundtrip").empty());
}

TEST_CASE("export libvirt refuses a plan that fails check, and writes the directory whole") {
  const kvmplan::test::TempDir tmp("export-cli");
  const fs::path& dir = tmp.path();
  const std::string plan = (dir / "plan.yaml").string();
  REQUIRE(kvmplan::test::run_cli({"place", "scenarios/two-node-hugepages.yaml", "-o", plan, "-q"}).code == 0);
  const auto ok = kvmplan::test::run_cli({"export", "libvirt", "scenarios/two-node-hugepages.yaml", "--placement", plan, "-o", (dir / "xml").string()});
  CHECK(ok.code == 0);
  CHECK(std::distance(fs::directory_iterator(dir / "xml"), fs::directory_iterator{}) == 43);  // 42 domains and the marker
  // The same plan against the book example's scenario: every guest is unknown there.
  const auto bad = kvmplan::test::run_cli({"export", "libvirt", "scenarios/book-example.yaml", "--placement", plan, "-o", (dir / "bad").string()});
  CHECK(bad.code == 1);
  CHECK_FALSE(fs::exists(dir / "bad"));
  CHECK(bad.err.find("nothing exported") != std::string::npos);
}
