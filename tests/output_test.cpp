// -o as users point it at things that exist: files, symlinks, devices, pipes, directories.
// Output appears whole or not at all, goes through links and into devices, and never replaces
// a directory kvmplan did not write (atomic_file.hpp).
#include <doctest/doctest.h>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>

#include "kvmplan/io/atomic_file.hpp"
#include "test_util.hpp"

namespace fs = std::filesystem;
using kvmplan::test::read_file;
using kvmplan::test::run_cli;
using kvmplan::test::TempDir;

namespace {

std::size_t entries(const fs::path& dir) {
  return static_cast<std::size_t>(std::distance(fs::directory_iterator(dir), fs::directory_iterator{}));
}

const char* const book = "scenarios/book-example.yaml";

}  // namespace

TEST_CASE("-o through a symlink writes the file it names and keeps the link") {
  const TempDir tmp("symlink");
  fs::create_symlink("report.txt", tmp / "link.txt");  // dangling: the file is created
  REQUIRE(run_cli({"size", book, "-o", (tmp / "link.txt").string(), "-q"}).code == 0);
  CHECK(fs::is_symlink(tmp / "link.txt"));
  CHECK(read_file((tmp / "report.txt").string()) == run_cli({"size", book}).out);
  // Again, now that the file exists: replaced through the link, the link stays.
  REQUIRE(run_cli({"size", book, "--format", "json", "-o", (tmp / "link.txt").string(), "-q"}).code == 0);
  CHECK(fs::is_symlink(tmp / "link.txt"));
  CHECK(read_file((tmp / "report.txt").string()).front() == '{');
  CHECK(entries(tmp.path()) == 2);  // no temporary left beside it
}

TEST_CASE("-o into a character device or a pipe writes through it, and never replaces it") {
  // As root, /dev/null once became a regular file holding the report.
  const auto r = run_cli({"size", book, "-o", "/dev/null"});
  CHECK(r.code == 0);
  struct stat st{};
  REQUIRE(::stat("/dev/null", &st) == 0);
  CHECK(S_ISCHR(st.st_mode));
  const TempDir tmp("fifo");
  const std::string fifo = (tmp / "pipe").string();
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  const pid_t reader = ::fork();
  if (reader == 0) {
    std::ifstream in(fifo);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    ::_exit(text == run_cli({"size", book}).out ? 0 : 1);
  }
  CHECK(run_cli({"size", book, "-o", fifo, "-q"}).code == 0);
  int status = 0;
  ::waitpid(reader, &status, 0);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK(fs::is_fifo(fifo));
}

TEST_CASE("-o refuses directories, a trailing slash, block devices, and reports a full disk") {
  const TempDir tmp("refuse");
  CHECK(run_cli({"size", book, "-o", tmp.path().string()}).err == "kvmplan: error: cannot write " + tmp.path().string() + ": it is a directory\n");
  const auto slash = run_cli({"size", book, "-o", (tmp / "out/").string()});
  CHECK(slash.code == 2);
  CHECK(slash.err.find("it names a directory; give a file name") != std::string::npos);
  const auto full = run_cli({"size", book, "-o", "/dev/full"});
  CHECK(full.code == 2);
  CHECK(full.err == "kvmplan: error: cannot write /dev/full: No space left on device\n");
  if (fs::exists("/dev/loop0") && fs::is_block_file("/dev/loop0")) {
    CHECK(run_cli({"size", book, "-o", "/dev/loop0"}).err.find("block device, which kvmplan never writes") != std::string::npos);
  }
  CHECK(entries(tmp.path()) == 0);
}

TEST_CASE("export -o replaces only a directory kvmplan wrote, or an empty one") {
  const TempDir tmp("exportdir");
  const std::string plan = (tmp / "plan.yaml").string();
  const char* scenario = "scenarios/two-node-hugepages.yaml";
  REQUIRE(run_cli({"place", scenario, "-o", plan, "-q"}).code == 0);
  auto exported = [&](const std::string& out) { return run_cli({"export", "libvirt", scenario, "--placement", plan, "-o", out, "-q"}); };
  // A directory of the user's: refused, its file untouched.
  fs::create_directories(tmp / "mine");
  std::ofstream(tmp / "mine" / "notes.txt") << "keep me\n";
  const auto mine = exported((tmp / "mine").string());
  CHECK(mine.code == 2);
  CHECK(mine.err.find("it exists and kvmplan did not write it (it has no .kvmplan-output file)") != std::string::npos);
  CHECK(read_file((tmp / "mine" / "notes.txt").string()) == "keep me\n");
  // The working directory (inputs and all) and a file: refused.
  CHECK(exported(".").code == 2);
  CHECK(exported(plan).err.find("it exists and is not a directory") != std::string::npos);
  CHECK(read_file(plan).find("placements:") != std::string::npos);
  // A new directory, with a trailing slash: written, with the marker; then replaced whole.
  CHECK(exported((tmp / "xml/").string()).code == 0);
  CHECK(fs::exists(tmp / "xml" / ".kvmplan-output"));
  std::ofstream(tmp / "xml" / "stale.xml") << "<domain/>";
  CHECK(exported((tmp / "xml").string()).code == 0);
  CHECK_FALSE(fs::exists(tmp / "xml" / "stale.xml"));
  // An empty directory is taken.
  fs::create_directories(tmp / "empty");
  CHECK(exported((tmp / "empty").string()).code == 0);
  CHECK(fs::exists(tmp / "empty" / ".kvmplan-output"));
  // Nothing but these beside them: no temporaries, no old copies.
  CHECK(entries(tmp.path()) == 4);
}

TEST_CASE("a signal during a write removes the temporary, and the target is untouched") {
  const TempDir tmp("signal");
  const std::string target = (tmp / "out.txt").string();
  std::ofstream(target) << "before\n";
  const pid_t child = ::fork();
  if (child == 0) {
    kvmplan::install_cleanup_handlers();
    std::ostringstream unused;
    // Killed halfway through writing: the temporary exists and is registered.
    (void)kvmplan::write_atomically(target, unused, [](std::ostream& out) {
      out << std::string(1 << 20, 'x');
      std::raise(SIGTERM);
    });
    ::_exit(0);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  CHECK(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGTERM);
  CHECK(read_file(target) == "before\n");
  CHECK(entries(tmp.path()) == 1);
}
