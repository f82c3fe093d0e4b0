#pragma once
// libvirt in and out: `virsh capabilities` to scenario hosts, domain XML to scenario guests,
// and a plan to domain XML (docs/libvirt.md). pugixml stays inside src/libvirt.
#include <optional>
#include <string>
#include <vector>

#include "kvmplan/values/diagnostics.hpp"
#include "kvmplan/plan/plan_reader.hpp"
#include "kvmplan/scenario/scenario.hpp"

namespace kvmplan {

// XML to import: the file at `name`, or `text` already in memory (named `name` in messages).
struct XmlText {
  std::string name;
  std::optional<std::string> text;
};

struct CapabilitiesImport {
  std::optional<std::string> name;       // the host's name; default: the file's name
  std::optional<Bytes> node_memory;      // for cells that give neither <memory> nor <pages>
};

// One host per file. Problems go to `diagnostics` (file:line:col), all of them.
std::vector<Host> import_capabilities(const std::vector<std::string>& paths, const CapabilitiesImport& options,
                                      SourceFiles& sources, Diagnostics& diagnostics);
std::vector<Host> import_capabilities_texts(const std::vector<XmlText>& inputs, const CapabilitiesImport& options,
                                            SourceFiles& sources, Diagnostics& diagnostics);

// A guest as read from domain XML: its spec, and whether it opts out of KSM (<nosharepages/>).
struct ImportedGuest {
  std::string name;
  GuestSpec spec;
  bool nosharepages = false;
};

// One guest per file, problems (and warnings) to `diagnostics`.
std::vector<ImportedGuest> import_domains(const std::vector<std::string>& paths, SourceFiles& sources,
                                          Diagnostics& diagnostics);
std::vector<ImportedGuest> import_domains_texts(const std::vector<XmlText>& inputs, SourceFiles& sources, Diagnostics& diagnostics);

// Guests as scenario YAML (`guests:` entries): the keys that differ from a plain guest.
void write_guests_yaml(std::ostream& out, const std::vector<ImportedGuest>& guests, const std::string& comment);

// One guest's libvirt domain: a complete minimal <domain type='kvm'> that carries the plan.
struct DomainXml {
  std::string guest;
  std::string xml;
};

// The domains of every placed guest of `plan` (read from a placement document), in plan order.
std::vector<DomainXml> export_domains(const Scenario& scenario, const PlanDocument& plan);

// Hosts as scenario YAML (`hosts:` entries), loadable as they are.
void write_hosts_yaml(std::ostream& out, const std::vector<Host>& hosts, const std::string& comment);

}  // namespace kvmplan
