// Test helpers for exported domain XML.
#pragma once

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "kvmplan/libvirt/domain_export.hpp"
#include "kvmplan/scenario/scenario.hpp"

namespace kvmplan::test {

// The exported XML of `guest`; fails the test when there is none.
inline std::string domain_of(const std::vector<DomainXml>& domains, const std::string& guest) {
  for (const auto& d : domains) {
    if (d.guest == guest) return d.xml;
  }
  FAIL("no domain for " << guest);
  return {};
}

// A guest imported from exported XML is the guest that was exported: every key a domain carries.
inline void check_same_guest(const GuestSpec& imported, const GuestSpec& was) {
  CHECK(imported.vcpus == was.vcpus);
  CHECK(imported.memory == was.memory);
  CHECK(imported.current_memory == was.current_memory);
  CHECK(imported.hugepages == was.hugepages);
  CHECK(imported.locked == was.locked);
  CHECK(imported.cpu_policy == was.cpu_policy);
  CHECK(imported.cpu_quota == was.cpu_quota);
  CHECK(imported.numa_nodes == was.numa_nodes);
}

}  // namespace kvmplan::test
