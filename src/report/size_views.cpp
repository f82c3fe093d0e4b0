#include "size_views.hpp"

#include <fnmatch.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <unordered_map>

#include "kvmplan/report/problems.hpp"

namespace kvmplan {
namespace {

constexpr std::int64_t gib = std::int64_t{1} << 30;

// "kvm-007" -> {"kvm-", 7, 3}; a name without trailing digits has width 0.
struct NamePart {
  std::string_view prefix;
  std::uint64_t number = 0;
  std::size_t width = 0;
};

NamePart split_name(std::string_view name) {
  std::size_t i = name.size();
  while (i > 0 && name[i - 1] >= '0' && name[i - 1] <= '9' && name.size() - i < 18) --i;
  NamePart p{name.substr(0, i), 0, name.size() - i};
  for (std::size_t k = i; k < name.size(); ++k) p.number = p.number * 10 + static_cast<std::uint64_t>(name[k] - '0');
  return p;
}

template <typename T>
Range<T> range_of(std::vector<T> values) {
  Range<T> r;
  r.count = values.size();
  if (values.empty()) return r;
  std::sort(values.begin(), values.end());
  r.min = values.front();
  r.median = values[(values.size() - 1) / 2];  // the lower median: a value some host has
  r.max = values.back();
  return r;
}

std::string ratio_range(const Range<double>& r) {
  if (r.count == 0) return "-";
  if (format_ratio(r.min) == format_ratio(r.max)) return format_ratio(r.min);
  return format_ratio(r.min) + " .. " + format_ratio(r.max) + ", median " + format_ratio(r.median);
}

std::string plural(std::size_t n, const char* one, const char* many) { return std::to_string(n) + " " + (n == 1 ? one : many); }

// The figure a sort key orders by, largest first (headroom: smallest first, the tightest).
double sort_value(const HostFigures& f, const std::string& key) {
  if (key == "swap") return static_cast<double>(f.swap.value);
  if (key == "committed") return static_cast<double>(f.committed.value);
  if (key == "memory-ratio") return f.memory_overcommit.value_or(0);
  if (key == "cpu-ratio") return f.cpu_overcommit.value_or(0);
  if (key == "guests") return f.guests;
  if (key == "headroom") return -static_cast<double>(f.headroom.value);
  if (key == "ram") return static_cast<double>(f.ram.value);
  return 0;
}

}  // namespace

const std::vector<std::string>& size_sort_keys() {
  static const std::vector<std::string> keys{"name", "swap", "committed", "memory-ratio", "cpu-ratio", "guests", "headroom", "ram"};
  return keys;
}

std::string human_size(Bytes size) {
  const bool negative = size.value < 0;
  const auto magnitude = static_cast<unsigned __int128>(negative ? -static_cast<__int128>(size.value) : size.value);
  if (magnitude == 0) return "0";
  const std::string sign = negative ? "-" : "";
  if (magnitude < static_cast<unsigned __int128>(gib)) {
    return sign + std::to_string(static_cast<std::uint64_t>((magnitude + (1 << 20) - 1) >> 20)) + "MiB";
  }
  // Tenths of a GiB, rounded up; from 1024.0GiB on, tenths of a TiB.
  auto tenths = static_cast<std::uint64_t>((magnitude * 10 + gib - 1) / gib);
  const char* unit = "GiB";
  if (tenths >= 10240) {
    tenths = static_cast<std::uint64_t>((magnitude * 10 + (static_cast<unsigned __int128>(gib) << 10) - 1) / (static_cast<unsigned __int128>(gib) << 10));
    unit = "TiB";
  }
  std::string text = sign + std::to_string(tenths / 10);
  if (tenths % 10 != 0) text += "." + std::to_string(tenths % 10);
  return text + unit;
}

std::string host_range(const std::vector<std::string_view>& names, std::size_t max_runs) {
  std::vector<std::string> runs;
  std::size_t i = 0;
  while (i < names.size()) {
    const NamePart first = split_name(names[i]);
    std::size_t j = i + 1;
    while (j < names.size() && first.width > 0) {
      const NamePart next = split_name(names[j]);
      if (next.prefix != first.prefix || next.width != first.width || next.number != first.number + (j - i)) break;
      ++j;
    }
    if (j - i >= 3) {
      runs.push_back(std::string(names[i]) + ".." + std::string(names[j - 1]));
    } else {
      for (std::size_t k = i; k < j; ++k) runs.emplace_back(names[k]);
    }
    i = j;
  }
  std::string text;
  for (std::size_t r = 0; r < std::min(runs.size(), max_runs); ++r) text += (r ? ", " : "") + runs[r];
  if (runs.size() > max_runs) text += ", ... (" + std::to_string(runs.size() - max_runs) + " more)";
  return text;
}

std::vector<std::vector<std::size_t>> group_equal(const std::vector<std::string>& keys) {
  std::vector<std::vector<std::size_t>> groups;
  std::unordered_map<std::string_view, std::size_t> group_of;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const auto [it, fresh] = group_of.emplace(keys[i], groups.size());
    if (fresh) groups.emplace_back();
    groups[it->second].push_back(i);
  }
  return groups;
}

SizeSummary summarize(const SizeReport& report) {
  SizeSummary s;
  s.hosts = report.hosts.size();
  s.hosts_used = report.hosts_used;
  s.bound = bound_text(report.hosts_used, report.lower_bound_hosts, report.optimal);
  std::vector<std::int64_t> swaps;
  std::vector<double> memory, cpu;
  for (const auto& h : report.hosts) {
    const HostFigures& f = h.figures;
    swaps.push_back(mib_ceil(f.swap));
    if (f.guests > 0 && f.memory_overcommit) memory.push_back(*f.memory_overcommit);
    if (f.guests > 0 && f.cpu_overcommit && f.vcpus > 0) cpu.push_back(*f.cpu_overcommit);
    s.shared_vcpus += f.vcpus;
    s.dedicated_vcpus += f.dedicated_vcpus;
    s.ksm_savings_mib += mib_ceil(f.ksm_savings);
    s.ksm_hosts += f.ksmtuned.active && f.guests > 0 ? 1 : 0;
    s.swap_short_hosts += f.swap_deficit.value > 0 ? 1 : 0;
    for (const auto& w : f.warnings) s.warnings += w.severity == Severity::warning ? 1 : 0;
  }
  s.swap_mib = range_of(swaps);
  s.total_swap_mib = report.total_swap_mib();
  s.uniform_swap_gib = (s.swap_mib.max + 1023) / 1024;
  s.memory_overcommit = range_of(memory);
  s.cpu_overcommit = range_of(cpu);
  s.placed = static_cast<std::size_t>(report.placed_guests);
  s.unplaced = report.unplaced.size();
  s.violations = report.violations.size();
  if (report.failures) s.failures = failures_line(*report.failures);
  return s;
}

std::vector<std::pair<std::string, std::string>> summary_lines(const SizeSummary& s) {
  auto size = [](std::int64_t mib) { return human_size(MiB(mib)); };
  std::vector<std::pair<std::string, std::string>> lines;
  lines.emplace_back("hosts", std::to_string(s.hosts_used) + " needed, " + std::to_string(s.hosts) + " in the plan (" + s.bound + ")");
  lines.emplace_back("guests", std::to_string(s.placed) + " placed, " + std::to_string(s.unplaced) + " unplaced");
  std::string swap = size(s.total_swap_mib) + " in all";
  if (s.swap_mib.count > 0) {
    swap += "; per host min " + size(s.swap_mib.min) + ", median " + size(s.swap_mib.median) + ", max " + size(s.swap_mib.max);
  }
  lines.emplace_back("swap", swap);
  lines.emplace_back("uniform swap", std::to_string(s.uniform_swap_gib) + "GiB on every host covers each (the largest, rounded up to a whole GiB)");
  if (s.swap_short_hosts > 0) lines.emplace_back("declared swap", plural(s.swap_short_hosts, "host is", "hosts are") + " short of the swap needed");
  lines.emplace_back("memory ratio", ratio_range(s.memory_overcommit) + " (committed / usable; hosts with guests)");
  lines.emplace_back("cpu ratio", ratio_range(s.cpu_overcommit) + " (shared vCPUs / pCPUs); " + std::to_string(s.shared_vcpus) +
                                      " shared vCPUs, " + std::to_string(s.dedicated_vcpus) + " dedicated");
  lines.emplace_back("KSM", "saves " + size(s.ksm_savings_mib) + ", runs on " + plural(static_cast<std::size_t>(s.ksm_hosts), "host", "hosts"));
  if (s.failures) lines.emplace_back("failures", *s.failures);
  lines.emplace_back("findings", plural(s.warnings, "warning", "warnings") + ", " + plural(s.violations, "violation", "violations"));
  return lines;
}

std::vector<std::size_t> selected_hosts(const SizeReport& report, const SizeView& view) {
  std::vector<std::size_t> hosts;
  for (std::size_t h = 0; h < report.hosts.size(); ++h) {
    if (!view.host_pattern.empty() && ::fnmatch(view.host_pattern.c_str(), report.hosts[h].name.c_str(), 0) != 0) continue;
    hosts.push_back(h);
  }
  if (view.sort != "name") {
    std::vector<double> key(report.hosts.size());
    for (const std::size_t h : hosts) key[h] = sort_value(report.hosts[h].figures, view.sort);
    std::stable_sort(hosts.begin(), hosts.end(), [&](std::size_t a, std::size_t b) { return key[a] > key[b]; });
  }
  if (view.top > 0 && hosts.size() > static_cast<std::size_t>(view.top)) hosts.resize(static_cast<std::size_t>(view.top));
  return hosts;
}

std::string selection_note(const SizeReport& report, const SizeView& view, std::size_t shown) {
  std::vector<std::string> parts;
  if (!view.host_pattern.empty()) parts.push_back("--host '" + view.host_pattern + "'");
  if (view.sort != "name") parts.push_back("--sort " + view.sort);
  if (view.top > 0) parts.push_back("--top " + std::to_string(view.top));
  if (parts.empty()) return "";
  std::string text = std::to_string(shown) + " of " + std::to_string(report.hosts.size()) + ": ";
  for (std::size_t i = 0; i < parts.size(); ++i) text += (i ? ", " : "") + parts[i];
  return text;
}

}  // namespace kvmplan
