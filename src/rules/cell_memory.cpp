#include "rules/cell_memory.hpp"

namespace kvmplan::rules {

Shortfall CellMemory::shortfall(const Capacity& c, const Load&, const Add& a) {
  return shortfall_of(id, c, a.cell_memory.value, c.room().value, c.room().value, Unit::bytes);
}

}  // namespace kvmplan::rules
