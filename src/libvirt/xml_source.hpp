#pragma once
// pugixml positions as SourceRefs: pugixml gives byte offsets, diagnostics want lines.
#include <pugixml.hpp>

#include <string>
#include <vector>

#include "kvmplan/values/diagnostics.hpp"

namespace kvmplan::libvirt {

// A name as the scenario takes it: characters outside [A-Za-z0-9._-] become '-', leading '.'
// and '-' go, and it is cut at 255 characters; "" when nothing is left.
std::string scenario_name(std::string name);

class XmlFile {
 public:
  // Reads and parses `path` into `sources`; a syntax error is reported and ok() is false.
  XmlFile(const std::string& path, SourceFiles& sources, Diagnostics& diagnostics);
  // The same for text in memory (the fuzz targets), named `name` in messages.
  XmlFile(const std::string& name, std::string text, SourceFiles& sources, Diagnostics& diagnostics);
  bool ok() const { return ok_; }
  const pugi::xml_document& doc() const { return doc_; }
  // A missing node (a child that is not there) has no position: the file's, line 0.
  SourceRef at(const pugi::xml_node& node) const { return at_offset(node ? node.offset_debug() : -1); }
  SourceRef at_offset(std::ptrdiff_t offset) const;
  void error(const pugi::xml_node& node, const std::string& path, std::string message) const {
    diagnostics_.error(at(node), path, std::move(message));
  }

 private:
  void parse(const std::string& text);
  Diagnostics& diagnostics_;
  std::uint32_t file_ = 0;
  std::vector<std::size_t> line_starts_;
  pugi::xml_document doc_;
  bool ok_ = false;
};

}  // namespace kvmplan::libvirt
