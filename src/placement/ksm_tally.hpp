#pragma once
// KSM savings as guests arrive: per image, the shareable bytes of its guests less the largest
// one's (model.md section 3, the same arithmetic as ksm_savings()). Private to the engine.
#include <algorithm>
#include <cstdint>
#include <vector>

#include "kvmplan/values/bytes.hpp"

namespace kvmplan::placement {

class KsmTally {
 public:
  // `spread`: the nodes each guest's pages spread over, each keeping its own copy (guests bound
  // to no node when pages merge only within a node); 1 otherwise.
  explicit KsmTally(int spread = 1) : spread_(spread) {}

  Bytes savings() const { return savings_; }

  // The savings if a guest of `image` sharing `share` bytes joined.
  Bytes savings_with(int image, Bytes share) const {
    if (image < 0) return savings_;
    const Entry* e = find(image);
    const std::int64_t n = e ? e->count : 0, s = e ? e->shareable : 0, top = e ? e->largest : 0;
    return savings_ - Bytes{saved(n, s, top)} + Bytes{saved(n + 1, s + share.value, std::max(top, share.value))};
  }

  void add(int image, Bytes share) {
    if (image < 0) return;
    Entry* e = find(image);
    if (!e) {
      entries_.push_back({image, 0, 0, 0});
      e = &entries_.back();
    }
    savings_ -= Bytes{saved(e->count, e->shareable, e->largest)};
    ++e->count;
    e->shareable += share.value;
    e->largest = std::max(e->largest, share.value);
    savings_ += Bytes{saved(e->count, e->shareable, e->largest)};
  }

  bool has(int image) const { return image >= 0 && find(image) != nullptr; }

 private:
  struct Entry {
    int image;
    std::int64_t count;
    std::int64_t shareable;  // bytes, summed over the image's guests
    std::int64_t largest;    // the largest one guest shares
  };
  std::int64_t saved(std::int64_t n, std::int64_t total, std::int64_t largest) const {
    if (n < 2) return 0;
    return std::max<std::int64_t>(0, static_cast<std::int64_t>(__int128{total} - __int128{largest} * std::min<std::int64_t>(n, spread_)));
  }
  const Entry* find(int image) const {
    for (const Entry& e : entries_) {
      if (e.image == image) return &e;
    }
    return nullptr;
  }
  Entry* find(int image) {
    for (Entry& e : entries_) {
      if (e.image == image) return &e;
    }
    return nullptr;
  }

  std::vector<Entry> entries_;  // few images per host: a list beats a map
  Bytes savings_;
  int spread_ = 1;
};

}  // namespace kvmplan::placement
