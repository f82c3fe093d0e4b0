#pragma once
// The Ansible layout that puts a plan on its hosts: inventory.yml, host_vars/HOST.yml (the
// guests and the host's tuning), domains/GUEST.xml, and site.yml, which defines the guests with
// community.libvirt.virt (docs/libvirt.md).
#include <string>
#include <utility>
#include <vector>

#include "kvmplan/plan/plan.hpp"
#include "kvmplan/scenario/scenario.hpp"

namespace kvmplan {

// `domains` are (guest, xml) pairs, as export_domains gives them; the result, (path, content).
std::vector<std::pair<std::string, std::string>> ansible_files(const Scenario& scenario, const Plan& plan,
                                                               const std::vector<std::pair<std::string, std::string>>& domains);

}  // namespace kvmplan
