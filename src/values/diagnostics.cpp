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

namespace {
// Control characters from the input (an escape sequence in a key, say) would reach the
// terminal: shown as '?'. Tabs stay, so that carets line up.
std::string printable(std::string s) {
  for (char& c : s) {
    if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f) c = '?';
  }
  return s;
}
}  // namespace

std::string format(const Diagnostic& d, const SourceFiles& sources) {
  std::string out;
  out += d.at.file < sources.files.size() ? printable(sources.files[d.at.file].path) : "<command line>";
  if (d.at.line > 0) out += ":" + std::to_string(d.at.line) + ":" + std::to_string(d.at.col);
  out += d.severity == Severity::error ? ": error: " : ": warning: ";
  if (!d.path.empty()) out += printable(d.path) + ": ";
  out += printable(d.message) + "\n";
  std::string line = sources.line_text(d.at);
  if (!line.empty() && d.at.col >= 1) {
    // A long line (a whole document on one line) is quoted around the column only.
    std::size_t col = d.at.col;
    constexpr std::size_t context = 60;
    if (line.size() > 2 * context + 20) {
      col = std::min(col, line.size() + 1);  // a position past the end of its line (a hand-made plan)
      const std::size_t from = std::min(col > context ? col - context : 0, line.size());
      const bool cut_front = from > 0, cut_back = from + 2 * context < line.size();
      line = (cut_front ? "..." : "") + line.substr(from, 2 * context) + (cut_back ? "..." : "");
      col = col - from + (cut_front ? 3 : 0);
    }
    line = printable(std::move(line));
    out += line + "\n";
    // Keep tabs so that the caret lines up under the column.
    std::string pad;
    for (std::size_t i = 0; i + 1 < col && i < line.size(); ++i) pad += line[i] == '\t' ? '\t' : ' ';
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
