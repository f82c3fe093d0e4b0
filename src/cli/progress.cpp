#include "progress.hpp"

namespace kvmplan::cli {

namespace {
constexpr std::string_view erase_line = "\x1b[K";  // ANSI: erase from the cursor to the end of the line
}

std::string progress_text(bool terminal, std::string_view text) {
  if (!terminal) return "";
  std::string line = "\r";
  line += text;
  line += erase_line;
  return line;
}

std::string progress_clear(bool terminal, bool shown) {
  if (!terminal || !shown) return "";
  return "\r" + std::string(erase_line);
}

void Progress::stage(std::string_view text) {
  if (!enabled()) return;
  *err_ << progress_text(true, text) << std::flush;
  shown_ = true;
}

void Progress::clear() {
  if (!enabled() || !shown_) return;
  shown_ = false;  // first: the stream below may be the one that clears
  *err_ << progress_clear(true, true) << std::flush;
}

ClearingBuf::int_type ClearingBuf::overflow(int_type c) {
  if (traits_type::eq_int_type(c, traits_type::eof())) return traits_type::not_eof(c);
  progress_.clear();
  return target_->sputc(traits_type::to_char_type(c));
}

std::streamsize ClearingBuf::xsputn(const char* s, std::streamsize n) {
  if (n > 0) progress_.clear();
  return target_->sputn(s, n);
}

std::string count_text(std::size_t n) {
  std::string digits = std::to_string(n), text;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) text += ',';
    text += digits[i];
  }
  return text;
}

}  // namespace kvmplan::cli
