// Host tuning and the Ansible layout for a plan.
#include <doctest/doctest.h>
#include <yaml-cpp/yaml.h>

#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <tuple>

#include "kvmplan/deploy/ansible.hpp"
#include "kvmplan/deploy/host_tuning.hpp"
#include "kvmplan/libvirt/domain_export.hpp"
#include "placement_util.hpp"

namespace fs = std::filesystem;
using namespace kvmplan;

namespace {

const TuningFile* file_at(const HostTuning& t, const std::string& path) {
  for (const auto& f : t.files) {
    if (f.path == path) return &f;
  }
  return nullptr;
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// Runs a shell command, its output (stdout and stderr) and exit status.
std::pair<int, std::string> shell(const std::string& cmd) {
  FILE* pipe = popen((cmd + " 2>&1").c_str(), "r");
  if (!pipe) return {-1, ""};
  std::string out;
  char buf[512];
  while (std::fgets(buf, sizeof buf, pipe)) out += buf;
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

}  // namespace

TEST_CASE("host tuning: swap commands, pools per node on the kernel command line, hugetlbfs mount, KSM unit") {
  const auto p = kvmplan::test::place_text(kvmplan::test::read_file("scenarios/two-node-hugepages.yaml"));
  const auto tuning = host_tuning(p.scenario(), p.plan);
  REQUIRE(tuning.size() == 1);
  const HostTuning& t = tuning[0];
  CHECK(t.figures.swap == GiB(120));  // the scenario's worked example: 104 + 16
  CHECK(t.swap_to_create == GiB(120));  // the host declares no swap
  REQUIRE(t.pools.size() == 2);
  CHECK(t.pools[0].node_id == 0);
  CHECK(t.pools[0].pages == 16);
  CHECK(t.pools[0].used == 16);  // a 16GiB database on 1GiB pages per node
  CHECK(t.per_node_cmdline);     // kernel_version 6.1 by default
  CHECK(t.kernel_cmdline == "default_hugepagesz=1G hugepagesz=1G hugepages=0:16,1:16");
  const TuningFile* grub = file_at(t, "/etc/default/grub.d/kvmplan.cfg");
  REQUIRE(grub != nullptr);
  CHECK(has(grub->content, "GRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT default_hugepagesz=1G\"\n"));
  CHECK(has(grub->content, "GRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT hugepagesz=1G hugepages=0:16,1:16\"\n"));
  // libvirt needs a hugetlbfs mount of the guest's page size.
  const TuningFile* mount = file_at(t, "/etc/systemd/system/dev-hugepages1G.mount");
  REQUIRE(mount != nullptr);
  CHECK(has(mount->content, "Where=/dev/hugepages1G\n"));
  CHECK(has(mount->content, "Type=hugetlbfs\n"));
  CHECK(has(mount->content, "Options=pagesize=1G\n"));
  CHECK(file_at(t, "/etc/systemd/system/kvmplan-hugepages.service") == nullptr);  // the command line does it
  const TuningFile* ksm = file_at(t, "/etc/systemd/system/kvmplan-ksm.service");
  REQUIRE(ksm != nullptr);
  CHECK(has(ksm->content, "echo 2 > run && echo 1 > merge_across_nodes"));
  CHECK(has(ksm->content, "Type=oneshot\n"));
  const TuningFile* ksmtuned = file_at(t, "/etc/ksmtuned.conf");
  REQUIRE(ksmtuned != nullptr);
  CHECK(has(ksmtuned->content, "KSM_THRES_COEF=20\n"));
  const TuningFile* sysctl = file_at(t, "/etc/sysctl.d/90-kvmplan.conf");
  REQUIRE(sysctl != nullptr);
  CHECK(has(sysctl->content, "vm.swappiness = 10\n"));
  CHECK(t.units == std::vector<std::string>{"dev-hugepages1G.mount", "kvmplan-ksm.service"});
  CHECK(swap_commands(t) == std::vector<std::string>{"fallocate -l 122880M /swapfile.kvmplan", "chmod 600 /swapfile.kvmplan",
                                                     "mkswap /swapfile.kvmplan", "swapon --priority 10 /swapfile.kvmplan",
                                                     "echo '/swapfile.kvmplan none swap sw,pri=10 0 0' >> /etc/fstab"});
  const std::string text = tuning_text(t);
  CHECK(has(text, "  fallocate -l 122880M /swapfile.kvmplan\n"));
  CHECK(has(text, "  kernel command line: default_hugepagesz=1G hugepagesz=1G hugepages=0:16,1:16\n"));
  CHECK(has(text, "systemctl daemon-reload && systemctl enable --now dev-hugepages1G.mount kvmplan-ksm.service\n"));
  const YAML::Node y = YAML::Load(tuning_yaml(t));
  CHECK(y["swap_mib"].as<long>() == 122880);
  CHECK(y["swap"]["create_mib"].as<long>() == 122880);
  CHECK(y["swap"]["swappiness"].as<int>() == 10);
  CHECK(y["hugepages"][1]["node"].as<int>() == 1);
  CHECK(y["ksm"]["ksmtuned"]["KSM_THRES_COEF"].as<int>() == 20);
  CHECK(y["files"].size() == t.files.size());
  CHECK(y["files"][0]["path"].as<std::string>() == "/etc/default/grub.d/kvmplan.cfg");
  CHECK(y["files"][0]["content"].as<std::string>() == grub->content);  // a literal block, read back whole
}

TEST_CASE("host tuning before Linux 5.16: a boot unit writes the per-node pools, the command line keeps the page size") {
  const std::string scenario = kvmplan::test::read_file("scenarios/two-node-hugepages.yaml");
  for (const std::string version : {"5.15.0-91-generic", "5.10"}) {
    CAPTURE(version);
    const auto p = kvmplan::test::place_text("policy: {kernel_version: " + version + "}\n" + scenario.substr(scenario.find("hosts:")));
    const auto tuning = host_tuning(p.scenario(), p.plan);
    REQUIRE(tuning.size() == 1);
    const HostTuning& t = tuning[0];
    CHECK_FALSE(t.per_node_cmdline);
    CHECK(t.kernel_cmdline == "default_hugepagesz=1G hugepagesz=1G");
    const TuningFile* unit = file_at(t, "/etc/systemd/system/kvmplan-hugepages.service");
    REQUIRE(unit != nullptr);
    CHECK(has(unit->content, "ExecStart=/bin/sh -c 'echo 16 > /sys/devices/system/node/node0/hugepages/hugepages-1048576kB/nr_hugepages'\n"));
    CHECK(has(unit->content, "ExecStart=/bin/sh -c 'echo 16 > /sys/devices/system/node/node1/hugepages/hugepages-1048576kB/nr_hugepages'\n"));
    CHECK(has(unit->content, "DefaultDependencies=no\n"));
    CHECK(has(unit->content, "Before=sysinit.target libvirtd.service\n"));
    CHECK(t.units == std::vector<std::string>{"dev-hugepages1G.mount", "kvmplan-hugepages.service", "kvmplan-ksm.service"});
  }
  // 5.16 is the first with the per-node form.
  const auto p = kvmplan::test::place_text("policy: {kernel_version: 5.16}\n" + scenario.substr(scenario.find("hosts:")));
  CHECK(host_tuning(p.scenario(), p.plan)[0].kernel_cmdline == "default_hugepagesz=1G hugepagesz=1G hugepages=0:16,1:16");
  const auto bad = kvmplan::test::load_text("policy: {kernel_version: six}\nhosts: [{name: h, memory: 8GiB, cpus: 2}]\n");
  CHECK(has(kvmplan::test::errors_of(bad), "\"six\" is not a kernel version"));
}

TEST_CASE("host tuning writes pools only as large as the plan uses, the host's whole pool under ha") {
  const std::string hosts = R"(
hosts:
  - name: h1
    numa:
      - {cpus: '0-7', memory: 64GiB, hugepages: {1GiB: 16, 2MiB: 1024}}
      - {cpus: '8-15', memory: 64GiB, hugepages: {1GiB: 16}}
  - name: h2
    numa:
      - {cpus: '0-7', memory: 64GiB, hugepages: {1GiB: 16, 2MiB: 1024}}
      - {cpus: '8-15', memory: 64GiB, hugepages: {1GiB: 16}}
guests:
  - {name: big, vcpus: 2, memory: 4GiB, hugepages: 1GiB, host: h1}
  - {name: other, vcpus: 2, memory: 4GiB, hugepages: 1GiB, host: h2}
)";
  const auto p = kvmplan::test::place_text(hosts);
  const auto tuning = host_tuning(p.scenario(), p.plan);
  REQUIRE(tuning.size() == 2);
  const HostTuning& t = tuning[0];
  REQUIRE(t.pools.size() == 1);  // the 2MiB pool and node 1's 1GiB pool go unused: not written
  CHECK(t.pools[0].pages == 4);
  CHECK(t.pools[0].declared == 16);
  CHECK(t.page_sizes == std::vector<Bytes>{GiB(1)});
  CHECK(has(t.kernel_cmdline, " hugepages=") == true);
  CHECK(t.kernel_cmdline == "default_hugepagesz=1G hugepagesz=1G hugepages=" + std::to_string(t.pools[0].node_id) + ":4");
  CHECK(file_at(t, "/etc/systemd/system/dev-hugepages2M.mount") == nullptr);
  // Under ha the failure check counts on the whole pools for guests that restart here.
  const auto ha = kvmplan::test::place_text("policy: {ha: {host_failures: 1}}\n" + hosts);
  const auto ha_tuning = host_tuning(ha.scenario(), ha.plan);
  REQUIRE(ha_tuning.size() == 2);
  CHECK(ha_tuning[0].kernel_cmdline == "default_hugepagesz=1G hugepagesz=2M hugepages=0:1024 hugepagesz=1G hugepages=0:16,1:16");
  CHECK(ha_tuning[0].units == std::vector<std::string>{"dev-hugepages2M.mount", "dev-hugepages1G.mount", "kvmplan-ksm.service"});
  // A host without hugepage guests has no command line, no mount and no grub file.
  const auto none = kvmplan::test::place_text("hosts: [{name: h, numa: [{cpus: '0-3', memory: 16GiB, hugepages: {1GiB: 4}}]}]\n"
                                              "guests: [{name: g, vcpus: 1, memory: 1GiB}]\n");
  const auto none_tuning = host_tuning(none.scenario(), none.plan);
  REQUIRE(none_tuning.size() == 1);
  const HostTuning& n = none_tuning[0];
  CHECK(n.pools.empty());
  CHECK(n.kernel_cmdline.empty());
  CHECK(file_at(n, "/etc/default/grub.d/kvmplan.cfg") == nullptr);
  CHECK(n.units == std::vector<std::string>{"kvmplan-ksm.service"});
}

TEST_CASE("host tuning: KSM merge_across_nodes false unmerges first, KSM off writes no ksmtuned.conf, declared swap needs no commands") {
  const std::string host = "hosts: [{name: h, swap: 64GiB, numa: [{cpus: '0-3', memory: 16GiB}, {cpus: '4-7', memory: 16GiB}]}]\n"
                           "guests: [{name: g, vcpus: 1, memory: 1GiB}]\n";
  const auto p = kvmplan::test::place_text("policy: {ksm: {merge_across_nodes: false}, swappiness: 1}\n" + host);
  const auto tuning = host_tuning(p.scenario(), p.plan);
  REQUIRE(tuning.size() == 1);
  const HostTuning& t = tuning[0];
  const TuningFile* ksm = file_at(t, "/etc/systemd/system/kvmplan-ksm.service");
  REQUIRE(ksm != nullptr);
  CHECK(has(ksm->content,
            "ExecStart=/bin/sh -c 'cd /sys/kernel/mm/ksm && if [ \"$(cat merge_across_nodes)\" != 0 ]; then echo 2 > run && echo 0 > merge_across_nodes; fi'\n"));
  CHECK(t.swap_to_create == Bytes{0});  // 64GiB declared covers the rhel5 baseline of 8GiB
  CHECK(swap_commands(t).empty());
  CHECK(has(tuning_text(t), " Nothing to create.\n"));
  CHECK(has(file_at(t, "/etc/sysctl.d/90-kvmplan.conf")->content, "vm.swappiness = 1\n"));
  const auto off = kvmplan::test::place_text("policy: {ksm: {enabled: false}}\n" + host);
  const auto off_tuning = host_tuning(off.scenario(), off.plan);
  REQUIRE(off_tuning.size() == 1);
  const HostTuning& o = off_tuning[0];
  CHECK(file_at(o, "/etc/ksmtuned.conf") == nullptr);
  CHECK(file_at(o, "/etc/systemd/system/kvmplan-ksm.service") == nullptr);
  CHECK(o.units.empty());
  CHECK(has(tuning_text(o), "KSM: disabled (systemctl disable --now ksmtuned; echo 2 > /sys/kernel/mm/ksm/run)\n"));
}

TEST_CASE("a host's address: an IP address or a host name, one host per entry") {
  for (const std::string ok : {"10.0.0.5", "fe80::1", "kvm01.example.com", "kvm-01"}) {
    CAPTURE(ok);
    const auto l = kvmplan::test::load_text("hosts: [{name: h, memory: 8GiB, cpus: 2, address: '" + ok + "'}]\n");
    REQUIRE_MESSAGE(l.ok(), kvmplan::test::errors_of(l));
    CHECK(l.scenario.hosts[0].address == ok);
  }
  for (const std::string bad : {"10.0.0.300", "bad_name", "-kvm", "a..b", "kvm01.example.com."}) {
    CAPTURE(bad);
    const auto l = kvmplan::test::load_text("hosts: [{name: h, memory: 8GiB, cpus: 2, address: '" + bad + "'}]\n");
    CHECK(has(kvmplan::test::errors_of(l), "\"" + bad + "\" is not an IP address or a host name"));
  }
  const auto copies = kvmplan::test::load_text("hosts: [{name: h, count: 2, memory: 8GiB, cpus: 2, address: 10.0.0.5}]\n");
  CHECK(has(kvmplan::test::errors_of(copies), "an address names one host: not with count"));
}

TEST_CASE("host tuning keeps ksmtuned's default where its free-memory term starts KSM") {
  // 64GiB with 32GiB of pools: the guests need 30GiB of 28GiB usable. The RSS term says no
  // (30 + 12.8 < 64), but free = 64 - 32 - 30 - 4 (reserve) = -2GiB <= 12.8GiB: ksmtuned runs
  // KSM with its defaults, and the tuning says so (it once advised KSM_THRES_COEF=54).
  const auto p = kvmplan::test::place_text(R"(
policy: {ksm: {shareable: 0.5}, memory_ratio: 2}
hosts: [{name: h, numa: [{cpus: '0-15', memory: 64GiB, hugepages: {1GiB: 32}}]}]
guests: [{name: g, count: 30, vcpus: 1, memory: 1GiB, image: x, host: h}]
)");
  const auto tuning = host_tuning(p.scenario(), p.plan);
  REQUIRE(tuning.size() == 1);
  CHECK(tuning[0].figures.ksmtuned.active);
  CHECK(tuning[0].ksm_thres_coef == 20);
  CHECK(tuning_text(tuning[0]).find("would never start") == std::string::npos);
}

TEST_CASE("the Ansible layout: inventory, host_vars, domains, a playbook for community.libvirt.virt") {
  const auto p = kvmplan::test::place_text(kvmplan::test::read_file("scenarios/cluster.yaml"));
  Diagnostics problems;
  auto loaded = p.loaded;
  const PlanDocument doc = read_plan_text("plan.yaml", p.yaml, loaded.sources, problems);
  std::vector<std::pair<std::string, std::string>> domains;
  for (const auto& d : export_domains(p.scenario(), doc)) domains.emplace_back(d.guest, d.xml);
  const auto files = ansible_files(p.scenario(), plan_from_document(p.scenario(), doc), domains);
  std::map<std::string, std::string> by_name(files.begin(), files.end());
  const YAML::Node inventory = YAML::Load(by_name.at("inventory.yml"));
  CHECK(inventory["all"]["children"]["kvm_hosts"]["hosts"].size() == 6);
  CHECK_FALSE(inventory["all"]["children"]["kvm_hosts"]["hosts"]["compute-1"]["ansible_host"]);  // no address: the name
  const YAML::Node vars = YAML::Load(by_name.at("host_vars/compute-1.yml"));
  REQUIRE(vars["kvmplan_guests"].IsSequence());
  for (const auto& g : vars["kvmplan_guests"]) CHECK(by_name.count("domains/" + g.as<std::string>() + ".xml") == 1);
  CHECK(vars["kvmplan_tuning"]["host"].as<std::string>() == "compute-1");
  const YAML::Node site = YAML::Load(by_name.at("site.yml"));
  CHECK(site[0]["name"].as<std::string>() == "Apply the host tuning and define the planned guests");
  CHECK(site[0]["become"].as<bool>());
  CHECK(site[0]["roles"][0]["role"].as<std::string>() == "kvmplan");
  const YAML::Node task = site[0]["tasks"][0];
  CHECK(task["community.libvirt.virt"]["command"].as<std::string>() == "define");
  CHECK(task["community.libvirt.virt"]["xml"].as<std::string>() == "{{ lookup('ansible.builtin.file', 'domains/' + item + '.xml') }}");
  CHECK(task["loop"].as<std::string>() == "{{ kvmplan_guests }}");
  std::size_t guests = 0;
  for (const auto& [name, text] : by_name) guests += name.rfind("domains/", 0) == 0;
  CHECK(guests == 187);
  // The role applies the tuning: files by kind, handlers, units started.
  const YAML::Node tasks = YAML::Load(by_name.at("roles/kvmplan/tasks/main.yml"));
  std::vector<std::string> names;
  for (const auto& t : tasks) names.push_back(t["name"].as<std::string>());
  CHECK(std::count(names.begin(), names.end(), "Enable and start the units") == 1);
  CHECK(std::count(names.begin(), names.end(), "Allocate the swap file") == 1);
  const YAML::Node handlers = YAML::Load(by_name.at("roles/kvmplan/handlers/main.yml"));
  std::vector<std::string> handler_names;
  for (const auto& h : handlers) handler_names.push_back(h["name"].as<std::string>());
  CHECK(handler_names == std::vector<std::string>{"Update grub", "Flag reboot required", "Reload systemd", "Apply sysctl", "Restart ksmtuned",
                                                  "Restart libvirtd", "Format the swap file", "Enable the swap file"});
  CHECK(vars["kvmplan_tuning"]["files"].IsSequence());
  CHECK(vars["kvmplan_tuning"]["units"].IsSequence());
}

TEST_CASE("the inventory takes ansible_host from the host's address") {
  const auto p = kvmplan::test::place_text("hosts: [{name: h1, memory: 16GiB, cpus: 4, address: 192.0.2.10}, "
                                           "{name: h2, memory: 16GiB, cpus: 4}]\n"
                                           "guests: [{name: a, vcpus: 1, memory: 1GiB, host: h1}, {name: b, vcpus: 1, memory: 1GiB, host: h2}]\n");
  const auto files = ansible_files(p.scenario(), p.plan, {});
  std::map<std::string, std::string> by_name(files.begin(), files.end());
  const YAML::Node hosts = YAML::Load(by_name.at("inventory.yml"))["all"]["children"]["kvm_hosts"]["hosts"];
  CHECK(hosts["h1"]["ansible_host"].as<std::string>() == "192.0.2.10");
  CHECK(hosts["h2"].IsMap());
  CHECK(hosts["h2"].size() == 0);
}

TEST_CASE("the exported Ansible layout passes ansible-playbook --syntax-check and ansible-lint (production profile)") {
  const bool playbook = shell("command -v ansible-playbook").first == 0;
  const bool lint = shell("command -v ansible-lint").first == 0;
  if (!playbook || !lint) {
    const std::string missing = playbook ? "ansible-lint" : "ansible-playbook";
    MESSAGE("SKIPPED: " << missing << " is not installed (Debian: ansible and ansible-lint; KVMPLAN_DEPLOY_TESTS=ON ./scripts/setup.sh installs them)");
    return;
  }
  const kvmplan::test::TempDir tmp("ansible-lint");
  const std::string plan = (tmp / "plan.yaml").string();
  const std::string scenario = (tmp / "scenario.yaml").string();
  // Hugepages, an address, KSM unmerging and a swap file: every part of the role has values.
  {
    std::ofstream out(scenario);
    out << "policy: {ksm: {merge_across_nodes: false}, kernel_version: '5.10'}\n"
        << kvmplan::test::read_file("scenarios/two-node-hugepages.yaml").substr(
               kvmplan::test::read_file("scenarios/two-node-hugepages.yaml").find("hosts:"));
  }
  std::string text = kvmplan::test::read_file(scenario);
  text.insert(text.find("    threads_per_core"), "    address: numa01.example.com\n");
  std::ofstream(scenario) << text;
  REQUIRE(kvmplan::test::run_cli({"place", scenario, "-o", plan, "-q"}).code == 0);
  const fs::path dir = tmp / "ansible";
  REQUIRE(kvmplan::test::run_cli({"export", "ansible", scenario, "--placement", plan, "-o", dir.string(), "-q"}).code == 0);
  REQUIRE(has(kvmplan::test::read_file((dir / "inventory.yml").string()), "ansible_host: \"numa01.example.com\""));
  const std::string cd = "cd '" + dir.string() + "' && ";
  const auto syntax = shell(cd + "ansible-playbook -i inventory.yml --syntax-check site.yml");
  CHECK_MESSAGE(syntax.first == 0, syntax.second);
  CHECK(has(syntax.second, "playbook: site.yml"));
  const auto linted = shell(cd + "ANSIBLE_NOCOLOR=1 NO_COLOR=1 ansible-lint --offline --nocolor --profile production");
  CHECK_MESSAGE(linted.first == 0, linted.second);
  CHECK_MESSAGE(has(linted.second, "Passed with production profile: 0 failure(s), 0 warning(s)"), linted.second);
  // Not a fake pass: the linter fails a play without a name.
  std::string site = kvmplan::test::read_file((dir / "site.yml").string());
  const std::string named = "- name: Apply the host tuning and define the planned guests\n  hosts:";
  REQUIRE(site.find(named) != std::string::npos);
  site.replace(site.find(named), named.size(), "- hosts:");
  std::ofstream(dir / "site.yml") << site;
  const auto unnamed = shell(cd + "ANSIBLE_NOCOLOR=1 NO_COLOR=1 ansible-lint --offline --nocolor --profile production");
  CHECK(unnamed.first != 0);
  CHECK(has(unnamed.second, "name[play]"));
}

TEST_CASE("export host and export ansible on the command line") {
  const kvmplan::test::TempDir tmp("export-deploy");
  const fs::path& dir = tmp.path();
  const std::string plan = (dir / "plan.yaml").string();
  REQUIRE(kvmplan::test::run_cli({"place", "scenarios/two-node-hugepages.yaml", "-o", plan, "-q"}).code == 0);
  CHECK(kvmplan::test::run_cli({"export", "host", "scenarios/two-node-hugepages.yaml", "--placement", plan, "-o", (dir / "tune").string()}).code == 0);
  CHECK(fs::exists(dir / "tune" / "numa01.txt"));
  CHECK(fs::exists(dir / "tune" / "numa01.yaml"));
  CHECK(kvmplan::test::run_cli({"export", "ansible", "scenarios/two-node-hugepages.yaml", "--placement", plan, "-o", (dir / "ansible").string()}).code == 0);
  CHECK(fs::exists(dir / "ansible" / "host_vars" / "numa01.yml"));
  CHECK(fs::exists(dir / "ansible" / "domains" / "db-1.xml"));
  CHECK(fs::exists(dir / "ansible" / "site.yml"));
  // Written again: the directory is replaced whole.
  CHECK(kvmplan::test::run_cli({"export", "host", "scenarios/two-node-hugepages.yaml", "--placement", plan, "-o", (dir / "tune").string()}).code == 0);
  CHECK(std::distance(fs::directory_iterator(dir / "tune"), fs::directory_iterator{}) == 4);  // numa01/ and the marker
  CHECK(has(kvmplan::test::read_file((dir / "tune" / "numa01" / "etc" / "systemd" / "system" / "dev-hugepages1G.mount").string()),
            "Options=pagesize=1G\n"));
  CHECK(fs::exists(dir / "tune" / ".kvmplan-output"));
}

TEST_CASE("docs/libvirt.md shows the host tuning text export host writes for two-node-hugepages") {
  const auto p = kvmplan::test::place_text(kvmplan::test::read_file("scenarios/two-node-hugepages.yaml"));
  const auto tuning = host_tuning(p.scenario(), p.plan);
  REQUIRE(tuning.size() == 1);
  const std::string doc = kvmplan::test::read_file("docs/libvirt.md");
  const std::size_t from = doc.find("# numa01: host tuning for the plan (kvmplan)\n");
  REQUIRE(from != std::string::npos);
  const std::size_t to = doc.find("```", from);
  REQUIRE(to != std::string::npos);
  CHECK(doc.substr(from, to - from) == tuning_text(tuning[0]));
}

namespace {

// The role's tasks, by name.
std::map<std::string, YAML::Node> tasks_by_name(const std::string& tasks_yaml) {
  std::map<std::string, YAML::Node> out;
  for (const auto& t : YAML::Load(tasks_yaml)) out.emplace(t["name"].as<std::string>(), t);
  return out;
}

std::vector<std::string> when_of(const YAML::Node& task) {
  std::vector<std::string> out;
  if (task["when"].IsScalar()) return {task["when"].as<std::string>()};
  for (const auto& w : task["when"]) out.push_back(w.as<std::string>());
  return out;
}

std::map<std::string, std::string> role_files() {
  const auto p = kvmplan::test::place_text(kvmplan::test::read_file("scenarios/two-node-hugepages.yaml"));
  const auto files = ansible_files(p.scenario(), p.plan, {});
  return {files.begin(), files.end()};
}

}  // namespace

TEST_CASE("the role grows a swap file smaller than the plan's and leaves an equal or larger one alone") {
  const auto files = role_files();
  const auto tasks = tasks_by_name(files.at("roles/kvmplan/tasks/main.yml"));
  const std::vector<std::string> order = {"Look at the swap file", "Read the active swap areas", "Turn off a swap file smaller than the plan's",
                                          "Remove a swap file smaller than the plan's", "Allocate the swap file",
                                          "Keep the swap file private", "Turn on the swap file where it is off"};
  // In this order in the file: the stat before its use, the old file gone before the new one.
  std::vector<std::size_t> at;
  const std::string& text = files.at("roles/kvmplan/tasks/main.yml");
  for (const auto& name : order) at.push_back(text.find("- name: " + name + "\n"));
  CHECK(std::is_sorted(at.begin(), at.end()));
  CHECK(std::find(at.begin(), at.end(), std::string::npos) == at.end());

  const YAML::Node stat = tasks.at("Look at the swap file");
  CHECK(stat["ansible.builtin.stat"]["path"].as<std::string>() == "{{ kvmplan_tuning.swap.file }}");
  CHECK(stat["register"].as<std::string>() == "kvmplan_swap_file");
  CHECK(tasks.at("Read the active swap areas")["ansible.builtin.slurp"]["src"].as<std::string>() == "/proc/swaps");
  CHECK(tasks.at("Read the active swap areas")["register"].as<std::string>() == "kvmplan_proc_swaps");
  const std::string smaller = "kvmplan_swap_file.stat.size < kvmplan_tuning.swap.create_mib * 1048576";
  const YAML::Node off = tasks.at("Turn off a swap file smaller than the plan's");
  CHECK(off["ansible.builtin.command"]["cmd"].as<std::string>() == "swapoff {{ kvmplan_tuning.swap.file }}");
  CHECK(when_of(off) == std::vector<std::string>{"kvmplan_tuning.swap.create_mib > 0", "kvmplan_swap_file.stat.exists", smaller,
                                                  "kvmplan_tuning.swap.file in (kvmplan_proc_swaps.content | b64decode).split()"});
  const YAML::Node rm = tasks.at("Remove a swap file smaller than the plan's");
  CHECK(rm["ansible.builtin.file"]["state"].as<std::string>() == "absent");
  CHECK(when_of(rm) == std::vector<std::string>{"kvmplan_tuning.swap.create_mib > 0", "kvmplan_swap_file.stat.exists", smaller});
  const YAML::Node alloc = tasks.at("Allocate the swap file");
  CHECK(alloc["ansible.builtin.command"]["creates"].as<std::string>() == "{{ kvmplan_tuning.swap.file }}");
  CHECK(alloc["ansible.builtin.command"]["cmd"].as<std::string>() == "fallocate -l {{ kvmplan_tuning.swap.create_mib }}M {{ kvmplan_tuning.swap.file }}");
  std::vector<std::string> notified;
  for (const auto& n : alloc["notify"]) notified.push_back(n.as<std::string>());
  CHECK(notified == std::vector<std::string>{"Format the swap file", "Enable the swap file"});
  // A file that is there, large enough, but off (swapoff by hand, a run cut short): on again.
  const YAML::Node on = tasks.at("Turn on the swap file where it is off");
  CHECK(on["ansible.builtin.command"]["cmd"].as<std::string>() ==
        "swapon --priority {{ kvmplan_tuning.swap.priority }} {{ kvmplan_tuning.swap.file }}");
  CHECK(when_of(on) == std::vector<std::string>{"kvmplan_tuning.swap.create_mib > 0", "kvmplan_swap_file.stat.exists",
                                                 "kvmplan_swap_file.stat.size >= kvmplan_tuning.swap.create_mib * 1048576",
                                                 "kvmplan_tuning.swap.file not in (kvmplan_proc_swaps.content | b64decode).split()"});
}

TEST_CASE("the role stops, disables and removes the units of an earlier plan that this one no longer writes") {
  const auto files = role_files();
  const auto tasks = tasks_by_name(files.at("roles/kvmplan/tasks/main.yml"));
  const YAML::Node find = tasks.at("Find the units kvmplan wrote, for this plan or an earlier one")["ansible.builtin.find"];
  CHECK(find["paths"].as<std::string>() == "/etc/systemd/system");
  CHECK(find["patterns"][0].as<std::string>() == "dev-hugepages*.mount");
  CHECK(find["patterns"][1].as<std::string>() == "kvmplan-*.service");
  // Only files kvmplan wrote: each unit it writes starts with this comment (an operator's own
  // dev-hugepages1G.mount is not touched).
  CHECK(find["contains"].as<std::string>() == "# kvmplan: ");
  const auto p = kvmplan::test::place_text(kvmplan::test::read_file("scenarios/two-node-hugepages.yaml"));
  for (const auto& f : host_tuning(p.scenario(), p.plan)[0].files) {
    if (f.kind == TuningFile::Kind::unit) CHECK(f.content.rfind("# kvmplan: ", 0) == 0);
  }
  const std::string stale = tasks.at("List the units this plan no longer needs")["ansible.builtin.set_fact"]["kvmplan_stale_units"].as<std::string>();
  CHECK(stale == "{{ kvmplan_found_units.files | map(attribute='path') | difference(kvmplan_tuning.files | selectattr('kind', 'equalto', 'unit') | "
                 "map(attribute='path')) | sort }}");
  const YAML::Node stop = tasks.at("Stop and disable the units this plan no longer needs");
  CHECK(stop["ansible.builtin.systemd"]["enabled"].as<bool>() == false);
  CHECK(stop["ansible.builtin.systemd"]["state"].as<std::string>() == "stopped");
  CHECK(stop["loop"].as<std::string>() == "{{ kvmplan_stale_units }}");
  const YAML::Node rm = tasks.at("Remove the units this plan no longer needs");
  CHECK(rm["ansible.builtin.file"]["state"].as<std::string>() == "absent");
  CHECK(rm["loop"].as<std::string>() == "{{ kvmplan_stale_units }}");
  CHECK(rm["notify"].as<std::string>() == "Reload systemd");
}

TEST_CASE("the role's swap and stale-unit conditions, evaluated by Ansible itself") {
  if (shell("command -v ansible-playbook").first != 0) {
    MESSAGE("SKIPPED: ansible-playbook is not installed (Debian: ansible; KVMPLAN_DEPLOY_TESTS=ON ./scripts/setup.sh installs it)");
    return;
  }
  // The conditions of the role's tasks, as written, against the facts the stat, slurp and find
  // tasks would register: a 100MiB plan and files of 0 (none), 50, 100 and 200MiB; units found.
  const auto files = role_files();
  const auto tasks = tasks_by_name(files.at("roles/kvmplan/tasks/main.yml"));
  auto joined = [](const std::vector<std::string>& w) {
    std::string out;
    for (const auto& c : w) out += (out.empty() ? "(" : " and (") + c + ")";
    return out;
  };
  const std::string off = joined(when_of(tasks.at("Turn off a swap file smaller than the plan's")));
  const std::string rm = joined(when_of(tasks.at("Remove a swap file smaller than the plan's")));
  const std::string turn_on = joined(when_of(tasks.at("Turn on the swap file where it is off")));
  std::string stale = tasks.at("List the units this plan no longer needs")["ansible.builtin.set_fact"]["kvmplan_stale_units"].as<std::string>();
  const kvmplan::test::TempDir tmp("ansible-conditions");
  std::ofstream play(tmp.path() / "play.yml");
  play << "- name: Conditions\n  hosts: localhost\n  gather_facts: false\n  vars:\n"
       << "    kvmplan_tuning: {swap: {create_mib: 100, file: /swapfile.kvmplan}, files: [{path: /etc/systemd/system/dev-hugepages1G.mount, kind: unit}, "
          "{path: /etc/sysctl.d/90-kvmplan.conf, kind: sysctl}]}\n"
       << "    kvmplan_found_units: {files: [{path: /etc/systemd/system/kvmplan-hugepages.service}, {path: /etc/systemd/system/dev-hugepages1G.mount}, "
          "{path: /etc/systemd/system/dev-hugepages2M.mount}]}\n"
       << "  tasks:\n";
  // /proc/swaps as slurp gives it (base64), with the file active or not; .split() takes any
  // whitespace, so one line serves.
  for (const auto& [label, exists, mib, on] : std::vector<std::tuple<std::string, bool, long, bool>>{
           {"none", false, 0, false}, {"smaller", true, 50, true}, {"smaller-inactive", true, 50, false}, {"equal", true, 100, true}, {"larger", true, 200, true},
           {"equal-inactive", true, 100, false}, {"larger-inactive", true, 200, false}}) {
    const std::string swaps = std::string("Filename Type Size Used Priority") + (on ? " /swapfile.kvmplan file 51200 0 10" : "");
    play << "    - name: Case " << label << "\n      ansible.builtin.debug:\n        msg: \"CASE " << label << " off={{ " << off << " }} rm={{ " << rm << " }} on={{ " << turn_on
         << " }}\"\n      vars:\n        kvmplan_swap_file: {stat: {exists: " << (exists ? "true" : "false") << ", size: " << mib * 1048576
         << "}}\n        kvmplan_proc_swaps: {content: \"{{ '" << swaps << "' | b64encode }}\"}\n";
  }
  play << "    - name: Stale\n      ansible.builtin.debug:\n        msg: \"STALE {{ (" << stale.substr(3, stale.size() - 6) << ") | join(',') }}\"\n";
  play.close();
  const auto r = shell("cd '" + tmp.path().string() + "' && ANSIBLE_NOCOLOR=1 ansible-playbook -i localhost, -c local play.yml");
  REQUIRE_MESSAGE(r.first == 0, r.second);
  CHECK_MESSAGE(has(r.second, "CASE none off=False rm=False on=False"), r.second);
  CHECK_MESSAGE(has(r.second, "CASE smaller off=True rm=True on=False"), r.second);
  CHECK_MESSAGE(has(r.second, "CASE smaller-inactive off=False rm=True on=False"), r.second);
  CHECK_MESSAGE(has(r.second, "CASE equal off=False rm=False on=False"), r.second);
  CHECK_MESSAGE(has(r.second, "CASE larger off=False rm=False on=False"), r.second);
  CHECK_MESSAGE(has(r.second, "CASE equal-inactive off=False rm=False on=True"), r.second);
  CHECK_MESSAGE(has(r.second, "CASE larger-inactive off=False rm=False on=True"), r.second);
  CHECK_MESSAGE(has(r.second, "STALE /etc/systemd/system/dev-hugepages2M.mount,/etc/systemd/system/kvmplan-hugepages.service"), r.second);
}

TEST_CASE("export ansible --domains: the role's domain files are the patched XML, the disk and the operator's uuid kept") {
  const kvmplan::test::TempDir tmp("ansible-domains");
  const fs::path& dir = tmp.path();
  const std::string plan = (dir / "plan.yaml").string();
  const std::string scenario = "tests/data/every-element.yaml";
  REQUIRE(kvmplan::test::run_cli({"place", scenario, "-o", plan, "-q"}).code == 0);
  const auto a = kvmplan::test::run_cli({"export", "ansible", scenario, "--placement", plan, "--domains", "tests/data/domains", "-o", (dir / "a").string()});
  REQUIRE_MESSAGE(a.code == 0, a.err);
  CHECK(has(a.err, "kvmplan: warning: tests/data/domains/retired.xml: domain \"retired\" is no guest of the plan: not written\n"));
  const std::string web = kvmplan::test::read_file((dir / "a" / "domains" / "web.xml").string());
  CHECK(has(web, "<uuid>3f2a9c1e-7b4d-4e8a-9c6f-1d2e3f4a5b6c</uuid>"));
  CHECK(has(web, "<source file='/var/lib/libvirt/images/web.qcow2'/>"));
  CHECK(has(web, "<mac address='52:54:00:6b:3c:58'/>"));
  CHECK(has(web, ">2</vcpu>"));  // the plan's, not the file's 1
  const std::string db = kvmplan::test::read_file((dir / "a" / "domains" / "db.xml").string());
  CHECK(has(db, "<uuid>a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d</uuid>"));
  CHECK(has(db, "<source dev='/dev/vg0/db'/>"));
  CHECK_FALSE(fs::exists(dir / "a" / "domains" / "retired.xml"));
  // The very files export libvirt --domains writes.
  const auto l = kvmplan::test::run_cli({"export", "libvirt", scenario, "--placement", plan, "--domains", "tests/data/domains", "-o", (dir / "l").string(), "-q"});
  REQUIRE(l.code == 0);
  for (const char* g : {"web", "db", "gpu", "big"}) {
    CAPTURE(g);
    CHECK(kvmplan::test::read_file((dir / "a" / "domains" / (std::string(g) + ".xml")).string()) ==
          kvmplan::test::read_file((dir / "l" / (std::string(g) + ".xml")).string()));
  }
  // A broken file stops it, nothing written, as for export libvirt.
  fs::create_directory(dir / "bad");
  std::ofstream(dir / "bad" / "x.xml") << "<domain><name>web</name>";
  const auto bad = kvmplan::test::run_cli({"export", "ansible", scenario, "--placement", plan, "--domains", (dir / "bad").string(), "-o", (dir / "b").string()});
  CHECK(bad.code == 2);
  CHECK(has(bad.err, (dir / "bad" / "x.xml").string() + ":1:"));
  CHECK_FALSE(fs::exists(dir / "b"));
}
