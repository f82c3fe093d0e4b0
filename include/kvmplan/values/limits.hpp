#pragma once
// The documented limits of kvmplan's input (docs/format.md, "Limits"), and checked arithmetic
// that keeps every figure inside them. A value or a sum beyond a limit is an input error at the
// value's position, never a wrapped number: every size and every sum of sizes a scenario can
// make is at most max_bytes (2^60), so any figure built from a handful of them (committed +
// reserve - RAM, say) stays far inside 64 bits.
#include <cstdint>
#include <optional>

namespace kvmplan::limits {

inline constexpr std::int64_t max_bytes = std::int64_t{1} << 60;  // 1EiB: one size, and any sum of sizes
inline constexpr std::int64_t max_guests = 10'000'000;             // guests of a scenario, counts expanded
inline constexpr std::int64_t max_hosts = 1'000'000;               // hosts a scenario lists, counts expanded
inline constexpr std::int64_t max_failures = 1000;                 // ha.host_failures, ha.zone_failures
inline constexpr int max_cpu_id = 8191;                            // Linux's NR_CPUS is at most 8192
inline constexpr int max_vcpus = max_cpu_id + 1;                   // one guest, one host
inline constexpr std::int64_t max_total_vcpus = 2'000'000'000;     // all guests' vCPUs together
inline constexpr int max_node_id = 1023;                           // Linux's MAX_NUMNODES is at most 1024
inline constexpr int max_threads_per_core = 8;                     // SMT8 (POWER) is the most there is
inline constexpr std::int64_t max_slots = 1008;                    // a profile's slots: a week of 10-minute slots
inline constexpr std::int64_t max_input_bytes = std::int64_t{2} << 30;  // one input file: 2GiB

// a + b, or nothing when the sum leaves [-max, max] (max: max_bytes unless given).
constexpr std::optional<std::int64_t> add(std::int64_t a, std::int64_t b, std::int64_t max = max_bytes) {
  std::int64_t r = 0;
  if (__builtin_add_overflow(a, b, &r) || r > max || r < -max) return std::nullopt;
  return r;
}

// a x b, or nothing when the product leaves [-max, max].
constexpr std::optional<std::int64_t> mul(std::int64_t a, std::int64_t b, std::int64_t max = max_bytes) {
  std::int64_t r = 0;
  if (__builtin_mul_overflow(a, b, &r) || r > max || r < -max) return std::nullopt;
  return r;
}

// A running total that remembers whether it ever left its limit.
class Sum {
 public:
  explicit constexpr Sum(std::int64_t max = max_bytes) : max_(max) {}
  // Adds `v`; false (and the total stays over) once the total leaves the limit.
  constexpr bool add(std::int64_t v) {
    if (over_) return false;
    const auto r = limits::add(total_, v, max_);
    if (!r) {
      over_ = true;
      return false;
    }
    total_ = *r;
    return true;
  }
  constexpr bool over() const { return over_; }
  constexpr std::int64_t value() const { return total_; }

 private:
  std::int64_t max_;
  std::int64_t total_ = 0;
  bool over_ = false;
};

}  // namespace kvmplan::limits
