// kvmplan size: load, size, write.
#include "cli.hpp"
#include "kvmplan/atomic_file.hpp"
#include "kvmplan/loader.hpp"
#include "kvmplan/size_report.hpp"

namespace kvmplan::cli {

static LoadOptions load_options(const CommonOptions& o) {
  LoadOptions lo;
  if (!o.baseline.empty()) lo.policy_overrides.emplace_back("swap_baseline", o.baseline);
  if (!o.objective.empty()) lo.policy_overrides.emplace_back("objective", o.objective);
  return lo;
}

int run_size(const SizeOptions& options, std::ostream& out, std::ostream& err) {
  const Loaded loaded = load_files(options.common.files, load_options(options.common));
  if (!loaded.ok()) {
    err << format_all(loaded.diagnostics, loaded.sources);
    return 2;
  }
  const SizeReport report = size_scenario(loaded.scenario);
  const auto written = write_atomically(options.output, out, [&](std::ostream& s) {
    if (options.format == "json") write_size_json(s, report);
    else if (options.format == "markdown") write_size_markdown(s, report);
    else write_size_text(s, report);
  });
  if (!written) {
    err << "kvmplan: error: " << written.error() << "\n";
    return 2;
  }
  if (!options.common.quiet && options.output != "-") err << "kvmplan: wrote " << options.output << "\n";
  return report.complete() ? 0 : 1;
}

}  // namespace kvmplan::cli
