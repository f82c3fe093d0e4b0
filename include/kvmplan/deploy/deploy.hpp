#pragma once
// Putting a plan on hosts: each host's tuning (swap, hugepage pools, KSM), and an Ansible
// layout that defines the guests with community.libvirt.virt (docs/libvirt.md).
#include <string>
#include <utility>
#include <vector>

#include "kvmplan/model/model.hpp"
#include "kvmplan/model/cells.hpp"
#include "kvmplan/plan/plan.hpp"

namespace kvmplan {

struct HostTuning {
  std::string host;
  HostFigures figures;
  struct Pool {
    int node_id;
    Bytes page_size;
    std::int64_t pages;     // the pool the plan counts on (the host's, as the scenario gives it)
    std::int64_t used;      // pages the plan's guests take
  };
  std::vector<Pool> pools;
  std::string kernel_cmdline;  // "hugepagesz=1G hugepages=0:4,1:4"
  bool ksm = true;
  bool merge_across_nodes = true;
  int ksm_thres_coef = 20;     // ksmtuned.conf KSM_THRES_COEF; lowered where KSM is needed but would not start
};

std::vector<HostTuning> host_tuning(const Scenario& scenario, const Plan& plan);

// Plain text a person reviews, and YAML a script applies.
std::string tuning_text(const HostTuning& t);
std::string tuning_yaml(const HostTuning& t);

// The Ansible layout: inventory.yml, host_vars/HOST.yml, domains/GUEST.xml, site.yml.
// `domains` are (guest, xml) pairs, as export_domains gives them.
std::vector<std::pair<std::string, std::string>> ansible_files(const Scenario& scenario, const Plan& plan,
                                                               const std::vector<std::pair<std::string, std::string>>& domains);

}  // namespace kvmplan
