#pragma once
// `virsh capabilities` in: one scenario host per file, and hosts written as scenario YAML
// (docs/libvirt.md). pugixml stays inside src/libvirt.
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "kvmplan/libvirt/xml_text.hpp"
#include "kvmplan/scenario/scenario.hpp"
#include "kvmplan/values/diagnostics.hpp"

namespace kvmplan {

struct CapabilitiesImport {
  std::optional<std::string> name;       // the host's name; default: the file's name
  std::optional<Bytes> node_memory;      // for cells that give neither <memory> nor <pages>
};

// One host per file. Problems go to `diagnostics` (file:line:col), all of them.
std::vector<Host> import_capabilities(const std::vector<std::string>& paths, const CapabilitiesImport& options,
                                      SourceFiles& sources, Diagnostics& diagnostics);
std::vector<Host> import_capabilities_texts(const std::vector<XmlText>& inputs, const CapabilitiesImport& options,
                                            SourceFiles& sources, Diagnostics& diagnostics);

// Hosts as scenario YAML (`hosts:` entries), loadable as they are.
void write_hosts_yaml(std::ostream& out, const std::vector<Host>& hosts, const std::string& comment);

}  // namespace kvmplan
