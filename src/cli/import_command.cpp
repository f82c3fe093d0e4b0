// kvmplan import capabilities: XML in, scenario hosts out, checked by the scenario loader.
#include <sstream>

#include "cli.hpp"
#include "kvmplan/atomic_file.hpp"
#include "kvmplan/libvirt.hpp"
#include "kvmplan/loader.hpp"
#include "kvmplan/values.hpp"
#include "kvmplan/version.hpp"

namespace kvmplan::cli {

int run_import_capabilities(const ImportOptions& options, std::ostream& out, std::ostream& err) {
  CapabilitiesImport import;
  if (!options.name.empty()) {
    if (options.files.size() != 1) {
      err << "kvmplan: error: --name: names one host, and " << options.files.size() << " files make as many hosts\n";
      return 2;
    }
    import.name = options.name;
  }
  if (!options.node_memory.empty()) {
    auto size = values::positive_size(options.node_memory);
    if (!size) {
      err << "kvmplan: error: --node-memory: " << size.error() << "\n";
      return 2;
    }
    import.node_memory = size.value();
  }
  SourceFiles sources;
  Diagnostics problems;
  const std::vector<Host> hosts = import_capabilities(options.files, import, sources, problems);
  problems.sort();
  if (problems.has_errors()) {
    err << format_all(problems, sources);
    return 2;
  }
  if (!options.quiet) err << format_all(problems, sources);  // warnings
  std::ostringstream yaml;
  std::string from;
  for (const auto& f : options.files) from += " " + f;
  write_hosts_yaml(yaml, hosts, std::string("hosts imported by kvmplan ") + version + " from" + from);
  // What was imported must load as a scenario: the loader's rules are the import's too.
  SourceFiles check;
  check.add("<imported hosts>", yaml.str());
  const Loaded loaded = load_sources(std::move(check));
  if (!loaded.ok()) {
    err << format_all(loaded.diagnostics, loaded.sources);
    return 2;
  }
  const auto written = write_atomically(options.output, out, [&](std::ostream& s) { s << yaml.str(); });
  if (!written) {
    err << "kvmplan: error: " << written.error() << "\n";
    return 2;
  }
  if (!options.quiet && options.output != "-") err << "kvmplan: wrote " << hosts.size() << " hosts to " << options.output << "\n";
  return 0;
}

int run_import_domains(const ImportOptions& options, std::ostream& out, std::ostream& err) {
  SourceFiles sources;
  Diagnostics problems;
  const std::vector<ImportedGuest> guests = import_domains(options.files, sources, problems);
  problems.sort();
  if (problems.has_errors()) {
    err << format_all(problems, sources);
    return 2;
  }
  if (!options.quiet) err << format_all(problems, sources);  // warnings
  std::ostringstream yaml;
  std::string from;
  for (const auto& f : options.files) from += " " + f;
  write_guests_yaml(yaml, guests, std::string("guests imported by kvmplan ") + version + " from" + from);
  SourceFiles check;
  check.add("<imported guests>", yaml.str());
  const Loaded loaded = load_sources(std::move(check));
  if (!loaded.ok()) {
    err << format_all(loaded.diagnostics, loaded.sources);
    return 2;
  }
  const auto written = write_atomically(options.output, out, [&](std::ostream& s) { s << yaml.str(); });
  if (!written) {
    err << "kvmplan: error: " << written.error() << "\n";
    return 2;
  }
  if (!options.quiet && options.output != "-") err << "kvmplan: wrote " << guests.size() << " guests to " << options.output << "\n";
  return 0;
}

}  // namespace kvmplan::cli
