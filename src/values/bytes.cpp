#include "kvmplan/values/bytes.hpp"

#include <algorithm>
#include <array>
#include <cctype>

#include "kvmplan/values/limits.hpp"

namespace kvmplan {
namespace {

struct Unit {
  std::string_view name;  // lower case
  std::int64_t base;      // 1024 or 1000
  int power;
};

constexpr std::array<Unit, 17> units{{
    {"b", 1, 0},      {"bytes", 1, 0},  {"k", 1024, 1},   {"kib", 1024, 1}, {"m", 1024, 2},
    {"mib", 1024, 2}, {"g", 1024, 3},   {"gib", 1024, 3}, {"t", 1024, 4},   {"tib", 1024, 4},
    {"p", 1024, 5},   {"pib", 1024, 5}, {"kb", 1000, 1},  {"mb", 1000, 2},  {"gb", 1000, 3},
    {"tb", 1000, 4},  {"pb", 1000, 5},
}};

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

}  // namespace

Result<Bytes> parse_size(std::string_view text) {
  const std::string_view s = trim(text);
  const std::string quoted = "\"" + std::string(text) + "\"";
  std::size_t i = 0;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) {
    if (s[i] == '-') return Error{quoted + " is negative; a size is at least 0"};
    ++i;
  }
  const std::string too_large = quoted + " is too large; sizes go up to 1EiB";
  // Mantissa as an exact fraction: digits / 10^scale, digits < 2^100, scale <= 18.
  __int128 digits = 0;
  int scale = 0;
  bool any_digit = false, point = false;
  for (; i < s.size(); ++i) {
    const char c = s[i];
    if (c >= '0' && c <= '9') {
      any_digit = true;
      if (digits > (__int128{1} << 100)) return Error{too_large};
      digits = digits * 10 + (c - '0');
      if (point) ++scale;
      if (scale > 18) return Error{quoted + " has too many decimals"};
    } else if (c == '.' && !point) {
      point = true;
    } else {
      break;
    }
  }
  if (!any_digit) return Error{quoted + " is not a size; write a number and a unit, e.g. 4GiB"};
  const std::string_view number = s.substr(0, i);
  const std::string unit_text = lower(trim(s.substr(i)));
  if (unit_text.empty()) {
    return Error{quoted + " has no unit; write " + std::string(number) + "GiB (or " +
                 std::string(number) + "G)"};
  }
  const auto unit = std::find_if(units.begin(), units.end(),
                                 [&](const Unit& u) { return u.name == unit_text; });
  if (unit == units.end()) {
    return Error{quoted + " has an unknown unit \"" + std::string(trim(s.substr(i))) +
                 "\"; use B, KiB, MiB, GiB, TiB, PiB (powers of 1024) or KB, MB, GB, TB, PB"};
  }
  __int128 multiplier = 1;
  for (int p = 0; p < unit->power; ++p) multiplier *= unit->base;
  __int128 divisor = 1;
  for (int p = 0; p < scale; ++p) divisor *= 10;
  // bytes = digits x multiplier / divisor <= max, checked without forming a product that could
  // leave 128 bits: max x divisor < 2^60 x 10^18 < 2^120.
  const __int128 limit = __int128{limits::max_bytes} * divisor;
  if (digits > limit / multiplier) return Error{too_large};
  const __int128 numerator = digits * multiplier;
  // Round half up to a whole byte.
  const __int128 bytes = (numerator * 2 + divisor) / (divisor * 2);
  return Bytes{static_cast<std::int64_t>(bytes)};
}

std::string to_string(Bytes size) {
  static constexpr std::array<std::string_view, 6> names{"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  if (size.value == 0) return "0B";
  std::int64_t v = size.value;
  std::size_t u = 0;
  while (u + 1 < names.size() && v % 1024 == 0) {
    v /= 1024;
    ++u;
  }
  return std::to_string(v) + std::string(names[u]);
}

std::int64_t mib_floor(Bytes size) {
  const std::int64_t mib = std::int64_t{1} << 20;
  return size.value >= 0 ? size.value / mib : -((-size.value + mib - 1) / mib);
}

std::int64_t mib_ceil(Bytes size) {
  const std::int64_t mib = std::int64_t{1} << 20;
  if (size.value <= 0) return -((-size.value) / mib);  // toward zero for negatives: never used for sizes
  return (size.value + mib - 1) / mib;
}

std::string to_human(Bytes size) {
  const std::int64_t mib = mib_ceil(size);
  if (mib == 0) return "0";
  if (mib % 1024 == 0) return std::to_string(mib / 1024) + "GiB";
  return std::to_string(mib) + "MiB";
}

}  // namespace kvmplan
