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

  static constexpr std::size_t host_key = no_key, node_key = no_key;
  static std::int64_t free(const Capacity&, const Load&) { return 0; }
  static std::int64_t need(const Add&) { return no_need; }
  static std::int64_t demand(const Add&, const BoundContext&) { return 0; }
  static std::int64_t offer(const Capacity&) { return 0; }
};

}  // namespace kvmplan::rules
