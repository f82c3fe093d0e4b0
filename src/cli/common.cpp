#include "common.hpp"

#include "kvmplan/plan/check.hpp"
#include "kvmplan/report/problems.hpp"
#include "progress.hpp"

namespace kvmplan::cli {

namespace {

// The policy overrides of the options, in order; false (and the problem printed) for a --set
// without its '='.
bool overrides(const CommonOptions& o, LoadOptions& lo, std::ostream* err) {
  if (!o.baseline.empty()) lo.policy_overrides.emplace_back("swap_baseline", o.baseline);
  if (!o.objective.empty()) lo.policy_overrides.emplace_back("objective", o.objective);
  for (const std::string& set : o.sets) {
    const std::size_t eq = set.find('=');
    if (eq == std::string::npos || eq == 0) {
      if (err) *err << "kvmplan: error: --set " << set << ": expected KEY=VALUE, a policy key and its value (--set memory_ratio=1.25)\n";
      return false;
    }
    lo.policy_overrides.emplace_back(set.substr(0, eq), set.substr(eq + 1));
  }
  return true;
}

}  // namespace

void stage(const CommonOptions& o, std::string_view text) {
  if (o.progress && !o.quiet) o.progress->stage(text);
}

void writing(const CommonOptions& o, const std::string& output, std::string_view text) {
  if (!o.progress) return;
  if (output == "-") o.progress->clear();
  else stage(o, text);
}

std::string counted(std::size_t n, std::string_view one, std::string_view many) {
  return count_text(n) + " " + std::string(n == 1 ? one : many);
}

LoadOptions load_options(const CommonOptions& o) {
  LoadOptions lo;
  overrides(o, lo, nullptr);
  return lo;
}

bool load(const CommonOptions& o, Loaded& loaded, std::ostream& err) {
  LoadOptions lo;
  if (!overrides(o, lo, &err)) return false;
  if (o.progress && o.progress->enabled() && !o.quiet) {
    std::string files;
    for (const auto& f : o.files) files += (files.empty() ? "" : " ") + (f == "-" ? std::string("standard input") : f);
    stage(o, "loading " + files);
  }
  loaded = load_files(o.files, lo);
  if (loaded.ok()) {
    stage(o, "loaded " + counted(loaded.scenario.guests.size(), "guest", "guests") + ", " +
                 counted(loaded.scenario.hosts.size(), "host", "hosts"));
    return true;
  }
  err << format_all(loaded.diagnostics, loaded.sources);
  return false;
}

bool read_plan_file(const std::string& path, Loaded& loaded, PlanDocument& plan, std::ostream& err) {
  Diagnostics problems;
  plan = read_plan(path, loaded.sources, problems);
  if (!problems.has_errors()) return true;
  problems.sort();
  err << format_all(problems, loaded.sources);
  return false;
}

int read_checked_plan(const CommonOptions& options, const std::string& path, Loaded& loaded, Plan& plan, std::ostream& err,
                      const std::string& refused) {
  PlanDocument doc;
  stage(options, "reading " + path);
  if (!read_plan_file(path, loaded, doc, err)) return 2;
  stage(options, "checking the plan");
  const CheckResult checked = check_plan(loaded.scenario, doc, loaded.sources);
  if (!checked.violations.empty()) {
    for (const auto& v : checked.violations) err << violation_line(v, loaded.sources) << "\n";
    err << "kvmplan: error: check rejects the plan (" << checked.violations.size()
        << (checked.violations.size() == 1 ? " violation" : " violations") << "): " << refused << "\n";
    return 1;
  }
  plan = plan_from_document(loaded.scenario, doc);
  return 0;
}

}  // namespace kvmplan::cli
