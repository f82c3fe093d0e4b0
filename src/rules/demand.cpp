#include "rules/demand.hpp"

#include "kvmplan/model/model.hpp"

namespace kvmplan::rules {

std::int64_t Demand::pages() const {
  return spec->hugepages ? (spec->memory.value + spec->hugepages->value - 1) / spec->hugepages->value : 0;
}

Demand make_demand(const Policy& policy, const GuestSpec& spec, int image, SlotTable* slots) {
  Demand d;
  d.spec = &spec;
  d.overhead = guest_overhead(policy, spec);
  d.use = expected_use(spec);
  d.use_low = expected_use_low(spec);
  d.dedicated = spec.cpu_policy == CpuPolicy::dedicated;
  d.emulator = emulator_cpus(policy, spec);
  d.memory = spec.hugepages ? Demand::Memory::hugepages : spec.locked ? Demand::Memory::locked : Demand::Memory::shared;
  // Only swappable guests of an image merge (hugepage and locked memory never does).
  if (policy.ksm.enabled && image >= 0 && d.memory == Demand::Memory::shared) {
    d.image = image;
    // With a profile, what it has in memory in its valley slot: KSM can count on that much.
    d.shareable = min(spec.ksm_shareable, d.use_low);
  }
  if (slots) d.slots = slots;
  if (slots && d.memory == Demand::Memory::shared) d.use_row = slots->whole(spec);
  // Dedicated guests have CPUs of their own: only shared ones are busy on the shared CPUs.
  if (slots && !d.dedicated) d.busy_row = slots->busy(spec, spec.vcpus);
  return d;
}

Add whole(const Demand& d) {
  const GuestSpec& spec = *d.spec;
  Add a;
  a.committed = d.overhead;  // QEMU itself is swappable, whatever backs the guest's RAM
  a.resident = a.resident_low = a.resident_fixed = d.overhead;
  switch (d.memory) {
    case Demand::Memory::shared:
      a.committed += spec.memory;
      a.resident += d.use;
      a.resident_low += d.use_low;
      if (d.use_row) {
        a.use_slots = d.use_row;
        a.slot_count = static_cast<std::uint32_t>(d.slots->slots());
      }
      break;
    case Demand::Memory::hugepages:
      a.page_size = *spec.hugepages;
      a.pages = d.pages();
      break;
    case Demand::Memory::locked:
      a.locked = spec.memory;
      break;
  }
  if (d.dedicated) a.pinned = d.pins();
  else a.shared_vcpus = spec.vcpus;
  if (d.busy_row) {
    a.busy_slots = d.busy_row;
    a.slot_count = static_cast<std::uint32_t>(d.slots->slots());
  }
  return a;
}

Add cell(const Demand& d, const Cell& c) {
  const GuestSpec& spec = *d.spec;
  Add a;
  a.committed = c.overhead;
  a.resident = a.resident_low = a.resident_fixed = c.overhead;
  switch (d.memory) {
    case Demand::Memory::shared: {
      a.committed += c.memory;
      a.resident += cell_part_up(d.use, c, spec);
      a.resident_low += cell_part_up(d.use_low, c, spec);
      if (d.use_row) {
        a.use_slots = c.memory == spec.memory ? d.use_row : d.slots->cell(spec, c);
        a.slot_count = static_cast<std::uint32_t>(d.slots->slots());
      }
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
  if (d.dedicated) a.pinned = cell_pins(d, c);
  else a.shared_vcpus = c.vcpus;
  if (d.busy_row) {
    a.busy_slots = c.vcpus == spec.vcpus ? d.busy_row : d.slots->busy(spec, c.vcpus);
    a.slot_count = static_cast<std::uint32_t>(d.slots->slots());
  }
  return a;
}

std::vector<Cell> cells_of(const Demand& d, int nodes) { return split_cells(*d.spec, d.overhead, std::max(1, nodes)); }

int cell_pins(const Demand& d, const Cell& c) { return d.dedicated ? c.vcpus + (c.first ? d.emulator : 0) : 0; }

Bytes share_of(const Demand& d, const Cell& c) { return cell_part_down(d.shareable, c, *d.spec); }

}  // namespace kvmplan::rules
