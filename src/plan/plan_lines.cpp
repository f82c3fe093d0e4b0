#include "plan/plan_lines.hpp"

#include <charconv>
#include <string>

#include "kvmplan/values/limits.hpp"
#include "kvmplan/values/values.hpp"

namespace kvmplan::plan_lines {

Result<CpuSet> cpuset(std::string_view text) {
  if (text.empty()) return CpuSet{};
  return CpuSet::parse(text);
}

namespace {

// A cursor over one line; col() is 1-based, as positions are.
class Line {
 public:
  explicit Line(std::string_view s) : s_(s) {}
  bool done() const { return i_ >= s_.size(); }
  char peek() const { return done() ? '\0' : s_[i_]; }
  std::uint32_t col() const { return static_cast<std::uint32_t>(i_ + 1); }
  void skip_spaces() {
    while (!done() && s_[i_] == ' ') ++i_;
  }
  bool eat(char c) {
    skip_spaces();
    if (peek() != c) return false;
    ++i_;
    return true;
  }
  bool eat(std::string_view word) {
    skip_spaces();
    if (s_.substr(i_, word.size()) != word) return false;
    i_ += word.size();
    return true;
  }
  // A key: bare (YAML) or quoted (JSON), then ':'.
  bool key(std::string& out) {
    skip_spaces();
    out.clear();
    if (peek() == '"') {
      if (!string(out)) return false;
    } else {
      while (!done() && ((s_[i_] >= 'a' && s_[i_] <= 'z') || s_[i_] == '_')) out += s_[i_++];
      if (out.empty()) return false;
    }
    return eat(':');
  }
  // A JSON string, escapes decoded (those json_quote writes, and \uXXXX below 0x80).
  bool string(std::string& out) {
    skip_spaces();
    if (peek() != '"') return false;
    ++i_;
    out.clear();
    // Names and cpulists hold no escape: taken whole.
    if (const std::size_t close = s_.find('"', i_); close != std::string_view::npos && s_.find('\\', i_) > close) {
      out.assign(s_.substr(i_, close - i_));
      i_ = close + 1;
      return true;
    }
    while (!done()) {
      const char c = s_[i_++];
      if (c == '"') return true;
      if (c != '\\') {
        out += c;
        continue;
      }
      if (done()) return false;
      const char e = s_[i_++];
      switch (e) {
        case '"': case '\\': case '/': out += e; break;
        case 'n': out += '\n'; break;
        case 't': out += '\t'; break;
        case 'r': out += '\r'; break;
        case 'u': {
          unsigned v = 0;
          if (i_ + 4 > s_.size()) return false;
          const auto [p, ec] = std::from_chars(s_.data() + i_, s_.data() + i_ + 4, v, 16);
          if (ec != std::errc{} || p != s_.data() + i_ + 4 || v >= 0x80) return false;
          out += static_cast<char>(v);
          i_ += 4;
          break;
        }
        default: return false;
      }
    }
    return false;
  }
  // The text of a plain token: a number, null, true or false.
  std::string_view token() {
    skip_spaces();
    const std::size_t from = i_;
    while (!done() && s_[i_] != ',' && s_[i_] != ']' && s_[i_] != '}' && s_[i_] != ' ') ++i_;
    return s_.substr(from, i_ - from);
  }
  // Skips one value of any kind (the figures the plan shows people).
  bool skip_value(int depth = 0) {
    if (depth > 8) return false;
    skip_spaces();
    std::string ignored;
    if (peek() == '"') return string(ignored);
    const char open = peek();
    if (open == '[' || open == '{') {
      ++i_;
      const char close = open == '[' ? ']' : '}';
      if (eat(close)) return true;
      do {
        if (open == '{' && !key(ignored)) return false;
        if (!skip_value(depth + 1)) return false;
      } while (eat(','));
      return eat(close);
    }
    return !token().empty();
  }
  // A list of whole numbers in [0, max], or null.
  template <class List>
  bool int_list(std::optional<List>& out, int max) {
    if (eat("null")) {
      out.reset();
      return true;
    }
    if (!eat('[')) return false;
    out.emplace();
    if (eat(']')) return true;
    do {
      auto v = values::integer(token(), 0, max);
      if (!v) return false;
      out->push_back(static_cast<int>(v.value()));
    } while (eat(','));
    return eat(']');
  }
  bool rest_is_empty() {
    skip_spaces();
    return done();
  }

 private:
  std::string_view s_;
  std::size_t i_ = 0;
};

// One placement: {guest: "...", host: "...", nodes: [..], cpuset: "...", vcpupin: [..],
// emulatorpin: N (emulator_threads isolate only), hugepages: "...", memory_mib: N, vcpus: N}, each value as the YAML reader would take it.
bool placement(Line& l, SourceRef at, PlanDocument& doc) {
  PlannedGuest g;
  g.at = at;
  if (!l.eat('{')) return false;
  std::string key, text;
  unsigned seen = 0;
  static constexpr std::string_view keys[] = {"guest", "host", "nodes", "cpuset", "vcpupin", "hugepages", "memory_mib", "vcpus", "emulatorpin"};
  do {
    if (!l.key(key)) return false;
    std::size_t k = 0;
    while (k < std::size(keys) && keys[k] != key) ++k;
    if (k == std::size(keys) || (seen & (1u << k))) return false;  // unknown or twice
    seen |= 1u << k;
    switch (k) {
      case 0: case 1: {
        if (!l.string(text)) return false;
        auto name = values::name(text);
        if (!name) return false;
        (k == 0 ? g.guest : g.host) = std::move(name.value());
        break;
      }
      case 2: {
        std::optional<NodeList> nodes;
        if (!l.int_list(nodes, limits::max_node_id)) return false;
        g.nodes = nodes.value_or(NodeList{});
        break;
      }
      case 3: {
        if (l.eat("null")) break;
        if (!l.string(text)) return false;
        auto set = cpuset(text);
        if (!set) return false;
        g.cpuset = std::move(set.value());
        break;
      }
      case 4:
        if (!l.int_list(g.vcpupin, limits::max_cpu_id)) return false;
        break;
      case 5: {
        if (l.eat("null")) break;
        if (!l.string(text)) return false;
        auto size = values::page_size(text);
        if (!size) return false;
        g.hugepages = size.value();
        break;
      }
      case 6: case 7: {
        auto v = values::integer(l.token(), 0, k == 6 ? limits::max_bytes >> 20 : limits::max_vcpus);
        if (!v) return false;
        (k == 6 ? g.memory_mib : g.vcpus) = v.value();
        break;
      }
      case 8: {
        if (l.eat("null")) break;
        auto v = values::integer(l.token(), 0, limits::max_cpu_id);
        if (!v) return false;
        g.emulatorpin = static_cast<int>(v.value());
        break;
      }
    }
  } while (l.eat(','));
  if (!l.eat('}') || (seen & 3u) != 3u) return false;  // guest and host are required
  doc.placements.push_back(std::move(g));
  return true;
}

// {guest: "...", reasons: [...], shortfalls: [...]}: the guest is what counts.
bool unplaced(Line& l, SourceRef at, PlanDocument& doc) {
  if (!l.eat('{')) return false;
  std::string key, guest;
  bool has_guest = false;
  do {
    if (!l.key(key)) return false;
    if (key == "guest") {
      if (has_guest || !l.string(guest) || !values::name(guest)) return false;
      has_guest = true;
    } else if (key == "reasons" || key == "shortfalls") {
      if (!l.skip_value()) return false;
    } else {
      return false;
    }
  } while (l.eat(','));
  if (!l.eat('}') || !has_guest) return false;
  doc.unplaced.emplace_back(guest, at);
  return true;
}

// {name: "...", pool: "..." or null, figures...}: the name and the pool are what count.
bool host(Line& l, SourceRef at, PlanDocument& doc) {
  if (!l.eat('{')) return false;
  PlannedHost h;
  h.at = at;
  std::string key, text;
  bool has_name = false;
  do {
    if (!l.key(key)) return false;
    if (key == "name") {
      if (has_name || !l.string(text) || !values::name(text)) return false;
      h.name = text;
      has_name = true;
    } else if (key == "pool") {
      if (!l.eat("null")) {
        if (!l.string(text) || !values::name(text)) return false;
        h.pool = text;
      }
    } else if (key == "zone") {
      if (!l.eat("null")) {
        if (!l.string(text) || !values::name(text)) return false;
        h.zone = text;
      }
    } else if (!l.skip_value()) {
      return false;
    }
  } while (l.eat(','));
  if (!l.eat('}') || !has_name) return false;
  doc.hosts.push_back(std::move(h));
  return true;
}

}  // namespace

bool read(std::string_view text, std::uint32_t file, PlanDocument& doc) {
  // failover: each line is skipped (check simulates failures itself).
  enum class List { none, placements, unplaced, hosts, failover } list = List::none;
  bool json = false, first = true, has_placements = false;
  unsigned seen = 0;
  static constexpr std::string_view top_keys[] = {"kvmplan", "objective", "numa", "placements", "unplaced", "hosts_used",
                                                  "lower_bound_hosts", "optimal", "hosts", "failures", "failover"};
  std::string key;
  std::uint32_t number = 0;
  for (std::size_t pos = 0; pos <= text.size();) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view raw = text.substr(pos, end - pos);
    pos = end + 1;
    ++number;
    if (raw.empty() || raw.find_first_not_of(' ') == std::string_view::npos) {
      if (end == text.size()) break;
      continue;
    }
    if (raw.back() == '\r' || raw.find('\t') != std::string_view::npos || raw.find('#') == raw.find_first_not_of(' ')) return false;
    Line l(raw);
    if (first) {
      first = false;
      if (l.eat('{')) {
        json = true;
        if (!l.rest_is_empty()) return false;
        continue;
      }
    }
    const std::size_t indent = raw.find_first_not_of(' ');
    if (json && indent == 0) {
      if (!l.eat('}') || !l.rest_is_empty()) return false;  // the document's end
      list = List::none;
      continue;
    }
    // A list item: "  - {...}" (YAML) or "    {...}," (JSON).
    const bool item = json ? indent == 4 : (indent == 2 && raw.substr(2, 2) == "- ");
    if (item) {
      if (list == List::none) return false;
      if (!json) l.eat('-');
      l.skip_spaces();
      const SourceRef at{file, number, l.col()};
      const bool ok = list == List::placements ? placement(l, at, doc)
                      : list == List::unplaced ? unplaced(l, at, doc)
                      : list == List::hosts    ? host(l, at, doc)
                                               : l.skip_value();
      if (!ok) return false;
      if (json) l.eat(',');
      if (!l.rest_is_empty()) return false;
      continue;
    }
    if (json && indent == 2 && (raw.substr(2) == "]" || raw.substr(2) == "],")) {
      list = List::none;
      continue;
    }
    // A top-level key and its value.
    if (indent != (json ? 2u : 0u) || !l.key(key)) return false;
    std::size_t k = 0;
    while (k < std::size(top_keys) && top_keys[k] != key) ++k;
    if (k == std::size(top_keys) || (seen & (1u << k))) return false;
    seen |= 1u << k;
    list = List::none;
    // The lists, by their place in top_keys (placements 3, unplaced 4, hosts 8, failover 10).
    constexpr std::size_t placements_key = 3, unplaced_key = 4, hosts_key = 8, failover_key = 10;
    static_assert(top_keys[placements_key] == "placements" && top_keys[unplaced_key] == "unplaced" && top_keys[hosts_key] == "hosts" &&
                  top_keys[failover_key] == "failover");
    if (k == placements_key || k == unplaced_key || k == hosts_key || k == failover_key) {
      const List which = k == placements_key ? List::placements : k == unplaced_key ? List::unplaced : k == hosts_key ? List::hosts : List::failover;
      has_placements = has_placements || k == placements_key;
      if (l.eat('[')) {
        if (l.eat(']')) {  // empty
          if (json) l.eat(',');
          if (!l.rest_is_empty()) return false;
          continue;
        }
        if (!json || !l.rest_is_empty()) return false;
        list = which;
        continue;
      }
      if (json || !l.rest_is_empty()) return false;
      list = which;
      continue;
    }
    if (!l.skip_value()) return false;
    if (json) l.eat(',');
    if (!l.rest_is_empty()) return false;
  }
  return has_placements;
}

}  // namespace kvmplan::plan_lines
