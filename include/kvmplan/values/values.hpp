#pragma once
// Scalar rules shared by scenario files, policy knobs and command-line options: each returns the
// typed value or a message that names what was wrong and what to write instead.
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>

#include "kvmplan/values/bytes.hpp"
#include "kvmplan/values/decimal.hpp"
#include "kvmplan/values/result.hpp"

namespace kvmplan::values {

Result<bool> boolean(std::string_view text);                         // true | false
// A whole number in [min, max]; "must be at least", "must be at most" otherwise.
Result<std::int64_t> integer(std::string_view text, std::int64_t min,
                             std::int64_t max = std::numeric_limits<std::int64_t>::max());
Result<Decimal> fraction(std::string_view text);                     // in [0, 1]
Result<Decimal> ratio(std::string_view text);                        // > 0
Result<Bytes> size(std::string_view text);                           // >= 0
Result<Bytes> positive_size(std::string_view text);                  // > 0
Result<Bytes> page_size(std::string_view text);                      // a power of two >= 4KiB
// A name of a host, guest, group, flavor or zone, wherever it comes from (scenario, plan,
// import, command line): [A-Za-z0-9._-]+, not starting with '.' or '-', at most 255 characters. Names
// become file names (GUEST.xml, host_vars/HOST.yml) and YAML keys, so nothing else gets in.
Result<std::string> name(std::string_view text);
// One of `names`; the message lists them.
Result<std::size_t> choice(std::string_view text, std::span<const std::string_view> names);

}  // namespace kvmplan::values
