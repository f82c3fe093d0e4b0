#pragma once
// The scenario's `policy:` section. Each knob is declared once, in policy_knobs(): its key,
// default, help and parser. Defaults, validation, `kvmplan --help` text and docs derive from it.
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "kvmplan/values/bytes.hpp"
#include "kvmplan/values/decimal.hpp"

namespace kvmplan {

// Red Hat's baseline swap tables (docs/model.md), none, or a flat size.
struct SwapBaseline {
  enum class Table { rhel5, rhel6, rhel7, rhel9, none, flat };
  Table table = Table::rhel5;
  Bytes flat;  // for Table::flat

  std::string name() const;  // "rhel5" ... "none", or the flat size "4GiB"
};

// committed: memory_ratio bounds committed memory; resident: expected use (after KSM) must fit
// usable memory; both: the two together.
enum class MemoryLimit { committed, resident, both };
enum class VcpuLimit { cores, threads };
enum class NumaMode { strict, preferred, none };
enum class Objective { pack, spread };

// Host memory QEMU needs per guest beyond <memory>.
struct GuestOverhead {
  enum class Kind { none, ovirt, fixed };
  Kind kind = Kind::none;
  Bytes fixed;

  std::string name() const;
};

struct KsmPolicy {
  bool enabled = true;
  bool merge_across_nodes = true;
  Decimal shareable;  // default fraction of a guest's memory identical within its image
};

struct HaPolicy {
  int host_failures = 0;
  int zone_failures = 0;
};

// The libvirt release on the hosts: what the exported domain XML may use (docs/libvirt.md).
struct LibvirtVersion {
  int major = 9;
  int minor = 0;
  int micro = 0;

  auto operator<=>(const LibvirtVersion&) const = default;
  std::string name() const;  // "9.0.0"
};

// Where dedicated guests' QEMU emulator and I/O threads run: share: the host's shared CPUs (or
// its reserved ones); isolate: one more dedicated CPU per guest, on its first cell's node
// (emulator_cpus in scenario.hpp), as Nova's hw:emulator_threads_policy.
enum class EmulatorThreads { share, isolate };
// <cpu mode=...> of exported domains; none: no mode (libvirt's default, a custom model).
enum class CpuMode { host_passthrough, host_model, none };

struct Policy {
  SwapBaseline swap_baseline;
  bool hibernation = false;
  Bytes host_reserve;
  Decimal memory_ratio;
  MemoryLimit memory_limit = MemoryLimit::committed;
  Decimal cpu_ratio;
  VcpuLimit vcpu_limit = VcpuLimit::cores;
  NumaMode numa = NumaMode::strict;
  Objective objective = Objective::pack;
  Decimal usage;
  int profile_percentile = 95;  // samples (CSV) -> a profile: this percentile per slot, nearest rank
  GuestOverhead guest_overhead;
  KsmPolicy ksm;
  HaPolicy ha;
  LibvirtVersion libvirt_version;
  EmulatorThreads emulator_threads = EmulatorThreads::share;
  CpuMode cpu_mode = CpuMode::host_passthrough;
  // The Linux release on the hosts (major, minor): how host tuning reserves hugepages at boot.
  std::pair<int, int> kernel_version{6, 1};
  int swappiness = 10;  // vm.swappiness written by host tuning (docs/libvirt.md)
};

struct PolicyKnob {
  std::string_view key;           // dotted for nested maps: "ksm.enabled"
  std::string_view default_text;  // parsed by `set` to build the default policy
  std::string_view help;
  // Parses `text` into the policy; returns "" or the problem.
  std::string (*set)(Policy& policy, std::string_view text);
};

std::span<const PolicyKnob> policy_knobs();
const PolicyKnob* find_knob(std::string_view key);
Policy default_policy();

}  // namespace kvmplan
