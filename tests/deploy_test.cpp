// Host tuning and the Ansible layout for a plan.
#include <doctest/doctest.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>

#include "kvmplan/deploy/ansible.hpp"
#include "kvmplan/deploy/host_tuning.hpp"
#include "kvmplan/libvirt/domain_export.hpp"
#include "placement_util.hpp"

namespace fs = std::filesystem;
using namespace kvmplan;

TEST_CASE("host tuning: swap, pools per node as sysfs writes and kernel command line, KSM") {
  const auto p = kvmplan::test::place_text(kvmplan::test::read_file("scenarios/two-node-hugepages.yaml"));
  const auto tuning = host_tuning(p.scenario(), p.plan);
  REQUIRE(tuning.size() == 1);
  const HostTuning& t = tuning[0];
  CHECK(t.figures.swap == GiB(120));  // the scenario's worked example: 104 + 16
  REQUIRE(t.pools.size() == 2);
  CHECK(t.pools[0].node_id == 0);
  CHECK(t.pools[0].pages == 16);
  CHECK(t.pools[0].used == 16);  // a 16GiB database on 1GiB pages per node
  CHECK(t.kernel_cmdline == "hugepagesz=1G hugepages=0:16,1:16");
  const std::string text = tuning_text(t);
  CHECK(text.find("echo 16 > /sys/devices/system/node/node1/hugepages/hugepages-1048576kB/nr_hugepages") != std::string::npos);
  const YAML::Node y = YAML::Load(tuning_yaml(t));
  CHECK(y["swap_mib"].as<long>() == 122880);
  CHECK(y["hugepages"][1]["node"].as<int>() == 1);
  CHECK(y["ksm"]["ksmtuned"]["KSM_THRES_COEF"].as<int>() == 20);
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
  const YAML::Node vars = YAML::Load(by_name.at("host_vars/compute-1.yml"));
  REQUIRE(vars["kvmplan_guests"].IsSequence());
  for (const auto& g : vars["kvmplan_guests"]) CHECK(by_name.count("domains/" + g.as<std::string>() + ".xml") == 1);
  CHECK(vars["kvmplan_tuning"]["host"].as<std::string>() == "compute-1");
  const YAML::Node site = YAML::Load(by_name.at("site.yml"));
  const YAML::Node task = site[0]["tasks"][0];
  CHECK(task["community.libvirt.virt"]["command"].as<std::string>() == "define");
  CHECK(task["community.libvirt.virt"]["xml"].as<std::string>() == "{{ lookup('file', 'domains/' + item + '.xml') }}");
  CHECK(task["loop"].as<std::string>() == "{{ kvmplan_guests }}");
  std::size_t guests = 0;
  for (const auto& [name, text] : by_name) guests += name.rfind("domains/", 0) == 0;
  CHECK(guests == 187);
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
  CHECK(std::distance(fs::directory_iterator(dir / "tune"), fs::directory_iterator{}) == 3);  // and the marker
  CHECK(fs::exists(dir / "tune" / ".kvmplan-output"));
}
