// kvmplan headroom: the plan (given, which check must accept, or place's own), then how many
// more guests of each flavor fit on it.
#include <sstream>

#include "common.hpp"
#include "kvmplan/io/atomic_file.hpp"
#include "kvmplan/io/json_writer.hpp"
#include "kvmplan/placement/headroom.hpp"
#include "kvmplan/placement/place.hpp"
#include "kvmplan/plan/check.hpp"
#include "kvmplan/report/problems.hpp"

namespace kvmplan::cli {
namespace {

void write_json(std::ostream& out, const HeadroomReport& r) {
  JsonWriter w(out);
  auto list = [&](const char* key, const std::vector<FlavorHeadroom>& flavors) {
    w.key(key).begin_array();
    for (const auto& f : flavors) {
      w.begin_object();
      w.key("flavor").value(f.flavor).key("fits").value(f.fits);
      w.key("per_host").begin_object();
      for (std::size_t h = 0; h < r.hosts.size(); ++h) w.key(r.hosts[h]).value(f.per_host[h]);
      w.end_object();
      w.end_object();
    }
    w.end_array();
  };
  w.begin_object();
  list("flavors", r.flavors);
  list("tiered", r.tiered);
  w.key("failures").value(r.failures);
  w.end_object();
  out << "\n";
}

void write_table(std::ostream& out, const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> width(rows.front().size(), 0);
  for (const auto& row : rows) {
    for (std::size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
  }
  for (const auto& row : rows) {
    for (std::size_t c = 0; c < row.size(); ++c) {
      const std::string pad(width[c] - row[c].size(), ' ');
      out << (c == 0 ? row[c] + pad : "  " + pad + row[c]);
    }
    out << "\n";
  }
}

void write_text(std::ostream& out, const HeadroomReport& r) {
  if (r.flavors.empty()) {
    out << "No guest has a flavor: nothing to count (headroom adds guests like the first of a flavor's guests).\n";
    return;
  }
  std::vector<std::vector<std::string>> rows{{"host"}};
  for (const auto& f : r.flavors) rows[0].push_back(f.flavor);
  for (std::size_t h = 0; h < r.hosts.size(); ++h) {
    rows.push_back({r.hosts[h]});
    for (const auto& f : r.flavors) rows.back().push_back(std::to_string(f.per_host[h]));
  }
  rows.push_back({"total"});
  for (const auto& f : r.flavors) rows.back().push_back(std::to_string(f.fits));
  out << "More guests that fit, each flavor alone" << (r.failures ? " (the failures still survived)" : "") << ":\n";
  write_table(out, rows);
  if (r.tiered.empty()) return;
  out << "\nTiered, largest first, each on what the larger left:";
  for (std::size_t i = 0; i < r.tiered.size(); ++i) out << (i ? ", " : " ") << r.tiered[i].fits << " " << r.tiered[i].flavor;
  out << "\n";
}

}  // namespace

int run_headroom(const HeadroomOptions& options, std::ostream& out, std::ostream& err) {
  Loaded loaded;
  if (!load(options.common, loaded, err)) return 2;
  Plan plan;
  if (options.placement.empty()) {
    kvmplan::PlaceOptions place_options;
    place_options.effort = options.common.effort;
    stage(options.common, "placing " + counted(loaded.scenario.guests.size(), "guest", "guests"));
    plan = place(loaded.scenario, place_options);
  } else {
    // As size --placement: a plan check rejects is refused.
    if (const int code = read_checked_plan(options.common, options.placement, loaded, plan, err, "no headroom counted"); code != 0) return code;
  }
  stage(options.common, "adding guests to " + counted(plan.hosts.size(), "host", "hosts") + ", flavor by flavor");
  const auto report = headroom(loaded.scenario, plan, options.flavors, !options.no_tiered);
  if (!report) {
    err << "kvmplan: error: --flavor: " << report.error() << "\n";
    return 2;
  }
  writing(options.common, options.output, "writing the counts");
  const auto written = write_atomically(options.output, out, [&](std::ostream& s) {
    if (options.format == "json") write_json(s, *report);
    else write_text(s, *report);
  });
  if (!written) {
    err << "kvmplan: error: " << written.error() << "\n";
    return 2;
  }
  if (!options.common.quiet && options.output != "-") err << "kvmplan: wrote " << options.output << "\n";
  return 0;
}

}  // namespace kvmplan::cli
