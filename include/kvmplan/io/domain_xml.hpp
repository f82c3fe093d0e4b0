#pragma once
// Domain XML given to kvmplan (an operator's `virsh dumpxml` for `export --domains`, a flavor's
// or guest's `template:`): the checks it passes before anything reads it further. Hostile
// input must neither crash nor exhaust: bounded size and depth, no DOCTYPE (entities).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace kvmplan {

inline constexpr std::size_t max_domain_bytes = 4u << 20;  // a real domain is a few KiB
inline constexpr int max_domain_depth = 64;                  // a real domain nests 6 deep

struct XmlProblem {
  std::ptrdiff_t offset = -1;  // byte offset the problem is at (pugixml's); -1: the text as a whole
  std::uint32_t line = 0;      // the same, 1-based; 0 for the text as a whole
  std::uint32_t col = 0;
  std::string message;
};

// Well-formed XML of at most max_domain_bytes, no DOCTYPE, nested at most max_domain_depth, a
// <domain> at the top: nullopt; else the first problem found.
std::optional<XmlProblem> domain_xml_problem(const std::string& text);

}  // namespace kvmplan
