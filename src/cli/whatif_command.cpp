// kvmplan whatif: the options into variants (the cartesian product of the sweeps), run, write.
#include <algorithm>
#include <sstream>
#include <thread>

#include "common.hpp"
#include "kvmplan/io/atomic_file.hpp"
#include "kvmplan/report/whatif.hpp"
#include "kvmplan/scenario/policy.hpp"

namespace kvmplan::cli {
namespace {

// A sweep can be long, but not a typo away from a billion variants.
constexpr std::size_t max_variants = 10'000;

// "1.0:2.0:0.25": start, stop and step, exactly (decimals, not doubles): 1, 1.25, 1.5, 1.75, 2.
std::string range_values(const std::string& text, std::vector<std::string>& values) {
  const std::size_t a = text.find(':'), b = text.find(':', a + 1);
  if (b == std::string::npos || text.find(':', b + 1) != std::string::npos) return "a range is START:STOP:STEP (1.0:2.0:0.25)";
  Decimal part[3];
  const std::string texts[3] = {text.substr(0, a), text.substr(a + 1, b - a - 1), text.substr(b + 1)};
  for (int i = 0; i < 3; ++i) {
    auto d = Decimal::parse(texts[i]);
    if (!d) return "\"" + texts[i] + "\": " + d.error();
    part[i] = *d;
  }
  if (part[2].num <= 0) return "the step " + texts[2] + " is not more than 0";
  if (part[1] < part[0]) return "the range ends (" + texts[1] + ") before it starts (" + texts[0] + ")";
  // On the finest of the three denominators every value is a whole multiple: no rounding.
  const std::int64_t den = std::max({part[0].den, part[1].den, part[2].den});
  using Wide = __int128;
  const Wide start = static_cast<Wide>(part[0].num) * (den / part[0].den), stop = static_cast<Wide>(part[1].num) * (den / part[1].den),
             step = static_cast<Wide>(part[2].num) * (den / part[2].den);
  if ((stop - start) / step + 1 > static_cast<Wide>(max_variants)) return "the range has more than " + std::to_string(max_variants) + " values";
  for (Wide v = start; v <= stop; v += step) values.push_back(to_string(Decimal{static_cast<std::int64_t>(v), den}));
  return {};
}

// --sweep KEY=V1,V2,... or KEY=START:STOP:STEP, each value checked by the knob's own parser.
std::string parse_sweep(const std::string& text, std::string& key, std::vector<std::string>& values) {
  const std::size_t eq = text.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == text.size()) {
    return "expected KEY=V1,V2,... or KEY=START:STOP:STEP (memory_ratio=1.0,1.5 or memory_ratio=1.0:2.0:0.25)";
  }
  key = text.substr(0, eq);
  const PolicyKnob* knob = find_knob(key);
  if (!knob) {
    std::vector<std::string> keys;
    for (const auto& k : policy_knobs()) keys.emplace_back(k.key);
    const std::string hint = nearest(key, keys);
    return "\"" + key + "\" is no policy key" + (hint.empty() ? "" : "; did you mean \"" + hint + "\"?") + " (kvmplan help policy lists them)";
  }
  // Reduced into the sampled guests' profiles while the CSV files load: a variant that copies
  // the loaded scenario cannot change it (resolve_policy covers the knobs it can).
  if (key == "profile_percentile") {
    return "profile_percentile shapes the profiles while the sample files load; run kvmplan size --set profile_percentile=N "
           "once per value";
  }
  const std::string list = text.substr(eq + 1);
  if (list.find(':') != std::string::npos) {
    if (std::string problem = range_values(list, values); !problem.empty()) return problem;
  } else {
    std::stringstream in(list);
    for (std::string v; std::getline(in, v, ',');) values.push_back(v);
    if (list.back() == ',') values.emplace_back();
  }
  for (const auto& v : values) {
    Policy probe = default_policy();
    if (v.empty()) return "an empty value in " + list;
    if (std::string problem = knob->set(probe, v); !problem.empty()) return key + "=" + v + ": " + problem;
  }
  return {};
}

}  // namespace

int run_whatif(const WhatifOptions& options, std::ostream& out, std::ostream& err) {
  WhatifJob job;
  bool bad = false;
  for (const auto& text : options.grow) {
    auto g = Growth::parse(text);
    if (!g) {
      err << "kvmplan: error: --grow " << text << ": " << g.error() << "\n";
      bad = true;
    } else {
      job.growths.push_back(*g);
    }
  }
  // Variants: the product of the sweeps, the first sweep varying slowest.
  job.variants.emplace_back();
  std::vector<std::string> keys;
  for (const auto& text : options.sweep) {
    std::string key;
    std::vector<std::string> values;
    if (std::string problem = parse_sweep(text, key, values); !problem.empty()) {
      err << "kvmplan: error: --sweep " << text << ": " << problem << "\n";
      bad = true;
      continue;
    }
    if (std::find(keys.begin(), keys.end(), key) != keys.end()) {
      err << "kvmplan: error: --sweep " << text << ": " << key << " is swept twice; give its values in one --sweep\n";
      bad = true;
      continue;
    }
    keys.push_back(key);
    if (job.variants.size() * values.size() > max_variants) {
      err << "kvmplan: error: --sweep " << text << ": more than " << max_variants << " variants in all\n";
      bad = true;
      continue;
    }
    std::vector<PolicySets> product;
    for (const auto& variant : job.variants) {
      for (const auto& v : values) {
        product.push_back(variant);
        product.back().emplace_back(key, v);
      }
    }
    job.variants = std::move(product);
  }
  if (bad) return 2;
  // The files as they are, with --set: every problem of the files is reported once, here.
  Loaded loaded;
  if (!load(options.common, loaded, err)) return 2;
  if (auto grown = grow(loaded.scenario, job.growths); !grown) {
    err << "kvmplan: error: --grow " << grown.error() << "\n";
    return 2;
  }
  job.sources = loaded.sources;
  job.base = load_options(options.common);
  job.scenario = &loaded.scenario;
  job.place.effort = options.common.effort;
  job.threads = options.jobs > 0 ? static_cast<unsigned>(options.jobs) : std::max(1u, std::thread::hardware_concurrency());
  stage(options.common, "running " + counted(job.variants.size(), "variant", "variants") + " (each loaded, placed and sized) on " +
                            counted(job.threads, "thread", "threads"));
  const WhatifResult result = run_whatif(job);
  if (!result.ok()) {
    err << result.error;
    return 2;
  }
  writing(options.common, options.output, "writing " + counted(result.rows.size(), "row", "rows"));
  const auto written = write_atomically(options.output, out, [&](std::ostream& s) {
    if (options.format == "json") write_whatif_json(s, result.rows, job.growths);
    else if (options.format == "csv") write_whatif_csv(s, result.rows, job.growths);
    else write_whatif_text(s, result.rows, job.growths);
  });
  if (!written) {
    err << "kvmplan: error: " << written.error() << "\n";
    return 2;
  }
  if (!options.common.quiet) {
    err << "kvmplan: " << result.rows.size() << (result.rows.size() == 1 ? " variant" : " variants")
        << (options.output != "-" ? "; wrote " + options.output : std::string()) << "\n";
  }
  return 0;
}

}  // namespace kvmplan::cli
