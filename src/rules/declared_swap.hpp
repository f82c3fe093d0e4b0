#pragma once
// Declared swap: a host that says how much swap it has needs no more guest swap than it has
// beyond the baseline: guest swap <= swap - baseline swap, where guest swap is the larger of
// committed - usable (at least 0) and its nodes' guest swap summed (docs/model.md). Host only.
// Source: spec section 3 (committed + reserve + pinned <= RAM - hugepages + swap - baseline).
#include "rules/rule.hpp"

namespace kvmplan::rules {

struct DeclaredSwap {
  static constexpr RuleId id = RuleId::declared_swap;
  static bool applies(const Policy&, Scope s) { return s == Scope::host; }

  // Guest swap of the host once `a` joins (node_swap: the nodes' sum, as the counter keeps it).
  static Bytes guest_swap(const Capacity& c, const Load& l, const Add& a) {
    return max(max(Bytes{}, l.committed + a.committed - l.usable(c, a.locked)), l.node_swap + a.node_swap_gain);
  }
  static bool holds(const Capacity& c, const Load& l, const Add& a) { return !c.swap || guest_swap(c, l, a) <= *c.swap - c.baseline_swap; }
  static Shortfall shortfall(const Capacity& c, const Load& l, const Add& a);
  static std::string violation(const Capacity& c, const Load& l);

  static constexpr std::size_t host_key = no_key, node_key = no_key;
  static std::int64_t free(const Capacity&, const Load&) { return 0; }
  static std::int64_t need(const Add&) { return no_need; }
  static std::int64_t demand(const Add&, const BoundContext&) { return 0; }
  static std::int64_t offer(const Capacity&) { return 0; }
};

}  // namespace kvmplan::rules
