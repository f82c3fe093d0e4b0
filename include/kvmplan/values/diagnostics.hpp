#pragma once
// Problems found in input, reported like a compiler: FILE:LINE:COL: error: key.path: message,
// then the source line and a caret under the column.
#include <cstdint>
#include <string>
#include <vector>

namespace kvmplan {

// Where a value came from: an index into SourceFiles and a 1-based line and column.
// line 0 means "the file as a whole" (for example, a file that cannot be read).
struct SourceRef {
  std::uint32_t file = 0;
  std::uint32_t line = 0;
  std::uint32_t col = 0;
};

// The text of every file read, so that a diagnostic can quote its line.
struct SourceFiles {
  struct File {
    std::string path;
    std::string text;
    // Where each line starts, built on the first quote from this file: a file with 100,000
    // errors is scanned once, not once per error.
    mutable std::vector<std::size_t> line_starts;
  };
  std::vector<File> files;

  std::uint32_t add(std::string path, std::string text);
  std::string line_text(const SourceRef& at) const;  // without the newline; "" if none
};

enum class Severity { error, warning };

struct Diagnostic {
  Severity severity = Severity::error;
  SourceRef at;
  std::string path;     // key path: hosts[1].numa[0].memory
  std::string message;
};

struct Diagnostics {
  std::vector<Diagnostic> items;

  void error(SourceRef at, std::string path, std::string message);
  bool has_errors() const;
  // Stable order: file, line, column, then the order found.
  void sort();
};

// "hosts.yaml:12:13: error: hosts[1].memory: ..." plus the quoted line and caret line.
std::string format(const Diagnostic& d, const SourceFiles& sources);
std::string format_all(const Diagnostics& ds, const SourceFiles& sources);

// The candidate nearest to `word` by edit distance, if it is close enough to be a likely typo;
// "" otherwise.
std::string nearest(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace kvmplan
