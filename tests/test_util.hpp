#pragma once
// Helpers shared by the tests: load scenario text, run the command line in-process.
#include <fstream>
#include <initializer_list>
#include <sstream>
#include <string>
#include <vector>

#include "cli.hpp"
#include "kvmplan/loader.hpp"

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

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace kvmplan::test
