#include <doctest/doctest.h>

#include "kvmplan/values/bytes.hpp"

using namespace kvmplan;

TEST_CASE("sizes parse with libvirt's units") {
  struct Case {
    const char* text;
    std::int64_t bytes;
  };
  // Binary units are powers of 1024, the *B units powers of 1000, case-insensitive.
  const Case cases[] = {
      {"32GiB", 32LL << 30},  {"32G", 32LL << 30},      {"32g", 32LL << 30},   {"32gib", 32LL << 30},
      {"4GB", 4'000'000'000}, {"1500MB", 1'500'000'000}, {"1.5GiB", 1'610'612'736},  // 1.5 x 2^30
      {"1k", 1024},           {"1KiB", 1024},            {"1KB", 1000},         {"100b", 100},
      {"100 bytes", 100},     {"2M", 2LL << 20},         {"1T", 1LL << 40},     {"1P", 1LL << 50},
      {"1TB", 1'000'000'000'000}, {"0.5KiB", 512},       {"0B", 0},
      {"0.1KiB", 102},        // 102.4 bytes: nearest whole byte
      {"0.0005KiB", 1},       // 0.512 bytes rounds half up to 1
      {"2.5MB", 2'500'000},   {" 8GiB ", 8LL << 30},
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    const auto r = parse_size(c.text);
    REQUIRE(r.ok());
    CHECK(r->value == c.bytes);
  }
}

TEST_CASE("a size without a unit says which unit to add") {
  const auto r = parse_size("32");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error() == "\"32\" has no unit; write 32GiB (or 32G)");
  CHECK(parse_size("1.5").error() == "\"1.5\" has no unit; write 1.5GiB (or 1.5G)");
}

TEST_CASE("sizes that are not sizes are rejected with the reason") {
  CHECK(parse_size("4XB").error() ==
        "\"4XB\" has an unknown unit \"XB\"; use B, KiB, MiB, GiB, TiB, PiB (powers of 1024) or KB, MB, GB, TB, PB");
  CHECK(parse_size("-1GiB").error() == "\"-1GiB\" is negative; a size is at least 0");
  CHECK(parse_size("GiB").error() == "\"GiB\" is not a size; write a number and a unit, e.g. 4GiB");
  CHECK(parse_size("").error() == "\"\" is not a size; write a number and a unit, e.g. 4GiB");
  CHECK(parse_size("1.2.3GiB").error() == "\"1.2.3GiB\" has an unknown unit \".3GiB\"; use B, KiB, MiB, GiB, TiB, PiB (powers of 1024) or KB, MB, GB, TB, PB");
  CHECK(parse_size("9999PiB").error() == "\"9999PiB\" is too large; sizes go up to 1EiB");
  // The product of digits and unit once left 128 bits and wrapped to 1GiB.
  CHECK(parse_size("316912650057057350374175801345GiB").error() ==
        "\"316912650057057350374175801345GiB\" is too large; sizes go up to 1EiB");
  CHECK(parse_size("1024PiB")->value == std::int64_t{1} << 60);  // 1EiB: the largest size
  CHECK_FALSE(parse_size("1025PiB").ok());
  CHECK_FALSE(parse_size("1152921504606846977B").ok());  // 2^60 + 1
  CHECK(parse_size("1152921504606846976B")->value == std::int64_t{1} << 60);
  CHECK(parse_size("0.000000000000000001PiB")->value == 0);  // 1.1259 mbytes round to 0
}

TEST_CASE("to_string picks the largest exact binary unit and parses back") {
  CHECK(to_string(GiB(32)) == "32GiB");
  CHECK(to_string(MiB(1536)) == "1536MiB");
  CHECK(to_string(Bytes{1000}) == "1000B");
  CHECK(to_string(Bytes{0}) == "0B");
  CHECK(to_string(TiB(2)) == "2TiB");
  for (std::int64_t v : {std::int64_t{1}, std::int64_t{1023}, std::int64_t{1024}, std::int64_t{1'500'000'000},
                         (std::int64_t{3} << 30) + 1, std::int64_t{1} << 50}) {
    CAPTURE(v);
    CHECK(parse_size(to_string(Bytes{v}))->value == v);
  }
}

TEST_CASE("reports round up to whole MiB") {
  CHECK(mib_ceil(Bytes{0}) == 0);
  CHECK(mib_ceil(Bytes{1}) == 1);
  CHECK(mib_ceil(MiB(1)) == 1);
  CHECK(mib_ceil(MiB(1) + Bytes{1}) == 2);
  CHECK(mib_ceil(GiB(44)) == 45056);  // the book example's swap
}

TEST_CASE("human sizes: GiB where exact, MiB otherwise") {
  CHECK(to_human(GiB(44)) == "44GiB");
  CHECK(to_human(MiB(1536)) == "1536MiB");
  CHECK(to_human(Bytes{1}) == "1MiB");
  CHECK(to_human(Bytes{0}) == "0");
}
