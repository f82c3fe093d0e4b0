// `kvmplan size --format csv`: one row per host (or per guest, `--per guest`) for spreadsheets.
// Sizes in exact MiB as JSON has them (rounded up; headroom and swap to spare rounded down),
// ratios as JSON's, nothing for a ratio that has none. Fields holding a comma, a quote or a line
// break are quoted and their quotes doubled (RFC 4180); lines end in "\n".
#include <unordered_set>

#include "kvmplan/report/problems.hpp"
#include "kvmplan/report/size_report.hpp"
#include "size_views.hpp"

namespace kvmplan {
namespace {

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (const char c : text) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

void write_row(std::ostream& out, const std::vector<std::string>& fields) {
  for (std::size_t i = 0; i < fields.size(); ++i) out << (i ? "," : "") << csv_field(fields[i]);
  out << "\n";
}

std::string ratio_or_empty(const std::optional<double>& r) { return r ? format_ratio(*r) : ""; }
std::string mib(Bytes b) { return std::to_string(mib_ceil(b)); }

}  // namespace

void write_size_csv(std::ostream& out, const SizeReport& report, const SizeView& view) {
  write_row(out, {"host", "memory_mib", "reserve_mib", "hugepages_mib", "locked_mib", "committed_mib", "memory_overcommit",
                  "guest_swap_mib", "baseline_swap_mib", "swap_mib", "declared_swap_mib", "swap_deficit_mib",
                  "expected_resident_mib", "ksm_savings_mib", "headroom_mib", "beyond_ram_mib", "vcpus", "pcpus",
                  "cpu_overcommit", "dedicated_vcpus", "dedicated_pcpus", "guests", "warnings"});
  for (const std::size_t h : selected_hosts(report, view)) {
    const HostFigures& f = report.hosts[h].figures;
    std::string warnings;
    for (const auto& w : f.warnings) warnings += (warnings.empty() ? "" : "\n") + warning_text(w);
    write_row(out, {report.hosts[h].name, mib(f.ram), mib(f.reserve), mib(f.hugepages), mib(f.pinned), mib(f.committed),
                    ratio_or_empty(f.memory_overcommit), mib(f.guest_swap), mib(f.baseline_swap), mib(f.swap),
                    f.declared_swap ? mib(*f.declared_swap) : "", mib(f.swap_deficit), mib(f.expected_resident),
                    mib(f.ksm_savings), std::to_string(mib_floor(f.headroom)), mib(f.beyond_ram), std::to_string(f.vcpus),
                    std::to_string(f.pcpus), ratio_or_empty(f.cpu_overcommit), std::to_string(f.dedicated_vcpus),
                    std::to_string(f.dedicated_pcpus), std::to_string(f.guests), warnings});
  }
}

void write_size_csv_guests(std::ostream& out, const SizeReport& report, const SizeView& view) {
  write_row(out, {"guest", "host", "nodes", "cpuset", "memory_mib", "vcpus", "cpu_policy", "hugepage_size_mib", "locked", "flavor",
                  "image", "unplaced"});
  const Scenario& scenario = *report.scenario;
  const Plan& plan = *report.plan;
  // With --host, the guests of the hosts it selects (sort and top order hosts, not guests).
  SizeView by_name = view;
  by_name.sort = "name";
  by_name.top = 0;
  std::unordered_set<std::size_t> hosts;
  for (const std::size_t h : selected_hosts(report, by_name)) hosts.insert(h);
  std::vector<std::string> reason(scenario.guests.size());
  for (const auto& u : report.unplaced) reason[u.guest] = u.summary;
  for (std::uint32_t g = 0; g < scenario.guests.size(); ++g) {
    const Placement& p = plan.placements[g];
    if (!view.host_pattern.empty() && (p.host < 0 || !hosts.count(static_cast<std::size_t>(p.host)))) continue;
    const GuestSpec& spec = scenario.spec(scenario.guests[g]);
    std::string host, nodes, cpus;
    if (p.host >= 0) {
      const Host& on = plan.hosts[static_cast<std::size_t>(p.host)];
      host = on.name;
      for (const int n : p.nodes) nodes += (nodes.empty() ? "" : ",") + std::to_string(on.nodes[static_cast<std::size_t>(n)].id);
      cpus = to_string(plan.cpuset(g, spec.vcpus));
    }
    write_row(out, {scenario.guests[g].name, host, nodes, cpus, mib(spec.memory), std::to_string(spec.vcpus),
                    spec.cpu_policy == CpuPolicy::dedicated ? "dedicated" : "shared",
                    spec.hugepages ? mib(*spec.hugepages) : "", spec.locked ? "true" : "false", spec.flavor, spec.image,
                    reason[g]});
  }
}

}  // namespace kvmplan
