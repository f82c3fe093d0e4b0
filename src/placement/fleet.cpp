#include "placement/fleet.hpp"

#include "placement/scorers.hpp"

namespace kvmplan::placement {

Fleet::Fleet(const Scenario& s, bool spread, std::size_t expected) : s_(s), p_(s.policy), spread_(spread) {
  expected = std::max(expected, s.hosts.size());
  hosts_.reserve(expected);
  states_.reserve(expected);
  pool_of_.reserve(expected);
  zones_.reserve(expected);
  full_.reserve(expected);
  loads_.reserve(expected);
  for (const auto& pool : s.auto_pools) pool_shapes_.push_back(make_shape(pool, p_));
  pool_opened_.assign(s.auto_pools.size(), 0);
  numbering_.assign(s.auto_pools.size(), {1, 0});
  for (const auto& h : s.hosts) open(h, -1);
}

std::shared_ptr<const Shape> Fleet::shape_for(const Host& h, int pool) {
  if (pool >= 0) return pool_shapes_[static_cast<std::size_t>(pool)];
  auto [it, fresh] = shapes_.emplace(shape_key(h), nullptr);
  if (fresh) it->second = make_shape(h, p_);
  return it->second;
}

std::size_t Fleet::open(const Host& proto, int pool) {
  const Host* before = hosts_.data();
  hosts_.push_back(proto);
  if (hosts_.data() != before) {
    for (std::size_t h = 0; h < states_.size(); ++h) states_[h].host = &hosts_[h];  // the hosts moved
  }
  const std::size_t h = hosts_.size() - 1;
  if (pool >= 0) {
    // A pool with a `zones:` list: its hosts take them round-robin, in the order they open.
    const std::size_t nth = pool_opened_[static_cast<std::size_t>(pool)]++;
    if (!proto.zones.empty()) hosts_.back().zone = proto.zones[nth % proto.zones.size()];
    hosts_.back().zones.clear();
  }
  states_.push_back(make_host_state(hosts_.back(), shape_for(proto, pool), p_));
  pool_of_.push_back(pool);
  named_.push_back(0);
  const Host& host = hosts_.back();
  // A host without a zone is a zone of its own.
  zones_.push_back(host.zone.empty() ? -1 - static_cast<std::int64_t>(h)
                                     : zone_ids_.emplace(host.zone, static_cast<std::int64_t>(zone_ids_.size())).first->second);
  full_.push_back(keys_of(states_.back(), p_));
  index_.push(full_.back());
  loads_.push_back(0);
  if (spread_) by_load_.emplace(0, h);
  return h;
}

std::size_t Fleet::reopen(const Host& host, int pool) {
  Host copy = host;
  copy.zones.clear();  // the zone is the plan's: no rotation
  const std::size_t h = open(copy, pool);
  named_[h] = 1;
  return h;
}

void Fleet::number_from(std::size_t pool, std::size_t next, std::size_t width) { numbering_[pool] = {next, width}; }

void Fleet::drop_last() {
  const std::size_t h = states_.size() - 1;
  if (spread_) by_load_.erase({loads_[h], h});
  if (pool_of_[h] >= 0) --pool_opened_[static_cast<std::size_t>(pool_of_[h])];
  hosts_.pop_back();
  states_.pop_back();
  pool_of_.pop_back();
  named_.pop_back();
  zones_.pop_back();
  full_.pop_back();
  loads_.pop_back();
  index_.pop();
}

std::vector<std::int32_t> Fleet::drop(const std::vector<char>& drop) {
  std::vector<std::int32_t> renumbered(states_.size(), -1);
  std::size_t kept = 0;
  for (std::size_t h = 0; h < states_.size(); ++h) {
    if (h < drop.size() && drop[h] && pool_of_[h] >= 0 && states_[h].guests == 0) continue;
    renumbered[h] = static_cast<std::int32_t>(kept);
    if (kept != h) {
      hosts_[kept] = std::move(hosts_[h]);
      states_[kept] = std::move(states_[h]);
      pool_of_[kept] = pool_of_[h];
      named_[kept] = named_[h];
      zones_[kept] = zones_[h];
      full_[kept] = full_[h];
      loads_[kept] = loads_[h];
    }
    ++kept;
  }
  hosts_.resize(kept);
  states_.resize(kept);
  pool_of_.resize(kept);
  named_.resize(kept);
  zones_.resize(kept);
  full_.resize(kept);
  loads_.resize(kept);
  for (std::size_t h = 0; h < kept; ++h) states_[h].host = &hosts_[h];
  by_load_.clear();
  return renumbered;
}

rules::GroupPlace Fleet::group_place_of_new(std::size_t pool) const {
  const Host& proto = s_.auto_pools[pool];
  const std::size_t h = states_.size();
  // No zone: a zone of its own (as open() numbers it). A zone no host has yet: one no group uses.
  std::int64_t zone = -1 - static_cast<std::int64_t>(h);
  const std::string& name = proto.zones.empty() ? proto.zone : proto.zones[pool_opened_[pool] % proto.zones.size()];
  if (!name.empty()) zone = zone_id(name).value_or(static_cast<std::int64_t>(zone_ids_.size()));
  return {h, zone, proto.nodes.size()};
}

std::optional<std::int64_t> Fleet::zone_id(const std::string& zone) const {
  const auto it = zone_ids_.find(zone);
  if (it == zone_ids_.end()) return std::nullopt;
  return it->second;
}

void Fleet::changed(std::size_t h, bool update_index) {
  if (!update_index && !spread_) return;
  const Keys keys = keys_of(states_[h], p_);
  if (update_index) index_.update(h, keys);
  if (spread_) {
    by_load_.erase({loads_[h], h});
    loads_[h] = scorers::load(keys, full_[h]);
    by_load_.emplace(loads_[h], h);
  }
}

HostState Fleet::prototype(std::size_t pool) const {
  return make_host_state(s_.auto_pools[pool], pool_shapes_[pool], p_);
}

std::vector<int> Fleet::finish(Plan& plan) {
  std::vector<int> opened(s_.auto_pools.size(), 0), seen(s_.auto_pools.size(), 0);
  for (std::size_t h = 0; h < hosts_.size(); ++h) {
    if (pool_of_[h] >= 0 && !named_[h]) ++opened[static_cast<std::size_t>(pool_of_[h])];
  }
  for (std::size_t h = 0; h < hosts_.size(); ++h) {
    const int pool = pool_of_[h];
    if (pool < 0) continue;
    const auto p = static_cast<std::size_t>(pool);
    hosts_[h].auto_pool = false;
    if (named_[h]) continue;
    const auto [first, fixed_width] = numbering_[p];
    const std::size_t n = first + static_cast<std::size_t>(seen[p]++);
    std::string number = std::to_string(n);
    const std::size_t width = fixed_width > 0 ? fixed_width : std::to_string(first - 1 + static_cast<std::size_t>(opened[p])).size();
    hosts_[h].name = s_.auto_pools[p].name + "-" + std::string(width - std::min(width, number.size()), '0') + number;
  }
  for (const auto& st : states_) plan.hosts_used += st.guests > 0;
  // The states that point into hosts_ are done with: the plan takes the hosts.
  plan.hosts = std::move(hosts_);
  return opened;
}

}  // namespace kvmplan::placement
