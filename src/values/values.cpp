#include "kvmplan/values/values.hpp"

#include <charconv>

namespace kvmplan::values {
namespace {
std::string q(std::string_view s) { return "\"" + std::string(s) + "\""; }
}  // namespace

Result<bool> boolean(std::string_view text) {
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  return Error{q(text) + " is not a boolean; write true or false"};
}

Result<std::int64_t> integer(std::string_view text, std::int64_t min, std::int64_t max) {
  std::int64_t v = 0;
  const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec == std::errc::result_out_of_range && p == text.data() + text.size()) {
    return Error{q(text) + (text.starts_with('-') ? " must be at least " + std::to_string(min) : " must be at most " + std::to_string(max))};
  }
  if (ec != std::errc{} || p != text.data() + text.size()) {
    return Error{q(text) + " is not a whole number"};
  }
  if (v < min) return Error{q(text) + " must be at least " + std::to_string(min)};
  if (v > max) return Error{q(text) + " must be at most " + std::to_string(max)};
  return v;
}

Result<std::string> name(std::string_view text) {
  if (text.empty()) return Error{"a name cannot be empty"};
  if (text.size() > 255) return Error{"a name has at most 255 characters, this one " + std::to_string(text.size())};
  for (const char c : text) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!ok) {
      // Quote what can be shown; a control character is named, not printed.
      std::string shown;
      for (const char d : text) shown += static_cast<unsigned char>(d) < 0x20 || d == 0x7f ? '?' : d;
      return Error{q(shown) + " has a character outside [A-Za-z0-9._-]"};
    }
  }
  // Not '.': "." and ".." are directories, ".x" a hidden file. Not '-': an option to every
  // command (virsh, ansible) that takes the name.
  if (text.front() == '.' || text.front() == '-') {
    return Error{q(text) + " starts with '" + text.front() + "'; a name starts with a letter, a digit or '_'"};
  }
  return std::string(text);
}

Result<Decimal> fraction(std::string_view text) {
  auto d = Decimal::parse(text);
  if (!d) return d;
  if (*d < Decimal::of(0) || *d > Decimal::of(1)) {
    return Error{q(text) + " is outside [0, 1]; a fraction is written 0.25"};
  }
  return d;
}

Result<Decimal> ratio(std::string_view text) {
  auto d = Decimal::parse(text);
  if (!d) return d;
  if (*d <= Decimal::of(0)) return Error{q(text) + " must be greater than 0"};
  return d;
}

Result<Bytes> size(std::string_view text) { return parse_size(text); }

Result<Bytes> positive_size(std::string_view text) {
  if (!text.empty() && text.front() == '-') return Error{q(text) + " must be greater than 0"};
  auto b = parse_size(text);
  if (b && b->value == 0) return Error{q(text) + " must be greater than 0"};
  return b;
}

Result<Bytes> page_size(std::string_view text) {
  auto b = parse_size(text);
  if (!b) return b;
  const std::int64_t v = b->value;
  if (v < 4096 || (v & (v - 1)) != 0) {
    return Error{q(text) + " is not a page size; write 2MiB or 1GiB"};
  }
  return b;
}

Result<std::size_t> choice(std::string_view text, std::span<const std::string_view> names) {
  std::string list;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (names[i] == text) return i;
    list += (i == 0 ? "" : i + 1 == names.size() ? " or " : ", ") + std::string(names[i]);
  }
  return Error{q(text) + " is not one of " + list};
}

}  // namespace kvmplan::values
