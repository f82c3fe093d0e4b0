#pragma once
// The charts of the HTML report (size_html_charts.cpp), each an inline <svg> or a short note.
// Each stays small at 10,000 hosts: hosts of one shape share a bar, and past a hundred hosts
// the overcommit map counts hosts per cell instead of drawing one cell per host.
#include <string>

#include "kvmplan/report/size_report.hpp"

namespace kvmplan::html {

// Per host (or per shape), stacked: hugepages, locked, reserve, committed; under it, RAM then swap.
std::string memory_chart(const SizeReport& report);
// Memory and CPU overcommit per host and per NUMA node; a 2-D histogram for big fleets.
std::string overcommit_chart(const SizeReport& report);
// What KSM saves on the hosts where it saves most.
std::string ksm_chart(const SizeReport& report);
// Under usage profiles: expected resident memory in each slot, per host or (many hosts) the
// least, median and most of the hosts; "" without profiles.
std::string usage_chart(const SizeReport& report);

}  // namespace kvmplan::html
