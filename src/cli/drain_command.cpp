// kvmplan drain: where the guests of hosts taken down for maintenance go now (live migration
// targets), under the same rules, as a plan diff.
#include <algorithm>
#include <filesystem>
#include <sstream>
#include <unordered_map>

#include "common.hpp"
#include "kvmplan/io/atomic_file.hpp"
#include "kvmplan/io/json_writer.hpp"
#include "kvmplan/plan/check.hpp"
#include "kvmplan/report/problems.hpp"

namespace kvmplan::cli {

int run_drain(DrainOptions options, std::ostream& out, std::ostream& err) {
  // FILE... HOST...: the scenario files come first; from the first argument that is no file
  // (nor -), the rest name hosts. --host names one explicitly.
  std::vector<std::string> files;
  for (std::size_t i = 0; i < options.common.files.size(); ++i) {
    const std::string& arg = options.common.files[i];
    std::error_code ec;
    if (options.hosts_from_args.empty() && (arg == "-" || std::filesystem::exists(arg, ec))) files.push_back(arg);
    else options.hosts_from_args.push_back(arg);
  }
  options.common.files = files;
  std::vector<std::string> hosts = options.hosts_from_args;
  hosts.insert(hosts.end(), options.hosts.begin(), options.hosts.end());
  if (files.empty()) {
    err << "kvmplan: error: drain: no scenario file (kvmplan drain FILE... --placement PLAN HOST...)\n";
    return 2;
  }
  if (hosts.empty()) {
    err << "kvmplan: error: drain: name the hosts to drain (kvmplan drain FILE... --placement PLAN HOST...)\n";
    return 2;
  }
  Loaded loaded;
  if (!load(options.common, loaded, err)) return 2;
  PlanDocument plan;
  if (!read_plan_file(options.placement, loaded, plan, err)) return 2;
  std::unordered_map<std::string, std::string> host_of;  // guest -> host, as the plan has it
  std::unordered_map<std::string, char> plan_hosts;
  for (const auto& h : loaded.scenario.hosts) plan_hosts.emplace(h.name, 1);
  for (const auto& h : plan.hosts) plan_hosts.emplace(h.name, 1);
  for (const auto& pg : plan.placements) host_of.emplace(pg.guest, pg.host);
  bool unknown = false;
  for (const auto& h : hosts) {
    if (plan_hosts.count(h)) continue;
    err << "kvmplan: error: drain: \"" << h << "\" is neither a scenario file nor a host of the plan\n";
    unknown = true;
  }
  if (unknown) return 2;
  // Draining moves guests of a plan that holds: check must accept it, but for the failures it
  // may not survive (a drain is what they would do, planned).
  kvmplan::CheckOptions check_options;
  check_options.skip_failures = true;
  const CheckResult checked = check_plan(loaded.scenario, plan, loaded.sources, check_options);
  std::size_t broken = 0;
  for (const auto& v : checked.violations) {
    err << violation_line(v, loaded.sources) << "\n";
    ++broken;
  }
  if (broken > 0) {
    err << "kvmplan: error: check rejects the plan (" << broken << (broken == 1 ? " violation" : " violations") << "): nothing drained\n";
    return 1;
  }
  const auto drained = drain_plan(loaded.scenario, plan, hosts);
  if (!drained) return 2;  // names checked above
  std::ostringstream text;
  if (options.format == "json") {
    JsonWriter w(text);
    w.begin_object();
    w.key("moves").begin_array();
    for (const auto& r : drained->restarts) {
      w.begin_object();
      w.key("guest").value(r.guest).key("from").value(r.from).key("to").value(r.host);
      w.key("nodes").begin_array();
      for (int n : r.nodes) w.value(n);
      w.end_array();
      // A restart's pins list an isolated emulator's CPU last (check.hpp): vcpupin one per
      // vCPU, as the plan writes it, and that CPU as its emulatorpin.
      std::size_t vcpus = r.vcpupin.size();
      for (const auto& g : loaded.scenario.guests) {
        if (g.name == r.guest) vcpus = std::min(vcpus, static_cast<std::size_t>(loaded.scenario.spec(g).vcpus));
      }
      w.key("vcpupin");
      if (r.vcpupin.empty()) {
        w.null();
      } else {
        w.begin_array();
        for (std::size_t i = 0; i < vcpus; ++i) w.value(r.vcpupin[i]);
        w.end_array();
      }
      if (r.vcpupin.size() > vcpus) w.key("emulatorpin").value(r.vcpupin[vcpus]);
      w.end_object();
    }
    w.end_array();
    w.key("added").begin_array().end_array();
    w.key("removed").begin_array().end_array();
    w.key("unplaced").begin_array();
    for (const auto& g : drained->stranded) {
      w.begin_object();
      w.key("guest").value(g).key("from").value(host_of[g]);
      w.key("reason").value(g == drained->stranded.front() ? drained->reason : "after the others, no host takes it");
      w.end_object();
    }
    w.end_array();
    w.end_object();
    text << "\n";
  } else {
    for (const auto& r : drained->restarts) {
      text << r.guest << ": " << r.from << " -> " << r.host;
      if (!r.nodes.empty()) {
        text << " (node" << (r.nodes.size() == 1 ? " " : "s ");
        for (std::size_t i = 0; i < r.nodes.size(); ++i) text << (i ? "," : "") << r.nodes[i];
        text << ")";
      }
      text << "\n";
    }
    for (const auto& g : drained->stranded) {
      text << g << ": " << host_of[g] << " -> nowhere (" << (g == drained->stranded.front() ? drained->reason : "after the others, no host takes it")
           << ")\n";
    }
  }
  const auto written = write_atomically(options.output, out, [&](std::ostream& s) { s << text.str(); });
  if (!written) {
    err << "kvmplan: error: " << written.error() << "\n";
    return 2;
  }
  if (!options.common.quiet) {
    err << "kvmplan: drain: " << drained->restarts.size() << (drained->restarts.size() == 1 ? " guest moves" : " guests move");
    if (!drained->stranded.empty()) err << ", " << drained->stranded.size() << " cannot";
    err << "\n";
  }
  return drained->stranded.empty() ? 0 : 1;
}

}  // namespace kvmplan::cli
