#pragma once
// `kvmplan whatif`: the same scenario under several policies and growths, one row per variant,
// each a full place + size (and the failure rule, with ha set). Variants run on a pool of
// threads; rows come back in variant order, the same on any number of threads.
#include <cstdint>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "kvmplan/placement/place.hpp"
#include "kvmplan/scenario/growth.hpp"
#include "kvmplan/scenario/loader.hpp"

namespace kvmplan {

// One variant: policy keys over the files' and --set's values, in sweep order.
using PolicySets = std::vector<std::pair<std::string, std::string>>;

struct WhatifRow {
  PolicySets sets;
  int hosts_used = 0, lower_bound_hosts = 0;
  bool optimal = false;
  std::int64_t swap_mib = 0;                  // total over the plan's hosts
  std::optional<double> peak_memory_overcommit, peak_cpu_overcommit;  // the highest of a host's
  std::int64_t guests = 0, unplaced = 0, violations = 0;
  std::map<std::string, int> unplaced_by_rule;  // rule code -> guests it refused (each rule once per guest)
  std::optional<bool> survives;               // with ha set
  std::string failures_method;                // "exact" | "sufficient", with ha set
  int gap() const { return hosts_used - lower_bound_hosts; }
};

struct WhatifJob {
  SourceFiles sources;          // the scenario files, read once
  LoadOptions base;             // --set, --baseline, --objective
  const Scenario* scenario = nullptr;  // the files loaded once with `base`; each variant copies it
  std::vector<Growth> growths;  // applied to every variant
  std::vector<PolicySets> variants;
  PlaceOptions place;
  unsigned threads = 1;         // at least 1
};

struct WhatifResult {
  std::vector<WhatifRow> rows;  // in variant order
  // A variant whose files or growth do not load: its diagnostics, formatted, and which variant.
  std::string error;
  bool ok() const { return error.empty(); }
};

// Runs every variant: each copies the loaded scenario, sets its policy keys over the base's and
// resolves them (resolve_policy), grows, places, sizes.
WhatifResult run_whatif(const WhatifJob& job);

// The table, for people and for scripts; `growths` as the job had them.
void write_whatif_text(std::ostream& out, const std::vector<WhatifRow>& rows, const std::vector<Growth>& growths);
void write_whatif_json(std::ostream& out, const std::vector<WhatifRow>& rows, const std::vector<Growth>& growths);
void write_whatif_csv(std::ostream& out, const std::vector<WhatifRow>& rows, const std::vector<Growth>& growths);

}  // namespace kvmplan
