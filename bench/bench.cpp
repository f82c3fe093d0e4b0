// kvmplan-bench: speed, memory and packing quality of placement, measured against the lower
// bound and a plain first-fit-decreasing baseline. docs/performance.md shows how to read it.
// With --baselines (always, for the adversarial mixes): also the plan without the search and
// first-fit decreasing in every order, each with effort 0.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "kvmplan/report/problems.hpp"
#include "kvmplan/scenario/loader.hpp"
#include "kvmplan/placement/place.hpp"
#include "kvmplan/plan/check.hpp"
#include "kvmplan/plan/plan_writer.hpp"
#include "mixes.hpp"

namespace {

using namespace kvmplan;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

long peak_rss_kib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

// Counts what is written, keeps nothing: the cost of formatting the plan, not of a disk.
class CountingBuf : public std::streambuf {
 public:
  std::int64_t bytes = 0;

 protected:
  int_type overflow(int_type c) override {
    ++bytes;
    return c;
  }
  std::streamsize xsputn(const char*, std::streamsize n) override {
    bytes += n;
    return n;
  }
};

struct Run {
  std::string mix;
  std::int64_t guests = 0;
  int hosts = 0, bound = 0, baseline_hosts = 0;
  std::size_t unplaced = 0, baseline_unplaced = 0;
  int ha = 0;                 // host failures the plan survives (--ha)
  bool survives = true;       // check's verdict on them
  std::size_t violations = 0; // check's, on the plan place made (0, or the bench is wrong)
  double generate = 0, validate = 0, place = 0, check = 0, model = 0, write = 0, baseline = 0;
  std::int64_t plan_bytes = 0;
  std::int64_t swap_mib = 0;  // the model stage's result: swap to create on all hosts
  long rss_kib = 0;
  // --baselines: the default plan with effort 0 (greedy: no search), and first-fit decreasing
  // (one order, no portfolio, effort 0) in each order; check's violations on all of them.
  bool baselines = false;
  int greedy_hosts = 0;
  std::size_t greedy_unplaced = 0;
  double greedy_place = 0;
  struct Baseline {
    const char* order = "";
    int hosts = 0;
    std::size_t unplaced = 0;
    double seconds = 0;
  };
  std::vector<Baseline> ffd;
  std::size_t best = 0;  // into ffd: most placed, then fewest hosts, then the earlier order
  std::string best_orders;  // every order as good as the best, "vcpus=bin_centric"
  std::size_t baseline_violations = 0;
};

constexpr std::pair<PlaceOptions::Order, const char*> ffd_orders[] = {{PlaceOptions::Order::memory, "memory"},
                                                                      {PlaceOptions::Order::dominant_share, "dominant_share"},
                                                                      {PlaceOptions::Order::vcpus, "vcpus"},
                                                                      {PlaceOptions::Order::bin_centric, "bin_centric"}};

Run measure(bench::Mix mix, std::int64_t guests, std::uint32_t seed, const std::string& csv, int ha, bool baselines) {
  Run r;
  r.baselines = baselines;
  r.mix = bench::mix_name(mix);
  r.guests = guests;
  r.ha = ha;
  auto t = Clock::now();
  const std::string yaml = bench::scenario_yaml(mix, bench::shapes(mix, guests, seed, csv), false);
  r.generate = seconds_since(t);

  t = Clock::now();
  SourceFiles files;
  files.add("bench.yaml", yaml);
  Loaded loaded = load_sources(std::move(files));
  r.validate = seconds_since(t);
  if (!loaded.ok()) throw std::runtime_error(format_all(loaded.diagnostics, loaded.sources));
  loaded.scenario.policy.ha.host_failures = ha;

  t = Clock::now();
  const Plan plan = place(loaded.scenario);
  r.place = seconds_since(t);
  r.hosts = plan.hosts_used;
  r.bound = plan.lower_bound_hosts;
  r.unplaced = plan.unplaced.size();

  t = Clock::now();
  const CheckResult checked = check_plan(loaded.scenario, plan);
  r.check = seconds_since(t);
  r.violations = checked.violations.size();
  r.survives = !checked.failures || checked.failures->survives;

  t = Clock::now();
  for (const HostFigures& f : plan_figures(loaded.scenario, plan)) r.swap_mib += mib_ceil(f.swap);
  r.model = seconds_since(t);

  t = Clock::now();
  CountingBuf buf;
  std::ostream out(&buf);
  write_plan(out, loaded.scenario, plan, PlanFormat::yaml);
  r.write = seconds_since(t);
  r.plan_bytes = buf.bytes;

  t = Clock::now();
  const Plan ffd = place(loaded.scenario, {PlaceOptions::Order::memory, false, /*effort=*/0});
  r.baseline = seconds_since(t);
  r.baseline_hosts = ffd.hosts_used;
  r.baseline_unplaced = ffd.unplaced.size();

  if (baselines) {
    PlaceOptions greedy;
    greedy.effort = 0;
    t = Clock::now();
    const Plan g = place(loaded.scenario, greedy);
    r.greedy_place = seconds_since(t);
    r.greedy_hosts = g.hosts_used;
    r.greedy_unplaced = g.unplaced.size();
    r.baseline_violations += check_plan(loaded.scenario, g).violations.size();
    for (const auto& [order, name] : ffd_orders) {
      Run::Baseline b{name, r.baseline_hosts, r.baseline_unplaced, r.baseline};
      if (order == PlaceOptions::Order::memory) {
        r.baseline_violations += check_plan(loaded.scenario, ffd).violations.size();
      } else {
        t = Clock::now();
        const Plan other = place(loaded.scenario, {order, false, /*effort=*/0});
        b = {name, other.hosts_used, other.unplaced.size(), seconds_since(t)};
        r.baseline_violations += check_plan(loaded.scenario, other).violations.size();
      }
      const auto worse = [](const Run::Baseline& x, const Run::Baseline& y) {
        return x.unplaced != y.unplaced ? x.unplaced > y.unplaced : x.hosts > y.hosts;
      };
      if (!r.ffd.empty() && worse(r.ffd[r.best], b)) r.best = r.ffd.size();
      r.ffd.push_back(b);
    }
    for (const Run::Baseline& b : r.ffd) {
      if (b.hosts != r.ffd[r.best].hosts || b.unplaced != r.ffd[r.best].unplaced) continue;
      r.best_orders += (r.best_orders.empty() ? "" : "=") + std::string(b.order);
    }
  }
  r.rss_kib = peak_rss_kib();
  return r;
}

std::string ratio(int hosts, int bound) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4f", bound > 0 ? static_cast<double>(hosts) / bound : 0.0);
  return buf;
}

// --baselines: what goes at the end of a run's line.
std::string baselines_text(const Run& r, bool json) {
  if (!r.baselines) return "";
  const Run::Baseline& best = r.ffd[r.best];
  char buf[512];
  std::string out;
  if (json) {
    std::snprintf(buf, sizeof buf,
                  ", \"greedy_hosts\": %d, \"greedy_ratio\": %s, \"greedy_unplaced\": %zu, \"greedy_place_seconds\": %.3f, "
                  "\"best_baseline_hosts\": %d, \"best_baseline_ratio\": %s, \"best_baseline_order\": \"%s\", \"best_baseline_orders\": \"%s\", "
                  "\"baselines\": {",
                  r.greedy_hosts, ratio(r.greedy_hosts, r.bound).c_str(), r.greedy_unplaced, r.greedy_place, best.hosts,
                  ratio(best.hosts, r.bound).c_str(), best.order, r.best_orders.c_str());
    out = buf;
    for (std::size_t i = 0; i < r.ffd.size(); ++i) {
      const Run::Baseline& b = r.ffd[i];
      std::snprintf(buf, sizeof buf, "%s\"%s\": {\"hosts\": %d, \"unplaced\": %zu, \"seconds\": %.3f}", i ? ", " : "", b.order, b.hosts,
                    b.unplaced, b.seconds);
      out += buf;
    }
    std::snprintf(buf, sizeof buf, "}, \"baseline_violations\": %zu", r.baseline_violations);
    return out + buf;
  }
  std::snprintf(buf, sizeof buf, " | no search %6d  %s  place %6.3fs | best ffd %6d  %s  %s", r.greedy_hosts,
                ratio(r.greedy_hosts, r.bound).c_str(), r.greedy_place, best.hosts, ratio(best.hosts, r.bound).c_str(), r.best_orders.c_str());
  out = buf;
  if (r.greedy_unplaced || best.unplaced) out += " | unplaced without search " + std::to_string(r.greedy_unplaced) + ", best ffd " + std::to_string(best.unplaced);
  if (r.baseline_violations) out += " | " + std::to_string(r.baseline_violations) + " BASELINE VIOLATIONS";
  return out;
}

std::string line(const Run& r, bool json) {
  char buf[1024];
  if (json) {
    std::snprintf(buf, sizeof buf,
                  "{\"mix\": \"%s\", \"guests\": %lld, \"hosts_used\": %d, \"lower_bound\": %d, \"ratio\": %s, \"unplaced\": %zu, "
                  "\"baseline_hosts\": %d, \"baseline_ratio\": %s, \"baseline_unplaced\": %zu, \"seconds\": {\"generate\": %.3f, "
                  "\"validate\": %.3f, \"place\": %.3f, \"check\": %.3f, \"model\": %.3f, \"write\": %.3f, \"baseline\": %.3f}, "
                  "\"place_ns_per_guest\": %.0f, \"plan_bytes\": %lld, \"swap_mib\": %lld, \"peak_rss_mib\": %ld, \"host_failures\": %d, "
                  "\"survives\": %s, \"violations\": %zu}",
                  r.mix.c_str(), static_cast<long long>(r.guests), r.hosts, r.bound, ratio(r.hosts, r.bound).c_str(), r.unplaced,
                  r.baseline_hosts, ratio(r.baseline_hosts, r.bound).c_str(), r.baseline_unplaced, r.generate, r.validate, r.place,
                  r.check, r.model, r.write, r.baseline, r.place * 1e9 / static_cast<double>(r.guests), static_cast<long long>(r.plan_bytes),
                  static_cast<long long>(r.swap_mib), r.rss_kib / 1024, r.ha, r.survives ? "true" : "false", r.violations);
    // The object's closing brace goes after the baselines' fields.
    std::string text = buf;
    text.pop_back();
    return text + baselines_text(r, true) + "}";
  } else {
    std::snprintf(buf, sizeof buf,
                  "%-14s %8lld guests  hosts %6d  bound %6d  %s  | ffd %6d  %s | generate %6.3fs  validate %6.3fs  place %6.3fs  "
                  "check %6.3fs  model %6.3fs  write %6.3fs | rss %5ld MiB%s%s%s",
                  r.mix.c_str(), static_cast<long long>(r.guests), r.hosts, r.bound, ratio(r.hosts, r.bound).c_str(), r.baseline_hosts,
                  ratio(r.baseline_hosts, r.bound).c_str(), r.generate, r.validate, r.place, r.check, r.model, r.write, r.rss_kib / 1024,
                  r.unplaced ? (" | unplaced " + std::to_string(r.unplaced)).c_str() : "",
                  r.ha ? (" | N+" + std::to_string(r.ha) + (r.survives ? " survives" : " DOES NOT SURVIVE")).c_str() : "",
                  r.violations ? (" | " + std::to_string(r.violations) + " VIOLATIONS").c_str() : "");
  }
  return buf + baselines_text(r, false);
}

// Each run in a child process, so that its peak RSS is its own.
std::string isolated(bench::Mix mix, std::int64_t guests, std::uint32_t seed, const std::string& csv, bool json, int ha, bool baselines) {
  int fds[2];
  if (pipe(fds) != 0) throw std::runtime_error("pipe failed");
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    std::string text;
    try {
      text = line(measure(mix, guests, seed, csv, ha, baselines), json);
    } catch (const std::exception& e) {
      text = std::string("error: ") + e.what();
    }
    (void)!write(fds[1], text.data(), text.size());
    _exit(0);
  }
  close(fds[1]);
  std::string text;
  char buf[4096];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) text.append(buf, static_cast<std::size_t>(n));
  close(fds[0]);
  waitpid(pid, nullptr, 0);
  return text;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"kvmplan-bench: placement speed, peak memory and hosts used against the lower bound and a first-fit-decreasing baseline"};
  std::string mix_arg = "all";
  std::vector<std::int64_t> sizes{1000, 10000, 100000, 1000000};
  std::uint32_t seed = 1;
  bool json = false, expanded = false, baselines = false;
  int ha = 0;
  std::string write_yaml;
  std::string csv = std::string(KVMPLAN_DATA_DIR) + "/azure-packing-2020/vm_alive_at_t0_sample.csv";
  app.add_option("--mix", mix_arg,
                 "azure | uniform | anticorrelated | numa-heavy | pinned | all (these five) | zero-slack | bimodal | two-models | "
                 "adversarial (these three, with --baselines, by default at 100, 1000 and 10000 guests) | day-night | day-night-flat | "
                 "profiles (these two)");
  app.add_option("--guests", sizes, "guest counts, e.g. --guests 1000 10000 or --guests 1000,10000")->expected(1, -1)->delimiter(',');
  app.add_flag("--baselines", baselines,
               "also place without the search (effort 0) and by first-fit decreasing in each order (memory, dominant_share, "
               "vcpus, bin_centric; no portfolio, effort 0), and report the best; always on for the adversarial mixes");
  app.add_option("--seed", seed, "seed of the drawn mixes");
  app.add_flag("--json", json, "one JSON object per run");
  app.add_option("--write-yaml", write_yaml, "write the generated scenario to this file and stop (for timing kvmplan itself)");
  app.add_flag("--expanded", expanded, "with --write-yaml: one entry per guest, as an inventory export, instead of count:");
  app.add_option("--azure-csv", csv, "the Azure trace sample (vm_alive_at_t0_sample.csv)");
  app.add_option("--ha", ha, "plan to survive this many host failures (ha.host_failures), and time check's verdict")->check(CLI::Range(0, 1000));
  CLI11_PARSE(app, argc, argv);

  std::vector<bench::Mix> mixes;
  if (mix_arg == "all") {
    mixes.assign(std::begin(bench::all_mixes), std::end(bench::all_mixes));
  } else if (mix_arg == "adversarial") {
    mixes.assign(std::begin(bench::adversarial_mixes), std::end(bench::adversarial_mixes));
  } else if (mix_arg == "profiles") {
    mixes.assign(std::begin(bench::profile_mixes), std::end(bench::profile_mixes));
  } else if (auto m = bench::parse_mix(mix_arg)) {
    mixes.push_back(*m);
  } else {
    std::cerr << "kvmplan-bench: error: --mix: \"" << mix_arg << "\" is not a mix\n";
    return 2;
  }
  if (app.count("--guests") == 0 && std::all_of(mixes.begin(), mixes.end(), bench::is_adversarial)) sizes = {100, 1000, 10000};
  try {
    if (!write_yaml.empty()) {
      std::ofstream(write_yaml) << bench::scenario_yaml(mixes.front(), bench::shapes(mixes.front(), sizes.front(), seed, csv), expanded);
      return 0;
    }
    for (bench::Mix mix : mixes) {
      const bool with_baselines = baselines || bench::is_adversarial(mix);
      for (std::int64_t n : sizes) {
        const std::string text = mixes.size() * sizes.size() == 1 ? line(measure(mix, n, seed, csv, ha, with_baselines), json)
                                                                   : isolated(mix, n, seed, csv, json, ha, with_baselines);
        std::cout << text << std::endl;
      }
    }
  } catch (const std::exception& e) {
    std::cerr << "kvmplan-bench: error: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
