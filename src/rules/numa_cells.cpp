#include "rules/numa_cells.hpp"

#include "kvmplan/model/cells.hpp"
#include "rules/registry.hpp"

namespace kvmplan::rules {

bool NumaCells::fits_empty(const Policy& p, const Capacity& c, const Add& a) { return !first_broken(p, c, Load{}, a); }

std::optional<int> NumaCells::cell_count(const Policy& p, const std::vector<Capacity>& nodes, const Demand& d) {
  if (p.numa == NumaMode::none) return 0;
  const int n = static_cast<int>(nodes.size());
  const GuestSpec& spec = *d.spec;
  if (spec.numa_nodes > 0) {
    if (spec.numa_nodes > n || spec.numa_nodes > max_cells(spec)) return std::nullopt;
    return spec.numa_nodes;
  }
  const Add one = cell(d, cells_of(d, 1).front());
  for (const auto& node : nodes) {
    if (fits_empty(p, node, one)) return 1;
  }
  for (int k = 2; k <= std::min(n, max_cells(spec)); ++k) {
    const Add largest = cell(d, cells_of(d, k).front());
    int fitting = 0;
    for (const auto& node : nodes) fitting += fits_empty(p, node, largest);
    if (fitting >= k) return k;
  }
  return std::nullopt;
}

std::string NumaCells::violation(const Policy& p, const std::vector<Capacity>& nodes, const Demand& d, std::size_t cells) {
  const GuestSpec& spec = *d.spec;
  if (p.numa == NumaMode::none) return {};
  if (cells == 0) return "not bound to any NUMA node (policy numa is not none)";
  if (static_cast<int>(cells) > max_cells(spec)) {
    // QEMU refuses a cell without memory; a cell without a vCPU is no cell of the plan's.
    return "split over " + std::to_string(cells) + " nodes, but its " + std::to_string(spec.vcpus) + " vCPUs and " +
           to_string(spec.memory) + (spec.hugepages ? " of " + to_string(*spec.hugepages) + " pages" : "") +
           " make at most " + std::to_string(max_cells(spec)) + (max_cells(spec) == 1 ? " cell" : " cells") + " with none empty";
  }
  if (spec.numa_nodes > 0 && static_cast<int>(cells) != spec.numa_nodes) {
    return "on " + std::to_string(cells) + (cells == 1 ? " node" : " nodes") + ", but numa_nodes is " + std::to_string(spec.numa_nodes);
  }
  if (spec.numa_nodes == 0 && cells > 1) {
    const Add one = cell(d, cells_of(d, 1).front());
    for (const auto& node : nodes) {
      if (fits_empty(p, node, one)) return "split over " + std::to_string(cells) + " nodes though it fits one";
    }
  }
  return {};
}

bool cells_match(const std::vector<std::vector<char>>& fits, const std::vector<char>& used, std::size_t from) {
  const std::size_t k = fits.size();
  std::vector<int> holder(k, -1);  // node j's cell in the matching so far
  std::vector<char> seen;
  auto augment = [&](auto&& self, std::size_t c) -> bool {
    for (std::size_t j = 0; j < k; ++j) {
      if (used[j] || !fits[c][j] || seen[j]) continue;
      seen[j] = 1;
      if (holder[j] < 0 || self(self, static_cast<std::size_t>(holder[j]))) {
        holder[j] = static_cast<int>(c);
        return true;
      }
    }
    return false;
  };
  for (std::size_t c = from; c < k; ++c) {
    seen.assign(k, 0);
    if (!augment(augment, c)) return false;
  }
  return true;
}

}  // namespace kvmplan::rules
