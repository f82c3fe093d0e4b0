#pragma once
// `kvmplan size`: every host's swap and overcommit figures, as text, Markdown or JSON.
#include <ostream>
#include <string>
#include <vector>

#include "kvmplan/model/model.hpp"
#include "kvmplan/scenario/scenario.hpp"

namespace kvmplan {

struct UnplacedGuest {
  std::string guest;
  std::vector<std::string> reasons;
};

struct HostSizing {
  std::string name;
  HostFigures figures;
};

struct SizeReport {
  std::string swap_baseline;  // the policy's name for it: "rhel5", "4GiB"
  std::vector<HostSizing> hosts;
  std::vector<UnplacedGuest> unplaced;
  int placed_guests = 0;
  int hosts_used = 0;          // hosts that run a guest
  int lower_bound_hosts = 0;   // no valid plan uses fewer

  std::int64_t total_swap_mib() const;
  // Exit status 0 is earned: every guest placed and no host short of swap.
  bool complete() const;
};

// Places the guests without a host (as `kvmplan place` does), then sizes every host: the
// scenario's hosts and those opened from `count: auto` pools. Guests that fit nowhere are
// reported unplaced with the reasons.
SizeReport size_scenario(const Scenario& scenario);

void write_size_text(std::ostream& out, const SizeReport& report);
void write_size_markdown(std::ostream& out, const SizeReport& report);
void write_size_json(std::ostream& out, const SizeReport& report);

}  // namespace kvmplan
