#include "xml_source.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>

namespace kvmplan::libvirt {

std::string scenario_name(std::string name) {
  for (char& c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!ok) c = '-';
  }
  return name;
}

XmlFile::XmlFile(const std::string& path, SourceFiles& sources, Diagnostics& diagnostics) : diagnostics_(diagnostics) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  if (in) text << in.rdbuf();
  file_ = sources.add(path, text.str());
  if (!in) {
    diagnostics_.error({file_, 0, 0}, "", "cannot read the file");
    return;
  }
  const std::string& t = sources.files[file_].text;
  line_starts_.push_back(0);
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (t[i] == '\n') line_starts_.push_back(i + 1);
  }
  const pugi::xml_parse_result r = doc_.load_buffer(t.data(), t.size());
  if (!r) {
    diagnostics_.error(at_offset(r.offset), "xml", r.description());
    return;
  }
  ok_ = true;
}

SourceRef XmlFile::at_offset(std::ptrdiff_t offset) const {
  if (offset < 0 || line_starts_.empty()) return {file_, 0, 0};
  const auto o = static_cast<std::size_t>(offset);
  const auto line = std::upper_bound(line_starts_.begin(), line_starts_.end(), o) - line_starts_.begin();
  const std::size_t start = line_starts_[static_cast<std::size_t>(line - 1)];
  // pugixml points at the element's name; the column of its '<' is one before.
  const std::size_t col = o - start;
  return {file_, static_cast<std::uint32_t>(line), static_cast<std::uint32_t>(col == 0 ? 1 : col)};
}

}  // namespace kvmplan::libvirt
