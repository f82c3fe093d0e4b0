#pragma once
// Patching a given domain with the plan's elements (domain_export.cpp builds them): only those
// change, the rest is kept (docs/libvirt.md, "Patch, don't replace", "Templates").
#include <pugixml.hpp>

#include <string>
#include <vector>

#include "kvmplan/libvirt/domain_export.hpp"

namespace kvmplan::libvirt {

// What a patch needs besides the plan's elements.
struct PatchTarget {
  int vcpus = 1;
  // The CPUs the plan gives the guest's own threads besides its vCPUs (where emulatorpin goes):
  // an <iothreadpin> outside them is re-pinned there. Empty: pins are not checked.
  CpuSet io_cpus;
  // A template, not the guest's own domain: its <name>, <uuid> (and <sysinfo>'s uuid) become
  // the guest's, its interfaces get the guest's stable MAC addresses.
  bool from_template = false;
  std::string guest;
};

// `existing` with the elements of `fresh` (the plan's <domain>) in place of its own: memory,
// currentMemory, vcpu, numatune whole; in cputune the pins, period and quota; in memoryBacking
// hugepages and locked; in memtune the hard limit; in cpu the topology and NUMA cells. What the
// plan makes impossible (a topology of another vCPU count, stale I/O thread pins) is said in
// `warnings`.
std::string patch_domain(const ExistingDomain& existing, pugi::xml_node fresh, const PatchTarget& target, std::vector<std::string>& warnings);

// A warning for each writable disk of a template that makes more than one guest.
void shared_disks(const DomainTemplate& tmpl, std::vector<std::string>& warnings);

// A warning on the later of two domains with one MAC address.
void same_macs(std::vector<DomainXml>& domains);

}  // namespace kvmplan::libvirt
