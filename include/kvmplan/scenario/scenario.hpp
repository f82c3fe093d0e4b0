#pragma once
// A loaded, validated scenario: hosts with their NUMA topology, guests with their demands.
// Everything here is resolved: counts expanded, flavors merged, policy defaults applied.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kvmplan/values/bytes.hpp"
#include "kvmplan/values/cpuset.hpp"
#include "kvmplan/values/decimal.hpp"
#include "kvmplan/values/diagnostics.hpp"
#include "kvmplan/scenario/policy.hpp"
#include "kvmplan/values/small_ints.hpp"

namespace kvmplan {

struct HugepagePool {
  Bytes page_size;
  std::int64_t pages = 0;
  Bytes bytes() const { return page_size * pages; }
};

struct NumaNode {
  int id = 0;                              // the host's node id (may be sparse: 0, 1, 16, 17)
  CpuSet cpus;                             // may be empty (a memory-only node)
  Bytes memory;
  std::vector<HugepagePool> hugepages;     // ascending page size
  Bytes hugepage_bytes() const;
};

// Nodes a guest's cells run on, as indices into Host::nodes in guest-cell order. Usually one or
// two, kept inline: plans hold one list per guest.
using NodeList = SmallInts<2>;

// A host's physical cores (sets of sibling threads), read-only once loaded and shared by the
// copies of a host: the hosts one `count:` entry expands to, and those placement opens from a
// `count: auto` pool (a million-guest plan can open hundreds of thousands).
class CoreMap {
 public:
  CoreMap() = default;
  CoreMap(std::vector<CpuSet> cores)  // NOLINT: implicit, so that a vector of cores assigns
      : cores_(std::make_shared<const std::vector<CpuSet>>(std::move(cores))) {}
  std::size_t size() const { return cores_ ? cores_->size() : 0; }
  bool empty() const { return size() == 0; }
  const CpuSet& operator[](std::size_t i) const { return (*cores_)[i]; }
  const CpuSet* begin() const { return cores_ ? cores_->data() : nullptr; }
  const CpuSet* end() const { return cores_ ? cores_->data() + cores_->size() : nullptr; }

 private:
  std::shared_ptr<const std::vector<CpuSet>> cores_;
};

struct Host {
  std::string name;
  SourceRef at;                            // the host's entry in its file
  bool auto_pool = false;                  // a `count: auto` prototype, not a real host

  Bytes memory;                            // total RAM, the sum of the nodes'
  CpuSet cpus;                             // every logical CPU
  std::vector<NumaNode> nodes;             // at least one; in file order
  std::vector<std::vector<int>> distances; // SLIT, nodes.size() square, in `nodes` order
  CoreMap cores;                           // physical cores: sets of sibling threads
  std::string zone;
  // A `zones:` list: the copies of the entry (count: N, or count: auto as they open) take its
  // zones round-robin. Empty on the copies, which have their `zone`.
  std::vector<std::string> zones;
  Bytes reserve;                           // resolved: own value or policy.host_reserve
  CpuSet reserved_cpus;                    // host only
  CpuSet dedicated_cpus;                   // only for dedicated (pinned) guests
  std::optional<Bytes> swap;               // swap that exists, when declared
  Decimal memory_ratio;                    // resolved: own value or policy's
  Decimal cpu_ratio;
  Decimal cost = Decimal::of(1);           // what one host of the entry costs (any unit); pools open by it
  std::string address;                     // where Ansible reaches the host (ansible_host); empty: its name
  // Which of reserve, memory_ratio and cpu_ratio the entry left to the policy (resolve_policy).
  struct FromPolicy {
    bool reserve = false, memory_ratio = false, cpu_ratio = false;
  } from_policy;

  Bytes hugepage_bytes() const;
  CpuSet shared_cpus() const { return cpus - reserved_cpus - dedicated_cpus; }
  int core_count() const { return static_cast<int>(cores.size()); }
};

enum class GroupPolicy { affinity, anti_affinity, soft_affinity, soft_anti_affinity };
enum class GroupScope { host, zone, node };

struct Group {
  std::string name;
  GroupPolicy policy = GroupPolicy::anti_affinity;
  GroupScope scope = GroupScope::host;
  SourceRef at;
};

enum class CpuPolicy { shared, dedicated };

// One guest NUMA cell as a scenario gives it (numa_cells): uneven cells, as libvirt allows.
struct CellSpec {
  int vcpus = 1;
  Bytes memory;
  bool operator==(const CellSpec&) const = default;
};

// What a guest asks for, after its flavor and the policy defaults are applied. Guests expanded
// from one `count:` entry share one spec.
struct GuestSpec {
  std::string flavor;                      // "" when none
  int vcpus = 1;
  Bytes memory;                            // <memory>
  std::optional<Bytes> current_memory;     // <currentMemory>, the balloon target
  Decimal usage;                           // expected resident fraction: a profile's peak slot
  Decimal usage_low;                       // its valley slot (usage when flat)
  std::int32_t profile = -1;               // index into Scenario::profiles, -1: flat at `usage`
  std::string image;                       // KSM sharing group; "" when none
  Bytes ksm_shareable;                     // bytes identical within the image (<= memory)
  std::optional<Bytes> hugepages;          // backing page size
  bool locked = false;
  CpuPolicy cpu_policy = CpuPolicy::shared;
  std::optional<Decimal> cpu_quota;        // CFS cap per vCPU, fraction of one CPU
  int numa_nodes = 0;                      // guest NUMA cells; 0: as few as fit
  // numa_cells: the cells as given (numa_nodes is their count); empty: split evenly
  // (model/cells.hpp). Their memory sums to `memory`, their vCPUs to `vcpus`.
  std::vector<CellSpec> cells;
  // emulator_threads of its own (a dedicated guest's), else the policy's.
  std::optional<EmulatorThreads> emulator_threads;
  std::vector<std::uint32_t> groups;       // indices into Scenario::groups
  std::int32_t domain_template = -1;       // `template:`, index into Scenario::domain_templates; -1: none
  // Left to the policy (resolve_policy): usage (no usage or profile given), ksm_shareable.
  bool usage_from_policy = false, shareable_from_policy = false;

  // Counted in `committed` (swappable, overcommittable): neither hugepage-backed nor locked.
  bool overcommittable() const { return !hugepages && !locked; }
};

struct Guest {
  std::string name;
  std::uint32_t spec = 0;                  // index into Scenario::specs
  std::int32_t host = -1;                  // fixed host (index into Scenario::hosts), -1: none
  SourceRef at;
};

// A usage profile: per slot (an hour of the day, of the week, ...), the fraction of a guest's
// memory in use and, when given, of its vCPUs busy. Every profile of a scenario has as many slots.
struct Profile {
  std::string name;
  SourceRef at;
  std::vector<Decimal> memory;             // one per slot, each in [0, 1]
  std::vector<Decimal> cpu;                // one per slot, or empty
};

// A domain XML file that `template:` names (a flavor's or a guest's): the rest of a new guest's
// domain (disks, NICs, devices), read and checked once per file when the scenario loads.
struct DomainTemplate {
  std::string path;                        // as resolved: relative to the scenario file that names it
  std::string text;                        // its bytes
};

struct Scenario {
  Policy policy;
  std::vector<Profile> profiles;           // in file order
  std::vector<Host> hosts;                 // real hosts, `count:` expanded, in file order
  std::vector<Host> auto_pools;            // `count: auto` prototypes
  std::vector<Group> groups;
  std::vector<GuestSpec> specs;
  std::vector<Guest> guests;               // `count:` expanded, in file order
  std::vector<DomainTemplate> domain_templates;  // one per distinct file, in the order first named

  const GuestSpec& spec(const Guest& g) const { return specs[g.spec]; }
  // The slots of the scenario's profiles; 0 when it has none (every guest flat).
  std::size_t slots() const { return profiles.empty() ? 0 : profiles.front().memory.size(); }
};

// Applies scenario.policy again to what hosts, pools and guest specs left to it: a host's
// reserve and ratios, a guest's usage and KSM share. What the loader does with the policy it
// read, done again after the policy changed (whatif's variants), without reading the files.
void resolve_policy(Scenario& scenario);

// The unit a guest's memory splits into NUMA cells in (model/cells.hpp): its page size on
// hugepages (QEMU backs each cell with whole pages and refuses a cell that is not), else 1KiB.
Bytes cell_unit(const GuestSpec& spec);
// The most cells a guest splits into with none empty: every cell needs a vCPU and a unit of
// memory (QEMU refuses a cell of 0 bytes). A 1GiB guest on 1GiB pages: 1. The loader refuses a
// numa_nodes above it, placement never splits further, check reports a plan that does.
int max_cells(const GuestSpec& spec);

// The dedicated CPUs a guest holds beyond its vCPUs' for QEMU's emulator and I/O threads: 1 for
// a dedicated guest under emulator_threads isolate (its own, else the policy's), else 0. The one
// rule placement (rules/demand.hpp), check, the model's figures and the export count it by.
int emulator_cpus(const Policy& policy, const GuestSpec& spec);

// QEMU's own memory for one guest, per policy.guest_overhead.
Bytes guest_overhead(const Policy& policy, const GuestSpec& spec);
// A guest's expected resident memory: usage x memory (rounded up), capped by current_memory;
// with a profile, in its peak slot.
Bytes expected_use(const GuestSpec& spec);
// The same at `fraction` of its memory (a profile's slot).
Bytes expected_use(const GuestSpec& spec, const Decimal& fraction);
// The least it uses in any slot (expected_use when flat): what KSM can count on merging.
Bytes expected_use_low(const GuestSpec& spec);
// `vcpus` busy at `fraction`, in thousandths of a vCPU, rounded up.
std::int64_t busy_millis(const Decimal& fraction, int vcpus);
// Its expected use in each slot of the scenario's profiles (empty when the scenario has none).
std::vector<Bytes> expected_use_by_slot(const Scenario& scenario, const GuestSpec& spec);

// What makes two hosts interchangeable for guests: ratios, reserve, swap, cores, and per node
// its id, memory, shared and dedicated CPUs and hugepage pools. Not its name or zone.
std::string shape_key(const Host& h);

}  // namespace kvmplan
