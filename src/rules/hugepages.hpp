#pragma once
// Hugepages: a hugepage guest takes whole free pages of its size from the pools of its node
// (each cell ceil(cell memory / page size) pages), never overcommitted, per node (per host for
// numa: none). Sources: the kernel's hugetlbfs; Nova never overcommits hugepages.
#include "rules/rule.hpp"

namespace kvmplan::rules {

struct Hugepages {
  static constexpr RuleId id = RuleId::hugepages;
  static bool applies(const Policy&, Scope) { return true; }

  // With nothing to add (check, a guest without hugepages): every size the place uses.
  static bool holds(const Capacity& c, const Load& l, const Add& a) {
    if (a.pages > 0) return l.pages_of(a.page_size) + a.pages <= c.pool_pages(a.page_size);
    for (const auto& [size, used] : l.pages) {
      if (used > c.pool_pages(size)) return false;
    }
    return true;
  }
  static Shortfall shortfall(const Capacity& c, const Load& l, const Add& a);
  static std::string violation(const Capacity& c, const Load& l);  // the first size over

  // Free pool bytes of every size: at least the bytes of the guest's size.
  static constexpr std::size_t host_key = pages_host, node_key = pages_node;
  static std::int64_t free(const Capacity& c, const Load& l) {
    std::int64_t bytes = 0;
    for (const auto& p : c.page_pools) bytes += (p.pages - l.pages_of(p.page_size)) * p.page_size.value;
    return bytes;
  }
  static std::int64_t need(const Add& a) { return a.pages == 0 ? no_need : a.pages * a.page_size.value; }

  // Per page size: the lower bound asks pages_demand and pages_offer of each size.
  static std::int64_t demand(const Add&, const BoundContext&) { return 0; }
  static std::int64_t offer(const Capacity&) { return 0; }
};

}  // namespace kvmplan::rules
