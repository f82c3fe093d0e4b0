#pragma once
// Usage profiles as the rules count them: a guest's expected use in each slot, one row per
// distinct profile, size and cell part (a million guests of a few flavors share a few rows),
// at addresses that stay put while rows are added. Private to src/.
#include <cstdint>
#include <deque>
#include <map>
#include <tuple>
#include <vector>

#include "kvmplan/model/cells.hpp"
#include "kvmplan/scenario/scenario.hpp"

namespace kvmplan::rules {

class SlotTable {
 public:
  explicit SlotTable(const Scenario& s) : s_(&s), slots_(s.slots()) {}

  std::size_t slots() const { return slots_; }
  // The guest's expected use in each slot, or null when it has no profile (flat: its use in every
  // slot) or the scenario none.
  const std::int64_t* whole(const GuestSpec& spec);
  // Cell c's part of it, slot by slot (cell_part_up, as the cell's expected use).
  const std::int64_t* cell(const GuestSpec& spec, const Cell& c);
  // With a profile that has `cpu`: `vcpus` x its cpu fraction in each slot, in thousandths of a
  // vCPU, rounded up; null otherwise.
  const std::int64_t* busy(const GuestSpec& spec, int vcpus);

 private:
  // (profile, memory, current_memory or -1, cell memory or -1 for the whole guest)
  using Key = std::tuple<std::int32_t, std::int64_t, std::int64_t, std::int64_t>;
  const std::int64_t* row(const GuestSpec& spec, const Cell* c);

  const Scenario* s_;
  std::size_t slots_;
  std::map<Key, const std::int64_t*> index_;
  std::map<std::pair<std::int32_t, int>, const std::int64_t*> busy_;  // (profile, vCPUs)
  std::deque<std::vector<std::int64_t>> rows_;
};

}  // namespace kvmplan::rules
