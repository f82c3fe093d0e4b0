#pragma once
// The index that keeps placement from scanning every host for every guest: a segment tree over
// hosts whose inner nodes hold, per key, the most any host below them has free. A search goes
// down only where every key can meet the demand, leftmost first (first fit), and asks the full
// fit test only at the leaves it reaches: O(log hosts) when the first candidate fits.
#include <cassert>
#include <cstdint>
#include <vector>

#include "placement/host_state.hpp"

namespace kvmplan::placement {

class FitIndex {
 public:
  // Adds a host at the next position (hosts are never removed; a full host just stops matching).
  void push(const Keys& keys);
  void update(std::size_t host, const Keys& keys);
  // Removes the last host (one opened and then not used).
  void pop();
  // While deferred, push and update only set the hosts' own keys, and find must not be
  // called; resume() brings the inner nodes up to date at once, in O(hosts). For filling
  // hosts one after another, which never searches.
  void defer() { deferred_ = true; }
  void resume();
  std::size_t size() const { return size_; }
  const Keys& keys(std::size_t host) const { return tree_[leaves_ + host]; }

  // The lowest host index >= `from` whose keys all reach `demand` and for which `accept`
  // returns true; size() when there is none. A template: no std::function on the hot path.
  template <class Accept>
  std::size_t find(const Keys& demand, std::size_t from, Accept&& accept) const {
    assert(!deferred_);
    if (size_ == 0) return 0;
    return search(1, 0, leaves_, demand, from, accept);
  }

 private:
  void grow();
  bool reaches(std::size_t node, const Keys& demand) const {
    const Keys& k = tree_[node];
    for (std::size_t i = 0; i < k.size(); ++i) {
      if (k[i] < demand[i]) return false;
    }
    return true;
  }
  template <class Accept>
  std::size_t search(std::size_t node, std::size_t lo, std::size_t hi, const Keys& demand, std::size_t from,
                     Accept& accept) const {
    if (hi <= from || lo >= size_ || !reaches(node, demand)) return size_;
    if (hi - lo == 1) return accept(lo) ? lo : size_;
    const std::size_t mid = lo + (hi - lo) / 2;
    const std::size_t left = search(2 * node, lo, mid, demand, from, accept);
    return left != size_ ? left : search(2 * node + 1, mid, hi, demand, from, accept);
  }

  std::size_t size_ = 0;      // hosts
  std::size_t leaves_ = 0;    // capacity, a power of two
  std::vector<Keys> tree_;    // 1-based heap layout: children of i are 2i and 2i+1
  bool deferred_ = false;
};

}  // namespace kvmplan::placement
