#include "libvirt/xml_source.hpp"

#include <algorithm>

#include "kvmplan/io/input_file.hpp"

namespace kvmplan::libvirt {

std::string scenario_name(std::string name) {
  for (char& c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!ok) c = '-';
  }
  // A name starts with a letter, a digit or '_' (values::name), and has at most 255 characters.
  const std::size_t first = name.find_first_not_of(".-");
  name = first == std::string::npos ? std::string() : name.substr(first, 255);
  return name;
}

XmlFile::XmlFile(const std::string& path, SourceFiles& sources, Diagnostics& diagnostics) : diagnostics_(diagnostics) {
  auto text = read_input(path);
  file_ = sources.add(path == "-" ? "<stdin>" : path, text ? std::move(text.value()) : std::string());
  if (!text) {
    diagnostics_.error({file_, 0, 0}, "", text.error());
    return;
  }
  parse(sources.files[file_].text);
}

XmlFile::XmlFile(const std::string& name, std::string text, SourceFiles& sources, Diagnostics& diagnostics)
    : diagnostics_(diagnostics) {
  file_ = sources.add(name, std::move(text));
  parse(sources.files[file_].text);
}

void XmlFile::parse(const std::string& t) {
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
