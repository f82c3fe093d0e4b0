#pragma once
// What each guest asks, once per guest spec: its demand (rules/demand.hpp), the least it needs
// of the index's budgets, and its largest share of the biggest host (the sort key of the
// orders). Private to the engine.
#include <memory>
#include <unordered_map>
#include <vector>

#include "placement/host_state.hpp"

namespace kvmplan::placement {

class Demands {
 public:
  explicit Demands(const Scenario& s);

  const Demand& of(std::uint32_t guest) const { return demands_[s_.guests[guest].spec]; }
  // What the guest needs of a host's budgets at the least, wherever it goes.
  const Keys& needs(std::uint32_t guest);
  // Its largest fraction of the biggest host, over the resources it uses.
  double share(std::uint32_t guest);

 private:
  int most_cells(std::uint32_t spec);

  const Scenario& s_;
  std::unique_ptr<rules::SlotTable> slots_;  // the demands' profile rows (they point to it)
  std::vector<Demand> demands_;           // per spec
  std::vector<std::int64_t> max_share_;   // per image: the most any of its guests shares
  std::vector<HostState> shapes_;         // one empty host per shape (up to 64), for most_cells
  std::vector<Host> shape_hosts_;
  std::vector<Keys> needs_;               // per spec, computed on first use
  std::vector<char> have_needs_;
  Keys reference_{};                      // per key, the most any host offers (share's scale)
  bool have_reference_ = false;
};

}  // namespace kvmplan::placement
