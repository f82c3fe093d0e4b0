#pragma once
// Domain XML in: one scenario guest per file, and guests written as scenario YAML
// (docs/libvirt.md).
#include <iosfwd>
#include <string>
#include <vector>

#include "kvmplan/libvirt/xml_text.hpp"
#include "kvmplan/scenario/scenario.hpp"
#include "kvmplan/values/diagnostics.hpp"

namespace kvmplan {

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

// Guests as scenario YAML (`guests:` entries): the keys that differ from a plain guest; with a
// `host`, each guest is fixed there (`host: NAME`: where the VM runs now).
void write_guests_yaml(std::ostream& out, const std::vector<ImportedGuest>& guests, const std::string& comment,
                       const std::string& host = {});

}  // namespace kvmplan
