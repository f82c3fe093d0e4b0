// Fuzz target: libvirt domain XML -> import. Properties: nothing crashes; a domain that imports
// without an error gives YAML that the scenario loader accepts, with the same guest.
#include <cstdint>
#include <sstream>

#include "fuzz_common.hpp"
#include "kvmplan/report/problems.hpp"
#include "kvmplan/libvirt/domain_import.hpp"
#include "kvmplan/scenario/loader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace kvmplan;
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
