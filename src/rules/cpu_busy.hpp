#pragma once
// Busy CPUs: under usage profiles that give `cpu`, the shared guests' busy vCPUs (vCPUs x the
// profile's cpu fraction, summed) <= the shared CPUs (threads), in every slot, per host and
// per node: the CPUs there are, not cpu_ratio x them (cpu_ratio bounds vCPUs given out, which
// stays its own rule; this one bounds the work they do at once). Knobs: profiles' cpu.
// Source: docs/model.md section 6.
#include "rules/rule.hpp"

namespace kvmplan::rules {

struct CpuBusy {
  static constexpr RuleId id = RuleId::cpu_busy;
  static bool applies(const Policy&, Scope) { return true; }

  // The shared CPUs in thousandths, with pins taken out of them (pins_from_shared).
  static std::int64_t budget(const Capacity& c, const Load& l, std::int64_t more_pinned = 0) {
    return 1000 * l.shared_pcpus(c, more_pinned);
  }
  static bool holds(const Capacity& c, const Load& l, const Add& a) {
    if (!a.busy_slots && l.busy.empty()) return true;  // no CPU profile here: the common case
    return l.busy_with(a) <= budget(c, l, c.pins_from_shared ? a.pinned : 0);
  }
  static Shortfall shortfall(const Capacity& c, const Load& l, const Add& a);
  static std::string violation(const Capacity& c, const Load& l);

  // No index budget: a rule of the few scenarios whose profiles give cpu.
  static constexpr std::size_t host_key = no_key, node_key = no_key;
  static std::int64_t free(const Capacity&, const Load&) { return 0; }
  static std::int64_t need(const Add&) { return no_need; }
  static std::int64_t demand(const Add&, const BoundContext&) { return 0; }
  static std::int64_t offer(const Capacity&) { return 0; }
};

}  // namespace kvmplan::rules
