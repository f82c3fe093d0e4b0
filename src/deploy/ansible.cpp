#include "kvmplan/deploy/ansible.hpp"

#include <map>

#include <yaml-cpp/yaml.h>

#include "kvmplan/deploy/host_tuning.hpp"

namespace kvmplan {

std::vector<std::pair<std::string, std::string>> ansible_files(const Scenario& scenario, const Plan& plan,
                                                               const std::vector<std::pair<std::string, std::string>>& domains) {
  std::vector<std::pair<std::string, std::string>> files;
  const auto tuning = host_tuning(scenario, plan);
  YAML::Emitter inventory;
  inventory.SetIndent(2);
  inventory << YAML::Comment("kvmplan: the hosts of the plan") << YAML::Newline;
  inventory << YAML::BeginMap << YAML::Key << "all" << YAML::Value << YAML::BeginMap << YAML::Key << "children" << YAML::Value
            << YAML::BeginMap << YAML::Key << "kvm_hosts" << YAML::Value << YAML::BeginMap << YAML::Key << "hosts" << YAML::Value
            << YAML::BeginMap;
  for (const auto& t : tuning) inventory << YAML::Key << t.host << YAML::Value << YAML::Flow << YAML::BeginMap << YAML::EndMap;
  inventory << YAML::EndMap << YAML::EndMap << YAML::EndMap << YAML::EndMap << YAML::EndMap;
  files.emplace_back("inventory.yml", std::string(inventory.c_str()) + "\n");
  const auto by_host = guests_by_host(plan);
  std::map<std::string, std::size_t> host_index;
  for (std::size_t h = 0; h < plan.hosts.size(); ++h) host_index.emplace(plan.hosts[h].name, h);
  for (const auto& t : tuning) {
    YAML::Emitter vars;
    vars.SetIndent(2);
    vars << YAML::Comment("kvmplan: what " + t.host + " runs, and its tuning") << YAML::Newline;
    vars << YAML::BeginMap << YAML::Key << "kvmplan_guests" << YAML::Value << YAML::BeginSeq;
    for (const GuestOnHost& on : by_host[host_index.at(t.host)]) vars << YAML::DoubleQuoted << scenario.guests[on.guest].name;
    vars << YAML::EndSeq << YAML::Key << "kvmplan_tuning" << YAML::Value;
    emit_tuning(vars, t);
    vars << YAML::EndMap;
    files.emplace_back("host_vars/" + t.host + ".yml", std::string(vars.c_str()) + "\n");
  }
  for (const auto& [guest, xml] : domains) files.emplace_back("domains/" + guest + ".xml", xml);
  files.emplace_back("site.yml", R"(# kvmplan: define each host's planned guests with community.libvirt
#   ansible-galaxy collection install community.libvirt
#   ansible-playbook -i inventory.yml site.yml
- hosts: kvm_hosts
  tasks:
    - name: define the guests kvmplan placed on this host
      community.libvirt.virt:
        command: define
        xml: "{{ lookup('file', 'domains/' + item + '.xml') }}"
      loop: "{{ kvmplan_guests }}"
)");
  return files;
}

}  // namespace kvmplan
