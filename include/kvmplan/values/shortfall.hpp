#pragma once
// Why a guest does not fit a place, or why a place breaks a rule, as data: which rule, about
// what, how much was needed and how much was free. Placement's reasons, check's violations and
// size's warnings all carry them (diagnostics.hpp). The rules themselves are src/rules, one
// file each; docs/placement.md lists them. A value type, so that every stage may carry it.
#include <cstdint>
#include <string>
#include <string_view>

namespace kvmplan {

// Every rule of the plan, in the order placement evaluates them (src/rules/registry.hpp).
enum class RuleId : std::uint8_t {
  fixed_host, vcpu_limit, numa_cells, cell_memory, cell_cpus, memory_ratio, resident, locked, declared_swap,
  hugepages, cpu_ratio, dedicated, affinity, anti_affinity, host_failures, zone_failures, cpu_busy,
};

// The stable code of a rule ("memory-ratio"): warning codes in `size`, "rule" in JSON.
std::string_view rule_code(RuleId rule);
// Its name for people ("memory ratio").
std::string_view rule_name(RuleId rule);

// What the amounts of a shortfall count.
enum class Unit : std::uint8_t { bytes, vcpus, cpus, pages, nodes, guests };

struct Shortfall {
  RuleId rule = RuleId::memory_ratio;
  std::string subject;         // what the limit is of: "node 1", "1GiB pages", "group db-ha"; "" for the host
  std::int64_t need = 0;       // what the guest (or, in a violation, the guests there) asks
  std::int64_t free = 0;       // what the place had left for it (negative: already over)
  std::int64_t capacity = 0;   // what the place offers in all under the rule
  Unit unit = Unit::bytes;
};

// "memory ratio on node 1: needs 8GiB, 6GiB free of 42GiB".
std::string to_string(const Shortfall& s);
// An amount in its unit: "8GiB", "4 vCPUs", "16 pages".
std::string amount_text(std::int64_t amount, Unit unit);

}  // namespace kvmplan
