// A placement -> libvirt domain XML (docs/libvirt.md): the elements that carry the plan, in a
// minimal <domain> that `virt-xml-validate FILE domain` accepts, `virsh define` takes, and that
// libvirt 9.0 with QEMU 7.2 (Debian 12) starts: whole pages per cell, quotas of at least 1000us,
// per-cell pins and memory policies that release accepts.
#include <pugixml.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <filesystem>
#include <sstream>
#include <unordered_map>

#include "kvmplan/libvirt/domain_export.hpp"
#include "kvmplan/model/cells.hpp"
#include "kvmplan/model/model.hpp"
#include "kvmplan/plan/plan.hpp"
#include "kvmplan/plan/plan_reader.hpp"
#include "libvirt/domain_patch.hpp"
#include "libvirt/xml_source.hpp"

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

// libvirt 9.3 first applies <memory mode='preferred'> with several nodes (MPOL_PREFERRED_MANY);
// 9.0 fails at start: "NUMA memory tuning in 'preferred' mode only supports single node".
constexpr LibvirtVersion preferred_many_since{9, 3, 0};

// One guest on its host: what the exporter needs besides its spec.
struct Target {
  const GuestSpec& spec;
  const PlannedGuest& planned;
  const Host& host;
  const Placement& placement;
  const CpuSet& pinned_on_host;  // every dedicated guest's pins on the host
};

// The CPUs that QEMU's emulator and I/O threads of a dedicated guest share (emulator_threads:
// share, as Nova's hw:emulator_threads_policy=share): the shared CPUs of the guest's nodes, else
// of the host, else the host's reserved CPUs; empty when every CPU is pinned or reserved-less.
CpuSet emulator_cpus(const Target& t) {
  const CpuSet shared = t.host.shared_cpus() - t.pinned_on_host;
  CpuSet local;
  for (int n : t.placement.nodes) local = local | t.host.nodes[static_cast<std::size_t>(n)].cpus;
  if (const CpuSet near = local & shared; !near.empty()) return near;
  if (!shared.empty()) return shared;
  return t.host.reserved_cpus;
}

// A dedicated guest's <emulatorpin>: under emulator_threads isolate the one more CPU the plan
// gave it (as Nova's hw:emulator_threads_policy=isolate, on its first cell's node); under share
// emulator_cpus; with none of those, its own pinned CPUs (`own` says so: nowhere else to go).
CpuSet emulator_pin(const Target& t, bool& own) {
  own = false;
  CpuSet out;
  if (t.planned.emulatorpin) {
    out.insert(*t.planned.emulatorpin);
    return out;
  }
  out = emulator_cpus(t);
  if (out.empty()) {
    own = true;
    out = t.planned.cpuset;
  }
  return out;
}

// Where a guest's I/O threads may run: a dedicated guest's emulator CPUs (its emulatorpin), a
// shared guest's planned cpuset, else the CPUs no guest has pinned.
CpuSet io_cpus(const Target& t) {
  bool own = false;
  if (t.planned.vcpupin && !t.planned.vcpupin->empty()) return emulator_pin(t, own);
  if (!t.planned.cpuset.empty()) return t.planned.cpuset;
  return t.host.shared_cpus() - t.pinned_on_host;
}

// Threads per core of a dedicated guest's pins, as QEMU numbers vCPUs (threads innermost):
// vCPUs 0,1 on the sibling threads of one core, 2,3 on another, gives 2. 1 when the pins do not
// pair up that way (each vCPU its own core, as far as the guest is told).
int pinned_threads(const Host& host, const Placement::Pins& pins) {
  auto core_of = [&](int cpu) {
    for (std::size_t c = 0; c < host.cores.size(); ++c) {
      if (host.cores[c].contains(cpu)) return static_cast<int>(c);
    }
    return -1;
  };
  const int n = static_cast<int>(pins.size());
  int t = 1;
  while (t < n && core_of(pins[static_cast<std::size_t>(t)]) == core_of(pins[0]) && core_of(pins[0]) >= 0) ++t;
  if (t == 1 || n % t != 0) return 1;
  std::vector<int> seen;
  for (int block = 0; block < n; block += t) {
    const int core = core_of(pins[static_cast<std::size_t>(block)]);
    if (core < 0 || std::find(seen.begin(), seen.end(), core) != seen.end()) return 1;
    seen.push_back(core);
    for (int v = block + 1; v < block + t; ++v) {
      if (core_of(pins[static_cast<std::size_t>(v)]) != core) return 1;
    }
  }
  return t;
}

void memory_elements(pugi::xml_node domain, const Target& t, const Policy& policy) {
  const GuestSpec& spec = t.spec;
  pugi::xml_node memory = domain.append_child("memory");
  set(memory, "unit", "KiB");
  memory.text() = kib(spec.memory).c_str();
  if (spec.current_memory) {
    pugi::xml_node current = domain.append_child("currentMemory");
    set(current, "unit", "KiB");
    current.text() = kib(*spec.current_memory).c_str();
  }
  if (spec.locked) {
    // Locked memory needs <hard_limit>: "the maximum memory configured for the guest, plus any
    // memory consumed by the process itself" (RHEL 7 Virtualization Tuning Guide, 8.2.2); it
    // also bounds what libvirt lets the process lock. QEMU's part: the policy's guest_overhead,
    // or oVirt's estimate when the policy counts none (docs/libvirt.md).
    Policy counted = policy;
    if (counted.guest_overhead.kind == GuestOverhead::Kind::none) counted.guest_overhead = {GuestOverhead::Kind::ovirt, {}};
    pugi::xml_node limit = domain.append_child("memtune").append_child("hard_limit");
    set(limit, "unit", "KiB");
    limit.text() = kib(spec.memory + guest_overhead(counted, spec)).c_str();
  }
  if (spec.hugepages || spec.locked) {
    pugi::xml_node backing = domain.append_child("memoryBacking");
    if (spec.hugepages) {
      pugi::xml_node page = backing.append_child("hugepages").append_child("page");
      set(page, "size", kib(*spec.hugepages));
      set(page, "unit", "KiB");
      const int cells = static_cast<int>(t.placement.nodes.size());
      if (cells > 1) set(page, "nodeset", range(0, cells - 1));  // guest cells, not host nodes
    }
    if (spec.locked) backing.append_child("locked");
  }
}

// <vcpu> and <cputune>: dedicated guests' vCPUs on their planned CPUs, a multi-cell shared
// guest's vCPUs on the shared CPUs of their cell's node, emulator threads off dedicated CPUs.
void cpu_tuning(pugi::xml_node domain, const Target& t, const std::vector<Cell>& split, std::vector<std::string>& warnings) {
  const GuestSpec& spec = t.spec;
  const PlannedGuest& pg = t.planned;
  pugi::xml_node vcpu = domain.append_child("vcpu");
  set(vcpu, "placement", "static");
  if (!pg.cpuset.empty()) set(vcpu, "cpuset", to_string(pg.cpuset));  // canonical, whatever the plan wrote
  vcpu.text() = std::to_string(spec.vcpus).c_str();

  std::vector<std::string> pins;  // per vCPU
  if (pg.vcpupin && !pg.vcpupin->empty()) {
    for (int cpu : *pg.vcpupin) pins.push_back(std::to_string(cpu));
  } else if (split.size() > 1 && !pg.cpuset.empty()) {
    for (std::size_t c = 0; c < split.size(); ++c) {
      const CpuSet on = pg.cpuset & t.host.nodes[static_cast<std::size_t>(t.placement.nodes[c])].cpus;
      for (int v = 0; v < split[c].vcpus; ++v) pins.push_back(to_string(on));
    }
  }
  const bool dedicated = pg.vcpupin && !pg.vcpupin->empty();
  if (pins.empty() && !spec.cpu_quota) return;
  pugi::xml_node tune = domain.append_child("cputune");
  for (std::size_t v = 0; v < pins.size(); ++v) {
    pugi::xml_node pin = tune.append_child("vcpupin");
    set(pin, "vcpu", std::to_string(v));
    set(pin, "cpuset", pins[v]);
  }
  if (dedicated) {
    bool own = false;
    const CpuSet emulator = emulator_pin(t, own);
    if (own) warnings.push_back("the host has no shared or reserved CPU left: QEMU's emulator threads share the guest's own pinned CPUs");
    set(tune.append_child("emulatorpin"), "cpuset", to_string(emulator));
  }
  if (spec.cpu_quota) {
    // CFS: quota = fraction x period, per vCPU (libvirt <period>/<quota> are per vCPU). The
    // loader refuses fractions below 0.01, so the quota is at least libvirt's 1000us.
    const std::int64_t period = 100000;
    tune.append_child("period").text() = std::to_string(period).c_str();
    tune.append_child("quota").text() = std::to_string(spec.cpu_quota->scale_down(Bytes{period}).value).c_str();
  }
}

void numa_tuning(pugi::xml_node domain, const Target& t, const Policy& policy) {
  const NodeList& nodes = t.planned.nodes;
  const int cells = static_cast<int>(nodes.size());
  if (cells == 0 || policy.numa == NumaMode::none) return;
  const char* mode = policy.numa == NumaMode::preferred ? "preferred" : "strict";
  pugi::xml_node numatune = domain.append_child("numatune");
  pugi::xml_node mem = numatune.append_child("memory");
  set(mem, "mode", mode);
  // Before 9.3, preferred takes one node: the domain-wide policy (QEMU's own allocations) prefers
  // cell 0's node, and each cell's <memnode> prefers its own: the guest's memory still prefers
  // the plan's nodes, cell by cell.
  const bool one_node = policy.numa == NumaMode::preferred && policy.libvirt_version < preferred_many_since;
  set(mem, "nodeset", one_node ? std::to_string(nodes[0]) : id_list(nodes));
  if (cells < 2) return;
  for (int c = 0; c < cells; ++c) {
    pugi::xml_node memnode = numatune.append_child("memnode");
    set(memnode, "cellid", std::to_string(c));
    set(memnode, "mode", mode);
    set(memnode, "nodeset", std::to_string(nodes[static_cast<std::size_t>(c)]));
  }
}

// <cpu>: the policy's mode; for dedicated guests a topology matching the pinned threads; for
// guests of several cells the guest NUMA topology, cell i on nodes[i].
void cpu_element(pugi::xml_node domain, const Target& t, const Policy& policy, const std::vector<Cell>& split) {
  const GuestSpec& spec = t.spec;
  const int cells = static_cast<int>(t.planned.nodes.size());
  const bool dedicated = t.planned.vcpupin && static_cast<int>(t.planned.vcpupin->size()) == spec.vcpus;
  if (policy.cpu_mode == CpuMode::none && cells < 2 && !dedicated) return;
  pugi::xml_node cpu = domain.append_child("cpu");
  if (policy.cpu_mode != CpuMode::none) set(cpu, "mode", policy.cpu_mode == CpuMode::host_passthrough ? "host-passthrough" : "host-model");
  if (dedicated) {
    const int threads = pinned_threads(t.host, *t.planned.vcpupin);
    // One socket per cell when the cells hold equal whole cores, so that no core spans two cells.
    int sockets = 1;
    bool equal = cells > 1;
    for (int c = 1; c < cells && equal; ++c) equal = split[static_cast<std::size_t>(c)].vcpus == split[0].vcpus;
    if (equal && spec.vcpus % (cells * threads) == 0) sockets = cells;
    pugi::xml_node topology = cpu.append_child("topology");
    set(topology, "sockets", std::to_string(sockets));
    set(topology, "dies", "1");
    set(topology, "cores", std::to_string(spec.vcpus / sockets / threads));
    set(topology, "threads", std::to_string(threads));
  }
  if (cells < 2) return;
  pugi::xml_node numa = cpu.append_child("numa");
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

// ---- SHA-1 (FIPS 180-4), for UUID v5 only ----
std::array<std::uint8_t, 20> sha1(const std::string& message) {
  std::uint32_t h[5] = {0x67452301u, 0xEFCDAB89u, 0x98BADCFEu, 0x10325476u, 0xC3D2E1F0u};
  std::string m = message;
  const std::uint64_t bits = static_cast<std::uint64_t>(message.size()) * 8;
  m.push_back(static_cast<char>(0x80));
  while (m.size() % 64 != 56) m.push_back('\0');
  for (int i = 7; i >= 0; --i) m.push_back(static_cast<char>((bits >> (8 * i)) & 0xff));
  auto rol = [](std::uint32_t x, int n) { return (x << n) | (x >> (32 - n)); };
  for (std::size_t block = 0; block < m.size(); block += 64) {
    std::uint32_t w[80];
    for (int i = 0; i < 16; ++i) {
      w[i] = 0;
      for (int b = 0; b < 4; ++b) w[i] = (w[i] << 8) | static_cast<std::uint8_t>(m[block + static_cast<std::size_t>(4 * i + b)]);
    }
    for (int i = 16; i < 80; ++i) w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
    std::uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
    for (int i = 0; i < 80; ++i) {
      std::uint32_t f, k;
      if (i < 20) f = (b & c) | (~b & d), k = 0x5A827999u;
      else if (i < 40) f = b ^ c ^ d, k = 0x6ED9EBA1u;
      else if (i < 60) f = (b & c) | (b & d) | (c & d), k = 0x8F1BBCDCu;
      else f = b ^ c ^ d, k = 0xCA62C1D6u;
      const std::uint32_t t = rol(a, 5) + f + e + k + w[i];
      e = d, d = c, c = rol(b, 30), b = a, a = t;
    }
    h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e;
  }
  std::array<std::uint8_t, 20> out{};
  for (int i = 0; i < 20; ++i) out[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(h[i / 4] >> (24 - 8 * (i % 4)));
  return out;
}

}  // namespace

std::string uuid_v5(const std::string& ns, const std::string& name) {
  std::string bytes;
  for (std::size_t i = 0; i + 1 < ns.size();) {
    if (ns[i] == '-') {
      ++i;
      continue;
    }
    bytes.push_back(static_cast<char>(std::stoi(ns.substr(i, 2), nullptr, 16)));
    i += 2;
  }
  auto h = sha1(bytes + name);
  h[6] = static_cast<std::uint8_t>((h[6] & 0x0f) | 0x50);
  h[8] = static_cast<std::uint8_t>((h[8] & 0x3f) | 0x80);
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += hex[h[static_cast<std::size_t>(i)] >> 4];
    out += hex[h[static_cast<std::size_t>(i)] & 0xf];
  }
  return out;
}

namespace {

// The checks every given domain passes (--domains files and templates, io/domain_xml): no
// DOCTYPE, not nested too deep, a <domain>. Its <domain>, or a null node after reporting.
pugi::xml_node checked_domain(const libvirt::XmlFile& xml, const std::string& bytes, Diagnostics& diagnostics) {
  if (const auto problem = domain_xml_problem(bytes)) {
    diagnostics.error(xml.at_offset(problem->offset), "", problem->message);
    return {};
  }
  return xml.doc().child("domain");
}

}  // namespace

ExistingDomains read_existing_domains(const std::vector<XmlText>& inputs, SourceFiles& sources, Diagnostics& diagnostics) {
  ExistingDomains out;
  std::map<std::string, std::pair<std::string, std::uint32_t>> seen;  // guest -> file, line
  for (const auto& [path, text] : inputs) {
    std::error_code ec;
    if (!text && std::filesystem::is_regular_file(path, ec)) {
      if (const auto size = std::filesystem::file_size(path, ec); !ec && size > max_domain_bytes) {
        diagnostics.error({sources.add(path, {}), 0, 0}, "", "the file has " + std::to_string(size) + " bytes; domain XML of more than " +
                                                                 std::to_string(max_domain_bytes >> 20) + "MiB is not read");
        continue;
      }
    }
    if (text && text->size() > max_domain_bytes) {
      diagnostics.error({sources.add(path, {}), 0, 0}, "", "the text has " + std::to_string(text->size()) + " bytes; domain XML of more than " +
                                                               std::to_string(max_domain_bytes >> 20) + "MiB is not read");
      continue;
    }
    const libvirt::XmlFile xml = text ? libvirt::XmlFile(path, *text, sources, diagnostics) : libvirt::XmlFile(path, sources, diagnostics);
    if (!xml.ok()) continue;
    const std::string& bytes = sources.files.back().text;
    const pugi::xml_node d = checked_domain(xml, bytes, diagnostics);
    if (!d) continue;
    const std::string name = d.child_value("name");
    const std::string guest = libvirt::scenario_name(name);
    if (name.empty()) {
      xml.error(d.child("name") ? d.child("name") : d, "domain.name", "a domain needs a <name>");
      continue;
    }
    if (guest.empty()) {
      xml.error(d.child("name"), "domain.name", "\"" + name + "\" leaves no guest name once its characters outside [A-Za-z0-9._-] go");
      continue;
    }
    if (auto [it, fresh] = seen.emplace(guest, std::make_pair(path, xml.at(d.child("name")).line)); !fresh) {
      xml.error(d.child("name"), "domain.name", "guest \"" + guest + "\" is also the domain of " + it->second.first + ":" +
                                                    std::to_string(it->second.second) + "; one domain per guest");
      continue;
    }
    out.emplace(guest, ExistingDomain{path, name, bytes});
  }
  return out;
}

std::vector<DomainXml> export_domains(const Scenario& scenario, const PlanDocument& doc, const ExistingDomains& existing) {
  std::unordered_map<std::string, std::uint32_t> guest_index;
  for (std::uint32_t g = 0; g < scenario.guests.size(); ++g) guest_index.emplace(scenario.guests[g].name, g);
  const Plan plan = plan_from_document(scenario, doc);
  const Policy& policy = scenario.policy;
  // Guests each template makes (those without a domain of their own): a writable disk of a
  // template used twice is one file for two guests.
  std::vector<int> template_users(scenario.domain_templates.size(), 0);
  for (const PlannedGuest& pg : doc.placements) {
    const auto it = guest_index.find(pg.guest);
    if (it == guest_index.end() || existing.count(pg.guest)) continue;
    const GuestSpec& spec = scenario.spec(scenario.guests[it->second]);
    if (spec.domain_template >= 0) ++template_users[static_cast<std::size_t>(spec.domain_template)];
  }
  std::vector<DomainXml> out;
  for (const PlannedGuest& pg : doc.placements) {
    const auto it = guest_index.find(pg.guest);
    if (it == guest_index.end()) continue;  // check refuses such a plan before export
    const Placement& placement = plan.placements[it->second];
    if (placement.host < 0) continue;
    const auto h = static_cast<std::size_t>(placement.host);
    const Target t{scenario.spec(scenario.guests[it->second]), pg, plan.hosts[h], placement, plan.pinned[h]};
    const int cells = static_cast<int>(pg.nodes.size());
    const auto split = split_cells(t.spec, guest_overhead(policy, t.spec), std::max(1, cells));

    DomainXml d{pg.guest, {}, {}};
    pugi::xml_document xml;
    pugi::xml_node domain = xml.append_child("domain");
    set(domain, "type", "kvm");
    domain.append_child("name").text() = pg.guest.c_str();
    // Stable across re-plans and scenarios: from the guest's name alone (docs/libvirt.md).
    domain.append_child("uuid").text() = uuid_v5(kvmplan_uuid_namespace, pg.guest).c_str();
    memory_elements(domain, t, policy);
    cpu_tuning(domain, t, cells > 1 ? split : std::vector<Cell>{}, d.warnings);
    numa_tuning(domain, t, policy);
    pugi::xml_node os = domain.append_child("os");
    os.append_child("type").text() = "hvm";
    cpu_element(domain, t, policy, split);
    libvirt::PatchTarget target{t.spec.vcpus, io_cpus(t), false, pg.guest};
    if (const auto e = existing.find(pg.guest); e != existing.end()) {
      d.xml = libvirt::patch_domain(e->second, domain, target, d.warnings);
    } else if (t.spec.domain_template >= 0) {
      const DomainTemplate& tmpl = scenario.domain_templates[static_cast<std::size_t>(t.spec.domain_template)];
      target.from_template = true;
      d.xml = libvirt::patch_domain({tmpl.path, pg.guest, tmpl.text}, domain, target, d.warnings);
      if (template_users[static_cast<std::size_t>(t.spec.domain_template)] > 1) libvirt::shared_disks(tmpl, d.warnings);
    } else {
      std::ostringstream text;
      xml.save(text, "  ", pugi::format_default | pugi::format_no_declaration);
      d.xml = text.str();
    }
    out.push_back(std::move(d));
  }
  if (std::any_of(template_users.begin(), template_users.end(), [](int n) { return n > 0; })) libvirt::same_macs(out);
  return out;
}

}  // namespace kvmplan
