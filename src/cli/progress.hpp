#pragma once
// Progress for a person at a terminal: the stage a long command is in ("loading 100000 guests",
// "placing", "checking", "writing"), on standard error, one line overwritten with \r and cleared
// at the end. Only when standard error is a terminal and --quiet is not given: never in files,
// pipes or JSON, so output to a non-terminal is byte for byte the same with or without it.
// Stages are marked by src/cli between the library's calls, never from inside its loops.
#include <cstddef>
#include <ostream>
#include <streambuf>
#include <string>
#include <string_view>

namespace kvmplan::cli {

// What a stage writes: "\r" + text + erase to the end of the line; "" when not a terminal.
std::string progress_text(bool terminal, std::string_view text);
// What clears a shown stage line: "\r" + erase to the end of the line; "" when not a terminal
// or when no line is shown.
std::string progress_clear(bool terminal, bool shown);

class Progress {
 public:
  Progress() = default;  // silent
  // `terminal`: standard error is a terminal (and --quiet was not given).
  Progress(std::ostream& err, bool terminal) : err_(&err), terminal_(terminal) {}
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;
  ~Progress() { clear(); }

  bool enabled() const { return terminal_ && err_ != nullptr; }
  void stage(std::string_view text);  // replaces the line shown
  void clear();                       // erases it (anything else printed on stderr first does)
  bool shown() const { return shown_; }

 private:
  std::ostream* err_ = nullptr;
  bool terminal_ = false;
  bool shown_ = false;
};

// A stream buffer for the commands' standard error: before the first character of a message,
// the progress line is cleared, so that messages never share a line with a stage.
class ClearingBuf : public std::streambuf {
 public:
  ClearingBuf(std::streambuf* target, Progress& progress) : target_(target), progress_(progress) {}

 protected:
  int_type overflow(int_type c) override;
  std::streamsize xsputn(const char* s, std::streamsize n) override;
  int sync() override { return target_->pubsync(); }

 private:
  std::streambuf* target_;
  Progress& progress_;
};

// A number with thousands separators for a stage: 100000 -> "100,000".
std::string count_text(std::size_t n);

}  // namespace kvmplan::cli
