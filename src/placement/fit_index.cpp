#include "fit_index.hpp"

#include <algorithm>
#include <limits>

namespace kvmplan::placement {
namespace {
Keys nothing() {
  Keys k;
  k.fill(std::numeric_limits<std::int64_t>::min());
  return k;
}
Keys max_of(const Keys& a, const Keys& b) {
  Keys k;
  for (std::size_t i = 0; i < k.size(); ++i) k[i] = std::max(a[i], b[i]);
  return k;
}
}  // namespace

void FitIndex::grow() {
  const std::size_t leaves = std::max<std::size_t>(1, leaves_ * 2);
  std::vector<Keys> tree(2 * leaves, nothing());
  for (std::size_t i = 0; i < size_; ++i) tree[leaves + i] = tree_[leaves_ + i];
  for (std::size_t i = leaves - 1; i >= 1; --i) tree[i] = max_of(tree[2 * i], tree[2 * i + 1]);
  tree_ = std::move(tree);
  leaves_ = leaves;
}

void FitIndex::push(const Keys& keys) {
  if (size_ == leaves_) grow();
  ++size_;
  update(size_ - 1, keys);
}

void FitIndex::update(std::size_t host, const Keys& keys) {
  std::size_t i = leaves_ + host;
  tree_[i] = keys;
  for (i /= 2; i >= 1; i /= 2) tree_[i] = max_of(tree_[2 * i], tree_[2 * i + 1]);
}

bool FitIndex::reaches(std::size_t node, const Keys& demand) const {
  const Keys& k = tree_[node];
  for (std::size_t i = 0; i < k.size(); ++i) {
    if (k[i] < demand[i]) return false;
  }
  return true;
}

std::size_t FitIndex::search(std::size_t node, std::size_t lo, std::size_t hi, const Keys& demand, std::size_t from,
                             const std::function<bool(std::size_t)>& accept) const {
  if (hi <= from || lo >= size_ || !reaches(node, demand)) return size_;
  if (hi - lo == 1) return accept(lo) ? lo : size_;
  const std::size_t mid = lo + (hi - lo) / 2;
  const std::size_t left = search(2 * node, lo, mid, demand, from, accept);
  return left != size_ ? left : search(2 * node + 1, mid, hi, demand, from, accept);
}

std::size_t FitIndex::find(const Keys& demand, std::size_t from, const std::function<bool(std::size_t)>& accept) const {
  if (size_ == 0) return 0;
  return search(1, 0, leaves_, demand, from, accept);
}

}  // namespace kvmplan::placement
