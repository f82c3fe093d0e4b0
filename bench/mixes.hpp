#pragma once
// Benchmark scenarios, generated from a seed: guest mixes on a realistic count: auto host
// (2 NUMA nodes x 24 cores x 2 threads, 384GiB), and adversarial mixes for the packing's
// quality (below). Shared by kvmplan-bench and the tests.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kvmplan/values/bytes.hpp"

namespace kvmplan::bench {

enum class Mix { azure, uniform, anticorrelated, numa_heavy, pinned, zero_slack, bimodal, two_models, day_night, day_night_flat };
// `--mix all`: the mixes of docs/performance.md.
inline constexpr Mix all_mixes[] = {Mix::azure, Mix::uniform, Mix::anticorrelated, Mix::numa_heavy, Mix::pinned};
// `--mix adversarial`: mixes that are hard to pack, measured against first-fit-decreasing
// baselines and the plan without the search (100 to 10k guests).
//   zero-slack: full hosts cut into 2 to 8 guests each, in memory and vCPUs exactly, on a
//     one-node host whose budgets are its RAM and CPUs (flat_host_*): the optimum is the hosts
//     cut, and so is the lower bound.
//   bimodal: on the same host, 70% small guests (1-4GiB, 1-2 vCPUs), 30% large ones of 45-60%
//     of the host in memory and, drawn apart, in vCPUs.
//   two-models: two count: auto pools, memory-rich (2 x 16 cores x 2 threads, 768GiB) then
//     CPU-rich (2 x 32 cores x 2 threads, 256GiB), and half memory-heavy, half CPU-heavy guests.
inline constexpr Mix adversarial_mixes[] = {Mix::zero_slack, Mix::bimodal, Mix::two_models};
bool is_adversarial(Mix mix);
// `--mix profiles`: usage profiles' gain (24 hourly slots, memory_limit: both).
//   day-night: office desktops (60%: 2-4 vCPUs, 4-8GiB) that peak in working hours, batch
//     servers (25%: 4-16 vCPUs, 16-64GiB) that peak at night, web servers (15%: 2-8 vCPUs,
//     4-16GiB) with a mild daily swing; memory and CPU per slot, on the 2-node host.
//   day-night-flat: the same guests, each planned flat at its profile's peak slot (`usage:`).
inline constexpr Mix profile_mixes[] = {Mix::day_night, Mix::day_night_flat};

// The one-node host of zero-slack and bimodal: 64 CPUs (one thread per core), 256GiB, no
// reserve, memory_ratio and cpu_ratio 1.0, so that its budgets are exactly 256GiB and 64 vCPUs.
inline constexpr int flat_host_cpus = 64;
inline constexpr std::int64_t flat_host_gib = 256;

std::optional<Mix> parse_mix(std::string_view name);
std::string mix_name(Mix mix);

// One kind of guest and how many of it.
struct Shape {
  int vcpus = 1;
  Bytes memory;
  bool dedicated = false;
  bool hugepages = false;  // 1GiB pages
  std::int64_t count = 0;
  int profile = -1;        // day-night mixes: which of their profiles (mixes.cpp)
  bool operator==(const Shape&) const = default;
};

// `guests` guests of the mix. azure: the shapes of the VMs alive at the start of Azure's 2020
// packing trace (read from `azure_csv`) that the host model holds (7,135 of 7,396: none wider
// than its 48 cores or larger than two of its 190GiB nodes), in their frequencies, scaled by
// largest remainders; the others are drawn from `seed`.
std::vector<Shape> shapes(Mix mix, std::int64_t guests, std::uint32_t seed, const std::string& azure_csv);

// zero-slack's cut: `guests` guests, one Shape (count 1) each, in the order cut, and for each
// the host it was cut from (0 .. hosts - 1): a plan that fills every host exactly. shapes()
// gives the same guests, equal ones counted together.
struct Cut {
  std::vector<Shape> guests;
  std::vector<int> host;
  int hosts = 0;
};
Cut zero_slack_cut(std::int64_t guests, std::uint32_t seed);

// The scenario as YAML: policy, the host pool, and the guests either compact (one entry per
// shape with `count:`) or expanded (one entry per guest, as an inventory export would be).
std::string scenario_yaml(Mix mix, const std::vector<Shape>& shapes, bool expanded);

}  // namespace kvmplan::bench
