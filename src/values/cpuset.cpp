#include "kvmplan/values/cpuset.hpp"

#include <algorithm>
#include <bit>
#include <charconv>
#include <limits>
#include <stdexcept>

namespace kvmplan {
namespace {

// A CPU id as written; ids past max_cpu are read (and refused by the caller with the limit).
bool parse_id(std::string_view s, std::int64_t& out) {
  if (s.empty()) return false;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  if (ec == std::errc::result_out_of_range && p == s.data() + s.size() && s.front() != '-') {
    out = std::numeric_limits<std::int64_t>::max();
    return true;
  }
  return ec == std::errc{} && p == s.data() + s.size() && out >= 0;
}

}  // namespace

CpuSet CpuSet::first(int n) {
  CpuSet s;
  for (int i = 0; i < n; ++i) s.insert(i);
  return s;
}

Result<CpuSet> CpuSet::parse(std::string_view text) {
  const std::string quoted = "\"" + std::string(text) + "\"";
  CpuSet set;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find(',', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view token = text.substr(start, end - start);
    while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
    while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
    const bool exclude = !token.empty() && token.front() == '^';
    if (exclude) token.remove_prefix(1);
    const std::size_t dash = token.find('-');
    std::int64_t lo = 0, hi = 0;
    const bool ok = dash == std::string_view::npos
                        ? parse_id(token, lo) && (hi = lo, true)
                        : parse_id(token.substr(0, dash), lo) && parse_id(token.substr(dash + 1), hi);
    if (!ok) {
      return Error{quoted + " is not a CPU list; write ids and ranges such as 0-3,8,^2"};
    }
    if (lo > hi) return Error{quoted + ": range " + std::string(token) + " runs backwards"};
    if (hi > max_cpu) {
      const std::string id = hi == std::numeric_limits<std::int64_t>::max() ? std::string(token.substr(dash == std::string_view::npos ? 0 : dash + 1)) : std::to_string(hi);
      return Error{quoted + ": CPU " + id + " is beyond " + std::to_string(max_cpu) + ", the highest CPU id Linux has"};
    }
    for (auto c = static_cast<int>(lo); c <= static_cast<int>(hi); ++c) exclude ? set.erase(c) : set.insert(c);
    start = end + 1;
  }
  return set;
}

std::uint64_t& CpuSet::word_ref(std::size_t i) {
  if (i < inline_words) return small_[i];
  if (more_.size() <= i - inline_words) more_.resize(i - inline_words + 1, 0);
  return more_[i - inline_words];
}

void CpuSet::insert(int cpu) {
  if (cpu < 0 || cpu > max_cpu) throw std::out_of_range("CPU id " + std::to_string(cpu) + " outside 0.." + std::to_string(max_cpu));
  word_ref(static_cast<std::size_t>(cpu) / 64) |= std::uint64_t{1} << (cpu % 64);
}

void CpuSet::erase(int cpu) {
  if (cpu < 0) return;
  const auto w = static_cast<std::size_t>(cpu) / 64;
  if (w < words()) word_ref(w) &= ~(std::uint64_t{1} << (cpu % 64));
  trim();
}

bool CpuSet::contains(int cpu) const {
  const auto w = static_cast<std::size_t>(cpu) / 64;
  return cpu >= 0 && w < words() && ((word(w) >> (cpu % 64)) & 1);
}

int CpuSet::count() const {
  int n = 0;
  for (std::size_t i = 0; i < words(); ++i) n += std::popcount(word(i));
  return n;
}

std::vector<int> CpuSet::ids() const {
  std::vector<int> out;
  out.reserve(static_cast<std::size_t>(count()));
  for (std::size_t w = 0; w < words(); ++w) {
    for (std::uint64_t bits = word(w); bits != 0; bits &= bits - 1) {
      out.push_back(static_cast<int>(w * 64) + std::countr_zero(bits));
    }
  }
  return out;
}

int CpuSet::lowest() const {
  for (std::size_t w = 0; w < words(); ++w) {
    if (const std::uint64_t bits = word(w)) return static_cast<int>(w * 64) + std::countr_zero(bits);
  }
  return -1;
}

CpuSet CpuSet::operator|(const CpuSet& o) const {
  CpuSet r = *this;
  for (std::size_t i = 0; i < o.words(); ++i) {
    if (o.word(i)) r.word_ref(i) |= o.word(i);
  }
  return r;
}

CpuSet CpuSet::operator&(const CpuSet& o) const {
  CpuSet r;
  for (std::size_t i = 0; i < std::min(words(), o.words()); ++i) {
    if (const std::uint64_t w = word(i) & o.word(i)) r.word_ref(i) = w;
  }
  return r;
}

CpuSet CpuSet::operator-(const CpuSet& o) const {
  CpuSet r = *this;
  for (std::size_t i = 0; i < std::min(r.words(), o.words()); ++i) r.word_ref(i) &= ~o.word(i);
  r.trim();
  return r;
}

bool CpuSet::operator==(const CpuSet& o) const { return small_ == o.small_ && more_ == o.more_; }

bool CpuSet::intersects(const CpuSet& o) const {
  for (std::size_t i = 0; i < std::min(words(), o.words()); ++i) {
    if (word(i) & o.word(i)) return true;
  }
  return false;
}

bool CpuSet::subset_of(const CpuSet& o) const {
  for (std::size_t i = 0; i < words(); ++i) {
    if (word(i) & ~(i < o.words() ? o.word(i) : 0)) return false;
  }
  return true;
}

int CpuSet::count_in(const CpuSet& o) const {
  int n = 0;
  for (std::size_t i = 0; i < std::min(words(), o.words()); ++i) n += std::popcount(word(i) & o.word(i));
  return n;
}

void CpuSet::trim() {
  while (!more_.empty() && more_.back() == 0) more_.pop_back();
}

std::string to_string(const CpuSet& set) {
  std::string out;
  const auto ids = set.ids();
  for (std::size_t i = 0; i < ids.size();) {
    std::size_t j = i;
    while (j + 1 < ids.size() && ids[j + 1] == ids[j] + 1) ++j;
    if (!out.empty()) out += ',';
    out += std::to_string(ids[i]);
    if (j > i) out += "-" + std::to_string(ids[j]);
    i = j + 1;
  }
  return out;
}

std::string cpus_are(const CpuSet& set) {
  return set.count() == 1 ? "CPU " + to_string(set) + " is" : "CPUs " + to_string(set) + " are";
}

}  // namespace kvmplan
