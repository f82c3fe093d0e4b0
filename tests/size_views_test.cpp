// kvmplan size for people and spreadsheets: sizes in GiB/TiB, the summary first, hosts of one
// shape on one row, --sort/--top/--host, CSV per host and per guest, the HTML page's escaping.
#include <doctest/doctest.h>
#include <yaml-cpp/yaml.h>

#include <fstream>

#include "../src/report/size_views.hpp"
#include "../src/report/svg.hpp"
#include "test_util.hpp"

using kvmplan::Bytes;
using kvmplan::GiB;
using kvmplan::MiB;
using kvmplan::test::run_cli;

namespace {

std::size_t count_of(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// 30 hosts of 64GiB and 16 cores (reserve 4GiB, ratio 1.5: 90GiB to commit each); 100 guests of
// 8GiB pack 11 to a host (88GiB): 10 hosts (9 of 11 guests, one of 1), then 20 empty.
const char* const fleet = R"(policy: {memory_ratio: 1.5, cpu_ratio: 8, host_reserve: 4GiB}
hosts: [{name: kvm, count: 30, memory: 64GiB, cpus: 16}]
guests: [{name: vm, count: 100, vcpus: 1, memory: 8GiB}]
)";

// A text table's row as its cells: columns are two spaces or more apart.
std::vector<std::string> row_cells(const std::string& text, const std::string& first) {
  const std::size_t at = text.find("\n" + first + "  ");
  if (at == std::string::npos) return {};
  const std::string line = text.substr(at + 1, text.find('\n', at + 1) - at - 1);
  std::vector<std::string> cells;
  std::size_t i = 0;
  while (i < line.size()) {
    std::size_t end = line.find("  ", i);
    if (end == std::string::npos) end = line.size();
    cells.push_back(line.substr(i, end - i));
    i = line.find_first_not_of(' ', end);
    if (i == std::string::npos) break;
  }
  return cells;
}

std::string write_fleet(const kvmplan::test::TempDir& tmp) {
  const std::string file = (tmp / "fleet.yaml").string();
  std::ofstream(file) << fleet;
  return file;
}

}  // namespace

TEST_CASE("sizes for people: MiB below a GiB, GiB with one decimal rounded up, then TiB") {
  CHECK(kvmplan::human_size(Bytes{0}) == "0");
  CHECK(kvmplan::human_size(MiB(512)) == "512MiB");
  CHECK(kvmplan::human_size(MiB(1536)) == "1.5GiB");
  CHECK(kvmplan::human_size(GiB(44)) == "44GiB");
  CHECK(kvmplan::human_size(Bytes{GiB(1).value + 1}) == "1.1GiB");  // rounded up, never down
  CHECK(kvmplan::human_size(GiB(-36)) == "-36GiB");
  CHECK(kvmplan::human_size(MiB(582144)) == "568.5GiB");
  // The issue's total: 45114880MiB is 43.02TiB, shown rounded up.
  CHECK(kvmplan::human_size(MiB(45114880)) == "43.1TiB");
  CHECK(kvmplan::human_size(MiB(1048500)) == "1TiB");  // 1023.93GiB rounds up to 1024.0GiB: 1TiB
}

TEST_CASE("host ranges join runs of consecutive numbers and count what they leave out") {
  using V = std::vector<std::string_view>;
  CHECK(kvmplan::host_range(V{"kvm-001", "kvm-002", "kvm-003", "kvm-005"}) == "kvm-001..kvm-003, kvm-005");
  CHECK(kvmplan::host_range(V{"a1", "a2", "b"}) == "a1, a2, b");
  CHECK(kvmplan::host_range(V{"h1", "h3", "h5", "h7", "h9"}) == "h1, h3, h5, ... (2 more)");
  CHECK(kvmplan::host_range(V{"kvm09", "kvm10", "kvm11"}) == "kvm09..kvm11");
}

TEST_CASE("html_escape leaves no markup in scenario text") {
  CHECK(kvmplan::html_escape("<b>x</b> & 'y' \"z\"") == "&lt;b&gt;x&lt;/b&gt; &amp; &#39;y&#39; &quot;z&quot;");
}

TEST_CASE("the text report opens with the summary, and the vCPUs column counts shared vCPUs") {
  // locked-guests: a dedicated guest's vCPUs are not in the ratio, and not in the vCPUs column.
  const auto json = YAML::Load(run_cli({"size", "scenarios/cluster.yaml", "--format", "json"}).out);
  const auto text = run_cli({"size", "scenarios/cluster.yaml"}).out;
  REQUIRE(text.find("summary:\n  hosts") != std::string::npos);
  CHECK(text.find("summary:") < text.find("\nhosts"));
  const auto used = json["totals"]["hosts_used"].as<int>();
  CHECK(text.find("  hosts         " + std::to_string(used) + " needed, ") != std::string::npos);
  // The first host's row: its shared vCPUs (the ratio's), pCPUs, cpu ratio, dedicated vCPUs, guests.
  const YAML::Node h = json["hosts"][0];
  const auto cells = row_cells(text, h["name"].as<std::string>());
  REQUIRE(cells.size() == 15);
  CHECK(cells[10] == std::to_string(h["vcpus"].as<int>()));
  CHECK(cells[11] == std::to_string(h["pcpus"].as<int>()));
  CHECK(cells[12] == h["cpu_overcommit"].as<std::string>());
  CHECK(h["dedicated_vcpus"].as<int>() == 8);
  CHECK(cells[13] == "8");
  CHECK(cells[14] == std::to_string(h["guests"].as<int>()));
}

TEST_CASE("many hosts: identical hosts share a row with their range, and --hosts all lists each") {
  const kvmplan::test::TempDir tmp("fleet");
  const std::string file = write_fleet(tmp);
  const auto json = YAML::Load(run_cli({"size", file, "--format", "json"}).out);
  REQUIRE(json["totals"]["hosts_used"].as<int>() == 10);
  const auto text = run_cli({"size", file});
  CHECK(text.code == 0);
  // Nine full hosts (11 guests: 88GiB committed), one of one guest, twenty empty.
  const auto full = row_cells(text.out, "kvm-01..kvm-09 (9 hosts)");
  REQUIRE(full.size() == 15);
  CHECK(full[5] == "88GiB");   // committed
  CHECK(full[9] == "36GiB");   // swap
  CHECK(full[14] == "11");     // guests
  CHECK(row_cells(text.out, "kvm-10").at(14) == "1");
  CHECK(row_cells(text.out, "kvm-11..kvm-30 (20 hosts)").at(14) == "0");
  CHECK(text.out.find("  resident on 9 hosts (kvm-01..kvm-09): e.g. kvm-01: expected resident memory 88GiB") != std::string::npos);
  CHECK(text.out.find("hosts (30 in 3 rows of identical figures, --hosts all lists each):") != std::string::npos);
  // Swap: 88 + 4 - 64 = 28GiB for guests plus rhel5's 8GiB for 64GiB of RAM: 36GiB the most.
  CHECK(text.out.find("  uniform swap  36GiB on every host") != std::string::npos);
  const auto all = run_cli({"size", file, "--hosts", "all"});
  CHECK(count_of(all.out, "\nkvm-") == 60);  // a row each in both tables
}

TEST_CASE("--sort, --top and --host choose the rows, and the summary still counts every host") {
  const kvmplan::test::TempDir tmp("select");
  const std::string file = write_fleet(tmp);
  const auto top = run_cli({"size", file, "--sort", "guests", "--top", "2", "--hosts", "all"});
  CHECK(top.out.find("hosts (2 of 30: --sort guests, --top 2):") != std::string::npos);
  CHECK(count_of(top.out, "\nkvm-") == 4);
  CHECK(top.out.find("  hosts         10 needed, 30 in the plan") != std::string::npos);
  const auto some = run_cli({"size", file, "--host", "kvm-1?", "--format", "csv"});
  CHECK(count_of(some.out, "\nkvm-1") == 10);
  CHECK(count_of(some.out, "\n") == 11);  // the header and 10 hosts
  // The 10th host runs one guest: 8GiB plus QEMU's overhead, rounded up.
  const auto sorted = run_cli({"size", file, "--sort", "swap", "--format", "csv", "--top", "1"});
  CHECK(sorted.out.find("\nkvm-01,65536,4096,0,0,") != std::string::npos);
}

TEST_CASE("bad view options are refused with exit 2, and nothing is written") {
  const kvmplan::test::TempDir tmp("badview");
  const std::string out = (tmp / "r.txt").string();
  const char* book = "scenarios/book-example.yaml";
  for (const std::vector<std::string>& args : {std::vector<std::string>{"--sort", "colour"}, {"--top", "0"}, {"--hosts", "some"},
                                                {"--per", "guest"}, {"--format", "json", "--top", "3"},
                                                {"--format", "html", "--host", "kvm*"}, {"--per", "vm", "--format", "csv"}}) {
    std::vector<std::string> argv{"size", book, "-o", out};
    argv.insert(argv.end(), args.begin(), args.end());
    const auto r = run_cli(argv);
    CAPTURE(args.front());
    CHECK(r.code == 2);
    CHECK_FALSE(r.err.empty());
    CHECK_FALSE(std::filesystem::exists(out));
  }
  CHECK(run_cli({"size", book, "--per", "guest"}).err == "kvmplan: error: --per guest needs --format csv\n");
}

TEST_CASE("CSV: one row per host in exact MiB, as JSON has them") {
  const auto r = run_cli({"size", "scenarios/book-example.yaml", "--format", "csv"});
  REQUIRE(r.code == 0);
  CHECK(r.out.find("host,memory_mib,reserve_mib,hugepages_mib,locked_mib,committed_mib,memory_overcommit,") == 0);
  // 32GiB, 4GiB reserve, 64GiB committed (2.286), 36 + 8 = 44GiB of swap, 64 shared vCPUs on 16.
  CHECK(r.out.find("\nkvm01,32768,4096,0,0,65536,2.286,36864,8192,45056,,0,65536,0,-36864,36864,64,16,4.0,0,16,64,"
                   "resident: expected resident memory 64GiB exceeds usable memory 28GiB: the host will swap in steady state\n") != std::string::npos);
}

TEST_CASE("CSV per guest: host, nodes and CPUs as place puts them, quoted where they hold commas") {
  const auto r = run_cli({"size", "scenarios/cluster.yaml", "--format", "csv", "--per", "guest"});
  REQUIRE(r.code == 0);
  CHECK(r.out.find("guest,host,nodes,cpuset,memory_mib,vcpus,cpu_policy,hugepage_size_mib,locked,flavor,image,unplaced\n") == 0);
  CHECK(count_of(r.out, "\n") == 1 + 187);  // 120 web, 60 app, 4 db, 2 cache, analytics
  // analytics: two cells of 112GiB on both nodes of its host; nodes and CPUs hold commas.
  const std::size_t at = r.out.find("\nanalytics,compute-");
  REQUIRE(at != std::string::npos);
  const std::string row = r.out.substr(at + 1, r.out.find('\n', at + 1) - at - 1);
  CAPTURE(row);
  CHECK(row.find(",\"0,1\",\"") != std::string::npos);
  CHECK(row.find("\",229376,32,shared,,false,,,") != std::string::npos);
  // a database: dedicated, on 1GiB pages, its flavor named.
  CHECK(r.out.find(",65536,8,dedicated,1024,false,db,,\n") != std::string::npos);
}

TEST_CASE("HTML: one page with nothing fetched, and scenario text escaped") {
  const kvmplan::test::TempDir tmp("html");
  const std::string file = (tmp / "s.yaml").string();
  std::ofstream(file) << "hosts: [{name: h, memory: 32GiB, cpus: 8}]\n"
                         "guests: [{name: g, count: 3, vcpus: 1, memory: 2GiB, image: \"<b>x</b> & 'y'\", ksm_shareable: 0.5}]\n";
  const auto r = run_cli({"size", file, "--format", "html"});
  REQUIRE(r.code == 0);
  CHECK(r.out.find("<!DOCTYPE html>") == 0);
  CHECK(r.out.find("&lt;b&gt;x&lt;/b&gt; &amp; &#39;y&#39;") != std::string::npos);
  CHECK(r.out.find("<b>x</b>") == std::string::npos);
  CHECK(r.out.find("http://") == std::string::npos);
  CHECK(r.out.find("https://") == std::string::npos);
  CHECK(r.out.find(" src=") == std::string::npos);
  CHECK(r.out.find("<td id=\"hosts-used\">1</td>") != std::string::npos);
}

TEST_CASE("HTML for a fleet stays small: hosts of one shape share a bar and a row") {
  const kvmplan::test::TempDir tmp("htmlfleet");
  const std::string file = (tmp / "fleet.yaml").string();
  std::ofstream(file) << "hosts: [{name: kvm, count: 2000, memory: 256GiB, cpus: 64}]\n"
                         "guests: [{name: vm, count: 9000, vcpus: 2, memory: 16GiB}]\n";
  const auto r = run_cli({"size", file, "--format", "html"});
  REQUIRE(r.code == 0);
  CHECK(r.out.size() < 200 * 1024);
  CHECK(r.out.find("2000 hosts: each cell counts the hosts") != std::string::npos);
  CHECK(count_of(r.out, "<tr") < 40);
}

TEST_CASE("HTML under usage profiles draws a line per host of resident memory per slot") {
  const auto r = run_cli({"size", "scenarios/day-night.yaml", "--format", "html"});
  REQUIRE(r.code == 0);
  CHECK(r.out.find("<section id=\"usage\">") != std::string::npos);
  const auto json = YAML::Load(run_cli({"size", "scenarios/day-night.yaml", "--format", "json"}).out);
  const std::string first = json["hosts"][0]["name"].as<std::string>();
  CHECK(r.out.find("<polyline fill=\"none\" stroke-width=\"2\" stroke=\"#4a90d9\" points=\"60,") != std::string::npos);
  CHECK(r.out.find("data-host=\"" + first + "\"") != std::string::npos);
}
