#pragma once
// Typed, position-aware reading of YAML nodes (yaml_tree.hpp). Every failure becomes a diagnostic with the
// key path and the value's position; getters return nullopt and reading goes on, so that one
// run reports every problem. Private to src/: no yaml-cpp type crosses include/.
#include "scenario/yaml_tree.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kvmplan/values/diagnostics.hpp"
#include "kvmplan/values/result.hpp"

namespace kvmplan::yaml {

struct Context {
  Diagnostics& diagnostics;
  std::uint32_t file;

  SourceRef at(const Mark& mark) const;
  void error(SourceRef where, const std::string& path, std::string message) const;
};

// "a mapping", "a list", "a value", "nothing"
std::string describe(const Node& node);

// Where a value is: its own mark, or its key's when the value is empty (yaml-cpp puts an empty
// value's mark on the next token).
struct Entry {
  std::string key;
  Node value;
  SourceRef key_at;
  SourceRef value_at;
};

class MapReader {
 public:
  // Checks that `node` is a mapping, that its keys are known and not repeated.
  MapReader(const Context& ctx, const Node& node, SourceRef at, std::string path,
            const std::vector<std::string>& known);

  bool ok() const { return ok_; }
  SourceRef at() const { return at_; }
  const std::string& path() const { return path_; }
  std::string path(std::string_view key) const;
  const Entry* find(std::string_view key) const;
  const std::vector<Entry>& entries() const { return entries_; }

  // The scalar text of a key, if present and a scalar.
  std::optional<std::string> text(std::string_view key) const;
  // The key, read through a value rule; records the rule's message on failure.
  template <class Rule>
  auto get(std::string_view key, Rule rule) const
      -> std::optional<std::remove_cvref_t<decltype(rule(std::string_view{}).value())>> {
    const auto t = text(key);
    if (!t) return std::nullopt;
    auto r = rule(std::string_view(*t));
    if (!r) {
      ctx_.error(find(key)->value_at, path(key), r.error());
      return std::nullopt;
    }
    return r.value();
  }
  // Records "missing required key" when absent (unless a misspelling of it was reported);
  // returns whether present.
  bool require(std::string_view key) const;

  const Context& context() const { return ctx_; }

 private:
  const Context& ctx_;
  SourceRef at_;
  std::string path_;
  bool ok_ = false;
  std::vector<Entry> entries_;  // first occurrence of each known key
  std::vector<std::string> suggested_;  // keys suggested for misspelled ones
};

// Parses `text` as exactly one YAML document (none: a null root); a syntax error, nesting past
// yaml-cpp's 2000 levels or a second document is reported and false returned.
bool parse_document(const Context& ctx, const std::string& text, Node& root);

// A list of scalars written as a YAML list or a single scalar; records errors.
std::optional<std::vector<std::pair<std::string, SourceRef>>> scalar_list(
    const Context& ctx, const Entry& entry, const std::string& path);

}  // namespace kvmplan::yaml
