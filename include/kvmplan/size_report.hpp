#pragma once
// `kvmplan size`: every host's swap and overcommit figures, as text, Markdown or JSON.
#include <ostream>
#include <string>
#include <vector>

#include "kvmplan/model.hpp"
#include "kvmplan/scenario.hpp"

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

  std::int64_t total_swap_mib() const;
  // Exit status 0 is earned: every guest placed and no host short of swap.
  bool complete() const;
};

// Sizes every host with the guests fixed on it; guests without a host are reported unplaced.
SizeReport size_scenario(const Scenario& scenario);

void write_size_text(std::ostream& out, const SizeReport& report);
void write_size_markdown(std::ostream& out, const SizeReport& report);
void write_size_json(std::ostream& out, const SizeReport& report);

}  // namespace kvmplan
