// Usage profiles from CSV files (docs/format.md, "Usage profiles"): a table of profiles
// (`slot,profile,memory[,cpu]`) or per-guest samples (`timestamp,guest,memory_bytes[,cpu]`)
// reduced to one profile per sampled guest by a percentile per slot. Errors are located like the
// YAML loader's: FILE:LINE:COL with the column's name as the key.
#include <algorithm>
#include <array>
#include <functional>
#include <unordered_map>

#include "kvmplan/values/limits.hpp"
#include "kvmplan/values/values.hpp"
#include "scenario/loader_parts.hpp"

namespace kvmplan::detail {
namespace {

// A file's errors past this many are counted, not listed: a file of ten million bad rows says
// so in a thousand lines and one more.
constexpr std::size_t max_errors_per_file = 1000;
// Samples kept in all (16 bytes each), and guests that get a profile from them.
constexpr std::size_t max_samples = 50'000'000;
constexpr std::size_t max_sampled_guests = 1'000'000;
// The last second of 9999-12-31, the most a timestamp may be.
constexpr std::int64_t max_unix_seconds = 253'402'300'799;
// Sampled fractions are rounded up to millionths.
constexpr std::int64_t micro = 1'000'000;

constexpr std::array<std::string_view, 4> table_columns{"slot", "profile", "memory", "cpu"};
constexpr std::array<std::string_view, 4> sample_columns{"timestamp", "guest", "memory_bytes", "cpu"};

std::string q(std::string_view s) { return "\"" + std::string(s) + "\""; }

// One cell: its text, trimmed and unquoted, and the 1-based column (in characters) where it starts.
struct Cell {
  std::string_view text;
  std::uint32_t col = 0;
};

// The lines of a CSV text, split into cells. Blank lines are skipped; a UTF-8 byte order mark
// at the start is passed over; "\r\n" ends a line as "\n" does. A cell may be quoted ("a"),
// within its line; a doubled quote inside stays as it is (no value kvmplan reads has one).
class CsvLines {
 public:
  explicit CsvLines(std::string_view text) : text_(text) {
    if (text_.starts_with("\xEF\xBB\xBF")) pos_ = 3;
  }

  // The next line that is not blank: false at the end. `problem` is set (and `problem_col`)
  // when the line cannot be split; its cells are then incomplete.
  bool next(std::vector<Cell>& cells, std::uint32_t& line, std::string& problem, std::uint32_t& problem_col) {
    while (pos_ < text_.size()) {
      std::size_t end = text_.find('\n', pos_);
      if (end == std::string_view::npos) end = text_.size();
      std::string_view l = text_.substr(pos_, end - pos_);
      pos_ = end + 1;
      ++line_;
      if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
      if (l.find_first_not_of(" \t") == std::string_view::npos) continue;
      line = line_;
      split(l, cells, problem, problem_col);
      return true;
    }
    return false;
  }

 private:
  static bool counts(char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }  // not a UTF-8 continuation byte

  static void split(std::string_view l, std::vector<Cell>& cells, std::string& problem, std::uint32_t& problem_col) {
    cells.clear();
    problem.clear();
    std::size_t i = 0;
    std::uint32_t col = 1;
    auto step = [&] { col += counts(l[i++]) ? 1 : 0; };
    for (;;) {
      while (i < l.size() && (l[i] == ' ' || l[i] == '\t')) step();
      Cell cell{{}, col};
      if (i < l.size() && l[i] == '"') {
        step();
        const std::size_t from = i;
        for (;;) {
          if (i == l.size()) {
            problem = "a quote that does not close on its line";
            problem_col = cell.col;
            return;
          }
          if (l[i] == '"' && i + 1 < l.size() && l[i + 1] == '"') {
            step();
            step();
          } else if (l[i] == '"') {
            break;
          } else {
            step();
          }
        }
        cell.text = l.substr(from, i - from);
        step();
        while (i < l.size() && (l[i] == ' ' || l[i] == '\t')) step();
        if (i < l.size() && l[i] != ',') {
          problem = "text after a closing quote; a quoted cell ends at its quote";
          problem_col = col;
          return;
        }
      } else {
        const std::size_t from = i;
        while (i < l.size() && l[i] != ',') step();
        std::string_view t = l.substr(from, i - from);
        while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.remove_suffix(1);
        cell.text = t;
      }
      cells.push_back(cell);
      if (i == l.size()) return;
      step();  // the comma
    }
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  std::uint32_t line_ = 0;
};

// Reports a file's errors, the first max_errors_per_file of them; the rest are counted and
// said in one error about the whole file.
class Reporter {
 public:
  Reporter(Diagnostics& diagnostics, std::uint32_t file) : diagnostics_(diagnostics), file_(file) {}
  Reporter(const Reporter&) = delete;
  Reporter& operator=(const Reporter&) = delete;
  ~Reporter() {
    if (hidden_ > 0) {
      diagnostics_.error({file_, 0, 0}, "", std::to_string(hidden_) + " more errors in this file, after the first " +
                                                std::to_string(max_errors_per_file) + " listed");
    }
  }
  void error(std::uint32_t line, std::uint32_t col, std::string_view key, std::string message) {
    if (shown_ == max_errors_per_file) {
      ++hidden_;
      return;
    }
    ++shown_;
    diagnostics_.error({file_, line, col}, std::string(key), std::move(message));
  }
  std::uint32_t file() const { return file_; }
  bool full() const { return shown_ == max_errors_per_file; }

 private:
  Diagnostics& diagnostics_;
  std::uint32_t file_;
  std::size_t shown_ = 0, hidden_ = 0;
};

enum class CsvKind { table, samples };

struct Header {
  CsvKind kind = CsvKind::table;
  bool cpu = false;
  std::size_t columns = 3;
  std::uint32_t line = 0;
  std::vector<Cell> cells;
};

// The header says which kind of file this is; nullopt after reporting.
std::optional<Header> read_header(Reporter& report, const std::vector<Cell>& cells, std::uint32_t line) {
  auto matches = [&](const std::array<std::string_view, 4>& names) {
    std::size_t n = 0;
    while (n < cells.size() && n < names.size() && cells[n].text == names[n]) ++n;
    return n;
  };
  const std::size_t table = matches(table_columns), samples = matches(sample_columns);
  // Which format was meant: the one with more columns in place (misspelled ones aside).
  auto in_place = [&](const std::array<std::string_view, 4>& names) {
    std::size_t n = 0;
    for (std::size_t i = 0; i < cells.size() && i < names.size(); ++i) n += cells[i].text == names[i] ? 1 : 0;
    return n;
  };
  bool is_samples = in_place(sample_columns) > in_place(table_columns);
  if (in_place(sample_columns) == in_place(table_columns) && !cells.empty()) {
    const std::vector<std::string> firsts{"slot", "timestamp"};
    is_samples = nearest(std::string(cells[0].text), firsts) == "timestamp";
  }
  const auto& names = is_samples ? sample_columns : table_columns;
  const std::size_t good = is_samples ? samples : table;
  if (good == cells.size() && (good == 3 || good == 4)) {
    return Header{is_samples ? CsvKind::samples : CsvKind::table, good == 4, good, line, cells};
  }
  const std::string formats = "a profile table's header is slot,profile,memory or slot,profile,memory,cpu; "
                              "a samples file's is timestamp,guest,memory_bytes or timestamp,guest,memory_bytes,cpu";
  if (good >= 4) {
    report.error(line, cells[4].col, "header", "a fifth column " + q(cells[4].text) + ": " + formats);
  } else if (good == cells.size()) {
    report.error(line, cells.back().col + static_cast<std::uint32_t>(cells.back().text.size()), "header",
                 "no column " + q(names[good]) + ": " + formats);
  } else {
    report.error(line, cells[good].col, "header",
                 "column " + std::to_string(good + 1) + " is " + q(cells[good].text) + ", not " + q(names[good]) + ": " + formats);
  }
  return std::nullopt;
}

// The next row's cells, checked against the header's column count; false at the end. A row
// that cannot be used is reported and `ok` is false.
bool next_row(CsvLines& lines, Reporter& report, const Header& header, std::vector<Cell>& cells, std::uint32_t& line, bool& ok) {
  std::string problem;
  std::uint32_t problem_col = 0;
  if (!lines.next(cells, line, problem, problem_col)) return false;
  ok = false;
  if (!problem.empty()) {
    const std::size_t i = std::min(cells.size(), header.columns - 1);
    report.error(line, problem_col, header.cells[i].text, problem);
  } else if (cells.size() > header.columns) {
    report.error(line, cells[header.columns].col, "",
                 std::to_string(cells.size()) + " cells where the header has " + std::to_string(header.columns) + " columns");
  } else if (cells.size() < header.columns) {
    report.error(line, cells.back().col + static_cast<std::uint32_t>(cells.back().text.size()), header.cells[cells.size()].text,
                 std::to_string(cells.size()) + " cells where the header has " + std::to_string(header.columns) + " columns");
  } else {
    ok = true;
  }
  return true;
}

// A cell read through a value rule; reports the rule's message (or that it is empty).
template <class Rule>
auto cell_value(Reporter& report, std::uint32_t line, const Cell& cell, std::string_view key, const char* what, Rule rule)
    -> std::optional<std::remove_cvref_t<decltype(rule(std::string_view{}).value())>> {
  if (cell.text.empty()) {
    report.error(line, cell.col, key, std::string("is empty; give ") + what);
    return std::nullopt;
  }
  auto r = rule(cell.text);
  if (!r) {
    report.error(line, cell.col, key, r.error());
    return std::nullopt;
  }
  return r.value();
}

// "3, 5-7, 9"
std::string ranges(const std::vector<std::uint32_t>& sorted) {
  std::string out;
  for (std::size_t i = 0; i < sorted.size();) {
    std::size_t j = i;
    while (j + 1 < sorted.size() && sorted[j + 1] == sorted[j] + 1) ++j;
    out += (out.empty() ? "" : ", ") + std::to_string(sorted[i]) + (j > i ? "-" + std::to_string(sorted[j]) : "");
    i = j + 1;
  }
  return out;
}

// ---- Timestamps ----

// Days since 1970-01-01 of a date in the proleptic Gregorian calendar (H. Hinnant's days_from_civil).
std::int64_t days_from_civil(std::int64_t y, std::int64_t m, std::int64_t d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const std::int64_t yoe = y - era * 400;
  const std::int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

bool leap(std::int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

const char* const time_forms = "write unix seconds (1709283600) or the time in UTC as 2024-03-01T09:00:00Z";

// Seconds since 1970-01-01T00:00:00Z: unix seconds (a fraction is ignored) or ISO 8601 in UTC,
// YYYY-MM-DDTHH:MM:SS (or a space for T), optional fraction of a second, optional Z.
Result<std::int64_t> timestamp(std::string_view t) {
  const std::string_view whole = t.substr(0, t.find('.'));
  const std::string_view digits_only = whole.starts_with('-') ? whole.substr(1) : whole;
  if (!digits_only.empty() && digits_only.find_first_not_of("0123456789") == std::string_view::npos) {
    if (whole.size() < t.size() && (t.size() == whole.size() + 1 || t.find_first_not_of("0123456789", whole.size() + 1) != std::string_view::npos)) {
      return Error{q(t) + " is not a time; " + time_forms};
    }
    auto s = values::integer(whole, 0, max_unix_seconds);
    if (!s) return Error{s.error() + " (unix seconds, 0 .. 253402300799: up to the end of 9999)"};
    return s.value();
  }
  auto digits = [&](std::size_t at, std::size_t n) -> std::optional<std::int64_t> {
    if (at + n > t.size()) return std::nullopt;
    std::int64_t v = 0;
    for (std::size_t i = at; i < at + n; ++i) {
      if (t[i] < '0' || t[i] > '9') return std::nullopt;
      v = v * 10 + (t[i] - '0');
    }
    return v;
  };
  const auto y = digits(0, 4), mo = digits(5, 2), d = digits(8, 2), h = digits(11, 2), mi = digits(14, 2), s = digits(17, 2);
  if (!y || !mo || !d || !h || !mi || !s || t[4] != '-' || t[7] != '-' || (t[10] != 'T' && t[10] != 't' && t[10] != ' ') ||
      t[13] != ':' || t[16] != ':') {
    return Error{q(t) + " is not a time; " + time_forms};
  }
  std::size_t i = 19;
  if (i < t.size() && t[i] == '.') {
    ++i;
    const std::size_t from = i;
    while (i < t.size() && t[i] >= '0' && t[i] <= '9') ++i;
    if (i == from) return Error{q(t) + " is not a time; " + time_forms};
  }
  const std::string_view zone = t.substr(i);
  if (!zone.empty() && zone != "Z" && zone != "z") {
    if (zone[0] == '+' || zone[0] == '-') {
      return Error{q(t) + " has a time zone offset (" + std::string(zone) + "); write the time in UTC, ending in Z"};
    }
    return Error{q(t) + " is not a time; " + time_forms};
  }
  if (*y < 1) return Error{q(t) + ": year 0000 is not a year; years go from 0001"};
  if (*mo < 1 || *mo > 12) return Error{q(t) + ": month " + std::to_string(*mo) + " is not 01 .. 12"};
  static constexpr std::array<int, 12> month_days{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const std::int64_t days = month_days[static_cast<std::size_t>(*mo - 1)] + (*mo == 2 && leap(*y) ? 1 : 0);
  if (*d < 1 || *d > days) {
    return Error{q(t) + ": day " + std::to_string(*d) + " is not 01 .. " + std::to_string(days) + " in that month"};
  }
  if (*h > 23) return Error{q(t) + ": hour " + std::to_string(*h) + " is not 00 .. 23"};
  if (*mi > 59) return Error{q(t) + ": minute " + std::to_string(*mi) + " is not 00 .. 59"};
  if (*s > 60) return Error{q(t) + ": second " + std::to_string(*s) + " is not 00 .. 60"};
  return days_from_civil(*y, *mo, *d) * 86400 + *h * 3600 + *mi * 60 + *s;
}

// The slot of a time: the hour of the day (24 slots) or of the week from Monday 00:00 UTC (168).
std::uint32_t slot_of(std::int64_t seconds, std::size_t slots) {
  const std::int64_t day = seconds >= 0 ? seconds / 86400 : -((-seconds + 86399) / 86400);
  const std::int64_t hour = (seconds - day * 86400) / 3600;
  if (slots == 24) return static_cast<std::uint32_t>(hour);
  const std::int64_t weekday = ((day + 3) % 7 + 7) % 7;  // 1970-01-01 was a Thursday; Monday is 0
  return static_cast<std::uint32_t>(weekday * 24 + hour);
}

// The value `x` in [0, 1] as millionths, rounded up.
std::uint32_t micro_up(__int128 num, __int128 den) {
  return static_cast<std::uint32_t>((num * micro + den - 1) / den);
}

// Millionths as the shortest Decimal.
Decimal from_micro(std::uint32_t m) {
  Decimal d{static_cast<std::int64_t>(m), micro};
  while (d.den > 1 && d.num % 10 == 0) {
    d.num /= 10;
    d.den /= 10;
  }
  return d;
}

void read_table(CsvLines& lines, Reporter& report, const Header& header, RawScenario& raw) {
  std::unordered_map<std::string, std::size_t> index;  // name -> raw.csv_profiles
  std::vector<Cell> cells;
  std::uint32_t line = 0;
  bool ok = false;
  while (next_row(lines, report, header, cells, line, ok)) {
    if (!ok) continue;
    const auto slot = cell_value(report, line, cells[0], "slot", "the slot, from 0", [](std::string_view t) -> Result<std::int64_t> {
      auto v = values::integer(t, 0, limits::max_slots - 1);
      if (!v) return Error{v.error() + " (a slot counts from 0; a profile has at most " + std::to_string(limits::max_slots) + " slots)"};
      return v;
    });
    const auto name = cell_value(report, line, cells[1], "profile", "the profile's name", values::name);
    const auto memory = cell_value(report, line, cells[2], "memory", "the fraction of memory in use, such as 0.25", values::fraction);
    std::optional<Decimal> cpu;
    bool cpu_ok = true;
    if (header.cpu && !cells[3].text.empty()) {
      cpu = cell_value(report, line, cells[3], "cpu", "", values::fraction);
      cpu_ok = cpu.has_value();
    }
    if (!name) continue;
    auto [it, fresh] = index.emplace(*name, raw.csv_profiles.size());
    if (fresh) raw.csv_profiles.push_back({*name, {report.file(), line, cells[1].col}, {}, false});
    if (!slot || !memory || !cpu_ok) {
      raw.csv_profiles[it->second].broken = true;  // not loaded: its gaps would only repeat this row's error
      continue;
    }
    CsvProfile::Row row;
    row.slot = static_cast<std::uint32_t>(*slot);
    row.slot_at = {report.file(), line, cells[0].col};
    row.cpu_at = header.cpu ? SourceRef{report.file(), line, cells[3].col} : row.slot_at;
    row.memory = *memory;
    row.cpu = cpu;
    raw.csv_profiles[it->second].rows.push_back(row);
  }
}

}  // namespace

bool is_csv(const std::string& path) {
  if (path.size() < 4) return false;
  std::string ext = path.substr(path.size() - 4);
  for (char& c : ext) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return ext == ".csv";
}

void read_csv(Diagnostics& diagnostics, const SourceFiles& sources, std::uint32_t file, RawScenario& raw) {
  Reporter report(diagnostics, file);
  CsvLines lines(sources.files[file].text);
  std::vector<Cell> cells;
  std::uint32_t line = 0, problem_col = 0;
  std::string problem;
  if (!lines.next(cells, line, problem, problem_col)) return;  // an empty file adds nothing
  if (!problem.empty()) {
    report.error(line, problem_col, "header", problem);
    return;
  }
  const auto header = read_header(report, cells, line);
  if (!header) return;
  if (header->kind == CsvKind::samples) {
    raw.sample_files.push_back(file);
    return;
  }
  read_table(lines, report, *header, raw);
}

void load_csv_profiles(Diagnostics& diagnostics, const SourceFiles& sources, const RawScenario& raw, Scenario& scenario) {
  std::unordered_map<std::string, SourceRef> names;
  for (const auto& p : scenario.profiles) names.emplace(p.name, p.at);
  for (const CsvProfile& csv : raw.csv_profiles) {
    if (auto [it, fresh] = names.emplace(csv.name, csv.at); !fresh) {
      diagnostics.error(csv.at, "profile", "duplicate profile name " + q(csv.name) + " (also at " + where(sources, it->second, csv.at) + ")");
      continue;
    }
    if (csv.broken) continue;
    // The first profile of the scenario sets the slot count; without one, this profile's last slot.
    const Profile* first = scenario.profiles.empty() ? nullptr : &scenario.profiles.front();
    std::uint32_t slots = 0;
    for (const auto& row : csv.rows) slots = std::max(slots, row.slot + 1);
    bool ok = true;
    if (first) {
      slots = static_cast<std::uint32_t>(first->memory.size());
      for (const auto& row : csv.rows) {
        if (row.slot >= slots) {
          diagnostics.error(row.slot_at, "slot", "slot " + std::to_string(row.slot) + " is past the last of profile " + q(first->name) +
                                                     " (" + where(sources, first->at, row.slot_at) + "), " + std::to_string(slots - 1) +
                                                     ": every profile of a scenario has as many slots");
          ok = false;
          break;
        }
      }
    }
    std::vector<const CsvProfile::Row*> by_slot(slots, nullptr);
    const CsvProfile::Row* cpu_differs = nullptr;
    for (const auto& row : csv.rows) {
      if (row.slot >= slots) continue;
      if (const auto* before = by_slot[row.slot]) {
        diagnostics.error(row.slot_at, "slot", "slot " + std::to_string(row.slot) + " of profile " + q(csv.name) + " is given twice (also at " +
                                                   where(sources, before->slot_at, row.slot_at) + ")");
        ok = false;
        continue;
      }
      by_slot[row.slot] = &row;
      if (row.cpu.has_value() != csv.rows.front().cpu.has_value() && !cpu_differs) cpu_differs = &row;
    }
    if (cpu_differs) {
      const auto& first_row = csv.rows.front();
      diagnostics.error(cpu_differs->cpu_at, "cpu",
                        std::string(cpu_differs->cpu ? "given here" : "empty here") + " but " + (first_row.cpu ? "given" : "empty") +
                            " in profile " + q(csv.name) + "'s first row (" + where(sources, first_row.cpu_at, cpu_differs->cpu_at) +
                            "): give cpu in every row of a profile or in none");
      ok = false;
    }
    std::vector<std::uint32_t> missing;
    for (std::uint32_t s = 0; s < slots; ++s) {
      if (!by_slot[s]) missing.push_back(s);
    }
    if (!missing.empty() && ok) {
      diagnostics.error(csv.at, "profile", q(csv.name) + " has no row for slot" + (missing.size() > 1 ? "s " : " ") + ranges(missing) +
                                               " of 0-" + std::to_string(slots - 1) + ": every slot once");
      ok = false;
    }
    if (!ok || slots == 0) continue;
    Profile p;
    p.name = csv.name;
    p.at = csv.at;
    for (const auto* row : by_slot) {
      p.memory.push_back(row->memory);
      if (row->cpu) p.cpu.push_back(*row->cpu);
    }
    scenario.profiles.push_back(std::move(p));
  }
}

namespace {

struct Sample {
  std::uint32_t guest;
  std::uint32_t slot;
  std::uint32_t memory;  // millionths of the guest's memory, rounded up
  std::uint32_t cpu;     // millionths of its vCPUs, rounded up; no_cpu when not given
};
constexpr std::uint32_t no_cpu = 0xFFFFFFFF;

struct Sampled {
  SourceRef at;  // its first sample's guest cell
  std::uint32_t guest;
};

// Guests by name without a map of ten million strings: hashes sorted, names compared on a match.
class GuestIndex {
 public:
  explicit GuestIndex(const std::vector<Guest>& guests) : guests_(guests), by_hash_(guests.size()) {
    for (std::uint32_t g = 0; g < guests.size(); ++g) by_hash_[g] = {std::hash<std::string_view>{}(guests[g].name), g};
    std::sort(by_hash_.begin(), by_hash_.end());
  }
  std::optional<std::uint32_t> find(std::string_view name) const {
    const std::size_t h = std::hash<std::string_view>{}(name);
    for (auto it = std::lower_bound(by_hash_.begin(), by_hash_.end(), std::pair<std::size_t, std::uint32_t>{h, 0});
         it != by_hash_.end() && it->first == h; ++it) {
      if (guests_[it->second].name == name) return it->second;
    }
    return std::nullopt;
  }
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    out.reserve(guests_.size());
    for (const auto& g : guests_) out.push_back(g.name);
    return out;
  }

 private:
  const std::vector<Guest>& guests_;
  std::vector<std::pair<std::size_t, std::uint32_t>> by_hash_;
};

// The nearest-rank percentile: the ceil(p/100 x n)-th smallest of `values` (reordered).
std::uint32_t percentile(std::vector<std::uint32_t>& values, int p) {
  const std::size_t n = values.size();
  const std::size_t rank = std::max<std::size_t>(1, (static_cast<std::size_t>(p) * n + 99) / 100);
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(rank - 1), values.end());
  return values[rank - 1];
}

}  // namespace

void load_samples(Diagnostics& diagnostics, const SourceFiles& sources, const RawScenario& raw,
                  const std::vector<OwnUsage>& own_usage, bool report_unknown, Scenario& scenario) {
  if (raw.sample_files.empty()) return;
  const std::size_t slots = scenario.slots() == 0 ? 24 : scenario.slots();
  std::optional<GuestIndex> index;
  std::vector<std::string> guest_names;  // for suggestions, built on the first unknown name
  int suggestions_left = 20;
  constexpr std::size_t max_guests_to_suggest = 100'000;
  std::vector<Sample> samples;
  std::unordered_map<std::uint32_t, std::size_t> sampled_index;  // guest -> sampled
  std::vector<Sampled> sampled;
  bool full = false;  // max_samples reached: the rest is not read
  for (const std::uint32_t file : raw.sample_files) {
    Reporter report(diagnostics, file);
    CsvLines lines(sources.files[file].text);
    std::vector<Cell> cells;
    std::uint32_t line = 0, problem_col = 0;
    std::string problem;
    lines.next(cells, line, problem, problem_col);
    const Header header{CsvKind::samples, cells.size() == 4, cells.size(), line, cells};
    if (slots != 24 && slots != 168) {
      const Profile& first = scenario.profiles.front();
      report.error(line, cells[0].col, "timestamp",
                   "samples go into hours of the day (24 slots) or of the week (168), and the scenario's profiles have " +
                       std::to_string(slots) + " slots (profile " + q(first.name) + ", " + where(sources, first.at, {file, line, 1}) + ")");
      continue;
    }
    std::unordered_map<std::string, bool> unknown;  // names reported already
    bool ok = false;
    while (!full && next_row(lines, report, header, cells, line, ok)) {
      if (!ok) continue;
      const auto seconds = cell_value(report, line, cells[0], "timestamp", "the time of the sample", timestamp);
      std::optional<std::uint32_t> guest;
      if (cells[1].text.empty()) {
        report.error(line, cells[1].col, "guest", "is empty; give the guest's name");
      } else if (auto name = values::name(cells[1].text); !name) {
        report.error(line, cells[1].col, "guest", name.error());
      } else {
        if (!index) index.emplace(scenario.guests);
        guest = index->find(cells[1].text);
        if (!guest && report_unknown && report.full()) {
          report.error(line, cells[1].col, "guest", "");  // counted only
        } else if (!guest && report_unknown && unknown.emplace(std::string(cells[1].text), true).second) {
          // A suggestion compares the name with every guest's: for the first few names only.
          std::string hint;
          if (suggestions_left > 0 && scenario.guests.size() <= max_guests_to_suggest) {
            --suggestions_left;
            if (guest_names.empty()) guest_names = index->names();
            hint = nearest(std::string(cells[1].text), guest_names);
          }
          report.error(line, cells[1].col, "guest", "guest " + q(cells[1].text) + " names no guest" +
                                                        (hint.empty() ? "" : "; did you mean " + q(hint) + "?"));
        }
      }
      const auto bytes = cell_value(report, line, cells[2], "memory_bytes", "the bytes in use, a whole number",
                                    [](std::string_view t) { return values::integer(t, 0); });
      std::optional<Decimal> cpu;
      bool cpu_ok = true;
      if (header.cpu && !cells[3].text.empty()) {
        cpu = cell_value(report, line, cells[3], "cpu", "", values::fraction);
        cpu_ok = cpu.has_value();
      }
      if (!seconds || !guest || !bytes || !cpu_ok) continue;
      if (samples.size() == max_samples) {
        report.error(line, 1, "", "more than " + std::to_string(max_samples) + " samples, the most kvmplan reads");
        full = true;
        break;
      }
      auto [it, fresh] = sampled_index.emplace(*guest, sampled.size());
      if (fresh) {
        if (sampled.size() == max_sampled_guests) {
          sampled_index.erase(it);
          report.error(line, cells[1].col, "guest", "more than " + std::to_string(max_sampled_guests) +
                                                        " guests with samples, the most kvmplan reduces to profiles");
          full = true;
          break;
        }
        sampled.push_back({{file, line, cells[1].col}, *guest});
      }
      // Memory beyond <memory> is QEMU's own (its overhead, counted apart): the guest's share is capped.
      const std::int64_t memory = scenario.spec(scenario.guests[*guest]).memory.value;
      const std::int64_t used = std::min(*bytes, memory);
      const std::uint32_t cpu_micro = cpu ? micro_up(cpu->num, cpu->den) : no_cpu;
      samples.push_back({*guest, slot_of(*seconds, slots), micro_up(used, memory), cpu_micro});
    }
  }

  // Each sampled guest, in guest order, gets its profile and a spec of its own.
  std::sort(sampled.begin(), sampled.end(), [](const Sampled& a, const Sampled& b) { return a.guest < b.guest; });
  std::sort(samples.begin(), samples.end(), [](const Sample& a, const Sample& b) {
    return a.guest != b.guest ? a.guest < b.guest : a.slot < b.slot;
  });
  std::unordered_map<std::string, SourceRef> profile_names;
  for (const auto& p : scenario.profiles) profile_names.emplace(p.name, p.at);
  std::vector<std::uint32_t> memory, cpu;
  std::size_t s = 0;
  for (const Sampled& g : sampled) {
    while (s < samples.size() && samples[s].guest < g.guest) ++s;
    const std::size_t from = s;
    while (s < samples.size() && samples[s].guest == g.guest) ++s;
    Guest& guest = scenario.guests[g.guest];
    if (guest.spec < own_usage.size() && !own_usage[guest.spec].path.empty()) {
      const OwnUsage& own = own_usage[guest.spec];
      diagnostics.error(g.at, "guest", "samples give guest " + q(guest.name) + " a profile, and its entry sets " + own.path + " (" +
                                           where(sources, own.at, g.at) + "): leave one out");
      continue;
    }
    Profile p;
    p.name = guest.name + ".samples";
    p.at = g.at;
    if (auto [it, fresh] = profile_names.emplace(p.name, p.at); !fresh) {
      diagnostics.error(g.at, "guest", "the samples of guest " + q(guest.name) + " make profile " + q(p.name) +
                                           ", and a profile of that name is at " + where(sources, it->second, g.at));
      continue;
    }
    std::vector<std::optional<std::uint32_t>> memory_by_slot(slots), cpu_by_slot(slots);
    for (std::size_t i = from; i < s;) {
      std::size_t j = i;
      memory.clear();
      cpu.clear();
      for (; j < s && samples[j].slot == samples[i].slot; ++j) {
        memory.push_back(samples[j].memory);
        if (samples[j].cpu != no_cpu) cpu.push_back(samples[j].cpu);
      }
      memory_by_slot[samples[i].slot] = percentile(memory, scenario.policy.profile_percentile);
      if (!cpu.empty()) cpu_by_slot[samples[i].slot] = percentile(cpu, scenario.policy.profile_percentile);
      i = j;
    }
    // A slot without samples takes the guest's highest: not knowing is not planning low.
    const auto fill = [&](const std::vector<std::optional<std::uint32_t>>& by_slot, std::vector<Decimal>& out) {
      std::optional<std::uint32_t> high;
      for (const auto& v : by_slot) {
        if (v && (!high || *v > *high)) high = v;
      }
      if (!high) return;
      for (const auto& v : by_slot) out.push_back(from_micro(v.value_or(*high)));
    };
    fill(memory_by_slot, p.memory);
    fill(cpu_by_slot, p.cpu);
    if (p.memory.empty()) continue;
    GuestSpec spec = scenario.spec(guest);
    spec.profile = static_cast<std::int32_t>(scenario.profiles.size());
    spec.usage = *std::max_element(p.memory.begin(), p.memory.end());
    spec.usage_low = *std::min_element(p.memory.begin(), p.memory.end());
    spec.usage_from_policy = false;  // the samples say what it uses, whatever policy.usage becomes
    scenario.profiles.push_back(std::move(p));
    guest.spec = static_cast<std::uint32_t>(scenario.specs.size());
    scenario.specs.push_back(std::move(spec));
  }
}

}  // namespace kvmplan::detail
