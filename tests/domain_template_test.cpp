// `template:` of a flavor or guest: a template domain XML for the rest of a new guest's domain,
// patched as `export --domains` patches an operator's domain (docs/libvirt.md); and the
// <iothreadpin>s a patch re-pins when the plan no longer gives the guest their CPUs.
#include <doctest/doctest.h>

#include <pugixml.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>

#include "kvmplan/libvirt/domain_export.hpp"
#include "placement_util.hpp"

namespace fs = std::filesystem;
using namespace kvmplan;

namespace {

const std::string app = "tests/data/templates/app.xml";

// Two app guests of a template flavor, a third guest with its own template (its own beats
// its flavor's: here the same file by another path), a guest without any.
std::string scenario_text() {
  return "hosts:\n"
         "  - name: h\n"
         "    threads_per_core: 2\n"
         "    numa:\n"
         "      - {id: 0, cpus: '0-7,16-23', memory: 32GiB}\n"
         "      - {id: 1, cpus: '8-15,24-31', memory: 32GiB}\n"
         "flavors:\n"
         "  - {name: app, vcpus: 2, memory: 4GiB, template: " + app + "}\n"
         "  - {name: pinned, vcpus: 2, memory: 2GiB, cpu_policy: dedicated, template: tests/data/missing.xml}\n"
         "guests:\n"
         "  - {name: app, count: 2, flavor: app}\n"
         "  - {name: solo, flavor: pinned, template: tests/data/templates/../templates/app.xml}\n"
         "  - {name: plain, vcpus: 1, memory: 1GiB}\n";
}

PlanDocument document(kvmplan::test::Placed& p) {
  Diagnostics problems;
  PlanDocument doc = read_plan_text("plan.yaml", p.yaml, p.loaded.sources, problems);
  REQUIRE_FALSE(problems.has_errors());
  return doc;
}

const DomainXml& domain(const std::vector<DomainXml>& domains, const std::string& guest) {
  const auto it = std::find_if(domains.begin(), domains.end(), [&](const DomainXml& d) { return d.guest == guest; });
  REQUIRE(it != domains.end());
  return *it;
}

std::vector<std::string> macs(const pugi::xml_node d) {
  std::vector<std::string> out;
  for (pugi::xml_node i : d.child("devices").children("interface")) out.push_back(i.child("mac").attribute("address").value());
  return out;
}

std::string virsh() {
  const char* env = std::getenv("KVMPLAN_VIRSH");
  return env ? env : "virsh";
}
bool have_virsh() { return std::system(("command -v '" + virsh() + "' >/dev/null 2>&1").c_str()) == 0; }

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("template: a flavor's or a guest's, the guest's own winning, read once per file, relative to the scenario file") {
  std::string text = scenario_text();
  text.replace(text.find("tests/data/missing.xml"), 22, app);
  const auto l = kvmplan::test::load_text(text);
  REQUIRE_MESSAGE(l.ok(), kvmplan::test::errors_of(l));
  REQUIRE(l.scenario.domain_templates.size() == 1);  // three mentions, two spellings, one file
  CHECK(l.scenario.domain_templates[0].path == app);
  CHECK(l.scenario.domain_templates[0].text == kvmplan::test::read_file(app));
  const auto& s = l.scenario;
  CHECK(s.spec(s.guests[0]).domain_template == 0);
  CHECK(s.spec(s.guests[1]).domain_template == 0);
  CHECK(s.spec(s.guests[2]).domain_template == 0);
  CHECK(s.spec(s.guests[3]).domain_template == -1);

  // In a file: relative to that file's directory, not to where kvmplan runs.
  const kvmplan::test::TempDir tmp("template-relative");
  fs::create_directories(tmp.path() / "conf" / "xml");
  fs::copy_file(app, tmp.path() / "conf" / "xml" / "t.xml");
  std::ofstream(tmp.path() / "conf" / "s.yaml") << "hosts: [{name: h, memory: 8GiB, cpus: 4}]\n"
                                                  "guests: [{name: g, vcpus: 1, memory: 1GiB, template: xml/t.xml}]\n";
  // A second file in another directory names it by another relative path, a third through a
  // link: still one template, read once.
  fs::create_directories(tmp.path() / "more");
  std::ofstream(tmp.path() / "more" / "m.yaml") << "guests: [{name: m, vcpus: 1, memory: 1GiB, template: ../conf/xml/t.xml}]\n";
  fs::create_symlink(tmp.path() / "conf" / "xml", tmp.path() / "link");
  std::ofstream(tmp.path() / "l.yaml") << "guests: [{name: l, vcpus: 1, memory: 1GiB, template: link/t.xml}]\n";
  const auto f = load_files({(tmp.path() / "conf" / "s.yaml").string(), (tmp.path() / "more" / "m.yaml").string(), (tmp.path() / "l.yaml").string()});
  REQUIRE_MESSAGE(f.ok(), kvmplan::test::errors_of(f));
  REQUIRE(f.scenario.domain_templates.size() == 1);
  CHECK(f.scenario.domain_templates[0].path == (tmp.path() / "conf" / "xml" / "t.xml").string());
  REQUIRE(f.scenario.guests.size() == 3);
  for (const auto& g : f.scenario.guests) CHECK(f.scenario.spec(g).domain_template == 0);
}

TEST_CASE("template: a missing, unreadable, hostile or non-domain file is a located error at the key") {
  const kvmplan::test::TempDir tmp("template-bad");
  const std::string dir = tmp.path().string();
  std::ofstream(tmp.path() / "notdomain.xml") << "<?xml version='1.0'?>\n<network><name>n</name></network>\n";
  std::ofstream(tmp.path() / "broken.xml") << "<domain type='kvm'>\n  <name>x</name\n</domain>\n";
  std::ofstream(tmp.path() / "doctype.xml") << "<!DOCTYPE d [<!ENTITY a 'a'>]>\n<domain><name>&a;</name></domain>\n";
  fs::create_directory(tmp.path() / "adir.xml");
  std::ofstream(tmp.path() / "s.yaml") << "hosts: [{name: h, memory: 8GiB, cpus: 4}]\n"
                                          "flavors:\n"
                                          "  - {name: f, vcpus: 1, memory: 1GiB, template: gone.xml}\n"
                                          "guests:\n"
                                          "  - {name: a, flavor: f}\n"
                                          "  - {name: b, vcpus: 1, memory: 1GiB, template: notdomain.xml}\n"
                                          "  - {name: c, vcpus: 1, memory: 1GiB, template: broken.xml}\n"
                                          "  - {name: d, vcpus: 1, memory: 1GiB, template: doctype.xml}\n"
                                          "  - {name: e, vcpus: 1, memory: 1GiB, template: adir.xml}\n"
                                          "  - {name: g, vcpus: 1, memory: 1GiB, template: /dev/zero}\n"
                                          "  - {name: i, vcpus: 1, memory: 1GiB, template: ''}\n"
                                          "  - {name: j, vcpus: 1, memory: 1GiB, template: [a, b]}\n";
  const std::string s = dir + "/s.yaml";
  const auto r = kvmplan::test::run_cli({"place", s, "-o", dir + "/plan.yaml"});
  CHECK(r.code == 2);
  CHECK(r.out.empty());
  CHECK_FALSE(fs::exists(dir + "/plan.yaml"));
  CHECK(has(r.err, s + ":3:49: error: flavors[0].template: template " + dir + "/gone.xml: no such file\n"));
  CHECK(has(r.err, s + ":6:49: error: guests[1].template: template " + dir + "/notdomain.xml:2:1: not a domain document: no <domain>\n"));
  CHECK(has(r.err, s + ":7:49: error: guests[2].template: template " + dir + "/broken.xml:3:1: Error parsing end element tag\n"));
  CHECK(has(r.err, s + ":8:49: error: guests[3].template: template " + dir + "/doctype.xml:1:1: a <!DOCTYPE> (entity declarations) has no place"));
  CHECK(has(r.err, s + ":9:49: error: guests[4].template: template " + dir + "/adir.xml: not a regular file\n"));
  CHECK(has(r.err, s + ":10:49: error: guests[5].template: template /dev/zero: not a regular file\n"));
  CHECK(has(r.err, s + ":11:49: error: guests[6].template: a template names a domain XML file; leave the key out for none\n"));
  CHECK(has(r.err, s + ":12:49: error: guests[7].template: expected a value, got a list\n"));
  // The guest of the flavor is not told again: the flavor's error says it.
  CHECK_FALSE(has(r.err, "guests[0]"));
}

TEST_CASE("two guests of one template flavor: the template patched with each guest's name, uuid and MACs, its disks and devices kept") {
  std::string text = scenario_text();
  text.replace(text.find("tests/data/missing.xml"), 22, app);
  auto p = kvmplan::test::place_text(text);
  const auto domains = export_domains(p.scenario(), document(p));
  REQUIRE(domains.size() == 4);
  const std::string tmpl = kvmplan::test::read_file(app);
  std::set<std::string> uuids, all_macs;
  for (const std::string guest : {"app-1", "app-2", "solo"}) {
    CAPTURE(guest);
    const DomainXml& d = domain(domains, guest);
    pugi::xml_document doc;
    REQUIRE(doc.load_string(d.xml.c_str()));
    const pugi::xml_node dom = doc.child("domain");
    CHECK(std::string(dom.child_value("name")) == guest);
    const std::string uuid = dom.child_value("uuid");
    CHECK(uuid == uuid_v5(kvmplan_uuid_namespace, guest));
    uuids.insert(uuid);
    // libvirt refuses a <sysinfo> system uuid that differs from <uuid>.
    CHECK(std::string(dom.child("sysinfo").child("system").find_child_by_attribute("entry", "name", "uuid").text().get()) == uuid);
    CHECK(std::string(dom.child("sysinfo").child("system").find_child_by_attribute("entry", "name", "manufacturer").text().get()) == "Example");
    // The template's disks, seed ISO, console and description, as they were.
    CHECK(has(d.xml, "<source file='/var/lib/libvirt/images/app-base.qcow2'/>"));
    CHECK(has(d.xml, "<source file='/var/lib/libvirt/images/app-seed.iso'/>\n      <target dev='sda' bus='sata'/>\n      <readonly/>"));
    CHECK(has(d.xml, "<description>golden image for the app tier</description>"));
    CHECK(has(d.xml, "<console type='pty'>\n      <target type='serial' port='0'/>\n    </console>"));
    CHECK(d.xml.substr(d.xml.find("  <os>"), d.xml.find("  <clock") - d.xml.find("  <os>")) ==
          tmpl.substr(tmpl.find("  <os>"), tmpl.find("  <clock") - tmpl.find("  <os>")) + "  <cpu mode='host-passthrough'" +
              (guest == "solo" ? ">\n    <topology sockets='1' dies='1' cores='1' threads='2'/>\n  </cpu>\n" : "/>\n"));
    CHECK(d.xml.substr(d.xml.find("  <clock"), d.xml.find("    <interface") - d.xml.find("  <clock")) ==
          tmpl.substr(tmpl.find("  <clock"), tmpl.find("    <interface") - tmpl.find("  <clock")));
    // Not the template's identity.
    CHECK_FALSE(has(d.xml, "app-template"));
    CHECK_FALSE(has(d.xml, "0b7e1f5c-2d4a-4c8e-9f10-3a5b6c7d8e9f"));
    CHECK_FALSE(has(d.xml, "52:54:00:11:22:33"));
    // Each NIC its own stable MAC, the one without a <mac> given one, indented as the file is.
    const auto m = macs(dom);
    REQUIRE(m.size() == 2);
    for (const auto& mac : m) {
      CHECK(mac.rfind("52:54:00:", 0) == 0);
      CHECK(mac.size() == 17);
      all_macs.insert(mac);
    }
    CHECK(has(d.xml, "<interface type='network'>\n      <mac address='" + m[1] + "'/>\n      <source network='storage'/>"));
    // The plan's elements.
    CHECK(std::string(dom.child_value("memory")) == (guest == "solo" ? "2097152" : "4194304"));
    CHECK(has(d.xml, "<iothreads>1</iothreads>"));
  }
  CHECK(uuids.size() == 3);
  CHECK(all_macs.size() == 6);
  // The same export again: the same MACs and uuids (a re-define updates, nothing random).
  const auto again = export_domains(p.scenario(), document(p));
  for (const auto& d : domains) CHECK(d.xml == domain(again, d.guest).xml);
  // The template's writable disk is one file for every guest: said; the read-only ISO is not.
  const auto& w = domain(domains, "app-1").warnings;
  CHECK(std::count_if(w.begin(), w.end(), [](const std::string& s) {
          return s == "template tests/data/templates/app.xml: disk /var/lib/libvirt/images/app-base.qcow2 is writable and the same for every "
                      "guest of the template: give each guest its own";
        }) == 1);
  CHECK(std::none_of(w.begin(), w.end(), [](const std::string& s) { return has(s, "app-seed.iso"); }));
  // The guest without a template: the minimal domain.
  CHECK_FALSE(has(domain(domains, "plain").xml, "<devices>"));

  if (!have_virsh()) {
    MESSAGE("SKIPPED: " << virsh() << " is not installed (Debian: libvirt-clients, which scripts/setup.sh installs)");
    return;
  }
  // All three in one test-driver session: a shared name or uuid would redefine one domain.
  const kvmplan::test::TempDir tmp("template-virsh");
  std::string cmds;
  for (const std::string guest : {"app-1", "app-2", "solo"}) {
    const fs::path file = tmp.path() / (guest + ".xml");
    std::ofstream(file) << domain(domains, guest).xml;
    cmds += "define " + file.string() + "; ";
  }
  const std::string log = (tmp.path() / "virsh.log").string();
  const std::string cmd = "'" + virsh() + "' -q -c test:///default '" + cmds + "list --all --name; domuuid app-2; domiflist solo' >'" + log + "' 2>&1";
  CHECK(std::system(cmd.c_str()) == 0);
  const std::string out = kvmplan::test::read_file(log);
  CHECK_MESSAGE(!has(out, "error"), out);
  for (const std::string guest : {"app-1", "app-2", "solo"}) CHECK_MESSAGE(has("\n" + out, "\n" + guest + "\n"), out);
  CHECK(has(out, uuid_v5(kvmplan_uuid_namespace, "app-2")));
  pugi::xml_document solo;
  REQUIRE(solo.load_string(domain(domains, "solo").xml.c_str()));
  for (const auto& mac : macs(solo.child("domain"))) CHECK_MESSAGE(has(out, mac), out);  // domiflist: libvirt kept them
}

TEST_CASE("a guest's own domain in --domains beats its template") {
  std::string text = scenario_text();
  text.replace(text.find("tests/data/missing.xml"), 22, app);
  text += "  - {name: web, vcpus: 2, memory: 4GiB, template: " + app + "}\n";
  auto p = kvmplan::test::place_text(text);
  SourceFiles sources;
  Diagnostics problems;
  const auto existing = read_existing_domains({{"tests/data/domains/web.xml", std::nullopt}}, sources, problems);
  REQUIRE_FALSE(problems.has_errors());
  const auto domains = export_domains(p.scenario(), document(p), existing);
  const std::string& web = domain(domains, "web").xml;
  CHECK(has(web, "<uuid>3f2a9c1e-7b4d-4e8a-9c6f-1d2e3f4a5b6c</uuid>"));  // the operator's
  CHECK(has(web, "<mac address='52:54:00:6b:3c:58'/>"));
  CHECK_FALSE(has(web, "app-base.qcow2"));
}

TEST_CASE("an iothreadpin on CPUs the plan no longer gives the guest is re-pinned where its emulator threads run, with a warning") {
  // Two pinned guests take the dedicated CPUs 2-7; CPU 1 is the host's one shared CPU, where
  // g's emulator threads go. The operator's domain of g pins I/O thread 1 to 4-5, vCPU CPUs
  // now (whoever's): it goes to CPU 1. I/O thread 2, already there, stays without a warning.
  auto p = kvmplan::test::place_text(
      "hosts: [{name: h, numa: [{cpus: '0-7', memory: 16GiB}], reserved_cpus: '0', dedicated_cpus: '2-7'}]\n"
      "guests:\n"
      "  - {name: g, vcpus: 2, memory: 1GiB, cpu_policy: dedicated}\n"
      "  - {name: other, vcpus: 4, memory: 1GiB, cpu_policy: dedicated}\n");
  const auto& pins = p.at("g").vcpupin;
  REQUIRE(pins.size() == 2);
  const std::string g_xml = "<domain type='kvm'>\n  <name>g</name>\n  <uuid>11111111-2222-4333-8444-555555555555</uuid>\n"
                            "  <memory unit='KiB'>1048576</memory>\n  <vcpu placement='static'>2</vcpu>\n  <iothreads>2</iothreads>\n"
                            "  <cputune>\n    <vcpupin vcpu='0' cpuset='4'/>\n    <emulatorpin cpuset='4-5'/>\n"
                            "    <iothreadpin iothread='1' cpuset='4-5'/>\n    <iothreadpin iothread='2' cpuset='1'/>\n  </cputune>\n"
                            "  <os>\n    <type>hvm</type>\n  </os>\n</domain>\n";
  SourceFiles sources;
  Diagnostics problems;
  const auto existing = read_existing_domains({{"g.xml", g_xml}}, sources, problems);
  REQUIRE_FALSE(problems.has_errors());
  const auto domains = export_domains(p.scenario(), document(p), existing);
  const DomainXml& g = domain(domains, "g");
  pugi::xml_document doc;
  REQUIRE(doc.load_string(g.xml.c_str()));
  const pugi::xml_node tune = doc.child("domain").child("cputune");
  const std::string emulator = tune.child("emulatorpin").attribute("cpuset").value();
  CHECK(emulator == "1");  // the host's one shared CPU (0 reserved, 2-7 dedicated)
  CHECK(std::string(tune.find_child_by_attribute("iothreadpin", "iothread", "1").attribute("cpuset").value()) == emulator);
  CHECK(std::string(tune.find_child_by_attribute("iothreadpin", "iothread", "2").attribute("cpuset").value()) == "1");
  CHECK(g.warnings == std::vector<std::string>{"<iothreadpin iothread='1' cpuset='4-5'> names CPUs the plan does not give the guest: re-pinned to 1, "
                                               "where its emulator threads run"});
  // A cpuset libvirt's syntax allows but kvmplan does not read ("^" exclusions) is re-pinned too.
  std::string excl = g_xml;
  excl.replace(excl.find("cpuset='1'"), 10, "cpuset='0-3,^2'");
  Diagnostics p2;
  const auto e2 = read_existing_domains({{"g.xml", excl}}, sources, p2);
  const DomainXml& g2 = domain(export_domains(p.scenario(), document(p), e2), "g");
  CHECK(g2.warnings.size() == 2);
  CHECK(has(g2.xml, "<iothreadpin iothread='2' cpuset='1'/>"));
}

TEST_CASE("export libvirt and export ansible with a template relative to the scenario file, warnings printed") {
  const kvmplan::test::TempDir tmp("template-cli");
  const fs::path& dir = tmp.path();
  fs::create_directories(dir / "site" / "xml");
  fs::copy_file(app, dir / "site" / "xml" / "app.xml");
  const std::string scenario = (dir / "site" / "s.yaml").string();
  std::ofstream(scenario) << "hosts: [{name: h, memory: 32GiB, cpus: 8}]\n"
                             "flavors: [{name: app, vcpus: 2, memory: 4GiB, template: xml/app.xml}]\n"
                             "guests: [{name: app, count: 2, flavor: app}]\n";
  const std::string plan = (dir / "plan.yaml").string();
  REQUIRE(kvmplan::test::run_cli({"place", scenario, "-o", plan, "-q"}).code == 0);
  const auto r = kvmplan::test::run_cli({"export", "libvirt", scenario, "--placement", plan, "-o", (dir / "out").string()});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  const std::string tpath = (dir / "site" / "xml" / "app.xml").string();
  CHECK(has(r.err, "kvmplan: warning: app-1: template " + tpath + ": disk /var/lib/libvirt/images/app-base.qcow2 is writable and the same for every "
                   "guest of the template: give each guest its own\n"));
  CHECK(has(r.err, "kvmplan: warning: app-2: <iothreadpin iothread='1' cpuset='0-63'> names CPUs the plan does not give the guest: re-pinned to 0-7, "
                   "where its emulator threads run\n"));
  const std::string a1 = kvmplan::test::read_file((dir / "out" / "app-1.xml").string());
  CHECK(has(a1, "<name>app-1</name>"));
  CHECK(has(a1, "<iothreadpin iothread='1' cpuset='0-7'/>"));
  const auto a = kvmplan::test::run_cli({"export", "ansible", scenario, "--placement", plan, "-o", (dir / "ansible").string(), "-q"});
  REQUIRE(a.code == 0);
  CHECK(kvmplan::test::read_file((dir / "ansible" / "domains" / "app-1.xml").string()) == a1);
  // The template gone: the scenario no longer loads, at the flavor's key.
  fs::remove(dir / "site" / "xml" / "app.xml");
  const auto gone = kvmplan::test::run_cli({"export", "libvirt", scenario, "--placement", plan, "-o", (dir / "out2").string()});
  CHECK(gone.code == 2);
  CHECK(has(gone.err, scenario + ":2:57: error: flavors[0].template: template " + tpath + ": no such file\n"));
  CHECK_FALSE(fs::exists(dir / "out2"));
}

TEST_CASE("a template guest's MAC address that another exported domain has is said on the later one") {
  // An operator's domain whose NIC has the MAC app-1 gets from the template.
  std::string text = scenario_text();
  text.replace(text.find("tests/data/missing.xml"), 22, app);
  auto p = kvmplan::test::place_text(text);
  const auto first = export_domains(p.scenario(), document(p));
  pugi::xml_document doc;
  REQUIRE(doc.load_string(domain(first, "app-1").xml.c_str()));
  const std::string mac = macs(doc.child("domain")).at(0);
  std::string upper = mac;
  std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  const std::string plain = "<domain type='kvm'>\n  <name>plain</name>\n  <memory unit='KiB'>1048576</memory>\n  <vcpu>1</vcpu>\n"
                            "  <os>\n    <type>hvm</type>\n  </os>\n  <devices>\n    <interface type='network'>\n      <mac address='" + upper +
                            "'/>\n      <source network='default'/>\n    </interface>\n  </devices>\n</domain>\n";
  SourceFiles sources;
  Diagnostics problems;
  const auto existing = read_existing_domains({{"plain.xml", plain}}, sources, problems);
  REQUIRE_FALSE(problems.has_errors());
  const auto domains = export_domains(p.scenario(), document(p), existing);
  const auto& w = domain(domains, "plain").warnings;  // plan order: app-1, app-2, solo, plain
  CHECK(w == std::vector<std::string>{"MAC address " + mac + " is also app-1's: change one (<mac address> in a --domains file)"});
  for (const auto& d : first) CHECK(std::none_of(d.warnings.begin(), d.warnings.end(), [](const std::string& s) { return has(s, "MAC address"); }));
}

TEST_CASE("a template without an OS type gets the fresh domain's, which libvirt requires, with a warning") {
  // libvirt: "an os <type> must be specified". A minimal template, a disk and a NIC only.
  const kvmplan::test::TempDir tmp("template-no-os");
  const std::string bare = (tmp.path() / "bare.xml").string(), typeless = (tmp.path() / "typeless.xml").string();
  std::ofstream(bare) << "<domain type='kvm'><name>t</name><devices><disk type='file' device='disk'><source file='/img/a.qcow2'/>"
                         "<target dev='vda'/></disk></devices></domain>\n";
  std::ofstream(typeless) << "<domain type='kvm'><name>t</name><os><boot dev='hd'/></os></domain>\n";
  auto p = kvmplan::test::place_text("hosts: [{name: h, cpus: 4, memory: 16GiB}]\n"
                                     "guests:\n  - {name: a, vcpus: 1, memory: 1GiB, template: '" + bare + "'}\n"
                                     "  - {name: b, vcpus: 1, memory: 1GiB, template: '" + typeless + "'}\n");
  const auto domains = export_domains(p.scenario(), document(p));
  for (const std::string guest : {"a", "b"}) {
    CAPTURE(guest);
    const DomainXml& d = domain(domains, guest);
    pugi::xml_document doc;
    REQUIRE(doc.load_string(d.xml.c_str()));
    CHECK(std::string(doc.child("domain").child("os").child_value("type")) == "hvm");
    CHECK(std::count_if(d.warnings.begin(), d.warnings.end(), [](const std::string& w) { return has(w, "which libvirt requires"); }) == 1);
    if (have_virsh()) {
      const std::string file = (tmp.path() / (guest + ".xml")).string();
      std::ofstream(file) << d.xml;
      CHECK(std::system((virsh() + " -q -c test:///default define '" + file + "' >/dev/null 2>&1").c_str()) == 0);
    }
  }
  // The operator's own <os> children stay.
  CHECK(has(domain(domains, "b").xml, "<boot dev='hd'/>"));
}
