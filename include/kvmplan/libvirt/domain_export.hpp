#pragma once
// A plan out as libvirt domain XML: one complete minimal <domain type='kvm'> per placed guest
// (docs/libvirt.md).
#include <string>
#include <vector>

#include "kvmplan/plan/plan_reader.hpp"
#include "kvmplan/scenario/scenario.hpp"

namespace kvmplan {

// One guest's libvirt domain: a complete minimal <domain type='kvm'> that carries the plan.
struct DomainXml {
  std::string guest;
  std::string xml;
  std::vector<std::string> warnings;  // what the domain could not keep of the plan, for people
};

// The domains of every placed guest of `plan` (read from a placement document), in plan order.
std::vector<DomainXml> export_domains(const Scenario& scenario, const PlanDocument& plan);

}  // namespace kvmplan
