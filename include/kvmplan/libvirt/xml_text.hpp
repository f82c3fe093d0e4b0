#pragma once
// XML to import: a file, or text already in memory (tests, fuzzing).
#include <optional>
#include <string>

namespace kvmplan {

// The file at `name`, or `text` already in memory (named `name` in messages).
struct XmlText {
  std::string name;
  std::optional<std::string> text;
};

}  // namespace kvmplan
