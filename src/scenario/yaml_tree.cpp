#include "scenario/yaml_tree.hpp"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/parser.h>

#include <istream>
#include <map>
#include <streambuf>

namespace kvmplan::yaml {

struct Tree {
  struct Item {
    Node::Kind kind = Node::Kind::null;
    int line = -1, column = -1;
    std::string text;                     // a scalar's value
    std::vector<std::uint32_t> children;  // a sequence's items; a map's keys and values, alternating
  };
  std::vector<Item> items;
  static Node node(const std::shared_ptr<const Tree>& tree, std::uint32_t i) { return Node(tree, i); }
};

namespace {

const std::string empty_text;

// Reads the text in place: std::istringstream would copy a file of a few hundred MB.
struct TextBuf : std::streambuf {
  explicit TextBuf(const std::string& text) {
    char* p = const_cast<char*>(text.data());  // read only: the get area is never written
    setg(p, p, p + text.size());
  }
};

// Nodes an alias may stand for, in all: a few lines of nested aliases stand for billions.
constexpr std::uint64_t max_expanded_nodes = 10'000'000;

struct TooManyAliases {
  YAML::Mark mark;
};

// Builds the tree of one document, or (record false) only notes where it starts.
class Builder : public YAML::EventHandler {
 public:
  explicit Builder(bool record) : record_(record), tree_(std::make_shared<Tree>()) {}

  void OnDocumentStart(const YAML::Mark& mark) override { start_ = mark; }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override { add(mark, Node::Kind::null, {}, anchor); }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor, const std::string& value) override {
    add(mark, Node::Kind::scalar, value, anchor);
  }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    if (!record_) return;
    const auto it = anchors_.find(anchor);
    if (it == anchors_.end()) return;  // yaml-cpp reports unknown anchors itself
    for (std::uint32_t open : stack_) {
      if (open == it->second) throw TooManyAliases{mark};  // an alias inside what it names: no end
    }
    expanded_ += weight_[it->second];
    if (expanded_ > max_expanded_nodes) throw TooManyAliases{mark};
    attach(it->second);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor, YAML::EmitterStyle::value) override {
    stack_.push_back(add(mark, Node::Kind::sequence, {}, anchor));
  }
  void OnSequenceEnd() override { close(); }
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor, YAML::EmitterStyle::value) override {
    stack_.push_back(add(mark, Node::Kind::map, {}, anchor));
  }
  void OnMapEnd() override { close(); }

  const YAML::Mark& start() const { return start_; }
  Node root() const { return has_root_ ? Tree::node(tree_, root_) : Node(); }

 private:
  std::uint32_t add(const YAML::Mark& mark, Node::Kind kind, const std::string& text, YAML::anchor_t anchor) {
    if (!record_) return 0;
    const auto i = static_cast<std::uint32_t>(tree_->items.size());
    tree_->items.push_back({kind, mark.line, mark.column, text, {}});
    weight_.push_back(1);
    if (anchor != YAML::NullAnchor) anchors_[anchor] = i;
    attach(i);
    return i;
  }
  void attach(std::uint32_t i) {
    if (stack_.empty()) {
      root_ = i;
      has_root_ = true;
    } else {
      tree_->items[stack_.back()].children.push_back(i);
    }
  }
  void close() {
    if (!record_ || stack_.empty()) return;
    const std::uint32_t i = stack_.back();
    stack_.pop_back();
    std::uint64_t w = 1;
    for (std::uint32_t c : tree_->items[i].children) w += weight_[c];
    weight_[i] = w;
  }

  bool record_;
  std::shared_ptr<Tree> tree_;
  std::vector<std::uint64_t> weight_;  // per item: its subtree's nodes, aliases expanded
  std::map<YAML::anchor_t, std::uint32_t> anchors_;
  std::vector<std::uint32_t> stack_;
  std::uint64_t expanded_ = 0;
  std::uint32_t root_ = 0;
  bool has_root_ = false;
  YAML::Mark start_ = YAML::Mark::null_mark();
};

Mark mark_of(const YAML::Mark& m) { return m.is_null() ? Mark{} : Mark{m.line, m.column}; }

std::string unexpected(const std::string& text, const YAML::Mark& at) {
  const auto pos = static_cast<std::size_t>(at.pos);
  const char c = pos < text.size() ? text[pos] : ' ';
  return std::string("syntax: unexpected '") + c + "': yaml-cpp cannot read on from here";
}

}  // namespace

Node::Kind Node::kind() const { return tree_ ? tree_->items[index_].kind : Kind::undefined; }
const std::string& Node::Scalar() const { return IsScalar() ? tree_->items[index_].text : empty_text; }
Mark Node::Mark() const { return tree_ ? yaml::Mark{tree_->items[index_].line, tree_->items[index_].column} : yaml::Mark{}; }

std::size_t Node::size() const {
  if (!tree_) return 0;
  const auto& item = tree_->items[index_];
  return item.kind == Kind::map ? item.children.size() / 2 : item.kind == Kind::sequence ? item.children.size() : 0;
}

Node Node::operator[](std::size_t i) const {
  if (!IsSequence() || i >= size()) return {};
  return Node(tree_, tree_->items[index_].children[i]);
}

Node Node::operator[](std::string_view key) const {
  if (!IsMap()) return {};
  const auto& children = tree_->items[index_].children;
  for (std::size_t i = 0; i + 1 < children.size(); i += 2) {
    const auto& k = tree_->items[children[i]];
    if (k.kind == Kind::scalar && k.text == key) return Node(tree_, children[i + 1]);
  }
  return {};
}

Node::iterator Node::begin() const { return iterator(*this, 0); }
Node::iterator Node::end() const { return iterator(*this, size()); }

void Node::iterator::load() {
  if (i_ >= parent_.size()) return;
  const auto& children = parent_.tree_->items[parent_.index_].children;
  if (parent_.IsMap()) {
    value_.first = Node(parent_.tree_, children[2 * i_]);
    value_.second = Node(parent_.tree_, children[2 * i_ + 1]);
    static_cast<Node&>(value_) = value_.second;
  } else {
    static_cast<Node&>(value_) = Node(parent_.tree_, children[i_]);
  }
}

std::string parse(const std::string& text, Node& root, Mark& at) {
  TextBuf buf(text);
  std::istream in(&buf);
  try {
    YAML::Parser parser(in);
    Builder first(true);
    if (!parser.HandleNextDocument(first)) {
      root = Node();
      return {};
    }
    // yaml-cpp returns a document without moving past a token it cannot place (a stray ','):
    // a next document that starts where the last one did is that token, not a document.
    Builder second(false);
    if (!parser.HandleNextDocument(second)) {
      root = first.root();
      return {};
    }
    if (second.start().pos == first.start().pos) {
      at = mark_of(first.start());
      return unexpected(text, first.start());
    }
    Builder third(false);
    if (parser.HandleNextDocument(third) && third.start().pos == second.start().pos) {
      at = mark_of(second.start());
      return unexpected(text, second.start());
    }
    at = mark_of(second.start());
    return "a second YAML document: kvmplan reads one per file (split it into two files)";
  } catch (const YAML::ParserException& e) {  // DeepRecursion too: nesting past 2000 levels
    at = mark_of(e.mark);
    return "syntax: " + e.msg;
  } catch (const YAML::Exception& e) {
    at = mark_of(e.mark);
    return "syntax: " + e.msg;
  } catch (const TooManyAliases& e) {
    at = mark_of(e.mark);
    return "aliases expand to more than 10 million nodes, or name a collection that holds them";
  }
}

}  // namespace kvmplan::yaml
