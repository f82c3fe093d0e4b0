#include "kvmplan/atomic_file.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
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

Result<bool> write_directory_atomically(const std::string& dir,
                                        const std::vector<std::pair<std::string, std::string>>& files) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path target = fs::path(dir).lexically_normal();
  const fs::path parent = target.has_parent_path() ? target.parent_path() : fs::path(".");
  std::string pattern = (parent / ("." + target.filename().string() + ".tmp.XXXXXX")).string();
  std::vector<char> name(pattern.begin(), pattern.end());
  name.push_back('\0');
  if (!::mkdtemp(name.data())) return Error{"cannot create a directory beside " + dir + ": " + std::strerror(errno)};
  const fs::path tmp(name.data());
  fs::permissions(tmp, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec | fs::perms::others_read |
                           fs::perms::others_exec, ec);
  for (const auto& [file, text] : files) {
    if (fs::path(file).has_parent_path()) fs::create_directories(tmp / fs::path(file).parent_path(), ec);
    std::ofstream out(tmp / file, std::ios::binary);
    out << text;
    if (!out.flush()) {
      fs::remove_all(tmp, ec);
      return Error{"cannot write " + (target / file).string()};
    }
  }
  fs::path old;
  if (fs::exists(target)) {
    old = parent / ("." + target.filename().string() + ".old." + fs::path(name.data()).extension().string().substr(1));
    fs::rename(target, old, ec);
    if (ec) {
      fs::remove_all(tmp, ec);
      return Error{"cannot replace " + dir + ": " + ec.message()};
    }
  }
  fs::rename(tmp, target, ec);
  if (ec) {
    if (!old.empty()) fs::rename(old, target, ec);
    fs::remove_all(tmp, ec);
    return Error{"cannot write " + dir};
  }
  if (!old.empty()) fs::remove_all(old, ec);
  return true;
}

}  // namespace kvmplan
