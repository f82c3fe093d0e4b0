#include "placement/fit_index.hpp"

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
  if (deferred_) return;
  for (i /= 2; i >= 1; i /= 2) tree_[i] = max_of(tree_[2 * i], tree_[2 * i + 1]);
}

void FitIndex::pop() {
  if (size_ == 0) return;
  update(size_ - 1, nothing());
  --size_;
}

void FitIndex::resume() {
  deferred_ = false;
  if (leaves_ == 0) return;  // no host at all: nothing to bring up to date
  for (std::size_t i = leaves_ - 1; i >= 1; --i) tree_[i] = max_of(tree_[2 * i], tree_[2 * i + 1]);
}

}  // namespace kvmplan::placement
