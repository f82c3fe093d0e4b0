#pragma once
// Exact decimal numbers for ratios and fractions ("1.5", "0.25"), so that 0.1 x 10GiB is exactly
// 1GiB and a ratio border compares exactly: doubles would put such results one byte off.
#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "kvmplan/values/bytes.hpp"
#include "kvmplan/values/result.hpp"

namespace kvmplan {

struct Decimal {
  std::int64_t num = 0;  // value = num / den
  std::int64_t den = 1;  // a power of ten, 1 .. 10^9

  static Decimal of(std::int64_t whole) { return {whole, 1}; }
  // "1.5", "-2", "0.125", "3." ; at most 9 decimals.
  static Result<Decimal> parse(std::string_view text);

  double to_double() const { return static_cast<double>(num) / static_cast<double>(den); }
  bool operator==(const Decimal& o) const;
  std::strong_ordering operator<=>(const Decimal& o) const;

  // size x this, rounded up (demands) or down (savings, capacities); saturating at
  // +-4 x limits::max_bytes instead of wrapping.
  Bytes scale_up(Bytes size) const;
  Bytes scale_down(Bytes size) const;
  // n x this, rounded down (a count of CPUs a ratio allows).
  std::int64_t floor_times(std::int64_t n) const;
};

// Shortest text that parses back to the same value: "1.5", "4", "0.25".
std::string to_string(Decimal d);

// A ratio of two quantities for reports, rounded to 3 decimals: 65536/28672 -> 2.286.
double ratio3(std::int64_t numerator, std::int64_t denominator);
// A report number: at most 3 decimals, at least one ("4.0", "2.286").
std::string format_ratio(double value);

}  // namespace kvmplan
