#pragma once
// Growth for what-if questions ("guests grow 30%: how many hosts then?"): a loaded scenario with
// more guests, or larger ones, without rewriting its YAML. `kvmplan whatif --grow` (docs/cli.md).
//
//   count=1.3    every guest entry ends with ceil(n x 1.3) guests (n: its guests selected)
//   memory=1.1   each selected guest's memory x 1.1, rounded up to whole MiB (hugepage-backed
//                guests: to whole pages of their size); currentMemory and ksm_shareable scale
//                with it
//   vcpus=1.2    each selected guest's vCPUs x 1.2, rounded up
//
// A selector restricts it: `@flavor=NAME` (guests of that flavor), `@guest=NAME` (the guests of
// the entry named NAME, or the one guest of that name). Host configuration never grows: a
// hugepage pool too small for the grown guests leaves them unplaced, with the hugepage rule's
// reason, as a fleet whose pools nobody resized would (docs/cli.md, "whatif").
#include <string>
#include <string_view>
#include <vector>

#include "kvmplan/scenario/scenario.hpp"
#include "kvmplan/values/decimal.hpp"
#include "kvmplan/values/result.hpp"

namespace kvmplan {

struct Growth {
  enum class What { count, memory, vcpus };
  enum class Selector { all, flavor, guest };
  What what = What::count;
  Decimal factor = Decimal::of(1);
  Selector selector = Selector::all;
  std::string name;  // the flavor's or guest's name, for a selector

  // "memory=1.1", "count=1.3@flavor=web": a factor above 0 with at most 9 decimals.
  static Result<Growth> parse(std::string_view text);
  std::string to_string() const;   // parses back to the same growth
  std::string what_name() const;   // "count", "memory", "vcpus"
};

// The scenario with each growth applied in turn, or what is wrong: a selector that selects no
// guest, or a grown scenario beyond the limits of limits.hpp (a number that would wrap).
// Added guests follow their entry's naming (web-121 after web-120) and keep its fixed host.
Result<Scenario> grow(const Scenario& scenario, const std::vector<Growth>& growths);

}  // namespace kvmplan
