// The layout the code keeps (docs/conventions in CONTRIBUTING.md): folders that show the stages,
// include/kvmplan mirroring them, headers named after their sources, the model, the plan and
// the exports independent of placement, and no include cycle between folders.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

const fs::path root = KVMPLAN_SOURCE_DIR;
const std::set<std::string> folders{"values", "io", "scenario", "model", "rules", "placement", "plan", "report", "libvirt", "deploy", "cli"};

// Folder -> the folders its files include, with one file that does, for the message.
std::map<std::string, std::map<std::string, std::string>> include_graph() {
  std::map<std::string, std::map<std::string, std::string>> edges;
  const std::regex include(R"re(^\s*#\s*include\s*"([^"]+)")re");
  for (const fs::path& base : {root / "src", root / "include" / "kvmplan"}) {
    for (const auto& entry : fs::recursive_directory_iterator(base)) {
      if (!entry.is_regular_file()) continue;
      const std::string from = fs::relative(entry.path(), base).begin()->string();
      if (!folders.count(from)) continue;
      std::ifstream in(entry.path());
      std::string line;
      std::smatch m;
      while (std::getline(in, line)) {
        if (!std::regex_search(line, m, include)) continue;
        fs::path target = m[1].str();
        auto part = target.begin();
        if (part->string() == "kvmplan") ++part;
        const std::string to = part->string();
        if (folders.count(to) && to != from) edges[from].emplace(to, fs::relative(entry.path(), root).string());
      }
    }
  }
  return edges;
}

}  // namespace

TEST_CASE("layout: the model, the plan, the rules and the exports never include placement") {
  const auto edges = include_graph();
  REQUIRE(edges.count("cli"));  // the graph was read: the CLI includes other folders
  for (const char* folder : {"values", "io", "scenario", "model", "rules", "plan", "libvirt", "deploy"}) {
    const auto it = edges.find(folder);
    if (it == edges.end()) continue;
    const auto placement = it->second.find("placement");
    CHECK_MESSAGE(placement == it->second.end(), placement->second << " includes placement");
  }
}

TEST_CASE("layout: no include cycle between folders") {
  const auto edges = include_graph();
  // Depth-first search; a folder met again while on the stack closes a cycle.
  std::map<std::string, int> state;  // 0 new, 1 on the stack, 2 done
  std::vector<std::string> stack;
  std::string cycle;
  auto visit = [&](auto&& self, const std::string& f) -> void {
    state[f] = 1;
    stack.push_back(f);
    if (const auto it = edges.find(f); it != edges.end()) {
      for (const auto& [to, file] : it->second) {
        if (state[to] == 1 && cycle.empty()) {
          for (auto s = std::find(stack.begin(), stack.end(), to); s != stack.end(); ++s) cycle += *s + " -> ";
          cycle += to + " (" + file + ")";
        } else if (state[to] == 0) {
          self(self, to);
        }
      }
    }
    stack.pop_back();
    state[f] = 2;
  };
  for (const auto& f : folders) {
    if (state[f] == 0) visit(visit, f);
  }
  CHECK_MESSAGE(cycle.empty(), "include cycle: " << cycle);
}

TEST_CASE("layout: include/kvmplan mirrors src, each header named after its source") {
  // Headers of types and constants only, with nothing to define.
  const std::set<std::string> header_only{"values/limits.hpp", "values/result.hpp", "values/small_ints.hpp", "libvirt/xml_text.hpp",
                                          "scenario/loader_parts.hpp", "rules/rule.hpp", "rules/fixed_host.hpp", "rules/vcpu_limit.hpp",
                                          "placement/ksm_tally.hpp"};
  int headers = 0;
  for (const fs::path& base : {root / "include" / "kvmplan", root / "src"}) {
    for (const auto& entry : fs::recursive_directory_iterator(base)) {
      if (entry.path().extension() != ".hpp") continue;
      const fs::path rel = fs::relative(entry.path(), base);
      ++headers;
      CHECK_MESSAGE(folders.count(rel.begin()->string()), rel.string() << " is in no stage's folder");
      if (header_only.count(rel.generic_string())) continue;
      fs::path source = root / "src" / rel;
      source.replace_extension(".cpp");
      CHECK_MESSAGE(fs::exists(source), rel.string() << " has no source of its name, src/" << fs::relative(source, root / "src").string());
    }
  }
  CHECK(headers > 40);
}
