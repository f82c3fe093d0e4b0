#pragma once
// Benchmark scenarios, generated from a seed: guest mixes on a realistic count: auto host
// (2 NUMA nodes x 24 cores x 2 threads, 384GiB). Shared by kvmplan-bench and the tests.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kvmplan/values/bytes.hpp"

namespace kvmplan::bench {

enum class Mix { azure, uniform, anticorrelated, numa_heavy, pinned };
inline constexpr Mix all_mixes[] = {Mix::azure, Mix::uniform, Mix::anticorrelated, Mix::numa_heavy, Mix::pinned};

std::optional<Mix> parse_mix(std::string_view name);
std::string mix_name(Mix mix);

// One kind of guest and how many of it.
struct Shape {
  int vcpus = 1;
  Bytes memory;
  bool dedicated = false;
  bool hugepages = false;  // 1GiB pages
  std::int64_t count = 0;
};

// `guests` guests of the mix. azure: the shapes of the VMs alive at the start of Azure's 2020
// packing trace (read from `azure_csv`) that the host model holds (7,135 of 7,396: none wider
// than its 48 cores or larger than two of its 190GiB nodes), in their frequencies, scaled by
// largest remainders; the others are drawn from `seed`.
std::vector<Shape> shapes(Mix mix, std::int64_t guests, std::uint32_t seed, const std::string& azure_csv);

// The scenario as YAML: policy, the host pool, and the guests either compact (one entry per
// shape with `count:`) or expanded (one entry per guest, as an inventory export would be).
std::string scenario_yaml(Mix mix, const std::vector<Shape>& shapes, bool expanded);

}  // namespace kvmplan::bench
