#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "kvmplan/values/decimal.hpp"
#include "size_html.hpp"
#include "size_views.hpp"
#include "svg.hpp"

namespace kvmplan::html {
namespace {

constexpr std::size_t bars_shown = 40;     // shapes in the memory chart
constexpr std::size_t grid_hosts = 100;    // up to this many hosts, the overcommit map has a row each
const char* const palette[] = {"#4a90d9", "#d9534f", "#5cb85c", "#f0ad4e", "#8e6bbf", "#17a2b8", "#795548", "#e83e8c", "#6c757d", "#20c997"};

double gib(Bytes b) { return static_cast<double>(b.value) / static_cast<double>(std::int64_t{1} << 30); }

std::string label_of(const SizeReport& report, const std::vector<std::size_t>& hosts) {
  if (hosts.size() == 1) return report.hosts[hosts.front()].name;
  std::vector<std::string_view> names;
  for (const std::size_t h : hosts) names.emplace_back(report.hosts[h].name);
  return host_range(names, 2) + " (" + std::to_string(hosts.size()) + " hosts)";
}

// Hosts of identical figures, by the text of the figures a chart draws.
template <typename Key>
std::vector<std::vector<std::size_t>> shapes(const SizeReport& report, Key key) {
  std::vector<std::string> keys;
  for (const auto& h : report.hosts) keys.push_back(key(h.figures));
  return group_equal(keys);
}

void legend(Svg& svg, double x, double y, const std::vector<std::pair<std::string, std::string>>& items) {
  for (const auto& [colour, name] : items) {
    svg.rect(x, y - 10, 12, 12, colour);
    svg.text(x + 16, y, name);
    x += 28 + 7.5 * static_cast<double>(name.size());
  }
}

}  // namespace

std::string memory_chart(const SizeReport& report) {
  auto groups = shapes(report, [](const HostFigures& f) {
    return human_size(f.ram) + human_size(f.hugepages) + human_size(f.pinned) + human_size(f.reserve) + human_size(f.committed) + "/" + human_size(f.swap);
  });
  std::string note;
  if (groups.size() > bars_shown) {
    // The shapes that need the most swap, in plan order.
    std::stable_sort(groups.begin(), groups.end(), [&](const auto& a, const auto& b) {
      return report.hosts[a.front()].figures.swap.value > report.hosts[b.front()].figures.swap.value;
    });
    note = "<p class=\"note\">The " + std::to_string(bars_shown) + " shapes (of " + std::to_string(groups.size()) +
           ") that need the most swap; the table below and <code>--format csv</code> list every host.</p>";
    groups.resize(bars_shown);
    std::sort(groups.begin(), groups.end());
  }
  double scale = 1;
  for (const auto& g : groups) {
    const HostFigures& f = report.hosts[g.front()].figures;
    scale = std::max({scale, gib(f.ram) + gib(f.swap), gib(f.hugepages) + gib(f.pinned) + gib(f.reserve) + gib(f.committed)});
  }
  const double x0 = 250, width = 500, row = 26;
  Svg svg(1000, 40 + row * static_cast<double>(groups.size()), "memory per host");
  legend(svg, 0, 14, {{"#8e6bbf", "hugepages"}, {"#d9534f", "locked"}, {"#adb5bd", "reserve"}, {"#4a90d9", "committed"},
                      {"#343a40", "RAM"}, {"#f0ad4e", "swap"}});
  double y = 32;
  for (const auto& g : groups) {
    const HostFigures& f = report.hosts[g.front()].figures;
    const std::string name = label_of(report, g);
    svg.text(x0 - 8, y + 13, name, "end");
    double x = x0;
    for (const auto& [bytes, colour, what] : {std::tuple{f.hugepages, "#8e6bbf", "hugepages"}, std::tuple{f.pinned, "#d9534f", "locked"},
                                              std::tuple{f.reserve, "#adb5bd", "reserve"}, std::tuple{f.committed, "#4a90d9", "committed"}}) {
      const double w = gib(bytes) / scale * width;
      if (w > 0) svg.rect(x, y, w, 13, colour, name + ": " + what + " " + human_size(bytes));
      x += w;
    }
    svg.rect(x0, y + 15, gib(f.ram) / scale * width, 5, "#343a40", name + ": RAM " + human_size(f.ram));
    svg.rect(x0 + gib(f.ram) / scale * width, y + 15, gib(f.swap) / scale * width, 5, "#f0ad4e", name + ": swap " + human_size(f.swap));
    svg.text(x0 + width + 10, y + 13, "committed " + human_size(f.committed) + " of " + human_size(f.ram) + ", swap " + human_size(f.swap), "start", "small");
    y += row;
  }
  return svg.str() + note;
}

namespace {

// One row per host: memory and CPU ratios of the host, then each NUMA node's memory ratio;
// colour by the share of the policy's limit used.
std::string overcommit_grid(const SizeReport& report) {
  std::set<int> node_ids;
  for (const auto& h : report.hosts) {
    for (const auto& n : h.figures.nodes) node_ids.insert(n.id);
  }
  const double x0 = 200, cell = 78, row = 20;
  const double memory_limit = report.scenario->policy.memory_ratio.to_double(), cpu_limit = report.scenario->policy.cpu_ratio.to_double();
  Svg svg(x0 + cell * static_cast<double>(2 + node_ids.size()) + 10, 30 + row * static_cast<double>(report.hosts.size()), "overcommit per host and node");
  std::vector<std::string> columns{"memory", "cpu"};
  for (const int id : node_ids) columns.push_back("node " + std::to_string(id) + " mem");
  for (std::size_t c = 0; c < columns.size(); ++c) svg.text(x0 + cell * (static_cast<double>(c) + 0.5), 16, columns[c], "middle", "small");
  double y = 24;
  for (const auto& h : report.hosts) {
    svg.text(x0 - 8, y + 14, h.name, "end");
    auto put = [&](std::size_t c, const std::optional<double>& ratio, double limit, const std::string& what) {
      const double x = x0 + cell * static_cast<double>(c);
      if (!ratio) {
        svg.rect(x + 1, y + 1, cell - 2, row - 2, "#e9ecef", h.name + ": " + what + " -");
        return;
      }
      svg.rect(x + 1, y + 1, cell - 2, row - 2, heat_colour(*ratio / std::max(limit, 0.001)), h.name + ": " + what + " " + format_ratio(*ratio));
      svg.text(x + cell / 2, y + 14, format_ratio(*ratio), "middle", "small");
    };
    put(0, h.figures.memory_overcommit, memory_limit, "memory overcommit");
    put(1, h.figures.cpu_overcommit, cpu_limit, "cpu overcommit");
    std::size_t c = 2;
    for (const int id : node_ids) {
      std::optional<double> ratio;
      for (const auto& n : h.figures.nodes) {
        if (n.id == id) ratio = n.memory_overcommit;
      }
      put(c++, ratio, memory_limit, "node " + std::to_string(id) + " memory overcommit");
    }
    y += row;
  }
  return svg.str();
}

// Many hosts: how many hosts fall in each (memory ratio, cpu ratio) cell of a 10 x 10 grid.
std::string overcommit_histogram(const SizeReport& report) {
  constexpr int bins = 10;
  double memory_max = 0.1, cpu_max = 0.1;
  for (const auto& h : report.hosts) {
    memory_max = std::max(memory_max, h.figures.memory_overcommit.value_or(0));
    cpu_max = std::max(cpu_max, h.figures.cpu_overcommit.value_or(0));
  }
  auto bin = [](double v, double max) { return std::clamp(static_cast<int>(v / max * bins), 0, bins - 1); };
  std::map<std::pair<int, int>, int> count;
  int most = 1;
  for (const auto& h : report.hosts) {
    const int c = ++count[{bin(h.figures.memory_overcommit.value_or(0), memory_max), bin(h.figures.cpu_overcommit.value_or(0), cpu_max)}];
    most = std::max(most, c);
  }
  const double x0 = 90, cell = 56, y0 = 20;
  Svg svg(x0 + cell * bins + 20, y0 + cell * bins + 50, "hosts by memory and cpu overcommit");
  for (const auto& [at, n] : count) {
    const double x = x0 + cell * at.first, y = y0 + cell * (bins - 1 - at.second);
    const std::string what = std::to_string(n) + " hosts: memory " + format_ratio(memory_max * at.first / bins) + ".." +
                             format_ratio(memory_max * (at.first + 1) / bins) + ", cpu " + format_ratio(cpu_max * at.second / bins) + ".." +
                             format_ratio(cpu_max * (at.second + 1) / bins);
    svg.rect(x + 1, y + 1, cell - 2, cell - 2, heat_colour(static_cast<double>(n) / most), what);
    svg.text(x + cell / 2, y + cell / 2 + 5, std::to_string(n), "middle", "small");
  }
  for (int i = 0; i <= bins; i += 2) {
    svg.text(x0 + cell * i, y0 + cell * bins + 16, format_ratio(memory_max * i / bins), "middle", "small");
    svg.text(x0 - 6, y0 + cell * (bins - i) + 4, format_ratio(cpu_max * i / bins), "end", "small");
  }
  svg.text(x0 + cell * bins / 2, y0 + cell * bins + 38, "memory overcommit (committed / usable)", "middle");
  svg.text(4, y0 - 6, "cpu overcommit", "start", "small");
  return svg.str();
}

}  // namespace

std::string overcommit_chart(const SizeReport& report) {
  if (report.hosts.size() <= grid_hosts) return overcommit_grid(report);
  return "<p class=\"note\">" + std::to_string(report.hosts.size()) +
         " hosts: each cell counts the hosts of its memory and cpu overcommit (hover for the ranges).</p>" + overcommit_histogram(report);
}

std::string ksm_chart(const SizeReport& report) {
  std::vector<std::size_t> hosts;
  for (std::size_t h = 0; h < report.hosts.size(); ++h) {
    if (report.hosts[h].figures.ksm_savings.value > 0) hosts.push_back(h);
  }
  if (hosts.empty()) return "<p>KSM saves nothing in this plan (no guests of one image share pages, or ksmtuned stays idle).</p>";
  std::stable_sort(hosts.begin(), hosts.end(), [&](std::size_t a, std::size_t b) {
    return report.hosts[a].figures.ksm_savings.value > report.hosts[b].figures.ksm_savings.value;
  });
  const std::size_t shown = std::min<std::size_t>(hosts.size(), 20);
  double scale = 0.001;
  for (std::size_t i = 0; i < shown; ++i) scale = std::max(scale, gib(report.hosts[hosts[i]].figures.resident_before_ksm));
  const double x0 = 250, width = 500, row = 20;
  Svg svg(1000, 30 + row * static_cast<double>(shown), "KSM savings per host");
  legend(svg, 0, 14, {{"#4a90d9", "expected resident"}, {"#5cb85c", "KSM saves"}});
  for (std::size_t i = 0; i < shown; ++i) {
    const HostSizing& h = report.hosts[hosts[i]];
    const double y = 24 + row * static_cast<double>(i);
    svg.text(x0 - 8, y + 12, h.name, "end");
    const double expected = gib(h.figures.expected_resident) / scale * width, saved = gib(h.figures.ksm_savings) / scale * width;
    svg.rect(x0, y, expected, 14, "#4a90d9", h.name + ": expected resident " + human_size(h.figures.expected_resident));
    svg.rect(x0 + expected, y, saved, 14, "#5cb85c", h.name + ": KSM saves " + human_size(h.figures.ksm_savings));
    svg.text(x0 + width + 10, y + 12, "saves " + human_size(h.figures.ksm_savings), "start", "small");
  }
  std::string note = hosts.size() > shown ? "<p class=\"note\">The " + std::to_string(shown) + " hosts (of " + std::to_string(hosts.size()) + ") where KSM saves most.</p>" : "";
  return svg.str() + note;
}

std::string usage_chart(const SizeReport& report) {
  const std::size_t slots = report.scenario->slots();
  std::vector<std::size_t> hosts;
  for (std::size_t h = 0; h < report.hosts.size(); ++h) {
    if (report.hosts[h].figures.resident_by_slot.size() == slots && report.hosts[h].figures.guests > 0) hosts.push_back(h);
  }
  if (slots == 0 || hosts.empty()) return "";
  // Lines: each host's, or (many hosts) the least, the median and the most of the hosts per slot.
  std::vector<std::pair<std::string, std::vector<double>>> lines;
  if (hosts.size() <= std::size(palette)) {
    for (const std::size_t h : hosts) {
      std::vector<double> v;
      for (const Bytes b : report.hosts[h].figures.resident_by_slot) v.push_back(gib(b));
      lines.emplace_back(report.hosts[h].name, std::move(v));
    }
  } else {
    lines = {{"most", {}}, {"median", {}}, {"least", {}}};
    for (std::size_t s = 0; s < slots; ++s) {
      std::vector<double> v;
      for (const std::size_t h : hosts) v.push_back(gib(report.hosts[h].figures.resident_by_slot[s]));
      std::sort(v.begin(), v.end());
      lines[0].second.push_back(v.back());
      lines[1].second.push_back(v[(v.size() - 1) / 2]);
      lines[2].second.push_back(v.front());
    }
  }
  double top = 1;
  for (const auto& [name, v] : lines) top = std::max(top, *std::max_element(v.begin(), v.end()));
  top = std::ceil(top / 8) * 8;
  const double x0 = 60, y0 = 30, width = 760, height = 240;
  Svg svg(1000, y0 + height + 40, "expected resident memory per slot");
  for (int i = 0; i <= 4; ++i) {
    const double y = y0 + height - height * i / 4;
    svg.line(x0, y, x0 + width, y, "#dee2e6");
    svg.text(x0 - 6, y + 4, human_size(GiB(static_cast<std::int64_t>(top * i / 4))), "end", "small");
  }
  const double step = slots > 1 ? width / static_cast<double>(slots - 1) : 0;
  for (std::size_t s = 0; s < slots; s += std::max<std::size_t>(1, slots / 12)) {
    svg.text(x0 + step * static_cast<double>(s), y0 + height + 16, std::to_string(s), "middle", "small");
  }
  svg.text(x0 + width / 2, y0 + height + 34, "slot", "middle", "small");
  for (std::size_t l = 0; l < lines.size(); ++l) {
    std::vector<std::pair<double, double>> points;
    for (std::size_t s = 0; s < slots; ++s) points.emplace_back(x0 + step * static_cast<double>(s), y0 + height - height * lines[l].second[s] / top);
    const std::string colour = palette[l % std::size(palette)];
    svg.polyline(points, colour, lines[l].first, " data-host=\"" + html_escape(lines[l].first) + "\"");
    svg.rect(x0 + width + 16, y0 + 20 * static_cast<double>(l), 12, 12, colour);
    svg.text(x0 + width + 32, y0 + 20 * static_cast<double>(l) + 11, lines[l].first, "start", "small");
  }
  return svg.str();
}

}  // namespace kvmplan::html
