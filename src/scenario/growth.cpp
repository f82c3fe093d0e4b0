// Growth of a loaded scenario (growth.hpp): more guests per entry, larger guests. Every figure
// is computed in 128 bits and checked against limits.hpp before it is stored: a factor of a
// million reports the limit it crosses, never a wrapped number.
#include "kvmplan/scenario/growth.hpp"

#include <algorithm>
#include <map>
#include <memory>
#include <tuple>
#include <set>

#include "kvmplan/values/diagnostics.hpp"
#include "kvmplan/values/limits.hpp"

namespace kvmplan {
namespace {

using Wide = __int128;

// ceil(n x f) for n >= 0 and f > 0, in 128 bits (n < 2^62 and f's numerator < 2^63: no wrap).
Wide times_up(std::int64_t n, const Decimal& f) {
  const Wide p = static_cast<Wide>(n) * f.num;
  return (p + f.den - 1) / f.den;
}

// A guest entry as growth sees it: the guests loaded from one entry (one `name:` in a file),
// which share a spec unless per-guest samples gave some of them one of their own (csv_loader);
// those specs share the entry's name and numbering.
struct Entry {
  std::string base;    // the entry's name: "web" for web-001 .. web-120
  std::shared_ptr<std::int64_t> next;  // the number the next added guest takes (shared by the entry's specs)
  std::size_t width = 1;  // digits of its numbers (those of the count it was loaded with)
};

// Per spec, the entry of its guests (the first guest's entry, found by where its name is).
std::vector<Entry> entries_of(const Scenario& s) {
  using At = std::tuple<std::uint32_t, std::uint32_t, std::uint32_t>;
  std::map<At, std::pair<std::int64_t, std::size_t>> by_entry;  // entry -> (guests, first guest)
  std::vector<std::int64_t> first(s.specs.size(), -1);
  for (std::size_t g = 0; g < s.guests.size(); ++g) {
    const Guest& guest = s.guests[g];
    auto& [count, first_guest] = by_entry.try_emplace(At{guest.at.file, guest.at.line, guest.at.col}, 0, g).first->second;
    ++count;
    if (first[guest.spec] < 0) first[guest.spec] = static_cast<std::int64_t>(g);
  }
  std::map<At, Entry> made;
  std::vector<Entry> entries(s.specs.size());
  for (std::size_t spec = 0; spec < s.specs.size(); ++spec) {
    if (first[spec] < 0) continue;
    const Guest& guest = s.guests[static_cast<std::size_t>(first[spec])];
    const At at{guest.at.file, guest.at.line, guest.at.col};
    auto [it, fresh] = made.try_emplace(at);
    if (fresh) {
      const auto [count, first_guest] = by_entry.at(at);
      const std::string& name = s.guests[first_guest].name;
      Entry& e = it->second;
      e.next = std::make_shared<std::int64_t>(count + 1);
      e.width = std::to_string(count).size();
      // count: n > 1 names its guests NAME-001 .. NAME-n (expanded_name): the base is before the '-'.
      const std::size_t dash = name.rfind('-');
      e.base = count > 1 && dash != std::string::npos ? name.substr(0, dash) : name;
    }
    entries[spec] = it->second;
  }
  return entries;
}

std::string added_name(Entry& e) {
  std::string number = std::to_string((*e.next)++);
  if (number.size() < e.width) number.insert(0, e.width - number.size(), '0');
  return e.base + "-" + number;
}

class Grower {
 public:
  explicit Grower(const Scenario& s) : s_(s), entries_(entries_of(s_)) {}

  std::string apply(const Growth& g) {
    std::vector<char> selected(s_.guests.size(), 0);
    std::size_t any = 0;
    for (std::size_t i = 0; i < s_.guests.size(); ++i) {
      const Guest& guest = s_.guests[i];
      selected[i] = g.selector == Growth::Selector::all ||
                    (g.selector == Growth::Selector::flavor && s_.spec(guest).flavor == g.name) ||
                    (g.selector == Growth::Selector::guest && (guest.name == g.name || entries_[guest.spec].base == g.name));
      any += selected[i] ? 1 : 0;
    }
    if (any == 0) return no_guest(g);
    if (g.what == Growth::What::count) return grow_count(g, selected);
    split_specs(selected);
    std::set<std::uint32_t> specs;
    for (std::size_t i = 0; i < s_.guests.size(); ++i) {
      if (selected[i]) specs.insert(s_.guests[i].spec);
    }
    for (auto spec : specs) {
      if (std::string problem = g.what == Growth::What::memory ? grow_memory(g, s_.specs[spec]) : grow_vcpus(g, s_.specs[spec]);
          !problem.empty()) {
        return problem;
      }
    }
    return {};
  }

  // The sums the loader checks (guest_loader.cpp), over the grown guests.
  std::string totals() const {
    limits::Sum memory, vcpus(limits::max_total_vcpus);
    std::vector<std::int64_t> count(s_.specs.size(), 0);
    for (const Guest& g : s_.guests) ++count[g.spec];
    for (std::size_t spec = 0; spec < s_.specs.size(); ++spec) {
      if (count[spec] == 0) continue;
      const GuestSpec& sp = s_.specs[spec];
      const auto each = limits::add(sp.memory.value, guest_overhead(s_.policy, sp).value);
      const auto all = each ? limits::mul(*each, count[spec]) : std::nullopt;
      if (!all || !memory.add(*all)) return "the grown guests' memory adds up to more than 1EiB, the most kvmplan sums";
      if (!vcpus.add(static_cast<std::int64_t>(sp.vcpus) * count[spec])) {
        return "the grown guests' vCPUs add up to more than " + std::to_string(limits::max_total_vcpus) + ", the most kvmplan sums";
      }
    }
    return {};
  }

  Scenario take() { return std::move(s_); }

 private:
  std::string no_guest(const Growth& g) const {
    std::vector<std::string> names;
    std::set<std::string> seen;
    for (std::size_t spec = 0; spec < s_.specs.size(); ++spec) {
      const std::string& n = g.selector == Growth::Selector::flavor ? s_.specs[spec].flavor : entries_[spec].base;
      if (!n.empty() && seen.insert(n).second) names.push_back(n);
    }
    const std::string kind = g.selector == Growth::Selector::flavor ? "flavor" : "guest";
    if (g.selector == Growth::Selector::all) return "the scenario has no guest to grow";
    std::string hint = nearest(g.name, names);
    std::string text = "no guest has " + kind + " \"" + g.name + "\"";
    if (g.selector == Growth::Selector::guest) text = "no guest or guest entry is named \"" + g.name + "\"";
    return text + (hint.empty() ? "" : "; did you mean \"" + hint + "\"?");
  }

  // Guests selected out of an entry part of whose guests is not get a spec of their own.
  void split_specs(const std::vector<char>& selected) {
    std::vector<std::int64_t> in(s_.specs.size(), 0), out(s_.specs.size(), 0);
    for (std::size_t i = 0; i < s_.guests.size(); ++i) ++(selected[i] ? in : out)[s_.guests[i].spec];
    std::vector<std::int64_t> clone(s_.specs.size(), -1);
    for (std::size_t i = 0; i < s_.guests.size(); ++i) {
      const auto spec = s_.guests[i].spec;
      if (!selected[i] || out[spec] == 0) continue;
      if (clone[spec] < 0) {
        clone[spec] = static_cast<std::int64_t>(s_.specs.size());
        s_.specs.push_back(s_.specs[spec]);
        entries_.push_back(entries_[spec]);
      }
      s_.guests[i].spec = static_cast<std::uint32_t>(clone[spec]);
    }
  }

  std::string grow_memory(const Growth& g, GuestSpec& spec) const {
    const Bytes unit = spec.hugepages ? *spec.hugepages : MiB(1);
    const Wide scaled = times_up(spec.memory.value, g.factor);
    const Wide grown = (scaled + unit.value - 1) / unit.value * unit.value;
    if (grown > limits::max_bytes) return "a guest's memory would be more than 1EiB, the most kvmplan takes";
    const Bytes before = spec.memory;
    spec.memory = Bytes{static_cast<std::int64_t>(grown)};
    spec.cells.clear();  // given cells no longer add up: as many cells, split evenly
    if (spec.current_memory) {
      const Wide c = (times_up(spec.current_memory->value, g.factor) + MiB(1).value - 1) / MiB(1).value * MiB(1).value;
      spec.current_memory = Bytes{static_cast<std::int64_t>(std::min<Wide>(c, grown))};
    }
    // The identical part keeps its share of the guest: floor(shareable x after / before).
    if (before.value > 0) {
      spec.ksm_shareable = Bytes{static_cast<std::int64_t>(static_cast<Wide>(spec.ksm_shareable.value) * grown / before.value)};
    }
    return {};
  }

  std::string grow_vcpus(const Growth& g, GuestSpec& spec) const {
    const Wide v = times_up(spec.vcpus, g.factor);
    if (v > limits::max_vcpus) return "a guest would have more than " + std::to_string(limits::max_vcpus) + " vCPUs, the most kvmplan takes";
    spec.vcpus = static_cast<int>(v);
    spec.cells.clear();  // given cells no longer add up: as many cells, split evenly
    return {};
  }

  // Each entry keeps its selected guests' order; added ones follow its last guest, removed ones
  // (a factor below 1) are its last selected guests.
  std::string grow_count(const Growth& g, const std::vector<char>& selected) {
    std::vector<std::int64_t> in(s_.specs.size(), 0), last(s_.specs.size(), -1), target(s_.specs.size(), 0);
    for (std::size_t i = 0; i < s_.guests.size(); ++i) {
      last[s_.guests[i].spec] = static_cast<std::int64_t>(i);
      if (selected[i]) ++in[s_.guests[i].spec];
    }
    // The selected guests, all entries together, grow to ceil(n x factor); each entry takes its
    // exact share rounded down, and the guests left over go to the entries with the largest
    // remainders (ties to the earlier entry). Rounding each entry up would turn 10% more of an
    // inventory of one entry per guest into twice as many.
    Wide selected_total = 0;
    for (std::size_t spec = 0; spec < s_.specs.size(); ++spec) selected_total += in[spec];
    const Wide wanted = times_up(static_cast<std::int64_t>(selected_total), g.factor);
    if (static_cast<Wide>(s_.guests.size()) - selected_total + wanted > limits::max_guests) {
      return "the scenario would have more than " + std::to_string(limits::max_guests) + " guests, the most kvmplan plans";
    }
    Wide given = 0;
    std::vector<std::pair<Wide, std::size_t>> remainders;  // (-remainder, spec)
    for (std::size_t spec = 0; spec < s_.specs.size(); ++spec) {
      if (in[spec] == 0) continue;
      const Wide exact = static_cast<Wide>(in[spec]) * g.factor.num;
      target[spec] = static_cast<std::int64_t>(exact / g.factor.den);
      given += target[spec];
      remainders.emplace_back(-(exact % g.factor.den), spec);
    }
    std::sort(remainders.begin(), remainders.end());
    for (std::size_t i = 0; given < wanted && i < remainders.size(); ++i, ++given) ++target[remainders[i].second];
    std::vector<Guest> guests;
    guests.reserve(static_cast<std::size_t>(static_cast<Wide>(s_.guests.size()) - selected_total + wanted));
    std::vector<std::int64_t> kept(s_.specs.size(), 0);
    std::vector<std::int64_t> model(s_.specs.size(), -1);  // the last selected guest: what copies copy
    for (std::size_t i = 0; i < s_.guests.size(); ++i) {
      const auto spec = s_.guests[i].spec;
      if (selected[i]) {
        model[spec] = static_cast<std::int64_t>(i);
        if (kept[spec] < target[spec]) {
          ++kept[spec];
          guests.push_back(s_.guests[i]);
        }
      } else {
        guests.push_back(s_.guests[i]);
      }
      if (static_cast<std::int64_t>(i) != last[spec]) continue;
      for (; kept[spec] < target[spec]; ++kept[spec]) {
        Guest copy = s_.guests[static_cast<std::size_t>(model[spec])];
        copy.name = added_name(entries_[spec]);
        guests.push_back(std::move(copy));
      }
    }
    s_.guests = std::move(guests);
    return {};
  }

  Scenario s_;
  std::vector<Entry> entries_;  // per spec
};

}  // namespace

Result<Growth> Growth::parse(std::string_view text) {
  const std::string usage = "expected WHAT=FACTOR[@flavor=NAME|@guest=NAME] (count=1.3, memory=1.1@flavor=db)";
  const std::size_t eq = text.find('=');
  if (eq == std::string_view::npos) return Error{usage};
  Growth g;
  const std::string what(text.substr(0, eq));
  if (what == "count") g.what = What::count;
  else if (what == "memory") g.what = What::memory;
  else if (what == "vcpus") g.what = What::vcpus;
  else {
    const std::string hint = nearest(what, {"count", "memory", "vcpus"});
    return Error{"cannot grow \"" + what + "\": grow count, memory or vcpus" + (hint.empty() ? "" : "; did you mean \"" + hint + "\"?")};
  }
  std::string_view rest = text.substr(eq + 1);
  const std::size_t at = rest.find('@');
  const std::string_view factor = rest.substr(0, at);
  auto f = Decimal::parse(factor);
  if (!f) return Error{"factor \"" + std::string(factor) + "\": " + f.error()};
  if (f->num <= 0) return Error{"factor " + std::string(factor) + ": a factor is more than 0 (1.3: 30% more)"};
  g.factor = *f;
  if (at != std::string_view::npos) {
    const std::string_view sel = rest.substr(at + 1);
    const std::size_t seq = sel.find('=');
    const std::string kind(sel.substr(0, seq));
    if (seq == std::string_view::npos || (kind != "flavor" && kind != "guest") || seq + 1 == sel.size()) {
      return Error{"selector \"@" + std::string(sel) + "\": expected @flavor=NAME or @guest=NAME"};
    }
    g.selector = kind == "flavor" ? Selector::flavor : Selector::guest;
    g.name = std::string(sel.substr(seq + 1));
  }
  return g;
}

std::string Growth::what_name() const { return what == What::count ? "count" : what == What::memory ? "memory" : "vcpus"; }

std::string Growth::to_string() const {
  std::string text = what_name() + "=" + kvmplan::to_string(factor);
  if (selector != Selector::all) text += std::string(selector == Selector::flavor ? "@flavor=" : "@guest=") + name;
  return text;
}

Result<Scenario> grow(const Scenario& scenario, const std::vector<Growth>& growths) {
  if (growths.empty()) return scenario;
  Grower grower(scenario);
  for (const Growth& g : growths) {
    if (std::string problem = grower.apply(g); !problem.empty()) return Error{g.to_string() + ": " + problem};
  }
  if (std::string problem = grower.totals(); !problem.empty()) return Error{problem};
  return grower.take();
}

}  // namespace kvmplan
