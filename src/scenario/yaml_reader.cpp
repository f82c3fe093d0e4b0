#include "scenario/yaml_reader.hpp"

#include <algorithm>

namespace kvmplan::yaml {

SourceRef Context::at(const Mark& mark) const {
  if (mark.is_null()) return {file, 0, 0};
  return {file, static_cast<std::uint32_t>(mark.line + 1), static_cast<std::uint32_t>(mark.column + 1)};
}

void Context::error(SourceRef where, const std::string& path, std::string message) const {
  diagnostics.error(where, path, std::move(message));
}

std::string describe(const Node& node) {
  switch (node.kind()) {
    case Node::Kind::map: return "a mapping";
    case Node::Kind::sequence: return "a list";
    case Node::Kind::scalar: return "\"" + node.Scalar() + "\"";
    default: return "nothing";
  }
}

MapReader::MapReader(const Context& ctx, const Node& node, SourceRef at, std::string map_path,
                     const std::vector<std::string>& known)
    : ctx_(ctx), at_(at), path_(std::move(map_path)) {
  if (!node.IsMap()) {
    ctx_.error(at_, path_, "expected a mapping of keys, got " + describe(node));
    return;
  }
  ok_ = true;
  for (auto it = node.begin(); it != node.end(); ++it) {
    const SourceRef key_at = ctx_.at(it->first.Mark());
    if (!it->first.IsScalar()) {
      ctx_.error(key_at, path_, "a key must be a plain name, not " + describe(it->first));
      continue;
    }
    const std::string key = it->first.Scalar();
    const std::string key_path = path(key);
    bool is_known = false;
    for (const auto& k : known) is_known = is_known || k == key;
    if (!is_known) {
      const std::string hint = nearest(key, known);
      std::string message = "unknown key \"" + key + "\"";
      if (!hint.empty()) {
        message += "; did you mean \"" + hint + "\"?";
        suggested_.push_back(hint);
      } else {
        message += "; known keys:";
        for (std::size_t i = 0; i < known.size(); ++i) message += (i ? ", " : " ") + known[i];
      }
      ctx_.error(key_at, key_path, message);
      continue;
    }
    if (const Entry* first = find(key)) {
      ctx_.error(key_at, key_path,
                 "duplicate key \"" + key + "\" (first at line " + std::to_string(first->key_at.line) +
                     ", column " + std::to_string(first->key_at.col) + ")");
      continue;
    }
    const bool empty = !it->second.IsDefined() || it->second.IsNull();
    entries_.push_back({key, it->second, key_at, empty ? key_at : ctx_.at(it->second.Mark())});
  }
}

std::string MapReader::path(std::string_view key) const {
  return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

const Entry* MapReader::find(std::string_view key) const {
  for (const auto& e : entries_) {
    if (e.key == key) return &e;
  }
  return nullptr;
}

std::optional<std::string> MapReader::text(std::string_view key) const {
  const Entry* e = find(key);
  if (!e) return std::nullopt;
  if (!e->value.IsScalar()) {
    ctx_.error(e->value_at, path(key), "expected a value, got " + describe(e->value));
    return std::nullopt;
  }
  return e->value.Scalar();
}

bool MapReader::require(std::string_view key) const {
  if (find(key)) return true;
  if (std::find(suggested_.begin(), suggested_.end(), key) != suggested_.end()) return false;
  ctx_.error(at_, path_, "missing required key \"" + std::string(key) + "\"");
  return false;
}

std::optional<std::vector<std::pair<std::string, SourceRef>>> scalar_list(
    const Context& ctx, const Entry& entry, const std::string& path) {
  std::vector<std::pair<std::string, SourceRef>> out;
  if (entry.value.IsScalar()) {
    out.emplace_back(entry.value.Scalar(), entry.value_at);
    return out;
  }
  if (!entry.value.IsSequence()) {
    ctx.error(entry.value_at, path, "expected a list, got " + describe(entry.value));
    return std::nullopt;
  }
  bool ok = true;
  std::size_t i = 0;
  for (const auto& item : entry.value) {
    const SourceRef at = ctx.at(item.Mark());
    if (!item.IsScalar()) {
      ctx.error(at, path + "[" + std::to_string(i) + "]", "expected a value, got " + describe(item));
      ok = false;
    } else {
      out.emplace_back(item.Scalar(), at);
    }
    ++i;
  }
  if (!ok) return std::nullopt;
  return out;
}

bool parse_document(const Context& ctx, const std::string& text, Node& root) {
  Mark at;
  const std::string problem = parse(text, root, at);
  if (problem.empty()) return true;
  ctx.error(ctx.at(at), "", problem);
  return false;
}


}  // namespace kvmplan::yaml
