#include "rules/dedicated.hpp"

#include <algorithm>

namespace kvmplan::rules {

Shortfall Dedicated::shortfall(const Capacity& c, const Load& l, const Add& a) {
  return shortfall_of(id, c, a.pinned, c.pin_cpus - l.pinned, c.pin_cpus, Unit::cpus);
}

std::string Dedicated::violation(const Capacity& c, const Load& l) {
  return "dedicated guests pin " + std::to_string(l.pinned) + " CPUs (vCPUs and isolated emulator threads); " + std::to_string(c.pin_cpus) +
         " may be pinned to";
}

std::vector<int> pick_cpus(const Host& host, const CpuSet& free, int count) {
  std::vector<int> out;
  std::vector<std::pair<int, const CpuSet*>> partial;  // (free threads, core)
  // Whole free cores first, in id order, while a whole core is still wanted.
  for (const auto& core : host.cores) {
    const int threads = core.count_in(free);
    if (threads == 0) continue;
    if (threads == core.count() && static_cast<int>(out.size()) + threads <= count) {
      for (int cpu : core.ids()) out.push_back(cpu);
    } else {
      partial.emplace_back(threads, &core);
    }
  }
  // Then the cores with the fewest free threads, so that whole cores stay whole (each core's
  // count taken once, not in every comparison).
  std::stable_sort(partial.begin(), partial.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [threads, core] : partial) {
    for (int cpu : (*core & free).ids()) {
      if (static_cast<int>(out.size()) == count) return out;
      out.push_back(cpu);
    }
  }
  return out;
}

std::vector<int> pick_guest_pins(const Host& host, const Demand& d, const std::vector<Cell>& cells, std::span<const CpuSet> free) {
  std::vector<int> out;
  if (!d.dedicated || free.empty()) return out;
  if (cells.empty()) return pick_cpus(host, free.front(), d.pins());  // host level
  if (free.size() < cells.size()) return out;
  for (std::size_t c = 0; c < cells.size(); ++c) {
    for (int cpu : pick_cpus(host, free[c], cells[c].vcpus)) out.push_back(cpu);
  }
  if (d.emulator > 0) {
    CpuSet left = free.front();
    for (int cpu : out) left.erase(cpu);
    for (int cpu : pick_cpus(host, left, d.emulator)) out.push_back(cpu);
  }
  return out;
}

}  // namespace kvmplan::rules
