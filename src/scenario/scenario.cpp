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

Bytes guest_overhead(const Policy& policy, const GuestSpec& spec) {
  switch (policy.guest_overhead.kind) {
    case GuestOverhead::Kind::none: return {};
    case GuestOverhead::Kind::fixed: return policy.guest_overhead.fixed;
    case GuestOverhead::Kind::ovirt:
      // oVirt: memory / 512 + 64MiB + 8MiB per vCPU (page tables, QEMU, video).
      return Bytes{(spec.memory.value + 511) / 512} + MiB(64) + MiB(8) * spec.vcpus;
  }
  return {};
}

Bytes expected_use(const GuestSpec& spec) {
  const Bytes use = spec.usage.scale_up(spec.memory);
  return spec.current_memory ? min(use, *spec.current_memory) : use;
}

}  // namespace kvmplan
