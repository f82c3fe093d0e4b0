#pragma once
// The plan document's own line format, read without building a YAML tree: one flow mapping per
// placement, as plan_writer writes it (YAML or JSON). A million-guest plan is 150MB; as a YAML
// tree it takes gigabytes and tens of seconds, line by line it takes well under a second.
// Anything else (a plan edited by hand into another YAML form, an error) makes it step aside:
// the caller reads the document as YAML, with every position and message as before.
#include <cstdint>
#include <string_view>

#include "kvmplan/plan/plan_reader.hpp"
#include "kvmplan/values/cpuset.hpp"
#include "kvmplan/values/result.hpp"

namespace kvmplan::plan_lines {

// A placement's cpuset: a CPU list, or "" for none (a forced guest left without a CPU; check
// reports it as a violation rather than the reader as unreadable).
Result<CpuSet> cpuset(std::string_view text);

// Fills `doc` from `text` (file `file` of the sources) and returns true when every line is of
// the plan's own format and every value valid; returns false at the first that is not, `doc`
// then left in any state.
bool read(std::string_view text, std::uint32_t file, PlanDocument& doc);

}  // namespace kvmplan::plan_lines
