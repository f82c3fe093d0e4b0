// Domain XML for a plan: every element that carries the placement, and every file accepted by
// libvirt's own schema (`virt-xml-validate FILE domain`, Debian's libvirt-clients).
#include <doctest/doctest.h>

#include <pugixml.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <numeric>

#include "kvmplan/libvirt/capabilities.hpp"
#include "kvmplan/libvirt/domain_export.hpp"
#include "kvmplan/libvirt/domain_import.hpp"
#include "domain_util.hpp"
#include "placement_util.hpp"

namespace fs = std::filesystem;
using namespace kvmplan;

using kvmplan::test::domain_of;

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

// virsh, or $KVMPLAN_VIRSH (a test of the skip names one that is not there).
std::string virsh() {
  const char* env = std::getenv("KVMPLAN_VIRSH");
  return env ? env : "virsh";
}
bool have_virsh() { return std::system(("command -v '" + virsh() + "' >/dev/null 2>&1").c_str()) == 0; }

// Defines each domain in libvirt's test driver (in libvirt0, no daemon, no hypervisor; nothing
// is kept between runs): the parser and the checks libvirt applies to any driver, such as the
// range of <quota>. Returns "guest: libvirt's message" for each it refused.
std::vector<std::string> refused_by_virsh_define(const std::vector<DomainXml>& domains, const std::string& name) {
  const kvmplan::test::TempDir tmp("virsh-" + name);
  std::vector<std::string> refused;
  for (const auto& d : domains) {
    const fs::path file = tmp.path() / (d.guest + ".xml");
    const fs::path log = tmp.path() / (d.guest + ".log");
    std::ofstream(file) << d.xml;
    const std::string cmd = "'" + virsh() + "' -q -c test:///default define '" + file.string() + "' >'" + log.string() + "' 2>&1";
    if (std::system(cmd.c_str()) != 0) refused.push_back(d.guest + ": " + kvmplan::test::read_file(log.string()));
  }
  return refused;
}

CpuSet cpus(const char* text) {
  auto set = CpuSet::parse(text ? text : "");
  return set ? set.value() : CpuSet{};
}

// What libvirt 9.0 with QEMU 7.2 refuses at start (not at define, so the test driver cannot
// tell; checked on a Debian 12 host, docs/libvirt.md): hugepage memory and cells of whole
// pages, no empty cell, <memory> the sum of the cells, quota >= 1000us, 'preferred' on one
// node, a hard limit with <locked/>, a topology of the vCPU count, emulator threads off the
// dedicated CPUs. Returns the rules a domain breaks.
std::vector<std::string> start_problems(const std::string& xml) {
  pugi::xml_document doc;
  if (!doc.load_string(xml.c_str())) return {"not XML"};
  const pugi::xml_node d = doc.child("domain");
  std::vector<std::string> out;
  const long long memory = d.child("memory").text().as_llong();
  const long long page = d.child("memoryBacking").child("hugepages").child("page").attribute("size").as_llong();
  if (page > 0 && memory % page != 0) out.push_back("memory is not whole pages");
  long long cells = 0;
  bool any_cell = false;
  for (pugi::xml_node c : d.child("cpu").child("numa").children("cell")) {
    any_cell = true;
    const long long m = c.attribute("memory").as_llong();
    cells += m;
    if (m <= 0) out.push_back("an empty cell");
    if (page > 0 && m % page != 0) out.push_back("a cell that is not whole pages");
    if (cpus(c.attribute("cpus").value()).empty()) out.push_back("a cell without vCPUs");
  }
  if (any_cell && cells != memory) out.push_back("memory is not the sum of the cells");
  if (pugi::xml_node q = d.child("cputune").child("quota"); q && q.text().as_llong() < 1000) out.push_back("quota below 1000");
  const pugi::xml_node numatune = d.child("numatune");
  for (pugi::xml_node n = numatune.first_child(); n; n = n.next_sibling()) {
    if (std::string_view(n.attribute("mode").value()) == "preferred" && cpus(n.attribute("nodeset").value()).count() != 1) {
      out.push_back("preferred over several nodes");
    }
  }
  if (d.child("memoryBacking").child("locked") && d.child("memtune").child("hard_limit").text().as_llong() <= memory) {
    out.push_back("locked without a hard limit above memory");
  }
  const long long vcpus = d.child("vcpu").text().as_llong();
  if (pugi::xml_node t = d.child("cpu").child("topology")) {
    const long long product = t.attribute("sockets").as_llong() * t.attribute("dies").as_llong(1) * t.attribute("cores").as_llong() *
                              t.attribute("threads").as_llong();
    if (product != vcpus) out.push_back("a topology of another vCPU count");
  }
  CpuSet pinned;
  bool dedicated = true, any_pin = false;
  for (pugi::xml_node pin : d.child("cputune").children("vcpupin")) {
    any_pin = true;
    const CpuSet set = cpus(pin.attribute("cpuset").value());
    dedicated = dedicated && set.count() == 1;
    pinned = pinned | set;
  }
  if (any_pin && dedicated && d.child("cputune").child("emulatorpin") && cpus(d.child("cputune").child("emulatorpin").attribute("cpuset").value()).intersects(pinned)) {
    out.push_back("emulator threads on the dedicated CPUs");
  }
  if (any_cell && std::distance(d.child("cputune").children("vcpupin").begin(), d.child("cputune").children("vcpupin").end()) != vcpus) {
    out.push_back("a guest of several cells without a pin per vCPU");
  }
  return out;
}

// "guest: rule" for each rule a domain breaks.
std::vector<std::string> start_problems(const std::vector<DomainXml>& domains) {
  std::vector<std::string> out;
  for (const auto& d : domains) {
    for (const auto& p : start_problems(d.xml)) out.push_back(d.guest + ": " + p);
  }
  return out;
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
  // Emulator threads on the shared CPUs of db's node: the node's CPUs less db's 4 pins (no
  // other guest is pinned, the host reserves none), never on db's own.
  const int db_node = p.node_ids("db").at(0);
  CpuSet emulator = CpuSet::parse(db_node == 0 ? "0-7,16-23" : "8-15,24-31").value();
  for (int cpu : pins) emulator.erase(cpu);
  CHECK(emulator.count() == 12);
  CHECK(db.find("<emulatorpin cpuset=\"" + to_string(emulator) + "\" />") != std::string::npos);
  // Pinned in whole cores (siblings n and n+16): the guest sees 2 cores of 2 threads.
  CHECK(pins[1] == pins[0] + 16);
  CHECK(pins[3] == pins[2] + 16);
  CHECK(db.find("<cpu mode=\"host-passthrough\">") != std::string::npos);
  CHECK(db.find("<topology sockets=\"1\" dies=\"1\" cores=\"2\" threads=\"2\" />") != std::string::npos);
  // A shared guest: host-passthrough, no topology, no pins.
  CHECK(web.find("<cpu mode=\"host-passthrough\" />") != std::string::npos);
  CHECK(web.find("<vcpupin") == std::string::npos);

  // Locked: a hard limit of memory + QEMU's overhead; the policy counts none, so oVirt's
  // estimate: 2GiB / 512 + 64MiB + 2 x 8MiB = 84MiB. 2048MiB + 84MiB = 2132MiB = 2183168KiB.
  const std::string gpu = domain_of(domains, "gpu");
  CHECK(gpu.find("<locked />") != std::string::npos);
  CHECK(gpu.find("<memtune>\n    <hard_limit unit=\"KiB\">2183168</hard_limit>") != std::string::npos);
  CHECK(web.find("<memtune>") == std::string::npos);

  // Two cells of 10GiB and 4 vCPUs each, cell i on the plan's node i; hugepages for both cells.
  const std::string big = domain_of(domains, "big");
  CHECK(big.find("<cell id=\"0\" cpus=\"0-3\" memory=\"10485760\" unit=\"KiB\" />") != std::string::npos);
  CHECK(big.find("<cell id=\"1\" cpus=\"4-7\" memory=\"10485760\" unit=\"KiB\" />") != std::string::npos);
  CHECK(big.find("<memnode cellid=\"0\" mode=\"strict\" nodeset=\"0\" />") != std::string::npos);
  CHECK(big.find("<memnode cellid=\"1\" mode=\"strict\" nodeset=\"1\" />") != std::string::npos);
  CHECK(big.find("<page size=\"1048576\" unit=\"KiB\" nodeset=\"0-1\" />") != std::string::npos);
  // A shared guest over two nodes: each vCPU on the CPUs of its cell's node (of the plan's
  // cpuset, which leaves out db's pins), not one cpuset over both nodes.
  const CpuSet planned = CpuSet::parse(p.cpuset("big")).value();
  const std::string node0 = to_string(planned & CpuSet::parse("0-7,16-23").value());
  const std::string node1 = to_string(planned & CpuSet::parse("8-15,24-31").value());
  CHECK(node0 != node1);
  for (int v = 0; v < 8; ++v) {
    CAPTURE(v);
    CHECK(big.find("<vcpupin vcpu=\"" + std::to_string(v) + "\" cpuset=\"" + (v < 4 ? node0 : node1) + "\" />") != std::string::npos);
  }
  CHECK(big.find("<emulatorpin") == std::string::npos);  // a shared guest's threads float with its vCPUs
  CHECK(start_problems(domains).empty());
}

TEST_CASE("cpu_mode none writes no cpu mode, and host-model is written as such") {
  auto none = kvmplan::test::place_text("policy: {cpu_mode: none}\n" + every_element());
  const auto d = export_domains(none.scenario(), document(none));
  CHECK(domain_of(d, "web").find("<cpu ") == std::string::npos);
  CHECK(domain_of(d, "web").find("<cpu>") == std::string::npos);
  CHECK(domain_of(d, "db").find("<cpu>") != std::string::npos);  // still its topology
  auto model = kvmplan::test::place_text("policy: {cpu_mode: host-model}\n" + every_element());
  CHECK(domain_of(export_domains(model.scenario(), document(model)), "web").find("<cpu mode=\"host-model\" />") != std::string::npos);
}

TEST_CASE("emulator threads: the host's shared CPUs, else its reserved CPUs, else the guest's own with a warning") {
  // Node 0 all pinned by g (4 CPUs); node 1 has shared CPUs: the emulator goes there.
  const std::string host = "hosts:\n  - name: h\n    numa: [{cpus: '0-3', memory: 16GiB}, {cpus: '4-7', memory: 16GiB}]\n";
  auto spill = kvmplan::test::place_text("policy: {host_reserve: 0b}\n" + host + "guests: [{name: g, vcpus: 4, memory: 1GiB, cpu_policy: dedicated}]\n");
  const auto pins = spill.pins("g");
  REQUIRE(pins.size() == 4);
  const std::string other = pins[0] < 4 ? "4-7" : "0-3";
  const auto d = export_domains(spill.scenario(), document(spill));
  CHECK(domain_of(d, "g").find("<emulatorpin cpuset=\"" + other + "\" />") != std::string::npos);
  CHECK(d[0].warnings.empty());
  // Every CPU pinned but CPU 0, which the host reserves: the emulator on CPU 0.
  auto reserved = kvmplan::test::place_text("policy: {host_reserve: 0b}\nhosts:\n  - {name: h, memory: 16GiB, cpus: 4, reserved_cpus: '0'}\n"
                                             "guests: [{name: g, vcpus: 3, memory: 1GiB, cpu_policy: dedicated}]\n");
  const auto r = export_domains(reserved.scenario(), document(reserved));
  CHECK(domain_of(r, "g").find("<emulatorpin cpuset=\"0\" />") != std::string::npos);
  // Every CPU pinned, none reserved: the guest's own CPUs, and a warning says so.
  auto full = kvmplan::test::place_text("policy: {host_reserve: 0b}\nhosts:\n  - {name: h, memory: 16GiB, cpus: 4}\n"
                                         "guests: [{name: g, vcpus: 4, memory: 1GiB, cpu_policy: dedicated}]\n");
  const auto f = export_domains(full.scenario(), document(full));
  CHECK(domain_of(f, "g").find("<emulatorpin cpuset=\"0-3\" />") != std::string::npos);
  REQUIRE(f[0].warnings.size() == 1);
  CHECK(f[0].warnings[0] == "the host has no shared or reserved CPU left: QEMU's emulator threads share the guest's own pinned CPUs");
}

TEST_CASE("numa preferred and none change numatune") {
  std::string preferred = "policy: {numa: preferred}\n" + every_element();
  auto p = kvmplan::test::place_text(preferred);
  const auto d = export_domains(p.scenario(), document(p));
  CHECK(domain_of(d, "web").find("<memory mode=\"preferred\" nodeset=\"" + std::to_string(p.node_ids("web").at(0)) + "\" />") != std::string::npos);
  // libvirt 9.0 (the default) takes 'preferred' on one node only: big's domain-wide policy
  // prefers its first cell's node, and each cell prefers its own.
  REQUIRE(p.node_ids("big") == std::vector<int>{0, 1});
  const std::string big = domain_of(d, "big");
  CHECK(big.find("<memory mode=\"preferred\" nodeset=\"0\" />") != std::string::npos);
  CHECK(big.find("<memnode cellid=\"0\" mode=\"preferred\" nodeset=\"0\" />") != std::string::npos);
  CHECK(big.find("<memnode cellid=\"1\" mode=\"preferred\" nodeset=\"1\" />") != std::string::npos);
  CHECK(start_problems(d).empty());
  // From 9.3 the domain-wide policy names both nodes.
  auto later = kvmplan::test::place_text("policy: {numa: preferred, libvirt_version: 9.3.0}\n" + every_element());
  const std::string big93 = domain_of(export_domains(later.scenario(), document(later)), "big");
  CHECK(big93.find("<memory mode=\"preferred\" nodeset=\"0-1\" />") != std::string::npos);
  CHECK(big93.find("<memnode cellid=\"1\" mode=\"preferred\" nodeset=\"1\" />") != std::string::npos);
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

TEST_CASE("the smallest quota libvirt takes: cpu_quota 0.01 is 1000us of 100000us") {
  auto p = kvmplan::test::place_text("hosts: [{name: h, memory: 16GiB, cpus: 8}]\nguests: [{name: g, vcpus: 1, memory: 1GiB, cpu_quota: 0.01}]\n");
  CHECK(domain_of(export_domains(p.scenario(), document(p)), "g").find("<quota>1000</quota>") != std::string::npos);
}

TEST_CASE("every domain of every bundled scenario passes virsh define (test driver) and virt-xml-validate, and keeps libvirt 9.0's start rules") {
  if (!have_virsh()) {
    MESSAGE("SKIPPED: " << virsh() << " is not installed (Debian: libvirt-clients, which scripts/setup.sh installs)");
    return;
  }
  std::size_t total = 0;
  for (const auto& entry : fs::directory_iterator("scenarios")) {
    if (entry.path().extension() != ".yaml") continue;
    const std::string name = entry.path().stem().string();
    CAPTURE(name);
    auto placed = kvmplan::test::place_text(kvmplan::test::read_file(entry.path().string()));
    const auto domains = export_domains(placed.scenario(), document(placed));
    CHECK(domains.size() == placed.scenario().guests.size() - placed.plan.unplaced.size());
    total += domains.size();
    CHECK(start_problems(domains) == std::vector<std::string>{});
    CHECK(refused_by_virsh_define(domains, name) == std::vector<std::string>{});
    CHECK(rejected_by_libvirt(domains, name) == std::vector<std::string>{});
  }
  CHECK(total > 400);
  // And the domains of every element, numa preferred among them.
  for (const std::string policy : {"", "policy: {numa: preferred}\n"}) {
    auto every = kvmplan::test::place_text(policy + every_element());
    const auto domains = export_domains(every.scenario(), document(every));
    CHECK(refused_by_virsh_define(domains, "every") == std::vector<std::string>{});
    CHECK(start_problems(domains) == std::vector<std::string>{});
  }
}

TEST_CASE("virsh define refuses what libvirt refuses: the test is not a fake pass") {
  if (!have_virsh()) {
    MESSAGE("SKIPPED: " << virsh() << " is not installed (Debian: libvirt-clients, which scripts/setup.sh installs)");
    return;
  }
  // A quota of 500us, as kvmplan wrote for cpu_quota 0.005 before the loader refused it.
  const std::string bad = "<domain type=\"kvm\"><name>q</name><memory unit=\"KiB\">1048576</memory><vcpu>1</vcpu>"
                          "<cputune><period>100000</period><quota>500</quota></cputune><os><type>hvm</type></os></domain>";
  const auto refused = refused_by_virsh_define({{"q", bad, {}}}, "refuses");
  REQUIRE(refused.size() == 1);
  CHECK(refused[0].find("Value of cputune 'quota' must be in range [1000, 17592186044415]") != std::string::npos);
  CHECK(start_problems(bad) == std::vector<std::string>{"quota below 1000"});
}

TEST_CASE("a missing virsh is reported as skipped, not passed") {
  // The case above, run with a virsh that is not there, prints the line CTest's
  // SKIP_REGULAR_EXPRESSION ("SKIPPED: ") marks as skipped.
  const std::string self = fs::read_symlink("/proc/self/exe").string();
  const std::string cmd = "KVMPLAN_VIRSH=/nonexistent/virsh '" + self + "' -tc='virsh define refuses what libvirt refuses*' 2>&1";
  FILE* pipe = popen(cmd.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string out;
  char buf[512];
  while (std::fgets(buf, sizeof buf, pipe)) out += buf;
  pclose(pipe);
  CHECK(out.find("SKIPPED: /nonexistent/virsh is not installed") != std::string::npos);
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

// ---- Patching the operator's domain XML (export libvirt --domains) ----

namespace {

ExistingDomains existing_of(const std::vector<std::string>& files, std::string* messages = nullptr) {
  SourceFiles sources;
  Diagnostics problems;
  std::vector<XmlText> inputs;
  for (const auto& f : files) inputs.push_back({f, std::nullopt});
  ExistingDomains out = read_existing_domains(inputs, sources, problems);
  if (messages) *messages = format_all(problems, sources);
  REQUIRE_FALSE(problems.has_errors());
  return out;
}

// The text of the first element `name` in `xml`, from its '<' to its end tag, as it is.
std::string element_text(const std::string& xml, const std::string& name) {
  const auto from = std::min(xml.find("<" + name + " "), xml.find("<" + name + ">"));
  const auto end = xml.find("</" + name + ">", from);
  REQUIRE(from != std::string::npos);
  REQUIRE(end != std::string::npos);
  return xml.substr(from, end + name.size() + 3 - from);
}

}  // namespace

TEST_CASE("uuid_v5 is RFC 4122 version 5: the known value of python.org in the DNS namespace") {
  CHECK(uuid_v5("6ba7b810-9dad-11d1-80b4-00c04fd430c8", "python.org") == "886313e1-3b8a-5372-9b90-0c9aee199e5d");
  CHECK(uuid_v5(kvmplan_uuid_namespace, "web") != uuid_v5(kvmplan_uuid_namespace, "web-1"));
}

TEST_CASE("a new guest's uuid is stable across exports and re-plans, and differs between guests") {
  auto a = kvmplan::test::place_text(every_element());
  const auto first = export_domains(a.scenario(), document(a));
  // A re-plan of another scenario (a guest more): the same guest, the same uuid.
  auto b = kvmplan::test::place_text(every_element() + "  - {name: extra, vcpus: 1, memory: 1GiB}\n");
  const auto second = export_domains(b.scenario(), document(b));
  const std::string web = uuid_v5(kvmplan_uuid_namespace, "web");
  CHECK(web == "335537a5-3b84-527e-98e9-e7212edca213");
  CHECK(domain_of(first, "web").find("<uuid>" + web + "</uuid>") != std::string::npos);
  CHECK(domain_of(second, "web").find("<uuid>" + web + "</uuid>") != std::string::npos);
  CHECK(domain_of(first, "db").find("<uuid>" + uuid_v5(kvmplan_uuid_namespace, "db") + "</uuid>") != std::string::npos);
  CHECK(uuid_v5(kvmplan_uuid_namespace, "db") != web);
  const auto again = export_domains(a.scenario(), document(a));
  for (const auto& d : first) CHECK(d.xml == domain_of(again, d.guest));
}

TEST_CASE("patching keeps the operator's uuid, disk, NIC, metadata and comments byte for byte, and changes vcpu and memory per the plan") {
  const std::string dir = "tests/data/domains/";
  const std::string web_in = kvmplan::test::read_file(dir + "web.xml");
  const std::string db_in = kvmplan::test::read_file(dir + "db.xml");
  const ExistingDomains existing = existing_of({dir + "web.xml", dir + "db.xml", dir + "retired.xml"});
  REQUIRE(existing.size() == 3);
  auto p = kvmplan::test::place_text(every_element());
  const auto domains = export_domains(p.scenario(), document(p), existing);
  REQUIRE(domains.size() == 4);

  const std::string web = domain_of(domains, "web");
  CHECK(web.find("<uuid>3f2a9c1e-7b4d-4e8a-9c6f-1d2e3f4a5b6c</uuid>") != std::string::npos);
  for (const std::string kept : {"disk", "interface", "metadata", "features", "console"}) {
    CAPTURE(kept);
    CHECK(element_text(web, kept) == element_text(web_in, kept));
  }
  CHECK(web.find("<!-- the system disk: kept as it is -->") != std::string::npos);
  CHECK(web.find("<cpu mode='host-model' check='partial'/>") != std::string::npos);  // the operator's CPU mode
  CHECK(web.find("<shares>2048</shares>") != std::string::npos);                      // cputune beside the plan's
  // The plan's: 2 vCPUs (was 1), 4GiB (was 1GiB), balloon 3GiB, quota 0.25.
  CHECK(web.find("  <memory unit='KiB'>4194304</memory>\n  <currentMemory unit='KiB'>3145728</currentMemory>\n") != std::string::npos);
  CHECK(web.find("<vcpu placement='static' cpuset='" + p.cpuset("web") + "'>2</vcpu>") != std::string::npos);
  CHECK(web.find("<quota>25000</quota>") != std::string::npos);
  CHECK(web.find("1048576") == std::string::npos);
  CHECK(web.find("<numatune>\n    <memory mode='strict' nodeset='" + std::to_string(p.node_ids("web").at(0)) + "'/>\n  </numatune>") !=
        std::string::npos);
  // Everything outside the planned elements is the input's, in order: the tail from <os> on.
  CHECK(web.substr(web.find("  <os>")) == web_in.substr(web_in.find("  <os>")));

  const std::string db = domain_of(domains, "db");
  CHECK(db.find("<uuid>a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d</uuid>") != std::string::npos);
  CHECK(element_text(db, "disk") == element_text(db_in, "disk"));
  CHECK(element_text(db, "interface") == element_text(db_in, "interface"));
  // memoryBacking: the plan's 1GiB pages instead of 2MiB, the memfd source and shared access kept.
  CHECK(db.find("<page size='1048576' unit='KiB'/>") != std::string::npos);
  CHECK(db.find("size='2048'") == std::string::npos);
  CHECK(db.find("<source type='memfd'/>") != std::string::npos);
  CHECK(db.find("<access mode='shared'/>") != std::string::npos);
  // cputune: the plan's 4 pins and emulator threads; the iothread pin kept.
  const auto& pins = p.at("db").vcpupin;
  REQUIRE(pins.size() == 4);
  CHECK(db.find("<vcpupin vcpu='3' cpuset='" + std::to_string(pins[3]) + "'/>") != std::string::npos);
  CHECK(std::count(db.begin(), db.end(), '\n') == std::count(db_in.begin(), db_in.end(), '\n') + 5);  // 4 pins for 2, a numatune of 3 lines
  std::size_t pin_count = 0;
  for (auto at = db.find("<vcpupin "); at != std::string::npos; at = db.find("<vcpupin ", at + 1)) ++pin_count;
  CHECK(pin_count == 4);
  CHECK(db.find("<iothreadpin iothread='1' cpuset='4'/>") != std::string::npos);
  CHECK(db.find("current='2'") == std::string::npos);
  CHECK(db.find(">4</vcpu>") != std::string::npos);
  // The CPU: the operator's mode and attributes, the plan's topology (4 vCPUs, not 8).
  CHECK(db.find("<cpu mode='host-passthrough' check='none' migratable='on'>\n    <topology sockets='1' dies='1' cores='2' threads='2'/>\n  </cpu>") !=
        std::string::npos);

  // big has no domain of its own: the minimal one, with its stable uuid.
  CHECK(domain_of(domains, "big").find("<uuid>" + uuid_v5(kvmplan_uuid_namespace, "big") + "</uuid>") != std::string::npos);
  CHECK(start_problems(domains) == std::vector<std::string>{});
  CHECK(rejected_by_libvirt(domains, "patched") == std::vector<std::string>{});
  if (!have_virsh()) {
    MESSAGE("SKIPPED: " << virsh() << " is not installed (Debian: libvirt-clients, which scripts/setup.sh installs)");
    return;
  }
  CHECK(refused_by_virsh_define(domains, "patched") == std::vector<std::string>{});
}

TEST_CASE("patched domains import back to the plan's guests") {
  const std::string dir = "tests/data/domains/";
  auto p = kvmplan::test::place_text(every_element());
  const auto domains = export_domains(p.scenario(), document(p), existing_of({dir + "web.xml", dir + "db.xml"}));
  std::vector<XmlText> texts;
  for (const auto& d : domains) texts.push_back({d.guest + ".xml", d.xml});
  SourceFiles sources;
  Diagnostics problems;
  const auto back = import_domains_texts(texts, sources, problems);
  REQUIRE_FALSE(problems.has_errors());
  REQUIRE(back.size() == 4);
  for (const ImportedGuest& g : back) {
    CAPTURE(g.name);
    const GuestSpec& was = p.scenario().spec(p.scenario().guests[p.guest(g.name)]);
    kvmplan::test::check_same_guest(g.spec, was);
  }
}

TEST_CASE("export libvirt --domains: errors in the given XML are located, all reported, exit 2, nothing written") {
  const kvmplan::test::TempDir tmp("domains-bad");
  const fs::path& dir = tmp.path();
  const std::string plan = (dir / "plan.yaml").string();
  const std::string scenario = (dir / "every.yaml").string();
  std::ofstream(scenario) << every_element();
  REQUIRE(kvmplan::test::run_cli({"place", scenario, "-o", plan, "-q"}).code == 0);
  fs::create_directory(dir / "in");
  std::ofstream(dir / "in" / "a-broken.xml") << "<domain type='kvm'>\n  <name>web</name>\n  <memory unit='KiB'>1</memory\n</domain>\n";
  std::ofstream(dir / "in" / "b-entities.xml") << "<?xml version='1.0'?>\n<!DOCTYPE d [<!ENTITY a 'aaaaaaaaaa'><!ENTITY b '&a;&a;&a;&a;'>]>\n"
                                                  "<domain><name>&b;</name></domain>\n";
  std::ofstream(dir / "in" / "c-noname.xml") << "<domain type='kvm'>\n  <vcpu>1</vcpu>\n</domain>\n";
  std::ofstream(dir / "in" / "d-db.xml") << "<domain type='kvm'><name>db</name></domain>\n";
  std::ofstream(dir / "in" / "e-db-again.xml") << "<domain type='kvm'>\n<name>db</name></domain>\n";
  std::ofstream(dir / "in" / "notes.txt") << "not read: not .xml";
  const std::string in = (dir / "in").string() + "/";
  const auto r = kvmplan::test::run_cli({"export", "libvirt", scenario, "--placement", plan, "--domains", (dir / "in").string(), "-o",
                                         (dir / "out").string()});
  CHECK(r.code == 2);
  CHECK_FALSE(fs::exists(dir / "out"));
  CHECK(r.err.find(in + "a-broken.xml:4:1: error: ") != std::string::npos);
  CHECK(r.err.find(in + "b-entities.xml:2:1: error: a <!DOCTYPE> (entity declarations) has no place in domain XML") != std::string::npos);
  CHECK(r.err.find(in + "c-noname.xml:1:1: error: domain.name: a domain needs a <name>") != std::string::npos);
  CHECK(r.err.find(in + "e-db-again.xml:2:1: error: domain.name: guest \"db\" is also the domain of " + in + "d-db.xml:1; one domain per guest") !=
        std::string::npos);
  CHECK(r.err.find("nothing exported") != std::string::npos);
  CHECK(r.err.find("notes.txt") == std::string::npos);

  // The good files alone: written, and the one that names no guest is said to be left out.
  for (const char* bad : {"a-broken.xml", "b-entities.xml", "c-noname.xml", "e-db-again.xml"}) fs::remove(dir / "in" / bad);
  fs::copy_file("tests/data/domains/retired.xml", dir / "in" / "retired.xml");
  const auto ok = kvmplan::test::run_cli({"export", "libvirt", scenario, "--placement", plan, "--domains", (dir / "in").string(), "-o",
                                          (dir / "out").string()});
  CHECK(ok.code == 0);
  CHECK(ok.err.find("kvmplan: warning: " + in + "retired.xml: domain \"retired\" is no guest of the plan: not written") != std::string::npos);
  // A domain written on one line stays on one line: the uuid and the plan's elements appended.
  CHECK(kvmplan::test::read_file((dir / "out" / "db.xml").string()).find("<domain type='kvm'><name>db</name><uuid>" + uuid_v5(kvmplan_uuid_namespace, "db") +
                                                                         "</uuid><memory unit='KiB'>8388608</memory>") == 0);
  CHECK_FALSE(fs::exists(dir / "out" / "retired.xml"));
}

TEST_CASE("hostile domain XML is refused quickly: too large, too deep") {
  SourceFiles sources;
  Diagnostics problems;
  std::string deep = "<domain><name>x</name>";
  for (int i = 0; i < 100000; ++i) deep += "<a>";
  for (int i = 0; i < 100000; ++i) deep += "</a>";
  deep += "</domain>";
  const std::string huge = "<domain><name>y</name><description>" + std::string(max_domain_bytes, 'x') + "</description></domain>";
  const auto got = read_existing_domains({{"deep.xml", deep}, {"huge.xml", huge}}, sources, problems);
  CHECK(got.empty());
  const std::string messages = format_all(problems, sources);
  CHECK(messages.find("deep.xml:1:") != std::string::npos);
  CHECK(messages.find("error: elements nest more than 64 deep") != std::string::npos);
  CHECK(messages.find("huge.xml: error: the text has 4194362 bytes; domain XML of more than 4MiB is not read") != std::string::npos);
}

TEST_CASE("virsh define of a re-plan's domain updates the domain (same uuid), where one without a uuid is refused") {
  if (!have_virsh()) {
    MESSAGE("SKIPPED: " << virsh() << " is not installed (Debian: libvirt-clients, which scripts/setup.sh installs)");
    return;
  }
  auto before = kvmplan::test::place_text(every_element());
  std::string replanned = every_element();
  replanned.replace(replanned.find("{name: web, vcpus: 2"), 20, "{name: web, vcpus: 3");
  auto after = kvmplan::test::place_text(replanned);
  const kvmplan::test::TempDir tmp("redefine");
  const fs::path& dir = tmp.path();
  const std::string first = domain_of(export_domains(before.scenario(), document(before)), "web");
  const std::string second = domain_of(export_domains(after.scenario(), document(after)), "web");
  REQUIRE(second.find(">3</vcpu>") != std::string::npos);
  std::ofstream(dir / "1.xml") << first;
  std::ofstream(dir / "2.xml") << second;
  // The test driver keeps domains for one connection: both defines in one virsh run.
  auto run = [&](const std::string& a, const std::string& b) {
    const std::string log = (dir / "virsh.log").string();
    const std::string cmd = "'" + virsh() + "' -q -c test:///default 'define " + a + "; define " + b + "; vcpucount web --maximum --config' >'" + log +
                            "' 2>&1";
    const int code = std::system(cmd.c_str());
    return std::make_pair(code, kvmplan::test::read_file(log));
  };
  const auto [code, out] = run((dir / "1.xml").string(), (dir / "2.xml").string());
  CHECK(code == 0);
  CHECK(out.find("error") == std::string::npos);
  CHECK(out.rfind("3\n", 0) == 0);  // the maximum vCPUs of the one domain "web": the re-plan's
  // Without <uuid>, as kvmplan wrote domains before: the second define fails (virsh's exit code
  // is its last command's, so the message tells).
  auto strip = [](std::string xml) { return xml.erase(xml.find("  <uuid>"), xml.find("</uuid>") + 8 - xml.find("  <uuid>")); };
  std::ofstream(dir / "1n.xml") << strip(first);
  std::ofstream(dir / "2n.xml") << strip(second);
  const auto [code_n, out_n] = run((dir / "1n.xml").string(), (dir / "2n.xml").string());
  CHECK(code_n == 0);
  CHECK(out_n.find("domain 'web' already exists with uuid") != std::string::npos);
}
