// A placement -> libvirt domain XML (docs/libvirt.md): the elements that carry the plan, in a
// minimal <domain> that `virt-xml-validate FILE domain` accepts.
#include <pugixml.hpp>

#include <sstream>
#include <unordered_map>

#include "kvmplan/libvirt/domain_export.hpp"
#include "kvmplan/model/model.hpp"
#include "kvmplan/model/cells.hpp"
#include "kvmplan/plan/plan.hpp"
#include "kvmplan/plan/plan_reader.hpp"

namespace kvmplan {
namespace {

std::string kib(Bytes b) { return std::to_string((b.value + 1023) / 1024); }

// "0-3" for guest cells 0..n-1, vCPUs a..b.
std::string range(int from, int to) { return from == to ? std::to_string(from) : std::to_string(from) + "-" + std::to_string(to); }

std::string id_list(const NodeList& ids) {
  CpuSet s;
  for (int i : ids) s.insert(i);
  return to_string(s);
}

void set(pugi::xml_node n, const char* attr, const std::string& value) { n.append_attribute(attr) = value.c_str(); }

}  // namespace

std::vector<DomainXml> export_domains(const Scenario& scenario, const PlanDocument& plan) {
  std::unordered_map<std::string, std::uint32_t> guest_index;
  for (std::uint32_t g = 0; g < scenario.guests.size(); ++g) guest_index.emplace(scenario.guests[g].name, g);
  const Policy& policy = scenario.policy;
  const char* mode = policy.numa == NumaMode::preferred ? "preferred" : "strict";
  std::vector<DomainXml> out;
  for (const PlannedGuest& pg : plan.placements) {
    const auto it = guest_index.find(pg.guest);
    if (it == guest_index.end()) continue;  // check refuses such a plan before export
    const GuestSpec& spec = scenario.spec(scenario.guests[it->second]);
    const int cells = static_cast<int>(pg.nodes.size());
    const auto split = split_cells(spec, guest_overhead(policy, spec), std::max(1, cells));

    pugi::xml_document doc;
    pugi::xml_node domain = doc.append_child("domain");
    set(domain, "type", "kvm");
    domain.append_child("name").text() = pg.guest.c_str();
    pugi::xml_node memory = domain.append_child("memory");
    set(memory, "unit", "KiB");
    memory.text() = kib(spec.memory).c_str();
    if (spec.current_memory) {
      pugi::xml_node current = domain.append_child("currentMemory");
      set(current, "unit", "KiB");
      current.text() = kib(*spec.current_memory).c_str();
    }
    if (spec.hugepages || spec.locked) {
      pugi::xml_node backing = domain.append_child("memoryBacking");
      if (spec.hugepages) {
        pugi::xml_node page = backing.append_child("hugepages").append_child("page");
        set(page, "size", kib(*spec.hugepages));
        set(page, "unit", "KiB");
        if (cells > 1) set(page, "nodeset", range(0, cells - 1));  // guest cells, not host nodes
      }
      if (spec.locked) backing.append_child("locked");
    }
    pugi::xml_node vcpu = domain.append_child("vcpu");
    set(vcpu, "placement", "static");
    if (!pg.cpuset.empty()) set(vcpu, "cpuset", to_string(pg.cpuset));  // canonical, whatever the plan wrote
    vcpu.text() = std::to_string(spec.vcpus).c_str();

    const bool pinned = pg.vcpupin && !pg.vcpupin->empty();
    if (pinned || spec.cpu_quota) {
      pugi::xml_node tune = domain.append_child("cputune");
      if (pinned) {
        for (std::size_t v = 0; v < pg.vcpupin->size(); ++v) {
          pugi::xml_node pin = tune.append_child("vcpupin");
          set(pin, "vcpu", std::to_string(v));
          set(pin, "cpuset", std::to_string((*pg.vcpupin)[v]));
        }
        // QEMU's own threads on the guest's pinned CPUs, as Nova does without an emulator
        // thread policy: they never land on another guest's CPUs.
        set(tune.append_child("emulatorpin"), "cpuset", to_string(pg.cpuset));
      }
      if (spec.cpu_quota) {
        // CFS: quota = fraction x period, per vCPU (libvirt <period>/<quota> are per vCPU).
        const std::int64_t period = 100000;
        tune.append_child("period").text() = std::to_string(period).c_str();
        tune.append_child("quota").text() = std::to_string(spec.cpu_quota->scale_down(Bytes{period}).value).c_str();
      }
    }
    if (cells > 0 && policy.numa != NumaMode::none) {
      pugi::xml_node numatune = domain.append_child("numatune");
      pugi::xml_node mem = numatune.append_child("memory");
      set(mem, "mode", mode);
      set(mem, "nodeset", id_list(pg.nodes));
      if (cells > 1) {
        for (int c = 0; c < cells; ++c) {
          pugi::xml_node memnode = numatune.append_child("memnode");
          set(memnode, "cellid", std::to_string(c));
          set(memnode, "mode", mode);
          set(memnode, "nodeset", std::to_string(pg.nodes[static_cast<std::size_t>(c)]));
        }
      }
    }
    pugi::xml_node os = domain.append_child("os");
    os.append_child("type").text() = "hvm";
    if (cells > 1) {
      // A guest larger than one host node gets a guest NUMA topology, cell i on nodes[i].
      pugi::xml_node numa = domain.append_child("cpu").append_child("numa");
      int first = 0;
      for (int c = 0; c < cells; ++c) {
        const Cell& cell = split[static_cast<std::size_t>(c)];
        pugi::xml_node x = numa.append_child("cell");
        set(x, "id", std::to_string(c));
        set(x, "cpus", range(first, first + cell.vcpus - 1));
        set(x, "memory", kib(cell.memory));
        set(x, "unit", "KiB");
        first += cell.vcpus;
      }
    }
    std::ostringstream xml;
    doc.save(xml, "  ", pugi::format_default | pugi::format_no_declaration);
    out.push_back({pg.guest, xml.str()});
  }
  return out;
}

}  // namespace kvmplan
