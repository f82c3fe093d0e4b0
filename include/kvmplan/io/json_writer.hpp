#pragma once
// A streaming JSON writer: output goes straight to the stream, so a million-guest report needs
// no document in memory. Pretty-printed with two-space indents; keys stay in the order written.
#include <cstdint>
#include <optional>
#include <ostream>
#include <string_view>
#include <vector>

namespace kvmplan {

class JsonWriter {
 public:
  explicit JsonWriter(std::ostream& out) : out_(out) {}

  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  JsonWriter& key(std::string_view k);
  JsonWriter& value(std::string_view s);
  JsonWriter& value(const char* s) { return value(std::string_view(s)); }
  JsonWriter& value(std::int64_t n);
  JsonWriter& value(int n) { return value(static_cast<std::int64_t>(n)); }
  JsonWriter& value(bool b);
  JsonWriter& number(double d);  // a ratio, printed as format_ratio does ("4.0", "2.286")
  JsonWriter& null();
  // Writes `v` or null.
  template <class T>
  JsonWriter& optional(const std::optional<T>& v) { return v ? value(*v) : null(); }

 private:
  void before_value();
  void newline();
  std::ostream& out_;
  struct Level {
    bool array;
    bool empty = true;
  };
  std::vector<Level> stack_;
  bool after_key_ = false;
};

// "a\"b" with JSON escapes.
std::string json_quote(std::string_view s);

}  // namespace kvmplan
