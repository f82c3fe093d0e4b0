#pragma once
// Cell memory: one guest cell is never larger than its node's room (RAM - pools - its share of
// the reserve), whatever the memory ratio: numatune strict keeps a cell's pages on its node, so
// a cell larger than the node lives on swap. A guest that needs more gets more cells
// (numa_cells.hpp). Nodes only, numa strict or preferred. What the node is, not what other
// guests hold: the locked memory of a guest placed later would otherwise break a cell placed
// before, and the verdict would depend on the order (their sum is the memory ratio's).
// Source: Nova, "a guest cell is never larger than its host cell" (nova/virt/hardware.py).
#include "rules/rule.hpp"

namespace kvmplan::rules {

struct CellMemory {
  static constexpr RuleId id = RuleId::cell_memory;
  static bool applies(const Policy& p, Scope s) { return s == Scope::node && p.numa != NumaMode::none; }

  static bool holds(const Capacity& c, const Load&, const Add& a) { return a.cell_memory.value == 0 || a.cell_memory <= c.room(); }
  static Shortfall shortfall(const Capacity& c, const Load& l, const Add& a);
  static std::string violation(const Capacity&, const Load&) { return {}; }  // checked per guest

  // The index keeps the largest room of any node, against the guest's smallest cell.
  static constexpr std::size_t host_key = cell_memory_host, node_key = cell_memory_node;
  static std::int64_t free(const Capacity& c, const Load&) { return c.room().value; }
  static std::int64_t need(const Add& a) { return a.cell_memory.value == 0 ? no_need : a.cell_memory.value; }
  static std::int64_t demand(const Add&, const BoundContext&) { return 0; }
  static std::int64_t offer(const Capacity&) { return 0; }
};

}  // namespace kvmplan::rules
