#include "rules/cell_cpus.hpp"

namespace kvmplan::rules {

Shortfall CellCpus::shortfall(const Capacity& c, const Load&, const Add& a) {
  return shortfall_of(id, c, a.shared_vcpus, c.shared_cpus, c.shared_cpus, Unit::cpus);
}

}  // namespace kvmplan::rules
