#include "kvmplan/report/plan_view.hpp"

#include <fnmatch.h>

#include <algorithm>
#include <unordered_map>

#include "size_views.hpp"

namespace kvmplan {
namespace {

using Row = std::vector<std::string>;

void write_rows(std::ostream& out, const std::vector<Row>& rows) {
  std::vector<std::size_t> width(rows.front().size(), 0);
  for (const auto& row : rows) {
    for (std::size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
  }
  for (const auto& row : rows) {
    // Names, nodes and CPUs to the left, counts and sizes to the right.
    std::string line = "  ";
    for (std::size_t c = 0; c < row.size(); ++c) {
      const std::string pad(width[c] - row[c].size(), ' ');
      line += (c ? "  " : "") + (c < 3 || c == 5 ? row[c] + pad : pad + row[c]);
    }
    while (line.back() == ' ') line.pop_back();
    out << line << "\n";
  }
}

std::string nodes_text(const NodeList& nodes) {
  std::string text;
  for (const int n : nodes) text += (text.empty() ? "" : ",") + std::to_string(n);
  return text.empty() ? "-" : text;
}

}  // namespace

void write_plan_text(std::ostream& out, const PlanDocument& plan, const std::string& host_pattern) {
  std::vector<std::string> hosts;
  std::unordered_map<std::string, std::vector<const PlannedGuest*>> on;
  for (const auto& p : plan.placements) {
    auto& list = on[p.host];
    if (list.empty()) hosts.push_back(p.host);
    list.push_back(&p);
  }
  std::size_t shown = 0;
  for (const auto& h : hosts) shown += host_pattern.empty() || ::fnmatch(host_pattern.c_str(), h.c_str(), 0) == 0 ? 1 : 0;
  out << plan.placements.size() << (plan.placements.size() == 1 ? " guest" : " guests") << " on " << hosts.size()
      << (hosts.size() == 1 ? " host" : " hosts") << ", " << plan.unplaced.size() << " unplaced";
  if (!host_pattern.empty()) out << " (" << shown << " of them " << (shown == 1 ? "matches" : "match") << " '" << host_pattern << "')";
  out << "\n";
  for (const auto& h : hosts) {
    if (!host_pattern.empty() && ::fnmatch(host_pattern.c_str(), h.c_str(), 0) != 0) continue;
    const auto& guests = on[h];
    std::int64_t vcpus = 0, dedicated = 0, memory_mib = 0;
    for (const auto* g : guests) {
      (g->vcpupin ? dedicated : vcpus) += g->vcpus.value_or(0);
      memory_mib += g->memory_mib.value_or(0);
    }
    out << "\n" << h << ": " << guests.size() << (guests.size() == 1 ? " guest, " : " guests, ") << vcpus << " shared vCPUs, " << dedicated
        << " dedicated, " << human_size(MiB(memory_mib)) << "\n";
    std::vector<Row> rows{{"guest", "nodes", "CPUs", "vCPUs", "memory", "pages"}};
    for (const auto* g : guests) {
      rows.push_back({g->guest, nodes_text(g->nodes), to_string(g->cpuset) + (!g->vcpupin ? "" : g->emulatorpin ? " (pinned, emulator " + std::to_string(*g->emulatorpin) + ")" : " (pinned)"),
                      g->vcpus ? std::to_string(*g->vcpus) : "-", g->memory_mib ? human_size(MiB(*g->memory_mib)) : "-",
                      g->hugepages ? human_size(*g->hugepages) : ""});
    }
    write_rows(out, rows);
  }
  if (!plan.unplaced.empty()) {
    out << "\nunplaced:";
    for (const auto& [guest, at] : plan.unplaced) out << " " << guest;
    out << "\n";
  }
}

}  // namespace kvmplan
