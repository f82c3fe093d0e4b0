#pragma once
// Locked memory (locked or device-assigned guests: never swapped, never overcommitted) <= RAM -
// hugepage pools - the reserve, per host and per node: locked memory and the host's own stay in
// RAM. Source: RHEL 9 (no memory overcommit with device assignment).
#include "rules/rule.hpp"

namespace kvmplan::rules {

struct Locked {
  static constexpr RuleId id = RuleId::locked;
  static bool applies(const Policy&, Scope) { return true; }

  static bool holds(const Capacity& c, const Load& l, const Add& a) { return l.locked + a.locked <= c.room(); }
  static Shortfall shortfall(const Capacity& c, const Load& l, const Add& a);
  static std::string violation(const Capacity& c, const Load& l);

  static constexpr std::size_t host_key = locked_host, node_key = locked_node;
  static std::int64_t free(const Capacity& c, const Load& l) { return (c.room() - l.locked).value; }
  static std::int64_t need(const Add& a) { return a.locked.value == 0 ? no_need : a.locked.value; }

  static std::int64_t demand(const Add& a, const BoundContext&) { return a.locked.value; }
  static std::int64_t offer(const Capacity& c) { return std::max<std::int64_t>(0, c.room().value); }
};

}  // namespace kvmplan::rules
