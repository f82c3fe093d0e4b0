#include "kvmplan/model/swap.hpp"

#include <array>
#include <span>

namespace kvmplan {
namespace {

// One row: RAM up to `high` (inclusive) gets `times` x RAM plus `fixed`.
struct Row {
  Bytes high;      // Bytes{0}: no upper border (the last row)
  Decimal times;   // multiple of RAM
  Bytes fixed;
  const char* warning = "";
};

constexpr Bytes open{0};
const Decimal x0{0, 1}, x05{5, 10}, x1{1, 1}, x15{15, 10}, x2{2, 1}, x3{3, 1};

// RHEL 5 Deployment Guide / Knowledgebase table, the one the worked examples use.
const std::array<Row, 6> rhel5{{
    {GiB(4), x0, GiB(2)}, {GiB(16), x0, GiB(4)}, {GiB(64), x0, GiB(8)},
    {GiB(256), x0, GiB(16)}, {GiB(512), x0, GiB(32)},
    {open, x0, GiB(32), "RAM above 512GiB, where the rhel5 table ends: baseline kept at 32GiB"},
}};
// RHEL 6.3+ Installation Guide.
const std::array<Row, 4> rhel6{{
    {GiB(2), x2, {}}, {GiB(8), x1, {}}, {GiB(64), x05, {}}, {open, x0, GiB(4)}}};
const std::array<Row, 4> rhel6_hibernation{{
    {GiB(2), x3, {}}, {GiB(8), x2, {}}, {GiB(64), x15, {}}, {open, x0, GiB(4)}}};
// RHEL 7/8 Installation Guides. (8,64] says "4 GiB to 0.5 x RAM": kvmplan takes the upper end,
// 0.5 x RAM (as rhel6; sizing errs toward safety). rhel9 gives the lower end, 4GiB.
const std::array<Row, 4> rhel7{{
    {GiB(2), x2, {}}, {GiB(8), x1, {}}, {GiB(64), x05, {}},
    {open, x0, GiB(4), "RAM above 64GiB: the rhel7 guide says \"workload dependent, at least 4GiB\""}}};
const std::array<Row, 4> rhel7_hibernation{{
    {GiB(2), x3, {}}, {GiB(8), x2, {}}, {GiB(64), x15, {}},
    {open, x0, GiB(4), "hibernation is not recommended above 64GiB of RAM (rhel7): baseline 4GiB without it"}}};
// RHEL 8/9 storage guide.
const std::array<Row, 4> rhel9{{
    {GiB(2), x2, {}}, {GiB(8), x1, {}}, {GiB(64), x0, GiB(4)}, {open, x0, GiB(4)}}};
const std::array<Row, 4> rhel9_hibernation{{
    {GiB(2), x3, {}}, {GiB(8), x2, {}}, {GiB(64), x15, {}},
    {open, x0, GiB(4), "hibernation is not recommended above 64GiB of RAM (rhel9): baseline 4GiB without it"}}};

BaselineSwap apply(std::span<const Row> rows, Bytes ram) {
  for (const Row& row : rows) {
    if (row.high == open || ram <= row.high) {
      return {row.times.scale_up(ram) + row.fixed, row.warning};
    }
  }
  return {};  // unreachable: the last row is open
}

}  // namespace

BaselineSwap baseline_swap(const SwapBaseline& baseline, bool hibernation, Bytes ram) {
  using T = SwapBaseline::Table;
  switch (baseline.table) {
    case T::none: return {};
    case T::flat: return {baseline.flat, ""};
    case T::rhel5: {
      BaselineSwap b = apply(rhel5, ram);
      if (hibernation && b.warning.empty()) {
        b.warning = "the rhel5 table has no hibernation column: baseline without hibernation";
      }
      return b;
    }
    case T::rhel6: return apply(hibernation ? std::span<const Row>(rhel6_hibernation) : rhel6, ram);
    case T::rhel7: return apply(hibernation ? std::span<const Row>(rhel7_hibernation) : rhel7, ram);
    case T::rhel9: return apply(hibernation ? std::span<const Row>(rhel9_hibernation) : rhel9, ram);
  }
  return {};
}

}  // namespace kvmplan
