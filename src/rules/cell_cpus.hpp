#pragma once
// Cell CPUs: one shared guest cell has no more vCPUs than its node has shared CPUs (not
// reserved, not dedicated), whatever the CPU ratio. Nodes only, numa strict or preferred.
// Source: Nova, "one guest cell is never larger than one host node".
#include "rules/rule.hpp"

namespace kvmplan::rules {

struct CellCpus {
  static constexpr RuleId id = RuleId::cell_cpus;
  static bool applies(const Policy& p, Scope s) { return s == Scope::node && p.numa != NumaMode::none; }

  static bool holds(const Capacity& c, const Load&, const Add& a) { return a.shared_vcpus == 0 || a.shared_vcpus <= c.shared_cpus; }
  static Shortfall shortfall(const Capacity& c, const Load& l, const Add& a);
  static std::string violation(const Capacity&, const Load&) { return {}; }  // checked per guest

  // The index keeps the most shared CPUs of any node, against the guest's smallest cell.
  static constexpr std::size_t host_key = cell_cpus_host, node_key = cell_cpus_node;
  static std::int64_t free(const Capacity& c, const Load&) { return c.shared_cpus; }
  static std::int64_t need(const Add& a) { return a.shared_vcpus == 0 ? no_need : a.shared_vcpus; }
  static std::int64_t demand(const Add&, const BoundContext&) { return 0; }
  static std::int64_t offer(const Capacity&) { return 0; }
};

}  // namespace kvmplan::rules
