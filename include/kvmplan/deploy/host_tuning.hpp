#pragma once
// What each host needs for a plan to hold: swap, hugepage pools, KSM (docs/libvirt.md).
#include <string>
#include <vector>

#include "kvmplan/model/model.hpp"
#include "kvmplan/model/cells.hpp"
#include "kvmplan/plan/plan.hpp"

namespace YAML {
class Emitter;
}  // namespace YAML

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

// The tuning as a YAML mapping, into an emitter that quotes strings (Ansible reads "true" and
// "0:4" as values of their own otherwise); the host_vars of the Ansible layout embed it.
void emit_tuning(YAML::Emitter& e, const HostTuning& t);

}  // namespace kvmplan
