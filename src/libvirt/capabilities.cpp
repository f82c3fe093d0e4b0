// `virsh capabilities` -> scenario hosts (docs/libvirt.md). Real files omit <memory>, CPU
// attributes and distances, number CPUs across nodes and leave nodes without CPUs: read
// leniently, but never guess a size.
#include <algorithm>
#include <filesystem>
#include <map>
#include <ostream>
#include <set>

#include "kvmplan/libvirt.hpp"
#include "kvmplan/values.hpp"
#include "xml_source.hpp"

namespace kvmplan {
namespace {

// "KiB" as libvirt writes units in capabilities; a number without unit is KiB there.
std::optional<Bytes> size_of(const std::string& number, const std::string& unit) {
  auto r = parse_size(number + (unit.empty() ? "KiB" : unit));
  if (!r) return std::nullopt;
  return r.value();
}

std::string host_name_from(const std::string& path) {
  const std::string stem = libvirt::scenario_name(std::filesystem::path(path).stem().string());
  return stem.empty() ? "host" : stem;
}

std::optional<Host> import_one(const std::string& path, const CapabilitiesImport& options, SourceFiles& sources,
                               Diagnostics& diagnostics) {
  const libvirt::XmlFile xml(path, sources, diagnostics);
  if (!xml.ok()) return std::nullopt;
  const std::size_t errors_before = diagnostics.items.size();
  const pugi::xml_node caps = xml.doc().child("capabilities");
  if (!caps) {
    xml.error(xml.doc().first_child(), "", "not a capabilities document (virsh capabilities): no <capabilities>");
    return std::nullopt;
  }
  const pugi::xml_node cells = caps.child("host").child("topology").child("cells");
  if (!cells || !cells.child("cell")) {
    xml.error(caps, "capabilities.host.topology", "no <cells>: the file does not describe the host's NUMA topology");
    return std::nullopt;
  }
  Host host;
  host.name = options.name.value_or(host_name_from(path));
  host.at = xml.at(caps);
  std::map<int, std::pair<std::string, pugi::xml_node>> cpu_seen;  // cpu id -> (cell path, node)
  std::vector<CpuSet> sibling_cores;                                // as the cells list them
  std::vector<std::map<int, int>> distance_rows;                    // per cell: cell id -> distance
  std::vector<std::string> unknown_memory;
  std::size_t index = 0;
  for (const pugi::xml_node cell : cells.children("cell")) {
    const std::string cpath = "cell[" + std::to_string(index++) + "]";
    NumaNode node;
    const pugi::xml_attribute id = cell.attribute("id");
    auto id_value = values::integer(id.value(), 0);
    if (!id || !id_value) {
      xml.error(cell, cpath + ".id", "a cell needs a whole-number id");
      continue;
    }
    node.id = static_cast<int>(id_value.value());
    // Pages: the smallest size is the base page (its count excludes the pools); the others
    // are hugepage pools.
    std::vector<HugepagePool> pages;
    for (const pugi::xml_node p : cell.children("pages")) {
      const auto size = size_of(p.attribute("size").value(), p.attribute("unit").value());
      const auto count = values::integer(p.child_value(), 0);
      if (!size || !count) {
        xml.error(p, cpath + ".pages", "a page entry needs a size with its unit and a page count");
        continue;
      }
      pages.push_back({*size, count.value()});
    }
    std::sort(pages.begin(), pages.end(), [](const HugepagePool& a, const HugepagePool& b) { return a.page_size < b.page_size; });
    Bytes all_pages;
    for (std::size_t i = 0; i < pages.size(); ++i) {
      all_pages += pages[i].bytes();
      if (i > 0) node.hugepages.push_back(pages[i]);
    }
    if (const pugi::xml_node m = cell.child("memory")) {
      const auto memory = size_of(m.child_value(), m.attribute("unit").value());
      if (!memory) xml.error(m, cpath + ".memory", "\"" + std::string(m.child_value()) + "\" is not a size");
      else node.memory = *memory;
    } else if (all_pages.value > 0) {
      node.memory = all_pages;  // base pages + pools: no <memory>, so the pages are all of it
    } else if (options.node_memory) {
      node.memory = *options.node_memory;
    } else {
      unknown_memory.push_back(std::to_string(node.id));
    }
    if (node.memory.value > 0 && node.hugepage_bytes() > node.memory) {
      // libvirt's generated test hosts do this; a real host cannot. Keep the cell, not the pools.
      diagnostics.items.push_back({Severity::warning, xml.at(cell), cpath,
                                   "hugepage pools of " + to_string(node.hugepage_bytes()) + " exceed the cell's memory, " +
                                       to_string(node.memory) + ": the file contradicts itself; pools left out"});
      node.hugepages.clear();
    }
    std::set<std::string> sibling_sets;
    for (const pugi::xml_node cpu : cell.child("cpus").children("cpu")) {
      const auto cpu_id = values::integer(cpu.attribute("id").value(), 0);
      if (!cpu_id) {
        xml.error(cpu, cpath + ".cpus", "a cpu needs a whole-number id");
        continue;
      }
      const int c = static_cast<int>(cpu_id.value());
      if (auto [it, fresh] = cpu_seen.emplace(c, std::make_pair(cpath, cpu)); !fresh) {
        xml.error(cpu, cpath + ".cpus", "CPU " + std::to_string(c) + " is listed twice (also in " + it->second.first +
                                            " at line " + std::to_string(xml.at(it->second.second).line) + ")");
        continue;
      }
      node.cpus.insert(c);
      if (const char* sib = cpu.attribute("siblings").value(); *sib) {
        if (auto set = CpuSet::parse(sib); set && set->count() > 1) sibling_sets.insert(to_string(*set));
      }
    }
    std::map<int, int> row;
    for (const pugi::xml_node s : cell.child("distances").children("sibling")) {
      const auto to = values::integer(s.attribute("id").value(), 0);
      const auto value = values::integer(s.attribute("value").value(), 0);
      if (to && value) row[static_cast<int>(to.value())] = static_cast<int>(value.value());
    }
    distance_rows.push_back(row);
    host.nodes.push_back(node);
    // Sibling sets as cores; a set that leaves the cell is dropped (it says nothing usable).
    for (const auto& text : sibling_sets) sibling_cores.push_back(*CpuSet::parse(text));
  }
  if (!unknown_memory.empty()) {
    std::string list;
    for (std::size_t i = 0; i < unknown_memory.size(); ++i) list += (i ? ", " : "") + unknown_memory[i];
    const bool one = unknown_memory.size() == 1;
    xml.error(cells, "cells", std::string(one ? "cell " : "cells ") + list + (one ? " gives" : " give") +
                                  " no <memory> and no pages to count it from: the node memory is unknown; pass --node-memory SIZE");
  }
  for (std::size_t i = errors_before; i < diagnostics.items.size(); ++i) {
    if (diagnostics.items[i].severity == Severity::error) return std::nullopt;
  }
  // Sibling sets must lie within a cell's CPUs (they do in real files); keep those that do.
  std::vector<CpuSet> cores;
  for (const CpuSet& core : sibling_cores) {
    for (const auto& n : host.nodes) {
      if (core.subset_of(n.cpus)) {
        cores.push_back(core);
        break;
      }
    }
  }
  std::sort(cores.begin(), cores.end(), [](const CpuSet& a, const CpuSet& b) { return a.lowest() < b.lowest(); });
  host.cores = cores;
  for (const auto& n : host.nodes) {
    host.memory += n.memory;
    host.cpus = host.cpus | n.cpus;
  }
  // Distances in cell order; a missing entry takes the default (10 local, 20 remote).
  const std::size_t n = host.nodes.size();
  host.distances.assign(n, std::vector<int>(n, 20));
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < n; ++j) {
      auto it = distance_rows[i].find(host.nodes[j].id);
      host.distances[i][j] = i == j ? 10 : it != distance_rows[i].end() ? it->second : 20;
    }
  }
  return host;
}

std::string yaml_quote(const std::string& s) { return "\"" + s + "\""; }

}  // namespace

std::vector<Host> import_capabilities(const std::vector<std::string>& paths, const CapabilitiesImport& options,
                                      SourceFiles& sources, Diagnostics& diagnostics) {
  std::vector<Host> hosts;
  for (const auto& path : paths) {
    if (auto h = import_one(path, options, sources, diagnostics)) hosts.push_back(std::move(*h));
  }
  return hosts;
}

void write_hosts_yaml(std::ostream& out, const std::vector<Host>& hosts, const std::string& comment) {
  if (!comment.empty()) out << "# " << comment << "\n";
  out << "hosts:\n";
  for (const Host& h : hosts) {
    out << "  - name: " << h.name << "\n";
    out << "    numa:\n";
    for (const NumaNode& n : h.nodes) {
      out << "      - id: " << n.id << "\n";
      if (!n.cpus.empty()) out << "        cpus: " << yaml_quote(to_string(n.cpus)) << "\n";
      out << "        memory: " << to_string(n.memory) << "\n";
      if (!n.hugepages.empty()) {
        out << "        hugepages: {";
        for (std::size_t i = 0; i < n.hugepages.size(); ++i) {
          out << (i ? ", " : "") << to_string(n.hugepages[i].page_size) << ": " << n.hugepages[i].pages;
        }
        out << "}\n";
      }
      std::vector<std::string> siblings;
      for (const CpuSet& core : h.cores) {
        if (core.count() > 1 && core.subset_of(n.cpus)) siblings.push_back(yaml_quote(to_string(core)));
      }
      if (!siblings.empty()) {
        out << "        siblings: [";
        for (std::size_t i = 0; i < siblings.size(); ++i) out << (i ? ", " : "") << siblings[i];
        out << "]\n";
      }
    }
    if (h.nodes.size() > 1) {
      out << "    distances: [";
      for (std::size_t i = 0; i < h.distances.size(); ++i) {
        out << (i ? ", " : "") << "[";
        for (std::size_t j = 0; j < h.distances[i].size(); ++j) out << (j ? ", " : "") << h.distances[i][j];
        out << "]";
      }
      out << "]\n";
    }
  }
}

}  // namespace kvmplan
