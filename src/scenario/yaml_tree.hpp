#pragma once
// A YAML document as a light tree with positions, built from yaml-cpp's event parser. Why not
// yaml-cpp's own nodes: YAML::LoadAll spins for ever on a stray ',' ("- a\n,"; YAML::Load
// silently drops what follows it), aliases are not bounded (a "billion laughs" file is a few
// lines), and its nodes cost twice the time to build. Private to src/, with the subset of
// yaml-cpp's Node interface the readers use.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace kvmplan::yaml {

// A 0-based position, as yaml-cpp gives it; line -1 when there is none.
struct Mark {
  int line = -1;
  int column = -1;
  bool is_null() const { return line < 0; }
};

struct Tree;  // the nodes of one document

class Node {
 public:
  enum class Kind : std::uint8_t { undefined, null, scalar, sequence, map };

  Node() = default;
  Kind kind() const;
  bool IsDefined() const { return kind() != Kind::undefined; }
  bool IsNull() const { return kind() == Kind::null; }
  bool IsScalar() const { return kind() == Kind::scalar; }
  bool IsSequence() const { return kind() == Kind::sequence; }
  bool IsMap() const { return kind() == Kind::map; }
  explicit operator bool() const { return IsDefined(); }
  const std::string& Scalar() const;  // "" unless a scalar
  yaml::Mark Mark() const;
  // Items of a sequence, entries of a map.
  std::size_t size() const;
  Node operator[](std::size_t i) const;       // a sequence's item; undefined past the end
  Node operator[](std::string_view key) const;  // a map's first value under a scalar key

  // What iteration yields: the item (sequences), or the entry as first and second (maps).
  struct Value;
  class iterator;
  iterator begin() const;
  iterator end() const;

 private:
  friend struct Tree;
  Node(std::shared_ptr<const Tree> tree, std::uint32_t index) : tree_(std::move(tree)), index_(index) {}
  std::shared_ptr<const Tree> tree_;
  std::uint32_t index_ = 0;
};

struct Node::Value : Node {
  Node first, second;
};

class Node::iterator {
 public:
  iterator(const Node& parent, std::size_t i) : parent_(parent), i_(i) { load(); }
  const Value& operator*() const { return value_; }
  const Value* operator->() const { return &value_; }
  iterator& operator++() {
    ++i_;
    load();
    return *this;
  }
  bool operator!=(const iterator& o) const { return i_ != o.i_; }
  bool operator==(const iterator& o) const { return i_ == o.i_; }

 private:
  void load();
  Node parent_;
  std::size_t i_;
  Value value_;
};

// Parses `text` as at most one document. Returns "" and sets `root` (undefined for an empty
// text), or the problem, with `at` where it is: a syntax error, a second document, a token
// yaml-cpp cannot move past, nesting past 2000 levels, or aliases that expand to more than 10
// million nodes.
std::string parse(const std::string& text, Node& root, Mark& at);

}  // namespace kvmplan::yaml
