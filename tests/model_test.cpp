// The per-host model of spec section 3, with the arithmetic in comments.
#include <doctest/doctest.h>

#include <algorithm>

#include "kvmplan/deploy/host_tuning.hpp"
#include "kvmplan/model/model.hpp"
#include "kvmplan/report/size_report.hpp"
#include "placement_util.hpp"
#include "test_util.hpp"

using namespace kvmplan;
using kvmplan::test::errors_of;
using kvmplan::test::load_text;

namespace {

// Sizes the first host of `yaml`, as `kvmplan size` does (its guests fixed on it): the model's
// figures and advice, and the rules the host breaks (check's violations, joined to its warnings).
HostFigures size_first_host(const std::string& yaml) {
  const Loaded l = load_text(yaml);
  REQUIRE_MESSAGE(l.ok(), errors_of(l));
  return size_scenario(l.scenario).hosts.at(0).figures;
}

bool has_warning(const HostFigures& f, const std::string& code) {
  return std::any_of(f.warnings.begin(), f.warnings.end(), [&](const Diagnostic& w) { return w.code == code; });
}

}  // namespace

TEST_CASE("the KVM book example: 32GiB, 64 x 1GiB, 4GiB reserve -> 44GiB of swap") {
  const HostFigures f = size_first_host(R"(
hosts: [{name: kvm01, memory: 32GiB, cpus: 16}]
guests: [{name: g, count: 64, vcpus: 1, memory: 1GiB, host: kvm01}]
)");
  CHECK(f.committed == GiB(64));
  CHECK(f.guest_swap == GiB(36));     // 64 + 4 - 32
  CHECK(f.baseline_swap == GiB(8));   // rhel5, (16, 64]
  CHECK(f.swap == GiB(44));
  CHECK(*f.memory_overcommit == doctest::Approx(2.286));  // 64 / (32 - 4)
  CHECK(f.vcpus == 64);
  CHECK(f.pcpus == 16);
  CHECK(*f.cpu_overcommit == doctest::Approx(4.0));
  CHECK(f.expected_resident == GiB(64));  // usage 1.0
  CHECK(f.ksmtuned.active);
}

TEST_CASE("the RHEL 5 example: 56 guests -> 36GiB of swap") {
  const HostFigures f = size_first_host(R"(
hosts: [{name: server1, memory: 32GiB, cpus: 16}]
guests: [{name: g, count: 56, vcpus: 1, memory: 1GiB, host: server1}]
)");
  CHECK(f.guest_swap == GiB(28));  // 56 + 4 - 32
  CHECK(f.swap == GiB(36));        // + 8
}

TEST_CASE("a host that needs no swap for guests still gets the baseline") {
  const HostFigures f = size_first_host(R"(
hosts: [{name: h, memory: 32GiB, cpus: 16}]
guests: [{name: g, count: 28, vcpus: 1, memory: 1GiB, host: h}]
)");
  CHECK(f.guest_swap == GiB(0));  // 28 + 4 - 32 = 0: exactly full
  CHECK(f.swap == GiB(8));
}

TEST_CASE("hugepage pools and locked guests come out of the overcommit budget") {
  // 64GiB host, 2 x 4 x 1GiB pools = 8GiB of hugepages; a locked 8GiB guest; 80GiB of shared
  // guests; a 4GiB hugepage guest (from the pools, not in committed); reserve 4GiB.
  //   RAM left for swappable memory: 64 - 8 - 8 = 48GiB
  //   guest_swap = 80 + 4 - 48 = 36GiB; baseline rhel5 (16, 64] = 8GiB; swap = 44GiB
  //   memory_overcommit = 80 / (48 - 4) = 1.818
  const HostFigures f = size_first_host(R"(
policy: {memory_ratio: 2}
hosts:
  - name: h
    numa:
      - {cpus: "0-7", memory: 32GiB, hugepages: {1GiB: 4}}
      - {cpus: "8-15", memory: 32GiB, hugepages: {1GiB: 4}}
guests:
  - {name: locked, vcpus: 2, memory: 8GiB, locked: true, host: h}
  - {name: huge, vcpus: 2, memory: 4GiB, hugepages: 1GiB, host: h}
  - {name: shared, count: 10, vcpus: 1, memory: 8GiB, host: h}
)");
  CHECK(f.hugepages == GiB(8));
  CHECK(f.pinned == GiB(8));
  CHECK(f.committed == GiB(80));
  CHECK(f.usable == GiB(44));
  CHECK(f.guest_swap == GiB(36));
  CHECK(f.swap == GiB(44));
  CHECK(*f.memory_overcommit == doctest::Approx(1.818));
  CHECK_FALSE(has_warning(f, "hugepages"));  // 4 pages needed, 8 in the pools
  CHECK_FALSE(has_warning(f, "memory-ratio"));  // 1.818 <= 2
}

TEST_CASE("pool pages no guest takes are named, with what host tuning writes instead") {
  // One node of 32GiB with 1024 x 2MiB pages (2GiB); a 1GiB guest on 2MiB pages takes 512:
  // 512 pages (1GiB) back no guest. They stay out of usable memory (the spec's formula: the host
  // declares them), and host tuning writes the pool at the 512 pages used: the warning says both.
  const std::string hosts = R"(
policy: {host_reserve: 4GiB}
hosts:
  - name: h
    numa:
      - {cpus: "0-7", memory: 32GiB, hugepages: {2MiB: 1024}}
)";
  const HostFigures f = size_first_host(hosts + "guests: [{name: huge, vcpus: 1, memory: 1GiB, hugepages: 2MiB, host: h}]\n");
  CHECK(f.usable == GiB(32 - 2 - 4));
  REQUIRE(has_warning(f, "unused-hugepages"));
  const auto w = std::find_if(f.warnings.begin(), f.warnings.end(), [](const Diagnostic& d) { return d.code == "unused-hugepages"; });
  CHECK(w->message.find("node 0: 512 of its 1024 2MiB pages (1GiB) back no guest") != std::string::npos);
  CHECK(w->message.find("writes the pool at the 512 pages the plan takes") != std::string::npos);
  const auto p = kvmplan::test::place_text(hosts + "guests: [{name: huge, vcpus: 1, memory: 1GiB, hugepages: 2MiB, host: h}]\n");
  const auto tuning = host_tuning(p.scenario(), p.plan);
  REQUIRE(tuning.size() == 1);
  REQUIRE(tuning[0].pools.size() == 1);
  CHECK(tuning[0].pools[0].pages == 512);  // the number the warning names

  // The whole pool taken: nothing to say.
  CHECK_FALSE(has_warning(size_first_host(hosts + "guests: [{name: huge, vcpus: 1, memory: 2GiB, hugepages: 2MiB, host: h}]\n"), "unused-hugepages"));
  // Under ha the whole pool is headroom for guests that restart here, and tuning keeps it.
  std::string ha = hosts;
  ha.replace(ha.find("{host_reserve: 4GiB}"), 20, "{host_reserve: 4GiB, ha: {host_failures: 1}}");
  ha.replace(ha.find("    numa:"), 0, "    count: 2\n");
  CHECK_FALSE(has_warning(size_first_host(ha + "guests: [{name: huge, vcpus: 1, memory: 1GiB, hugepages: 2MiB}]\n"), "unused-hugepages"));
  std::string no_ha = ha;  // the same two hosts without ha: the first host's idle pages are named
  no_ha.replace(no_ha.find("host_failures: 1"), 16, "host_failures: 0");
  CHECK(has_warning(size_first_host(no_ha + "guests: [{name: huge, vcpus: 1, memory: 1GiB, hugepages: 2MiB}]\n"), "unused-hugepages"));
}

TEST_CASE("hugepage guests that do not fit the pools") {
  // 3 guests x 2GiB on 1GiB pages need 2 pages each: 6 > 4. (1.5GiB on 1GiB pages is refused
  // at load: QEMU backs a guest with whole pages.)
  const HostFigures f = size_first_host(R"(
hosts:
  - name: h
    numa: [{cpus: "0-7", memory: 32GiB, hugepages: {1GiB: 4, 2MiB: 1024}}]
guests:
  - {name: huge, count: 3, vcpus: 1, memory: 2GiB, hugepages: 1GiB, host: h}
  - {name: small, vcpus: 1, memory: 1GiB, hugepages: 2MiB, host: h}
)");
  REQUIRE(has_warning(f, "hugepages"));
  // The host over its pools, and its one node over its own: the same pages, two places.
  std::vector<std::string> over;
  for (const auto& w : f.warnings) {
    if (w.code == "hugepages") over.push_back(w.path + ": " + w.message);
  }
  CHECK(over == std::vector<std::string>{"h: 6 hugepages of 1GiB used, 4 in the pools", "h node 0: 6 hugepages of 1GiB used, 4 in the pools"});
}

TEST_CASE("guest overhead: oVirt's formula and a fixed size, counted for every guest") {
  // oVirt: memory / 512 + 64MiB + 8MiB per vCPU. 2GiB, 2 vCPUs: 4MiB + 64MiB + 16MiB = 84MiB.
  Policy p = default_policy();
  GuestSpec spec;
  spec.vcpus = 2;
  spec.memory = GiB(2);
  REQUIRE(find_knob("guest_overhead")->set(p, "ovirt").empty());
  CHECK(guest_overhead(p, spec) == MiB(84));
  REQUIRE(find_knob("guest_overhead")->set(p, "100MiB").empty());
  CHECK(guest_overhead(p, spec) == MiB(100));
  REQUIRE(find_knob("guest_overhead")->set(p, "none").empty());
  CHECK(guest_overhead(p, spec) == Bytes{0});

  // On a host: a shared 2GiB guest and a hugepage 2GiB guest, both 2 vCPUs, ovirt overhead.
  // committed = 2GiB + 84MiB + 84MiB (the hugepage guest's QEMU is swappable too).
  const HostFigures f = size_first_host(R"(
policy: {guest_overhead: ovirt}
hosts:
  - name: h
    numa: [{cpus: "0-7", memory: 16GiB, hugepages: {1GiB: 2}}]
guests:
  - {name: a, vcpus: 2, memory: 2GiB, host: h}
  - {name: b, vcpus: 2, memory: 2GiB, hugepages: 1GiB, host: h}
)");
  CHECK(f.committed == GiB(2) + MiB(168));
  // Expected use of the swappable guest, and both overheads (spec section 3: "the overheads of
  // all guests, as in committed"): the hugepage guest's RAM is in its pool, its QEMU is not.
  CHECK(f.expected_resident == GiB(2) + MiB(168));
}

TEST_CASE("expected use: usage times memory, capped by the balloon target") {
  GuestSpec s;
  s.memory = GiB(4);
  s.usage = *Decimal::parse("0.5");
  CHECK(expected_use(s) == GiB(2));
  s.current_memory = GiB(1);
  CHECK(expected_use(s) == GiB(1));  // min(2GiB, 1GiB)
  s.current_memory = GiB(3);
  CHECK(expected_use(s) == GiB(2));
  s.usage = *Decimal::parse("0.1");
  s.memory = GiB(10);
  s.current_memory.reset();
  CHECK(expected_use(s) == GiB(1));  // exact: no stray byte from 0.1 in binary
}

TEST_CASE("ballooning and KSM lower expected use, never the swap the rule requires") {
  const std::string host = "hosts: [{name: h, memory: 32GiB, cpus: 16}]\n";
  // 48 guests ballooned to 512MiB: 24GiB resident before KSM, so free = 32 - 24 - 4 (reserve)
  // = 4GiB <= 6.4GiB (ksmtuned's threshold): KSM runs and saves 48 x 512MiB - 512MiB (half of
  // 1GiB shareable, within the 512MiB each uses).
  const HostFigures plain = size_first_host(host + "guests: [{name: g, count: 48, vcpus: 1, memory: 1GiB, host: h}]\n");
  const HostFigures shrunk = size_first_host(
      "policy: {ksm: {shareable: 0.5}}\n" + host +
      "guests: [{name: g, count: 48, vcpus: 1, memory: 1GiB, current_memory: 512MiB, image: rhel9, host: h}]\n");
  CHECK(shrunk.expected_resident < plain.expected_resident);
  CHECK(shrunk.ksmtuned.active);
  CHECK(shrunk.ksm_savings == MiB(47 * 512));
  CHECK(shrunk.committed == plain.committed);
  CHECK(shrunk.guest_swap == plain.guest_swap);  // 48 + 4 - 32 = 20GiB either way
  CHECK(shrunk.guest_swap == GiB(20));
  CHECK(shrunk.swap == plain.swap);
}

TEST_CASE("memory_ratio border: equal is within, one byte more warns") {
  // usable = 32 - 4 = 28GiB; ratio 1.5 allows 42GiB committed.
  const std::string host = "hosts: [{name: h, memory: 32GiB, cpus: 16, memory_ratio: 1.5}]\n";
  CHECK_FALSE(has_warning(size_first_host(host + "guests: [{name: g, count: 42, vcpus: 1, memory: 1GiB, host: h}]\n"), "memory-ratio"));
  CHECK(has_warning(size_first_host(host + "guests: [{name: g, count: 42, vcpus: 1, memory: 1GiB, host: h},"
                                           " {name: x, vcpus: 1, memory: 1b, host: h}]\n"), "memory-ratio"));
}

TEST_CASE("CPU warnings: RHEL's 5 per CPU, cpu_ratio, 10 per core, guests wider than the host") {
  // 16 threads, 2 per core (8 cores); CPUs 0,8 reserved (one core), so 14 shared CPUs, 7 cores.
  const std::string host =
      "hosts: [{name: h, memory: 256GiB, cpus: 16, threads_per_core: 2, reserved_cpus: '0,8', cpu_ratio: 6}]\n";
  auto with = [&](int vcpus) {
    return size_first_host(host + "guests: [{name: g, count: " + std::to_string(vcpus) +
                           ", vcpus: 1, memory: 1GiB, host: h}]\n");
  };
  const HostFigures at5 = with(70);  // 70 / 14 = 5.0: not above 5
  CHECK(at5.pcpus == 14);
  CHECK(at5.shared_cores == 7);
  CHECK_FALSE(has_warning(at5, "cpu-safe"));
  const HostFigures over5 = with(71);  // 5.07 > 5
  CHECK(has_warning(over5, "cpu-safe"));
  CHECK_FALSE(has_warning(over5, "cpu-ratio"));  // 71 <= 6 x 14 = 84
  CHECK_FALSE(has_warning(with(84), "cpu-ratio"));
  CHECK(has_warning(with(85), "cpu-ratio"));
  CHECK_FALSE(has_warning(with(70), "cpu-core"));  // 70 / 7 cores = 10.0
  CHECK(has_warning(with(71), "cpu-core"));

  // 8 cores, 16 threads: a 9-vCPU guest is too wide by cores, not by threads.
  const std::string wide = "guests: [{name: w, vcpus: 9, memory: 1GiB, host: h}]\n";
  const HostFigures by_cores = size_first_host(host + wide);
  REQUIRE(has_warning(by_cores, "vcpu-limit"));
  CHECK(by_cores.warnings.back().path == "w");
  CHECK(by_cores.warnings.back().message == "9 vCPUs, more than the host's 8 cores");
  CHECK_FALSE(has_warning(size_first_host("policy: {vcpu_limit: threads}\n" + host + wide), "vcpu-limit"));
}

TEST_CASE("dedicated guests: from dedicated_cpus, or out of the shared CPUs") {
  // 16 CPUs, 8-15 dedicated: shared 8; a 4-vCPU dedicated guest uses the dedicated set.
  const HostFigures with_set = size_first_host(R"(
hosts: [{name: h, memory: 64GiB, cpus: 16, dedicated_cpus: "8-15"}]
guests:
  - {name: pinned, vcpus: 4, memory: 4GiB, cpu_policy: dedicated, host: h}
  - {name: s, count: 8, vcpus: 2, memory: 1GiB, host: h}
)");
  CHECK(with_set.pcpus == 8);
  CHECK(with_set.vcpus == 16);
  CHECK(with_set.dedicated_vcpus == 4);
  CHECK(with_set.dedicated_pcpus == 8);
  CHECK(*with_set.cpu_overcommit == doctest::Approx(2.0));
  // Without a dedicated set the pinned guest's 4 CPUs leave the shared pool: 16 - 4 = 12.
  const HostFigures without = size_first_host(R"(
hosts: [{name: h, memory: 64GiB, cpus: 16}]
guests:
  - {name: pinned, vcpus: 4, memory: 4GiB, cpu_policy: dedicated, host: h}
  - {name: too-many, vcpus: 14, memory: 4GiB, cpu_policy: dedicated, host: h}
)");
  CHECK(without.pcpus == 0);
  CHECK(has_warning(without, "dedicated"));  // 18 dedicated vCPUs, 16 CPUs
}

TEST_CASE("declared swap: a deficit is reported, a surplus is not") {
  const std::string guests = "guests: [{name: g, count: 64, vcpus: 1, memory: 1GiB, host: h}]\n";
  const HostFigures short_ = size_first_host("hosts: [{name: h, memory: 32GiB, cpus: 16, swap: 40GiB}]\n" + guests);
  CHECK(short_.swap_deficit == GiB(4));  // needs 44
  CHECK(has_warning(short_, "swap-deficit"));
  const HostFigures enough = size_first_host("hosts: [{name: h, memory: 32GiB, cpus: 16, swap: 44GiB}]\n" + guests);
  CHECK(enough.swap_deficit == Bytes{0});
  CHECK_FALSE(has_warning(enough, "swap-deficit"));
}

TEST_CASE("locked memory beyond RAM, and no memory left at all") {
  const HostFigures f = size_first_host(R"(
hosts: [{name: h, memory: 8GiB, cpus: 4}]
guests: [{name: l, count: 2, vcpus: 1, memory: 5GiB, locked: true, host: h}]
)");
  CHECK(has_warning(f, "locked"));
  CHECK(has_warning(f, "no-memory"));
  CHECK_FALSE(f.memory_overcommit.has_value());
  // RAM for swappable memory: 8 - 10 = -2GiB; guest_swap = 0 + 4 - (-2) = 6GiB.
  CHECK(f.guest_swap == GiB(6));
}

TEST_CASE("KSM needed to fit, and resident memory beyond RAM") {
  // usable = 32 - 4 = 28GiB. 32 guests x 1GiB used, half shareable within one image:
  // savings = 31 x 0.5GiB = 15.5GiB; resident 32 - 15.5 = 16.5GiB: fits only with KSM.
  const HostFigures f = size_first_host(R"(
policy: {memory_ratio: 2}
hosts: [{name: h, memory: 32GiB, cpus: 16}]
guests: [{name: g, count: 32, vcpus: 1, memory: 1GiB, image: rhel9, ksm_shareable: 0.5, host: h}]
)");
  CHECK(f.ksm_savings == MiB(15872));
  CHECK(f.expected_resident == MiB(16896));
  CHECK(has_warning(f, "ksm-needed"));
  CHECK_FALSE(has_warning(f, "resident"));
}
