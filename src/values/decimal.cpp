#include "kvmplan/values/decimal.hpp"

#include <cmath>
#include <cstdio>

#include "kvmplan/values/limits.hpp"

namespace kvmplan {

Result<Decimal> Decimal::parse(std::string_view text) {
  const std::string quoted = "\"" + std::string(text) + "\"";
  std::size_t i = 0;
  bool negative = false;
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) negative = text[i++] == '-';
  std::int64_t num = 0, den = 1;
  bool any_digit = false, point = false;
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (c >= '0' && c <= '9') {
      any_digit = true;
      if (num > (std::int64_t{1} << 50)) return Error{quoted + " is too large"};
      num = num * 10 + (c - '0');
      if (point) {
        if (den == 1'000'000'000) return Error{quoted + " has more than 9 decimals"};
        den *= 10;
      }
    } else if (c == '.' && !point) {
      point = true;
    } else {
      return Error{quoted + " is not a number"};
    }
  }
  if (!any_digit) return Error{quoted + " is not a number"};
  return Decimal{negative ? -num : num, den};
}

bool Decimal::operator==(const Decimal& o) const { return (*this <=> o) == 0; }

std::strong_ordering Decimal::operator<=>(const Decimal& o) const {
  return __int128{num} * o.den <=> __int128{o.num} * den;
}

namespace {
// |size| <= 2^63 and |num| <= 2^50 keep the product inside 128 bits; the quotient may still
// leave 64, so it saturates at 4 x limits::max_bytes: a budget that large exceeds every
// demand a scenario can sum up (limits.hpp), and stays far from wrapping when added to one.
std::int64_t saturate(__int128 q) {
  constexpr __int128 cap = __int128{limits::max_bytes} * 4;
  return static_cast<std::int64_t>(q > cap ? cap : q < -cap ? -cap : q);
}
}  // namespace

Bytes Decimal::scale_up(Bytes size) const {
  const __int128 p = __int128{size.value} * num;
  const __int128 q = p / den;
  return Bytes{saturate(q * den < p ? q + 1 : q)};
}

Bytes Decimal::scale_down(Bytes size) const {
  const __int128 p = __int128{size.value} * num;
  const __int128 q = p / den;
  return Bytes{saturate(q * den > p ? q - 1 : q)};
}

std::int64_t Decimal::floor_times(std::int64_t n) const { return scale_down(Bytes{n}).value; }

std::string to_string(Decimal d) {
  std::string digits = std::to_string(d.num < 0 ? -d.num : d.num);
  int decimals = 0;
  for (std::int64_t den = d.den; den > 1; den /= 10) ++decimals;
  if (decimals > 0) {
    if (static_cast<int>(digits.size()) <= decimals) {
      digits.insert(0, static_cast<std::size_t>(decimals + 1) - digits.size(), '0');
    }
    digits.insert(digits.size() - static_cast<std::size_t>(decimals), ".");
    while (digits.back() == '0') digits.pop_back();
    if (digits.back() == '.') digits.pop_back();
  }
  return (d.num < 0 ? "-" : "") + digits;
}

double ratio3(std::int64_t numerator, std::int64_t denominator) {
  // Round half up on the exact quotient, in thousandths.
  const __int128 n = __int128{numerator} * 2000 + denominator;
  const __int128 d = __int128{denominator} * 2;
  return static_cast<double>(static_cast<std::int64_t>(n / d)) / 1000.0;
}

std::string format_ratio(double value) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3f", value);
  std::string s(buf);
  while (s.back() == '0' && s[s.size() - 2] != '.') s.pop_back();
  return s;
}

}  // namespace kvmplan
