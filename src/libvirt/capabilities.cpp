// `virsh capabilities` -> scenario hosts (docs/libvirt.md). Real files omit <memory>, CPU
// attributes and distances, number CPUs across nodes and leave nodes without CPUs: read
// leniently, but never guess a size.
#include <algorithm>
#include <filesystem>
#include <map>
#include <ostream>
#include <set>

#include "kvmplan/libvirt/capabilities.hpp"
#include "kvmplan/values/limits.hpp"
#include "kvmplan/values/values.hpp"
#include "libvirt/xml_source.hpp"

#include <yaml-cpp/yaml.h>

namespace kvmplan {
namespace {

// "KiB" as libvirt writes units in capabilities; a number without unit is KiB there.
Result<Bytes> size_of(const std::string& number, const std::string& unit) {
  return parse_size(number + (unit.empty() ? "KiB" : unit));
}

// The file's name, as a host name: "kvm01.xml" is kvm01 (characters kvmplan's names do not
// take become '-'); "host" when nothing is left.
std::string host_name_from(const std::string& path) {
  const std::string stem = libvirt::scenario_name(std::filesystem::path(path).stem().string());
  return stem.empty() ? "host" : stem;
}

std::optional<Host> import_one(const libvirt::XmlFile& xml, const std::string& path, const CapabilitiesImport& options,
                               Diagnostics& diagnostics) {
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
    auto id_value = values::integer(id.value(), 0, limits::max_node_id);
    if (!id || !id_value) {
      xml.error(cell, cpath + ".id", id ? "cell id " + id_value.error() : "a cell needs a whole-number id");
      continue;
    }
    node.id = static_cast<int>(id_value.value());
    if (std::any_of(host.nodes.begin(), host.nodes.end(), [&](const NumaNode& other) { return other.id == node.id; })) {
      xml.error(cell, cpath + ".id", "cell id " + std::to_string(node.id) + " is given twice");
      continue;
    }
    // Pages: the smallest size is the base page (its count excludes the pools); the others
    // are hugepage pools.
    std::vector<HugepagePool> pages;
    for (const pugi::xml_node p : cell.children("pages")) {
      const auto size = size_of(p.attribute("size").value(), p.attribute("unit").value());
      if (!size || size->value == 0) {
        xml.error(p, cpath + ".pages", "a page entry needs a size with its unit" + (size ? std::string() : ": " + size.error()));
        continue;
      }
      if (auto page = values::page_size(to_string(*size)); !page) {
        xml.error(p, cpath + ".pages", page.error());
        continue;
      }
      if (std::any_of(pages.begin(), pages.end(), [&](const HugepagePool& o) { return o.page_size == *size; })) {
        xml.error(p, cpath + ".pages", "the " + to_string(*size) + " pages are given twice");
        continue;
      }
      const auto count = values::integer(p.child_value(), 0, limits::max_bytes / size->value);
      if (!count) {
        xml.error(p, cpath + ".pages", "page count " + count.error() + (count.error().find("at most") != std::string::npos ? " (1EiB of pages)" : ""));
        continue;
      }
      pages.push_back({*size, count.value()});
    }
    std::sort(pages.begin(), pages.end(), [](const HugepagePool& a, const HugepagePool& b) { return a.page_size < b.page_size; });
    limits::Sum all_pages;  // each entry is at most 1EiB; so must their sum be
    for (std::size_t i = 0; i < pages.size(); ++i) {
      all_pages.add(pages[i].bytes().value);
      if (i > 0) node.hugepages.push_back(pages[i]);
    }
    if (all_pages.over()) {
      xml.error(cell, cpath + ".pages", "the pages add up to more than 1EiB");
      continue;
    }
    if (const pugi::xml_node m = cell.child("memory")) {
      const auto memory = size_of(m.child_value(), m.attribute("unit").value());
      if (!memory) xml.error(m, cpath + ".memory", memory.error());
      else if (memory->value == 0) xml.error(m, cpath + ".memory", "a cell of 0 bytes");
      else node.memory = *memory;
    } else if (all_pages.value() > 0) {
      node.memory = Bytes{all_pages.value()};  // base pages + pools: no <memory>, so the pages are all of it
    } else if (options.node_memory) {
      node.memory = *options.node_memory;
    } else {
      unknown_memory.push_back(std::to_string(node.id));
    }
    if (node.memory.value > 0 && node.hugepage_bytes() > node.memory) {
      // libvirt's generated test hosts do this; a real host cannot. Keep the cell, not the pools.
      diagnostics.warning(xml.at(cell), cpath,
                                   "hugepage pools of " + to_string(node.hugepage_bytes()) + " exceed the cell's memory, " +
                                       to_string(node.memory) + ": the file contradicts itself; pools left out");
      node.hugepages.clear();
    }
    std::set<std::string> sibling_sets;
    for (const pugi::xml_node cpu : cell.child("cpus").children("cpu")) {
      const auto cpu_id = values::integer(cpu.attribute("id").value(), 0, limits::max_cpu_id);
      if (!cpu_id) {
        xml.error(cpu, cpath + ".cpus", cpu.attribute("id") ? "cpu id " + cpu_id.error() : "a cpu needs a whole-number id");
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
      const auto to = values::integer(s.attribute("id").value(), 0, limits::max_node_id);
      const auto value = values::integer(s.attribute("value").value(), 10, 255);
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
  // Sibling sets must lie within a cell's CPUs and not overlap (they do in real files); keep
  // those that do, and say which are dropped.
  std::vector<CpuSet> cores;
  CpuSet covered;
  for (const CpuSet& core : sibling_cores) {
    const bool in_a_cell = std::any_of(host.nodes.begin(), host.nodes.end(), [&](const NumaNode& n) { return core.subset_of(n.cpus); });
    if (!in_a_cell || core.intersects(covered)) {
      diagnostics.warning(xml.at(cells), "cells",
                                   "sibling set \"" + to_string(core) + "\" " + (in_a_cell ? "overlaps another" : "leaves its cell") +
                                       ": left out (its CPUs count as cores of their own)");
      continue;
    }
    covered = covered | core;
    cores.push_back(core);
  }
  std::sort(cores.begin(), cores.end(), [](const CpuSet& a, const CpuSet& b) { return a.lowest() < b.lowest(); });
  host.cores = cores;
  limits::Sum memory;
  for (const auto& n : host.nodes) {
    memory.add(n.memory.value);
    host.cpus = host.cpus | n.cpus;
  }
  if (memory.over()) {
    xml.error(cells, "cells", "the cells' memory adds up to more than 1EiB, the most kvmplan takes");
    return std::nullopt;
  }
  host.memory = Bytes{memory.value()};
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

}  // namespace

std::vector<Host> import_capabilities(const std::vector<std::string>& paths, const CapabilitiesImport& options,
                                      SourceFiles& sources, Diagnostics& diagnostics) {
  std::vector<XmlText> files;
  for (const auto& path : paths) files.push_back({path, std::nullopt});
  return import_capabilities_texts(files, options, sources, diagnostics);
}

std::vector<Host> import_capabilities_texts(const std::vector<XmlText>& inputs, const CapabilitiesImport& options,
                                            SourceFiles& sources, Diagnostics& diagnostics) {
  std::vector<Host> hosts;
  for (const auto& [path, text] : inputs) {
    const libvirt::XmlFile xml = text ? libvirt::XmlFile(path, *text, sources, diagnostics) : libvirt::XmlFile(path, sources, diagnostics);
    auto h = import_one(xml, path, options, diagnostics);
    if (!h) continue;
    const auto same = std::find_if(hosts.begin(), hosts.end(), [&](const Host& o) { return o.name == h->name; });
    if (same != hosts.end()) {
      diagnostics.error(h->at, "", "host \"" + h->name + "\" is also the host of " + sources.files[same->at.file].path +
                                       " (a host is named after its file); rename one file");
      continue;
    }
    hosts.push_back(std::move(*h));
  }
  return hosts;
}

void write_hosts_yaml(std::ostream& out, const std::vector<Host>& hosts, const std::string& comment) {
  // Through yaml-cpp's emitter, which quotes what needs quoting: nothing a name or a file holds
  // can add a key or an entry.
  YAML::Emitter e;
  e.SetIndent(2);
  if (!comment.empty()) e << YAML::Comment(comment) << YAML::Newline;
  e << YAML::BeginMap << YAML::Key << "hosts" << YAML::Value << YAML::BeginSeq;
  for (const Host& h : hosts) {
    e << YAML::BeginMap << YAML::Key << "name" << YAML::Value << h.name;
    e << YAML::Key << "numa" << YAML::Value << YAML::BeginSeq;
    for (const NumaNode& n : h.nodes) {
      e << YAML::BeginMap << YAML::Key << "id" << YAML::Value << n.id;
      if (!n.cpus.empty()) e << YAML::Key << "cpus" << YAML::Value << YAML::DoubleQuoted << to_string(n.cpus);
      e << YAML::Key << "memory" << YAML::Value << to_string(n.memory);
      if (!n.hugepages.empty()) {
        e << YAML::Key << "hugepages" << YAML::Value << YAML::Flow << YAML::BeginMap;
        for (const auto& pool : n.hugepages) e << YAML::Key << to_string(pool.page_size) << YAML::Value << pool.pages;
        e << YAML::EndMap;
      }
      std::vector<std::string> siblings;
      for (const CpuSet& core : h.cores) {
        if (core.count() > 1 && core.subset_of(n.cpus)) siblings.push_back(to_string(core));
      }
      if (!siblings.empty()) {
        e << YAML::Key << "siblings" << YAML::Value << YAML::Flow << YAML::BeginSeq;
        for (const auto& sib : siblings) e << YAML::DoubleQuoted << sib;
        e << YAML::EndSeq;
      }
      e << YAML::EndMap;
    }
    e << YAML::EndSeq;
    if (h.nodes.size() > 1) {
      e << YAML::Key << "distances" << YAML::Value << YAML::Flow << YAML::BeginSeq;
      for (const auto& row : h.distances) e << YAML::Flow << row;
      e << YAML::EndSeq;
    }
    e << YAML::EndMap;
  }
  e << YAML::EndSeq << YAML::EndMap;
  out << e.c_str() << "\n";
}

}  // namespace kvmplan
