#include "kvmplan/scenario/scenario.hpp"

#include <algorithm>

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

void resolve_policy(Scenario& s) {
  const Policy& p = s.policy;
  auto host = [&](Host& h) {
    if (h.from_policy.reserve) h.reserve = p.host_reserve;
    if (h.from_policy.memory_ratio) h.memory_ratio = p.memory_ratio;
    if (h.from_policy.cpu_ratio) h.cpu_ratio = p.cpu_ratio;
  };
  for (Host& h : s.hosts) host(h);
  for (Host& h : s.auto_pools) host(h);
  for (GuestSpec& spec : s.specs) {
    if (spec.usage_from_policy) spec.usage = spec.usage_low = p.usage;
    if (spec.shareable_from_policy) spec.ksm_shareable = p.ksm.shareable.scale_down(spec.memory);
  }
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

Bytes expected_use(const GuestSpec& spec, const Decimal& fraction) {
  const Bytes use = fraction.scale_up(spec.memory);
  return spec.current_memory ? min(use, *spec.current_memory) : use;
}

std::int64_t busy_millis(const Decimal& fraction, int vcpus) { return fraction.scale_up(Bytes{std::int64_t{vcpus} * 1000}).value; }

Bytes expected_use(const GuestSpec& spec) { return expected_use(spec, spec.usage); }

Bytes expected_use_low(const GuestSpec& spec) { return expected_use(spec, spec.usage_low); }

std::vector<Bytes> expected_use_by_slot(const Scenario& scenario, const GuestSpec& spec) {
  std::vector<Bytes> out(scenario.slots(), expected_use(spec));
  if (spec.profile < 0) return out;
  const Profile& p = scenario.profiles[static_cast<std::size_t>(spec.profile)];
  for (std::size_t s = 0; s < out.size(); ++s) out[s] = expected_use(spec, p.memory[s]);
  return out;
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

Bytes cell_unit(const GuestSpec& spec) { return spec.hugepages ? *spec.hugepages : Bytes{1024}; }

int emulator_cpus(const Policy& policy, const GuestSpec& spec) {
  if (spec.cpu_policy != CpuPolicy::dedicated) return 0;
  return spec.emulator_threads.value_or(policy.emulator_threads) == EmulatorThreads::isolate ? 1 : 0;
}

int max_cells(const GuestSpec& spec) {
  if (!spec.cells.empty()) return static_cast<int>(spec.cells.size());  // as given, none empty
  const std::int64_t units = spec.memory.value / cell_unit(spec).value;
  return static_cast<int>(std::min<std::int64_t>(spec.vcpus, units));
}

}  // namespace kvmplan
