#include "kvmplan/placement/place.hpp"

#include "placement/engine.hpp"
#include "placement/lower_bound.hpp"

namespace kvmplan {

Plan place(const Scenario& scenario, const PlaceOptions& options) {
  using Order = PlaceOptions::Order;
  const bool spread = scenario.policy.objective == Objective::spread;
  // The bound over all guests, known before placing: what the per-host arrays are sized for,
  // and the plan's bound when every guest is placed.
  const int bound = placement::lower_bound(scenario);
  const std::size_t hosts_expected =
      scenario.hosts.size() + (scenario.auto_pools.empty() ? 0 : static_cast<std::size_t>(bound) + static_cast<std::size_t>(bound) / 32 + 16);
  auto run = [&](Order order) {
    std::vector<int> preopen;
    if (spread && !scenario.auto_pools.empty()) {
      // Spreading over hosts that do not exist yet: as many as packing needs, then even out.
      placement::Engine pack(scenario, false, order, hosts_expected);
      pack.run({});
      preopen = pack.opened();
    }
    placement::Engine engine(scenario, spread, order, hosts_expected);
    return engine.run(preopen);
  };
  Plan plan = run(options.order);
  if (options.portfolio && !spread) {
    // A portfolio: the first-fit-decreasing order too (and bin-centric, when another order was
    // asked for), kept if it places more guests, or as many on fewer hosts. The dominant-share
    // order is not in it: on every benchmark mix it tied or lost to the better of these two.
    for (Order other_order : {Order::bin_centric, Order::memory}) {
      if (other_order == options.order) continue;
      Plan other = run(other_order);
      if (other.unplaced.size() < plan.unplaced.size() ||
          (other.unplaced.size() == plan.unplaced.size() && other.hosts_used < plan.hosts_used)) {
        plan = std::move(other);
      }
    }
  }
  plan.lower_bound_hosts = plan.unplaced.empty() ? bound : placement::lower_bound(scenario, plan);
  return plan;
}

}  // namespace kvmplan
