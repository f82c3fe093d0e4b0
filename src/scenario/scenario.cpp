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

std::string shape_key(const Host& h) {
  std::string k = to_string(h.memory_ratio) + "/" + to_string(h.cpu_ratio) + "/" + std::to_string(h.reserve.value) + "/" +
                  std::to_string(h.core_count()) + "/" + std::to_string(h.cpus.count()) + "/" +
                  (h.swap ? std::to_string(h.swap->value) : std::string("-"));
  for (const auto& n : h.nodes) {
    k += "|" + std::to_string(n.id) + ":" + std::to_string(n.memory.value) + ":" + to_string(n.cpus - h.reserved_cpus - h.dedicated_cpus) + ":" +
         to_string(n.cpus & h.dedicated_cpus);
    for (const auto& p : n.hugepages) k += ":" + std::to_string(p.page_size.value) + "x" + std::to_string(p.pages);
  }
  return k;
}

}  // namespace kvmplan
