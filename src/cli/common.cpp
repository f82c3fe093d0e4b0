#include "common.hpp"

namespace kvmplan::cli {

bool load(const CommonOptions& o, Loaded& loaded, std::ostream& err) {
  LoadOptions lo;
  if (!o.baseline.empty()) lo.policy_overrides.emplace_back("swap_baseline", o.baseline);
  if (!o.objective.empty()) lo.policy_overrides.emplace_back("objective", o.objective);
  loaded = load_files(o.files, lo);
  if (loaded.ok()) return true;
  err << format_all(loaded.diagnostics, loaded.sources);
  return false;
}

}  // namespace kvmplan::cli
