#pragma once
// The one validating entry point: YAML files in, a Scenario or every problem found out.
#include <string>
#include <utility>
#include <vector>

#include "kvmplan/values/diagnostics.hpp"
#include "kvmplan/scenario/scenario.hpp"

namespace kvmplan {

struct LoadOptions {
  // Policy keys set after all files (command-line options such as --baseline): key, text.
  std::vector<std::pair<std::string, std::string>> policy_overrides;
};

struct Loaded {
  Scenario scenario;
  SourceFiles sources;
  Diagnostics diagnostics;     // errors mean the scenario must not be used

  bool ok() const { return !diagnostics.has_errors(); }
};

// Reads each path ("-" is standard input) and loads them as one scenario, in order.
Loaded load_files(const std::vector<std::string>& paths, const LoadOptions& options = {});

// Loads files already in memory (tests, generated scenarios).
Loaded load_sources(SourceFiles sources, const LoadOptions& options = {});

}  // namespace kvmplan
