#pragma once
// Reading a placement document back (check, the exports, the fuzz target): its form first, then
// the plan it describes.
#include <optional>
#include <string>
#include <vector>

#include "kvmplan/plan/plan.hpp"
#include "kvmplan/values/diagnostics.hpp"

namespace kvmplan {

// A placement as the document states it, before its content is checked: names are valid
// names, node ids, CPU ids and counts within their limits (the reader refuses others).
struct PlannedGuest {
  std::string guest;
  std::string host;
  NodeList nodes;                         // host node ids, guest-cell order
  CpuSet cpuset;                          // as written, in any cpulist form; canonical on output
  std::optional<Placement::Pins> vcpupin;
  std::optional<int> emulatorpin;         // emulator_threads isolate: the emulator's own CPU
  std::optional<Bytes> hugepages;
  std::optional<std::int64_t> memory_mib;
  std::optional<std::int64_t> vcpus;
  SourceRef at;
};

// Every CPU a placement states the guest holds, as Placement::vcpupin keeps them: its vcpupin,
// then its emulatorpin (only after a vcpupin). Empty for a shared guest.
Placement::Pins held_cpus(const PlannedGuest& pg);

struct PlannedHost {
  std::string name;
  std::string pool;                       // "" for a host of the scenario
  std::string zone;                       // a pool host's zone, as the plan gives it ("" when none)
  SourceRef at;
};

struct PlanDocument {
  std::vector<PlannedGuest> placements;
  std::vector<std::pair<std::string, SourceRef>> unplaced;
  std::vector<PlannedHost> hosts;
};

// A host of a `count: auto` pool as a plan names it: a copy of the pool, with the plan's name and
// zone; without a zone in the plan, the `nth` of the pool's hosts takes the pool's zones
// round-robin, as placement opens them. Empty when the plan's zone is none the pool has.
std::optional<Host> pool_host(const Host& pool, const PlannedHost& planned, std::size_t nth);

// The plan a document describes: the scenario's hosts and the pool hosts it names, each
// guest's host, node indices and pins. For a document that `check` accepts.
Plan plan_from_document(const Scenario& scenario, const PlanDocument& doc);

// Reads a plan file into `sources`; problems of form (not of content) go to `diagnostics`:
// syntax, unknown keys, names that are no names, ids and counts beyond their limits.
PlanDocument read_plan(const std::string& path, SourceFiles& sources, Diagnostics& diagnostics);
// The same for a plan already in memory, named `name` in messages.
PlanDocument read_plan_text(const std::string& name, std::string text, SourceFiles& sources, Diagnostics& diagnostics);

}  // namespace kvmplan
