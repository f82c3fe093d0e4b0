// Patching a given domain (an operator's, or a flavor's or guest's template) with the plan's
// elements: only those change; the rest stays as it was, byte for byte where pugixml can
// (docs/libvirt.md, "Patch, don't replace" and "Templates").
#include "libvirt/domain_patch.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <sstream>
#include <string_view>

namespace kvmplan::libvirt {
namespace {

void set(pugi::xml_node n, const char* attr, const std::string& value) { n.append_attribute(attr) = value.c_str(); }


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

// A MAC address of the guest's interface `index`, stable as its uuid is: QEMU's prefix
// 52:54:00 (locally administered, as libvirt's own) and 24 bits of SHA-1 (those of the UUID v5
// of the guest's name and the index, in kvmplan's namespace).
std::string stable_mac(const std::string& guest, int index) {
  const std::string h = uuid_v5(kvmplan_uuid_namespace, guest + "/interface/" + std::to_string(index));
  return "52:54:00:" + h.substr(0, 2) + ":" + h.substr(2, 2) + ":" + h.substr(4, 2);
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

}  // namespace

// The given domain with the plan's elements: memory, currentMemory, vcpu, numatune whole;
// in cputune the pins, period and quota; in memoryBacking hugepages and locked; in memtune the
// hard limit (locked guests); in cpu the topology and the guest NUMA cells. The rest as it was.
std::string patch_domain(const ExistingDomain& existing, const pugi::xml_node fresh, const PatchTarget& target, std::vector<std::string>& warnings) {
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
  // libvirt refuses a domain without an OS type ("an os <type> must be specified"): a template
  // or hand-written file without one gets the fresh domain's (hvm), said.
  if (!domain.child("os")) {
    replace_top(domain, fresh, "os", l);
    warnings.push_back("no <os> in the file, which libvirt requires: <os><type>hvm</type></os> added");
  } else if (!domain.child("os").child("type")) {
    insert_copy(domain.child("os"), domain.child("os").first_child(), fresh.child("os").child("type"), 2, l);
    warnings.push_back("no <os><type> in the file, which libvirt requires: <type>hvm</type> added");
  }
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

}  // namespace kvmplan::libvirt
