#pragma once
// Resident memory: expected resident memory (use, capped by current_memory, plus QEMU overhead)
// less what KSM saves there <= usable memory, per host and per node, in every slot of the usage
// profiles (the peak slot of the sums decides). Knobs: memory_limit resident or both, usage,
// profiles, ksm.*. Source: docs/model.md section 3 (KSM-aware placement) and section 6.
#include "rules/rule.hpp"

namespace kvmplan::rules {

struct Resident {
  static constexpr RuleId id = RuleId::resident;
  static bool applies(const Policy& p, Scope) { return p.memory_limit != MemoryLimit::committed; }

  static bool holds(const Capacity& c, const Load& l, const Add& a) {
    return (l.resident_with(a) - l.ksm_savings - a.ksm_gain) <= l.usable(c, a.locked);
  }
  static Shortfall shortfall(const Capacity& c, const Load& l, const Add& a);
  static std::string violation(const Capacity& c, const Load& l);

  static constexpr std::size_t host_key = resident_host, node_key = resident_node;
  static std::int64_t free(const Capacity& c, const Load& l) { return (l.usable(c) - l.resident + l.ksm_savings).value; }
  // With the most KSM could save it, and in its valley slot (the host's peak may be elsewhere),
  // so that the need stays a lower bound.
  static std::int64_t need(const Add& a) { return (a.resident_low - a.ksm_gain).value; }

  // Per guest, its valley: the peak of the sums comes into the bound apart (lower_bound.cpp).
  static std::int64_t demand(const Add& a, const BoundContext&) { return a.resident_low.value; }
  static std::int64_t offer(const Capacity& c) { return std::max<std::int64_t>(0, c.room().value); }
};

}  // namespace kvmplan::rules
