#include <map>
#include <sstream>

#include "kvmplan/deploy/host_tuning.hpp"
#include "kvmplan/plan/plan.hpp"

#include <yaml-cpp/yaml.h>

namespace kvmplan {
namespace {

// "1G", "2M", "64K" as the kernel's hugepagesz= takes them.
std::string kernel_size(Bytes size) {
  if (size.value % GiB(1).value == 0) return std::to_string(size.value / GiB(1).value) + "G";
  if (size.value % MiB(1).value == 0) return std::to_string(size.value / MiB(1).value) + "M";
  return std::to_string(size.value / 1024) + "K";
}

}  // namespace

std::vector<HostTuning> host_tuning(const Scenario& scenario, const Plan& plan) {
  const auto figures = plan_figures(scenario, plan);
  const auto by_host = guests_by_host(plan);
  std::vector<HostTuning> out;
  for (std::size_t h = 0; h < plan.hosts.size(); ++h) {
    if (by_host[h].empty()) continue;
    const Host& host = plan.hosts[h];
    HostTuning t;
    t.host = host.name;
    t.figures = figures[h];
    t.ksm = scenario.policy.ksm.enabled;
    t.merge_across_nodes = scenario.policy.ksm.merge_across_nodes;
    // Pages the plan takes per node and size: each hugepage cell's pages on its node.
    std::map<std::pair<int, std::int64_t>, std::int64_t> used;
    for (const GuestOnHost& on : by_host[h]) {
      const GuestSpec& spec = scenario.spec(scenario.guests[on.guest]);
      if (!spec.hugepages) continue;
      const auto cells = split_cells(spec, {}, std::max<int>(1, static_cast<int>(on.nodes.size())));
      for (std::size_t c = 0; c < cells.size(); ++c) {
        const int node = on.nodes.empty() ? 0 : on.nodes[c];
        used[{node, spec.hugepages->value}] += cells[c].pages;
      }
    }
    std::map<std::int64_t, std::string> per_size;  // page size -> "0:4,1:4"
    for (std::size_t n = 0; n < host.nodes.size(); ++n) {
      for (const auto& pool : host.nodes[n].hugepages) {
        const auto u = used.find({static_cast<int>(n), pool.page_size.value});
        t.pools.push_back({host.nodes[n].id, pool.page_size, pool.pages, u == used.end() ? 0 : u->second});
        if (pool.pages == 0) continue;
        std::string& list = per_size[pool.page_size.value];
        list += (list.empty() ? "" : ",") + std::to_string(host.nodes[n].id) + ":" + std::to_string(pool.pages);
      }
    }
    for (const auto& [size, list] : per_size) {
      t.kernel_cmdline += (t.kernel_cmdline.empty() ? "" : " ") + std::string("hugepagesz=") + kernel_size(Bytes{size}) + " hugepages=" + list;
    }
    // No ksmtuned setting to advise: where the plan needs KSM's savings, its guests leave less
    // free memory than the reserve, so ksmtuned's free term starts KSM with its defaults
    // (model/ksm.hpp).
    out.push_back(std::move(t));
  }
  return out;
}

std::string tuning_text(const HostTuning& t) {
  const HostFigures& f = t.figures;
  std::ostringstream o;
  o << "# " << t.host << ": host tuning for the plan (kvmplan)\n\n";
  o << "Swap: create " << to_human(f.swap) << " (" << to_human(f.guest_swap) << " for the guests, " << to_human(f.baseline_swap)
    << " baseline).";
  if (f.declared_swap) o << " The host has " << to_human(*f.declared_swap) << ".";
  o << "\n\nHugepage pools, per node (set at boot, or at run time):\n";
  if (t.pools.empty()) o << "  none\n";
  for (const auto& p : t.pools) {
    o << "  node " << p.node_id << ": " << p.pages << " x " << to_string(p.page_size) << " (the plan uses " << p.used << ")\n";
    o << "    echo " << p.pages << " > /sys/devices/system/node/node" << p.node_id << "/hugepages/hugepages-"
      << p.page_size.value / 1024 << "kB/nr_hugepages\n";
  }
  if (!t.kernel_cmdline.empty()) o << "  kernel command line: " << t.kernel_cmdline << "\n";
  o << "\nKSM: " << (t.ksm ? "enabled (systemctl enable --now ksm ksmtuned)" : "disabled (systemctl disable --now ksm ksmtuned)") << "\n";
  if (t.ksm) {
    o << "  echo " << (t.merge_across_nodes ? 1 : 0) << " > /sys/kernel/mm/ksm/merge_across_nodes   (with no pages shared yet)\n";
    o << "  /etc/ksmtuned.conf: KSM_THRES_COEF=" << t.ksm_thres_coef
      << ", KSM_NPAGES_MAX=1250, KSM_SLEEP_MSEC=10\n";
    o << "  expected: KSM " << (f.ksmtuned.active ? "runs" : "idle") << ", saves " << to_human(f.ksm_savings) << "\n";
  }
  return o.str();
}

void emit_tuning(YAML::Emitter& e, const HostTuning& t) {
  const HostFigures& f = t.figures;
  e << YAML::BeginMap;
  e << YAML::Key << "host" << YAML::Value << YAML::DoubleQuoted << t.host;
  e << YAML::Key << "swap_mib" << YAML::Value << mib_ceil(f.swap);
  e << YAML::Key << "hugepages" << YAML::Value << YAML::BeginSeq;
  for (const auto& p : t.pools) {
    e << YAML::Flow << YAML::BeginMap << YAML::Key << "node" << YAML::Value << p.node_id << YAML::Key << "page_kib" << YAML::Value
      << p.page_size.value / 1024 << YAML::Key << "pages" << YAML::Value << p.pages << YAML::Key << "used" << YAML::Value << p.used
      << YAML::Key << "sysfs" << YAML::Value << YAML::DoubleQuoted
      << "/sys/devices/system/node/node" + std::to_string(p.node_id) + "/hugepages/hugepages-" + std::to_string(p.page_size.value / 1024) +
             "kB/nr_hugepages"
      << YAML::EndMap;
  }
  e << YAML::EndSeq;
  e << YAML::Key << "kernel_cmdline" << YAML::Value << YAML::DoubleQuoted << t.kernel_cmdline;
  e << YAML::Key << "ksm" << YAML::Value << YAML::BeginMap << YAML::Key << "enabled" << YAML::Value << t.ksm << YAML::Key
    << "merge_across_nodes" << YAML::Value << (t.merge_across_nodes ? 1 : 0) << YAML::Key << "ksmtuned" << YAML::Value << YAML::Flow
    << YAML::BeginMap << YAML::Key << "KSM_THRES_COEF" << YAML::Value << t.ksm_thres_coef << YAML::Key << "KSM_NPAGES_MAX" << YAML::Value
    << 1250 << YAML::Key << "KSM_SLEEP_MSEC" << YAML::Value << 10 << YAML::EndMap << YAML::EndMap;
  e << YAML::EndMap;
}

std::string tuning_yaml(const HostTuning& t) {
  YAML::Emitter e;
  e.SetIndent(2);
  emit_tuning(e, t);
  return std::string(e.c_str()) + "\n";
}

}  // namespace kvmplan
