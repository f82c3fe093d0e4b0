// Fuzz target: `virsh capabilities` XML -> import. Properties: nothing crashes; a file that
// imports without an error gives YAML that the scenario loader accepts.
#include <cstdint>
#include <sstream>

#include "fuzz_common.hpp"
#include "kvmplan/report/problems.hpp"
#include "kvmplan/libvirt/capabilities.hpp"
#include "kvmplan/scenario/loader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace kvmplan;
  SourceFiles sources;
  Diagnostics problems;
  const auto hosts = import_capabilities_texts({{"caps.xml", std::string(reinterpret_cast<const char*>(data), size)}}, {}, sources, problems);
  (void)format_all(problems, sources);
  if (problems.has_errors()) return 0;
  std::ostringstream yaml;
  write_hosts_yaml(yaml, hosts, "fuzz");
  SourceFiles back;
  back.add("hosts.yaml", yaml.str());
  const Loaded loaded = load_sources(std::move(back));
  KVMPLAN_FUZZ_EXPECT(loaded.ok(), "imported hosts do not load:\n" + format_all(loaded.diagnostics, loaded.sources) + yaml.str());
  return 0;
}
