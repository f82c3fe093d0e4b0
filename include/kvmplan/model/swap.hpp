#pragma once
// Red Hat's baseline swap tables (docs/model.md section 2). Rows are (low, high] on the host's
// nominal RAM; every figure is "a minimum".
#include <string>

#include "kvmplan/values/bytes.hpp"
#include "kvmplan/scenario/policy.hpp"

namespace kvmplan {

struct BaselineSwap {
  Bytes size;
  std::string warning;  // "" or why the figure needs a person's judgement
};

BaselineSwap baseline_swap(const SwapBaseline& baseline, bool hibernation, Bytes ram);

}  // namespace kvmplan
