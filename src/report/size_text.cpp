// `kvmplan size` for people: text and Markdown. A summary first, then the host tables (hosts of
// one shape on one row when there are many), then the findings (grouped by code likewise).
#include <algorithm>
#include <cstdio>
#include <functional>
#include <map>

#include "kvmplan/report/problems.hpp"
#include "kvmplan/report/size_report.hpp"
#include "kvmplan/version.hpp"
#include "size_views.hpp"

namespace kvmplan {
namespace {

using Row = std::vector<std::string>;
using Block = std::vector<Row>;  // a host's row, then rows of its nodes ("  node 0")

// How many unplaced guests (or unplaced reasons, or failure cases) the text formats list.
constexpr std::size_t lines_shown = 20;

std::string ratio_or_dash(const std::optional<double>& r) { return r ? format_ratio(*r) : "-"; }

std::string seconds_text(double s) {
  char buf[32];
  if (s < 60) std::snprintf(buf, sizeof buf, "%.0fs", s);
  else if (s < 3600) std::snprintf(buf, sizeof buf, "%.1fmin", s / 60);
  else std::snprintf(buf, sizeof buf, "%.1fh", s / 3600);
  return buf;
}

std::string plural(std::size_t n, const char* one, const char* many) { return std::to_string(n) + " " + (n == 1 ? one : many); }

// The first table. vCPUs are the shared guests', which the cpu ratio divides (as JSON's
// `vcpus`); dedicated vCPUs have their own column.
Row main_header() {
  return {"host", "RAM", "reserve", "hugepages", "locked", "committed", "mem ratio", "guest swap", "baseline",
          "swap", "vCPUs", "pCPUs", "cpu ratio", "dedicated", "guests"};
}

Block main_block(const HostSizing& h) {
  const HostFigures& f = h.figures;
  Block block{{h.name, human_size(f.ram), human_size(f.reserve), human_size(f.hugepages), human_size(f.pinned),
               human_size(f.committed), ratio_or_dash(f.memory_overcommit), human_size(f.guest_swap),
               human_size(f.baseline_swap), human_size(f.swap), std::to_string(f.vcpus), std::to_string(f.pcpus),
               ratio_or_dash(f.cpu_overcommit), std::to_string(f.dedicated_vcpus), std::to_string(f.guests)}};
  // A node's row where it matters: a host of several nodes, one of which needs swap of its own
  // or breaks a rule.
  for (const auto& n : f.nodes.size() > 1 ? f.nodes : std::vector<NodeFigures>{}) {
    const std::string subject = h.name + " node " + std::to_string(n.id);
    const bool broken = std::any_of(f.warnings.begin(), f.warnings.end(), [&](const Diagnostic& w) { return w.path == subject; });
    if (n.guest_swap.value == 0 && !broken) continue;
    block.push_back({"  node " + std::to_string(n.id), "", "", "", human_size(n.locked), human_size(n.committed),
                     ratio_or_dash(n.memory_overcommit), human_size(n.guest_swap), "", "", "", "", "", "", ""});
  }
  return block;
}

// The second table: the expected case, what KSM and ksmtuned do, and the risk beyond RAM. Under
// usage profiles, "expected" and "headroom" are the peak slot's, which the table names, with the
// valley beside it.
Row expected_header(bool profiles) {
  Row row{"host", "expected", "KSM saves", "headroom", "ksmtuned", "pages/scan", "full scan", "beyond RAM", "swap covers"};
  if (profiles) row.insert(row.begin() + 2, {"peak slot", "valley"});
  return row;
}

void slot_columns(Row& row, const std::vector<Bytes>& by_slot, bool profiles) {
  if (!profiles) return;
  if (by_slot.empty()) {
    row.insert(row.begin() + 2, {"-", "-"});
    return;
  }
  const auto peak = std::max_element(by_slot.begin(), by_slot.end()) - by_slot.begin();
  const auto valley = std::min_element(by_slot.begin(), by_slot.end()) - by_slot.begin();
  row.insert(row.begin() + 2, {std::to_string(peak), human_size(by_slot[static_cast<std::size_t>(valley)]) + " @" + std::to_string(valley)});
}

Block expected_block(const HostSizing& h, bool profiles) {
  const HostFigures& f = h.figures;
  Block block{{h.name, human_size(f.expected_resident), human_size(f.ksm_savings), human_size(MiB(mib_floor(f.headroom))),
               f.ksmtuned.active ? "runs" : "idle", f.ksmtuned.active ? std::to_string(f.ksmtuned.pages_to_scan) : "-",
               f.ksmtuned.active ? seconds_text(f.ksmtuned.full_scan_seconds) : "-", human_size(f.beyond_ram),
               human_size(f.swap_covers)}};
  slot_columns(block.back(), f.resident_by_slot, profiles);
  // A node short of memory in the expected case, under its host.
  for (const auto& n : f.nodes.size() > 1 ? f.nodes : std::vector<NodeFigures>{}) {
    if (n.headroom.value >= 0) continue;
    block.push_back({"  node " + std::to_string(n.id), human_size(n.expected_resident), "", human_size(MiB(mib_floor(n.headroom))), "", "", "", "", ""});
    slot_columns(block.back(), n.resident_by_slot, profiles);
  }
  return block;
}

std::vector<std::string_view> names_of(const SizeReport& report, const std::vector<std::size_t>& hosts) {
  std::vector<std::string_view> names;
  for (const std::size_t h : hosts) names.emplace_back(report.hosts[h].name);
  return names;
}

std::string group_label(const SizeReport& report, const std::vector<std::size_t>& hosts) {
  if (hosts.size() == 1) return report.hosts[hosts.front()].name;
  return host_range(names_of(report, hosts)) + " (" + std::to_string(hosts.size()) + " hosts)";
}

// A table of the listed hosts: a block each, or one per shape (identical figures) when grouping.
std::vector<Row> host_table(const SizeReport& report, const std::vector<std::size_t>& hosts, bool group, Row header,
                            const std::function<Block(const HostSizing&)>& block_of) {
  std::vector<Row> rows{std::move(header)};
  std::vector<Block> blocks;
  std::vector<std::string> keys;
  for (const std::size_t h : hosts) {
    blocks.push_back(block_of(report.hosts[h]));
    std::string key;
    for (std::size_t r = 0; r < blocks.back().size(); ++r) {
      for (std::size_t c = r == 0 ? 1 : 0; c < blocks.back()[r].size(); ++c) key += blocks.back()[r][c] + '\x1f';
      key += '\x1e';
    }
    keys.push_back(group ? std::move(key) : std::to_string(keys.size()));
  }
  for (const auto& members : group_equal(keys)) {
    Block block = std::move(blocks[members.front()]);
    std::vector<std::size_t> of;
    for (const std::size_t m : members) of.push_back(hosts[m]);
    block.front().front() = group_label(report, of);
    for (auto& row : block) rows.push_back(std::move(row));
  }
  return rows;
}

void write_aligned(std::ostream& out, const std::vector<Row>& rows) {
  std::vector<std::size_t> width(rows.front().size(), 0);
  for (const auto& row : rows) {
    for (std::size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
  }
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t c = 0; c < row.size(); ++c) {
      // Names to the left, figures to the right, two spaces between columns.
      const std::string pad(width[c] - row[c].size(), ' ');
      line += c == 0 ? row[c] + pad : "  " + pad + row[c];
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out << line << "\n";
  }
}

void write_markdown_table(std::ostream& out, const std::vector<Row>& rows) {
  for (std::size_t r = 0; r < rows.size(); ++r) {
    out << "|";
    for (const auto& cell : rows[r]) out << " " << cell << " |";
    out << "\n";
    if (r == 0) {
      out << "|";
      for (std::size_t c = 0; c < rows[r].size(); ++c) out << (c == 0 ? " --- |" : " ---: |");
      out << "\n";
    }
  }
}

// Lines about hosts, one per host; when grouping, hosts with the same text share one line.
void write_host_lines(std::ostream& out, const SizeReport& report, const std::vector<std::pair<std::size_t, std::string>>& lines,
                      bool group, const char* bullet) {
  std::vector<std::string> keys;
  for (std::size_t i = 0; i < lines.size(); ++i) keys.push_back(group ? lines[i].second : std::to_string(i));
  for (const auto& members : group_equal(keys)) {
    std::vector<std::size_t> hosts;
    for (const std::size_t m : members) hosts.push_back(lines[m].first);
    out << bullet << group_label(report, hosts) << ": " << lines[members.front()].second << "\n";
  }
}

void write_declared_swap(std::ostream& out, const SizeReport& report, const std::vector<std::size_t>& hosts, bool group, const char* bullet) {
  std::vector<std::pair<std::size_t, std::string>> lines;
  for (const std::size_t h : hosts) {
    const HostFigures& f = report.hosts[h].figures;
    if (!f.declared_swap) continue;
    const Bytes spare = MiB(f.swap_surplus.value >> 20);  // whole MiB, rounded down
    std::string verdict = human_size(spare) + " to spare";
    if (f.swap_deficit.value > 0) verdict = human_size(f.swap_deficit) + " short";
    else if (spare.value == 0) verdict = "just enough";
    lines.emplace_back(h, "has " + human_size(*f.declared_swap) + ", needs " + human_size(f.swap) + ": " + verdict);
  }
  if (lines.empty()) return;
  out << "\ndeclared swap:\n";
  write_host_lines(out, report, lines, group, bullet);
}

void write_failures(std::ostream& out, const SizeReport& report, const char* bullet) {
  if (!report.failures) return;
  out << "\nfailures: " << failures_line(*report.failures) << "\n";
  // Where each failed host's (or zone's) guests restart, by host, most first.
  const auto& cases = report.failures->evacuations;
  if (!cases.empty()) out << "if one fails alone, its guests restart on:\n";
  for (std::size_t i = 0; i < std::min(cases.size(), lines_shown); ++i) {
    const FailureCase& c = cases[i];
    std::map<std::string, int> on;
    for (const auto& r : c.restarts) ++on[r.host];
    std::vector<std::pair<int, std::string>> sorted;
    for (const auto& [host, n] : on) sorted.emplace_back(-n, host);
    std::sort(sorted.begin(), sorted.end());
    out << bullet << (c.zones.empty() ? c.hosts.front() : "zone " + c.zones.front()) << " ("
        << plural(c.restarts.size() + c.stranded.size(), "guest", "guests") << "):";
    for (std::size_t k = 0; k < sorted.size(); ++k) out << (k ? ", " : " ") << sorted[k].second << " " << -sorted[k].first;
    if (!c.stranded.empty()) out << (sorted.empty() ? " " : "; ") << c.stranded.size() << " nowhere";
    out << "\n";
  }
  if (cases.size() > lines_shown) out << bullet << "... and " << cases.size() - lines_shown << " more (--format json lists all)\n";
}

// Per host when few, else one line per code: "resident on 120 hosts (kvm-001..kvm-120): e.g. ...".
void write_warnings(std::ostream& out, const SizeReport& report, const std::vector<std::size_t>& hosts, bool group, const char* bullet) {
  std::map<std::string, std::vector<std::pair<std::size_t, const Diagnostic*>>> by_code;
  std::vector<std::pair<std::size_t, const Diagnostic*>> in_order;
  for (const std::size_t h : hosts) {
    for (const auto& w : report.hosts[h].figures.warnings) {
      if (w.severity != Severity::warning) continue;  // violations are listed apart
      by_code[w.code].emplace_back(h, &w);
      in_order.emplace_back(h, &w);
    }
  }
  if (in_order.empty()) return;
  out << "\nwarnings:\n";
  if (!group) {
    for (const auto& [h, w] : in_order) out << bullet << report.hosts[h].name << ": " << w->code << ": " << w->message << "\n";
    return;
  }
  for (const auto& [code, list] : by_code) {
    std::vector<std::size_t> of;
    for (const auto& [h, w] : list) {
      if (of.empty() || of.back() != h) of.push_back(h);
    }
    const std::string& first = report.hosts[list.front().first].name;
    if (list.size() == 1) {
      out << bullet << first << ": " << code << ": " << list.front().second->message << "\n";
      continue;
    }
    out << bullet << code << " on " << plural(of.size(), "host", "hosts") << " (" << host_range(names_of(report, of))
        << "): e.g. " << first << ": " << list.front().second->message << "\n";
  }
}

// Unplaced guests, those of one reason together when there are many.
void write_unplaced(std::ostream& out, const SizeReport& report, const char* bullet) {
  if (report.unplaced.empty()) return;
  out << "\nunplaced guests (" << report.unplaced.size() << "):\n";
  const auto& guests = report.scenario->guests;
  if (report.unplaced.size() <= lines_shown) {
    for (const auto& u : report.unplaced) out << bullet << guests[u.guest].name << ": " << u.summary << "\n";
    return;
  }
  std::vector<std::string> keys;
  for (const auto& u : report.unplaced) keys.push_back(u.summary);
  const auto groups = group_equal(keys);
  for (std::size_t g = 0; g < std::min(groups.size(), lines_shown); ++g) {
    std::vector<std::string_view> names;
    for (const std::size_t i : groups[g]) names.emplace_back(guests[report.unplaced[i].guest].name);
    out << bullet << (names.size() == 1 ? std::string(names.front()) : std::to_string(names.size()) + " guests (" + host_range(names) + ")")
        << ": " << report.unplaced[groups[g].front()].summary << "\n";
  }
  if (groups.size() > lines_shown) out << bullet << "... and " << groups.size() - lines_shown << " more reasons (--format json lists all)\n";
}

void write_findings(std::ostream& out, const SizeReport& report, const std::vector<std::size_t>& hosts, bool group, const char* bullet) {
  write_declared_swap(out, report, hosts, group, bullet);
  write_failures(out, report, bullet);
  if (!report.violations.empty()) {
    out << "\nviolations (kvmplan check rejects this plan):\n";
    for (const auto& v : report.violations) out << bullet << violation_line(v, SourceFiles{}) << "\n";
  }
  write_warnings(out, report, hosts, group, bullet);
  write_unplaced(out, report, bullet);
}

std::string hosts_heading(const SizeReport& report, const SizeView& view, std::size_t shown, std::size_t rows, bool group) {
  std::string note = selection_note(report, view, shown);
  if (group) note += std::string(note.empty() ? "" : "; ") + std::to_string(shown) + " in " + plural(rows, "row", "rows") + " of identical figures, --hosts all lists each";
  return note.empty() ? "hosts:" : "hosts (" + note + "):";
}

struct Tables {
  std::vector<std::size_t> hosts;
  bool group = false;
  std::vector<Row> main, expected;
};

Tables tables(const SizeReport& report, const SizeView& view) {
  Tables t;
  t.hosts = selected_hosts(report, view);
  t.group = !view.all_hosts && t.hosts.size() > group_hosts_above;
  const bool profiles = report.scenario && report.scenario->slots() > 0;
  t.main = host_table(report, t.hosts, t.group, main_header(), main_block);
  t.expected = host_table(report, t.hosts, t.group, expected_header(profiles), [&](const HostSizing& h) { return expected_block(h, profiles); });
  return t;
}

std::size_t host_rows(const std::vector<Row>& rows) {
  return static_cast<std::size_t>(std::count_if(rows.begin() + 1, rows.end(), [](const Row& r) { return r.front().rfind("  node ", 0) != 0; }));
}

}  // namespace

void write_size_text(std::ostream& out, const SizeReport& report, const SizeView& view) {
  out << "kvmplan " << version << ": swap sizing, baseline " << report.swap_baseline << "\n\nsummary:\n";
  const auto lines = summary_lines(summarize(report));
  std::size_t width = 0;
  for (const auto& [label, text] : lines) width = std::max(width, label.size());
  for (const auto& [label, text] : lines) out << "  " << label << std::string(width + 2 - label.size(), ' ') << text << "\n";
  const Tables t = tables(report, view);
  out << "\n" << hosts_heading(report, view, t.hosts.size(), host_rows(t.main), t.group) << "\n";
  write_aligned(out, t.main);
  out << "\nexpected case, KSM and risk:\n";
  write_aligned(out, t.expected);
  write_findings(out, report, t.hosts, t.group, "  ");
}

void write_size_markdown(std::ostream& out, const SizeReport& report, const SizeView& view) {
  out << "# kvmplan " << version << ": swap sizing, baseline " << report.swap_baseline << "\n\n## Summary\n\n";
  for (const auto& [label, text] : summary_lines(summarize(report))) out << "- **" << label << "**: " << text << "\n";
  const Tables t = tables(report, view);
  std::string heading = hosts_heading(report, view, t.hosts.size(), host_rows(t.main), t.group);
  heading[0] = 'H';
  heading.pop_back();  // the colon
  out << "\n## " << heading << "\n\n";
  write_markdown_table(out, t.main);
  out << "\n## Expected case, KSM and risk\n\n";
  write_markdown_table(out, t.expected);
  write_findings(out, report, t.hosts, t.group, "- ");
}

}  // namespace kvmplan
