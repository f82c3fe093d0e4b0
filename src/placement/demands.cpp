#include "placement/demands.hpp"

#include <map>

#include "placement/fleet.hpp"

namespace kvmplan::placement {

Demands::Demands(const Scenario& s) : s_(s), slots_(std::make_unique<rules::SlotTable>(s)) {
  std::unordered_map<std::string, int> image_ids;
  for (const auto& spec : s.specs) {
    int image = -1;
    if (!spec.image.empty()) image = image_ids.emplace(spec.image, static_cast<int>(image_ids.size())).first->second;
    demands_.push_back(rules::make_demand(s.policy, spec, image, slots_.get()));
    if (demands_.back().image >= 0) {
      max_share_.resize(image_ids.size());
      auto& most = max_share_[static_cast<std::size_t>(image)];
      most = std::max(most, demands_.back().shareable.value);
    }
  }
  // One empty host per shape: what cells a guest gets anywhere.
  std::map<std::string, const Host*> shapes;
  for (const auto& h : s.hosts) shapes.emplace(shape_key(h), &h);
  for (const auto& h : s.auto_pools) shapes.emplace(shape_key(h), &h);
  if (shapes.size() <= 64) {
    shape_hosts_.reserve(shapes.size());
    for (const auto& [key, host] : shapes) shape_hosts_.push_back(*host);
    for (const auto& h : shape_hosts_) shapes_.push_back(make_host_state(h, make_shape(h, s.policy), s.policy));
  }
  needs_.resize(s.specs.size());
  have_needs_.assign(s.specs.size(), 0);
}

// The most NUMA cells the guest gets on any host shape (0: host level), so that node needs stay
// a lower bound: a guest split in k cells needs 1/k of itself on each node.
int Demands::most_cells(std::uint32_t spec) {
  if (s_.policy.numa == NumaMode::none) return 0;
  if (!s_.specs[spec].cells.empty()) return static_cast<int>(s_.specs[spec].cells.size());  // numa_cells: as given
  int most = 1;
  if (shapes_.empty()) {
    for (const auto& h : s_.hosts) most = std::max<int>(most, static_cast<int>(h.nodes.size()));
    for (const auto& h : s_.auto_pools) most = std::max<int>(most, static_cast<int>(h.nodes.size()));
  } else {
    for (const auto& st : shapes_) most = std::max(most, cell_count(st, demands_[spec], s_.policy).value_or(1));
  }
  return most;
}

const Keys& Demands::needs(std::uint32_t guest) {
  const std::uint32_t spec = s_.guests[guest].spec;
  if (!have_needs_[spec]) {
    const Demand& d = demands_[spec];
    // Joining its image, a guest costs its use less what KSM then saves, which is at most the
    // largest share of that image: the need stays a lower bound.
    const Bytes gain = d.image >= 0 ? Bytes{max_share_[static_cast<std::size_t>(d.image)]} : Bytes{};
    needs_[spec] = needs_of(d, s_.policy, most_cells(spec), gain);
    have_needs_[spec] = 1;
  }
  return needs_[spec];
}

double Demands::share(std::uint32_t guest) {
  if (!have_reference_) {
    reference_.fill(1);
    auto widen = [&](const Host& h) {
      const HostState st = make_host_state(h, make_shape(h, s_.policy), s_.policy);
      const Keys k = keys_of(st, s_.policy);
      for (std::size_t i = 0; i < rules::key_count; ++i) {
        if (k[i] != std::numeric_limits<std::int64_t>::max()) reference_[i] = std::max(reference_[i], k[i]);
      }
    };
    if (!shape_hosts_.empty()) {
      for (const auto& h : shape_hosts_) widen(h);
    } else {
      for (const auto& h : s_.hosts) widen(h);
      for (const auto& h : s_.auto_pools) widen(h);
    }
    have_reference_ = true;
  }
  const Keys& need = needs(guest);
  double best = 0;
  for (std::size_t i : {rules::committed_host, rules::resident_host, rules::cpu_host, rules::pin_host, rules::pages_host, rules::locked_host}) {
    if (need[i] > 0) best = std::max(best, static_cast<double>(need[i]) / static_cast<double>(reference_[i]));
  }
  return best;
}

}  // namespace kvmplan::placement
