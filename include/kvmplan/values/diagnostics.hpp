#pragma once
// Problems found in input, reported like a compiler: FILE:LINE:COL: error: key.path: message,
// then the source line and a caret under the column.
#include <cstdint>
#include <string>
#include <vector>

#include "kvmplan/values/shortfall.hpp"

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

// error: bad input (exit 2); violation: a plan breaks a rule (exit 1); warning: worth reading.
enum class Severity { error, violation, warning };

// Every problem kvmplan reports, one shape: an input error, a rule a plan breaks, a warning
// about a host. report/problems renders them for people (text, Markdown) and scripts (JSON).
struct Diagnostic {
  Severity severity = Severity::error;
  SourceRef at;             // where in a file; line 0: the file as a whole, or no file
  std::string path;         // an input's key path (hosts[1].numa[0].memory), else the subject (kvm01 node 1, db-2)
  std::string message;
  std::string code;         // stable for scripts: a rule's or a warning's code; "input" for bad input
  std::vector<std::string> members;     // rolled up: the guests it is about
  std::vector<Shortfall> shortfalls;    // how far a rule is broken, as data
};
using Problem = Diagnostic;

struct Diagnostics {
  std::vector<Diagnostic> items;

  void error(SourceRef at, std::string path, std::string message);
  void warning(SourceRef at, std::string path, std::string message, std::string code = "input");
  bool has_errors() const;
  // Stable order: file, line, column, then the order found.
  void sort();
};

// Rendering them: report/problems.hpp.

// The candidate nearest to `word` by edit distance, if it is close enough to be a likely typo;
// "" otherwise.
std::string nearest(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace kvmplan
