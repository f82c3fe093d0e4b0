#pragma once
// A set of logical CPU ids, read and written in the Linux cpulist syntax ("0-3,8,10-11") with
// libvirt's "^N" exclusions.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "kvmplan/result.hpp"

namespace kvmplan {

class CpuSet {
 public:
  static constexpr int max_cpu = 65535;  // sanity bound on ids, far above any host

  CpuSet() = default;
  // {0 .. n-1}
  static CpuSet first(int n);
  // Tokens separated by commas, applied in order: N, N-M, ^N, ^N-M.
  static Result<CpuSet> parse(std::string_view text);

  void insert(int cpu);
  void erase(int cpu);
  bool contains(int cpu) const;
  int count() const;
  bool empty() const { return count() == 0; }
  std::vector<int> ids() const;  // ascending

  CpuSet operator|(const CpuSet& o) const;
  CpuSet operator&(const CpuSet& o) const;
  CpuSet operator-(const CpuSet& o) const;
  bool operator==(const CpuSet& o) const;
  // Word by word, without building a set.
  bool intersects(const CpuSet& o) const;
  bool subset_of(const CpuSet& o) const;
  int count_in(const CpuSet& o) const;  // |this & o|

 private:
  void trim();
  std::vector<std::uint64_t> words_;  // bit i of word w is CPU 64w+i; no trailing zero words
};

// Canonical cpulist, ranges merged: "0-3,8,10-11"; "" for the empty set.
std::string to_string(const CpuSet& set);
// For messages: "CPU 9 is" or "CPUs 8-9 are".
std::string cpus_are(const CpuSet& set);

}  // namespace kvmplan
