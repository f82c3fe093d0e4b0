#pragma once
// The hosts of the plan being made: the scenario's, then those placement opens from `count:
// auto` pools; their states, zones and loads, and the index over their free budgets. Hosts of
// one shape share what the scenario fixes (Shape); each keeps its own load.
#include <map>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "placement/fit_index.hpp"
#include "placement/host_state.hpp"

namespace kvmplan::placement {

class Fleet {
 public:
  // `expected`: about how many hosts the plan will have: the per-host arrays are sized once.
  Fleet(const Scenario& s, bool spread, std::size_t expected);

  std::size_t size() const { return states_.size(); }
  // Appends a copy of `proto` (a scenario host, or a pool's prototype when pool >= 0).
  std::size_t open(const Host& proto, int pool);
  // Re-planning: a pool host an earlier plan opened, under its name and zone (`host`, from
  // pool_host()); finish() keeps the name.
  std::size_t reopen(const Host& host, int pool);
  // Re-planning: hosts finish() names anew in `pool` take numbers from `next` on, zero-padded
  // to `width` digits (after the plan's own, so that no name is taken twice).
  void number_from(std::size_t pool, std::size_t next, std::size_t width);
  // Takes back the last host opened, while it runs no guest.
  void drop_last();
  // Takes out the hosts opened from pools that `drop` marks (they run no guest): what each
  // host's index becomes (-1: dropped). The index and the loads are not kept: call it last,
  // before finish().
  std::vector<std::int32_t> drop(const std::vector<char>& drop);

  HostState& state(std::size_t h) { return states_[h]; }
  const HostState& state(std::size_t h) const { return states_[h]; }
  const Keys& full(std::size_t h) const { return full_[h]; }  // its budgets when empty
  int pool(std::size_t h) const { return pool_of_[h]; }
  rules::GroupPlace group_place(std::size_t h) const { return {h, zones_[h], states_[h].nodes.size()}; }
  // What a new host of `pool` would be to the groups: the next index, its pool's zone.
  rules::GroupPlace group_place_of_new(std::size_t pool) const;
  // The zone id of a zone name (an auto pool's), or none when no host has that zone yet.
  std::optional<std::int64_t> zone_id(const std::string& zone) const;
  FitIndex& index() { return index_; }
  const FitIndex& index() const { return index_; }

  // After guests were reserved on h: its index keys (unless `defer_index`) and its load.
  void changed(std::size_t h, bool update_index = true);
  // Spread: hosts by load, least first.
  const std::set<std::pair<std::int64_t, std::size_t>>& by_load() const { return by_load_; }

  // A state for a pool's prototype: what a new host of it would be.
  HostState prototype(std::size_t pool) const;

  // Hands the hosts over to the plan, opened ones named after their pool: compute-01 ..
  // compute-12 (zero-padded to the count's width). Returns the hosts opened per pool.
  std::vector<int> finish(Plan& plan);

 private:
  std::shared_ptr<const Shape> shape_for(const Host& h, int pool);

  const Scenario& s_;
  const Policy& p_;
  bool spread_;
  std::vector<Host> hosts_;  // HostState points into it: re-pointed when it grows
  std::vector<HostState> states_;
  std::vector<int> pool_of_;
  std::vector<std::size_t> pool_opened_;  // hosts opened per pool: the next takes its zone from the rotation
  std::vector<char> named_;               // per host: reopened, keeps its name
  std::vector<std::pair<std::size_t, std::size_t>> numbering_;  // per pool: first number, width (0: by count)
  std::vector<std::int64_t> zones_;
  std::vector<Keys> full_;
  std::vector<std::int64_t> loads_;
  std::set<std::pair<std::int64_t, std::size_t>> by_load_;
  std::unordered_map<std::string, std::int64_t> zone_ids_;
  std::vector<std::shared_ptr<const Shape>> pool_shapes_;
  std::map<std::string, std::shared_ptr<const Shape>> shapes_;  // scenario hosts, by what a Shape holds
  FitIndex index_;
};

}  // namespace kvmplan::placement
