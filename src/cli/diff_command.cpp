// kvmplan diff: what changes from one plan to another, guest by guest: the guests that move to
// another host, those placed only in the second plan (added) and those placed only in the
// first (removed), and the hosts that run guests in the first plan only (emptied) or in the
// second only (opened). The same JSON as drain's moves (spec section 7), with `emptied` and
// `opened` added. Plans are read as place writes them; no scenario is needed (guests and hosts
// are matched by name).
#include <map>
#include <set>
#include <sstream>

#include "common.hpp"
#include "kvmplan/io/atomic_file.hpp"
#include "kvmplan/io/json_writer.hpp"
#include "kvmplan/plan/plan_reader.hpp"
#include "kvmplan/report/problems.hpp"

namespace kvmplan::cli {

int run_diff(const DiffOptions& options, std::ostream& out, std::ostream& err) {
  SourceFiles sources;
  Diagnostics problems;
  const PlanDocument a = read_plan(options.from, sources, problems);
  const PlanDocument b = read_plan(options.to, sources, problems);
  if (problems.has_errors()) {
    problems.sort();
    err << format_all(problems, sources);
    return 2;
  }
  // Guest -> host in each plan, ordered by guest name: the output is the same whatever the
  // plans' order.
  std::map<std::string, std::string> before, after;
  for (const auto& g : a.placements) before.emplace(g.guest, g.host);
  for (const auto& g : b.placements) after.emplace(g.guest, g.host);
  struct Move {
    std::string guest, from, to;
  };
  std::vector<Move> moves, added, removed;
  for (const auto& [guest, host] : before) {
    const auto it = after.find(guest);
    if (it == after.end()) removed.push_back({guest, host, {}});
    else if (it->second != host) moves.push_back({guest, host, it->second});
  }
  for (const auto& [guest, host] : after) {
    if (!before.count(guest)) added.push_back({guest, {}, host});
  }
  // Hosts that run guests in one plan only: emptied (the first) and opened (the second), in the
  // order of the plan's hosts list, then those only placements name, by name.
  auto running = [](const PlanDocument& plan) {
    std::vector<std::string> out;
    std::set<std::string> busy, listed;
    for (const auto& g : plan.placements) busy.insert(g.host);
    for (const auto& h : plan.hosts) {
      if (busy.count(h.name) && listed.insert(h.name).second) out.push_back(h.name);
    }
    for (const auto& h : busy) {
      if (!listed.count(h)) out.push_back(h);
    }
    return out;
  };
  const std::vector<std::string> ran = running(a), runs = running(b);
  const std::set<std::string> ran_set(ran.begin(), ran.end()), runs_set(runs.begin(), runs.end());
  std::vector<std::string> emptied, opened;
  for (const auto& h : ran) {
    if (!runs_set.count(h)) emptied.push_back(h);
  }
  for (const auto& h : runs) {
    if (!ran_set.count(h)) opened.push_back(h);
  }
  std::ostringstream text;
  if (options.format == "json") {
    JsonWriter w(text);
    w.begin_object();
    w.key("moves").begin_array();
    for (const auto& m : moves) {
      w.begin_object();
      w.key("guest").value(m.guest).key("from").value(m.from).key("to").value(m.to);
      w.end_object();
    }
    w.end_array();
    w.key("added").begin_array();
    for (const auto& m : added) {
      w.begin_object();
      w.key("guest").value(m.guest).key("to").value(m.to);
      w.end_object();
    }
    w.end_array();
    w.key("removed").begin_array();
    for (const auto& m : removed) {
      w.begin_object();
      w.key("guest").value(m.guest).key("from").value(m.from);
      w.end_object();
    }
    w.end_array();
    w.key("emptied").begin_array();
    for (const auto& h : emptied) w.value(h);
    w.end_array();
    w.key("opened").begin_array();
    for (const auto& h : opened) w.value(h);
    w.end_array();
    w.end_object();
    text << "\n";
  } else {
    for (const auto& m : moves) text << m.guest << ": " << m.from << " -> " << m.to << "\n";
    for (const auto& m : added) text << m.guest << ": (not placed) -> " << m.to << "\n";
    for (const auto& m : removed) text << m.guest << ": " << m.from << " -> (not placed)\n";
    for (const auto& h : emptied) text << "host " << h << ": emptied\n";
    for (const auto& h : opened) text << "host " << h << ": opened\n";
  }
  const auto written = write_atomically(options.output, out, [&](std::ostream& s) { s << text.str(); });
  if (!written) {
    err << "kvmplan: error: " << written.error() << "\n";
    return 2;
  }
  if (!options.quiet) {
    err << "kvmplan: diff: " << moves.size() << (moves.size() == 1 ? " guest moves, " : " guests move, ") << added.size()
        << " added, " << removed.size() << " removed; " << emptied.size() << (emptied.size() == 1 ? " host" : " hosts") << " emptied, "
        << opened.size() << " opened\n";
  }
  return 0;
}

}  // namespace kvmplan::cli
