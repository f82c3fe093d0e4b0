// kvmplan export libvirt: a plan that passes check -> one domain XML per guest.
#include "common.hpp"
#include "kvmplan/atomic_file.hpp"
#include "kvmplan/check.hpp"
#include "kvmplan/libvirt.hpp"

namespace kvmplan::cli {

int run_export_libvirt(const ExportOptions& options, std::ostream& out, std::ostream& err) {
  Loaded loaded;
  if (!load(options.common, loaded, err)) return 2;
  Diagnostics problems;
  const PlanDocument plan = read_plan(options.placement, loaded.sources, problems);
  if (problems.has_errors()) {
    problems.sort();
    err << format_all(problems, loaded.sources);
    return 2;
  }
  // Deployment files only for a plan the model accepts.
  const CheckResult checked = check_plan(loaded.scenario, plan, loaded.sources);
  if (!checked.violations.empty()) {
    for (const auto& v : checked.violations) err << v << "\n";
    err << "kvmplan: error: the plan has " << checked.violations.size() << " violations: nothing exported\n";
    return 1;
  }
  std::vector<std::pair<std::string, std::string>> files;
  for (const DomainXml& d : export_domains(loaded.scenario, plan)) files.emplace_back(d.guest + ".xml", d.xml);
  const auto written = write_directory_atomically(options.output, files);
  if (!written) {
    err << "kvmplan: error: " << written.error() << "\n";
    return 2;
  }
  if (!options.common.quiet) {
    err << "kvmplan: wrote " << files.size() << " domains to " << options.output;
    if (!checked.unplaced.empty()) err << " (" << checked.unplaced.size() << " guests unplaced, none for them)";
    err << "\n";
  }
  (void)out;
  return checked.unplaced.empty() ? 0 : 1;
}

}  // namespace kvmplan::cli
