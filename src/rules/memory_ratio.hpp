#pragma once
// Memory ratio: committed <= floor(memory_ratio x usable), per host and per node, where usable
// = RAM - hugepage pools - locked - reserve (the node's share of it). Nothing usable allows
// nothing committed. Knobs: memory_ratio (policy, or the host's own), memory_limit committed or
// both. Sources: the RHEL overcommit rule; Nova's ram_allocation_ratio, per NUMA cell.
#include "rules/rule.hpp"

namespace kvmplan::rules {

struct MemoryRatio {
  static constexpr RuleId id = RuleId::memory_ratio;
  static bool applies(const Policy& p, Scope) { return p.memory_limit != MemoryLimit::resident; }

  // floor(ratio x usable), 0 when nothing is usable.
  static std::int64_t budget(const Capacity& c, const Load& l, Bytes more_locked = {}) {
    const Bytes usable = l.usable(c, more_locked);
    return more_locked.value == 0 ? l.memory_budget.of(c.memory_ratio, usable.value)
                                  : (usable.value <= 0 ? 0 : c.memory_ratio.scale_down(usable).value);
  }
  static bool holds(const Capacity& c, const Load& l, const Add& a) {
    return l.committed.value + a.committed.value <= budget(c, l, a.locked);
  }
  static Shortfall shortfall(const Capacity& c, const Load& l, const Add& a);
  static std::string violation(const Capacity& c, const Load& l);

  static constexpr std::size_t host_key = committed_host, node_key = committed_node;
  static std::int64_t free(const Capacity& c, const Load& l) { return budget(c, l) - l.committed.value; }
  static std::int64_t need(const Add& a) { return a.committed.value; }

  // Locked memory shrinks usable memory: committed + ratio x locked <= ratio x room.
  static std::int64_t demand(const Add& a, const BoundContext& b) {
    return a.committed.value + b.narrowest_memory_ratio.scale_down(a.locked).value;
  }
  static std::int64_t offer(const Capacity& c) { return c.room().value <= 0 ? 0 : c.memory_ratio.scale_down(c.room()).value; }
};

}  // namespace kvmplan::rules
