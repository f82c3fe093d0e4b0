#pragma once
// Output that appears whole or not at all, and never where it must not: `-o` writes a regular
// file through a temporary beside it and a rename; it writes through a symlink (to the file
// the link names) and into a character device or a pipe (/dev/null, /dev/stdout); it refuses a
// block device and a directory. A directory output (the exports) replaces only a directory
// kvmplan wrote (it holds the marker file) or an empty one. Temporaries are removed when the
// process is interrupted (install_cleanup_handlers).
#include <functional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "kvmplan/values/result.hpp"

namespace kvmplan {

// The file a directory output holds to show that kvmplan wrote it, and may replace it.
inline constexpr const char* output_marker = ".kvmplan-output";

// Calls `write` with a stream; on success the stream's content becomes `path` ("-": the
// standard output stream given). A failed write leaves `path` untouched and no temporary
// behind; a full disk or a closed standard output is an error with the system's reason.
Result<bool> write_atomically(const std::string& path, std::ostream& stdout_stream,
                              const std::function<void(std::ostream&)>& write);

// A directory of files that appears whole: written under a temporary name beside `dir`, then
// renamed into place. `files` are relative paths without ".." (subdirectories are made).
// `dir` may not exist yet, or be empty, or hold output_marker from an earlier run; anything
// else is refused, and so are ".", ".." and "/".
Result<bool> write_directory_atomically(const std::string& dir,
                                        const std::vector<std::pair<std::string, std::string>>& files);

// SIGINT, SIGTERM, SIGHUP and SIGQUIT remove the temporary file or directory being written,
// then end the process as the signal would have. Called once by the command line.
void install_cleanup_handlers();

}  // namespace kvmplan
