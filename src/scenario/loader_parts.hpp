#pragma once
// The loader's stages, private to src/. loader.cpp reads the files and the policy; the entity
// readers build hosts (host_loader.cpp) and flavors, groups and guests (guest_loader.cpp).
#include <map>
#include <optional>
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

// A profile read from a CSV table (`slot,profile,memory[,cpu]`, csv_loader.cpp): its valid
// rows, checked for gaps, repeats and the slot count once the YAML profiles are known.
struct CsvProfile {
  struct Row {
    std::uint32_t slot = 0;
    SourceRef slot_at, cpu_at;
    Decimal memory;
    std::optional<Decimal> cpu;
  };
  std::string name;
  SourceRef at;  // its first row's profile cell
  std::vector<Row> rows;
  bool broken = false;  // a row of it had an error (reported): the profile is not loaded
};

struct RawScenario {
  std::vector<Item> hosts, guests, flavors, groups;
  std::vector<NamedItem> profiles;
  std::vector<CsvProfile> csv_profiles;     // from CSV tables, in file order
  std::vector<std::uint32_t> sample_files;  // CSV files of per-guest samples, read after the guests
  // Names of host entries that had errors (reported already): a guest that names one is not
  // told the host does not exist.
  std::vector<std::string> broken_hosts;
};

// (expanded, or an auto pool)
// Appends the hosts of one entry; an entry with errors adds its name to `broken`.
void load_host(const yaml::Context& ctx, const Item& item, Scenario& scenario, std::vector<std::string>& broken);

// Builds the usage profiles: names, fractions, one slot count for all.
void load_profiles(Diagnostics& diagnostics, const SourceFiles& sources, const RawScenario& raw, Scenario& scenario);

// Where a guest entry gives `usage:` or `profile:` itself (not through its flavor): per spec.
struct OwnUsage {
  std::string path;  // "guests[3].usage"; "" when the entry gives neither
  SourceRef at;
};

// The domain templates read so far, by resolved path: index into Scenario::domain_templates,
// or the problem (reported at every key that names the file).
struct TemplateEntry {
  std::int32_t index = -1;
  std::string problem;
};
using TemplateCache = std::map<std::string, TemplateEntry>;
// `template:` of a flavor or guest entry: nullopt without the key, -1 after reporting a problem
// at it, else the template's index (the file read and checked on its first mention).
std::optional<std::int32_t> load_template(const yaml::MapReader& map, const SourceFiles& sources, Scenario& scenario, TemplateCache& cache);

// Builds groups, flavors and guests; resolves guest -> host, flavor and group references.
// `own_usage` gets one entry per spec added.
void load_guests(Diagnostics& diagnostics, const SourceFiles& sources, const RawScenario& raw,
                 Scenario& scenario, std::vector<OwnUsage>& own_usage);

// CSV (csv_loader.cpp). A path ending in .csv (any case) is read as CSV, not YAML.
bool is_csv(const std::string& path);
// Reads the header of a CSV file and, for a profile table, its rows into raw.csv_profiles; a
// samples file is only noted in raw.sample_files (its rows need the guests).
void read_csv(Diagnostics& diagnostics, const SourceFiles& sources, std::uint32_t file, RawScenario& raw);
// Adds the CSV tables' profiles after the YAML ones: every slot once, the scenario's slot count,
// unique names.
void load_csv_profiles(Diagnostics& diagnostics, const SourceFiles& sources, const RawScenario& raw, Scenario& scenario);
// Reduces the samples files to one profile per sampled guest (NAME.samples, the policy's
// profile_percentile per slot) and gives that guest a spec of its own that names it.
// `report_unknown`: whether a name no guest has is an error (not when guest entries had errors).
void load_samples(Diagnostics& diagnostics, const SourceFiles& sources, const RawScenario& raw,
                  const std::vector<OwnUsage>& own_usage, bool report_unknown, Scenario& scenario);

// "line 12", or "hosts.yaml:12" when `other` is in another file than `here`.
std::string where(const SourceFiles& sources, SourceRef other, SourceRef here);

// Names of hosts, guests and groups: [A-Za-z0-9._-]+. Returns "" or the problem.
std::string check_name(const std::string& name);

// "web" x 64 -> "web-01" .. "web-64"; a count of 1 keeps the name.
std::string expanded_name(const std::string& base, std::int64_t index, std::int64_t count);

}  // namespace kvmplan::detail
