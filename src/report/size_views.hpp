#pragma once
// What the people's formats of `kvmplan size` (text, Markdown, HTML) share: sizes in GiB/TiB,
// the summary's figures, host ranges, grouping hosts of one shape, the hosts a view selects.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kvmplan/report/size_report.hpp"

namespace kvmplan {

// A size for people: MiB below 1GiB, GiB below 1TiB, then TiB; at most one decimal, rounded up
// (away from zero) at the last digit shown: 44GiB, 1.5GiB, 43.1TiB, 512MiB, -36GiB, 0.
std::string human_size(Bytes size);

// "kvm-001..kvm-120": names in runs of one prefix and consecutive numbers of one width, the
// runs joined by ", "; past `max_runs` runs, "... (N more)". Names in the order given.
std::string host_range(const std::vector<std::string_view>& names, std::size_t max_runs = 3);

// Indices of equal keys gathered, groups in order of their first member.
std::vector<std::vector<std::size_t>> group_equal(const std::vector<std::string>& keys);

template <typename T>
struct Range {
  T min{}, median{}, max{};
  std::size_t count = 0;  // how many values it spans; 0: none
};

struct SizeSummary {
  std::size_t hosts = 0;
  int hosts_used = 0;
  std::string bound;                     // bound_text()
  Range<std::int64_t> swap_mib;          // per host (every host listed)
  std::int64_t total_swap_mib = 0;
  std::int64_t uniform_swap_gib = 0;     // the largest host's swap, rounded up to a whole GiB
  Range<double> memory_overcommit;       // over the hosts that run a guest
  Range<double> cpu_overcommit;
  int shared_vcpus = 0, dedicated_vcpus = 0;
  std::int64_t ksm_savings_mib = 0;
  int ksm_hosts = 0;                     // hosts where ksmtuned runs KSM
  std::size_t placed = 0, unplaced = 0;
  std::size_t swap_short_hosts = 0;      // declared swap below what the host needs
  std::size_t warnings = 0, violations = 0;
  std::optional<std::string> failures;   // failures_line(), with ha set
};

SizeSummary summarize(const SizeReport& report);

// The summary as (label, text) lines, for text and Markdown alike.
std::vector<std::pair<std::string, std::string>> summary_lines(const SizeSummary& s);

// The hosts a view lists: those matching its pattern, sorted by its key (stable: ties keep the
// plan's order), at most its top N. Indices into report.hosts.
std::vector<std::size_t> selected_hosts(const SizeReport& report, const SizeView& view);

// The view's heading: "hosts (12 of 200: --host 'kvm-0*', --sort swap, --top 12)".
std::string selection_note(const SizeReport& report, const SizeView& view, std::size_t shown);

}  // namespace kvmplan
