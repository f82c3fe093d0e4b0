// What every reader of a plan shares: which CPUs a placed guest may run on, the guests of
// each host, and each host's figures.
#include "kvmplan/plan/plan.hpp"

namespace kvmplan {

CpuSet Plan::cpuset(std::uint32_t guest, int vcpus) const {
  const Placement& p = placements[guest];
  CpuSet out;
  if (p.host < 0) return out;
  if (!p.vcpupin.empty()) {
    for (std::size_t i = 0; i < p.vcpupin.size() && static_cast<int>(i) < vcpus; ++i) out.insert(p.vcpupin[i]);
    return out;
  }
  const Host& h = hosts[static_cast<std::size_t>(p.host)];
  if (p.nodes.empty()) {
    out = h.shared_cpus();
  } else {
    for (int n : p.nodes) out = out | h.nodes[static_cast<std::size_t>(n)].cpus;
    out = out - h.reserved_cpus - h.dedicated_cpus;
  }
  return out - pinned[static_cast<std::size_t>(p.host)];
}

int Plan::emulator_cpu(std::uint32_t guest, int vcpus) const {
  const Placement& p = placements[guest];
  return p.host >= 0 && static_cast<int>(p.vcpupin.size()) > vcpus ? p.vcpupin[static_cast<std::size_t>(vcpus)] : -1;
}

std::vector<std::vector<GuestOnHost>> guests_by_host(const Plan& plan) {
  std::vector<std::vector<GuestOnHost>> out(plan.hosts.size());
  for (std::uint32_t g = 0; g < plan.placements.size(); ++g) {
    const Placement& p = plan.placements[g];
    if (p.host >= 0) out[static_cast<std::size_t>(p.host)].push_back({g, p.nodes});
  }
  return out;
}

std::vector<HostFigures> plan_figures(const Scenario& scenario, const Plan& plan) {
  const auto by_host = guests_by_host(plan);
  std::vector<HostFigures> out;
  out.reserve(plan.hosts.size());
  for (std::size_t h = 0; h < plan.hosts.size(); ++h) out.push_back(size_host(scenario, plan.hosts[h], by_host[h]));
  return out;
}

}  // namespace kvmplan
