// KSM savings and ksmtuned's behaviour (docs/model.md section 5).
#include <doctest/doctest.h>

#include "kvmplan/model/ksm.hpp"
#include "kvmplan/model/model.hpp"
#include "test_util.hpp"

using namespace kvmplan;

TEST_CASE("savings per image: the shares less the largest, one copy of the common pages kept") {
  std::vector<KsmShare> shares;
  // Image a: 3 guests x 1GiB shareable -> 3GiB - 1GiB = 2GiB, (n - 1) x share for equal shares.
  for (int i = 0; i < 3; ++i) shares.push_back({"a", -1, GiB(1)});
  // Image b: 512MiB and 1GiB -> 1.5GiB - 1GiB = 512MiB: only the smaller one's pages can all
  // find a twin (the mean would say 768MiB).
  shares.push_back({"b", -1, MiB(512)});
  shares.push_back({"b", -1, GiB(1)});
  // Image c alone: nothing to share with. No image: never merged.
  shares.push_back({"c", -1, GiB(4)});
  shares.push_back({"", -1, GiB(4)});
  shares.push_back({"", -1, GiB(4)});
  CHECK(ksm_savings(shares) == GiB(2) + MiB(512));
}

TEST_CASE("savings with unequal shares: a 20GiB guest beside a 1GiB guest saves the small one's share") {
  // 10GiB shareable beside 0.5GiB: at most 0.5GiB can merge (the issue's example; the mean
  // formula credited 5376MiB).
  const std::vector<KsmShare> shares{{"a", -1, GiB(10)}, {"a", -1, MiB(512)}};
  CHECK(ksm_savings(shares) == MiB(512));
}

TEST_CASE("savings per node when pages do not merge across nodes") {
  // Image a on nodes 0, 0, 1: node 0 saves 1 x 1GiB, node 1 has one guest and saves nothing.
  const std::vector<KsmShare> shares{{"a", 0, GiB(1)}, {"a", 0, GiB(1)}, {"a", 1, GiB(1)}};
  CHECK(ksm_savings(shares) == GiB(1));
  // The same guests merging across nodes: 2 x 1GiB.
  const std::vector<KsmShare> across{{"a", -1, GiB(1)}, {"a", -1, GiB(1)}, {"a", -1, GiB(1)}};
  CHECK(ksm_savings(across) == GiB(2));
}

TEST_CASE("savings are not capped at half of RAM") {
  // 100 x 1GiB of one image save 99GiB, whatever the RAM: RHEL 6's max_kernel_pages limited
  // distinct merged pages, not savings, and left the kernel in 2.6.33.
  const std::vector<KsmShare> shares(100, KsmShare{"a", -1, GiB(1)});
  CHECK(ksm_savings(shares) == GiB(99));
}

TEST_CASE("on a host: hugepage and locked guests are never merged, and per node with merge_across_nodes false") {
  // A 32GiB reserve: free = 64 - 8 (pools) - 12 (RSS: 4 x 2GiB used, 2 x 2GiB locked) - 32 =
  // 12GiB <= 12.8GiB, so ksmtuned runs KSM (with a small reserve it would not, and save nothing).
  const auto l = kvmplan::test::load_text(R"(
policy: {ksm: {merge_across_nodes: false}, host_reserve: 32GiB}
hosts:
  - name: h
    numa:
      - {cpus: "0-7", memory: 32GiB, hugepages: {1GiB: 8}}
      - {cpus: "8-15", memory: 32GiB}
guests:
  - {name: s, count: 4, vcpus: 1, memory: 2GiB, image: rhel9, ksm_shareable: 1GiB, host: h}
  - {name: huge, count: 2, vcpus: 1, memory: 2GiB, image: rhel9, ksm_shareable: 1GiB, hugepages: 1GiB, host: h}
  - {name: locked, count: 2, vcpus: 1, memory: 2GiB, image: rhel9, ksm_shareable: 1GiB, locked: true, host: h}
)");
  REQUIRE_MESSAGE(l.ok(), kvmplan::test::errors_of(l));
  const Scenario& s = l.scenario;
  // Guests 0-3 are the shareable ones: two on node 0, two on node 1.
  std::vector<GuestOnHost> on{{0, {0}}, {1, {0}}, {2, {1}}, {3, {1}}, {4, {0}}, {5, {0}}, {6, {1}}, {7, {1}}};
  const HostFigures per_node = size_host(s, s.hosts[0], on);
  CHECK(per_node.ksm_savings == GiB(2));  // node 0: 1 x 1GiB, node 1: 1 x 1GiB
  // Not tied to nodes, with pages merged only within a node: each guest's pages spread over
  // both nodes, and each node keeps its own copy of a common page: 4 x 1GiB - 2 x 1GiB = 2GiB
  // (merging across nodes, 3GiB).
  std::vector<GuestOnHost> loose;
  for (std::uint32_t i = 0; i < 8; ++i) loose.push_back({i, {}});
  CHECK(size_host(s, s.hosts[0], loose).ksm_savings == GiB(2));
}

TEST_CASE("guests bound to no node keep a copy of their common pages per node when merging stays in a node") {
  // Spread over 2 nodes: n guests keep min(n, 2) copies. 1 guest: nothing; 2 guests: 2 - 2 x 1
  // = nothing either (each node has one copy of each); 5 guests: 5 - 2 = 3GiB.
  CHECK(ksm_savings({{"a", -1, GiB(1), 2}, {"a", -1, GiB(1), 2}}) == Bytes{});
  std::vector<KsmShare> five(5, KsmShare{"a", -1, GiB(1), 2});
  CHECK(ksm_savings(five) == GiB(3));
  five.assign(5, KsmShare{"a", -1, GiB(1), 1});
  CHECK(ksm_savings(five) == GiB(4));  // merged across nodes: one copy
}

TEST_CASE("shareable memory never exceeds what the guest is expected to use") {
  // usage 0.25 of 4GiB = 1GiB resident; ksm_shareable 0.5 (2GiB) is capped to 1GiB. A 56GiB
  // reserve leaves free = 64 - 2 - 56 = 6GiB <= 12.8GiB: ksmtuned runs KSM.
  const auto l = kvmplan::test::load_text(R"(
policy: {host_reserve: 56GiB}
hosts: [{name: h, memory: 64GiB, cpus: 16}]
guests: [{name: g, count: 2, vcpus: 1, memory: 4GiB, usage: 0.25, image: x, ksm_shareable: 0.5, host: h}]
)");
  REQUIRE(l.ok());
  std::vector<GuestOnHost> on{{0, {}}, {1, {}}};
  CHECK(size_host(l.scenario, l.scenario.hosts[0], on).ksm_savings == GiB(1));
}

TEST_CASE("ksmtuned's threshold and sleep, in its own kB arithmetic") {
  struct Row {
    Bytes ram;
    std::int64_t thres_kb;  // max(total_kb x 20 / 100, 2048), integer division
    int sleep;              // max(10, 10 x 16777216 / total_kb)
  };
  const Row rows[] = {
      {MiB(8), 2048, 20480},       // 8192 kB x 20% = 1638 < 2048: the floor applies
      {GiB(2), 419430, 80},        // 2097152 kB x 20 / 100 = 419430.4 -> 419430
      {GiB(8), 1677721, 20},
      {GiB(16), 3355443, 10},
      {GiB(32), 6710886, 10},      // 10 x 16GiB / 32GiB = 5 -> at least 10
      {GiB(512), 107374182, 10},
  };
  for (const Row& r : rows) {
    CAPTURE(r.ram.value);
    const Ksmtuned k = predict_ksmtuned(r.ram, Bytes{0});
    CHECK(k.threshold == KiB(r.thres_kb));
    CHECK(k.sleep_millisecs == r.sleep);
  }
}

TEST_CASE("ksmtuned starts KSM when resident + thres >= RAM: both sides of the border") {
  for (const Bytes ram : {GiB(2), GiB(8), GiB(16), GiB(32), GiB(512)}) {
    CAPTURE(ram.value);
    const Bytes thres = predict_ksmtuned(ram, Bytes{0}).threshold;
    CHECK(predict_ksmtuned(ram, ram - thres).active);                 // equality starts it
    CHECK_FALSE(predict_ksmtuned(ram, ram - thres - Bytes{1}).active);
    CHECK(predict_ksmtuned(ram, ram).active);
  }
}

TEST_CASE("ksmtuned's free-memory term: both sides of its border") {
  // 64GiB, thres 12.8GiB (13421772 kB), 16GiB of pools, a 4GiB reserve. RSS term: KSM at
  // rss >= 64 - 12.8 = 51.2GiB. Free term: free = 64 - 16 - rss - 4 <= 12.8, so rss >= 31.2GiB:
  // it decides first here.
  const Bytes ram = GiB(64), pools = GiB(16), reserve = GiB(4);
  const Bytes thres = predict_ksmtuned(ram, Bytes{0}).threshold;
  const Bytes border = ram - pools - reserve - thres;
  CHECK(ksmtuned_runs(ram, border, pools, reserve));
  CHECK_FALSE(ksmtuned_runs(ram, border - Bytes{1}, pools, reserve));
  // Without pools and reserve the two terms are one: rss + thres >= RAM.
  CHECK(ksmtuned_runs(ram, ram - thres));
  CHECK_FALSE(ksmtuned_runs(ram, ram - thres - Bytes{1}));
  // A reserve as large as RAM leaves no free memory: the free term starts KSM with no guest.
  CHECK(ksmtuned_runs(ram, Bytes{0}, Bytes{0}, GiB(64)));
}

TEST_CASE("no savings where ksmtuned leaves KSM off") {
  // 64GiB host, 8 guests of 2GiB of one image, half shareable: 16GiB of RSS, free = 64 - 16 -
  // 4 = 44GiB > 12.8GiB: KSM stays off, and nothing is saved (the shares would give 7GiB).
  const auto l = kvmplan::test::load_text(R"(
policy: {ksm: {shareable: 0.5}}
hosts: [{name: h, memory: 64GiB, cpus: 16}]
guests: [{name: g, count: 8, vcpus: 1, memory: 2GiB, image: x, host: h}]
)");
  REQUIRE(l.ok());
  std::vector<GuestOnHost> on;
  for (std::uint32_t i = 0; i < 8; ++i) on.push_back({i, {}});
  const HostFigures f = size_host(l.scenario, l.scenario.hosts[0], on);
  CHECK_FALSE(f.ksmtuned.active);
  CHECK(f.ksm_savings == Bytes{});
  CHECK(f.expected_resident == GiB(16));
}
