#pragma once
// Helpers shared by the tests: load scenario text, run the command line in-process.
#include <doctest/doctest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "cli.hpp"
#include "kvmplan/report/problems.hpp"
#include "kvmplan/scenario/loader.hpp"

namespace kvmplan::test {

inline Loaded load_text(const std::string& yaml, const std::string& name = "test.yaml") {
  SourceFiles files;
  files.add(name, yaml);
  return load_sources(std::move(files));
}

inline std::string errors_of(const Loaded& loaded) { return format_all(loaded.diagnostics, loaded.sources); }

struct CliRun {
  int code = -1;
  std::string out, err;
};

inline CliRun run_cli(std::vector<std::string> args) {
  args.insert(args.begin(), "kvmplan");
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  std::ostringstream out, err;
  CliRun r;
  r.code = cli::run(static_cast<int>(argv.size()), argv.data(), out, err);
  r.out = out.str();
  r.err = err.str();
  return r;
}

// A fresh directory of its own under the system's temporary directory, removed at the end of
// the test: tests that write files never share a path, so overlapping runs do not collide.
class TempDir {
 public:
  explicit TempDir(const std::string& name) {
    std::string pattern = (std::filesystem::temp_directory_path() / ("kvmplan-test-" + name + "-XXXXXX")).string();
    if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed for " + pattern);
    path_ = pattern;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace kvmplan::test

// Failed checks on sizes show the bytes, not "{?}".
template <>
struct doctest::StringMaker<kvmplan::Bytes> {
  static doctest::String convert(const kvmplan::Bytes& b) { return (std::to_string(b.value) + " bytes").c_str(); }
};
