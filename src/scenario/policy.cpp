#include "kvmplan/scenario/policy.hpp"

#include <array>
#include <stdexcept>

#include "kvmplan/values/limits.hpp"
#include "kvmplan/values/values.hpp"

namespace kvmplan {
namespace {

// Stores a parsed value through `assign`, or returns the parser's message.
template <class T, class Assign>
std::string store(Result<T> r, Assign assign) {
  if (!r) return r.error();
  assign(r.value());
  return {};
}

template <class Enum, std::size_t N>
std::string store_choice(std::string_view text, const std::array<std::string_view, N>& names,
                         Enum& out) {
  return store(values::choice(text, names),
               [&](std::size_t i) { out = static_cast<Enum>(i); });
}

constexpr std::array<std::string_view, 4> table_names{"rhel5", "rhel6", "rhel7", "rhel9"};

std::string set_swap_baseline(Policy& p, std::string_view text) {
  for (std::size_t i = 0; i < table_names.size(); ++i) {
    if (text == table_names[i]) {
      p.swap_baseline = {static_cast<SwapBaseline::Table>(i), {}};
      return {};
    }
  }
  if (text == "none") {
    p.swap_baseline = {SwapBaseline::Table::none, {}};
    return {};
  }
  auto flat = values::size(text);
  if (!flat) {
    return "\"" + std::string(text) +
           "\" is not a swap baseline; write rhel5, rhel6, rhel7, rhel9, none or a size such as 4GiB";
  }
  p.swap_baseline = {SwapBaseline::Table::flat, flat.value()};
  return {};
}

std::string set_guest_overhead(Policy& p, std::string_view text) {
  if (text == "none") {
    p.guest_overhead = {};
    return {};
  }
  if (text == "ovirt") {
    p.guest_overhead = {GuestOverhead::Kind::ovirt, {}};
    return {};
  }
  auto fixed = values::size(text);
  if (!fixed) {
    return "\"" + std::string(text) + "\" is not a guest overhead; write none, ovirt or a size such as 64MiB";
  }
  p.guest_overhead = {GuestOverhead::Kind::fixed, fixed.value()};
  return {};
}

// Planning for failures is not built yet: a plan that ignored the key would claim a safety it
// does not have, so any value but 0 is refused.
std::string set_failures(std::string_view text, int& out) {
  auto n = values::integer(text, 0, limits::max_failures);
  if (!n) return n.error();
  out = static_cast<int>(n.value());
  return {};
}

// "9.0.0" or "9.3": major.minor[.micro], each a number below 1000.
std::string set_libvirt_version(Policy& p, std::string_view text) {
  int parts[3] = {0, 0, 0};
  int n = 0;
  std::size_t i = 0;
  while (n < 3) {
    const std::size_t start = i;
    int v = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9' && i - start < 3) v = v * 10 + (text[i++] - '0');
    if (i == start) break;
    parts[n++] = v;
    if (i == text.size() || text[i] != '.') break;
    ++i;
  }
  if (n < 2 || i != text.size()) {
    return "\"" + std::string(text) + "\" is not a libvirt version; write major.minor[.micro], such as 9.0.0 (Debian 12)";
  }
  p.libvirt_version = {parts[0], parts[1], parts[2]};
  return {};
}

// "6.1" or "5.15.0-91-generic": major.minor, then anything (a release string as uname -r gives it).
std::string set_kernel_version(Policy& p, std::string_view text) {
  int parts[2] = {0, 0};
  std::size_t i = 0;
  for (int n = 0; n < 2; ++n) {
    const std::size_t start = i;
    int v = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9' && i - start < 3) v = v * 10 + (text[i++] - '0');
    const bool digits = i > start && (i == text.size() || text[i] < '0' || text[i] > '9');
    if (!digits || (n == 0 && (i == text.size() || text[i] != '.'))) {
      return "\"" + std::string(text) + "\" is not a kernel version; write major.minor, such as 6.1 (Debian 12) or 5.15.0-91-generic";
    }
    parts[n] = v;
    if (n == 0) ++i;
  }
  p.kernel_version = {parts[0], parts[1]};
  return {};
}

constexpr std::array<PolicyKnob, 22> knobs{{
    {"swap_baseline", "rhel5",
     "baseline swap table: rhel5 | rhel6 | rhel7 | rhel9 | none | a flat size (4GiB)",
     set_swap_baseline},
    {"hibernation", "false", "use the table's column that allows for hibernation",
     [](Policy& p, std::string_view t) {
       return store(values::boolean(t), [&](bool v) { p.hibernation = v; });
     }},
    {"host_reserve", "4GiB", "memory the host keeps for itself (processes, drivers, page cache)",
     [](Policy& p, std::string_view t) {
       return store(values::size(t), [&](Bytes v) { p.host_reserve = v; });
     }},
    {"memory_ratio", "1.5",
     "max committed / (RAM - hugepage pools - locked - reserve), per host and per node",
     [](Policy& p, std::string_view t) {
       return store(values::ratio(t), [&](Decimal v) { p.memory_ratio = v; });
     }},
    {"memory_limit", "committed",
     "what bounds guest memory: committed (memory_ratio) | resident (expected use within RAM) | both",
     [](Policy& p, std::string_view t) {
       return store_choice(t, std::array<std::string_view, 3>{"committed", "resident", "both"},
                           p.memory_limit);
     }},
    {"cpu_ratio", "4.0", "max shared vCPUs per shared physical CPU (thread), per host and per node",
     [](Policy& p, std::string_view t) {
       return store(values::ratio(t), [&](Decimal v) { p.cpu_ratio = v; });
     }},
    {"vcpu_limit", "cores", "one guest's vCPUs may not exceed the host's: cores | threads",
     [](Policy& p, std::string_view t) {
       return store_choice(t, std::array<std::string_view, 2>{"cores", "threads"}, p.vcpu_limit);
     }},
    {"numa", "strict", "guests inside NUMA node(s): strict | preferred | none (host level only)",
     [](Policy& p, std::string_view t) {
       return store_choice(t, std::array<std::string_view, 3>{"strict", "preferred", "none"},
                           p.numa);
     }},
    {"objective", "pack", "placement objective: pack (fewest hosts) | spread (balanced load)",
     [](Policy& p, std::string_view t) {
       return store_choice(t, std::array<std::string_view, 2>{"pack", "spread"}, p.objective);
     }},
    {"usage", "1.0", "default expected resident fraction of a guest's memory",
     [](Policy& p, std::string_view t) {
       return store(values::fraction(t), [&](Decimal v) { p.usage = v; });
     }},
    {"profile_percentile", "95",
     "per-guest samples (CSV) become a profile: this percentile of each slot's samples (nearest rank), 1..100",
     [](Policy& p, std::string_view t) {
       return store(values::integer(t, 1, 100), [&](std::int64_t v) { p.profile_percentile = static_cast<int>(v); });
     }},
    {"guest_overhead", "none",
     "QEMU memory per guest beyond <memory>: none | ovirt (memory/512 + 64MiB + 8MiB per vCPU) | a size",
     set_guest_overhead},
    {"ksm.enabled", "true", "KSM runs on the hosts (ksmtuned decides when it scans)",
     [](Policy& p, std::string_view t) {
       return store(values::boolean(t), [&](bool v) { p.ksm.enabled = v; });
     }},
    {"ksm.merge_across_nodes", "true", "false: pages merge only inside one NUMA node",
     [](Policy& p, std::string_view t) {
       return store(values::boolean(t), [&](bool v) { p.ksm.merge_across_nodes = v; });
     }},
    {"ksm.shareable", "0.0",
     "default fraction of a guest's memory identical across guests of its image",
     [](Policy& p, std::string_view t) {
       return store(values::fraction(t), [&](Decimal v) { p.ksm.shareable = v; });
     }},
    {"ha.host_failures", "0", "N+k: the plan must survive any k hosts failing (their guests restart on the others)",
     [](Policy& p, std::string_view t) { return set_failures(t, p.ha.host_failures); }},
    {"ha.zone_failures", "0", "the plan must survive any z whole zones failing",
     [](Policy& p, std::string_view t) { return set_failures(t, p.ha.zone_failures); }},
    {"libvirt_version", "9.0.0",
     "libvirt on the hosts (Debian 12: 9.0.0): before 9.3, <memory mode='preferred'> takes one node only",
     set_libvirt_version},
    {"emulator_threads", "share",
     "dedicated guests' QEMU emulator and I/O threads: share (the host's shared CPUs, else its reserved CPUs) | isolate (one more dedicated CPU per guest, counted by placement)",
     [](Policy& p, std::string_view t) {
       return store_choice(t, std::array<std::string_view, 2>{"share", "isolate"}, p.emulator_threads);
     }},
    {"cpu_mode", "host-passthrough", "<cpu mode> of exported domains: host-passthrough | host-model | none (libvirt's default)",
     [](Policy& p, std::string_view t) {
       return store_choice(t, std::array<std::string_view, 3>{"host-passthrough", "host-model", "none"}, p.cpu_mode);
     }},
    {"kernel_version", "6.1",
     "Linux on the hosts (Debian 12: 6.1): from 5.16 hugepages are reserved per node on the kernel command line, before by a boot unit",
     set_kernel_version},
    {"swappiness", "10", "vm.swappiness host tuning writes (0..200; the kernel's default is 60)",
     [](Policy& p, std::string_view t) {
       return store(values::integer(t, 0, 200), [&](std::int64_t v) { p.swappiness = static_cast<int>(v); });
     }},
}};

}  // namespace

std::string SwapBaseline::name() const {
  switch (table) {
    case Table::none: return "none";
    case Table::flat: return to_string(flat);
    default: return std::string(table_names[static_cast<std::size_t>(table)]);
  }
}

std::string LibvirtVersion::name() const {
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(micro);
}

std::string GuestOverhead::name() const {
  switch (kind) {
    case Kind::none: return "none";
    case Kind::ovirt: return "ovirt";
    case Kind::fixed: return to_string(fixed);
  }
  return {};
}

std::span<const PolicyKnob> policy_knobs() { return knobs; }

const PolicyKnob* find_knob(std::string_view key) {
  for (const auto& k : knobs) {
    if (k.key == key) return &k;
  }
  return nullptr;
}

Policy default_policy() {
  Policy p;
  for (const auto& k : knobs) {
    if (!k.set(p, k.default_text).empty()) {
      throw std::logic_error("bad default for policy knob " + std::string(k.key));
    }
  }
  return p;
}

}  // namespace kvmplan
