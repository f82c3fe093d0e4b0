// SmallInts: a plan's node and pin lists, inline up to N, on the heap beyond.
#include <doctest/doctest.h>

#include <utility>
#include <vector>

#include "kvmplan/values/small_ints.hpp"

using kvmplan::SmallInts;

namespace {
std::vector<int> values(const SmallInts<2>& s) { return {s.begin(), s.end()}; }
}  // namespace

TEST_CASE("SmallInts keeps its values across the inline limit, copies and moves") {
  SmallInts<2> s;
  CHECK(s.empty());
  s.push_back(7);
  s.push_back(8);
  CHECK(values(s) == std::vector<int>{7, 8});  // inline, full
  s.push_back(9);                                // onto the heap
  s.push_back(10);
  s.push_back(11);
  CHECK(values(s) == std::vector<int>{7, 8, 9, 10, 11});
  CHECK(s.size() == 5);

  SmallInts<2> copy = s;
  CHECK(copy == s);
  copy[0] = 1;
  CHECK(s[0] == 7);  // a copy owns its values

  SmallInts<2> moved = std::move(copy);
  CHECK(values(moved) == std::vector<int>{1, 8, 9, 10, 11});
  CHECK(copy.empty());  // NOLINT(bugprone-use-after-move): moved-from is empty by contract

  SmallInts<2> small{3};
  moved = small;  // a heap list takes an inline one's values
  CHECK(values(moved) == std::vector<int>{3});
  moved = SmallInts<2>{4, 5, 6};
  CHECK(values(moved) == std::vector<int>{4, 5, 6});
  CHECK(moved.back() == 6);
  CHECK(!(moved == small));
  moved.assign(s.begin(), s.begin() + 1);
  CHECK(values(moved) == std::vector<int>{7});
}
