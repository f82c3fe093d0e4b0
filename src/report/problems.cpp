#include "kvmplan/report/problems.hpp"

#include <algorithm>

namespace kvmplan {

namespace {
// Control characters from the input (an escape sequence in a key, say) would reach the
// terminal: shown as '?'. Tabs stay, so that carets line up.
std::string printable(std::string s) {
  for (char& c : s) {
    if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f) c = '?';
  }
  return s;
}
}  // namespace

std::string format(const Diagnostic& d, const SourceFiles& sources) {
  std::string out;
  out += d.at.file < sources.files.size() ? printable(sources.files[d.at.file].path) : "<command line>";
  if (d.at.line > 0) out += ":" + std::to_string(d.at.line) + ":" + std::to_string(d.at.col);
  out += d.severity == Severity::error ? ": error: " : d.severity == Severity::violation ? ": violation: " : ": warning: ";
  if (!d.path.empty()) out += printable(d.path) + ": ";
  out += printable(d.message) + "\n";
  std::string line = sources.line_text(d.at);
  if (!line.empty() && d.at.col >= 1) {
    // A long line (a whole document on one line) is quoted around the column only.
    std::size_t col = d.at.col;
    constexpr std::size_t context = 60;
    if (line.size() > 2 * context + 20) {
      col = std::min(col, line.size() + 1);  // a position past the end of its line (a hand-made plan)
      const std::size_t from = std::min(col > context ? col - context : 0, line.size());
      const bool cut_front = from > 0, cut_back = from + 2 * context < line.size();
      line = (cut_front ? "..." : "") + line.substr(from, 2 * context) + (cut_back ? "..." : "");
      col = col - from + (cut_front ? 3 : 0);
    }
    line = printable(std::move(line));
    out += line + "\n";
    // Keep tabs so that the caret lines up under the column.
    std::string pad;
    for (std::size_t i = 0; i + 1 < col && i < line.size(); ++i) pad += line[i] == '\t' ? '\t' : ' ';
    out += pad + "^\n";
  }
  return out;
}

std::string format_all(const Diagnostics& ds, const SourceFiles& sources) {
  std::string out;
  for (const auto& d : ds.items) out += format(d, sources);
  return out;
}

std::string violation_line(const Diagnostic& v, const SourceFiles& sources) {
  std::string where;
  if (v.at.file < sources.files.size()) {
    where = printable(sources.files[v.at.file].path);
    if (v.at.line > 0) where += ":" + std::to_string(v.at.line) + ":" + std::to_string(v.at.col);
    where += ": ";
  }
  return where + printable(v.path) + ": " + printable(v.message);
}

std::string warning_text(const Diagnostic& w) { return w.code + ": " + w.message; }

namespace {

std::string unit_name(Unit u) {
  switch (u) {
    case Unit::bytes: return "MiB";
    case Unit::vcpus: return "vCPUs";
    case Unit::cpus: return "CPUs";
    case Unit::pages: return "pages";
    case Unit::nodes: return "nodes";
    case Unit::guests: return "guests";
  }
  return {};
}

// Whole MiB rounded down (toward minus infinity): what is free is never flattered.
std::int64_t mib_floor(std::int64_t bytes) {
  const std::int64_t mib = std::int64_t{1} << 20;
  return bytes >= 0 ? bytes / mib : -((-bytes + mib - 1) / mib);
}

}  // namespace

void write_json(JsonWriter& w, const Shortfall& s) {
  const bool bytes = s.unit == Unit::bytes;
  w.begin_object();
  w.key("rule").value(rule_code(s.rule));
  w.key("subject").value(s.subject);
  w.key("need").value(bytes ? mib_ceil(Bytes{s.need}) : s.need);
  w.key("free").value(bytes ? mib_floor(s.free) : s.free);
  w.key("capacity").value(bytes ? mib_floor(s.capacity) : s.capacity);
  w.key("unit").value(unit_name(s.unit));
  w.key("text").value(to_string(s));
  w.end_object();
}

void write_json(JsonWriter& w, const Diagnostic& d) {
  w.begin_object();
  w.key("code").value(d.code);
  w.key("subject").value(d.path);
  w.key("message").value(d.message);
  w.key("members").begin_array();
  for (const auto& m : d.members) w.value(m);
  w.end_array();
  w.key("shortfalls").begin_array();
  for (const auto& s : d.shortfalls) write_json(w, s);
  w.end_array();
  w.end_object();
}

void write_json(JsonWriter& w, const Unplaced& u, const Scenario& scenario) {
  w.begin_object();
  w.key("guest").value(scenario.guests[u.guest].name);
  w.key("reasons").begin_array().value(u.summary).end_array();
  w.key("shortfalls").begin_array();
  for (const auto& s : u.shortfalls) write_json(w, s);
  w.end_array();
  w.end_object();
}

}  // namespace kvmplan
