#include "kvmplan/values/shortfall.hpp"

#include <array>

#include "kvmplan/values/bytes.hpp"

namespace kvmplan {
namespace {

struct Names {
  std::string_view code, name;
};
// In RuleId order.
constexpr std::array<Names, 17> names{{
    {"fixed-host", "fixed host"},
    {"vcpu-limit", "vCPU limit"},
    {"numa-cells", "NUMA cells"},
    {"cell-memory", "cell memory"},
    {"cell-cpus", "cell CPUs"},
    {"memory-ratio", "memory ratio"},
    {"resident", "resident memory"},
    {"locked", "locked memory"},
    {"swap-deficit", "declared swap"},
    {"hugepages", "hugepages"},
    {"cpu-ratio", "cpu ratio"},
    {"dedicated", "dedicated CPUs"},
    {"affinity", "affinity"},
    {"anti-affinity", "anti-affinity"},
    {"host-failures", "host failures"},
    {"zone-failures", "zone failures"},
    {"cpu-busy", "busy CPUs"},
}};

}  // namespace

std::string_view rule_code(RuleId rule) { return names[static_cast<std::size_t>(rule)].code; }
std::string_view rule_name(RuleId rule) { return names[static_cast<std::size_t>(rule)].name; }

std::string amount_text(std::int64_t amount, Unit unit) {
  const std::string n = std::to_string(amount);
  switch (unit) {
    case Unit::bytes: return amount < 0 ? "-" + to_human(Bytes{-amount}) : to_human(Bytes{amount});
    case Unit::vcpus: return n + (amount == 1 ? " vCPU" : " vCPUs");
    case Unit::cpus: return n + (amount == 1 ? " CPU" : " CPUs");
    case Unit::pages: return n + (amount == 1 ? " page" : " pages");
    case Unit::nodes: return n + (amount == 1 ? " node" : " nodes");
    case Unit::guests: return n + (amount == 1 ? " guest" : " guests");
  }
  return n;
}

std::string to_string(const Shortfall& s) {
  std::string out(rule_name(s.rule));
  if (!s.subject.empty()) out += " on " + s.subject;
  out += ": needs " + amount_text(s.need, s.unit) + ", " + amount_text(s.free, s.unit) + " free of " + amount_text(s.capacity, s.unit);
  return out;
}

}  // namespace kvmplan
