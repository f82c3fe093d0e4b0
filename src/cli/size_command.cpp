// kvmplan size: load, place what has no host, size, write.
#include "common.hpp"
#include "kvmplan/io/atomic_file.hpp"
#include "kvmplan/report/size_report.hpp"

namespace kvmplan::cli {

int run_size(const SizeOptions& options, std::ostream& out, std::ostream& err) {
  Loaded loaded;
  if (!load(options.common, loaded, err)) return 2;
  kvmplan::PlaceOptions place_options;
  place_options.effort = options.common.effort;
  const SizeReport report = size_scenario(loaded.scenario, place_options);
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
