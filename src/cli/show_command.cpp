// kvmplan show: read a plan, print it host by host.
#include "common.hpp"
#include "kvmplan/io/atomic_file.hpp"
#include "kvmplan/report/plan_view.hpp"
#include "kvmplan/report/problems.hpp"

namespace kvmplan::cli {

int run_show(const ShowOptions& options, std::ostream& out, std::ostream& err) {
  SourceFiles sources;
  Diagnostics problems;
  const PlanDocument plan = read_plan(options.plan, sources, problems);
  if (problems.has_errors()) {
    problems.sort();
    err << format_all(problems, sources);
    return 2;
  }
  const auto written = write_atomically(options.output, out, [&](std::ostream& s) { write_plan_text(s, plan, options.host_pattern); });
  if (!written) {
    err << "kvmplan: error: " << written.error() << "\n";
    return 2;
  }
  if (!options.quiet && options.output != "-") err << "kvmplan: wrote " << options.output << "\n";
  return 0;
}

}  // namespace kvmplan::cli
