#include "rules/hugepages.hpp"

namespace kvmplan::rules {

Shortfall Hugepages::shortfall(const Capacity& c, const Load& l, const Add& a) {
  Shortfall s = shortfall_of(id, c, a.pages, c.pool_pages(a.page_size) - l.pages_of(a.page_size), c.pool_pages(a.page_size), Unit::pages);
  s.subject = to_string(a.page_size) + " pages" + (s.subject.empty() ? "" : " of " + s.subject);
  return s;
}

std::string Hugepages::violation(const Capacity& c, const Load& l) {
  for (const auto& [size, used] : l.pages) {
    if (used > c.pool_pages(size)) {
      return std::to_string(used) + " hugepages of " + to_string(size) + " used, " + std::to_string(c.pool_pages(size)) + " in the pools";
    }
  }
  return {};
}

}  // namespace kvmplan::rules
