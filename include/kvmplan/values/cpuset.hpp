#pragma once
// A set of logical CPU ids, read and written in the Linux cpulist syntax ("0-3,8,10-11") with
// libvirt's "^N" exclusions.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "kvmplan/values/limits.hpp"
#include "kvmplan/values/result.hpp"

namespace kvmplan {

class CpuSet {
 public:
  static constexpr int max_cpu = limits::max_cpu_id;  // 8191: Linux's NR_CPUS is at most 8192

  CpuSet() = default;
  // {0 .. n-1}
  static CpuSet first(int n);
  // Tokens separated by commas, applied in order: N, N-M, ^N, ^N-M.
  static Result<CpuSet> parse(std::string_view text);

  // An id outside [0, max_cpu] is a bug in the caller (input is checked where it is read):
  // insert throws std::out_of_range rather than growing the set without bound.
  void insert(int cpu);
  void erase(int cpu);
  bool contains(int cpu) const;
  int count() const;
  bool empty() const { return count() == 0; }
  std::vector<int> ids() const;  // ascending
  int lowest() const;            // the smallest id; -1 for the empty set

  CpuSet operator|(const CpuSet& o) const;
  CpuSet operator&(const CpuSet& o) const;
  CpuSet operator-(const CpuSet& o) const;
  bool operator==(const CpuSet& o) const;
  // Word by word, without building a set.
  bool intersects(const CpuSet& o) const;
  bool subset_of(const CpuSet& o) const;
  int count_in(const CpuSet& o) const;  // |this & o|

 private:
  // Bit i of word w is CPU 64w+i. The first words live inline, so that the sets of real hosts
  // (up to 256 CPUs) never allocate: a host has a set per core, and fits combine sets often.
  static constexpr std::size_t inline_words = 4;
  std::size_t words() const { return inline_words + more_.size(); }
  std::uint64_t word(std::size_t i) const { return i < inline_words ? small_[i] : more_[i - inline_words]; }
  std::uint64_t& word_ref(std::size_t i);  // grows `more_` as needed
  void trim();
  std::array<std::uint64_t, inline_words> small_{};
  std::vector<std::uint64_t> more_;  // words past the inline ones; no trailing zero words
};

// Canonical cpulist, ranges merged: "0-3,8,10-11"; "" for the empty set.
std::string to_string(const CpuSet& set);
// For messages: "CPU 9 is" or "CPUs 8-9 are".
std::string cpus_are(const CpuSet& set);

}  // namespace kvmplan
