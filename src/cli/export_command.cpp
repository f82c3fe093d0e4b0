// kvmplan export libvirt | host | ansible: a plan that passes check -> deployment files.
#include <functional>

#include "common.hpp"
#include "kvmplan/report/problems.hpp"
#include "kvmplan/io/atomic_file.hpp"
#include "kvmplan/plan/check.hpp"
#include "kvmplan/deploy/ansible.hpp"
#include "kvmplan/deploy/host_tuning.hpp"
#include "kvmplan/libvirt/domain_export.hpp"

namespace kvmplan::cli {
namespace {

using Files = std::vector<std::pair<std::string, std::string>>;

// Loads, reads the plan, refuses one that check rejects, writes what `make` builds.
int export_files(const ExportOptions& options, std::ostream& err, const char* what,
                 const std::function<Files(const Scenario&, const PlanDocument&)>& make) {
  Loaded loaded;
  if (!load(options.common, loaded, err)) return 2;
  PlanDocument plan;
  stage(options.common, "reading " + options.placement);
  if (!read_plan_file(options.placement, loaded, plan, err)) return 2;
  stage(options.common, "checking " + counted(plan.placements.size(), "placement", "placements"));
  // Deployment files only for a plan `check` accepts: every guest placed, no violation.
  const CheckResult checked = check_plan(loaded.scenario, plan, loaded.sources);
  if (!checked.ok()) {
    for (const auto& v : checked.violations) err << violation_line(v, loaded.sources) << "\n";
    for (const auto& u : checked.unplaced) err << u << "\n";
    err << "kvmplan: error: check rejects the plan (" << checked.violations.size() << " violations, " << checked.unplaced.size()
        << " unplaced): nothing exported\n";
    return 1;
  }
  stage(options.common, std::string("making ") + what);
  const Files files = make(loaded.scenario, plan);
  stage(options.common, "writing " + counted(files.size(), "file", "files") + " to " + options.output);
  const auto written = write_directory_atomically(options.output, files);
  if (!written) {
    err << "kvmplan: error: " << written.error() << "\n";
    return 2;
  }
  if (!options.common.quiet) err << "kvmplan: wrote " << what << " to " << options.output << "\n";
  return 0;
}

// The domains, each warning printed (unless --quiet) as "kvmplan: warning: GUEST: message".
std::vector<DomainXml> domains(const Scenario& scenario, const PlanDocument& plan, const ExportOptions& options, std::ostream& err) {
  auto out = export_domains(scenario, plan);
  for (const DomainXml& d : out) {
    for (const auto& w : d.warnings) {
      if (!options.common.quiet) err << "kvmplan: warning: " << d.guest << ": " << w << "\n";
    }
  }
  return out;
}

}  // namespace

int run_export_libvirt(const ExportOptions& options, std::ostream&, std::ostream& err) {
  return export_files(options, err, "domain XML", [&](const Scenario& scenario, const PlanDocument& plan) {
    Files files;
    for (const DomainXml& d : domains(scenario, plan, options, err)) files.emplace_back(d.guest + ".xml", d.xml);
    return files;
  });
}

int run_export_host(const ExportOptions& options, std::ostream&, std::ostream& err) {
  return export_files(options, err, "host tuning", [](const Scenario& scenario, const PlanDocument& doc) {
    Files files;
    for (const HostTuning& t : host_tuning(scenario, plan_from_document(scenario, doc))) {
      files.emplace_back(t.host + ".txt", tuning_text(t));
      files.emplace_back(t.host + ".yaml", tuning_yaml(t));
      // The files to install, under HOST/ at their paths: HOST/etc/ksmtuned.conf.
      for (const TuningFile& f : t.files) files.emplace_back(t.host + f.path, f.content);
    }
    return files;
  });
}

int run_export_ansible(const ExportOptions& options, std::ostream&, std::ostream& err) {
  return export_files(options, err, "an Ansible layout", [&](const Scenario& scenario, const PlanDocument& doc) {
    std::vector<std::pair<std::string, std::string>> xml;
    for (const DomainXml& d : domains(scenario, doc, options, err)) xml.emplace_back(d.guest, d.xml);
    return ansible_files(scenario, plan_from_document(scenario, doc), xml);
  });
}

}  // namespace kvmplan::cli
