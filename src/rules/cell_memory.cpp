#include "rules/cell_memory.hpp"

namespace kvmplan::rules {

Shortfall CellMemory::shortfall(const Capacity& c, const Load& l, const Add& a) {
  return shortfall_of(id, c, a.cell_memory.value, l.usable(c).value, l.usable(c).value, Unit::bytes);
}

}  // namespace kvmplan::rules
