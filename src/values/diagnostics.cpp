#include "kvmplan/values/diagnostics.hpp"

#include <algorithm>
#include <cctype>
#include <tuple>

namespace kvmplan {

std::uint32_t SourceFiles::add(std::string path, std::string text) {
  files.push_back({std::move(path), std::move(text), {}});
  return static_cast<std::uint32_t>(files.size() - 1);
}

std::string SourceFiles::line_text(const SourceRef& at) const {
  if (at.file >= files.size() || at.line == 0) return {};
  const File& file = files[at.file];
  const std::string& text = file.text;
  if (file.line_starts.empty()) {
    file.line_starts.push_back(0);
    for (std::size_t i = text.find('\n'); i != std::string::npos; i = text.find('\n', i + 1)) file.line_starts.push_back(i + 1);
  }
  if (at.line > file.line_starts.size()) return {};
  const std::size_t pos = file.line_starts[at.line - 1];
  std::size_t end = text.find('\n', pos);
  if (end == std::string::npos) end = text.size();
  std::string line = text.substr(pos, end - pos);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

void Diagnostics::error(SourceRef at, std::string path, std::string message) {
  items.push_back({Severity::error, at, std::move(path), std::move(message), "input", {}, {}});
}

void Diagnostics::warning(SourceRef at, std::string path, std::string message, std::string code) {
  items.push_back({Severity::warning, at, std::move(path), std::move(message), std::move(code), {}, {}});
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
