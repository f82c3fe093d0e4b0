#pragma once
// Scalar rules shared by scenario files, policy knobs and command-line options: each returns the
// typed value or a message that names what was wrong and what to write instead.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "kvmplan/bytes.hpp"
#include "kvmplan/decimal.hpp"
#include "kvmplan/result.hpp"

namespace kvmplan::values {

Result<bool> boolean(std::string_view text);                         // true | false
Result<std::int64_t> integer(std::string_view text, std::int64_t min);  // whole number >= min
Result<Decimal> fraction(std::string_view text);                     // in [0, 1]
Result<Decimal> ratio(std::string_view text);                        // > 0
Result<Bytes> size(std::string_view text);                           // >= 0
Result<Bytes> positive_size(std::string_view text);                  // > 0
Result<Bytes> page_size(std::string_view text);                      // a power of two >= 4KiB
// One of `names`; the message lists them.
Result<std::size_t> choice(std::string_view text, std::span<const std::string_view> names);

}  // namespace kvmplan::values
