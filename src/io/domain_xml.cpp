#include "kvmplan/io/domain_xml.hpp"

#include <pugixml.hpp>

#include <algorithm>

namespace kvmplan {
namespace {

// The first element deeper than `limit`, or a null node.
pugi::xml_node too_deep(pugi::xml_document& doc, int limit) {
  struct Walker : pugi::xml_tree_walker {
    int limit = 0;
    pugi::xml_node found;
    bool for_each(pugi::xml_node& n) override {
      if (depth() > limit) {
        found = n;
        return false;
      }
      return true;
    }
  } w;
  w.limit = limit;
  doc.traverse(w);
  return w.found;
}

// `offset` as a line and column: pugixml points at an element's name, so the column of its '<'
// is one before (as libvirt/xml_source.cpp counts them).
XmlProblem at(const std::string& text, std::ptrdiff_t offset, std::string message) {
  XmlProblem p{offset, 0, 0, std::move(message)};
  if (offset < 0) return p;
  const auto o = std::min(static_cast<std::size_t>(offset), text.size());
  const auto nl = o == 0 ? std::string::npos : text.rfind('\n', o - 1);
  const std::size_t start = nl == std::string::npos ? 0 : nl + 1;
  p.line = static_cast<std::uint32_t>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(start), '\n') + 1);
  p.col = static_cast<std::uint32_t>(o - start == 0 ? 1 : o - start);
  return p;
}

}  // namespace

std::optional<XmlProblem> domain_xml_problem(const std::string& text) {
  if (text.size() > max_domain_bytes) {
    return at(text, -1, "the text has " + std::to_string(text.size()) + " bytes; domain XML of more than " +
                            std::to_string(max_domain_bytes >> 20) + "MiB is not read");
  }
  // Before parsing: pugixml skips a DOCTYPE, and libvirt writes none.
  if (const auto doctype = text.find("<!DOCTYPE"); doctype != std::string::npos) {
    return at(text, static_cast<std::ptrdiff_t>(doctype + 1), "a <!DOCTYPE> (entity declarations) has no place in domain XML: libvirt writes none");
  }
  pugi::xml_document doc;
  if (const pugi::xml_parse_result r = doc.load_buffer(text.data(), text.size()); !r) return at(text, r.offset, r.description());
  if (const pugi::xml_node deep = too_deep(doc, max_domain_depth)) {
    return at(text, deep.offset_debug(), "elements nest more than " + std::to_string(max_domain_depth) + " deep; a domain nests a few");
  }
  if (!doc.child("domain")) {
    const pugi::xml_node first = doc.first_child();
    return at(text, first ? first.offset_debug() : -1, "not a domain document: no <domain>");
  }
  return std::nullopt;
}

}  // namespace kvmplan
