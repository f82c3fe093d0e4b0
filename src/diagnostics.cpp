#include "kvmplan/diagnostics.hpp"

#include <algorithm>
#include <cctype>
#include <tuple>

namespace kvmplan {

std::uint32_t SourceFiles::add(std::string path, std::string text) {
  files.push_back({std::move(path), std::move(text)});
  return static_cast<std::uint32_t>(files.size() - 1);
}

std::string SourceFiles::line_text(const SourceRef& at) const {
  if (at.file >= files.size() || at.line == 0) return {};
  const std::string& text = files[at.file].text;
  std::size_t pos = 0;
  for (std::uint32_t l = 1; l < at.line; ++l) {
    pos = text.find('\n', pos);
    if (pos == std::string::npos) return {};
    ++pos;
  }
  std::size_t end = text.find('\n', pos);
  if (end == std::string::npos) end = text.size();
  std::string line = text.substr(pos, end - pos);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

void Diagnostics::error(SourceRef at, std::string path, std::string message) {
  items.push_back({Severity::error, at, std::move(path), std::move(message)});
}

bool Diagnostics::has_errors() const {
  return std::any_of(items.begin(), items.end(),
                     [](const Diagnostic& d) { return d.severity == Severity::error; });
}

void Diagnostics::sort() {
  std::stable_sort(items.begin(), items.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return std::tie(a.at.file, a.at.line, a.at.col) < std::tie(b.at.file, b.at.line, b.at.col);
  });
}

std::string format(const Diagnostic& d, const SourceFiles& sources) {
  std::string out;
  out += d.at.file < sources.files.size() ? sources.files[d.at.file].path : "<command line>";
  if (d.at.line > 0) out += ":" + std::to_string(d.at.line) + ":" + std::to_string(d.at.col);
  out += d.severity == Severity::error ? ": error: " : ": warning: ";
  if (!d.path.empty()) out += d.path + ": ";
  out += d.message + "\n";
  const std::string line = sources.line_text(d.at);
  if (!line.empty() && d.at.col >= 1) {
    out += line + "\n";
    // Keep tabs so that the caret lines up under the column.
    std::string pad;
    for (std::size_t i = 0; i + 1 < d.at.col && i < line.size(); ++i) pad += line[i] == '\t' ? '\t' : ' ';
    out += pad + "^\n";
  }
  return out;
}

std::string format_all(const Diagnostics& ds, const SourceFiles& sources) {
  std::string out;
  for (const auto& d : ds.items) out += format(d, sources);
  return out;
}

namespace {
std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      const bool same = std::tolower(static_cast<unsigned char>(a[i - 1])) ==
                        std::tolower(static_cast<unsigned char>(b[j - 1]));
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (same ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}
}  // namespace

std::string nearest(const std::string& word, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_distance = std::max<std::size_t>(2, word.size() / 3) + 1;
  for (const auto& c : candidates) {
    const std::size_t d = edit_distance(word, c);
    if (d < best_distance) {
      best_distance = d;
      best = c;
    }
  }
  return best;
}

}  // namespace kvmplan
