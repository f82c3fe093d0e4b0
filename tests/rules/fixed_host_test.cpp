// Fixed host (src/rules/fixed_host.hpp): a guest that names its host runs there.
#include "rules/fixed_host.hpp"

#include "rule_table.hpp"

using namespace kvmplan;
using namespace kvmplan::test;
using rules::FixedHost;

TEST_CASE("rule fixed host: the named host, and only it") {
  auto loaded = load_text(R"(
hosts: [{name: a, memory: 8GiB, cpus: 4}, {name: b, memory: 8GiB, cpus: 4}]
guests: [{name: pinned-to-b, vcpus: 1, memory: 1GiB, host: b}, {name: free, vcpus: 1, memory: 1GiB}]
)");
  REQUIRE_MESSAGE(loaded.ok(), errors_of(loaded));
  const Scenario& s = loaded.scenario;
  CHECK(FixedHost::host_of(s.guests[0]) == std::optional<std::size_t>(1));
  CHECK_FALSE(FixedHost::host_of(s.guests[1]).has_value());
  CHECK(FixedHost::holds(s.guests[0], 1));
  CHECK_FALSE(FixedHost::holds(s.guests[0], 0));
  CHECK(FixedHost::holds(s.guests[1], 0));
  CHECK(FixedHost::violation(s, s.guests[0]) == "moved off its fixed host b");
}
