// Fuzz target: a scenario file (or a CSV of profiles or samples with a fixed scenario) -> load -> place -> write the plan -> read it back -> check,
// and size. Properties: nothing crashes; a scenario that loads gives a plan that reads back
// without an error and that check accepts (its violations are only those of fixed guests that
// did not fit, or failures no plan survives); every guest is placed or unplaced once; the size report writes.
#include <cstdint>
#include <sstream>

#include "fuzz_common.hpp"
#include "kvmplan/report/problems.hpp"
#include "kvmplan/plan/check.hpp"
#include "kvmplan/scenario/loader.hpp"
#include "kvmplan/placement/place.hpp"
#include "kvmplan/plan/plan_reader.hpp"
#include "kvmplan/plan/plan_writer.hpp"
#include "kvmplan/report/size_report.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace kvmplan;
  SourceFiles files;
  std::string input(reinterpret_cast<const char*>(data), size);
  // An input that starts like a CSV header is a profile table or samples (docs/format.md, "Usage
  // profiles"), read with a small scenario whose guests it can name: a, b (and c-1, c-2 of one entry).
  const std::size_t header = input.starts_with("\xEF\xBB\xBF") ? 3 : 0;
  const bool table = input.compare(header, 5, "slot,") == 0, samples = input.compare(header, 10, "timestamp,") == 0;
  if (table || samples) {
    files.add("fuzz.yaml", std::string("hosts: [{name: kvm, count: auto, memory: 64GiB, cpus: 16}]\n"
                                       "guests:\n"
                                       "  - {name: a, vcpus: 2, memory: 4GiB") + (table ? ", profile: a}\n" : "}\n") +
                                       "  - {name: b, vcpus: 1, memory: 1GiB, usage: 0.5}\n"
                                       "  - {name: c, count: 2, vcpus: 1, memory: 2GiB" + (table ? ", profile: b}\n" : "}\n"));
    files.add("fuzz.csv", std::move(input));
  } else {
    files.add("fuzz.yaml", std::move(input));
  }
  Loaded loaded = load_sources(std::move(files));
  if (!loaded.ok()) {
    (void)format_all(loaded.diagnostics, loaded.sources);  // every message formats
    return 0;
  }
  if (!fuzz::small_enough(loaded.scenario)) return 0;
  const Plan plan = place(loaded.scenario);
  bool forced = false;
  for (const auto& p : plan.placements) forced = forced || p.forced;
  std::ostringstream yaml;
  write_plan(yaml, loaded.scenario, plan, PlanFormat::yaml);
  Diagnostics problems;
  const PlanDocument doc = read_plan_text("plan.yaml", yaml.str(), loaded.sources, problems);
  KVMPLAN_FUZZ_EXPECT(!problems.has_errors(), "the plan place wrote does not read back:\n" + format_all(problems, loaded.sources));
  const CheckResult checked = check_plan(loaded.scenario, doc, loaded.sources);
  std::string violations;
  // With failures to survive, a plan may not survive when none does (a zone anti-affinity pair
  // and all zones but one failing): place then says so, as check does, and exits 1.
  bool only_failures = true;
  for (const auto& v : checked.violations) {
    violations += violation_line(v, loaded.sources) + "\n";
    only_failures = only_failures && (v.code == "host-failures" || v.code == "zone-failures");
  }
  KVMPLAN_FUZZ_EXPECT(forced || checked.violations.empty() || only_failures, "check rejects the plan place wrote:\n" + violations);
  KVMPLAN_FUZZ_EXPECT(checked.unplaced.size() == plan.unplaced.size(), "check counts other unplaced guests than place");
  // Fewer hosts than the bound only in a plan that does not survive its failures.
  const bool survives = checked.violations.empty() || !only_failures;
  KVMPLAN_FUZZ_EXPECT(!plan.unplaced.empty() || !survives || plan.hosts_used >= plan.lower_bound_hosts, "fewer hosts than the lower bound");
  KVMPLAN_FUZZ_EXPECT(!plan.optimal() || (plan.hosts_used >= plan.lower_bound_hosts && survives), "optimal, yet below the bound or not surviving");
  const SizeReport report = size_scenario(loaded.scenario);
  std::ostringstream text, json, csv, html;
  write_size_text(text, report);
  write_size_json(json, report);
  write_size_csv_guests(csv, report);
  write_size_html(html, report);
  return 0;
}
