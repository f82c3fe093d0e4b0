#include <doctest/doctest.h>

#include <stdexcept>

#include "kvmplan/values/cpuset.hpp"

using namespace kvmplan;

TEST_CASE("cpulists parse ranges and exclusions") {
  CHECK(CpuSet::parse("0-3,8,10-11")->ids() == std::vector<int>{0, 1, 2, 3, 8, 10, 11});
  CHECK(CpuSet::parse("0-7,^2")->ids() == std::vector<int>{0, 1, 3, 4, 5, 6, 7});
  CHECK(CpuSet::parse("0-7,^2-5")->ids() == std::vector<int>{0, 1, 6, 7});
  // Tokens apply in order, as libvirt reads them: a later range adds an excluded CPU back.
  CHECK(CpuSet::parse("^2,0-3")->ids() == std::vector<int>{0, 1, 2, 3});
  CHECK(CpuSet::parse("5")->ids() == std::vector<int>{5});
  CHECK(CpuSet::parse("64-66,127,128")->ids() == std::vector<int>{64, 65, 66, 127, 128});
  CHECK(CpuSet::parse("0, 2")->ids() == std::vector<int>{0, 2});
}

TEST_CASE("cpulists print canonically and parse back") {
  CHECK(to_string(*CpuSet::parse("11,10,8,3,2,1,0")) == "0-3,8,10-11");
  CHECK(to_string(*CpuSet::parse("0,2,4,6")) == "0,2,4,6");
  CHECK(to_string(*CpuSet::parse("0,1")) == "0-1");
  CHECK(to_string(CpuSet{}) == "");
  for (const char* t : {"0-5,12-17", "6-11,18-23", "0,2,4,6,8,10,12,14", "0-63,128-191", "3"}) {
    CAPTURE(t);
    const CpuSet s = *CpuSet::parse(t);
    CHECK(*CpuSet::parse(to_string(s)) == s);
    CHECK(to_string(s) == t);
  }
}

TEST_CASE("sets past 256 CPUs (beyond the inline words) behave the same") {
  const CpuSet big = *CpuSet::parse("0-3,250-260,1000");
  CHECK(big.count() == 16);
  CHECK(to_string(big) == "0-3,250-260,1000");
  CHECK(big.contains(1000));
  CHECK_FALSE(big.contains(999));
  CHECK(to_string(big & *CpuSet::parse("255-1000")) == "255-260,1000");
  CHECK(to_string(big - *CpuSet::parse("256-2000")) == "0-3,250-255");
  CHECK((big - *CpuSet::parse("256-2000")) == *CpuSet::parse("0-3,250-255"));  // equal once trimmed
  CHECK(to_string(*CpuSet::parse("0-1") | *CpuSet::parse("300")) == "0-1,300");
  CHECK(CpuSet::parse("1000")->subset_of(big));
  CHECK_FALSE(big.subset_of(*CpuSet::parse("0-999")));
  CHECK(big.count_in(*CpuSet::parse("259-2000")) == 3);
  CpuSet e = *CpuSet::parse("1000");
  e.erase(1000);
  CHECK(e == CpuSet{});
  CHECK(e.empty());
}

TEST_CASE("cpulist rejections") {
  CHECK(CpuSet::parse("3-1").error() == "\"3-1\": range 3-1 runs backwards");
  CHECK(CpuSet::parse("a").error() == "\"a\" is not a CPU list; write ids and ranges such as 0-3,8,^2");
  CHECK(CpuSet::parse("1,,2").error() == "\"1,,2\" is not a CPU list; write ids and ranges such as 0-3,8,^2");
  CHECK(CpuSet::parse("-1").error() == "\"-1\" is not a CPU list; write ids and ranges such as 0-3,8,^2");
  CHECK(CpuSet::parse("0-70000").error() == "\"0-70000\": CPU 70000 is beyond 8191, the highest CPU id Linux has");
  CHECK(CpuSet::parse("8192").error() == "\"8192\": CPU 8192 is beyond 8191, the highest CPU id Linux has");
  CHECK(CpuSet::parse("0-8191")->count() == 8192);
  // Ids that do not fit an int are refused, not cast (2^31 once became a negative id).
  CHECK(CpuSet::parse("2147483648").error() == "\"2147483648\": CPU 2147483648 is beyond 8191, the highest CPU id Linux has");
  CHECK(CpuSet::parse("99999999999999999999").error() ==
        "\"99999999999999999999\": CPU 99999999999999999999 is beyond 8191, the highest CPU id Linux has");
  CHECK_FALSE(CpuSet::parse("-1").ok());
  CpuSet s;
  CHECK_THROWS_AS(s.insert(-2147483647 - 1), std::out_of_range);
  CHECK_THROWS_AS(s.insert(8192), std::out_of_range);
}

TEST_CASE("set operations") {
  const CpuSet a = *CpuSet::parse("0-7"), b = *CpuSet::parse("4-11");
  CHECK(to_string(a | b) == "0-11");
  CHECK(to_string(a & b) == "4-7");
  CHECK(to_string(a - b) == "0-3");
  CHECK((a - a).empty());
  CHECK(a.intersects(b));
  CHECK_FALSE(a.intersects(*CpuSet::parse("8-9")));
  CHECK(CpuSet::parse("1-2")->subset_of(a));
  CHECK_FALSE(b.subset_of(a));
  CHECK(a.count() == 8);
  CHECK(a.count_in(b) == 4);
  CHECK(b.count_in(a) == 4);
  CHECK(CpuSet::parse("0-127")->count_in(*CpuSet::parse("60-70,120-200")) == 19);  // 11 + 8, across words
  CHECK(CpuSet::parse("100")->subset_of(*CpuSet::parse("0-127")));
  CHECK_FALSE(CpuSet::parse("100")->subset_of(*CpuSet::parse("0-63")));
  CHECK(CpuSet{}.subset_of(CpuSet{}));
  CHECK(CpuSet::first(3) == *CpuSet::parse("0-2"));
  CHECK(cpus_are(*CpuSet::parse("9")) == "CPU 9 is");
  CHECK(cpus_are(*CpuSet::parse("8-9")) == "CPUs 8-9 are");
}
