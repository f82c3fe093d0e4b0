#pragma once
// Reading an input file whole, as text: scenario YAML, a plan, libvirt XML. What is not a text
// file of a sane size is refused with the reason, before any parser sees it.
#include <string>

#include "kvmplan/values/result.hpp"

namespace kvmplan {

// The contents of `path` ("-": standard input). Errors: the system's reason for a file that
// cannot be opened or read ("No such file or directory"), "is a directory", more than
// limits::max_input_bytes (2GiB; /dev/zero is refused at its first NUL, not after 2GiB), or a
// NUL byte, which neither YAML nor XML text holds.
Result<std::string> read_input(const std::string& path);

}  // namespace kvmplan
