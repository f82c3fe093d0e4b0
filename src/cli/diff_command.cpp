// kvmplan diff: what changes from one plan to another, guest by guest: the guests that move to
// another host, those placed only in the second plan (added) and those placed only in the
// first (removed). The same JSON as drain's moves (spec section 7). Plans are read as place
// writes them; no scenario is needed (guests and hosts are matched by name).
#include <map>
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
    w.end_object();
    text << "\n";
  } else {
    for (const auto& m : moves) text << m.guest << ": " << m.from << " -> " << m.to << "\n";
    for (const auto& m : added) text << m.guest << ": (not placed) -> " << m.to << "\n";
    for (const auto& m : removed) text << m.guest << ": " << m.from << " -> (not placed)\n";
  }
  const auto written = write_atomically(options.output, out, [&](std::ostream& s) { s << text.str(); });
  if (!written) {
    err << "kvmplan: error: " << written.error() << "\n";
    return 2;
  }
  if (!options.quiet) {
    err << "kvmplan: diff: " << moves.size() << (moves.size() == 1 ? " guest moves, " : " guests move, ") << added.size()
        << " added, " << removed.size() << " removed\n";
  }
  return 0;
}

}  // namespace kvmplan::cli
