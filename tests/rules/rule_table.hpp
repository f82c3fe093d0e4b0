#pragma once
// Helpers for the rule tables in tests/rules: one place (a host or a node) built by hand, the
// load on it and what a guest adds, so that each row reads as its arithmetic.
#include <doctest/doctest.h>

#include "kvmplan/values/decimal.hpp"
#include "rules/registry.hpp"
#include "test_util.hpp"

namespace kvmplan::test {

using rules::Add;
using rules::Capacity;
using rules::Load;
using rules::Scope;

inline Decimal dec(const char* text) { return *Decimal::parse(text); }

// A place of `ram` with `pools` in hugepage pools and `reserve` kept for the host; ratios
// memory 1.5, CPU 4.
inline Capacity place(Bytes ram, Bytes pools = {}, Bytes reserve = {}, Scope scope = Scope::host) {
  Capacity c;
  c.scope = scope;
  c.node_id = scope == Scope::node ? 0 : -1;
  c.ram = ram;
  c.pools = pools;
  c.reserve = reserve;
  c.memory_ratio = dec("1.5");
  c.cpu_ratio = dec("4");
  return c;
}

inline Load load_of(std::initializer_list<Add> adds) {
  Load l;
  for (const Add& a : adds) l.add(a);
  return l;
}

inline Add committed(Bytes b) {
  Add a;
  a.committed = b;
  return a;
}

// What a guest adds in shared and pinned vCPUs.
inline Add vcpus(std::int64_t shared, std::int64_t pinned = 0) {
  Add a;
  a.shared_vcpus = shared;
  a.pinned = pinned;
  return a;
}

// The index never prunes a fit: when a rule holds, its need is within its free budget.
template <class R>
void check_index_budget(const Capacity& c, const Load& l, const Add& a) {
  if (R::host_key == rules::no_key || R::need(a) == rules::no_need) return;
  if (R::holds(c, l, a)) CHECK(R::need(a) <= R::free(c, l));
}

// One row of a rule's table: {what, load, add, holds, need, free, capacity}: whether the rule
// holds, the shortfall it gives (its own rule id), and the index budget.
template <class R, class Row>
void check_row(const Capacity& c, const Row& r) {
  INFO(r.what);
  CHECK(R::holds(c, r.load, r.add) == r.holds);
  const Shortfall sf = R::shortfall(c, r.load, r.add);
  CHECK(sf.rule == R::id);
  CHECK(sf.need == r.need);
  CHECK(sf.free == r.free);
  CHECK(sf.capacity == r.capacity);
  check_index_budget<R>(c, r.load, r.add);
}

}  // namespace kvmplan::test
