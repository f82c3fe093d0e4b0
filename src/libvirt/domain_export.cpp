// A placement -> libvirt domain XML (docs/libvirt.md): the elements that carry the plan, in a
// minimal <domain> that `virt-xml-validate FILE domain` accepts, `virsh define` takes, and that
// libvirt 9.0 with QEMU 7.2 (Debian 12) starts: whole pages per cell, quotas of at least 1000us,
// per-cell pins and memory policies that release accepts.
#include <pugixml.hpp>

#include <algorithm>
#include <cctype>
#include <array>
#include <map>
#include <cstdint>
#include <filesystem>
#include <sstream>
#include <string_view>
#include <unordered_map>

#include "kvmplan/libvirt/domain_export.hpp"
#include "kvmplan/model/cells.hpp"
#include "kvmplan/model/model.hpp"
#include "kvmplan/plan/plan.hpp"
#include "kvmplan/plan/plan_reader.hpp"
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

// Where a guest's I/O threads may run: a dedicated guest's emulator CPUs (as emulatorpin), a
// shared guest's planned cpuset, else the CPUs no guest has pinned.
CpuSet io_cpus(const Target& t) {
  if (t.planned.vcpupin && !t.planned.vcpupin->empty()) {
    const CpuSet emulator = emulator_cpus(t);
    return emulator.empty() ? t.planned.cpuset : emulator;
  }
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
    CpuSet emulator = emulator_cpus(t);
    if (emulator.empty()) {
      // Every CPU of the host is pinned and none reserved: nowhere else to go.
      emulator = pg.cpuset;
      warnings.push_back("the host has no shared or reserved CPU left: QEMU's emulator threads share the guest's own pinned CPUs");
    }
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
    if (cells > 1 && spec.vcpus % (cells * threads) == 0) sockets = cells;
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

// ---- Patching an operator's domain: only the planned elements change ----

// libvirt's order of a domain's top-level elements (virDomainDefFormat): where a missing
// planned element goes. The schema interleaves them, so this is for people reading the diff.
int rank(std::string_view name) {
  static constexpr std::string_view order[] = {
      "name",       "uuid",        "genid",       "title",    "description", "metadata", "maxMemory", "memory",
      "currentMemory", "blkiotune", "memtune",    "memoryBacking", "vcpu",   "vcpus",    "iothreads", "iothreadids",
      "cputune",    "numatune",    "resource",    "sysinfo",  "bootloader",  "bootloader_args", "os", "idmap",
      "features",   "cpu",         "clock",       "on_poweroff", "on_reboot", "on_crash", "on_lockfailure", "pm",
      "perf",       "devices",     "seclabel"};
  for (std::size_t i = 0; i < std::size(order); ++i) {
    if (order[i] == name) return static_cast<int>(i);
  }
  return -1;
}

bool is_space(pugi::xml_node n) {
  if (n.type() != pugi::node_pcdata) return false;
  for (const char* c = n.value(); *c; ++c) {
    if (*c != ' ' && *c != '\t' && *c != '\n' && *c != '\r') return false;
  }
  return true;
}

// The file's indentation: one level, and whether it indents at all.
struct Layout {
  std::string unit = "  ";
  bool pretty = true;
  std::string at(int depth) const {
    if (!pretty) return {};
    std::string s = "\n";
    for (int i = 0; i < depth; ++i) s += unit;
    return s;
  }
};

Layout layout_of(pugi::xml_node domain) {
  Layout l;
  const pugi::xml_node first = domain.first_child();
  if (!is_space(first)) {
    l.pretty = false;
    return l;
  }
  std::string ws = first.value();
  const auto nl = ws.rfind('\n');
  if (nl != std::string::npos && nl + 1 < ws.size()) l.unit = ws.substr(nl + 1);
  return l;
}

// Copies the plan's element `from` into `parent` at `depth`, before `ref` (or last), indented
// as the file is.
void insert_copy(pugi::xml_node parent, pugi::xml_node ref, pugi::xml_node from, int depth, const Layout& l) {
  pugi::xml_node e;
  if (ref) {
    e = parent.insert_child_before(pugi::node_element, ref);
    if (l.pretty) parent.insert_child_before(pugi::node_pcdata, ref).set_value(l.at(depth).c_str());
  } else if (const pugi::xml_node last = parent.last_child(); last && is_space(last)) {
    if (l.pretty) parent.insert_child_before(pugi::node_pcdata, last).set_value(l.at(depth).c_str());
    e = parent.insert_child_before(pugi::node_element, last);
  } else {
    if (l.pretty) parent.append_child(pugi::node_pcdata).set_value(l.at(depth).c_str());
    e = parent.append_child(pugi::node_element);
    if (l.pretty) parent.append_child(pugi::node_pcdata).set_value(l.at(depth - 1).c_str());
  }
  e.set_name(from.name());
  for (const pugi::xml_attribute a : from.attributes()) e.append_attribute(a.name()) = a.value();
  for (const pugi::xml_node c : from.children()) {
    if (c.type() == pugi::node_element) {
      insert_copy(e, {}, c, depth + 1, l);
    } else {
      e.append_copy(c);
    }
  }
}

// Removes an element with the indentation before it.
void remove_node(pugi::xml_node n) {
  pugi::xml_node parent = n.parent();
  if (const pugi::xml_node before = n.previous_sibling(); before && is_space(before)) parent.remove_child(before);
  parent.remove_child(n);
}

bool empty_element(pugi::xml_node n) {
  if (n.first_attribute()) return false;
  for (const pugi::xml_node c : n.children()) {
    if (!is_space(c)) return false;
  }
  return true;
}

// The children of `target` named `names` become those of `fresh` (the plan's): where the first
// of them was, else last. The other children stay as they are.
void replace_children(pugi::xml_node target, pugi::xml_node fresh, std::initializer_list<std::string_view> names, int depth,
                      const Layout& l) {
  auto planned = [&](pugi::xml_node n) {
    return n.type() == pugi::node_element && std::find(names.begin(), names.end(), std::string_view(n.name())) != names.end();
  };
  std::vector<pugi::xml_node> old;
  for (const pugi::xml_node c : target.children()) {
    if (planned(c)) old.push_back(c);
  }
  const pugi::xml_node ref = old.empty() ? pugi::xml_node{} : old.front();
  for (const pugi::xml_node c : fresh.children()) {
    if (planned(c)) insert_copy(target, ref, c, depth, l);
  }
  for (const pugi::xml_node n : old) remove_node(n);
}

// A top-level element of the plan in place of the file's (or where libvirt puts it), or the
// file's removed when the plan has none.
void replace_top(pugi::xml_node domain, pugi::xml_node fresh_domain, const char* name, const Layout& l) {
  const pugi::xml_node old = domain.child(name);
  const pugi::xml_node planned = fresh_domain.child(name);
  if (planned) {
    pugi::xml_node ref = old;
    if (!ref) {
      const int r = rank(name);
      for (const pugi::xml_node c : domain.children()) {
        if (c.type() == pugi::node_element && rank(c.name()) > r) {
          ref = c;
          break;
        }
      }
    }
    insert_copy(domain, ref, planned, 1, l);
  }
  if (old) remove_node(old);
}

// A container element of the file whose planned children are the plan's, the others kept.
void patch_container(pugi::xml_node domain, pugi::xml_node fresh_domain, const char* name,
                     std::initializer_list<std::string_view> children, const Layout& l) {
  pugi::xml_node old = domain.child(name);
  if (!old) {
    replace_top(domain, fresh_domain, name, l);
    return;
  }
  const pugi::xml_node planned = fresh_domain.child(name);
  replace_children(old, planned, children, 2, l);
  if (empty_element(old)) remove_node(old);
}

int vcpus_of_topology(pugi::xml_node t) {
  return t.attribute("sockets").as_int(1) * t.attribute("dies").as_int(1) * t.attribute("clusters").as_int(1) *
         t.attribute("cores").as_int(1) * t.attribute("threads").as_int(1);
}

// The operator's domain with the plan's elements: memory, currentMemory, vcpu, numatune whole;
// in cputune the pins, period and quota; in memoryBacking hugepages and locked; in memtune the
// hard limit (locked guests); in cpu the topology and the guest NUMA cells. The rest as it was.
// What a patch needs besides the plan's elements.
struct PatchTarget {
  int vcpus = 1;
  // The CPUs the plan gives the guest's own threads besides its vCPUs (where emulatorpin goes):
  // an <iothreadpin> outside them is re-pinned there. Empty: pins are not checked.
  CpuSet io_cpus;
  // A template, not the guest's own domain: its <name>, <uuid> (and <sysinfo>'s uuid) become
  // the guest's, its interfaces get the guest's stable MAC addresses.
  bool from_template = false;
  std::string guest;
};

// A MAC address of the guest's interface `index`, stable as its uuid is: QEMU's prefix
// 52:54:00 (locally administered, as libvirt's own) and 24 bits of SHA-1 of the name and index.
std::string stable_mac(const std::string& guest, int index) {
  const auto h = sha1(std::string(kvmplan_uuid_namespace) + "/" + guest + "/interface/" + std::to_string(index));
  static constexpr char hex[] = "0123456789abcdef";
  std::string out = "52:54:00";
  for (int i = 0; i < 3; ++i) {
    out += ':';
    out += hex[h[static_cast<std::size_t>(i)] >> 4];
    out += hex[h[static_cast<std::size_t>(i)] & 0xf];
  }
  return out;
}

// A template's identity made the guest's: name, uuid (also <sysinfo>'s system uuid, which
// libvirt refuses when it differs from <uuid>), and a stable MAC per interface (two guests of
// one template would share the template's, and without one libvirt makes a new random MAC at
// every define, which a re-plan's define would change).
void make_own(pugi::xml_node domain, pugi::xml_node fresh, const std::string& guest, const Layout& l) {
  replace_top(domain, fresh, "name", l);
  replace_top(domain, fresh, "uuid", l);
  const std::string uuid = fresh.child_value("uuid");
  for (pugi::xml_node sysinfo : domain.children("sysinfo")) {
    for (pugi::xml_node entry : sysinfo.child("system").children("entry")) {
      if (std::string_view(entry.attribute("name").value()) == "uuid") entry.text() = uuid.c_str();
    }
  }
  int index = 0;
  for (pugi::xml_node iface : domain.child("devices").children("interface")) {
    const std::string mac = stable_mac(guest, index++);
    if (pugi::xml_node m = iface.child("mac")) {
      m.attribute("address") ? (void)m.attribute("address").set_value(mac.c_str()) : (void)m.append_attribute("address").set_value(mac.c_str());
      continue;
    }
    pugi::xml_document tmp;
    pugi::xml_node m = tmp.append_child("mac");
    set(m, "address", mac);
    pugi::xml_node first;
    for (pugi::xml_node c : iface.children()) {
      if (c.type() == pugi::node_element) {
        first = c;
        break;
      }
    }
    insert_copy(iface, first, m, 3, l);
  }
}

// A template's writable disks are kept as they are, the same file for every guest of the
// template: said, so that the operator gives each guest its own (an overlay, or a --domains file).
void shared_disks(const DomainTemplate& tmpl, std::vector<std::string>& warnings) {
  pugi::xml_document doc;
  if (!doc.load_buffer(tmpl.text.data(), tmpl.text.size())) return;
  for (const pugi::xml_node disk : doc.child("domain").child("devices").children("disk")) {
    if (disk.child("readonly") || disk.child("shareable")) continue;
    const pugi::xml_node source = disk.child("source");
    for (const char* attr : {"file", "dev", "volume", "name"}) {
      if (const pugi::xml_attribute a = source.attribute(attr)) {
        warnings.push_back("template " + tmpl.path + ": disk " + a.value() +
                           " is writable and the same for every guest of the template: give each guest its own");
        break;
      }
    }
  }
}

// Two domains of one MAC address: a stable MAC has 24 bits of hash, as libvirt's random ones,
// so guests made from templates may meet each other or an operator's domain. Said on the later
// domain (libvirt defines both; the network then has two interfaces of one address).
void same_macs(std::vector<DomainXml>& domains) {
  std::map<std::string, std::string> owner;  // MAC -> the guest that has it first
  for (DomainXml& d : domains) {
    pugi::xml_document doc;
    if (!doc.load_buffer(d.xml.data(), d.xml.size())) continue;
    for (const pugi::xml_node iface : doc.child("domain").child("devices").children("interface")) {
      std::string mac = iface.child("mac").attribute("address").value();
      std::transform(mac.begin(), mac.end(), mac.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      if (mac.empty()) continue;
      if (const auto [it, fresh] = owner.emplace(mac, d.guest); !fresh && it->second != d.guest) {
        d.warnings.push_back("MAC address " + mac + " is also " + it->second + "'s: change one (<mac address> in a --domains file)");
      }
    }
  }
}

// <iothreadpin>s of the file on CPUs the plan does not give the guest (now another guest's
// dedicated CPUs, or another node's) go where its emulator threads go, with a warning.
void repin_iothreads(pugi::xml_node domain, const CpuSet& io_cpus, std::vector<std::string>& warnings) {
  if (io_cpus.empty()) return;
  const std::string to = to_string(io_cpus);
  for (pugi::xml_node pin : domain.child("cputune").children("iothreadpin")) {
    const std::string was = pin.attribute("cpuset").value();
    const auto set = CpuSet::parse(was);
    if (set && set->subset_of(io_cpus)) continue;
    warnings.push_back("<iothreadpin iothread='" + std::string(pin.attribute("iothread").value()) + "' cpuset='" + was +
                       "'> names CPUs the plan does not give the guest: re-pinned to " + to + ", where its emulator threads run");
    if (pin.attribute("cpuset")) {
      pin.attribute("cpuset").set_value(to.c_str());
    } else {
      pin.append_attribute("cpuset").set_value(to.c_str());
    }
  }
}

std::string patch(const ExistingDomain& existing, const pugi::xml_node fresh, const PatchTarget& target, std::vector<std::string>& warnings) {
  const int vcpus = target.vcpus;
  pugi::xml_document doc;
  const unsigned flags = pugi::parse_default | pugi::parse_ws_pcdata | pugi::parse_comments | pugi::parse_pi | pugi::parse_declaration;
  if (!doc.load_buffer(existing.text.data(), existing.text.size(), flags)) return {};  // read_existing_domains checked it
  pugi::xml_node domain = doc.child("domain");
  const Layout l = layout_of(domain);
  // Quotes as the file writes them (virsh dumpxml: single): those of <domain>'s first attribute.
  bool single = false;
  if (domain.first_attribute()) {
    const std::size_t eq = existing.text.find('=', static_cast<std::size_t>(std::max<std::ptrdiff_t>(domain.offset_debug(), 0)));
    const std::size_t q = eq == std::string::npos ? eq : existing.text.find_first_of("'\"", eq);
    single = q != std::string::npos && existing.text[q] == '\'';
  }
  if (target.from_template) {
    make_own(domain, fresh, target.guest, l);
  } else if (!domain.child("uuid")) {
    replace_top(domain, fresh, "uuid", l);
  }
  replace_top(domain, fresh, "memory", l);
  replace_top(domain, fresh, "currentMemory", l);
  if (fresh.child("memtune")) patch_container(domain, fresh, "memtune", {"hard_limit"}, l);
  patch_container(domain, fresh, "memoryBacking", {"hugepages", "locked"}, l);
  replace_top(domain, fresh, "vcpu", l);
  int listed = 0;
  for (const pugi::xml_node c : domain.child("vcpus").children("vcpu")) listed += c ? 1 : 0;
  if (const pugi::xml_node v = domain.child("vcpus"); v && listed != vcpus) {
    warnings.push_back("<vcpus> lists another number of vCPUs than the plan's " + std::to_string(vcpus) + ": left out");
    remove_node(v);
  }
  patch_container(domain, fresh, "cputune", {"vcpupin", "emulatorpin", "period", "quota"}, l);
  repin_iothreads(domain, target.io_cpus, warnings);
  replace_top(domain, fresh, "numatune", l);
  if (pugi::xml_node cpu = domain.child("cpu")) {
    // The operator's CPU mode, model and features stay (cpu_mode is for new domains).
    const pugi::xml_node planned = fresh.child("cpu");
    if (const pugi::xml_node t = cpu.child("topology"); t && !planned.child("topology") && vcpus_of_topology(t) != vcpus) {
      warnings.push_back("<cpu><topology> makes " + std::to_string(vcpus_of_topology(t)) + " vCPUs, the plan " + std::to_string(vcpus) +
                         ": left out");
      remove_node(t);
    }
    if (planned.child("topology")) {
      replace_children(cpu, planned, {"topology", "numa"}, 2, l);
    } else {
      replace_children(cpu, planned, {"numa"}, 2, l);
    }
    if (empty_element(cpu)) remove_node(cpu);
  } else {
    replace_top(domain, fresh, "cpu", l);
  }
  std::ostringstream text;
  doc.save(text, "", pugi::format_raw | pugi::format_no_declaration | (single ? pugi::format_attribute_single_quote : 0u));
  std::string out = text.str();
  if (!existing.text.empty() && existing.text.back() == '\n' && (out.empty() || out.back() != '\n')) out += '\n';
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
    PatchTarget target{t.spec.vcpus, io_cpus(t), false, pg.guest};
    if (const auto e = existing.find(pg.guest); e != existing.end()) {
      d.xml = patch(e->second, domain, target, d.warnings);
    } else if (t.spec.domain_template >= 0) {
      const DomainTemplate& tmpl = scenario.domain_templates[static_cast<std::size_t>(t.spec.domain_template)];
      target.from_template = true;
      d.xml = patch({tmpl.path, pg.guest, tmpl.text}, domain, target, d.warnings);
      if (template_users[static_cast<std::size_t>(t.spec.domain_template)] > 1) shared_disks(tmpl, d.warnings);
    } else {
      std::ostringstream text;
      xml.save(text, "  ", pugi::format_default | pugi::format_no_declaration);
      d.xml = text.str();
    }
    out.push_back(std::move(d));
  }
  if (std::any_of(template_users.begin(), template_users.end(), [](int n) { return n > 0; })) same_macs(out);
  return out;
}

}  // namespace kvmplan
