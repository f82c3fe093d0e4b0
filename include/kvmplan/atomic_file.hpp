#pragma once
// Output that appears whole or not at all: written to a temporary file beside the target, then
// renamed over it. "-" writes to standard output.
#include <functional>
#include <ostream>
#include <string>

#include "kvmplan/result.hpp"

namespace kvmplan {

// Calls `write` with a stream; on success the stream's content becomes `path`.
// A failed write leaves `path` untouched and no temporary behind.
Result<bool> write_atomically(const std::string& path, std::ostream& stdout_stream,
                              const std::function<void(std::ostream&)>& write);

}  // namespace kvmplan
