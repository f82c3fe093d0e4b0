#pragma once
// A short list of ints, inline up to N and on the heap beyond: a plan holds a node list and a
// pin list per guest, a million of each at times, and most hold one or two nodes and a few
// CPUs. Eight bytes of header (boost::container::small_vector has 24, and its inlined copies
// trip GCC 12's -Wstringop-overread false positive).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <memory>

namespace kvmplan {

template <std::uint32_t N>
class SmallInts {
  static_assert(N * sizeof(int) >= sizeof(int*), "the inline space also holds the heap pointer");

 public:
  using value_type = int;
  using size_type = std::size_t;
  using iterator = int*;
  using const_iterator = const int*;

  SmallInts() = default;
  SmallInts(std::initializer_list<int> values) { assign(values.begin(), values.end()); }
  template <class It>
  SmallInts(It first, It last) {
    assign(first, last);
  }
  SmallInts(const SmallInts& other) { assign(other.begin(), other.end()); }
  SmallInts(SmallInts&& other) noexcept { take(other); }
  SmallInts& operator=(const SmallInts& other) {
    if (this != &other) assign(other.begin(), other.end());
    return *this;
  }
  SmallInts& operator=(SmallInts&& other) noexcept {
    if (this != &other) {
      free_heap();
      take(other);
    }
    return *this;
  }
  ~SmallInts() { free_heap(); }

  template <class It>
  void assign(It first, It last) {
    const auto n = static_cast<std::size_t>(std::distance(first, last));
    size_ = 0;
    reserve(n);
    std::copy(first, last, data());
    size_ = static_cast<std::uint32_t>(n);
  }
  void push_back(int value) {
    if (size_ == capacity_) reserve(2 * static_cast<std::size_t>(capacity_));
    data()[size_++] = value;
  }
  void clear() { size_ = 0; }
  void reserve(std::size_t n) {
    if (n <= capacity_) return;
    auto grown = std::make_unique<int[]>(n);
    std::copy(begin(), end(), grown.get());
    free_heap();
    heap_ = grown.release();
    capacity_ = static_cast<std::uint32_t>(n);
  }

  int* data() { return on_heap() ? heap_ : inline_; }
  const int* data() const { return on_heap() ? heap_ : inline_; }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  int* begin() { return data(); }
  int* end() { return data() + size_; }
  const int* begin() const { return data(); }
  const int* end() const { return data() + size_; }
  int& operator[](std::size_t i) { return data()[i]; }
  int operator[](std::size_t i) const { return data()[i]; }
  int front() const { return data()[0]; }
  int back() const { return data()[size_ - 1]; }

  friend bool operator==(const SmallInts& a, const SmallInts& b) { return std::equal(a.begin(), a.end(), b.begin(), b.end()); }

 private:
  bool on_heap() const { return capacity_ > N; }
  void free_heap() {
    if (on_heap()) delete[] heap_;
    capacity_ = N;
  }
  void take(SmallInts& other) {
    size_ = other.size_;
    capacity_ = other.capacity_;
    if (other.on_heap()) {
      heap_ = other.heap_;
    } else {
      std::copy(other.inline_, other.inline_ + other.size_, inline_);
    }
    other.capacity_ = N;
    other.size_ = 0;
  }

  std::uint32_t size_ = 0;
  std::uint32_t capacity_ = N;
  union {
    int inline_[N] = {};
    int* heap_;
  };
};

}  // namespace kvmplan
