// kvmplan import capabilities: XML in, scenario hosts out, checked by the scenario loader.
#include <functional>
#include <sstream>

#include "cli.hpp"
#include "kvmplan/report/problems.hpp"
#include "kvmplan/io/atomic_file.hpp"
#include "kvmplan/libvirt/capabilities.hpp"
#include "kvmplan/libvirt/domain_import.hpp"
#include "kvmplan/scenario/loader.hpp"
#include "kvmplan/values/values.hpp"
#include "kvmplan/version.hpp"

namespace kvmplan::cli {
namespace {

// Writes what `write` produces, once the scenario loader accepts it: an import never writes a
// file kvmplan would reject.
int write_loadable(const ImportOptions& options, std::ostream& out, std::ostream& err, std::size_t count, const char* what,
                   const std::function<void(std::ostream&, const std::string&)>& write, const std::string& fixed_host = {}) {
  std::string from;
  for (const auto& f : options.files) from += " " + f;
  std::ostringstream yaml;
  write(yaml, std::string(what) + " imported by kvmplan " + version + " from" + from);
  // The import checked everything the loader checks, at the XML's positions; a file that
  // still does not load is kvmplan's bug, said as such.
  SourceFiles check;
  check.add(std::string("<imported ") + what + ">", yaml.str());
  // Guests fixed on a host load only beside it: a stand-in of that name, for this check alone.
  if (!fixed_host.empty()) check.add("<host " + fixed_host + ">", "hosts: [{name: '" + fixed_host + "', memory: 1TiB, cpus: 1024}]\n");
  const Loaded loaded = load_sources(std::move(check));
  if (!loaded.ok()) {
    err << "kvmplan: internal error: the imported " << what << " do not load:\n" << format_all(loaded.diagnostics, loaded.sources);
    return 2;
  }
  const auto written = write_atomically(options.output, out, [&](std::ostream& s) { s << yaml.str(); });
  if (!written) {
    err << "kvmplan: error: " << written.error() << "\n";
    return 2;
  }
  if (!options.quiet && options.output != "-") err << "kvmplan: wrote " << count << " " << what << " to " << options.output << "\n";
  return 0;
}

// Prints errors (and then returns false), or the warnings unless --quiet.
bool report(Diagnostics& problems, const SourceFiles& sources, const ImportOptions& options, std::ostream& err) {
  problems.sort();
  if (problems.has_errors() || !options.quiet) err << format_all(problems, sources);
  return !problems.has_errors();
}

}  // namespace

int run_import_capabilities(const ImportOptions& options, std::ostream& out, std::ostream& err) {
  CapabilitiesImport import;
  if (!options.name.empty()) {
    if (options.files.size() != 1) {
      err << "kvmplan: error: --name: names one host, and " << options.files.size() << " files make as many hosts\n";
      return 2;
    }
    auto name = values::name(options.name);
    if (!name) {
      err << "kvmplan: error: --name: " << name.error() << "\n";
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
  if (!report(problems, sources, options, err)) return 2;
  return write_loadable(options, out, err, hosts.size(), "hosts", [&](std::ostream& yaml, const std::string& comment) {
    write_hosts_yaml(yaml, hosts, comment);
  });
}

int run_import_domains(const ImportOptions& options, std::ostream& out, std::ostream& err) {
  if (!options.host.empty()) {
    if (auto name = values::name(options.host); !name) {
      err << "kvmplan: error: --host: " << name.error() << "\n";
      return 2;
    }
  }
  SourceFiles sources;
  Diagnostics problems;
  const std::vector<ImportedGuest> guests = import_domains(options.files, sources, problems);
  if (!report(problems, sources, options, err)) return 2;
  return write_loadable(options, out, err, guests.size(), "guests", [&](std::ostream& yaml, const std::string& comment) {
    write_guests_yaml(yaml, guests, comment, options.host);
  }, options.host);
}

}  // namespace kvmplan::cli
