#pragma once
// What is left on each host and NUMA node while guests are being placed, and the one function
// that decides whether (and where on the host) a guest fits. Private to the engine.
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <vector>

#include "kvmplan/model/model.hpp"
#include "kvmplan/model/cells.hpp"
#include "kvmplan/placement/placement.hpp"
#include "kvmplan/scenario/policy.hpp"
#include "placement/ksm_tally.hpp"

namespace kvmplan::placement {

// Why a guest does not fit a host: one filter, as the roll-up counts them.
enum class Reason : std::uint8_t {
  none, vcpu_limit, numa_cells, memory, locked_ratio, resident, locked, swap, hugepages, cpu, cell_cpus, no_shared_cpus,
  dedicated, anti_affinity, affinity,
};

// What one guest asks, computed once per spec.
struct Demand {
  const GuestSpec* spec = nullptr;
  Bytes overhead;   // QEMU's own memory (policy.guest_overhead)
  Bytes use;        // expected use: usage x memory, capped by current_memory
  bool dedicated = false;
  enum class Memory : std::uint8_t { shared, hugepages, locked } memory = Memory::shared;
  int image = -1;   // KSM image (the engine's id), -1: nothing to merge
  Bytes shareable;  // bytes identical within the image: ksm_shareable, at most `use`
};
// `image`: the engine's id for the guest's image, or -1.
Demand make_demand(const Policy& policy, const GuestSpec& spec, int image = -1);

// floor(ratio x n), remembered for the last n: budgets change only when locked memory or
// pinned CPUs do, and the 128-bit division behind them is the costliest step of a fit.
class RatioCache {
 public:
  std::int64_t of(const Decimal& ratio, std::int64_t n) const {
    if (n != n_) {
      n_ = n;
      value_ = memory_budget(ratio, Bytes{n});
    }
    return value_;
  }

 private:
  mutable std::int64_t n_ = std::numeric_limits<std::int64_t>::min();
  mutable std::int64_t value_ = 0;
};

struct NodeState {
  // Fixed by the host.
  Bytes memory, pool_bytes, reserve_share;
  CpuSet shared_cpus;      // node CPUs - reserved - dedicated set
  CpuSet dedicated_pool;   // CPUs dedicated guests pin to: the dedicated set, else shared_cpus
  int shared_count = 0, pool_count = 0;  // their sizes
  bool pins_from_shared = false;
  std::vector<HugepagePool> free_pages;  // the node's pools, counting down
  // Used so far.
  Bytes committed, locked, resident;
  int shared_vcpus = 0;
  CpuSet pinned;           // always within dedicated_pool
  int pinned_count = 0;
  KsmTally ksm;            // guests' shareable memory on this node, per image
  RatioCache memory_budget, cpu_budget;

  Bytes usable() const { return memory - pool_bytes - locked - reserve_share; }
  int shared_pcpus() const { return pins_from_shared ? shared_count - pinned_count : shared_count; }
  int free_dedicated() const { return pool_count - pinned_count; }
  std::int64_t pages(Bytes size) const;
  Bytes free_pool_bytes() const;
};

struct HostState {
  const Host* host = nullptr;
  Bytes pool_bytes;                // the host's hugepage pools
  std::vector<NodeState> nodes;
  // Host totals (node-bound and host-level guests alike).
  Bytes committed, locked, resident;  // resident: before KSM savings
  int shared_vcpus = 0;
  int guests = 0;
  RatioCache memory_budget, cpu_budget;
  bool merge_across_nodes = true;
  // A host that declares its swap: the most guest swap it may need, swap - baseline swap
  // (spec section 3: committed + reserve + pinned <= RAM - hugepages + swap - baseline).
  std::optional<Bytes> swap_room;
  KsmTally ksm_host;   // per image, over the whole host
  KsmTally ksm_loose;  // guests bound to no node (numa: none)

  Bytes usable() const;
  int shared_pcpus() const;
  // What KSM saves on the host now: per image over the host, or per node when pages do not
  // merge across nodes; at most half of RAM (model.md section 3).
  Bytes ksm_savings() const;
};
HostState make_host_state(const Host& host, const Policy& policy);

// Per-node limits from group rules: nodes a guest may not use, or the only ones it may.
struct NodeRule {
  std::vector<char> banned;        // by node index; empty: none banned
  std::vector<int> required;       // exact node set; empty: any
  std::uint32_t group = 0;         // the group that bans or requires them (for the reason)
};

struct Fit {
  Reason reason = Reason::none;    // none: it fits, as `nodes` and `pins` say
  NodeList nodes;                  // guest-cell order; empty for host-level placement
  Placement::Pins pins;            // dedicated: vCPU i -> CPU, chosen by choose_pins on commit
  std::uint32_t group = 0;         // anti_affinity / affinity: the group at fault
};

// Whether the guest fits the host now, and where. `force` places it even where it does not
// fit (a guest fixed on its host), choosing the roomiest nodes. A fit proves there are free
// CPUs enough to pin; which ones is chosen only for the fit that is kept (choose_pins).
Fit fit(const HostState& state, const Demand& demand, const Policy& policy, const NodeRule& rule,
        bool spread, bool force = false);
// The CPUs a dedicated guest placed on `nodes` (host level: none) pins to; empty for shared
// guests.
Placement::Pins choose_pins(const HostState& state, const Demand& demand, std::span<const int> nodes);
// Takes what `fit` chose out of the host.
void reserve(HostState& state, const Demand& demand, const Fit& where, const Policy& policy);

// How many cells the guest gets on this host (0: host level), or nullopt when no split fits
// the host's empty nodes.
std::optional<int> cell_count(const HostState& state, const Demand& demand, const Policy& policy);

// Dedicated CPUs for `count` vCPUs out of `free`: whole free cores first (sibling threads
// together, Nova's "prefer" policy), then the cores with the fewest free threads.
std::vector<int> pick_cpus(const Host& host, const CpuSet& free, int count);

// Free budgets of a host for the fit index: per resource, the host's total and its best node.
enum Key : std::size_t {
  mem_host, mem_node, cpu_host, cpu_node, ded_host, ded_node, huge_host, huge_node, lock_host, lock_node,
  key_count
};
using Keys = std::array<std::int64_t, key_count>;
Keys keys_of(const HostState& state, const Policy& policy);

}  // namespace kvmplan::placement
