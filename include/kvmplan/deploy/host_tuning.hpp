#pragma once
// What each host needs for a plan to hold, in a form that survives a reboot: hugepage pools
// (kernel command line or a boot unit), a hugetlbfs mount per page size, KSM (ksmtuned.conf and
// a unit for merge_across_nodes), swap (commands and an fstab line) and vm.swappiness
// (docs/libvirt.md, "Host tuning").
#include <string>
#include <vector>

#include "kvmplan/model/model.hpp"
#include "kvmplan/model/cells.hpp"
#include "kvmplan/plan/plan.hpp"

namespace YAML {
class Emitter;
}  // namespace YAML

namespace kvmplan {

// The per-node form `hugepages=0:4,1:4` arrived in Linux 5.16 (commit b5389086ad7b,
// "hugetlbfs: extend the definition of hugepages parameter to support node allocation");
// older kernels do not read it.
inline constexpr std::pair<int, int> per_node_hugepages_since{5, 16};

// The swap file host tuning creates (a partition instead: see the text).
inline constexpr const char* swap_file = "/swapfile.kvmplan";
inline constexpr int swap_priority = 10;

// A file host tuning installs: absolute path, content, mode, and what applies it.
struct TuningFile {
  enum class Kind { grub, unit, sysctl, ksmtuned };
  std::string path;
  std::string content;
  std::string mode;  // "0644"
  Kind kind;
};

struct HostTuning {
  std::string host;
  std::string address;  // the scenario's `address:`, or empty
  HostFigures figures;
  struct Pool {
    int node_id;
    Bytes page_size;
    std::int64_t pages;     // the pool to reserve: what the plan uses (with ha: the host's whole pool)
    std::int64_t used;      // pages the plan's guests take
    std::int64_t declared;  // the host's pool as the scenario gives it
  };
  std::vector<Pool> pools;              // only pools of at least one page
  std::vector<Bytes> page_sizes;        // of those pools, ascending
  bool per_node_cmdline = true;         // kernel_version >= 5.16: pools on the command line
  std::string kernel_cmdline;           // "default_hugepagesz=1G hugepagesz=1G hugepages=0:4,1:4"
  bool ksm = true;
  bool merge_across_nodes = true;
  int ksm_thres_coef = 20;              // ksmtuned.conf KSM_THRES_COEF
  Bytes swap_to_create;                 // swap beyond what the host has (all of it when it declares none)
  int swappiness = 10;
  std::vector<TuningFile> files;        // in path order
  std::vector<std::string> units;       // systemd units to enable and start, in order
};

std::vector<HostTuning> host_tuning(const Scenario& scenario, const Plan& plan);

// "1G", "2M", "64K" as the kernel's hugepagesz= and hugetlbfs' pagesize= take them.
std::string kernel_size(Bytes size);

// The swap commands, one a line, for a file of `t.swap_to_create` (none when it is 0).
std::vector<std::string> swap_commands(const HostTuning& t);

// Plain text a person reviews, and YAML a script applies.
std::string tuning_text(const HostTuning& t);
std::string tuning_yaml(const HostTuning& t);

// The tuning as a YAML mapping, into an emitter that quotes strings (Ansible reads "true" and
// "0:4" as values of their own otherwise); the host_vars of the Ansible layout embed it.
void emit_tuning(YAML::Emitter& e, const HostTuning& t);

}  // namespace kvmplan
