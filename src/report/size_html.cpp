// `kvmplan size --format html`: one page that needs nothing else (no network, no library):
// the summary, the charts of size_html_charts.cpp, failures, unplaced guests, warnings by code
// and a host table sorted by a click. Every text from the scenario is escaped (html_escape).
// Elements carry ids and data-v attributes (exact values) so that tests and scripts find them.
#include <algorithm>
#include <map>

#include "kvmplan/report/problems.hpp"
#include "kvmplan/report/size_report.hpp"
#include "kvmplan/version.hpp"
#include "size_html.hpp"
#include "size_views.hpp"
#include "svg.hpp"

namespace kvmplan {
namespace {

constexpr std::size_t table_rows = 300;   // host table rows; past that, hosts of one shape share a row
constexpr std::size_t list_rows = 200;    // unplaced guests, failure cases

const char* const style = R"(body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#212529;max-width:1200px}
h1{font-size:22px}h2{font-size:18px;margin-top:32px;border-bottom:1px solid #dee2e6}
table{border-collapse:collapse}td,th{padding:3px 8px;border-bottom:1px solid #eee;text-align:right;white-space:nowrap}
td:first-child,th:first-child{text-align:left}table.summary th{text-align:left;font-weight:600}table.summary td{text-align:left}
td.text,th.text{text-align:left;white-space:normal}.wide{overflow-x:auto}
table.sortable th{cursor:pointer;background:#f8f9fa;position:sticky;top:0}table.sortable th:hover{background:#e9ecef}
svg text{font:12px system-ui,sans-serif}svg text.small{font-size:11px}.note{color:#6c757d}
.bad{color:#c0392b;font-weight:600}.good{color:#2e7d32;font-weight:600})";

// Sorts a table by the clicked column: numbers by data-v, text otherwise; a second click reverses.
const char* const script = R"(document.querySelectorAll('table.sortable').forEach(function(t){
t.querySelectorAll('th').forEach(function(th,i){th.addEventListener('click',function(){
var b=t.tBodies[0],r=Array.prototype.slice.call(b.rows),up=th.dataset.dir!=='up';th.dataset.dir=up?'up':'down';
r.sort(function(x,y){var a=x.cells[i].dataset.v,c=y.cells[i].dataset.v,p=parseFloat(a),q=parseFloat(c);
var d=(isNaN(p)||isNaN(q))?String(a).localeCompare(String(c)):p-q;return up?d:-d;});
r.forEach(function(row){b.appendChild(row);});});});});document.body.dataset.ready='1';)";

std::string cell(const std::string& shown, const std::string& value, const std::string& cls = "") {
  return "<td" + (cls.empty() ? "" : " class=\"" + cls + "\"") + " data-v=\"" + html_escape(value) + "\">" + html_escape(shown) + "</td>";
}
std::string size_cell(Bytes b, const std::string& cls) { return cell(human_size(b), std::to_string(mib_ceil(b)), cls); }
std::string ratio_cell(const std::optional<double>& r, const std::string& cls) {
  return r ? cell(format_ratio(*r), format_ratio(*r), cls) : cell("-", "-1", cls);
}

void summary(std::ostream& out, const SizeReport& report) {
  const SizeSummary s = summarize(report);
  auto row = [&](const std::string& id, const std::string& label, const std::string& value, const std::string& cls = "") {
    out << "<tr><th>" << html_escape(label) << "</th><td id=\"" << id << "\"" << (cls.empty() ? "" : " class=\"" + cls + "\"") << ">"
        << html_escape(value) << "</td></tr>\n";
  };
  auto ratios = [](const Range<double>& r) {
    return r.count == 0 ? std::string("-") : format_ratio(r.min) + " / " + format_ratio(r.median) + " / " + format_ratio(r.max);
  };
  out << "<section id=\"summary\"><h2>Summary</h2><table class=\"summary\">\n";
  row("hosts-used", "hosts needed", std::to_string(s.hosts_used));
  row("hosts-total", "hosts in the plan", std::to_string(s.hosts));
  row("lower-bound", "lower bound", s.bound, report.optimal ? "good" : "");
  row("guests-placed", "guests placed", std::to_string(s.placed));
  row("unplaced-count", "guests unplaced", std::to_string(s.unplaced), s.unplaced ? "bad" : "good");
  row("swap-total", "swap to create, in all", human_size(MiB(s.total_swap_mib)));
  row("swap-per-host", "swap per host (min / median / max)",
      human_size(MiB(s.swap_mib.min)) + " / " + human_size(MiB(s.swap_mib.median)) + " / " + human_size(MiB(s.swap_mib.max)));
  row("uniform-swap", "uniform swap (covers every host)", std::to_string(s.uniform_swap_gib) + "GiB");
  row("memory-ratio", "memory overcommit (min / median / max)", ratios(s.memory_overcommit));
  row("cpu-ratio", "cpu overcommit, shared (min / median / max)", ratios(s.cpu_overcommit));
  row("vcpus", "vCPUs shared / dedicated", std::to_string(s.shared_vcpus) + " / " + std::to_string(s.dedicated_vcpus));
  row("ksm-savings", "KSM saves", human_size(MiB(s.ksm_savings_mib)) + " (runs on " + std::to_string(s.ksm_hosts) + " hosts)");
  if (s.failures) row("failures", "failures", *s.failures, report.failures->survives ? "good" : "bad");
  row("findings", "warnings / violations", std::to_string(s.warnings) + " / " + std::to_string(s.violations), s.violations ? "bad" : "");
  out << "</table></section>\n";
}

// One row per host, or per shape when there are many; ids host-NAME for hosts of a row alone.
void host_table(std::ostream& out, const SizeReport& report) {
  std::vector<std::string> keys;
  for (std::size_t h = 0; h < report.hosts.size(); ++h) {
    const HostFigures& f = report.hosts[h].figures;
    keys.push_back(report.hosts.size() <= table_rows ? std::to_string(h) :
        human_size(f.ram) + human_size(f.hugepages) + human_size(f.pinned) + human_size(f.committed) + human_size(f.swap) +
        human_size(f.expected_resident) + std::to_string(f.vcpus) + std::to_string(f.dedicated_vcpus) + std::to_string(f.guests));
  }
  const auto groups = group_equal(keys);
  out << "<section id=\"hosts\"><h2>Hosts</h2>";
  if (report.hosts.size() > table_rows) out << "<p class=\"note\">" << report.hosts.size() << " hosts in " << groups.size() << " rows: hosts of the same figures share a row.</p>";
  if (groups.size() > table_rows) out << "<p class=\"note\">The first " << table_rows << " rows; <code>--format csv</code> lists every host.</p>";
  out << "<div class=\"wide\"><table id=\"host-table\" class=\"sortable\"><thead><tr><th>host</th><th>hosts</th><th>RAM</th><th>hugepages</th><th>locked</th>"
         "<th>committed</th><th>mem ratio</th><th>swap</th><th>expected</th><th>KSM saves</th><th>headroom</th><th>vCPUs</th>"
         "<th>pCPUs</th><th>cpu ratio</th><th>dedicated</th><th>guests</th><th>warnings</th></tr></thead><tbody>\n";
  for (std::size_t g = 0; g < std::min(groups.size(), table_rows); ++g) {
    const auto& members = groups[g];
    const HostSizing& h = report.hosts[members.front()];
    const HostFigures& f = h.figures;
    std::vector<std::string_view> names;
    for (const std::size_t m : members) names.emplace_back(report.hosts[m].name);
    const std::string name = members.size() == 1 ? h.name : host_range(names);
    std::size_t warnings = 0;
    for (const std::size_t m : members) warnings += report.hosts[m].figures.warnings.size();
    out << "<tr" << (members.size() == 1 ? " id=\"host-" + html_escape(h.name) + "\"" : "") << ">" << cell(name, h.name, "name")
        << cell(std::to_string(members.size()), std::to_string(members.size()), "count") << size_cell(f.ram, "ram")
        << size_cell(f.hugepages, "hugepages") << size_cell(f.pinned, "locked") << size_cell(f.committed, "committed")
        << ratio_cell(f.memory_overcommit, "memory-ratio") << size_cell(f.swap, "swap") << size_cell(f.expected_resident, "expected")
        << size_cell(f.ksm_savings, "ksm") << cell(human_size(MiB(mib_floor(f.headroom))), std::to_string(mib_floor(f.headroom)), "headroom")
        << cell(std::to_string(f.vcpus), std::to_string(f.vcpus), "vcpus") << cell(std::to_string(f.pcpus), std::to_string(f.pcpus), "pcpus")
        << ratio_cell(f.cpu_overcommit, "cpu-ratio") << cell(std::to_string(f.dedicated_vcpus), std::to_string(f.dedicated_vcpus), "dedicated")
        << cell(std::to_string(f.guests), std::to_string(f.guests), "guests") << cell(std::to_string(warnings), std::to_string(warnings), "warnings")
        << "</tr>\n";
  }
  out << "</tbody></table></section>\n";
}

// The images whose guests KSM may merge, with how many guests run each.
void images(std::ostream& out, const SizeReport& report) {
  std::map<std::string, std::pair<int, std::int64_t>> by_image;  // guests, shareable MiB
  for (std::uint32_t g = 0; g < report.scenario->guests.size(); ++g) {
    const GuestSpec& spec = report.scenario->spec(report.scenario->guests[g]);
    if (spec.image.empty() || report.plan->placements[g].host < 0) continue;
    auto& [guests, shareable] = by_image[spec.image];
    ++guests;
    shareable += mib_ceil(spec.ksm_shareable);
  }
  if (by_image.empty()) return;
  out << "<table id=\"images\"><thead><tr><th>image</th><th>guests</th><th>shareable</th></tr></thead><tbody>\n";
  for (const auto& [image, n] : by_image) {
    out << "<tr>" << cell(image, image) << cell(std::to_string(n.first), std::to_string(n.first)) << size_cell(MiB(n.second), "") << "</tr>\n";
  }
  out << "</tbody></table>\n";
}

void failures(std::ostream& out, const SizeReport& report) {
  if (!report.failures) return;
  const FailureReport& r = *report.failures;
  out << "<section id=\"failures-detail\"><h2>Failure survival</h2><p class=\"" << (r.survives ? "good" : "bad") << "\">"
      << html_escape(failures_line(r)) << "</p>\n";
  if (!r.evacuations.empty()) {
    out << "<table class=\"sortable\"><thead><tr><th>fails</th><th>guests restarted</th><th>stranded</th><th>hosts taking them</th></tr></thead><tbody>\n";
    for (std::size_t i = 0; i < std::min(r.evacuations.size(), list_rows); ++i) {
      const FailureCase& c = r.evacuations[i];
      std::map<std::string, int> on;
      for (const auto& restart : c.restarts) ++on[restart.host];
      const std::string what = c.zones.empty() ? c.hosts.front() : "zone " + c.zones.front();
      out << "<tr>" << cell(what, what) << cell(std::to_string(c.restarts.size()), std::to_string(c.restarts.size()))
          << cell(std::to_string(c.stranded.size()), std::to_string(c.stranded.size()), c.stranded.empty() ? "" : "bad")
          << cell(std::to_string(on.size()), std::to_string(on.size())) << "</tr>\n";
    }
    out << "</tbody></table>";
  }
  out << "</section>\n";
}

void findings(std::ostream& out, const SizeReport& report) {
  if (!report.unplaced.empty()) {
    out << "<section id=\"unplaced\"><h2>Unplaced guests (" << report.unplaced.size() << ")</h2>";
    if (report.unplaced.size() > list_rows) out << "<p class=\"note\">The first " << list_rows << "; <code>--format json</code> lists all.</p>";
    out << "<table class=\"sortable\"><thead><tr><th>guest</th><th class=\"text\">why</th></tr></thead><tbody>\n";
    for (std::size_t i = 0; i < std::min(report.unplaced.size(), list_rows); ++i) {
      const auto& u = report.unplaced[i];
      const std::string& name = report.scenario->guests[u.guest].name;
      out << "<tr>" << cell(name, name) << "<td class=\"text\">" << html_escape(u.summary) << "</td></tr>\n";
    }
    out << "</tbody></table></section>\n";
  }
  if (!report.violations.empty()) {
    out << "<section id=\"violations\"><h2>Violations (kvmplan check rejects this plan)</h2><ul>";
    for (const auto& v : report.violations) out << "<li>" << html_escape(violation_line(v, SourceFiles{})) << "</li>";
    out << "</ul></section>\n";
  }
  std::map<std::string, std::vector<std::pair<std::size_t, const Diagnostic*>>> by_code;
  for (std::size_t h = 0; h < report.hosts.size(); ++h) {
    for (const auto& w : report.hosts[h].figures.warnings) {
      if (w.severity == Severity::warning) by_code[w.code].emplace_back(h, &w);
    }
  }
  if (by_code.empty()) return;
  out << "<section id=\"warnings\"><h2>Warnings</h2><table><thead><tr><th>code</th><th>hosts</th><th class=\"text\">for example</th></tr></thead><tbody>\n";
  for (const auto& [code, list] : by_code) {
    std::vector<std::string_view> names;
    for (const auto& [h, w] : list) {
      if (names.empty() || names.back() != report.hosts[h].name) names.emplace_back(report.hosts[h].name);
    }
    out << "<tr><td>" << html_escape(code) << "</td><td>" << names.size() << ": " << html_escape(host_range(names))
        << "</td><td class=\"text\">" << html_escape(report.hosts[list.front().first].name + ": " + list.front().second->message)
        << "</td></tr>\n";
  }
  out << "</tbody></table></section>\n";
}

}  // namespace

void write_size_html(std::ostream& out, const SizeReport& report) {
  const std::string title = "kvmplan " + std::string(version) + ": swap sizing, baseline " + report.swap_baseline;
  out << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
         "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'\">"
         "<title>" << html_escape(title) << "</title><style>" << style << "</style></head>\n<body>\n<h1>" << html_escape(title) << "</h1>\n";
  summary(out, report);
  out << "<section id=\"memory\"><h2>Memory per host</h2>" << html::memory_chart(report) << "</section>\n";
  out << "<section id=\"overcommit\"><h2>Overcommit per host and NUMA node</h2>"
         "<p class=\"note\">Colour: the share of the policy's limit used (green none, red all).</p>" << html::overcommit_chart(report) << "</section>\n";
  out << "<section id=\"ksm\"><h2>KSM</h2>" << html::ksm_chart(report);
  images(out, report);
  out << "</section>\n";
  if (const std::string usage = html::usage_chart(report); !usage.empty()) {
    out << "<section id=\"usage\"><h2>Expected resident memory over time</h2>" << usage << "</section>\n";
  }
  failures(out, report);
  findings(out, report);
  host_table(out, report);
  out << "<script>" << script << "</script>\n</body></html>\n";
}

}  // namespace kvmplan
