// Fuzz target: libvirt domain XML -> import, and the same XML as a `template:`. Properties:
// nothing crashes; a domain that imports without an error gives YAML that the scenario loader
// accepts, with the same guest; XML that passes the template checks patches, for two guests,
// into XML that parses, each with its own name and stable uuid.
#include <cstdint>
#include <pugixml.hpp>

#include <sstream>

#include "fuzz_common.hpp"
#include "kvmplan/report/problems.hpp"
#include "kvmplan/io/domain_xml.hpp"
#include "kvmplan/libvirt/domain_export.hpp"
#include "kvmplan/libvirt/domain_import.hpp"
#include "kvmplan/placement/place.hpp"
#include "kvmplan/plan/plan_reader.hpp"
#include "kvmplan/plan/plan_writer.hpp"
#include "kvmplan/scenario/loader.hpp"

namespace {

// The input as the template of a pinned and a shared guest: patched XML that parses, each
// guest's own name and uuid.
void as_template(const std::string& text) {
  using namespace kvmplan;
  if (domain_xml_problem(text)) return;  // the loader refuses it at the key
  static Loaded loaded = [] {
    SourceFiles files;
    files.add("fuzz.yaml", "hosts: [{name: h, numa: [{cpus: '0-3', memory: 8GiB}, {cpus: '4-7', memory: 8GiB}]}]\n"
                           "guests: [{name: a, vcpus: 2, memory: 1GiB, cpu_policy: dedicated}, {name: b, vcpus: 2, memory: 2GiB, numa_nodes: 2}]\n");
    return load_sources(std::move(files));
  }();
  static std::string plan_yaml = [] {
    std::ostringstream out;
    write_plan(out, loaded.scenario, place(loaded.scenario), PlanFormat::yaml);
    return out.str();
  }();
  Scenario scenario = loaded.scenario;
  scenario.domain_templates = {{"t.xml", text}};
  for (auto& spec : scenario.specs) spec.domain_template = 0;
  SourceFiles sources = loaded.sources;
  Diagnostics problems;
  const PlanDocument doc = read_plan_text("plan.yaml", plan_yaml, sources, problems);
  KVMPLAN_FUZZ_EXPECT(!problems.has_errors(), "the fixed plan does not read");
  const auto domains = export_domains(scenario, doc);
  KVMPLAN_FUZZ_EXPECT(domains.size() == 2, "a template guest was not exported");
  for (const auto& d : domains) {
    pugi::xml_document out;
    KVMPLAN_FUZZ_EXPECT(out.load_buffer(d.xml.data(), d.xml.size()), "a patched template does not parse:\n" + d.xml);
    const pugi::xml_node dom = out.child("domain");
    KVMPLAN_FUZZ_EXPECT(d.guest == dom.child_value("name"), "a patched template keeps another name:\n" + d.xml);
    KVMPLAN_FUZZ_EXPECT(uuid_v5(kvmplan_uuid_namespace, d.guest) == dom.child_value("uuid"), "a patched template keeps another uuid:\n" + d.xml);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace kvmplan;
  as_template(std::string(reinterpret_cast<const char*>(data), size));
  SourceFiles sources;
  Diagnostics problems;
  const auto guests = import_domains_texts({{"domain.xml", std::string(reinterpret_cast<const char*>(data), size)}}, sources, problems);
  (void)format_all(problems, sources);
  if (problems.has_errors()) return 0;
  std::ostringstream yaml;
  write_guests_yaml(yaml, guests, "fuzz");
  SourceFiles back;
  back.add("guests.yaml", yaml.str());
  const Loaded loaded = load_sources(std::move(back));
  KVMPLAN_FUZZ_EXPECT(loaded.ok(), "imported guests do not load:\n" + format_all(loaded.diagnostics, loaded.sources) + yaml.str());
  KVMPLAN_FUZZ_EXPECT(loaded.scenario.guests.size() == guests.size(), "imported guests load as another number of guests");
  for (std::size_t i = 0; i < guests.size(); ++i) {
    const GuestSpec& spec = loaded.scenario.spec(loaded.scenario.guests[i]);
    KVMPLAN_FUZZ_EXPECT(spec.memory == guests[i].spec.memory && spec.vcpus == guests[i].spec.vcpus, "an imported guest loads other than imported");
  }
  return 0;
}
