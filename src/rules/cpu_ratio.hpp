#pragma once
// CPU ratio: shared vCPUs <= floor(cpu_ratio x shared CPUs), per host and per node, where the
// shared CPUs are those neither reserved nor dedicated, less the CPUs pinned guests take out of
// them when the host has no dedicated set: a pin that would leave the shared vCPUs there over
// the ratio does not fit either. Knobs: cpu_ratio (policy, or the host's own). Source: Nova's
// cpu_allocation_ratio, per NUMA cell; RHEL guides (docs/model.md section 4).
#include "rules/rule.hpp"

namespace kvmplan::rules {

struct CpuRatio {
  static constexpr RuleId id = RuleId::cpu_ratio;
  static bool applies(const Policy&, Scope) { return true; }

  static std::int64_t budget(const Capacity& c, const Load& l, std::int64_t more_pinned = 0) {
    const std::int64_t pcpus = l.shared_pcpus(c, more_pinned);
    return more_pinned == 0 ? l.cpu_budget.of(c.cpu_ratio, pcpus) : (pcpus <= 0 ? 0 : c.cpu_ratio.floor_times(pcpus));
  }
  static bool holds(const Capacity& c, const Load& l, const Add& a) {
    return l.shared_vcpus + a.shared_vcpus <= budget(c, l, c.pins_from_shared ? a.pinned : 0);
  }
  static Shortfall shortfall(const Capacity& c, const Load& l, const Add& a);
  static std::string violation(const Capacity& c, const Load& l);

  static constexpr std::size_t host_key = cpu_host, node_key = cpu_node;
  static std::int64_t free(const Capacity& c, const Load& l) { return budget(c, l) - l.shared_vcpus; }
  static std::int64_t need(const Add& a) { return a.shared_vcpus == 0 ? no_need : a.shared_vcpus; }

  static std::int64_t demand(const Add& a, const BoundContext&) { return a.shared_vcpus; }
  static std::int64_t offer(const Capacity& c) { return c.cpu_ratio.floor_times(c.shared_cpus); }
};

}  // namespace kvmplan::rules
