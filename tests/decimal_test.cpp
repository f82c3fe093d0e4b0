#include <doctest/doctest.h>

#include "kvmplan/values/decimal.hpp"
#include "kvmplan/values/values.hpp"

using namespace kvmplan;

TEST_CASE("decimals are exact") {
  const auto tenth = Decimal::parse("0.1");
  REQUIRE(tenth.ok());
  // 0.1 x 10GiB = 1GiB exactly; a double would give 1GiB + 1 byte after rounding up.
  CHECK(tenth->scale_up(GiB(10)) == GiB(1));
  CHECK(tenth->scale_down(GiB(10)) == GiB(1));
  // 0.3 x 1GiB = 322122547.2 bytes: up 322122548, down 322122547.
  CHECK(Decimal::parse("0.3")->scale_up(GiB(1)).value == 322122548);
  CHECK(Decimal::parse("0.3")->scale_down(GiB(1)).value == 322122547);
  CHECK(*Decimal::parse("1.5") == *Decimal::parse("1.50"));
  CHECK(*Decimal::parse("1.5") < *Decimal::parse("1.51"));
  CHECK(Decimal::parse("4.0")->floor_times(10) == 40);
  CHECK(Decimal::parse("1.5")->floor_times(3) == 4);  // 4.5 rounds down
}

TEST_CASE("a product beyond 64 bits saturates instead of wrapping") {
  // 10^15 x 2^60 is about 2^110: it used to come back as whatever its low 64 bits were.
  const Decimal huge = *Decimal::parse("1000000000000000");
  const std::int64_t cap = std::int64_t{1} << 62;
  CHECK(huge.scale_down(Bytes{std::int64_t{1} << 60}).value == cap);
  CHECK(huge.scale_up(Bytes{std::int64_t{1} << 60}).value == cap);
  CHECK(huge.scale_down(Bytes{-(std::int64_t{1} << 60)}).value == -cap);
  CHECK(huge.floor_times(4096) == 4'096'000'000'000'000'000);  // exact below the cap (2^62 = 4.6e18)
}

TEST_CASE("decimal text round-trips") {
  for (const char* t : {"1.5", "4", "0.25", "2.286", "0", "-1.5", "0.000000001"}) {
    CAPTURE(t);
    CHECK(to_string(*Decimal::parse(t)) == t);
  }
  CHECK(to_string(*Decimal::parse("4.0")) == "4");
  CHECK(to_string(*Decimal::parse(".5")) == "0.5");
}

TEST_CASE("decimal rejections") {
  CHECK(Decimal::parse("abc").error() == "\"abc\" is not a number");
  CHECK(Decimal::parse("1.2.3").error() == "\"1.2.3\" is not a number");
  CHECK(Decimal::parse("0.0000000001").error() == "\"0.0000000001\" has more than 9 decimals");
  CHECK(values::fraction("1.5").error() == "\"1.5\" is outside [0, 1]; a fraction is written 0.25");
  CHECK(values::fraction("-0.1").error() == "\"-0.1\" is outside [0, 1]; a fraction is written 0.25");
  CHECK(values::fraction("1").ok());
  CHECK(values::fraction("0").ok());
  CHECK(values::ratio("0").error() == "\"0\" must be greater than 0");
  CHECK(values::ratio("-1").error() == "\"-1\" must be greater than 0");
  CHECK(values::ratio("0.001").ok());
}

TEST_CASE("report ratios: three decimals, at least one") {
  CHECK(ratio3(65536, 28672) == doctest::Approx(2.286));  // the book example: 64GiB / 28GiB
  CHECK(format_ratio(ratio3(65536, 28672)) == "2.286");
  CHECK(format_ratio(ratio3(64, 16)) == "4.0");
  CHECK(format_ratio(ratio3(1, 8)) == "0.125");
  CHECK(format_ratio(ratio3(2, 3)) == "0.667");  // half up
}
