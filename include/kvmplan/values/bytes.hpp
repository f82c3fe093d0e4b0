#pragma once
// Memory sizes: whole bytes in 64 bits, parsed with libvirt's units.
#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "kvmplan/values/result.hpp"

namespace kvmplan {

// A memory size or a difference of sizes. Never a double: fractions of a size go through
// Decimal::scale_up / scale_down, which round in the safe direction explicitly.
struct Bytes {
  std::int64_t value = 0;

  constexpr auto operator<=>(const Bytes&) const = default;
  constexpr Bytes operator+(Bytes o) const { return {value + o.value}; }
  constexpr Bytes operator-(Bytes o) const { return {value - o.value}; }
  constexpr Bytes operator*(std::int64_t k) const { return {value * k}; }
  constexpr Bytes& operator+=(Bytes o) { value += o.value; return *this; }
  constexpr Bytes& operator-=(Bytes o) { value -= o.value; return *this; }
};

constexpr Bytes KiB(std::int64_t n) { return {n << 10}; }
constexpr Bytes MiB(std::int64_t n) { return {n << 20}; }
constexpr Bytes GiB(std::int64_t n) { return {n << 30}; }
constexpr Bytes TiB(std::int64_t n) { return {n << 40}; }

constexpr Bytes max(Bytes a, Bytes b) { return a < b ? b : a; }
constexpr Bytes min(Bytes a, Bytes b) { return a < b ? a : b; }


// "32GiB", "1.5G", "1500MB", "4096 KiB". Units as libvirt reads them, case-insensitive:
// b/bytes = 1; k/KiB, M/MiB, G/GiB, T/TiB, P/PiB = 1024^n; KB, MB, GB, TB, PB = 1000^n.
// Decimals are exact; a result that is not a whole number of bytes rounds to the nearest byte.
// A bare number is an error that says which unit to add; a size above limits::max_bytes (1EiB)
// is "too large".
Result<Bytes> parse_size(std::string_view text);

// Canonical text that parses back to the same value: the largest binary unit that divides it
// exactly ("32GiB", "1536MiB", "1000B").
std::string to_string(Bytes size);

// Reports round sizes up to whole MiB (spec section 1).
std::int64_t mib_ceil(Bytes size);
// Whole MiB rounded down (toward minus infinity), for what is free: headroom is never flattered.
std::int64_t mib_floor(Bytes size);

// For people: the size rounded up to MiB, shown in GiB when that is a whole number of GiB and
// in MiB otherwise: "44GiB", "1536MiB", "0".
std::string to_human(Bytes size);

}  // namespace kvmplan
