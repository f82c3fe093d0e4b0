// kvmplan export libvirt | host | ansible: a plan that passes check -> deployment files.
#include <algorithm>
#include <filesystem>
#include <functional>
#include <set>

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

// --domains DIR: every *.xml file in it (by name), read and checked; every problem printed,
// false on any (exit 2: nothing is written).
bool read_domains(const ExportOptions& options, ExistingDomains& existing, std::ostream& err) {
  if (options.domains.empty()) return true;
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(options.domains, ec)) {
    err << "kvmplan: error: --domains: " << options.domains << " is not a directory\n";
    return false;
  }
  std::vector<std::string> paths;
  for (fs::directory_iterator it(options.domains, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().extension() == ".xml" && it->is_regular_file(ec)) paths.push_back(it->path().string());
  }
  if (ec) {
    err << "kvmplan: error: --domains: " << options.domains << ": " << ec.message() << "\n";
    return false;
  }
  std::sort(paths.begin(), paths.end());
  std::vector<XmlText> inputs;
  for (const auto& p : paths) inputs.push_back({p, std::nullopt});
  SourceFiles sources;
  Diagnostics problems;
  existing = read_existing_domains(inputs, sources, problems);
  problems.sort();
  if (problems.has_errors()) {
    err << format_all(problems, sources) << "kvmplan: error: --domains: the domain XML has errors: nothing exported\n";
    return false;
  }
  return true;
}

// The domains, each warning printed (unless --quiet) as "kvmplan: warning: GUEST: message";
// an existing domain that names no placed guest is said to be left out.
std::vector<DomainXml> domains(const Scenario& scenario, const PlanDocument& plan, const ExistingDomains& existing,
                               const ExportOptions& options, std::ostream& err) {
  auto out = export_domains(scenario, plan, existing);
  if (options.common.quiet) return out;
  std::set<std::string> exported;
  for (const DomainXml& d : out) {
    exported.insert(d.guest);
    for (const auto& w : d.warnings) err << "kvmplan: warning: " << d.guest << ": " << w << "\n";
  }
  for (const auto& [guest, d] : existing) {
    if (!exported.count(guest)) err << "kvmplan: warning: " << d.file << ": domain \"" << d.name << "\" is no guest of the plan: not written\n";
  }
  return out;
}

}  // namespace

int run_export_libvirt(const ExportOptions& options, std::ostream&, std::ostream& err) {
  ExistingDomains existing;
  if (!read_domains(options, existing, err)) return 2;
  return export_files(options, err, "domain XML", [&](const Scenario& scenario, const PlanDocument& plan) {
    Files files;
    for (const DomainXml& d : domains(scenario, plan, existing, options, err)) files.emplace_back(d.guest + ".xml", d.xml);
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
  ExistingDomains existing;
  if (!read_domains(options, existing, err)) return 2;
  return export_files(options, err, "an Ansible layout", [&](const Scenario& scenario, const PlanDocument& doc) {
    std::vector<std::pair<std::string, std::string>> xml;
    for (const DomainXml& d : domains(scenario, doc, existing, options, err)) xml.emplace_back(d.guest, d.xml);
    return ansible_files(scenario, plan_from_document(scenario, doc), xml);
  });
}

}  // namespace kvmplan::cli
