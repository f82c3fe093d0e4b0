#pragma once
// What the fuzz targets share: a failed property is a crash (libFuzzer keeps the input), and
// inputs that would only measure speed (a million guests) are skipped, not run.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "kvmplan/scenario/scenario.hpp"

namespace kvmplan::fuzz {

// Aborts with `what`: libFuzzer (and the replay test) report the input that made it.
[[noreturn]] inline void fail(const std::string& what) {
  std::fprintf(stderr, "kvmplan fuzz: property broken: %s\n", what.c_str());
  std::abort();
}

#define KVMPLAN_FUZZ_EXPECT(cond, what) \
  do {                                  \
    if (!(cond)) ::kvmplan::fuzz::fail(what); \
  } while (0)

// Small enough to place in a few milliseconds: the targets look for crashes and wrong answers,
// and a scenario of 10 million valid guests is neither.
inline bool small_enough(const Scenario& s) {
  if (s.guests.size() > 400 || s.hosts.size() > 200) return false;
  std::int64_t cpus = 0;
  for (const auto& h : s.hosts) cpus += h.cpus.count();
  for (const auto& h : s.auto_pools) cpus += h.cpus.count() * 8;
  return cpus <= 20000;
}

}  // namespace kvmplan::fuzz
