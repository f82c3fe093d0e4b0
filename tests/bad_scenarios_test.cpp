// Every file in scenarios/bad/ must fail with exactly the text of its .expected file: every
// problem at once, FILE:LINE:COL, the key path, the message, the line and a caret. Exit 2, and
// -o writes nothing.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>

#include "test_util.hpp"

namespace fs = std::filesystem;
using kvmplan::test::read_file;
using kvmplan::test::run_cli;

namespace {

std::vector<std::string> bad_files() {
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator("scenarios/bad")) {
    if (e.path().extension() == ".yaml") files.push_back("scenarios/bad/" + e.path().filename().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

TEST_CASE("every bad scenario fails with its expected text, exit 2, and writes nothing") {
  const auto files = bad_files();
  REQUIRE(files.size() >= 11);
  const kvmplan::test::TempDir tmp("bad");
  const fs::path& dir = tmp.path();
  const std::string out = (dir / "report.json").string();
  for (const auto& file : files) {
    CAPTURE(file);
    const std::string expected_path = file.substr(0, file.size() - 5) + ".expected";
    REQUIRE(fs::exists(expected_path));
    const auto r = run_cli({"size", file, "--format", "json", "-o", out});
    CHECK(r.code == 2);
    CHECK(r.out.empty());
    CHECK(r.err == read_file(expected_path));
    CHECK(fs::is_empty(dir));  // neither the report nor a temporary file
  }
}

TEST_CASE("the spec's own example message") {
  // scenario-format.md section 5: hosts.yaml:12:13: error: hosts[1].memory: "32" has no unit; ...
  const auto r = run_cli({"size", "scenarios/bad/no-unit.yaml"});
  CHECK(r.err.find("scenarios/bad/no-unit.yaml:7:13: error: hosts[1].memory: \"32\" has no unit; write 32GiB (or 32G)\n") == 0);
}

TEST_CASE("an existing output file survives a failed run untouched") {
  const kvmplan::test::TempDir tmp("keep");
  const fs::path& dir = tmp.path();
  const std::string out = (dir / "report.txt").string();
  {
    std::ofstream(out) << "previous report\n";
  }
  const auto r = run_cli({"size", "scenarios/bad/syntax.yaml", "-o", out});
  CHECK(r.code == 2);
  CHECK(read_file(out) == "previous report\n");
  CHECK(std::distance(fs::directory_iterator(dir), fs::directory_iterator{}) == 1);
}

TEST_CASE("problems in several files are all reported, in file order") {
  const auto r = run_cli({"size", "scenarios/bad/swap-baseline.yaml", "scenarios/bad/no-unit.yaml"});
  CHECK(r.code == 2);
  const auto first = r.err.find("scenarios/bad/swap-baseline.yaml:3:18:");
  const auto second = r.err.find("scenarios/bad/no-unit.yaml:7:13:");
  CHECK(first == 0);
  CHECK(second != std::string::npos);
}
