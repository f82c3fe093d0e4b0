#pragma once
// The loader's stages, private to src/. loader.cpp reads the files and the policy; the entity
// readers build hosts (host_loader.cpp) and flavors, groups and guests (guest_loader.cpp).
#include <string>
#include <vector>

#include "kvmplan/scenario/scenario.hpp"
#include "scenario/yaml_reader.hpp"

namespace kvmplan::detail {

// One entry of a top-level list, kept until the policy of every file is known.
struct Item {
  yaml::Node node;
  SourceRef at;
  std::string path;  // "hosts[3]"
  std::uint32_t file;
};

// One entry of the top-level `profiles:` mapping: its name (the key) and its value.
struct NamedItem {
  std::string name;
  SourceRef name_at;
  Item item;
};

struct RawScenario {
  std::vector<Item> hosts, guests, flavors, groups;
  std::vector<NamedItem> profiles;
  // Names of host entries that had errors (reported already): a guest that names one is not
  // told the host does not exist.
  std::vector<std::string> broken_hosts;
};

// (expanded, or an auto pool)
// Appends the hosts of one entry; an entry with errors adds its name to `broken`.
void load_host(const yaml::Context& ctx, const Item& item, Scenario& scenario, std::vector<std::string>& broken);

// Builds the usage profiles: names, fractions, one slot count for all.
void load_profiles(Diagnostics& diagnostics, const SourceFiles& sources, const RawScenario& raw, Scenario& scenario);

// Builds groups, flavors and guests; resolves guest -> host, flavor and group references.
void load_guests(Diagnostics& diagnostics, const SourceFiles& sources, const RawScenario& raw,
                 Scenario& scenario);

// "line 12", or "hosts.yaml:12" when `other` is in another file than `here`.
std::string where(const SourceFiles& sources, SourceRef other, SourceRef here);

// Names of hosts, guests and groups: [A-Za-z0-9._-]+. Returns "" or the problem.
std::string check_name(const std::string& name);

// "web" x 64 -> "web-01" .. "web-64"; a count of 1 keeps the name.
std::string expanded_name(const std::string& base, std::int64_t index, std::int64_t count);

}  // namespace kvmplan::detail
