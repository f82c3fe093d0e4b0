#include "kvmplan/io/input_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "kvmplan/values/limits.hpp"

namespace kvmplan {
namespace {

// Closes the descriptor it owns (standard input excepted) on every path out.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd > 0) ::close(fd);
  }
};

}  // namespace

Result<std::string> read_input(const std::string& path) {
  Fd in;
  if (path == "-") {
    in.fd = 0;
  } else {
    in.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (in.fd < 0) return Error{std::string("cannot read the file: ") + std::strerror(errno)};
  }
  struct stat st{};
  if (::fstat(in.fd, &st) != 0) return Error{std::string("cannot read the file: ") + std::strerror(errno)};
  if (S_ISDIR(st.st_mode)) return Error{"is a directory, not a file"};
  std::string text;
  if (S_ISREG(st.st_mode) && st.st_size > limits::max_input_bytes) {
    return Error{"is larger than 2GiB, the most kvmplan reads"};
  }
  if (S_ISREG(st.st_mode)) text.reserve(static_cast<std::size_t>(st.st_size));
  char buf[1 << 16];
  for (;;) {
    const ssize_t n = ::read(in.fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Error{std::string("cannot read the file: ") + std::strerror(errno)};
    }
    if (n == 0) break;
    if (const void* nul = std::memchr(buf, '\0', static_cast<std::size_t>(n))) {
      const auto at = text.size() + static_cast<std::size_t>(static_cast<const char*>(nul) - buf);
      return Error{"is not a text file: byte " + std::to_string(at) + " is NUL"};
    }
    if (static_cast<std::int64_t>(text.size()) + n > limits::max_input_bytes) {
      return Error{"is larger than 2GiB, the most kvmplan reads"};
    }
    text.append(buf, static_cast<std::size_t>(n));
  }
  return text;
}

}  // namespace kvmplan
