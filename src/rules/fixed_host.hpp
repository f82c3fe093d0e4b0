#pragma once
// Fixed host: a guest that names its `host` runs there, whatever else it breaks (placement puts
// it there even when it does not fit, and check and size report what it breaks). Source: spec
// section 2 (guests.host); Nova's forced host.
#include <cstddef>
#include <optional>
#include <string>

#include "kvmplan/scenario/scenario.hpp"
#include "kvmplan/values/shortfall.hpp"

namespace kvmplan::rules {

struct FixedHost {
  static constexpr RuleId id = RuleId::fixed_host;
  // The index (in Scenario::hosts) of the host the guest must run on, or none.
  static std::optional<std::size_t> host_of(const Guest& g) {
    return g.host < 0 ? std::nullopt : std::optional<std::size_t>(static_cast<std::size_t>(g.host));
  }
  static bool holds(const Guest& g, std::size_t host) { return g.host < 0 || static_cast<std::size_t>(g.host) == host; }
  // "moved off its fixed host kvm01"
  static std::string violation(const Scenario& s, const Guest& g) {
    return "moved off its fixed host " + s.hosts[static_cast<std::size_t>(g.host)].name;
  }
};

}  // namespace kvmplan::rules
