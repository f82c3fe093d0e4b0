#pragma once
// Output that appears whole or not at all: written to a temporary file beside the target, then
// renamed over it. "-" writes to standard output.
#include <functional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "kvmplan/result.hpp"

namespace kvmplan {

// Calls `write` with a stream; on success the stream's content becomes `path`.
// A failed write leaves `path` untouched and no temporary behind.
Result<bool> write_atomically(const std::string& path, std::ostream& stdout_stream,
                              const std::function<void(std::ostream&)>& write);

// A directory of files that appears whole: written under a temporary name beside `dir`, then
// renamed into place (an existing `dir` is replaced only once the new one is complete).
Result<bool> write_directory_atomically(const std::string& dir,
                                        const std::vector<std::pair<std::string, std::string>>& files);

}  // namespace kvmplan
