// Fuzz target: a plan document against a fixed scenario -> read -> check -> every export.
// Properties: nothing crashes; the exports of a plan check accepts have one domain per guest,
// and never a file name outside its directory.
#include <cstdint>

#include "fuzz_common.hpp"
#include "kvmplan/report/problems.hpp"
#include "kvmplan/plan/check.hpp"
#include "kvmplan/deploy/ansible.hpp"
#include "kvmplan/deploy/host_tuning.hpp"
#include "kvmplan/libvirt/domain_export.hpp"
#include "kvmplan/scenario/loader.hpp"
#include "kvmplan/plan/plan_reader.hpp"

namespace {

// Two hosts of two nodes, a pool, pools of hugepages, dedicated CPUs, groups: what plans name.
constexpr const char* scenario_yaml = R"(
policy: {memory_ratio: 1.5, cpu_ratio: 4, host_reserve: 4GiB, ksm: {shareable: 0.2}}
hosts:
  - name: kvm
    count: 2
    threads_per_core: 2
    reserved_cpus: "0,8"
    dedicated_cpus: "4-7,12-15"
    zone: rack-a
    numa:
      - {id: 0, cpus: "0-3,8-11", memory: 32GiB, hugepages: {1GiB: 8, 2MiB: 512}}
      - {id: 1, cpus: "4-7,12-15", memory: 32GiB, hugepages: {1GiB: 8}}
  - name: pool
    count: auto
    numa: [{cpus: "0-7", memory: 64GiB}, {cpus: "8-15", memory: 64GiB}]
groups:
  - {name: ha, policy: anti-affinity}
  - {name: pair, policy: affinity}
  - {name: nodes, policy: anti-affinity, scope: node}
guests:
  - {name: web, count: 6, vcpus: 2, memory: 4GiB, image: ubuntu}
  - {name: db, count: 2, vcpus: 2, memory: 8GiB, hugepages: 1GiB, cpu_policy: dedicated, groups: [ha]}
  - {name: pair, count: 2, vcpus: 1, memory: 2GiB, groups: [pair]}
  - {name: lock, vcpus: 1, memory: 2GiB, locked: true, groups: [nodes]}
  - {name: wide, vcpus: 8, memory: 40GiB, numa_nodes: 2, cpu_quota: 0.5, current_memory: 20GiB}
)";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace kvmplan;
  SourceFiles files;
  files.add("scenario.yaml", scenario_yaml);
  static const Loaded base = load_sources(std::move(files));
  KVMPLAN_FUZZ_EXPECT(base.ok(), "the fixed scenario does not load");
  Loaded loaded = base;
  Diagnostics problems;
  const PlanDocument doc = read_plan_text("plan.yaml", std::string(reinterpret_cast<const char*>(data), size), loaded.sources, problems);
  if (problems.has_errors()) {
    (void)format_all(problems, loaded.sources);
    return 0;
  }
  const CheckResult checked = check_plan(loaded.scenario, doc, loaded.sources);
  // The exports run on what check accepts; they must not crash on the rest either.
  const auto domains = export_domains(loaded.scenario, doc);
  const Plan plan = plan_from_document(loaded.scenario, doc);
  std::vector<std::pair<std::string, std::string>> pairs;
  for (const auto& d : domains) pairs.emplace_back(d.guest, d.xml);
  const auto files_out = ansible_files(loaded.scenario, plan, pairs);
  for (const auto& t : host_tuning(loaded.scenario, plan)) {
    (void)tuning_text(t);
    (void)tuning_yaml(t);
  }
  for (const auto& [name, text] : files_out) {
    KVMPLAN_FUZZ_EXPECT(name.find("..") == std::string::npos && !name.empty() && name.front() != '/', "an export file outside its directory: " + name);
  }
  if (checked.ok()) {
    KVMPLAN_FUZZ_EXPECT(domains.size() == loaded.scenario.guests.size(), "an accepted plan exports a domain per guest");
  }
  return 0;
}
