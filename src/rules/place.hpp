#pragma once
// What the rules of a place read: a place is a host, or one NUMA node of it. Its Capacity is
// fixed by the scenario; its Load is what the guests there use, kept by whoever counts (the
// engine as it places, check from the plan it reads, the model for the figures it prints). A
// rule decides whether a Load, plus what one guest or guest cell would Add, stays within the
// Capacity. The same predicate answers "does it fit?" (placement) and "does it hold?" (check,
// with nothing added).
#include <cstdint>
#include <limits>
#include <span>
#include <optional>
#include <string>
#include <vector>

#include "kvmplan/scenario/policy.hpp"
#include "kvmplan/scenario/scenario.hpp"
#include "kvmplan/values/bytes.hpp"
#include "kvmplan/values/decimal.hpp"

namespace kvmplan::rules {

// floor(ratio x n) for budgets, and 0 when n <= 0, remembered for the last n: budgets change
// only when locked memory or pinned CPUs do, and the 128-bit division behind them is the
// costliest step of a fit.
class RatioCache {
 public:
  std::int64_t of(const Decimal& ratio, std::int64_t n) const {
    if (n != n_) {
      n_ = n;
      value_ = n <= 0 ? 0 : ratio.scale_down(Bytes{n}).value;
    }
    return value_;
  }

 private:
  mutable std::int64_t n_ = std::numeric_limits<std::int64_t>::min();
  mutable std::int64_t value_ = 0;
};

enum class Scope : std::uint8_t { host, node };

struct Capacity {
  Scope scope = Scope::host;
  int node_id = -1;                        // a node's id (for messages); -1 for a host
  Bytes ram, pools, reserve;               // a node: its RAM, its pools, its share of the reserve
  std::vector<HugepagePool> page_pools;    // by page size, ascending; a host: summed over its nodes
  int shared_cpus = 0;                     // CPUs shared guests may use, before pins take any
  int pin_cpus = 0;                        // CPUs dedicated guests may pin to
  bool pins_from_shared = false;           // no dedicated set: pins come out of the shared CPUs
  Decimal memory_ratio, cpu_ratio;
  std::optional<Bytes> swap;               // a host that declares the swap it has
  Bytes baseline_swap;                     // the policy's baseline for its RAM

  // RAM guests' memory may use, before locked memory takes its part.
  Bytes room() const { return ram - pools - reserve; }
  std::int64_t pool_pages(Bytes page_size) const;
  // The most guest swap a host that declares its swap may need: swap - baseline.
  std::optional<Bytes> swap_room() const { return swap ? std::optional<Bytes>(*swap - baseline_swap) : std::nullopt; }
  // "kvm01" or "node 1", for shortfalls.
  std::string subject() const { return scope == Scope::node ? "node " + std::to_string(node_id) : std::string(); }
};

// What one guest, or one guest cell, adds to a place.
struct Add {
  Bytes committed;             // swappable memory and QEMU overhead
  Bytes locked;
  Bytes resident;              // expected use and overhead, before KSM; with a profile, at its peak slot
  Bytes resident_low;          // the same in its valley slot (flat: resident)
  // With a profile: the expected use in each slot (rules/slot_table.hpp), to which every slot
  // adds `resident_fixed` (the QEMU overhead). Null: `resident` in every slot.
  const std::int64_t* use_slots = nullptr;
  std::uint32_t slot_count = 0;
  Bytes resident_fixed;
  // With a profile that has `cpu`: the vCPUs busy in each slot, in thousandths (shared guests).
  const std::int64_t* busy_slots = nullptr;
  Bytes ksm_gain;              // what KSM saves more here once it joins
  std::int64_t shared_vcpus = 0;
  std::int64_t pinned = 0;     // dedicated vCPUs
  Bytes page_size;             // hugepage guests: the size, and how many pages
  std::int64_t pages = 0;
  Bytes cell_memory;           // a shared guest's part that one node must hold (its cell)
  Bytes node_swap_gain;        // a host: how much more its nodes' guest swap sums to
};

struct Load {
  Bytes committed, locked, ksm_savings;
  Bytes resident;              // expected resident memory before KSM, in the peak slot
  // Under usage profiles, the same in every slot; empty while every guest here is flat (then
  // `resident` in every slot).
  std::vector<std::int64_t> slots;
  // Under profiles with `cpu`: busy vCPUs in each slot, in thousandths; empty while none is busy.
  std::vector<std::int64_t> busy;
  std::int64_t shared_vcpus = 0;
  std::int64_t pinned = 0;
  std::vector<std::pair<Bytes, std::int64_t>> pages;  // page size -> pages used; few sizes
  Bytes node_swap;             // a host: its nodes' guest swap, summed (numa strict or preferred)
  mutable RatioCache memory_budget, cpu_budget;

  Bytes usable(const Capacity& c, Bytes more_locked = {}) const { return c.room() - locked - more_locked; }
  std::int64_t pages_of(Bytes page_size) const;
  // Pins taken out of the shared CPUs leave fewer of them; never fewer than none (more pins than
  // CPUs is the dedicated rule's violation, not a negative CPU count).
  std::int64_t shared_pcpus(const Capacity& c, std::int64_t more_pinned = 0) const {
    return c.pins_from_shared ? std::max<std::int64_t>(0, c.shared_cpus - pinned - more_pinned) : c.shared_cpus;
  }
  void add(const Add& a);
  // The peak slot's resident memory before KSM once `a` joined.
  Bytes resident_with(const Add& a) const;
  // The busiest slot's busy vCPUs, in thousandths, once `a` joined (0 without CPU profiles).
  std::int64_t busy_with(const Add& a) const;
};

// The capacity of a host (every node together) and of each of its nodes, in Host::nodes order.
Capacity host_capacity(const Host& host, const Policy& policy);
std::vector<Capacity> node_capacities(const Host& host);

}  // namespace kvmplan::rules
