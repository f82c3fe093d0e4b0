#include "kvmplan/report/size_report.hpp"

#include <algorithm>
#include <map>
#include <string_view>
#include <unordered_map>

#include "kvmplan/plan/check.hpp"
#include "kvmplan/io/json_writer.hpp"
#include "kvmplan/report/problems.hpp"
#include "kvmplan/placement/place.hpp"
#include "kvmplan/version.hpp"

namespace kvmplan {
namespace {

// Under usage profiles, the first slot of the highest and of the lowest value.
std::pair<std::size_t, std::size_t> peak_and_valley(const std::vector<Bytes>& by_slot) {
  const auto peak = std::max_element(by_slot.begin(), by_slot.end()), valley = std::min_element(by_slot.begin(), by_slot.end());
  return {static_cast<std::size_t>(peak - by_slot.begin()), static_cast<std::size_t>(valley - by_slot.begin())};
}

// Under usage profiles: the peak and valley slots and the expected resident memory in each.
void write_slots(JsonWriter& w, const std::vector<Bytes>& by_slot) {
  if (by_slot.empty()) return;
  const auto [peak, valley] = peak_and_valley(by_slot);
  w.key("peak_slot").value(static_cast<std::int64_t>(peak));
  w.key("valley_slot").value(static_cast<std::int64_t>(valley));
  w.key("valley_resident_mib").value(mib_ceil(by_slot[valley]));
  w.key("resident_by_slot").begin_array();
  for (const Bytes b : by_slot) w.value(mib_ceil(b));
  w.end_array();
}

}  // namespace

std::int64_t SizeReport::total_swap_mib() const {
  std::int64_t total = 0;
  for (const auto& h : hosts) total += mib_ceil(h.figures.swap);
  return total;
}

std::string bound_text(int hosts_used, int lower_bound, bool optimal) {
  std::string text = "lower bound " + std::to_string(lower_bound);
  if (optimal) return text + (hosts_used <= lower_bound ? ", optimal" : ", optimal (proven by search)");
  return hosts_used > lower_bound ? text + ", gap " + std::to_string(hosts_used - lower_bound) : text;
}

SizeReport size_plan(const Scenario& scenario, Plan plan_in) {
  const auto shared = std::make_shared<const Plan>(std::move(plan_in));
  const Plan& plan = *shared;
  SizeReport report;
  report.scenario = &scenario;
  report.plan = shared;
  report.swap_baseline = scenario.policy.swap_baseline.name();
  report.hosts_used = plan.hosts_used;
  report.lower_bound_hosts = plan.lower_bound_hosts;
  report.optimal = plan.optimal();
  const auto figures = plan_figures(scenario, plan);
  for (std::size_t h = 0; h < plan.hosts.size(); ++h) report.hosts.push_back({plan.hosts[h].name, figures[h]});
  report.unplaced = plan.unplaced;
  report.placed_guests = static_cast<int>(scenario.guests.size() - plan.unplaced.size());
  // What check says of the plan: the rules a host or a node breaks join that host's warnings.
  // With failures to survive, also where each host's guests restart (the report lists them).
  CheckOptions options;
  options.evacuations = scenario.policy.ha.host_failures > 0 || scenario.policy.ha.zone_failures > 0;
  CheckResult checked = check_plan(scenario, plan, options);
  report.violations = std::move(checked.violations);
  if (checked.failures && (checked.failures->host_failures > 0 || checked.failures->zone_failures > 0)) report.failures = std::move(checked.failures);
  std::unordered_map<std::string_view, std::size_t> host_of;  // host or guest name -> host
  for (std::size_t h = 0; h < plan.hosts.size(); ++h) host_of.emplace(plan.hosts[h].name, h);
  for (std::uint32_t g = 0; g < plan.placements.size(); ++g) {
    if (plan.placements[g].host >= 0) host_of.emplace(scenario.guests[g].name, static_cast<std::size_t>(plan.placements[g].host));
  }
  for (const auto& v : report.violations) {
    const std::string_view subject = std::string_view(v.path).substr(0, v.path.find(" node "));
    if (const auto it = host_of.find(subject); it != host_of.end()) report.hosts[it->second].figures.warnings.push_back(v);
  }
  return report;
}

SizeReport size_scenario(const Scenario& scenario, const PlaceOptions& options) {
  // Guests without a host are placed first, by the same engine as `kvmplan place`.
  return size_plan(scenario, place(scenario, options));
}

void write_size_json(std::ostream& out, const SizeReport& report) {
  JsonWriter w(out);
  w.begin_object();
  w.key("kvmplan").value(version);
  w.key("swap_baseline").value(report.swap_baseline);
  w.key("hosts").begin_array();
  for (const auto& h : report.hosts) {
    const HostFigures& f = h.figures;
    w.begin_object();
    w.key("name").value(h.name);
    w.key("memory_mib").value(mib_ceil(f.ram));
    w.key("reserve_mib").value(mib_ceil(f.reserve));
    w.key("hugepages_mib").value(mib_ceil(f.hugepages));
    w.key("locked_mib").value(mib_ceil(f.pinned));
    w.key("committed_mib").value(mib_ceil(f.committed));
    w.key("guest_swap_mib").value(mib_ceil(f.guest_swap));
    w.key("baseline_swap_mib").value(mib_ceil(f.baseline_swap));
    w.key("swap_mib").value(mib_ceil(f.swap));
    w.key("declared_swap_mib");
    f.declared_swap ? w.value(mib_ceil(*f.declared_swap)) : w.null();
    w.key("swap_deficit_mib").value(mib_ceil(f.swap_deficit));
    w.key("swap_surplus_mib").value(f.swap_surplus.value / (1 << 20));  // whole MiB to spare: rounded down
    w.key("memory_overcommit");
    f.memory_overcommit ? w.number(*f.memory_overcommit) : w.null();
    w.key("expected_resident_mib").value(mib_ceil(f.expected_resident));
    w.key("ksm_savings_mib").value(mib_ceil(f.ksm_savings));
    w.key("ksm_active").value(f.ksmtuned.active);
    w.key("ksm_threshold_mib").value(mib_ceil(f.ksmtuned.threshold));
    w.key("ksm_sleep_millisecs").value(f.ksmtuned.sleep_millisecs);
    w.key("ksm_pages_to_scan").value(f.ksmtuned.pages_to_scan);
    w.key("ksm_full_scan_seconds").number(f.ksmtuned.full_scan_seconds);
    w.key("mergeable_mib").value(mib_ceil(f.mergeable));
    w.key("beyond_ram_mib").value(mib_ceil(f.beyond_ram));
    w.key("swap_covers_mib").value(mib_floor(f.swap_covers));
    w.key("headroom_mib").value(mib_floor(f.headroom));
    write_slots(w, f.resident_by_slot);
    if (!f.busy_by_slot.empty()) {
      w.key("busy_vcpus_by_slot").begin_array();
      for (const std::int64_t millis : f.busy_by_slot) w.number(static_cast<double>(millis) / 1000.0);
      w.end_array();
    }
    w.key("vcpus").value(f.vcpus);
    w.key("pcpus").value(f.pcpus);
    w.key("cpu_overcommit");
    f.cpu_overcommit ? w.number(*f.cpu_overcommit) : w.null();
    w.key("dedicated_vcpus").value(f.dedicated_vcpus);
    w.key("dedicated_pcpus").value(f.dedicated_pcpus);
    w.key("cores").value(f.cores);
    w.key("guests").value(f.guests);
    w.key("nodes").begin_array();
    for (const auto& n : f.nodes) {
      w.begin_object();
      w.key("id").value(n.id);
      w.key("committed_mib").value(mib_ceil(n.committed));
      w.key("usable_mib").value(mib_floor(n.usable));
      w.key("guest_swap_mib").value(mib_ceil(n.guest_swap));
      w.key("locked_mib").value(mib_ceil(n.locked));
      w.key("memory_overcommit");
      n.memory_overcommit ? w.number(*n.memory_overcommit) : w.null();
      w.key("expected_resident_mib").value(mib_ceil(n.expected_resident));
      w.key("headroom_mib").value(mib_floor(n.headroom));
      write_slots(w, n.resident_by_slot);
      w.end_object();
    }
    w.end_array();
    w.key("warnings").begin_array();
    for (const auto& warning : f.warnings) w.value(warning_text(warning));
    w.end_array();
    w.end_object();
  }
  w.end_array();
  w.key("unplaced").begin_array();
  for (const auto& u : report.unplaced) write_json(w, u, *report.scenario);
  w.end_array();
  w.key("violations").begin_array();
  for (const auto& v : report.violations) write_json(w, v);
  w.end_array();
  if (report.failures) {
    w.key("failures");
    write_json(w, *report.failures);
    // Where each host's (then each zone's) guests restart when it fails alone.
    w.key("failover").begin_array();
    for (const FailureCase& c : report.failures->evacuations) {
      w.begin_object();
      w.key("failure").value(c.zones.empty() ? "host " + c.hosts.front() : "zone " + c.zones.front());
      w.key("restarts").begin_array();
      for (const auto& r : c.restarts) {
        w.begin_object();
        w.key("guest").value(r.guest).key("host").value(r.host);
        w.end_object();
      }
      w.end_array();
      w.key("stranded").begin_array();
      for (const auto& g : c.stranded) w.value(g);
      w.end_array();
      w.end_object();
    }
    w.end_array();
  }
  w.key("totals").begin_object();
  w.key("hosts").value(static_cast<std::int64_t>(report.hosts.size()));
  w.key("guests").value(report.placed_guests);
  w.key("unplaced").value(static_cast<std::int64_t>(report.unplaced.size()));
  w.key("swap_mib").value(report.total_swap_mib());
  w.key("hosts_used").value(report.hosts_used);
  w.key("lower_bound_hosts").value(report.lower_bound_hosts);
  w.key("optimal").value(report.optimal);
  w.end_object();
  w.key("optimal").value(report.optimal);  // spec section 7: at the top, as place has it
  w.end_object();
}

}  // namespace kvmplan
