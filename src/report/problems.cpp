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

std::string failures_line(const FailureReport& r) {
  std::string what;
  if (r.host_failures > 0) what = std::to_string(r.host_failures) + (r.host_failures == 1 ? " host" : " hosts");
  if (r.zone_failures > 0) {
    what += (what.empty() ? "" : " or ") + std::to_string(r.zone_failures) + (r.zone_failures == 1 ? " zone" : " zones");
  }
  std::string out = "survives any " + what + ": ";
  auto failed = [](const FailureCase& c) {
    const auto& names = c.zones.empty() ? c.hosts : c.zones;
    std::string s;
    for (std::size_t i = 0; i < names.size(); ++i) s += (i ? ", " : "") + names[i];
    return s + (names.size() == 1 ? " fails" : " fail");
  };
  if (r.survives) {
    out += "yes (";
    out += r.method == "exact" ? std::to_string(r.simulated) + (r.simulated == 1 ? " failure" : " failures") + " simulated"
                               : "spare hosts for every failed one";
    if (r.spare_hosts > 0) out += "; " + std::to_string(r.spare_hosts) + (r.spare_hosts == 1 ? " spare host" : " spare hosts");
    if (r.worst && !r.worst->tightest_host.empty()) {
      out += "; tightest: " + r.worst->tightest_host + ", " + to_human(r.worst->tightest_free) + " of memory budget free when " + failed(*r.worst);
    }
    return out + ")";
  }
  if (!r.unproven.empty()) return out + "not proven (" + r.unproven + ")";
  out += "no: " + std::to_string(r.broken.size()) + (r.broken.size() == FailureReport::max_broken ? " or more" : "") +
         (r.broken.size() == 1 ? " failure strands" : " failures strand") + " guests";
  if (!r.broken.empty()) out += ", first when " + failed(r.broken.front());
  return out;
}

void write_json(JsonWriter& w, const FailureReport& r) {
  w.begin_object();
  w.key("host_failures").value(r.host_failures);
  w.key("zone_failures").value(r.zone_failures);
  w.key("survives").value(r.survives);
  w.key("method").value(r.method);
  w.key("simulated").value(static_cast<std::int64_t>(r.simulated));
  w.key("spare_hosts").value(r.spare_hosts);
  w.key("worst");
  const FailureCase* c = r.worst ? &*r.worst : (!r.broken.empty() ? &r.broken.front() : nullptr);
  if (c) {
    w.begin_object();
    auto names = [&](const char* key, const std::vector<std::string>& v) {
      w.key(key).begin_array();
      for (const auto& s : v) w.value(s);
      w.end_array();
    };
    names("hosts", c->hosts);
    names("zones", c->zones);
    names("stranded", c->stranded);
    w.key("tightest_host");
    if (c->tightest_host.empty()) w.null();
    else w.value(c->tightest_host);
    w.key("tightest_free_mib").value(mib_floor(c->tightest_free));
    w.key("reason");
    if (c->reason.empty()) w.null();
    else w.value(c->reason);
    w.end_object();
  } else {
    w.null();
  }
  w.key("unproven");
  if (r.unproven.empty()) w.null();
  else w.value(r.unproven);
  w.end_object();
}

}  // namespace kvmplan
