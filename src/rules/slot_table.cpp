#include "rules/slot_table.hpp"

namespace kvmplan::rules {

const std::int64_t* SlotTable::whole(const GuestSpec& spec) { return row(spec, nullptr); }

const std::int64_t* SlotTable::cell(const GuestSpec& spec, const Cell& c) { return row(spec, &c); }

const std::int64_t* SlotTable::busy(const GuestSpec& spec, int vcpus) {
  if (slots_ == 0 || spec.profile < 0) return nullptr;
  const Profile& p = s_->profiles[static_cast<std::size_t>(spec.profile)];
  if (p.cpu.empty()) return nullptr;
  if (auto it = busy_.find({spec.profile, vcpus}); it != busy_.end()) return it->second;
  std::vector<std::int64_t>& r = rows_.emplace_back(slots_);
  for (std::size_t s = 0; s < slots_; ++s) r[s] = busy_millis(p.cpu[s], vcpus);
  busy_.emplace(std::make_pair(spec.profile, vcpus), r.data());
  return r.data();
}

const std::int64_t* SlotTable::row(const GuestSpec& spec, const Cell* c) {
  if (slots_ == 0 || spec.profile < 0) return nullptr;
  const Key key{spec.profile, spec.memory.value, spec.current_memory ? spec.current_memory->value : -1, c ? c->memory.value : -1};
  if (auto it = index_.find(key); it != index_.end()) return it->second;
  const std::vector<Bytes> use = expected_use_by_slot(*s_, spec);
  std::vector<std::int64_t>& r = rows_.emplace_back(slots_);
  for (std::size_t s = 0; s < slots_; ++s) r[s] = (c ? cell_part_up(use[s], *c, spec) : use[s]).value;
  index_.emplace(key, r.data());
  return r.data();
}

}  // namespace kvmplan::rules
