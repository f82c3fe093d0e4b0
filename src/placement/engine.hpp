#pragma once
// The placement engine: order, filter, score, reserve (docs/placement.md). The rules (src/rules)
// decide what fits; the scorers (scorers.hpp) which of the places that fit; the engine only
// orders the guests, asks, and commits. Private to src/placement.
#include <cstdint>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "kvmplan/placement/place.hpp"
#include "placement/demands.hpp"
#include "placement/fleet.hpp"

namespace kvmplan::placement {

class Engine {
 public:
  // `lookahead`: with several pools, the bin-centric fill charges a class for the room it
  // would strand on its node (fill.cpp); false: the plain dot product, as with one pool.
  Engine(const Scenario& s, bool spread, PlaceOptions::Order order, std::size_t hosts_expected, bool lookahead = true);

  // Places every guest; `preopen`: hosts to open from each pool first (spread).
  Plan run(const std::vector<int>& preopen);
  // The same in steps: place, then (optionally) search, then finish, once each.
  void place(const std::vector<int>& preopen);
  // When more hosts are used than `bound` and every guest is placed: empties hosts, moving and
  // swapping guests through the rules, within `steps` (search.cpp). Returns the hosts emptied.
  int search(int bound, std::int64_t steps);
  Plan finish();
  int hosts_used() const;
  // What the hosts in use cost (each its entry's `cost:`, 1 by default).
  double cost_used() const;
  // The search proved that no plan places these guests on fewer hosts.
  bool proven_optimal() const { return proven_; }
  std::size_t unplaced() const { return plan_.unplaced.size(); }
  // Hosts opened per pool, once run.
  const std::vector<int>& opened() const { return opened_; }

  // Re-planning (replan.cpp), before place(): the pool hosts of the earlier plan, under their
  // names; the guests that stay, each where the plan has it when every rule still holds there
  // (its nodes and pins too when they still fit; else others on that host). False: it moves.
  std::size_t reopen(const Host& host, int pool) { return fleet_.reopen(host, pool); }
  void number_from(std::size_t pool, std::size_t next, std::size_t width) { fleet_.number_from(pool, next, width); }
  bool keep(std::uint32_t g, std::size_t h, const NodeList& nodes, const Placement::Pins& pins);
  // After place(): empties hosts in use, those with the fewest guests first, each only when all
  // its guests go to other hosts in use and the moves it costs fit in `budget` (a guest costs
  // one when it is still on `home[g]`, where the plan had it). Returns the moves made; the hosts
  // emptied go to `emptied`.
  int empty_hosts(int budget, const std::vector<std::int32_t>& home, std::vector<std::size_t>& emptied);
  // Pool hosts that run no guest leave the plan in finish() (a re-plan without failures).
  void drop_idle_pool_hosts() { emptied_.assign(fleet_.size(), 1); }
  const std::string& host_name(std::size_t h) const { return fleet_.state(h).host->name; }
  const Placement& placement(std::uint32_t g) const { return plan_.placements[g]; }

 private:
  // engine.cpp: guest by guest.
  const Demand& demand(std::uint32_t g) const { return demands_.of(g); }
  std::span<const std::uint32_t> groups_of(std::uint32_t g) const { return s_.spec(s_.guests[g]).groups; }
  rules::GroupCheck check_groups(std::uint32_t g, std::size_t h, bool soft_as_hard) const;
  void commit(std::uint32_t g, std::size_t h, Fit f, bool update_index = true);
  bool place_one(std::uint32_t g);
  void place_unit(std::span<const std::uint32_t> unit);
  bool place_together(std::span<const std::uint32_t> members);
  bool try_together(std::span<const std::uint32_t> members, std::size_t h, bool soft_as_hard);
  Keys needs_together(std::span<const std::uint32_t> members);
  template <class Accept>
  std::size_t best_of_first(std::uint32_t g, Accept& accept, std::size_t from);
  template <class Accept>
  std::size_t least_loaded(Accept& accept) const;
  std::size_t open_host(std::uint32_t g, bool soft_as_hard, Fit& found);
  bool has_soft(std::uint32_t g) const;

  // fill.cpp: host by host, by class, with replayed fills.
  struct Class {
    std::vector<std::uint32_t> members;  // in guest order, interchangeable
    std::size_t next = 0;                // the next to place
    Keys need;
    std::size_t left() const { return members.size() - next; }
  };
  std::vector<Class> classes_of(const std::vector<std::uint32_t>& guests);
  std::size_t next_class(std::size_t h, const std::vector<Class>& classes, const std::vector<std::size_t>& open, std::size_t& cursor) const;
  void fill_hosts(const std::vector<std::uint32_t>& guests);

  // search.cpp.
  struct Search;
  // replan.cpp: one host emptied onto the others in use, or nothing changed.
  bool empty_one(std::size_t t, std::vector<std::vector<std::uint32_t>>& on, const std::vector<char>& closed);
  bool pins_free(const HostState& state, std::uint32_t g, const NodeList& nodes, const Placement::Pins& pins) const;

  // why_not.cpp: the reasons of a guest that fits nowhere.
  Unplaced why_not(std::uint32_t g);
  Unplaced why_not_uncached(std::uint32_t g);

  const Scenario& s_;
  const Policy& p_;
  bool spread_;
  PlaceOptions::Order order_;
  bool lookahead_;
  Fleet fleet_;
  Demands demands_;
  std::vector<rules::GroupState> groups_;
  std::vector<HostState> pools_;         // an empty host of each pool: what a new one would be
  std::vector<double> pool_cost_;        // per pool: what one host costs
  std::vector<std::size_t> pool_order_;  // pools by cost per capacity, cheapest first (ties: file order)
  Keys reference_{};                     // per key, the most a pool's empty host offers
  // A guest's weight: its needs as shares of the largest host, summed (pool choice).
  double weight_of(std::uint32_t g);
  Plan plan_;
  std::vector<int> opened_;              // hosts opened per pool
  std::vector<char> emptied_;            // hosts the search emptied, dropped by finish()
  bool proven_ = false;
  std::vector<std::pair<double, std::size_t>> scored_;  // best_of_first's candidates, reused
  std::uint64_t commits_ = 0;            // guests committed so far: what why_not's answers hold for
  std::unordered_map<std::uint32_t, std::pair<std::uint64_t, Unplaced>> why_cache_;  // spec -> (commits_, answer)
};

}  // namespace kvmplan::placement
