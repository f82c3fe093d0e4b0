// kvmplan whatif: variants on a pool of threads, and their table (whatif.hpp).
//
// The files are read and checked once; each variant copies the loaded scenario, sets its policy
// keys as `--set` would, and resolves them into the hosts and guests that left them to the
// policy (host_reserve, the ratios, usage, ksm.shareable: resolve_policy), as loading would
// have. Each thread works on its own scenario,
// engine and report; the library keeps no state between calls (no static caches: checked when
// this was written), so variants share nothing but the read-only job.
#include "kvmplan/report/whatif.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <set>
#include <thread>

#include "kvmplan/io/json_writer.hpp"
#include "kvmplan/report/problems.hpp"
#include "kvmplan/report/size_report.hpp"

namespace kvmplan {
namespace {

WhatifRow row_of(const SizeReport& report, const Scenario& s, PolicySets sets) {
  WhatifRow row;
  row.sets = std::move(sets);
  row.hosts_used = report.hosts_used;
  row.lower_bound_hosts = report.lower_bound_hosts;
  row.optimal = report.optimal;
  row.swap_mib = report.total_swap_mib();
  for (const auto& h : report.hosts) {
    if (h.figures.guests == 0) continue;
    const auto& m = h.figures.memory_overcommit;
    const auto& c = h.figures.cpu_overcommit;
    if (m && (!row.peak_memory_overcommit || *m > *row.peak_memory_overcommit)) row.peak_memory_overcommit = m;
    if (c && (!row.peak_cpu_overcommit || *c > *row.peak_cpu_overcommit)) row.peak_cpu_overcommit = c;
  }
  row.guests = static_cast<std::int64_t>(s.guests.size());
  row.unplaced = static_cast<std::int64_t>(report.unplaced.size());
  row.violations = static_cast<std::int64_t>(report.violations.size());
  for (const auto& u : report.unplaced) {
    std::set<RuleId> rules;
    for (const auto& sf : u.shortfalls) rules.insert(sf.rule);
    for (RuleId r : rules) ++row.unplaced_by_rule[std::string(rule_code(r))];
  }
  if (report.failures && (report.failures->host_failures > 0 || report.failures->zone_failures > 0)) {
    row.survives = report.failures->survives;
    row.failures_method = report.failures->method;
  }
  return row;
}

// One variant, start to end; "" or the reason it could not run.
std::string run_one(const WhatifJob& job, std::size_t v, WhatifRow& row) {
  Scenario scenario = *job.scenario;
  for (const auto& [key, text] : job.variants[v]) {
    const PolicyKnob* knob = find_knob(key);
    const std::string problem = knob ? knob->set(scenario.policy, text) : "unknown policy key";
    if (!problem.empty()) return "kvmplan: error: --sweep " + key + "=" + text + ": " + problem + "\n";
  }
  resolve_policy(scenario);
  auto grown = grow(scenario, job.growths);
  if (!grown) return "kvmplan: error: --grow " + grown.error() + "\n";
  const SizeReport report = size_scenario(*grown, job.place);
  row = row_of(report, *grown, job.variants[v]);
  return {};
}

std::string ratio_text(const std::optional<double>& r) { return r ? format_ratio(*r) : "-"; }

// Swap for people: whole GiB as such, else GiB to a tenth, rounded up (JSON has the MiB).
std::string swap_text(std::int64_t mib) {
  if (mib % 1024 == 0) return to_human(MiB(mib));
  const std::int64_t tenths = (mib * 10 + 1023) / 1024;
  return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10) + "GiB";
}

std::string grow_text(const std::vector<Growth>& growths) {
  std::string text;
  for (const auto& g : growths) text += (text.empty() ? "" : " ") + g.to_string();
  return text.empty() ? "-" : text;
}

// "count", "memory@flavor=db": the key of a growth in JSON's "grow" object.
std::string grow_key(const Growth& g) {
  const std::string text = g.to_string();
  const std::size_t at = text.find('@');
  return g.what_name() + (at == std::string::npos ? "" : text.substr(at));
}

std::vector<std::string> set_keys(const std::vector<WhatifRow>& rows) {
  std::vector<std::string> keys;
  if (!rows.empty()) {
    for (const auto& [k, v] : rows.front().sets) keys.push_back(k);
  }
  return keys;
}

std::string survives_text(const WhatifRow& r) { return r.survives ? (*r.survives ? "yes" : "no") : "-"; }

}  // namespace

WhatifResult run_whatif(const WhatifJob& job) {
  WhatifResult result;
  const std::size_t n = job.variants.size();
  result.rows.resize(n);
  std::vector<std::string> errors(n);
  std::vector<std::exception_ptr> thrown(n);
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t v; (v = next.fetch_add(1)) < n;) {
      try {
        errors[v] = run_one(job, v, result.rows[v]);
      } catch (...) {
        thrown[v] = std::current_exception();
      }
    }
  };
  const unsigned threads = static_cast<unsigned>(std::clamp<std::size_t>(job.threads, 1, std::max<std::size_t>(n, 1)));
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
  // The first variant's problem, whichever thread met it first.
  for (std::size_t v = 0; v < n; ++v) {
    if (thrown[v]) std::rethrow_exception(thrown[v]);
    if (!errors[v].empty()) {
      std::string which;
      for (const auto& [k, val] : job.variants[v]) which += (which.empty() ? "" : " ") + k + "=" + val;
      result.error = errors[v] + (which.empty() ? "" : "kvmplan: error: in the variant " + which + "\n");
      result.rows.clear();
      return result;
    }
  }
  return result;
}

void write_whatif_text(std::ostream& out, const std::vector<WhatifRow>& rows, const std::vector<Growth>& growths) {
  std::vector<std::vector<std::string>> table;
  std::vector<std::string> head = set_keys(rows);
  const std::size_t sets = head.size();
  const bool ha = std::any_of(rows.begin(), rows.end(), [](const WhatifRow& r) { return r.survives.has_value(); });
  for (const char* h : {"grow", "hosts", "bound", "gap", "swap", "peak mem", "peak cpu", "unplaced"}) head.emplace_back(h);
  if (ha) head.emplace_back("survives");
  table.push_back(head);
  for (const auto& r : rows) {
    std::vector<std::string> line;
    for (const auto& [k, v] : r.sets) line.push_back(v);
    line.insert(line.end(), {grow_text(growths), std::to_string(r.hosts_used), std::to_string(r.lower_bound_hosts),
                             std::to_string(r.gap()), swap_text(r.swap_mib), ratio_text(r.peak_memory_overcommit),
                             ratio_text(r.peak_cpu_overcommit), std::to_string(r.unplaced)});
    if (ha) line.push_back(survives_text(r));
    table.push_back(line);
  }
  std::vector<std::size_t> width(head.size(), 0);
  for (const auto& line : table) {
    for (std::size_t c = 0; c < line.size(); ++c) width[c] = std::max(width[c], line[c].size());
  }
  for (const auto& line : table) {
    std::string text;
    for (std::size_t c = 0; c < line.size(); ++c) {
      // Policy values and growth to the left, figures to the right, two spaces between columns.
      const std::string pad(width[c] - line[c].size(), ' ');
      const bool left = c <= sets;
      std::string cell = left ? line[c] + (c + 1 == line.size() ? "" : pad) : pad + line[c];
      text += (c == 0 ? "" : "  ") + cell;
    }
    out << text << "\n";
  }
  // Why guests stay unplaced, per variant: a grown guest that no host's rules admit.
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (rows[i].unplaced == 0) continue;
    out << "\nvariant " << i + 1 << ": " << rows[i].unplaced << " unplaced (";
    bool first = true;
    for (const auto& [rule, n] : rows[i].unplaced_by_rule) {
      out << (first ? "" : ", ") << rule << " " << n;
      first = false;
    }
    out << ")";
  }
  if (std::any_of(rows.begin(), rows.end(), [](const WhatifRow& r) { return r.unplaced > 0; })) out << "\n";
}

void write_whatif_json(std::ostream& out, const std::vector<WhatifRow>& rows, const std::vector<Growth>& growths) {
  JsonWriter w(out);
  w.begin_object();
  w.key("variants").begin_array();
  for (const auto& r : rows) {
    w.begin_object();
    w.key("set").begin_object();
    for (const auto& [k, v] : r.sets) w.key(k).value(v);
    w.end_object();
    w.key("grow").begin_object();
    for (const auto& g : growths) w.key(grow_key(g)).value(to_string(g.factor));
    w.end_object();
    w.key("hosts_used").value(r.hosts_used);
    w.key("lower_bound_hosts").value(r.lower_bound_hosts);
    w.key("gap").value(r.gap());
    w.key("optimal").value(r.optimal);
    w.key("swap_mib").value(r.swap_mib);
    w.key("peak_memory_overcommit");
    r.peak_memory_overcommit ? w.number(*r.peak_memory_overcommit) : w.null();
    w.key("peak_cpu_overcommit");
    r.peak_cpu_overcommit ? w.number(*r.peak_cpu_overcommit) : w.null();
    w.key("guests").value(r.guests);
    w.key("unplaced").value(r.unplaced);
    w.key("unplaced_by_rule").begin_object();
    for (const auto& [rule, n] : r.unplaced_by_rule) w.key(rule).value(n);
    w.end_object();
    w.key("violations").value(r.violations);
    w.key("survives");
    r.survives ? w.value(*r.survives) : w.null();
    if (!r.failures_method.empty()) w.key("failures_method").value(r.failures_method);
    w.end_object();
  }
  w.end_array();
  w.end_object();
  out << "\n";
}

void write_whatif_csv(std::ostream& out, const std::vector<WhatifRow>& rows, const std::vector<Growth>& growths) {
  // Values are policy texts, numbers and growths ("count=1.3 memory=1.1@flavor=db"): none holds
  // a comma or a quote (names are [A-Za-z0-9._-]), so no field needs quoting.
  for (const auto& k : set_keys(rows)) out << k << ",";
  out << "grow,hosts_used,lower_bound_hosts,gap,swap_mib,peak_memory_overcommit,peak_cpu_overcommit,guests,unplaced,violations,survives\n";
  for (const auto& r : rows) {
    for (const auto& [k, v] : r.sets) out << v << ",";
    out << (growths.empty() ? "" : grow_text(growths)) << "," << r.hosts_used << "," << r.lower_bound_hosts << "," << r.gap() << ","
        << r.swap_mib << "," << (r.peak_memory_overcommit ? format_ratio(*r.peak_memory_overcommit) : "") << ","
        << (r.peak_cpu_overcommit ? format_ratio(*r.peak_cpu_overcommit) : "") << "," << r.guests << "," << r.unplaced << ","
        << r.violations << "," << (r.survives ? (*r.survives ? "true" : "false") : "") << "\n";
  }
}

}  // namespace kvmplan
