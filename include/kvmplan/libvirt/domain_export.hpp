#pragma once
// A plan out as libvirt domain XML: one <domain type='kvm'> per placed guest, either a complete
// minimal domain or the operator's own domain XML with only the planned elements changed
// (docs/libvirt.md).
#include <map>
#include <string>
#include <vector>

#include "kvmplan/io/domain_xml.hpp"
#include "kvmplan/libvirt/xml_text.hpp"
#include "kvmplan/plan/plan_reader.hpp"
#include "kvmplan/scenario/scenario.hpp"
#include "kvmplan/values/diagnostics.hpp"

namespace kvmplan {

// One guest's libvirt domain: a complete <domain type='kvm'> that carries the plan.
struct DomainXml {
  std::string guest;
  std::string xml;
  std::vector<std::string> warnings;  // what the domain could not keep of the plan, for people
};

// An operator's domain XML (`virsh dumpxml`), checked: well-formed, one <domain> with a <name>,
// no DOCTYPE, at most max_domain_bytes and max_domain_depth.
struct ExistingDomain {
  std::string file;  // as given, for messages
  std::string name;  // its <name>, as it is
  std::string text;  // the file's bytes
};

// Keyed by the guest name the domain's <name> makes (as `import domain` names guests).
using ExistingDomains = std::map<std::string, ExistingDomain>;

// max_domain_bytes, max_domain_depth: io/domain_xml.hpp.

// Reads every file; each problem goes to `diagnostics` located (file:line:col), all of them.
ExistingDomains read_existing_domains(const std::vector<XmlText>& inputs, SourceFiles& sources, Diagnostics& diagnostics);

// The domains of every placed guest of `plan` (read from a placement document), in plan order.
// A guest with an entry in `existing` gets that domain with only the planned elements changed;
// else a guest whose spec names a template gets the template patched the same way, with the
// guest's own <name>, stable <uuid> and stable interface MAC addresses.
std::vector<DomainXml> export_domains(const Scenario& scenario, const PlanDocument& plan, const ExistingDomains& existing = {});

// RFC 4122 name-based UUID, version 5 (SHA-1): `ns` in its text form, `name` as bytes.
std::string uuid_v5(const std::string& ns, const std::string& name);
// The namespace of kvmplan's domain UUIDs; a new guest's <uuid> is uuid_v5(it, guest name).
inline constexpr const char* kvmplan_uuid_namespace = "6f1c1f0e-5a3b-4f3e-9b7d-2c8e4a6d9b10";

}  // namespace kvmplan
