// Domain XML -> scenario guests (docs/libvirt.md): what the guest asks of a host.
#include <map>
#include <ostream>

#include "kvmplan/libvirt/domain_import.hpp"
#include "kvmplan/model/cells.hpp"
#include "kvmplan/values/limits.hpp"
#include "kvmplan/values/values.hpp"
#include "libvirt/xml_source.hpp"

#include <yaml-cpp/yaml.h>

namespace kvmplan {
namespace {

// An element's size: its text in its unit attribute (KiB when none, as libvirt reads it).
Result<Bytes> size_of(const pugi::xml_node& n) {
  const std::string unit = n.attribute("unit").value();
  return parse_size(std::string(n.child_value()) + (unit.empty() ? "KiB" : unit));
}

// Names seen so far: where each was first given.
using SeenNames = std::map<std::string, std::pair<std::string, std::uint32_t>>;

std::optional<ImportedGuest> import_one(const libvirt::XmlFile& xml, const std::string& path, Diagnostics& diagnostics,
                                        SeenNames& seen) {
  if (!xml.ok()) return std::nullopt;
  const pugi::xml_node d = xml.doc().child("domain");
  if (!d) {
    xml.error(xml.doc().first_child(), "", "not a domain document: no <domain>");
    return std::nullopt;
  }
  auto warn = [&](const pugi::xml_node& n, const std::string& path_, const std::string& m) {
    diagnostics.warning(xml.at(n), path_, m);
  };
  const std::size_t errors_before = diagnostics.items.size();
  ImportedGuest g;
  g.spec.usage = Decimal::of(1);
  g.name = libvirt::scenario_name(d.child_value("name"));
  if (std::string(d.child_value("name")).empty()) {
    xml.error(d.child("name") ? d.child("name") : d, "domain.name", "a domain needs a <name>");
  } else if (g.name.empty()) {
    xml.error(d.child("name"), "domain.name", "\"" + std::string(d.child_value("name")) + "\" leaves no name once its characters outside [A-Za-z0-9._-] and its leading '.' and '-' go");
  } else if (auto [it, fresh] = seen.emplace(g.name, std::make_pair(path, xml.at(d.child("name")).line)); !fresh) {
    xml.error(d.child("name"), "domain.name", "guest \"" + g.name + "\" is also the domain of " + it->second.first + ":" +
                                                   std::to_string(it->second.second) + "; guest names must be unique");
  }
  // vCPUs: the most the guest may have (<vcpu current=...> is a start value).
  if (const auto v = d.child("vcpu"); !v) {
    xml.error(d, "domain.vcpu", "a domain needs <vcpu> with a count of at least 1");
  } else if (auto n = values::integer(v.child_value(), 1, limits::max_vcpus)) {
    g.spec.vcpus = static_cast<int>(n.value());
  } else {
    xml.error(v, "domain.vcpu", n.error());
  }
  if (const auto m = d.child("memory"); !m) {
    xml.error(d, "domain.memory", "a domain needs <memory> with a size");
  } else if (auto size = size_of(m); !size || size->value == 0) {
    xml.error(m, "domain.memory", size ? "<memory> is 0" : size.error());
  } else {
    g.spec.memory = *size;
  }
  if (const auto c = d.child("currentMemory")) {
    if (auto cur = size_of(c); cur && cur->value > 0 && *cur < g.spec.memory) g.spec.current_memory = *cur;
  }
  // Guest NUMA cells.
  const auto cells = d.child("cpu").child("numa");
  std::map<int, Bytes> cell_memory;
  std::map<int, CpuSet> cell_vcpus;  // each cell's cpus="..." (empty: none readable)
  for (const auto cell : cells.children("cell")) {
    const char* unit = cell.attribute("unit").value();
    const auto memory = parse_size(std::string(cell.attribute("memory").value()) + (*unit ? unit : "KiB"));
    const auto id = values::integer(cell.attribute("id").value(), 0, limits::max_node_id);
    if (memory && id) {
      cell_memory[static_cast<int>(id.value())] = memory.value();
      const auto cpus = CpuSet::parse(cell.attribute("cpus").value());
      cell_vcpus[static_cast<int>(id.value())] = cpus ? *cpus : CpuSet{};
    }
  }
  if (cell_memory.size() > 1) g.spec.numa_nodes = static_cast<int>(cell_memory.size());
  if (!cell_memory.empty()) {
    // libvirt sets <memory> to the sum of the cells whenever cells are given: that is what runs.
    Bytes sum;
    for (const auto& [id, m] : cell_memory) sum += m;
    if (sum != g.spec.memory && g.spec.memory.value > 0 && sum.value > 0) {
      warn(cells, "domain.cpu.numa", "<memory> is " + to_string(g.spec.memory) + " but the cells add up to " + to_string(sum) +
                                         ", which libvirt uses: taken as " + to_string(sum));
      g.spec.memory = sum;
      if (g.spec.current_memory && *g.spec.current_memory >= sum) g.spec.current_memory.reset();
    }
  }
  // Memory backing.
  const auto backing = d.child("memoryBacking");
  if (const auto huge = backing.child("hugepages")) {
    // One page size per guest in kvmplan: the one behind most of the memory.
    std::map<std::int64_t, Bytes> by_size;
    for (const auto page : huge.children("page")) {
      const std::string unit = page.attribute("unit").value();
      auto size = parse_size(std::string(page.attribute("size").value()) + (unit.empty() ? "KiB" : unit));
      if (!size) continue;
      Bytes backed;
      if (const char* nodeset = page.attribute("nodeset").value(); *nodeset && !cell_memory.empty()) {
        if (auto set = CpuSet::parse(nodeset)) {
          for (int c : set->ids()) backed += cell_memory.count(c) ? cell_memory[c] : Bytes{};
        }
      } else {
        backed = g.spec.memory;
      }
      by_size[size->value] += backed;
    }
    for (auto it = by_size.begin(); it != by_size.end();) {
      // Only sizes a host can have: a power of two of at least 4KiB.
      if (auto page = values::page_size(to_string(Bytes{it->first})); !page) {
        xml.error(huge, "domain.memoryBacking.hugepages", page.error());
        it = by_size.erase(it);
      } else {
        ++it;
      }
    }
    if (by_size.empty()) {
      g.spec.hugepages = MiB(2);
      warn(huge, "domain.memoryBacking.hugepages", "no page size given (the host's default): taken as 2MiB");
    } else {
      auto best = by_size.begin();
      for (auto it = by_size.begin(); it != by_size.end(); ++it) {
        if (it->second > best->second) best = it;
      }
      g.spec.hugepages = Bytes{best->first};
      if (by_size.size() > 1) {
        warn(huge, "domain.memoryBacking.hugepages", "cells back on " + std::to_string(by_size.size()) +
                                                         " page sizes; kvmplan models one per guest: " + to_string(*g.spec.hugepages) +
                                                         ", behind most of the memory");
      }
    }
  }
  // QEMU backs hugepage memory in whole pages and refuses the rest (the loader too): a domain
  // that is not is imported rounded up to whole pages, said.
  if (g.spec.hugepages && g.spec.memory.value % g.spec.hugepages->value != 0) {
    const std::int64_t page = g.spec.hugepages->value;
    const Bytes whole{(g.spec.memory.value / page + 1) * page};
    warn(d.child("memory"), "domain.memory", to_string(g.spec.memory) + " is not a whole number of " + to_string(*g.spec.hugepages) +
                                                 " pages, which QEMU refuses: imported as " + to_string(whole));
    g.spec.memory = whole;
  }
  // Cells as the domain gives them (numa_cells) when they are not the even split kvmplan makes
  // of numa_nodes: in id order, each its memory and its cpus' count.
  if (cell_memory.size() > 1 && g.spec.memory.value > 0) {
    // Kept only as libvirt and QEMU take them: each vCPU 0..<vcpu>-1 in exactly one cell (no
    // cpus that overlap or lie past the count), and every cell with memory, in whole pages.
    GuestSpec given = g.spec;
    std::int64_t vcpus = 0;
    bool readable = true, aligned = true, empty = false;
    CpuSet seen;
    for (const auto& [id, m] : cell_memory) {
      const CpuSet& cpus = cell_vcpus[id];
      const int n = cpus.count();
      readable = readable && n > 0 && (seen & cpus).empty() && cpus.ids().back() < g.spec.vcpus;
      seen = seen | cpus;
      empty = empty || m.value <= 0;
      aligned = aligned && m.value % cell_unit(g.spec).value == 0;
      given.cells.push_back({n, m});
      vcpus += n;
    }
    const auto even = split_cells(g.spec, {}, static_cast<int>(cell_memory.size()));
    bool uneven = false;
    for (std::size_t c = 0; c < even.size(); ++c) {
      uneven = uneven || even[c].memory != given.cells[c].memory || even[c].vcpus != given.cells[c].vcpus;
    }
    if (uneven && readable && aligned && !empty && vcpus == g.spec.vcpus) {
      g.spec.cells = std::move(given.cells);
    } else if (uneven) {
      warn(cells, "domain.cpu.numa", std::string("cells of unequal size whose ") +
                                         (!readable || vcpus != g.spec.vcpus ? "cpus do not add up to the <vcpu> count"
                                          : empty                            ? "memory is 0 in a cell"
                                                                             : "memory is not whole pages") +
                                         " are planned as kvmplan splits the guest: as evenly as whole units allow");
    }
  }
  // QEMU refuses an empty cell, and the loader more cells than vCPUs or pages (max_cells): such
  // a domain is planned with that many cells, said. (Cells kept as given have both already.)
  if (g.spec.cells.empty() && g.spec.numa_nodes > 1 && g.spec.numa_nodes > max_cells(g.spec)) {
    const int most = max_cells(g.spec);
    warn(cells, "domain.cpu.numa", std::to_string(g.spec.numa_nodes) + " cells would leave one empty (each needs a vCPU and a page): planned as " +
                                       std::to_string(most) + (most == 1 ? " cell" : " cells"));
    g.spec.numa_nodes = most > 1 ? most : 0;
  }
  g.spec.locked = static_cast<bool>(backing.child("locked"));
  g.nosharepages = static_cast<bool>(backing.child("nosharepages"));
  // CPU tuning: pinned vCPUs are dedicated; a CFS quota below the period caps each vCPU.
  const auto tune = d.child("cputune");
  // A vCPU pinned to a set of CPUs (kvmplan's shared guests of several cells: the CPUs of the
  // cell's node) is not dedicated; each vCPU on one CPU is.
  if (tune.child("vcpupin")) {
    bool single = true;
    for (const auto pin : tune.children("vcpupin")) {
      const auto set = CpuSet::parse(pin.attribute("cpuset").value());
      single = single && set && set->count() == 1;
    }
    if (single) g.spec.cpu_policy = CpuPolicy::dedicated;
  }
  // libvirt's ranges: quota -1 (none) or 1000 .. 17592186044415 us, period 1000 .. 1000000 us.
  const auto quota = values::integer(tune.child_value("quota"), -1, 17'592'186'044'415);
  const auto period = values::integer(tune.child_value("period"), 1000, 1'000'000);
  if (tune.child("quota") && !quota) xml.error(tune.child("quota"), "domain.cputune.quota", quota.error());
  if (tune.child("period") && !period) xml.error(tune.child("period"), "domain.cputune.period", period.error());
  if (quota && period && quota.value() > 0) {
    if (quota.value() >= period.value()) {
      warn(tune.child("quota"), "domain.cputune.quota", "quota " + std::to_string(quota.value()) + " of period " +
                                                            std::to_string(period.value()) + " caps nothing: left out");
    } else {
      // quota / period in millionths, exact enough for a CFS cap (quota < period <= 10^6).
      g.spec.cpu_quota = Decimal{quota.value() * 1'000'000 / period.value(), 1'000'000};
    }
  } else if (tune.child("quota") && !period) {
    warn(tune.child("quota"), "domain.cputune.quota", "a quota without a <period>: left out");
  }
  for (std::size_t i = errors_before; i < diagnostics.items.size(); ++i) {
    if (diagnostics.items[i].severity == Severity::error) return std::nullopt;
  }
  return g;
}

}  // namespace

std::vector<ImportedGuest> import_domains(const std::vector<std::string>& paths, SourceFiles& sources,
                                          Diagnostics& diagnostics) {
  std::vector<XmlText> files;
  for (const auto& path : paths) files.push_back({path, std::nullopt});
  return import_domains_texts(files, sources, diagnostics);
}

std::vector<ImportedGuest> import_domains_texts(const std::vector<XmlText>& inputs, SourceFiles& sources, Diagnostics& diagnostics) {
  std::vector<ImportedGuest> out;
  SeenNames seen;
  for (const auto& [path, text] : inputs) {
    const libvirt::XmlFile xml = text ? libvirt::XmlFile(path, *text, sources, diagnostics) : libvirt::XmlFile(path, sources, diagnostics);
    if (auto g = import_one(xml, path, diagnostics, seen)) out.push_back(std::move(*g));
  }
  return out;
}

void write_guests_yaml(std::ostream& out, const std::vector<ImportedGuest>& guests, const std::string& comment, const std::string& host) {
  YAML::Emitter e;  // quotes what needs quoting (names are checked already)
  e.SetIndent(2);
  if (!comment.empty()) e << YAML::Comment(comment) << YAML::Newline;
  e << YAML::BeginMap << YAML::Key << "guests" << YAML::Value << YAML::BeginSeq;
  for (const auto& g : guests) {
    const GuestSpec& s = g.spec;
    e << YAML::BeginMap << YAML::Key << "name" << YAML::Value << g.name;
    if (!host.empty()) e << YAML::Key << "host" << YAML::Value << host;
    e << YAML::Key << "vcpus" << YAML::Value << s.vcpus << YAML::Key << "memory" << YAML::Value << to_string(s.memory);
    if (s.current_memory) e << YAML::Key << "current_memory" << YAML::Value << to_string(*s.current_memory);
    if (s.hugepages) e << YAML::Key << "hugepages" << YAML::Value << to_string(*s.hugepages);
    if (s.locked) e << YAML::Key << "locked" << YAML::Value << true;
    if (g.nosharepages) e << YAML::Key << "ksm_shareable" << YAML::Value << 0;
    if (s.cpu_policy == CpuPolicy::dedicated) e << YAML::Key << "cpu_policy" << YAML::Value << "dedicated";
    if (s.cpu_quota) e << YAML::Key << "cpu_quota" << YAML::Value << to_string(*s.cpu_quota);
    if (!s.cells.empty()) {
      // Uneven cells as the domain gives them; even ones are numa_nodes.
      e << YAML::Key << "numa_cells" << YAML::Value << YAML::BeginSeq;
      for (const CellSpec& c : s.cells) {
        e << YAML::Flow << YAML::BeginMap << YAML::Key << "memory" << YAML::Value << to_string(c.memory) << YAML::Key << "vcpus" << YAML::Value
          << c.vcpus << YAML::EndMap;
      }
      e << YAML::EndSeq;
    } else if (s.numa_nodes > 1) {
      e << YAML::Key << "numa_nodes" << YAML::Value << s.numa_nodes;
    }
    e << YAML::EndMap;
  }
  e << YAML::EndSeq << YAML::EndMap;
  out << e.c_str() << "\n";
}

}  // namespace kvmplan
