// The HTML report in a real browser: headless Chromium (found at configure time, KVMPLAN_CHROMIUM)
// loads `size scenarios/cluster.yaml --format html`, runs its script, and dumps the DOM; the
// figures in it must be the JSON report's. Built and registered only when chromium is found
// (CMakeLists.txt); otherwise CTest lists the test as skipped.
#include <doctest/doctest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdio>

#include "test_util.hpp"

namespace {

using kvmplan::test::run_cli;

// The DOM after the page's scripts ran, as Chromium serialises it.
std::string dump_dom(const std::string& html_file, const kvmplan::test::TempDir& tmp) {
  // As root Chromium needs --no-sandbox; its own profile directory keeps runs apart.
  const std::string command = std::string("timeout 120 ") + KVMPLAN_CHROMIUM + " --headless --no-sandbox --disable-gpu --user-data-dir=" +
                              (tmp / "profile").string() + " --dump-dom file://" + html_file + " 2>/dev/null";
  std::string dom;
  if (FILE* pipe = ::popen(command.c_str(), "r")) {
    char buf[65536];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, pipe)) > 0;) dom.append(buf, n);
    ::pclose(pipe);
  }
  return dom;
}

// The GiB a person reads for exact MiB: one decimal, rounded up, ".0" left out.
std::string gib_text(long mib) {
  const long tenths = (mib * 10 + 1023) / 1024;
  return std::to_string(tenths / 10) + (tenths % 10 ? "." + std::to_string(tenths % 10) : "") + "GiB";
}

}  // namespace

TEST_CASE("headless Chromium renders the cluster report with the JSON report's figures") {
  const kvmplan::test::TempDir tmp("browser");
  const std::string html = (tmp / "report.html").string();
  REQUIRE(run_cli({"size", "scenarios/cluster.yaml", "--format", "html", "-o", html, "-q"}).code == 0);
  const YAML::Node json = YAML::Load(run_cli({"size", "scenarios/cluster.yaml", "--format", "json"}).out);
  const std::string dom = dump_dom(html, tmp);
  REQUIRE_MESSAGE(dom.find("</html>") != std::string::npos, "Chromium gave no DOM");
  // The page's script ran (it marks the body once the tables are sortable).
  CHECK(dom.find("<body data-ready=\"1\">") != std::string::npos);
  // The summary: hosts used, and the lower bound, as JSON has them.
  const int used = json["totals"]["hosts_used"].as<int>();
  CHECK(used == 6);
  CHECK(dom.find("<td id=\"hosts-used\">" + std::to_string(used) + "</td>") != std::string::npos);
  CHECK(dom.find("lower bound " + json["totals"]["lower_bound_hosts"].as<std::string>()) != std::string::npos);
  // Each host's row: committed memory in GiB (exact MiB in data-v) and its swap.
  for (const auto& host : json["hosts"]) {
    const std::string name = host["name"].as<std::string>();
    const std::size_t row = dom.find("<tr id=\"host-" + name + "\">");
    REQUIRE(row != std::string::npos);
    const std::string tr = dom.substr(row, dom.find("</tr>", row) - row);
    CAPTURE(tr);
    const long committed = host["committed_mib"].as<long>(), swap = host["swap_mib"].as<long>();
    CHECK(tr.find("<td class=\"committed\" data-v=\"" + std::to_string(committed) + "\">" + gib_text(committed) + "</td>") != std::string::npos);
    CHECK(tr.find("<td class=\"swap\" data-v=\"" + std::to_string(swap) + "\">" + gib_text(swap) + "</td>") != std::string::npos);
  }
  // The charts are there, drawn: a bar per shape, the overcommit map's cells.
  CHECK(dom.find("<svg role=\"img\"") != std::string::npos);
  CHECK(dom.find("aria-label=\"overcommit per host and node\"") != std::string::npos);
}

TEST_CASE("headless Chromium draws the day-night report's resident memory per slot") {
  const kvmplan::test::TempDir tmp("browser-usage");
  const std::string html = (tmp / "report.html").string();
  REQUIRE(run_cli({"size", "scenarios/day-night.yaml", "--format", "html", "-o", html, "-q"}).code == 0);
  const std::string dom = dump_dom(html, tmp);
  REQUIRE(dom.find("</html>") != std::string::npos);
  const std::size_t usage = dom.find("<section id=\"usage\">");
  REQUIRE(usage != std::string::npos);
  // One line per host that runs guests, 24 points each.
  const std::size_t line = dom.find("<polyline", usage);
  REQUIRE(line != std::string::npos);
  const std::size_t points = dom.find("points=\"", line) + 8;
  const std::string list = dom.substr(points, dom.find('"', points) - points);
  CHECK(std::count(list.begin(), list.end(), ',') == 24);
}
