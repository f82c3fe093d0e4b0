#include "kvmplan/scenario/scenario.hpp"

namespace kvmplan {

Bytes NumaNode::hugepage_bytes() const {
  Bytes total;
  for (const auto& pool : hugepages) total += pool.bytes();
  return total;
}

Bytes Host::hugepage_bytes() const {
  Bytes total;
  for (const auto& node : nodes) total += node.hugepage_bytes();
  return total;
}

}  // namespace kvmplan
