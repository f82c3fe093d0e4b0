#pragma once
// The placement document (spec section 6): written by `place`, read back by `check` and by the
// deployment exports. YAML and JSON have the same structure; each placement is one line, so
// the document streams however many guests there are.
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "kvmplan/values/diagnostics.hpp"
#include "kvmplan/model/model.hpp"
#include "kvmplan/placement/placement.hpp"

namespace kvmplan {

enum class PlanFormat { yaml, json };

// Per-host figures of a plan (spec section 3), hosts in plan order.
std::vector<HostFigures> plan_figures(const Scenario& scenario, const Plan& plan);
// The guests of each host with their nodes, in guest order.
std::vector<std::vector<GuestOnHost>> guests_by_host(const Plan& plan);

void write_plan(std::ostream& out, const Scenario& scenario, const Plan& plan, PlanFormat format);

// A placement as the document states it, before its content is checked: names are valid
// names, node ids, CPU ids and counts within their limits (the reader refuses others).
struct PlannedGuest {
  std::string guest;
  std::string host;
  std::vector<int> nodes;                 // host node ids, guest-cell order
  CpuSet cpuset;                          // as written, in any cpulist form; canonical on output
  std::optional<std::vector<int>> vcpupin;
  std::optional<Bytes> hugepages;
  std::optional<std::int64_t> memory_mib;
  std::optional<std::int64_t> vcpus;
  SourceRef at;
};

struct PlannedHost {
  std::string name;
  std::string pool;                       // "" for a host of the scenario
  SourceRef at;
};

struct PlanDocument {
  std::vector<PlannedGuest> placements;
  std::vector<std::pair<std::string, SourceRef>> unplaced;
  std::vector<PlannedHost> hosts;
};

// The plan a document describes: the scenario's hosts and the pool hosts it names, each
// guest's host, node indices and pins. For a document that `check` accepts.
Plan plan_from_document(const Scenario& scenario, const PlanDocument& doc);

// Reads a plan file into `sources`; problems of form (not of content) go to `diagnostics`:
// syntax, unknown keys, names that are no names, ids and counts beyond their limits.
PlanDocument read_plan(const std::string& path, SourceFiles& sources, Diagnostics& diagnostics);
// The same for a plan already in memory, named `name` in messages.
PlanDocument read_plan_text(const std::string& name, std::string text, SourceFiles& sources, Diagnostics& diagnostics);

}  // namespace kvmplan
