#include "placement/lower_bound.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <optional>

#include <Eigen/Dense>
#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/max_cardinality_matching.hpp>

#include "rules/demand.hpp"
#include "rules/groups.hpp"
#include "rules/registry.hpp"

namespace kvmplan::placement {

// No plan that places the same guests uses fewer hosts (when every guest is placed: no valid
// plan at all): for each rule that limits a resource of a host, the guests' total demand over
// the most one host offers (each rule's demand and offer, rules/rule.hpp), the guests that each
// need more than half of it, Martello and Toth's L2 over the guests placement decides, and the
// largest set of guests anti-affinity keeps apart (docs/placement.md). Each resource alone: a
// guest large in memory and one large in vCPUs may share a host. Fixed guests stay on their
// host: what they ask of it counts, but never more than that host offers.
namespace {

using Items = std::map<std::int64_t, std::int64_t>;  // size -> guests of that size

}  // namespace

// The linear program over the pools: min sum_p cost[p] x_p subject to sum_p x_p cap[p][k] >=
// need[k], x >= 0, solved by its vertices (each where as many constraints hold with equality as
// there are pools, Eigen's LU solving them). None when some demand no pool offers, or too many
// pools to enumerate (more than 8).
std::optional<double> pools_lp(const std::vector<std::vector<double>>& cap, const std::vector<double>& need,
                               const std::vector<double>& cost) {
  const std::size_t pools = cap.size();
  if (pools < 1 || pools > 8 || cost.size() != pools) return std::nullopt;
  // Rows a.x >= b, normalized by the demand: each resource, then x_p >= 0.
  std::vector<std::vector<double>> rows;
  std::vector<double> rhs;
  for (std::size_t k = 0; k < need.size(); ++k) {
    if (need[k] <= 0) continue;
    std::vector<double> row(pools);
    double most = 0;
    for (std::size_t p = 0; p < pools; ++p) {
      row[p] = cap[p][k] / need[k];
      most = std::max(most, row[p]);
    }
    if (most <= 0) return std::nullopt;
    rows.push_back(std::move(row));
    rhs.push_back(1.0);
  }
  for (std::size_t p = 0; p < pools; ++p) {
    std::vector<double> row(pools, 0.0);
    row[p] = 1.0;
    rows.push_back(std::move(row));
    rhs.push_back(0.0);
  }
  const std::size_t n = rows.size();
  if (n < pools) return std::nullopt;
  std::optional<double> best;
  std::vector<std::size_t> pick(pools);
  for (std::size_t i = 0; i < pools; ++i) pick[i] = i;
  for (;;) {
    Eigen::MatrixXd a(pools, pools);
    Eigen::VectorXd b(pools);
    for (std::size_t i = 0; i < pools; ++i) {
      for (std::size_t p = 0; p < pools; ++p) a(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(p)) = rows[pick[i]][p];
      b(static_cast<Eigen::Index>(i)) = rhs[pick[i]];
    }
    Eigen::FullPivLU<Eigen::MatrixXd> lu(a);
    if (lu.isInvertible()) {
      const Eigen::VectorXd x = lu.solve(b);
      bool feasible = true;
      for (std::size_t r = 0; r < n && feasible; ++r) {
        double v = 0;
        for (std::size_t p = 0; p < pools; ++p) v += rows[r][p] * x(static_cast<Eigen::Index>(p));
        feasible = v >= rhs[r] - 1e-9;
      }
      if (feasible) {
        double sum = 0;
        for (std::size_t p = 0; p < pools; ++p) sum += cost[p] * x(static_cast<Eigen::Index>(p));
        if (!best || sum < *best) best = sum;
      }
    }
    // The next combination of `pools` rows out of n.
    std::size_t i = pools;
    while (i > 0 && pick[i - 1] == n - pools + i - 1) --i;
    if (i == 0) break;
    ++pick[i - 1];
    for (std::size_t j = i; j < pools; ++j) pick[j] = pick[j - 1] + 1;
  }
  if (rows.size() == pools && !best) return 0.0;  // no demand at all
  return best;
}

// Pairs: of the guests over a third of what any host offers of one resource, a host holds two
// at most; two share a host only if, in every resource, they ask together no more than the
// most a host offers. Each host holding two is an edge of a matching of that graph, so the
// hosts number at least those guests less a maximum matching (Edmonds; Boost.Graph's
// maximum cardinality matching). Per resource, while there are at most `most_large` such
// guests (the pairs are looked at one by one) and more of them than `known`, a bound already had.
std::int64_t pairs_bound(const std::vector<std::vector<std::int64_t>>& asks, const std::vector<std::int64_t>& most,
                         const std::vector<std::int64_t>& count, std::int64_t known) {
  constexpr std::int64_t most_large = 4000;
  std::int64_t best = 0;
  for (std::size_t r = 0; r < most.size(); ++r) {
    if (most[r] <= 0) continue;
    std::vector<std::size_t> large;  // specs, once per guest
    std::int64_t n = 0;
    for (std::size_t spec = 0; spec < asks.size() && n <= most_large; ++spec) {
      if (count[spec] == 0 || asks[spec].size() != most.size() || 3 * __int128{asks[spec][r]} <= most[r]) continue;
      n += count[spec];
      for (std::int64_t i = 0; i < count[spec] && static_cast<std::int64_t>(large.size()) <= most_large; ++i) large.push_back(spec);
    }
    // n guests need n hosts at most: no better than a bound already known, not worth a matching.
    if (n < 2 || n > most_large || n <= known) continue;
    boost::adjacency_list<boost::vecS, boost::vecS, boost::undirectedS> g(large.size());
    for (std::size_t a = 0; a < large.size(); ++a) {
      for (std::size_t b = a + 1; b < large.size(); ++b) {
        bool fits = true;
        for (std::size_t k = 0; k < most.size() && fits; ++k) fits = __int128{asks[large[a]][k]} + asks[large[b]][k] <= most[k];
        if (fits) boost::add_edge(a, b, g);
      }
    }
    std::vector<boost::graph_traits<decltype(g)>::vertex_descriptor> mate(large.size());
    boost::edmonds_maximum_cardinality_matching(g, &mate[0]);
    best = std::max(best, n - static_cast<std::int64_t>(boost::matching_size(g, &mate[0])));
  }
  return best;
}

// The fewest hosts of several pools whose capacities, summed per resource, cover the demands:
// any plan's hosts, counted per pool, are a point of the program with every cost 1, so its
// optimum, rounded up, is a bound on hosts (hosts of one pool: the sums already say as much).
std::optional<std::int64_t> pools_bound(const std::vector<std::vector<double>>& cap, const std::vector<double>& need) {
  if (cap.size() < 2) return std::nullopt;
  const auto lp = pools_lp(cap, need, std::vector<double>(cap.size(), 1.0));
  if (!lp) return std::nullopt;
  // Rounded up, less a hair for the arithmetic: 46.9999999 is 47, not 48.
  return static_cast<std::int64_t>(std::ceil(*lp * (1 - 1e-9) - 1e-9));
}

// Martello and Toth's L2 (Martello & Toth, "Lower bounds and reduction procedures for the bin
// packing problem", 1990): for each threshold a <= c/2, the items over c - a each take a bin of
// their own; those over c/2 up to c - a each take one too, and what they leave free can hold
// only items of at least a, so the items from a to c/2 that do not fit in what they leave need
// bins of their own. Bins smaller than c only make it larger: with several host models, c is
// the largest.
std::int64_t l2_bound(const std::map<std::int64_t, std::int64_t>& items, std::int64_t c) {
  if (c <= 0 || items.empty()) return 0;
  std::vector<std::int64_t> size, count;
  std::vector<__int128> below_count{0}, below_sum{0};  // prefix: items before index i
  for (const auto& [sz, n] : items) {
    if (n <= 0) continue;
    size.push_back(std::min(sz, c));
    count.push_back(n);
    below_count.push_back(below_count.back() + n);
    below_sum.push_back(below_sum.back() + __int128{std::min(sz, c)} * n);
  }
  // Items of size in (lo, hi]: by index ranges over the sorted sizes.
  auto upto = [&](__int128 x) {  // the index of the first size above x
    return static_cast<std::size_t>(std::upper_bound(size.begin(), size.end(), x, [](__int128 v, std::int64_t e) { return v < e; }) - size.begin());
  };
  const std::size_t all = size.size();
  const std::size_t half_end = upto(c / 2);  // sizes <= c/2 (2s <= c when c is odd: floor)
  std::int64_t best = 0;
  std::vector<std::int64_t> thresholds{0};
  for (std::size_t i = 0; i < half_end; ++i) thresholds.push_back(size[i]);
  for (std::int64_t a : thresholds) {
    const std::size_t j1 = upto(__int128{c} - a);  // sizes > c - a from here
    const std::size_t j3 = static_cast<std::size_t>(std::lower_bound(size.begin(), size.end(), a) - size.begin());
    const __int128 n1 = below_count[all] - below_count[j1];
    const __int128 n2 = below_count[j1] - below_count[half_end];
    const __int128 s2 = below_sum[j1] - below_sum[half_end];
    const __int128 s3 = j3 < half_end ? below_sum[half_end] - below_sum[j3] : 0;
    const __int128 left = s3 - (n2 * c - s2);
    const __int128 l = n1 + n2 + (left > 0 ? (left + c - 1) / c : 0);
    best = std::max<std::int64_t>(best, static_cast<std::int64_t>(std::min<__int128>(l, std::numeric_limits<std::int64_t>::max())));
  }
  return best;
}

namespace {

struct Resource {
  std::int64_t free = 0;                    // what guests placement decides ask
  std::map<std::int32_t, std::int64_t> fixed;  // per host: what its fixed guests ask
  std::int64_t most = 0;                    // the most one host offers
  std::int64_t large = 0;                   // guests over half of it (fixed: once per host)
  Items items;                              // what each guest placement decides asks
};

std::int64_t hosts_for(std::int64_t need, std::int64_t cap) {
  if (need <= 0 || cap <= 0) return 0;
  return static_cast<std::int64_t>((__int128{need} + cap - 1) / cap);
}

// `placed`: by guest, whether the bound counts it. `fixed_as_free`: count guests fixed on a host
// as free to go anywhere (after a failure they restart on other hosts).
int bound_of(const Scenario& s, const std::vector<char>& placed, bool fixed_as_free) {
  const Policy& p = s.policy;
  std::vector<const Host*> hosts;
  for (const auto& h : s.hosts) hosts.push_back(&h);
  for (const auto& h : s.auto_pools) hosts.push_back(&h);
  std::vector<rules::Capacity> caps;
  for (const Host* h : hosts) caps.push_back(rules::host_capacity(*h, p));
  rules::BoundContext context{Decimal::of(1)};
  bool first = true;
  for (const Host* h : hosts) {
    if (p.memory_limit != MemoryLimit::resident) {
      context.narrowest_memory_ratio = first ? h->memory_ratio : std::min(context.narrowest_memory_ratio, h->memory_ratio);
      first = false;
    }
  }
  // The guests' demands, per rule, once.
  rules::SlotTable slots(s);
  std::vector<rules::Demand> demands;
  for (const auto& spec : s.specs) demands.push_back(rules::make_demand(p, spec, spec.image.empty() ? -1 : 0, &slots));
  // Under usage profiles, the resident memory of the guests placement decides, slot by slot:
  // the hosts hold its peak (each guest's own peak, summed, would be more than a bound).
  std::vector<std::int64_t> resident_by_slot(slots.slots(), 0);
  // And under CPU profiles, the busy vCPUs (thousandths) slot by slot against the most shared
  // CPUs a host has (the busy CPUs rule).
  std::vector<std::int64_t> busy_by_slot(slots.slots(), 0);
  bool busy = false;
  std::map<RuleId, Resource> resources;
  std::map<std::int64_t, Resource> pages;  // hugepages, per page size
  // Under memory_limit: resident, KSM saves at most, per image, what all its guests on one host
  // would: their shared bytes less the largest one's (on several hosts, each keeps its own
  // largest: less). That comes off the resident demand.
  struct ImageTally {
    std::int64_t guests = 0, shared = 0, largest = 0;
  };
  std::map<std::string, ImageTally> images;
  std::vector<char> free_placed(s.guests.size(), 0);
  std::map<std::pair<std::int64_t, std::int32_t>, char> fixed_large;  // (rule id or page size, host) counted already
  std::int64_t fixed_hosts = 0;
  std::map<std::int32_t, char> seen_fixed;
  for (std::size_t g = 0; g < s.guests.size(); ++g) {
    if (!placed[g]) continue;
    const rules::Demand& d = demands[s.guests[g].spec];
    const std::int32_t host = fixed_as_free ? -1 : s.guests[g].host;
    free_placed[g] = host < 0;
    if (host >= 0 && !seen_fixed[host]++) ++fixed_hosts;
    if (d.image >= 0 && p.memory_limit != MemoryLimit::committed) {
      ImageTally& t = images[d.spec->image];
      ++t.guests;
      t.shared += d.shareable.value;
      t.largest = std::max(t.largest, d.shareable.value);
    }
  }
  // Offers first (large guests compare against them), then the demands.
  rules::for_each_place_rule([&](auto rule) {
    using R = decltype(rule);
    if (R::host_key == rules::no_key || !R::applies(p, rules::Scope::host) || R::id == RuleId::hugepages) return;
    Resource& r = resources[R::id];
    for (const auto& c : caps) r.most = std::max(r.most, R::offer(c));
  });
  for (const auto& c : caps) {
    for (const auto& pool : c.page_pools) pages[pool.page_size.value].most = std::max(pages[pool.page_size.value].most, pool.pages);
  }
  std::vector<std::int64_t> free_of_spec(s.specs.size(), 0);
  for (std::size_t g = 0; g < s.guests.size(); ++g) {
    if (!placed[g]) continue;
    const rules::Demand& d = demands[s.guests[g].spec];
    const rules::Add whole = rules::whole(d);
    const std::int32_t host = fixed_as_free ? -1 : s.guests[g].host;
    if (host < 0) ++free_of_spec[s.guests[g].spec];
    if (host < 0 && !resident_by_slot.empty()) {
      for (std::size_t t = 0; t < resident_by_slot.size(); ++t) {
        resident_by_slot[t] += whole.use_slots ? whole.use_slots[t] + whole.resident_fixed.value : whole.resident.value;
        if (whole.busy_slots) busy_by_slot[t] += whole.busy_slots[t];
      }
      busy = busy || whole.busy_slots;
    }
    // `resource`: a rule id, or a page size (never below 4096, so never a rule id).
    auto count = [&](Resource& r, std::int64_t demand, std::int64_t resource, std::int64_t own) {
      if (host < 0) r.free += demand;
      else r.fixed[host] += demand;
      if (2 * own > r.most && (host < 0 || !fixed_large[{resource, host}]++)) ++r.large;
    };
    rules::for_each_place_rule([&](auto rule) {
      using R = decltype(rule);
      if (!resources.count(R::id)) return;
      const std::int64_t demand = R::demand(whole, context);
      // Beside a guest of its image a guest costs less resident memory: its own share at most.
      const std::int64_t own = R::id == RuleId::resident && d.image >= 0 ? demand - d.shareable.value : demand;
      count(resources[R::id], demand, static_cast<std::int64_t>(R::id), own);
    });
    if (whole.pages > 0) count(pages[whole.page_size.value], whole.pages, whole.page_size.value, whole.pages);
  }
  // L2's items: what each guest placement decides asks, by spec (its own share, beside others
  // of its image). Per spec, also its demands side by side, for the pairs below.
  std::vector<std::vector<std::int64_t>> asks(s.specs.size());  // per spec: per resource, then per page size
  std::vector<std::int64_t> most_of;                            // the same order: the most a host offers
  for (std::size_t spec = 0; spec < s.specs.size(); ++spec) {
    const std::int64_t n = free_of_spec[spec];
    if (n == 0) continue;
    const rules::Demand& d = demands[spec];
    const rules::Add whole = rules::whole(d);
    rules::for_each_place_rule([&](auto rule) {
      using R = decltype(rule);
      auto it = resources.find(R::id);
      if (it == resources.end()) return;
      const std::int64_t demand = R::demand(whole, context);
      const std::int64_t own = R::id == RuleId::resident && d.image >= 0 ? demand - d.shareable.value : demand;
      it->second.items[own] += n;
      asks[spec].push_back(own);
    });
    for (auto& [page_size, r] : pages) {
      const std::int64_t own = whole.pages > 0 && whole.page_size.value == page_size ? whole.pages : 0;
      if (own > 0) r.items[own] += n;
      asks[spec].push_back(own);
    }
  }
  rules::for_each_place_rule([&](auto rule) {
    using R = decltype(rule);
    if (auto it = resources.find(R::id); it != resources.end()) most_of.push_back(it->second.most);
  });
  for (const auto& [page_size, r] : pages) most_of.push_back(r.most);
  auto savable = [&] {
    std::int64_t total = 0;
    for (const auto& [image, t] : images) total += t.guests > 1 ? t.shared - t.largest : 0;
    return total;
  };
  auto peak_of_sums = [&] { return resident_by_slot.empty() ? 0 : *std::max_element(resident_by_slot.begin(), resident_by_slot.end()); };
  // Fixed hosts count at most what they offer.
  auto total = [&](const Resource& r, auto offer_of) {
    std::int64_t t = r.free;
    for (const auto& [host, demand] : r.fixed) t += std::min(demand, offer_of(static_cast<std::size_t>(host)));
    return t;
  };
  std::int64_t bound = fixed_hosts;
  rules::for_each_place_rule([&](auto rule) {
    using R = decltype(rule);
    if (!resources.count(R::id)) return;
    const Resource& r = resources[R::id];
    std::int64_t need = total(r, [&](std::size_t host) { return R::offer(caps[host]); });
    if (R::id == RuleId::resident) {
      bound = std::max(bound, hosts_for(need - savable(), r.most));
      if (!resident_by_slot.empty()) bound = std::max(bound, hosts_for(need - r.free + peak_of_sums() - savable(), r.most));
    } else {
      bound = std::max(bound, hosts_for(need, r.most));
    }
    bound = std::max({bound, r.large, l2_bound(r.items, r.most)});
  });
  for (const auto& [page_size, r] : pages) {
    const Bytes size{page_size};  // a copy: clang before 16 cannot capture a structured binding
    const std::int64_t need = total(r, [&](std::size_t host) { return caps[host].pool_pages(size); });
    bound = std::max({bound, hosts_for(need, r.most), r.large, l2_bound(r.items, r.most)});
  }
  if (busy) {
    std::int64_t most_cpus = 0;
    for (const auto& c : caps) most_cpus = std::max<std::int64_t>(most_cpus, c.shared_cpus);
    bound = std::max(bound, hosts_for(*std::max_element(busy_by_slot.begin(), busy_by_slot.end()), 1000 * most_cpus));
  }
  bound = std::max(bound, pairs_bound(asks, most_of, free_of_spec, bound));
  // Several pools and no scenario host: the linear program over the pools' hosts.
  if (s.hosts.empty() && s.auto_pools.size() >= 2) {
    std::vector<std::vector<double>> cap(caps.size());
    std::vector<double> need;
    rules::for_each_place_rule([&](auto rule) {
      using R = decltype(rule);
      if (!resources.count(R::id)) return;
      const Resource& r = resources[R::id];
      std::int64_t total = r.free;
      if (R::id == RuleId::resident) total = std::max(total, peak_of_sums()) - savable();
      need.push_back(static_cast<double>(total));
      for (std::size_t h = 0; h < caps.size(); ++h) cap[h].push_back(static_cast<double>(R::offer(caps[h])));
    });
    for (const auto& [page_size, r] : pages) {
      need.push_back(static_cast<double>(r.free));
      for (std::size_t h = 0; h < caps.size(); ++h) cap[h].push_back(static_cast<double>(caps[h].pool_pages(Bytes{page_size})));
    }
    if (auto lp = pools_bound(cap, need)) bound = std::max(bound, *lp);
  }
  // Guests anti-affinity keeps apart, among those placement decides (fixed ones may break it).
  bound = std::max<std::int64_t>(bound, rules::anti_affinity_clique(s, free_placed));
  return static_cast<int>(bound);
}

}  // namespace

int lower_bound(const Scenario& s, const Plan& plan, bool fixed_as_free) {
  std::vector<char> placed(s.guests.size());
  for (std::size_t g = 0; g < placed.size(); ++g) placed[g] = plan.placements[g].host >= 0;
  return bound_of(s, placed, fixed_as_free);
}

int lower_bound(const Scenario& s, bool fixed_as_free) { return bound_of(s, std::vector<char>(s.guests.size(), 1), fixed_as_free); }

}  // namespace kvmplan::placement
