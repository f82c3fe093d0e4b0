#pragma once
// vCPU limit: no guest has more vCPUs than its host has physical cores (threads, with
// vcpu_limit: threads): SMP guests beyond that degrade badly. Knob: vcpu_limit. Source: RHEL
// 6/7 Virtualization guides (docs/model.md section 4). (VcpuLimitRule: kvmplan::VcpuLimit is
// the policy knob's enum.)
#include <string>

#include "kvmplan/values/shortfall.hpp"
#include "kvmplan/scenario/scenario.hpp"

namespace kvmplan::rules {

struct VcpuLimitRule {
  static constexpr RuleId id = RuleId::vcpu_limit;
  static int limit(const Host& h, const Policy& p) { return p.vcpu_limit == VcpuLimit::threads ? h.cpus.count() : h.core_count(); }
  static bool holds(const Host& h, const Policy& p, int vcpus) { return vcpus <= limit(h, p); }
  static Shortfall shortfall(const Host& h, const Policy& p, int vcpus) { return {id, {}, vcpus, limit(h, p), limit(h, p), Unit::vcpus}; }
  // "24 vCPUs, more than the host's 16 cores"
  static std::string violation(const Host& h, const Policy& p, int vcpus) {
    return std::to_string(vcpus) + " vCPUs, more than the host's " + std::to_string(limit(h, p)) +
           (p.vcpu_limit == VcpuLimit::threads ? " threads" : " cores");
  }
};

}  // namespace kvmplan::rules
