#include "kvmplan/atomic_file.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <vector>

namespace kvmplan {

Result<bool> write_atomically(const std::string& path, std::ostream& stdout_stream,
                              const std::function<void(std::ostream&)>& write) {
  if (path == "-") {
    write(stdout_stream);
    stdout_stream.flush();
    return true;
  }
  std::string pattern = path + ".tmp.XXXXXX";
  std::vector<char> name(pattern.begin(), pattern.end());
  name.push_back('\0');
  const int fd = ::mkstemp(name.data());
  if (fd < 0) return Error{"cannot create a file beside " + path + ": " + std::strerror(errno)};
  // mkstemp makes the file private; give it the mode any new file would get.
  const mode_t mask = ::umask(0);
  ::umask(mask);
  ::fchmod(fd, 0666 & ~mask);
  ::close(fd);
  const std::string tmp(name.data());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    write(out);
    out.flush();
    if (!out) {
      std::remove(tmp.c_str());
      return Error{"cannot write " + path};
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    std::remove(tmp.c_str());
    return Error{"cannot write " + path + ": " + why};
  }
  return true;
}

}  // namespace kvmplan
