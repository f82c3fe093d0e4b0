#include <algorithm>
#include <sstream>

#include "kvmplan/values/decimal.hpp"
#include "kvmplan/io/json_writer.hpp"
#include "kvmplan/plan/plan_writer.hpp"
#include "kvmplan/version.hpp"

namespace kvmplan {
namespace {

// One flow mapping per line: {"k": v, ...} in JSON, {k: v, ...} in YAML. Values are JSON, which
// YAML reads as they are.
class Line {
 public:
  Line(std::ostream& out, PlanFormat f) : out_(out), f_(f) { out_ << '{'; }
  Line& key(const char* k) {
    out_ << (first_ ? "" : ", ");
    first_ = false;
    if (f_ == PlanFormat::json) out_ << '"' << k << "\": ";
    else out_ << k << ": ";
    return *this;
  }
  Line& str(const std::string& v) { out_ << json_quote(v); return *this; }
  Line& num(std::int64_t v) { out_ << v; return *this; }
  Line& ratio(const std::optional<double>& v) { out_ << (v ? format_ratio(*v) : "null"); return *this; }
  Line& null() { out_ << "null"; return *this; }
  Line& raw(const std::string& json) { out_ << json; return *this; }
  template <class It>
  Line& list(It begin, It end) {
    out_ << '[';
    for (It it = begin; it != end; ++it) out_ << (it == begin ? "" : ", ") << *it;
    out_ << ']';
    return *this;
  }
  void end() { out_ << '}'; }

 private:
  std::ostream& out_;
  PlanFormat f_;
  bool first_ = true;
};

// Lists: JSON brackets with commas, YAML block sequences.
class List {
 public:
  List(std::ostream& out, PlanFormat f, const char* name, bool last = false) : out_(out), f_(f), last_(last) {
    if (f_ == PlanFormat::json) out_ << "  \"" << name << "\": [";
    else out_ << name << ":";
  }
  Line item() {
    if (f_ == PlanFormat::json) out_ << (empty_ ? "\n    " : ",\n    ");
    else out_ << "\n  - ";
    empty_ = false;
    return Line(out_, f_);
  }
  void end() {
    if (f_ == PlanFormat::json) out_ << (empty_ ? "]" : "\n  ]") << (last_ ? "\n" : ",\n");
    else out_ << (empty_ ? " []\n" : "\n");
  }

 private:
  std::ostream& out_;
  PlanFormat f_;
  bool last_;
  bool empty_ = true;
};

void scalar(std::ostream& out, PlanFormat f, const char* key, const std::string& value_json, bool last = false) {
  if (f == PlanFormat::json) out << "  \"" << key << "\": " << value_json << (last ? "\n" : ",\n");
  else out << key << ": " << value_json << "\n";
}

// `failures: {...}` on one line: the verdict, the worst failure and the first that strands guests.
void write_failures(std::ostream& out, PlanFormat f, const FailureReport& r) {
  std::ostringstream line;
  Line l(line, f);
  auto names = [](const std::vector<std::string>& v) {
    std::vector<std::string> q;
    for (const auto& s : v) q.push_back(json_quote(s));
    return q;
  };
  l.key("host_failures").num(r.host_failures).key("zone_failures").num(r.zone_failures);
  l.key("survives").raw(r.survives ? "true" : "false").key("method").str(r.method).key("simulated").num(static_cast<std::int64_t>(r.simulated));
  l.key("spare_hosts").num(r.spare_hosts);
  l.key("worst");
  if (const FailureCase* w = r.worst ? &*r.worst : (!r.broken.empty() ? &r.broken.front() : nullptr)) {
    std::ostringstream inner;
    Line wl(inner, f);
    const auto hosts = names(w->hosts), zones = names(w->zones), stranded = names(w->stranded);
    wl.key("hosts").list(hosts.begin(), hosts.end()).key("zones").list(zones.begin(), zones.end());
    wl.key("stranded").list(stranded.begin(), stranded.end());
    wl.key("tightest_host");
    if (w->tightest_host.empty()) wl.null();
    else wl.str(w->tightest_host);
    wl.key("tightest_free_mib").num(mib_floor(w->tightest_free));
    wl.end();
    l.raw(inner.str());
  } else {
    l.null();
  }
  l.key("unproven");
  if (r.unproven.empty()) l.null();
  else l.str(r.unproven);
  l.end();
  scalar(out, f, "failures", line.str());
}

void write_failover(std::ostream& out, PlanFormat f, const FailureReport& r) {
  List failover(out, f, "failover");
  for (const FailureCase& c : r.evacuations) {
    const std::string failure = c.zones.empty() ? "host " + c.hosts.front() : "zone " + c.zones.front();
    for (const FailoverRestart& restart : c.restarts) {
      Line line = failover.item();
      line.key("failure").str(failure).key("guest").str(restart.guest).key("host").str(restart.host);
      line.key("nodes").list(restart.nodes.begin(), restart.nodes.end());
      line.key("vcpupin");
      if (restart.vcpupin.empty()) line.null();
      else line.list(restart.vcpupin.begin(), restart.vcpupin.end());
      line.end();
    }
    for (const std::string& guest : c.stranded) {
      Line line = failover.item();
      line.key("failure").str(failure).key("guest").str(guest).key("host").null().key("nodes").null().key("vcpupin").null();
      line.end();
    }
  }
  failover.end();
}

}  // namespace

void write_plan(std::ostream& out, const Scenario& s, const Plan& plan, PlanFormat f, const FailureReport* failures) {
  if (f == PlanFormat::json) out << "{\n";
  scalar(out, f, "kvmplan", json_quote(version));
  scalar(out, f, "objective", json_quote(s.policy.objective == Objective::spread ? "spread" : "pack"));
  scalar(out, f, "numa", json_quote(s.policy.numa == NumaMode::strict ? "strict" : s.policy.numa == NumaMode::preferred ? "preferred" : "none"));
  List placements(out, f, "placements");
  for (std::uint32_t g = 0; g < s.guests.size(); ++g) {
    const Placement& p = plan.placements[g];
    if (p.host < 0) continue;
    const GuestSpec& spec = s.spec(s.guests[g]);
    const Host& host = plan.hosts[static_cast<std::size_t>(p.host)];
    std::vector<int> ids;
    for (int n : p.nodes) ids.push_back(host.nodes[static_cast<std::size_t>(n)].id);
    Line line = placements.item();
    line.key("guest").str(s.guests[g].name).key("host").str(host.name);
    line.key("nodes").list(ids.begin(), ids.end());
    line.key("cpuset").str(to_string(plan.cpuset(g, spec.vcpus)));
    line.key("vcpupin");
    if (p.vcpupin.empty()) line.null();
    else line.list(p.vcpupin.begin(), p.vcpupin.begin() + std::min<std::ptrdiff_t>(spec.vcpus, static_cast<std::ptrdiff_t>(p.vcpupin.size())));
    // emulator_threads isolate: the emulator's CPU, written only by the guests that have one.
    if (const int emulator = plan.emulator_cpu(g, spec.vcpus); emulator >= 0) line.key("emulatorpin").num(emulator);
    line.key("hugepages");
    if (spec.hugepages) line.str(to_string(*spec.hugepages));
    else line.null();
    line.key("memory_mib").num(mib_ceil(spec.memory)).key("vcpus").num(spec.vcpus);
    line.end();
  }
  placements.end();
  List unplaced(out, f, "unplaced");
  for (const auto& u : plan.unplaced) {
    Line line = unplaced.item();
    line.key("guest").str(s.guests[u.guest].name).key("reasons");
    const std::string reason = json_quote(u.summary);
    line.list(&reason, &reason + 1);
    line.end();
  }
  unplaced.end();
  scalar(out, f, "hosts_used", std::to_string(plan.hosts_used));
  scalar(out, f, "lower_bound_hosts", std::to_string(plan.lower_bound_hosts));
  scalar(out, f, "optimal", plan.optimal() ? "true" : "false");
  if (failures && (failures->host_failures > 0 || failures->zone_failures > 0)) write_failures(out, f, *failures);
  if (failures && !failures->evacuations.empty()) write_failover(out, f, *failures);
  // Per-host figures, for the hosts that run guests (and the hosts of the scenario).
  const auto figures = plan_figures(s, plan);
  List hosts(out, f, "hosts", true);
  for (std::size_t h = 0; h < plan.hosts.size(); ++h) {
    const HostFigures& fig = figures[h];
    const Host& host = plan.hosts[h];
    const bool from_pool = h >= s.hosts.size();
    Line line = hosts.item();
    line.key("name").str(host.name).key("pool");
    if (from_pool) line.str(host.name.substr(0, host.name.rfind('-')));
    else line.null();
    line.key("zone");
    if (host.zone.empty()) line.null();
    else line.str(host.zone);
    line.key("guests").num(fig.guests);
    line.key("committed_mib").num(mib_ceil(fig.committed)).key("memory_overcommit").ratio(fig.memory_overcommit);
    line.key("vcpus").num(fig.vcpus).key("pcpus").num(fig.pcpus).key("cpu_overcommit").ratio(fig.cpu_overcommit);
    line.key("dedicated_vcpus").num(fig.dedicated_vcpus);
    line.key("expected_resident_mib").num(mib_ceil(fig.expected_resident));
    line.key("swap_mib").num(mib_ceil(fig.swap));
    line.end();
  }
  hosts.end();
  if (f == PlanFormat::json) out << "}\n";
}

}  // namespace kvmplan
