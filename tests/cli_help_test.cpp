// The command line for people (issue 16, items 1, 5 and 6): place's summary on a terminal,
// progress on a terminal's standard error, help with examples, `kvmplan help policy`, the
// nearest command for a mistyped one, and bash completion.
#include <doctest/doctest.h>
#include <stdio.h>

#include <regex>
#include <set>
#include <sstream>

#include "kvmplan/scenario/policy.hpp"
#include "progress.hpp"
#include "test_util.hpp"

using kvmplan::test::read_file;
using kvmplan::test::run_cli;
using kvmplan::test::TempDir;

namespace {

// run_cli with the terminal flags main() takes from isatty.
kvmplan::test::CliRun run_on(kvmplan::cli::Terminal terminal, std::vector<std::string> args) {
  args.insert(args.begin(), "kvmplan");
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  std::ostringstream out, err;
  kvmplan::test::CliRun r;
  r.code = kvmplan::cli::run(static_cast<int>(argv.size()), argv.data(), out, err, terminal);
  r.out = out.str();
  r.err = err.str();
  return r;
}

const kvmplan::cli::Terminal stderr_terminal{false, true};
const kvmplan::cli::Terminal stdout_terminal{true, false};

}  // namespace

TEST_CASE("progress lines: a stage overwrites the line on a terminal and is nothing elsewhere") {
  using kvmplan::cli::progress_clear;
  using kvmplan::cli::progress_text;
  CHECK(progress_text(true, "loading 100,000 guests") == "\rloading 100,000 guests\x1b[K");
  CHECK(progress_text(false, "loading 100,000 guests").empty());
  CHECK(progress_clear(true, true) == "\r\x1b[K");
  CHECK(progress_clear(true, false).empty());
  CHECK(progress_clear(false, true).empty());
  CHECK(kvmplan::cli::count_text(0) == "0");
  CHECK(kvmplan::cli::count_text(999) == "999");
  CHECK(kvmplan::cli::count_text(1000) == "1,000");
  CHECK(kvmplan::cli::count_text(100000) == "100,000");
  CHECK(kvmplan::cli::count_text(1234567) == "1,234,567");
}

TEST_CASE("a Progress object shows stages, clears before a message and at the end") {
  std::ostringstream raw;
  {
    kvmplan::cli::Progress progress(raw, true);
    kvmplan::cli::ClearingBuf buf(raw.rdbuf(), progress);
    std::ostream err(&buf);
    progress.stage("loading a.yaml");
    progress.stage("placing 3 guests");
    err << "kvmplan: warning: x\n";
    progress.stage("writing");
  }
  CHECK(raw.str() == "\rloading a.yaml\x1b[K\rplacing 3 guests\x1b[K\r\x1b[Kkvmplan: warning: x\n\rwriting\x1b[K\r\x1b[K");

  std::ostringstream quiet;
  {
    kvmplan::cli::Progress progress(quiet, false);  // standard error is no terminal
    progress.stage("loading a.yaml");
    progress.clear();
  }
  CHECK(quiet.str().empty());
}

TEST_CASE("size on a terminal's standard error shows its stages and clears them, output unchanged") {
  const auto plain = run_cli({"size", "scenarios/cluster.yaml"});
  const auto shown = run_on(stderr_terminal, {"size", "scenarios/cluster.yaml"});
  CHECK(shown.code == plain.code);
  CHECK(shown.out == plain.out);
  CHECK(plain.err.find('\r') == std::string::npos);
  CHECK(shown.err ==
        "\rloading scenarios/cluster.yaml\x1b[K"
        "\rloaded 187 guests, 0 hosts\x1b[K"
        "\rplacing and sizing 187 guests (greedy, then the search for fewer hosts)\x1b[K"
        "\r\x1b[K");  // cleared before the report goes to standard output (a pager, or the terminal)
  // --quiet silences it.
  const auto quiet = run_on(stderr_terminal, {"size", "scenarios/cluster.yaml", "-q"});
  CHECK(quiet.err.empty());
  CHECK(quiet.out == plain.out);
}

TEST_CASE("a message on a terminal's standard error clears the stage line first") {
  TempDir dir("progress-place");
  const std::string plan = (dir / "plan.yaml").string();
  const auto r = run_on(stderr_terminal, {"place", "scenarios/cluster.yaml", "-o", plan});
  CHECK(r.code == 0);
  CHECK(r.err ==
        "\rloading scenarios/cluster.yaml\x1b[K"
        "\rloaded 187 guests, 0 hosts\x1b[K"
        "\rplacing 187 guests (greedy, then the search for fewer hosts)\x1b[K"
        "\rchecking the plan: 6 hosts\x1b[K"
        "\rwriting the plan: 187 guests\x1b[K"
        "\r\x1b[Kkvmplan: 6 hosts used (lower bound 6, optimal), 0 unplaced; wrote " + plan + "\n");
  const auto checked = run_on(stderr_terminal, {"check", "scenarios/cluster.yaml", "--placement", plan});
  CHECK(checked.code == 0);
  CHECK(checked.err ==
        "\rloading scenarios/cluster.yaml\x1b[K"
        "\rloaded 187 guests, 0 hosts\x1b[K"
        "\rreading " + plan + "\x1b[K"
        "\rchecking 187 placements\x1b[K"
        "\r\x1b[Kkvmplan: 0 violations, 0 unplaced\n");
  // Written to a file, the report's stage shows.
  const std::string report = (dir / "report.txt").string();
  const auto sized = run_on(stderr_terminal, {"size", "scenarios/cluster.yaml", "-o", report});
  CHECK(sized.err.find("\rwriting the text report\x1b[K\r\x1b[Kkvmplan: wrote " + report + "\n") != std::string::npos);
  // A bad file: the errors, never on the stage's line.
  const auto bad = run_on(stderr_terminal, {"size", "scenarios/bad/no-unit.yaml"});
  CHECK(bad.code == 2);
  CHECK(bad.err.rfind("\rloading scenarios/bad/no-unit.yaml\x1b[K\r\x1b[Kscenarios/bad/no-unit.yaml:", 0) == 0);
}

TEST_CASE("place on a terminal prints a summary and no plan unless -o asks") {
  const auto piped = run_cli({"place", "scenarios/cluster.yaml"});
  REQUIRE(piped.code == 0);
  CHECK(piped.out.rfind("kvmplan: \"0.1.0\"\n", 0) == 0);  // not a terminal: the plan, as before

  const auto summary = run_on(stdout_terminal, {"place", "scenarios/cluster.yaml"});
  CHECK(summary.code == 0);
  CHECK(summary.out ==
        "6 hosts used (lower bound 6, optimal), 187 guests placed, 0 unplaced\n"
        "guests per host: min 7, median 18, max 64\n"
        "The plan was not written (standard output is a terminal): -o plan.yaml writes it, as does a pipe or a redirection\n"
        "(kvmplan place ... > plan.yaml); kvmplan show plan.yaml reads it host by host.\n");
  CHECK(summary.err.empty());

  // -o writes the plan wherever it goes, standard output included.
  const auto to_stdout = run_on(stdout_terminal, {"place", "scenarios/cluster.yaml", "-o", "-"});
  CHECK(to_stdout.out == piped.out);
  TempDir dir("place-terminal");
  const std::string plan = (dir / "plan.yaml").string();
  const auto to_file = run_on(stdout_terminal, {"place", "scenarios/cluster.yaml", "-o", plan});
  CHECK(to_file.code == 0);
  CHECK(to_file.out.empty());
  CHECK(read_file(plan) == piped.out);
}

TEST_CASE("docs/cli.md shows the summary place prints on a terminal") {
  const auto summary = run_on(stdout_terminal, {"place", "scenarios/cluster.yaml"});
  REQUIRE(summary.code == 0);
  CHECK(read_file("docs/cli.md").find("$ kvmplan place scenarios/cluster.yaml\n" + summary.out + "```\n") != std::string::npos);
}

TEST_CASE("place --from on a terminal writes no plan without -o either") {
  TempDir dir("place-from-terminal");
  const std::string plan = (dir / "plan.yaml").string();
  REQUIRE(run_cli({"place", "scenarios/cluster.yaml", "-o", plan}).code == 0);
  const auto r = run_on(stdout_terminal, {"place", "scenarios/cluster.yaml", "--from", plan, "--retire", "compute-3"});
  CHECK(r.code == 0);
  CHECK(r.out.rfind("The plan was not written (standard output is a terminal)", 0) == 0);
  CHECK(r.err.find("kvmplan: 6 hosts used (lower bound 6, optimal), 0 unplaced; ") != std::string::npos);
  const auto piped = run_cli({"place", "scenarios/cluster.yaml", "--from", plan, "--retire", "compute-3"});
  CHECK(piped.out.rfind("kvmplan: \"0.1.0\"\n", 0) == 0);
}

TEST_CASE("place on a terminal summarises unplaced guests and the failure verdict") {
  const auto unplaced = run_on(stdout_terminal, {"place", "scenarios/cluster.yaml", "--set", "memory_ratio=0.2", "-q"});
  CHECK(unplaced.code == 1);
  CHECK(unplaced.out ==
        "31 hosts used (lower bound 30, gap 1), 185 guests placed, 2 unplaced\n"
        "guests per host: min 3, median 6, max 7\n"
        "unplaced: cache-2: 0/4 hosts fit: 3 affinity cache, 1 memory ratio 0.2 reached; a new compute host: affinity cache\n"
        "unplaced: analytics: a new compute host: memory ratio 0.2 reached\n"
        "The plan was not written (standard output is a terminal): -o plan.yaml writes it, as does a pipe or a redirection\n"
        "(kvmplan place ... > plan.yaml); kvmplan show plan.yaml reads it host by host.\n");
  CHECK(unplaced.err.empty());

  const auto piped = run_cli({"place", "scenarios/cluster-ha.yaml", "--set", "memory_ratio=1.0", "--set", "ha.host_failures=2"});
  const auto summary = run_on(stdout_terminal, {"place", "scenarios/cluster-ha.yaml", "--set", "memory_ratio=1.0", "--set", "ha.host_failures=2"});
  CHECK(summary.code == piped.code);
  CHECK(summary.out.find("The plan was not written") != std::string::npos);
  CHECK(summary.out.find("survives any 2 hosts") != std::string::npos);
}

TEST_CASE("each command's help shows examples and leaves the policy keys to kvmplan help policy") {
  for (const char* command : {"size", "place", "check", "show", "drain", "diff", "whatif", "headroom", "import", "export", "help"}) {
    CAPTURE(command);
    const auto r = run_cli({command, "--help"});
    CHECK(r.code == 0);
    CHECK(r.out.find("\nExamples:\n  ") != std::string::npos);
    CHECK(r.out.find("memory_ratio = ") == std::string::npos);
    CHECK(r.out.find(std::string("Usage: kvmplan ") + command) != std::string::npos);
  }
  const auto main_help = run_cli({"--help"});
  CHECK(main_help.code == 0);
  CHECK(main_help.out.find("Policy keys, with their defaults: kvmplan help policy\n") != std::string::npos);
  CHECK(main_help.out.find("memory_ratio = ") == std::string::npos);
  CHECK(run_cli({"size", "--help"}).out.find("Policy keys for --set, with their defaults: kvmplan help policy\n") != std::string::npos);

  const auto policy = run_cli({"help", "policy"});
  CHECK(policy.code == 0);
  for (const auto& knob : kvmplan::policy_knobs()) {
    CAPTURE(knob.key);
    CHECK(policy.out.find("  " + std::string(knob.key) + " = " + std::string(knob.default_text)) != std::string::npos);
  }
  CHECK(policy.out.find("Exit codes: 0 done") != std::string::npos);

  // kvmplan help COMMAND is COMMAND --help; import and export take theirs.
  CHECK(run_cli({"help", "size"}).out == run_cli({"size", "--help"}).out);
  CHECK(run_cli({"help", "export", "ansible"}).out == run_cli({"export", "ansible", "--help"}).out);
  CHECK(run_cli({"help"}).out == main_help.out);
  const auto bad = run_cli({"help", "sise"});
  CHECK(bad.code == 2);
  CHECK(bad.out.empty());
  CHECK(bad.err.rfind("kvmplan: error: help: no command or topic \"sise\"; did you mean \"size\"?\n", 0) == 0);
  CHECK(run_cli({"help", "export", "ansibel"}).err.rfind("kvmplan: error: help: no subcommand of export \"ansibel\"; did you mean \"ansible\"?\n", 0) == 0);
  CHECK(run_cli({"help", "policy", "size"}).code == 2);
}

TEST_CASE("an unknown command gets the nearest one, exit 2, nothing written") {
  const auto r = run_cli({"sise", "scenarios/book-example.yaml"});
  CHECK(r.code == 2);
  CHECK(r.out.empty());
  CHECK(r.err.rfind("kvmplan: error: unknown command \"sise\"; did you mean \"size\"?\n", 0) == 0);
  CHECK(run_cli({"plcae"}).err.rfind("kvmplan: error: unknown command \"plcae\"; did you mean \"place\"?\n", 0) == 0);
}

// The examples of every help run as shown (files the earlier examples write are made first, in a
// temporary directory; the plan examples read).
TEST_CASE("the examples in the help run") {
  TempDir dir("help-examples");
  const std::string plan = (dir / "plan.yaml").string(), plan_ha = (dir / "plan-ha.yaml").string(), next = (dir / "new.yaml").string();
  REQUIRE(run_cli({"place", "scenarios/cluster.yaml", "-o", plan}).code == 0);
  REQUIRE(run_cli({"place", "scenarios/cluster-ha.yaml", "-o", plan_ha}).code == 0);
  REQUIRE(run_cli({"place", "scenarios/cluster.yaml", "--from", plan, "--retire", "compute-3", "-o", next}).code == 0);
  int ran = 0;
  for (const char* command : {"size", "place", "check", "show", "drain", "diff", "whatif", "headroom", "import", "export", "help"}) {
    std::istringstream help(run_cli({command, "--help"}).out);
    std::string line;
    bool examples = false;
    while (std::getline(help, line)) {
      if (line == "Examples:") examples = true;
      if (!examples || line.rfind("  kvmplan ", 0) != 0) continue;
      // Lines with a pipe, a redirection or a glob are for the shell; annotations in (...) are not arguments.
      std::string text = line.substr(std::string("  kvmplan ").size());
      if (const auto note = text.find("   ("); note != std::string::npos) text = text.substr(0, note);
      if (text.find_first_of("|>*&") != std::string::npos) continue;
      std::vector<std::string> args;
      std::istringstream words(text);
      for (std::string w; words >> w;) {
        if (w.size() > 1 && w.front() == '\'' && w.back() == '\'') w = w.substr(1, w.size() - 2);
        if (w == "plan.yaml") w = plan;
        else if (w == "plan-ha.yaml") w = plan_ha;
        else if (w == "new.yaml") w = next;
        else if (!args.empty() && (args.back() == "-o" || args.back() == "--order")) w = (dir / w).string();
        args.push_back(w);
      }
      CAPTURE(line);
      const auto r = run_cli(args);
      CHECK(r.code == 0);
      CHECK(r.err.find("error") == std::string::npos);
      ++ran;
    }
  }
  CHECK(ran >= 20);
}

namespace {

// What bash completes for the words (the last one being completed), one per line; "" when bash
// is missing.
std::string complete(const std::string& words) {
  const std::string script = std::string(KVMPLAN_SOURCE_DIR) + "/scripts/kvmplan-completion.bash";
  const std::string command = "bash --norc --noprofile -c 'source \"" + script + "\" && COMP_WORDS=(" + words +
                              ") && COMP_CWORD=$((${#COMP_WORDS[@]} - 1)) && _kvmplan && printf \"%s\\n\" \"${COMPREPLY[@]}\"' 2>&1";
  std::string output;
  if (FILE* pipe = ::popen(command.c_str(), "r")) {
    char buffer[4096];
    while (const std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, n);
    ::pclose(pipe);
  }
  return output;
}

bool have_bash() { return std::system("command -v bash >/dev/null 2>&1") == 0; }

}  // namespace

TEST_CASE("bash completion offers commands, options, values and files") {
  if (!have_bash()) {
    MESSAGE("SKIPPED: bash is not installed");
    return;
  }
  CHECK(complete("kvmplan s") == "size\nshow\n");
  CHECK(complete("kvmplan h") == "headroom\nhelp\n");
  CHECK(complete("kvmplan size --fo") == "--format\n");
  CHECK(complete("kvmplan size scenarios/cluster.yaml --format \"\"") == "text\njson\nmarkdown\ncsv\nhtml\n");
  CHECK(complete("kvmplan place --format \"\"") == "yaml\njson\n");
  CHECK(complete("kvmplan export \"\"") == "libvirt\nhost\nansible\n");
  CHECK(complete("kvmplan help p") == "policy\nplace\n");
  CHECK(complete("kvmplan size scenarios/book") == "scenarios/book-example.yaml\n");
  CHECK(complete("kvmplan size --sort \"\"") == "name\nswap\ncommitted\nmemory-ratio\ncpu-ratio\nguests\nram\nheadroom\n");
}

TEST_CASE("bash completion offers every option each command's help lists") {
  if (!have_bash()) {
    MESSAGE("SKIPPED: bash is not installed");
    return;
  }
  const std::regex option_name(R"((^|[ ,])(--?[a-z][a-z-]*))");
  for (const std::string command : {"size", "place", "check", "show", "drain", "diff", "whatif", "headroom", "import capabilities",
                                    "import domain", "export libvirt", "export host", "export ansible"}) {
    CAPTURE(command);
    std::vector<std::string> args;
    std::istringstream words(command);
    for (std::string w; words >> w;) args.push_back(w);
    args.push_back("--help");
    const std::string help = run_cli(args).out;
    const std::string options_part = help.substr(help.find("Options:"), help.find("Examples:") - help.find("Options:"));
    std::set<std::string> listed;
    std::istringstream lines(options_part);
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind("  -", 0) != 0) continue;  // an option's first line, not its wrapped description
      const std::string names = line.substr(0, line.find("  ", 2));
      for (auto it = std::sregex_iterator(names.begin(), names.end(), option_name); it != std::sregex_iterator(); ++it) listed.insert((*it)[2]);
    }
    CHECK(listed.count("--help") == 1);
    std::istringstream offered_lines(complete("kvmplan " + command + " -"));
    std::set<std::string> offered;
    for (std::string o; std::getline(offered_lines, o);) offered.insert(o);
    for (const auto& o : listed) {
      CAPTURE(o);
      CHECK(offered.count(o) == 1);
    }
  }
}
