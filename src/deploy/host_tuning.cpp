#include <algorithm>
#include <map>
#include <sstream>

#include "kvmplan/deploy/host_tuning.hpp"
#include "kvmplan/plan/plan.hpp"

#include <yaml-cpp/yaml.h>

namespace kvmplan {
namespace {

std::string sysfs_pool(int node_id, Bytes page_size) {
  return "/sys/devices/system/node/node" + std::to_string(node_id) + "/hugepages/hugepages-" + std::to_string(page_size.value / 1024) +
         "kB/nr_hugepages";
}

std::string mount_point(Bytes page_size) { return "/dev/hugepages" + kernel_size(page_size); }

// systemd names a mount unit after its path: /dev/hugepages1G -> dev-hugepages1G.mount.
std::string mount_unit(Bytes page_size) { return "dev-hugepages" + kernel_size(page_size) + ".mount"; }

const char* const hugepages_unit = "kvmplan-hugepages.service";
const char* const ksm_unit = "kvmplan-ksm.service";

// Pools at boot on kernels before 5.16: a oneshot that writes each node's count before
// sysinit.target, while memory is least fragmented (1GiB pages may still fall short: the text says so).
std::string hugepages_unit_text(const HostTuning& t) {
  std::ostringstream o;
  o << "# kvmplan: hugepage pools per NUMA node at boot (kernel " << "older than 5.16: no per-node hugepages= on the command line)\n"
    << "[Unit]\n"
    << "Description=kvmplan hugepage pools per NUMA node\n"
    << "DefaultDependencies=no\n"
    << "After=systemd-modules-load.service\n"
    << "Before=sysinit.target libvirtd.service\n"
    << "ConditionPathExists=/sys/devices/system/node\n\n"
    << "[Service]\n"
    << "Type=oneshot\n"
    << "RemainAfterExit=yes\n";
  for (const auto& p : t.pools) o << "ExecStart=/bin/sh -c 'echo " << p.pages << " > " << sysfs_pool(p.node_id, p.page_size) << "'\n";
  o << "\n[Install]\n"
    << "WantedBy=sysinit.target\n";
  return o.str();
}

std::string mount_unit_text(Bytes page_size) {
  const std::string size = kernel_size(page_size);
  std::ostringstream o;
  o << "# kvmplan: a hugetlbfs mount for " << size << " pages; libvirt looks for a mount of the guest's page size\n"
    << "[Unit]\n"
    << "Description=kvmplan hugetlbfs for " << size << " pages\n"
    << "DefaultDependencies=no\n"
    << "Before=sysinit.target libvirtd.service\n"
    << "ConditionPathExists=/sys/kernel/mm/hugepages/hugepages-" << page_size.value / 1024 << "kB\n\n"
    << "[Mount]\n"
    << "What=hugetlbfs\n"
    << "Where=" << mount_point(page_size) << "\n"
    << "Type=hugetlbfs\n"
    << "Options=pagesize=" << size << "\n\n"
    << "[Install]\n"
    << "WantedBy=sysinit.target\n";
  return o.str();
}

// merge_across_nodes changes only while KSM holds no merged pages: unmerge (run=2) first, and
// only when the value differs (unmerging a running host's pages costs memory). ksmtuned sets
// run=1 again on its next pass.
std::string ksm_unit_text(const HostTuning& t) {
  const int want = t.merge_across_nodes ? 1 : 0;
  std::ostringstream o;
  o << "# kvmplan: KSM merge_across_nodes=" << want << " (written with run=2 first, or the kernel answers EBUSY)\n"
    << "[Unit]\n"
    << "Description=kvmplan KSM merge_across_nodes=" << want << "\n"
    << "Before=ksmtuned.service libvirtd.service\n"
    << "ConditionPathExists=/sys/kernel/mm/ksm/merge_across_nodes\n\n"
    << "[Service]\n"
    << "Type=oneshot\n"
    << "RemainAfterExit=yes\n"
    << "ExecStart=/bin/sh -c 'cd /sys/kernel/mm/ksm && if [ \"$(cat merge_across_nodes)\" != " << want << " ]; then echo 2 > run && echo "
    << want << " > merge_across_nodes; fi'\n\n"
    << "[Install]\n"
    << "WantedBy=multi-user.target\n";
  return o.str();
}

// ksmtuned's own defaults but for KSM_THRES_COEF (docs/domain.md, section 5).
std::string ksmtuned_text(const HostTuning& t) {
  std::ostringstream o;
  o << "# kvmplan: ksmtuned for the plan (KSM starts when free memory falls below KSM_THRES_COEF % of RAM)\n"
    << "KSM_MONITOR_INTERVAL=60\n"
    << "KSM_SLEEP_MSEC=10\n"
    << "KSM_NPAGES_BOOST=300\n"
    << "KSM_NPAGES_DECAY=-50\n"
    << "KSM_NPAGES_MIN=64\n"
    << "KSM_NPAGES_MAX=1250\n"
    << "KSM_THRES_COEF=" << t.ksm_thres_coef << "\n"
    << "KSM_THRES_CONST=2048\n";
  return o.str();
}

const char* kind_name(TuningFile::Kind k) {
  switch (k) {
    case TuningFile::Kind::grub: return "grub";
    case TuningFile::Kind::unit: return "unit";
    case TuningFile::Kind::sysctl: return "sysctl";
    case TuningFile::Kind::ksmtuned: return "ksmtuned";
  }
  return "";
}

void add_files(HostTuning& t) {
  using Kind = TuningFile::Kind;
  if (!t.kernel_cmdline.empty()) {
    // One line per page size: short lines however many nodes (update-grub reads grub.d/*.cfg).
    std::string text = "# kvmplan: hugepages reserved at boot (update-grub, then reboot)\n";
    std::size_t at = 0;
    while (at < t.kernel_cmdline.size()) {
      std::size_t next = t.kernel_cmdline.find(" hugepagesz=", at + 1);
      if (next == std::string::npos) next = t.kernel_cmdline.size();
      const std::size_t from = t.kernel_cmdline[at] == ' ' ? at + 1 : at;
      text += "GRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT " + t.kernel_cmdline.substr(from, next - from) + "\"\n";
      at = next;
    }
    t.files.push_back({"/etc/default/grub.d/kvmplan.cfg", text, "0644", Kind::grub});
  }
  for (const Bytes size : t.page_sizes) {
    t.files.push_back({"/etc/systemd/system/" + mount_unit(size), mount_unit_text(size), "0644", Kind::unit});
    t.units.push_back(mount_unit(size));
  }
  if (!t.pools.empty() && !t.per_node_cmdline) {
    t.files.push_back({std::string("/etc/systemd/system/") + hugepages_unit, hugepages_unit_text(t), "0644", Kind::unit});
    t.units.push_back(hugepages_unit);
  }
  if (t.ksm) {
    t.files.push_back({"/etc/ksmtuned.conf", ksmtuned_text(t), "0644", Kind::ksmtuned});
    t.files.push_back({std::string("/etc/systemd/system/") + ksm_unit, ksm_unit_text(t), "0644", Kind::unit});
    t.units.push_back(ksm_unit);
  }
  t.files.push_back({"/etc/sysctl.d/90-kvmplan.conf",
                     "# kvmplan: swap only under pressure; guests' memory stays in RAM before the page cache does\n"
                     "vm.swappiness = " +
                         std::to_string(t.swappiness) + "\n",
                     "0644", Kind::sysctl});
  std::sort(t.files.begin(), t.files.end(), [](const TuningFile& a, const TuningFile& b) { return a.path < b.path; });
}

}  // namespace

std::string kernel_size(Bytes size) {
  if (size.value % GiB(1).value == 0) return std::to_string(size.value / GiB(1).value) + "G";
  if (size.value % MiB(1).value == 0) return std::to_string(size.value / MiB(1).value) + "M";
  return std::to_string(size.value / 1024) + "K";
}

std::vector<HostTuning> host_tuning(const Scenario& scenario, const Plan& plan) {
  const auto figures = plan_figures(scenario, plan);
  const auto by_host = guests_by_host(plan);
  const bool ha = scenario.policy.ha.host_failures > 0 || scenario.policy.ha.zone_failures > 0;
  std::vector<HostTuning> out;
  for (std::size_t h = 0; h < plan.hosts.size(); ++h) {
    if (by_host[h].empty()) continue;
    const Host& host = plan.hosts[h];
    HostTuning t;
    t.host = host.name;
    t.address = host.address;
    t.figures = figures[h];
    t.ksm = scenario.policy.ksm.enabled;
    t.merge_across_nodes = scenario.policy.ksm.merge_across_nodes;
    t.swappiness = scenario.policy.swappiness;
    t.per_node_cmdline = scenario.policy.kernel_version >= per_node_hugepages_since;
    t.swap_to_create = t.figures.declared_swap ? t.figures.swap_deficit : t.figures.swap;
    const std::vector<PagesUsed> used = hugepages_used(scenario, by_host[h]);
    // Pools as large as the plan uses; under ha the host's whole pool, which the plan's
    // failure check counts on for the guests that restart here. Empty pools are not written.
    std::map<std::int64_t, std::string> per_size;  // page size -> "0:4,1:4"
    for (std::size_t n = 0; n < host.nodes.size(); ++n) {
      for (const auto& pool : host.nodes[n].hugepages) {
        const std::int64_t use = pages_used(used, n, pool.page_size);
        const std::int64_t pages = ha ? std::max(use, pool.pages) : use;
        if (pages == 0) continue;
        t.pools.push_back({host.nodes[n].id, pool.page_size, pages, use, pool.pages});
        std::string& list = per_size[pool.page_size.value];
        list += (list.empty() ? "" : ",") + std::to_string(host.nodes[n].id) + ":" + std::to_string(pages);
      }
    }
    for (const auto& [size, list] : per_size) t.page_sizes.push_back(Bytes{size});
    if (!t.page_sizes.empty()) {
      // The largest size in use is the default: systemd's own /dev/hugepages mount takes it.
      t.kernel_cmdline = "default_hugepagesz=" + kernel_size(t.page_sizes.back());
      for (const auto& [size, list] : per_size) {
        t.kernel_cmdline += " hugepagesz=" + kernel_size(Bytes{size});
        if (t.per_node_cmdline) t.kernel_cmdline += " hugepages=" + list;
      }
    }
    add_files(t);
    out.push_back(std::move(t));
  }
  return out;
}

std::vector<std::string> swap_commands(const HostTuning& t) {
  if (t.swap_to_create.value <= 0) return {};
  const std::string file = swap_file, pri = std::to_string(swap_priority);
  return {"fallocate -l " + std::to_string(mib_ceil(t.swap_to_create)) + "M " + file,
          "chmod 600 " + file,
          "mkswap " + file,
          "swapon --priority " + pri + " " + file,
          "echo '" + file + " none swap sw,pri=" + pri + " 0 0' >> /etc/fstab"};
}

std::string tuning_text(const HostTuning& t) {
  const HostFigures& f = t.figures;
  std::ostringstream o;
  o << "# " << t.host << ": host tuning for the plan (kvmplan)\n\n";
  o << "Swap: " << to_human(f.swap) << " (" << to_human(f.guest_swap) << " for the guests, " << to_human(f.baseline_swap)
    << " baseline).";
  if (f.declared_swap) o << " The host has " << to_human(*f.declared_swap) << ".";
  if (t.swap_to_create.value > 0) {
    o << " Create " << to_human(t.swap_to_create) << ":\n";
    for (const auto& c : swap_commands(t)) o << "  " << c << "\n";
    o << "  (a file on ext4 or XFS; on btrfs use `btrfs filesystem mkswapfile`. A partition instead: mkswap /dev/PART,\n"
         "  swapon --priority "
      << swap_priority << " /dev/PART and 'UUID=... none swap sw,pri=" << swap_priority << " 0 0' in /etc/fstab)\n";
  } else {
    o << " Nothing to create.\n";
  }
  o << "  vm.swappiness = " << t.swappiness << " (/etc/sysctl.d/90-kvmplan.conf; sysctl --system)\n";
  o << "\nHugepage pools, per node (as large as the plan uses; under ha the host's whole pool):\n";
  if (t.pools.empty()) o << "  none\n";
  for (const auto& p : t.pools) {
    o << "  node " << p.node_id << ": " << p.pages << " x " << to_string(p.page_size) << " (the plan uses " << p.used << ", the host declares "
      << p.declared << ")\n";
  }
  if (!t.kernel_cmdline.empty()) {
    o << "  kernel command line: " << t.kernel_cmdline << "\n";
    o << "    (/etc/default/grub.d/kvmplan.cfg, then update-grub and a reboot)\n";
    if (!t.per_node_cmdline && !t.pools.empty()) {
      o << "  kernel_version is before 5.16, which has no per-node hugepages=: " << hugepages_unit
        << " writes the counts early at boot\n"
           "    (1GiB pages allocated after boot may fall short on fragmented memory: check nr_hugepages)\n";
    }
    for (const Bytes size : t.page_sizes) o << "  hugetlbfs for " << kernel_size(size) << " pages: " << mount_point(size) << " (" << mount_unit(size) << ")\n";
    o << "  then restart libvirtd, which finds hugetlbfs mounts when it starts\n";
  }
  o << "\nKSM: " << (t.ksm ? "enabled (systemctl enable --now ksmtuned)" : "disabled (systemctl disable --now ksmtuned; echo 2 > /sys/kernel/mm/ksm/run)")
    << "\n";
  if (t.ksm) {
    o << "  merge_across_nodes=" << (t.merge_across_nodes ? 1 : 0) << " by " << ksm_unit << " (run=2 first, or EBUSY)\n";
    o << "  /etc/ksmtuned.conf: KSM_THRES_COEF=" << t.ksm_thres_coef << ", KSM_NPAGES_MAX=1250, KSM_SLEEP_MSEC=10\n";
    o << "  expected: KSM " << (f.ksmtuned.active ? "runs" : "idle") << ", saves " << to_human(f.ksm_savings) << "\n";
  }
  o << "\nFiles (also in the directory " << t.host << "/ beside this one):\n";
  for (const auto& file : t.files) o << "  " << file.path << "\n";
  if (!t.units.empty()) {
    o << "\nThen: systemctl daemon-reload && systemctl enable --now";
    for (const auto& u : t.units) o << " " << u;
    o << "\n";
  }
  return o.str();
}

void emit_tuning(YAML::Emitter& e, const HostTuning& t) {
  const HostFigures& f = t.figures;
  e << YAML::BeginMap;
  e << YAML::Key << "host" << YAML::Value << YAML::DoubleQuoted << t.host;
  e << YAML::Key << "swap_mib" << YAML::Value << mib_ceil(f.swap);
  e << YAML::Key << "swap" << YAML::Value << YAML::BeginMap << YAML::Key << "create_mib" << YAML::Value << mib_ceil(t.swap_to_create)
    << YAML::Key << "file" << YAML::Value << YAML::DoubleQuoted << swap_file << YAML::Key << "priority" << YAML::Value << swap_priority
    << YAML::Key << "swappiness" << YAML::Value << t.swappiness << YAML::EndMap;
  e << YAML::Key << "hugepages" << YAML::Value << YAML::BeginSeq;
  for (const auto& p : t.pools) {
    e << YAML::Flow << YAML::BeginMap << YAML::Key << "node" << YAML::Value << p.node_id << YAML::Key << "page_kib" << YAML::Value
      << p.page_size.value / 1024 << YAML::Key << "pages" << YAML::Value << p.pages << YAML::Key << "used" << YAML::Value << p.used
      << YAML::Key << "sysfs" << YAML::Value << YAML::DoubleQuoted << sysfs_pool(p.node_id, p.page_size) << YAML::EndMap;
  }
  e << YAML::EndSeq;
  e << YAML::Key << "kernel_cmdline" << YAML::Value << YAML::DoubleQuoted << t.kernel_cmdline;
  e << YAML::Key << "ksm" << YAML::Value << YAML::BeginMap << YAML::Key << "enabled" << YAML::Value << t.ksm << YAML::Key
    << "merge_across_nodes" << YAML::Value << (t.merge_across_nodes ? 1 : 0) << YAML::Key << "ksmtuned" << YAML::Value << YAML::Flow
    << YAML::BeginMap << YAML::Key << "KSM_THRES_COEF" << YAML::Value << t.ksm_thres_coef << YAML::Key << "KSM_NPAGES_MAX" << YAML::Value
    << 1250 << YAML::Key << "KSM_SLEEP_MSEC" << YAML::Value << 10 << YAML::EndMap << YAML::EndMap;
  e << YAML::Key << "files" << YAML::Value << YAML::BeginSeq;
  for (const auto& file : t.files) {
    e << YAML::BeginMap << YAML::Key << "path" << YAML::Value << YAML::DoubleQuoted << file.path << YAML::Key << "kind" << YAML::Value
      << YAML::DoubleQuoted << kind_name(file.kind) << YAML::Key << "mode" << YAML::Value << YAML::DoubleQuoted << file.mode << YAML::Key
      << "content" << YAML::Value << YAML::Literal << file.content << YAML::EndMap;
  }
  e << YAML::EndSeq;
  e << YAML::Key << "units" << YAML::Value << YAML::BeginSeq;
  for (const auto& u : t.units) e << YAML::DoubleQuoted << u;
  e << YAML::EndSeq;
  e << YAML::EndMap;
}

std::string tuning_yaml(const HostTuning& t) {
  YAML::Emitter e;
  e.SetIndent(2);
  emit_tuning(e, t);
  return std::string(e.c_str()) + "\n";
}

}  // namespace kvmplan
