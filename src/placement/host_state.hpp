#pragma once
// What each host and NUMA node holds while guests are being placed, and the search for where
// on a host a guest fits: which nodes, under every rule of src/rules. The rules decide; this
// keeps their loads and chooses among the nodes that pass. Private to the engine.
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "kvmplan/plan/plan.hpp"
#include "placement/ksm_tally.hpp"
#include "rules/demand.hpp"
#include "rules/groups.hpp"
#include "rules/rule.hpp"

namespace kvmplan::placement {

using rules::Demand;
using rules::Keys;
using rules::NodeRule;

// What a host offers, fixed by the scenario, shared by the hosts of one shape (a pool's hosts,
// a `count:` entry's copies).
struct Shape {
  rules::Capacity host;
  std::vector<rules::Capacity> nodes;
  std::vector<CpuSet> pin_pools;  // per node: the CPUs dedicated guests pin to
};
std::shared_ptr<const Shape> make_shape(const Host& host, const Policy& policy);

struct NodeState {
  rules::Load load;
  CpuSet pinned;   // within the node's pin pool
  KsmTally ksm;    // guests' shareable memory on this node, per image
};

struct HostState {
  const Host* host = nullptr;
  std::shared_ptr<const Shape> shape;
  rules::Load load;                 // the host's totals, node-bound and host-level guests alike
  std::vector<NodeState> nodes;
  int guests = 0;
  bool merge_across_nodes = true;
  bool node_swap = false;           // guests are bound to nodes: the host sizes node swap too
  KsmTally ksm_host;                // per image, over the whole host
  KsmTally ksm_loose;               // guests bound to no node (numa: none)

  const rules::Capacity& cap() const { return shape->host; }
  const rules::Capacity& cap(std::size_t node) const { return shape->nodes[node]; }
};
HostState make_host_state(const Host& host, std::shared_ptr<const Shape> shape, const Policy& policy);

struct Fit {
  std::optional<RuleId> broken;    // none: it fits, as `nodes` says
  NodeList nodes;                  // guest-cell order; empty for host-level placement
  Placement::Pins pins;            // dedicated: vCPU i -> CPU, chosen by choose_pins on commit
  std::uint32_t group = 0;         // affinity or anti-affinity: the group at fault
  bool fits() const { return !broken; }
};

// Whether the guest fits the host now, and where. `force` places it even where it does not
// fit (a guest fixed on its host), choosing the roomiest nodes. A fit proves there are free
// CPUs enough to pin; which ones is chosen only for the fit that is kept (choose_pins).
Fit fit(const HostState& state, const Demand& demand, const Policy& policy, const NodeRule& rule, bool spread, bool force = false);
// The shortfall behind a fit that broke `rule` (for reasons): computed again, in detail.
Shortfall explain(const HostState& state, const Demand& demand, const Policy& policy, RuleId rule);
// The CPUs a dedicated guest placed on `nodes` (host level: none) pins to; empty for shared.
Placement::Pins choose_pins(const HostState& state, const Demand& demand, std::span<const int> nodes);
// Takes what `fit` chose out of the host.
void reserve(HostState& state, const Demand& demand, const Fit& where);

// How many cells the guest gets on this host (0: host level), or none when no split fits.
std::optional<int> cell_count(const HostState& state, const Demand& demand, const Policy& policy);

// The free budgets of a host for the index (rules/rule.hpp's keys): per rule, the host's and
// its best node's; unlimited for rules the policy leaves out.
Keys keys_of(const HostState& state, const Policy& policy);
// The same once a guest took one cell on node `node` (KSM savings left out), except that the
// node keys are that node's, not the best node's; `empty`: that node's keys with nothing on it.
// What the bin-centric fill of several pools looks ahead with (fill.cpp).
Keys node_keys_with(const HostState& state, const Demand& demand, const Policy& policy, std::size_t node, Keys& empty);
// What a guest needs of them at the least: of the host whole, and of a node its smallest cell
// (`most_cells`, the most cells it gets on any host shape; 0: bound to no node).
// `ksm_gain_bound`: the most KSM could save once it joins (needs stay lower bounds).
Keys needs_of(const Demand& demand, const Policy& policy, int most_cells, Bytes ksm_gain_bound);

}  // namespace kvmplan::placement
