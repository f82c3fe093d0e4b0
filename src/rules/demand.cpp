#include "rules/demand.hpp"

#include "kvmplan/model/model.hpp"

namespace kvmplan::rules {

std::int64_t Demand::pages() const {
  return spec->hugepages ? (spec->memory.value + spec->hugepages->value - 1) / spec->hugepages->value : 0;
}

Demand make_demand(const Policy& policy, const GuestSpec& spec, int image) {
  Demand d;
  d.spec = &spec;
  d.overhead = guest_overhead(policy, spec);
  d.use = expected_use(spec);
  d.dedicated = spec.cpu_policy == CpuPolicy::dedicated;
  d.memory = spec.hugepages ? Demand::Memory::hugepages : spec.locked ? Demand::Memory::locked : Demand::Memory::shared;
  // Only swappable guests of an image merge (hugepage and locked memory never does).
  if (policy.ksm.enabled && image >= 0 && d.memory == Demand::Memory::shared) {
    d.image = image;
    d.shareable = min(spec.ksm_shareable, d.use);
  }
  return d;
}

Add whole(const Demand& d) {
  const GuestSpec& spec = *d.spec;
  Add a;
  a.committed = d.overhead;  // QEMU itself is swappable, whatever backs the guest's RAM
  a.resident = d.overhead;
  switch (d.memory) {
    case Demand::Memory::shared:
      a.committed += spec.memory;
      a.resident += d.use;
      break;
    case Demand::Memory::hugepages:
      a.page_size = *spec.hugepages;
      a.pages = d.pages();
      break;
    case Demand::Memory::locked:
      a.locked = spec.memory;
      break;
  }
  (d.dedicated ? a.pinned : a.shared_vcpus) = spec.vcpus;
  return a;
}

Add cell(const Demand& d, const Cell& c) {
  const GuestSpec& spec = *d.spec;
  Add a;
  a.committed = c.overhead;
  a.resident = c.overhead;
  switch (d.memory) {
    case Demand::Memory::shared: {
      a.committed += c.memory;
      a.resident += cell_part_up(d.use, c, spec);
      a.cell_memory = c.memory + c.overhead;
      break;
    }
    case Demand::Memory::hugepages:
      a.page_size = *spec.hugepages;
      a.pages = c.pages;
      break;
    case Demand::Memory::locked:
      a.locked = c.memory;
      break;
  }
  (d.dedicated ? a.pinned : a.shared_vcpus) = c.vcpus;
  return a;
}

std::vector<Cell> cells_of(const Demand& d, int nodes) { return split_cells(*d.spec, d.overhead, std::max(1, nodes)); }

Bytes share_of(const Demand& d, const Cell& c) { return cell_part_down(d.shareable, c, *d.spec); }

}  // namespace kvmplan::rules
