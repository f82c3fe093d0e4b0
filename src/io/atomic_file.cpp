#include "kvmplan/io/atomic_file.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <vector>

#include "kvmplan/version.hpp"

namespace kvmplan {
namespace {

namespace fs = std::filesystem;

std::string why() { return std::strerror(errno); }

// The temporaries being written, for the signal handler: fixed storage, no allocation, so that
// the handler only reads what is there. A slot is in use while its flag is set.
struct Pending {
  std::atomic<bool> used{false};
  bool directory = false;
  char path[4096] = {};
};
std::array<Pending, 4> pending;

// Removes the tree at `name` under `dirfd` with async-signal-safe calls only.
void remove_tree(int dirfd, const char* name) {
  const int fd = ::openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    ::unlinkat(dirfd, name, 0);
    return;
  }
  alignas(8) char buf[4096];
  for (;;) {
    const long n = ::syscall(SYS_getdents64, fd, buf, sizeof buf);
    if (n <= 0) break;
    for (long off = 0; off < n;) {
      // struct linux_dirent64: ino (8), off (8), reclen (2), type (1), name.
      unsigned short reclen = 0;
      std::memcpy(&reclen, buf + off + 16, sizeof reclen);
      const unsigned char type = static_cast<unsigned char>(buf[off + 18]);
      const char* entry = buf + off + 19;
      const bool dot = entry[0] == '.' && (entry[1] == '\0' || (entry[1] == '.' && entry[2] == '\0'));
      if (!dot) {
        if (type == DT_DIR) remove_tree(fd, entry);
        else ::unlinkat(fd, entry, 0);
      }
      off += reclen;
    }
  }
  ::close(fd);
  ::unlinkat(dirfd, name, AT_REMOVEDIR);
}

extern "C" void on_signal(int sig) {
  for (auto& p : pending) {
    if (!p.used.load()) continue;
    if (p.directory) remove_tree(AT_FDCWD, p.path);
    else ::unlink(p.path);
  }
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

// Registers a temporary for removal on a signal while it lives.
class PendingGuard {
 public:
  PendingGuard(const std::string& path, bool directory) {
    if (path.size() >= sizeof(Pending::path)) return;
    for (auto& p : pending) {
      if (p.used.load()) continue;
      std::memcpy(p.path, path.c_str(), path.size() + 1);
      p.directory = directory;
      p.used.store(true);
      slot_ = &p;
      return;
    }
  }
  PendingGuard(const PendingGuard&) = delete;
  PendingGuard& operator=(const PendingGuard&) = delete;
  ~PendingGuard() {
    if (slot_) slot_->used.store(false);
  }

 private:
  Pending* slot_ = nullptr;
};

// Writes what `write` produces to an open descriptor, checking every byte arrives.
Result<bool> write_to_fd(int fd, const std::string& name, const std::function<void(std::ostream&)>& write) {
  struct FdBuf : std::streambuf {
    int fd;
    int error = 0;
    char buf[1 << 16];
    explicit FdBuf(int f) : fd(f) { setp(buf, buf + sizeof buf); }
    bool drain() {
      const char* p = pbase();
      while (p < pptr()) {
        const ssize_t n = ::write(fd, p, static_cast<std::size_t>(pptr() - p));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
          error = n < 0 ? errno : EIO;
          return false;
        }
        p += n;
      }
      setp(buf, buf + sizeof buf);
      return true;
    }
    int_type overflow(int_type c) override {
      if (!drain()) return traits_type::eof();
      if (c != traits_type::eof()) *pptr() = static_cast<char>(c), pbump(1);
      return traits_type::not_eof(c);
    }
    int sync() override { return drain() ? 0 : -1; }
  } out_buf(fd);
  std::ostream out(&out_buf);
  write(out);
  out.flush();
  if (!out || out_buf.error) return Error{"cannot write " + name + ": " + std::strerror(out_buf.error ? out_buf.error : EIO)};
  return true;
}

// A regular file at `target` (which is no symlink), replaced by a temporary and a rename.
Result<bool> replace_file(const std::string& target, const std::string& shown,
                          const std::function<void(std::ostream&)>& write) {
  std::string name = target + ".tmp.XXXXXX";
  const int fd = ::mkstemp(name.data());
  if (fd < 0) return Error{"cannot create a file beside " + shown + ": " + why()};
  PendingGuard guard(name, false);
  // mkstemp makes the file private: give it the mode of the file it replaces, or the mode any
  // new file gets.
  struct stat old{};
  if (::stat(target.c_str(), &old) == 0) {
    ::fchmod(fd, old.st_mode & 07777);
  } else {
    const mode_t mask = ::umask(0);
    ::umask(mask);
    ::fchmod(fd, 0666 & ~mask);
  }
  auto written = write_to_fd(fd, shown, write);
  if (written && ::fsync(fd) != 0 && errno != EINVAL) written = Error{"cannot write " + shown + ": " + why()};
  ::close(fd);
  if (!written) {
    ::unlink(name.c_str());
    return written;
  }
  if (std::rename(name.c_str(), target.c_str()) != 0) {
    const std::string reason = why();
    ::unlink(name.c_str());
    return Error{"cannot write " + shown + ": " + reason};
  }
  return true;
}

// Where a path leads once the symlinks of its last component are followed, also when the last
// link dangles (then the file it names is created). Links in the directories above are left
// to the system. At most 40 links, as the kernel allows.
std::string follow_links(std::string path) {
  for (int hops = 0; hops < 40; ++hops) {
    struct stat st{};
    if (::lstat(path.c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) return path;
    std::vector<char> buf(static_cast<std::size_t>(st.st_size > 0 ? st.st_size : 4095) + 1);
    const ssize_t n = ::readlink(path.c_str(), buf.data(), buf.size());
    if (n < 0 || static_cast<std::size_t>(n) >= buf.size()) return path;
    const fs::path link(std::string(buf.data(), static_cast<std::size_t>(n)));
    path = (link.is_absolute() ? link : fs::path(path).parent_path() / link).string();
  }
  return path;
}

}  // namespace

void install_cleanup_handlers() {
  for (const int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT}) {
    struct sigaction sa{};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    ::sigaction(sig, &sa, nullptr);
  }
}

Result<bool> write_atomically(const std::string& path, std::ostream& stdout_stream,
                              const std::function<void(std::ostream&)>& write) {
  if (path == "-") {
    write(stdout_stream);
    stdout_stream.flush();
    if (!stdout_stream) return Error{"cannot write to standard output: " + why()};
    return true;
  }
  if (path.empty()) return Error{"the output path is empty"};
  if (path.back() == '/') return Error{"cannot write " + path + ": it names a directory; give a file name"};
  struct stat st{};
  if (::stat(path.c_str(), &st) == 0) {  // what the path leads to, symlinks followed
    if (S_ISDIR(st.st_mode)) return Error{"cannot write " + path + ": it is a directory"};
    if (S_ISBLK(st.st_mode)) return Error{"cannot write " + path + ": it is a block device, which kvmplan never writes"};
    if (!S_ISREG(st.st_mode)) {
      // A character device, a pipe or a socket (/dev/null, /dev/stdout, a FIFO): written
      // through, since it cannot be replaced, and must not be.
      const int fd = ::open(path.c_str(), O_WRONLY | O_NOCTTY | O_CLOEXEC);
      if (fd < 0) return Error{"cannot write " + path + ": " + why()};
      auto r = write_to_fd(fd, path, write);
      ::close(fd);
      return r;
    }
    if (path.starts_with("/proc/") || path.starts_with("/dev/")) {
      // /dev/stdout redirected to a file: the file the shell opened, written in place.
      const int fd = ::open(path.c_str(), O_WRONLY | O_TRUNC | O_NOCTTY | O_CLOEXEC);
      if (fd < 0) return Error{"cannot write " + path + ": " + why()};
      auto r = write_to_fd(fd, path, write);
      ::close(fd);
      return r;
    }
  } else if (errno != ENOENT) {
    return Error{"cannot write " + path + ": " + why()};
  }
  // A regular file, or none yet: through a symlink, the file it names is replaced, not the link.
  return replace_file(follow_links(path), path, write);
}

Result<bool> write_directory_atomically(const std::string& dir,
                                        const std::vector<std::pair<std::string, std::string>>& files) {
  std::error_code ec;
  std::string trimmed = dir;
  while (trimmed.size() > 1 && trimmed.back() == '/') trimmed.pop_back();
  const fs::path asked = fs::path(trimmed).lexically_normal();
  if (trimmed.empty() || asked == "/" || asked == "." || asked == ".." || asked.filename() == "..") {
    return Error{"cannot write " + dir + ": kvmplan writes a new directory of its own, not " + (trimmed.empty() ? "\"\"" : trimmed)};
  }
  // Through a symlink, into the directory it names; the link stays.
  const fs::path target = fs::path(follow_links(asked.string())).lexically_normal();
  const fs::path cwd = fs::current_path(ec);
  if (!ec && (target == cwd || cwd.string().starts_with(target.string() + "/"))) {
    return Error{"cannot write " + dir + ": it is the working directory or holds it"};
  }
  struct stat st{};
  bool replace = false;
  if (::stat(target.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode)) return Error{"cannot write " + dir + ": it exists and is not a directory"};
    const bool marked = fs::exists(target / output_marker, ec);
    const bool empty = fs::is_empty(target, ec);
    if (!marked && !empty) {
      return Error{"cannot write " + dir + ": it exists and kvmplan did not write it (it has no " + output_marker +
                   " file); choose a new directory, or empty this one"};
    }
    replace = true;
  } else if (errno != ENOENT) {
    return Error{"cannot write " + dir + ": " + why()};
  }
  for (const auto& [file, text] : files) {
    const fs::path rel(file);
    bool inside = !file.empty() && rel.is_relative();
    for (const auto& part : rel) inside = inside && part != ".." && part != ".";
    if (!inside) return Error{"cannot write " + dir + ": \"" + file + "\" is no file name inside it"};
  }
  const fs::path parent = target.has_parent_path() ? target.parent_path() : fs::path(".");
  std::string name = (parent / ("." + target.filename().string() + ".tmp.XXXXXX")).string();
  if (!::mkdtemp(name.data())) return Error{"cannot create a directory beside " + dir + ": " + why()};
  const fs::path tmp(name);
  PendingGuard guard(name, true);
  fs::permissions(tmp, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec | fs::perms::others_read |
                           fs::perms::others_exec, ec);
  auto fail = [&](const std::string& message) {
    fs::remove_all(tmp, ec);
    return Error{message};
  };
  std::vector<std::pair<std::string, std::string>> all = files;
  all.emplace_back(output_marker, std::string("kvmplan ") + version +
                                      " wrote this directory, and replaces it whole when asked to write it again.\n");
  for (const auto& [file, text] : all) {
    if (fs::path(file).has_parent_path()) fs::create_directories(tmp / fs::path(file).parent_path(), ec);
    std::ofstream out(tmp / file, std::ios::binary);
    out << text;
    if (!out.flush()) return fail("cannot write " + (asked / file).string() + ": " + why());
  }
  fs::path old;
  if (replace) {
    old = parent / ("." + target.filename().string() + ".old" + tmp.extension().string());
    fs::rename(target, old, ec);
    if (ec) return fail("cannot replace " + dir + ": " + ec.message());
  }
  fs::rename(tmp, target, ec);
  if (ec) {
    const std::string reason = ec.message();
    if (!old.empty()) fs::rename(old, target, ec);
    return fail("cannot write " + dir + ": " + reason);
  }
  if (!old.empty()) fs::remove_all(old, ec);
  return true;
}

}  // namespace kvmplan
