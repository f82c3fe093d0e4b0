// Test helpers for exported domain XML.
#pragma once

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "kvmplan/libvirt/domain_export.hpp"

namespace kvmplan::test {

// The exported XML of `guest`; fails the test when there is none.
inline std::string domain_of(const std::vector<DomainXml>& domains, const std::string& guest) {
  for (const auto& d : domains) {
    if (d.guest == guest) return d.xml;
  }
  FAIL("no domain for " << guest);
  return {};
}

}  // namespace kvmplan::test
