// groups, flavors and guests: flavor merging, `count:` expansion and cross-references.
#include <algorithm>
#include <functional>
#include <unordered_map>
#include <unordered_set>

#include "kvmplan/values/limits.hpp"
#include "kvmplan/values/values.hpp"
#include "scenario/loader_parts.hpp"

namespace kvmplan::detail {
namespace {

const std::vector<std::string> group_keys{"name", "policy", "scope", "replace"};

// Keys a flavor and a guest share; a guest's own value wins over its flavor's.
const std::vector<std::string> spec_keys{
    "vcpus", "memory", "current_memory", "usage", "profile", "image", "ksm_shareable", "hugepages",
    "locked", "cpu_policy", "cpu_quota", "numa_nodes", "numa_cells", "emulator_threads", "groups", "template"};

std::vector<std::string> with(std::vector<std::string> keys, std::initializer_list<std::string> more) {
  keys.insert(keys.begin(), more);
  return keys;
}

template <class T>
struct Field {
  std::optional<T> value;
  SourceRef at;
};

// A value for ksm_shareable: a fraction of memory ("0.3") or a size ("512MiB").
struct Shareable {
  std::optional<Decimal> fraction;
  std::optional<Bytes> size;
};

Result<Shareable> shareable(std::string_view text) {
  if (auto f = Decimal::parse(text)) {
    auto checked = values::fraction(text);
    if (!checked) return Error{checked.error() + " (or a size such as 512MiB)"};
    return Shareable{checked.value(), std::nullopt};
  }
  auto size = values::size(text);
  if (!size) return Error{"\"" + std::string(text) + "\" is neither a fraction such as 0.3 nor a size such as 512MiB"};
  return Shareable{std::nullopt, size.value()};
}

// An image names a KSM sharing group: free text ("Windows 10"), but printable and short.
Result<std::string> image_name(std::string_view t) {
  if (t.empty()) return Error{"an image name cannot be empty; leave the key out for none"};
  if (t.size() > 255) return Error{"an image name has at most 255 characters"};
  for (const char c : t) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return Error{"an image name holds a control character"};
  }
  return std::string(t);
}

struct SpecFields {
  Field<std::int64_t> vcpus;
  Field<Bytes> memory, current_memory, hugepages;
  Field<Decimal> usage, cpu_quota;
  Field<std::string> image, profile;
  Field<Shareable> ksm_shareable;
  Field<bool> locked;
  Field<CpuPolicy> cpu_policy;
  Field<std::int64_t> numa_nodes;
  // numa_cells: the cells, and where each one's vcpus and memory are (for errors).
  struct CellAt {
    CellSpec cell;
    SourceRef at;
    std::string path;
  };
  Field<std::vector<CellAt>> numa_cells;
  Field<EmulatorThreads> emulator_threads;
  Field<std::vector<std::pair<std::string, SourceRef>>> groups;
  Field<std::int32_t> domain_template;  // index into Scenario::domain_templates; -1: a bad one (reported)

  // Fields of `over` replace ours where set.
  void overlay(const SpecFields& over) {
    auto pick = [](auto& mine, const auto& theirs) {
      if (theirs.value) mine = theirs;
    };
    // usage and profile say the same thing: the one `over` gives replaces ours, whichever it is.
    if (over.usage.value) profile = {};
    if (over.profile.value) usage = {};
    pick(vcpus, over.vcpus); pick(memory, over.memory); pick(current_memory, over.current_memory);
    pick(profile, over.profile);
    pick(hugepages, over.hugepages); pick(usage, over.usage); pick(cpu_quota, over.cpu_quota);
    pick(image, over.image); pick(ksm_shareable, over.ksm_shareable); pick(locked, over.locked);
    pick(cpu_policy, over.cpu_policy); pick(numa_nodes, over.numa_nodes); pick(groups, over.groups);
    pick(numa_cells, over.numa_cells); pick(emulator_threads, over.emulator_threads);
    pick(domain_template, over.domain_template);
  }
};

template <class T, class Rule>
void read(const yaml::MapReader& map, const char* key, Rule rule, Field<T>& field) {
  if (const yaml::Entry* e = map.find(key)) {
    field.at = e->value_at;
    if (auto v = map.get(key, rule)) field.value = static_cast<T>(*v);
  }
}

SpecFields read_spec(const yaml::MapReader& map) {
  SpecFields f;
  read(map, "vcpus", [](auto t) { return values::integer(t, 1, limits::max_vcpus); }, f.vcpus);
  read(map, "memory", values::positive_size, f.memory);
  read(map, "current_memory", values::positive_size, f.current_memory);
  read(map, "hugepages", values::page_size, f.hugepages);
  read(map, "usage", values::fraction, f.usage);
  read(map, "cpu_quota", [](std::string_view t) -> Result<Decimal> {
    auto d = values::fraction(t);
    if (d && d->num == 0) return Error{"\"" + std::string(t) + "\" must be greater than 0"};
    // Exported as <quota> = fraction x <period> (100000 us); libvirt refuses a quota below 1000 us.
    if (d && *d < Decimal{1, 100}) {
      return Error{"\"" + std::string(t) + "\" is below 0.01: libvirt's <quota> is at least 1000us of the 100000us period"};
    }
    return d;
  }, f.cpu_quota);
  read(map, "image", image_name, f.image);
  read(map, "profile", values::name, f.profile);
  if (f.usage.value && f.profile.value) {
    map.context().error(f.profile.at, map.path("profile"), "usage and profile both say what the guest uses: give one");
  }
  read(map, "ksm_shareable", shareable, f.ksm_shareable);
  read(map, "locked", values::boolean, f.locked);
  read(map, "cpu_policy", [](std::string_view t) -> Result<CpuPolicy> {
    static constexpr std::array<std::string_view, 2> names{"shared", "dedicated"};
    auto i = values::choice(t, names);
    if (!i) return Error{i.error()};
    return static_cast<CpuPolicy>(i.value());
  }, f.cpu_policy);
  read(map, "numa_nodes", [](auto t) { return values::integer(t, 1, limits::max_node_id + 1); }, f.numa_nodes);
  read(map, "emulator_threads", [](std::string_view t) -> Result<EmulatorThreads> {
    static constexpr std::array<std::string_view, 2> names{"share", "isolate"};
    auto i = values::choice(t, names);
    if (!i) return Error{i.error()};
    return static_cast<EmulatorThreads>(i.value());
  }, f.emulator_threads);
  if (const yaml::Entry* e = map.find("numa_cells")) {
    const yaml::Context& ctx = map.context();
    f.numa_cells.at = e->value_at;
    if (!e->value.IsSequence() || e->value.size() == 0) {
      ctx.error(e->value_at, map.path("numa_cells"),
                e->value.IsSequence() ? "lists no cell; leave it out for cells numa_nodes splits evenly"
                                      : "expected a list of cells such as [{memory: 4GiB, vcpus: 2}, {memory: 2GiB, vcpus: 1}], got " + yaml::describe(e->value));
    } else if (e->value.size() > static_cast<std::size_t>(limits::max_node_id) + 1) {
      ctx.error(e->value_at, map.path("numa_cells"), "lists " + std::to_string(e->value.size()) + " cells; a guest has at most " +
                                                        std::to_string(limits::max_node_id + 1));
    } else {
      std::vector<SpecFields::CellAt> cells;
      bool ok = true;
      std::size_t index = 0;
      for (const auto& n : e->value) {
        const std::string path = map.path("numa_cells") + "[" + std::to_string(index++) + "]";
        const yaml::MapReader cell(ctx, n, ctx.at(n.Mark()), path, {"memory", "vcpus"});
        if (!cell.ok()) {
          ok = false;
          continue;
        }
        const bool has_memory = cell.require("memory");  // both asked, so that both are reported
        const bool has_vcpus = cell.require("vcpus");
        const bool both = has_memory && has_vcpus;
        const auto memory = cell.get("memory", values::positive_size);
        const auto vcpus = cell.get("vcpus", [](auto t) { return values::integer(t, 1, limits::max_vcpus); });
        if (!both || !memory || !vcpus) {
          ok = false;
          continue;
        }
        cells.push_back({{static_cast<int>(*vcpus), *memory}, cell.at(), path});
      }
      if (ok) f.numa_cells.value = std::move(cells);
    }
  }
  if (const yaml::Entry* e = map.find("groups")) {
    f.groups.at = e->value_at;
    f.groups.value = yaml::scalar_list(map.context(), *e, map.path("groups"));
  }
  return f;
}

// What QEMU refuses to start: hugepage-backed memory that is not a whole number of pages
// ("memory size ... must be equal to or larger than page size"), and NUMA cells without memory
// or vCPUs. Refused here rather than rounded, so that the plan sizes what the operator wrote.
void check_cells(const yaml::Context& ctx, const yaml::MapReader& map, const SpecFields& fields, const GuestSpec& spec) {
  if (!fields.memory.value) return;
  // At the guest's key, or, for a value of its flavor, at the guest's `flavor:`.
  auto report = [&](const char* key, SourceRef at, const std::string& message) {
    if (map.find(key) || !map.find("flavor")) {
      ctx.error(at, map.path(key), message);
    } else {
      ctx.error(map.find("flavor")->value_at, map.path("flavor"), "flavor " + spec.flavor + ": " + key + ": " + message);
    }
  };
  if (spec.hugepages && spec.memory.value % spec.hugepages->value != 0) {
    const std::int64_t page = spec.hugepages->value;
    const Bytes up{(spec.memory.value / page + 1) * page};
    report("memory", fields.memory.at,
              to_string(spec.memory) + " is not a whole number of " + to_string(*spec.hugepages) +
                  " pages, which QEMU refuses; write " + to_string(up) +
                  (spec.memory.value >= page ? " or " + to_string(Bytes{spec.memory.value / page * page}) : ""));
    return;
  }
  if (fields.numa_cells.value) {
    // Given cells: as many as numa_nodes says, summing to the guest's memory and vCPUs, each
    // a whole number of pages (hugepages) or KiB: QEMU refuses other cells.
    const auto& cells = *fields.numa_cells.value;
    if (fields.numa_nodes.value && *fields.numa_nodes.value != static_cast<std::int64_t>(cells.size())) {
      report("numa_nodes", fields.numa_nodes.at,
             std::to_string(*fields.numa_nodes.value) + " does not agree with numa_cells, which lists " + std::to_string(cells.size()) +
                 (cells.size() == 1 ? " cell" : " cells"));
    }
    std::int64_t vcpus = 0;
    __int128 memory = 0;  // up to 1024 cells of at most 1EiB each
    const Bytes unit = cell_unit(spec);
    for (const auto& c : cells) {
      vcpus += c.cell.vcpus;
      memory += c.cell.memory.value;
      if (c.cell.memory.value % unit.value != 0) {
        const std::string what = spec.hugepages ? to_string(*spec.hugepages) + " pages" : "KiB";
        if (map.find("numa_cells")) {
          ctx.error(c.at, c.path + ".memory", to_string(c.cell.memory) + " is not a whole number of " + what + ", which QEMU refuses for a cell");
        } else {
          report("numa_cells", fields.numa_cells.at, "cell memory " + to_string(c.cell.memory) + " is not a whole number of " + what);
        }
      }
    }
    if (vcpus != spec.vcpus) {
      report("numa_cells", fields.numa_cells.at,
             "the cells' vCPUs add up to " + std::to_string(vcpus) + ", not the guest's " + std::to_string(spec.vcpus));
    }
    if (memory != spec.memory.value) {
      report("numa_cells", fields.numa_cells.at,
             "the cells' memory adds up to " + (memory > limits::max_bytes ? std::string("more than 1EiB") : to_string(Bytes{static_cast<std::int64_t>(memory)})) +
                 ", not the guest's " + to_string(spec.memory));
    }
    return;
  }
  if (spec.numa_nodes > 1 && spec.numa_nodes > max_cells(spec)) {
    const std::int64_t units = spec.memory.value / cell_unit(spec).value;
    const std::string memory = spec.hugepages ? std::to_string(units) + (units == 1 ? " page of " : " pages of ") + to_string(*spec.hugepages)
                                              : to_string(spec.memory);
    report("numa_nodes", fields.numa_nodes.at,
              std::to_string(spec.numa_nodes) + " cells would leave one empty (each needs a vCPU and " +
                  (spec.hugepages ? "a page" : "memory") + "): the guest has " + std::to_string(spec.vcpus) +
                  (spec.vcpus == 1 ? " vCPU and " : " vCPUs and ") + memory);
  }
}

struct Flavor {
  SpecFields fields;
};

std::vector<Profile>::const_iterator find_profile(const Scenario& s, const std::string& name) {
  return std::find_if(s.profiles.begin(), s.profiles.end(), [&](const Profile& p) { return p.name == name; });
}

void report_unknown_profile(const yaml::Context& ctx, const Scenario& s, const RawScenario& raw, const Field<std::string>& profile,
                            const std::string& path) {
  // A CSV profile with a bad row is not loaded; its rows' errors say why.
  for (const auto& csv : raw.csv_profiles) {
    if (csv.broken && csv.name == *profile.value) return;
  }
  // Nor is a YAML profile with errors: they were reported at it.
  for (const auto& yaml_profile : raw.profiles) {
    if (yaml_profile.name == *profile.value) return;
  }
  std::vector<std::string> names;
  for (const auto& p : s.profiles) names.push_back(p.name);
  const std::string hint = nearest(*profile.value, names);
  ctx.error(profile.at, path, "profile \"" + *profile.value + "\" names no profile" + (hint.empty() ? "" : "; did you mean \"" + hint + "\"?"));
}

}  // namespace

std::string where(const SourceFiles& sources, SourceRef other, SourceRef here) {
  if (other.file == here.file) return "line " + std::to_string(other.line);
  return sources.files[other.file].path + ":" + std::to_string(other.line);
}

void load_guests(Diagnostics& diagnostics, const SourceFiles& sources, const RawScenario& raw,
                 Scenario& scenario, std::vector<OwnUsage>& own_usage) {
  std::unordered_map<std::string, std::size_t> host_index, pool_index;
  for (std::size_t i = 0; i < scenario.hosts.size(); ++i) host_index.emplace(scenario.hosts[i].name, i);
  for (std::size_t i = 0; i < scenario.auto_pools.size(); ++i) pool_index.emplace(scenario.auto_pools[i].name, i);

  const std::unordered_set<std::string> broken_hosts(raw.broken_hosts.begin(), raw.broken_hosts.end());
  std::unordered_map<std::string, std::uint32_t> group_index;
  for (const auto& item : raw.groups) {
    const yaml::Context ctx{diagnostics, item.file};
    const yaml::MapReader map(ctx, item.node, item.at, item.path, group_keys);
    if (!map.ok()) continue;
    Group g;
    g.at = map.at();
    if (map.require("name")) g.name = map.get("name", values::name).value_or("");
    if (map.require("policy")) {
      static constexpr std::array<std::string_view, 4> names{"affinity", "anti-affinity", "soft-affinity", "soft-anti-affinity"};
      if (auto p = map.get("policy", [](auto t) { return values::choice(t, names); })) g.policy = static_cast<GroupPolicy>(*p);
    }
    static constexpr std::array<std::string_view, 3> scopes{"host", "zone", "node"};
    if (auto s = map.get("scope", [](auto t) { return values::choice(t, scopes); })) g.scope = static_cast<GroupScope>(*s);
    if (g.name.empty()) continue;
    if (!group_index.emplace(g.name, static_cast<std::uint32_t>(scenario.groups.size())).second) {
      ctx.error(map.find("name")->value_at, map.path("name"), "duplicate group name \"" + g.name + "\"");
      continue;
    }
    scenario.groups.push_back(g);
  }

  TemplateCache templates;  // each template file read once, whoever names it
  std::unordered_map<std::string, Flavor> flavors;
  std::vector<std::string> flavor_names;
  for (const auto& item : raw.flavors) {
    const yaml::Context ctx{diagnostics, item.file};
    static const std::vector<std::string> flavor_keys = with(spec_keys, {"name", "replace"});
    const yaml::MapReader map(ctx, item.node, item.at, item.path, flavor_keys);
    if (!map.ok() || !map.require("name")) continue;
    const auto name = map.get("name", values::name);
    if (!name) continue;
    Flavor flavor{read_spec(map)};
    flavor.fields.domain_template.value = load_template(map, sources, scenario, templates);
    if (flavor.fields.profile.value && find_profile(scenario, *flavor.fields.profile.value) == scenario.profiles.end()) {
      report_unknown_profile(ctx, scenario, raw, flavor.fields.profile, map.path("profile"));
    }
    if (!flavors.emplace(*name, std::move(flavor)).second) {
      ctx.error(map.find("name")->value_at, map.path("name"), "duplicate flavor name \"" + *name + "\"");
    }
    flavor_names.push_back(*name);
  }

  std::vector<std::string> host_names;  // for suggestions, built on the first bad reference
  std::vector<std::string> group_names;  // the same
  // Totals over every guest, so that no sum a host or a bound makes can leave 64 bits.
  limits::Sum memory_total, vcpu_total(limits::max_total_vcpus);
  bool memory_reported = false, vcpu_reported = false;
  std::vector<std::pair<SourceRef, std::string>> entry_paths;  // each guest entry's name: where, key path
  for (const auto& item : raw.guests) {
    const yaml::Context ctx{diagnostics, item.file};
    const std::size_t errors_before = diagnostics.items.size();  // the reader's own errors count too
    static const std::vector<std::string> guest_keys = with(spec_keys, {"name", "count", "flavor", "host", "replace"});
    const yaml::MapReader map(ctx, item.node, item.at, item.path, guest_keys);
    if (!map.ok()) continue;
    const bool has_name = map.require("name");
    const std::string base = map.text("name").value_or("");
    if (has_name && map.text("name")) {
      if (std::string problem = check_name(base); !problem.empty()) ctx.error(map.find("name")->value_at, map.path("name"), problem);
    }
    const std::int64_t count = map.get("count", [](auto t) { return values::integer(t, 1, limits::max_guests); }).value_or(1);
    if (static_cast<std::int64_t>(scenario.guests.size()) + count > limits::max_guests && map.find("count")) {
      ctx.error(map.find("count")->value_at, map.path("count"),
                "with the guests before it, the scenario has more than " + std::to_string(limits::max_guests) +
                    " guests, the most kvmplan plans");
    }
    SpecFields fields;
    GuestSpec spec;
    if (auto flavor = map.text("flavor")) {
      auto it = flavors.find(*flavor);
      if (it == flavors.end()) {
        const std::string hint = nearest(*flavor, flavor_names);
        ctx.error(map.find("flavor")->value_at, map.path("flavor"),
                  "flavor \"" + *flavor + "\" names no flavor" + (hint.empty() ? "" : "; did you mean \"" + hint + "\"?"));
      } else {
        fields = it->second.fields;
        spec.flavor = *flavor;
      }
    }
    SpecFields own = read_spec(map);
    own.domain_template.value = load_template(map, sources, scenario, templates);
    fields.overlay(own);
    // Required here or in the flavor; an unknown flavor was reported already.
    const bool flavor_unknown = map.find("flavor") && spec.flavor.empty();
    if (!flavor_unknown && spec.flavor.empty()) {
      map.require("vcpus");
      map.require("memory");
    } else if (!flavor_unknown) {
      for (const char* key : {"vcpus", "memory"}) {
        const bool present = std::string_view(key) == "vcpus" ? fields.vcpus.value.has_value() || map.find(key)
                                                               : fields.memory.value.has_value() || map.find(key);
        if (!present) {
          ctx.error(map.at(), map.path(), "missing required key \"" + std::string(key) +
                                              "\" (in the guest or its flavor " + spec.flavor + ")");
        }
      }
    }

    spec.vcpus = static_cast<int>(fields.vcpus.value.value_or(1));
    spec.memory = fields.memory.value.value_or(Bytes{});
    spec.current_memory = fields.current_memory.value;
    if (spec.current_memory && fields.memory.value && *spec.current_memory > spec.memory) {
      ctx.error(fields.current_memory.at, map.path("current_memory"),
                to_string(*spec.current_memory) + " is more than memory " + to_string(spec.memory) +
                    "; the balloon target is at most <memory>");
    }
    spec.usage = spec.usage_low = fields.usage.value.value_or(scenario.policy.usage);
    spec.usage_from_policy = !fields.usage.value && !fields.profile.value;
    spec.shareable_from_policy = !fields.ksm_shareable.value;
    if (fields.profile.value) {
      const auto it = find_profile(scenario, *fields.profile.value);
      if (it == scenario.profiles.end()) {
        if (map.find("profile")) report_unknown_profile(ctx, scenario, raw, fields.profile, map.path("profile"));
      } else {
        spec.profile = static_cast<std::int32_t>(it - scenario.profiles.begin());
        spec.usage = *std::max_element(it->memory.begin(), it->memory.end());
        spec.usage_low = *std::min_element(it->memory.begin(), it->memory.end());
      }
    }
    spec.image = fields.image.value.value_or("");
    const Shareable share = fields.ksm_shareable.value.value_or(Shareable{scenario.policy.ksm.shareable, std::nullopt});
    if (share.size) {
      if (*share.size > spec.memory && fields.memory.value) {
        ctx.error(fields.ksm_shareable.at, map.path("ksm_shareable"),
                  to_string(*share.size) + " is more than memory " + to_string(spec.memory));
      }
      spec.ksm_shareable = min(*share.size, spec.memory);
    } else {
      spec.ksm_shareable = share.fraction->scale_down(spec.memory);
    }
    spec.hugepages = fields.hugepages.value;
    spec.locked = fields.locked.value.value_or(false);
    spec.cpu_policy = fields.cpu_policy.value.value_or(CpuPolicy::shared);
    spec.cpu_quota = fields.cpu_quota.value;
    spec.numa_nodes = static_cast<int>(fields.numa_nodes.value.value_or(0));
    if (fields.numa_cells.value) {
      for (const auto& c : *fields.numa_cells.value) spec.cells.push_back(c.cell);
      spec.numa_nodes = static_cast<int>(spec.cells.size());
      if (spec.cells.size() == 1) spec.cells.clear();  // one cell is the whole guest
    }
    spec.emulator_threads = fields.emulator_threads.value;
    if (spec.emulator_threads == EmulatorThreads::isolate && spec.cpu_policy != CpuPolicy::dedicated) {
      // As Nova refuses hw:emulator_threads_policy without hw:cpu_policy=dedicated.
      const char* key = "emulator_threads";
      if (map.find(key) || !map.find("flavor")) {
        ctx.error(fields.emulator_threads.at, map.path(key), "isolate takes one more dedicated CPU: it needs cpu_policy: dedicated");
      } else {
        ctx.error(map.find("flavor")->value_at, map.path("flavor"),
                  "flavor " + spec.flavor + ": emulator_threads isolate needs cpu_policy: dedicated");
      }
    }
    spec.domain_template = fields.domain_template.value.value_or(-1);
    check_cells(ctx, map, fields, spec);
    for (const auto& [name, at] : fields.groups.value.value_or(std::vector<std::pair<std::string, SourceRef>>{})) {
      auto it = group_index.find(name);
      if (it == group_index.end()) {
        if (group_names.empty()) {
          for (const auto& g : scenario.groups) group_names.push_back(g.name);
        }
        const std::string hint = nearest(name, group_names);
        diagnostics.error(at, map.path("groups"), "group \"" + name + "\" names no group" +
                                                      (hint.empty() ? "" : "; did you mean \"" + hint + "\"?"));
      } else {
        spec.groups.push_back(it->second);
      }
    }

    std::int32_t host = -1;
    if (auto name = map.text("host")) {
      const SourceRef at = map.find("host")->value_at;
      if (auto it = host_index.find(*name); it != host_index.end()) {
        host = static_cast<std::int32_t>(it->second);
      } else if (pool_index.count(*name)) {
        ctx.error(at, map.path("host"), "host \"" + *name + "\" has count: auto; its hosts are named by kvmplan place, so leave host out");
      } else if (broken_hosts.count(*name)) {
        // The host's own entry has errors, reported there.
      } else {
        if (host_names.empty()) {
          for (const auto& [n, i] : host_index) host_names.push_back(n);
          std::sort(host_names.begin(), host_names.end());
        }
        const std::string hint = nearest(*name, host_names);
        ctx.error(at, map.path("host"), "host \"" + *name + "\" names no host" + (hint.empty() ? "" : "; did you mean \"" + hint + "\"?"));
      }
    }
    if (diagnostics.items.size() != errors_before || !map.find("name")) continue;
    // Every guest's memory and QEMU overhead, and its vCPUs, summed with the checks of limits.hpp.
    const auto memory = limits::add(spec.memory.value, guest_overhead(scenario.policy, spec).value);
    const auto entry_memory = memory ? limits::mul(*memory, count) : std::nullopt;
    bool beyond = false;  // each total is reported once, at the entry that crosses it
    if (!entry_memory || !memory_total.add(*entry_memory)) {
      if (!memory_reported) {
        ctx.error(map.at(), map.path(), "with the guests before it, the guests' memory adds up to more than 1EiB, the most kvmplan sums");
      }
      memory_reported = beyond = true;
    }
    if (!vcpu_total.add(static_cast<std::int64_t>(spec.vcpus) * count)) {
      if (!vcpu_reported) {
        ctx.error(map.at(), map.path(), "with the guests before it, the guests' vCPUs add up to more than " +
                                            std::to_string(limits::max_total_vcpus) + ", the most kvmplan sums");
      }
      vcpu_reported = beyond = true;
    }
    if (beyond) continue;

    const SourceRef name_at = map.find("name")->value_at;
    const auto spec_index = static_cast<std::uint32_t>(scenario.specs.size());
    scenario.specs.push_back(std::move(spec));
    own_usage.resize(scenario.specs.size());
    for (const char* key : {"usage", "profile"}) {
      if (const yaml::Entry* e = map.find(key)) own_usage.back() = {map.path(key), e->value_at};
    }
    // Room for the whole entry at once, still growing geometrically across entries.
    if (const std::size_t want = scenario.guests.size() + static_cast<std::size_t>(count); want > scenario.guests.capacity()) {
      scenario.guests.reserve(std::max(want, 2 * scenario.guests.capacity()));
    }
    for (std::int64_t i = 1; i <= count; ++i) {
      scenario.guests.push_back({expanded_name(base, i, count), spec_index, host, name_at});
    }
    entry_paths.emplace_back(name_at, map.path("name"));
  }

  // Names are unique after expansion. Sorting hashes finds equal names without a map of a
  // million strings; each entry reports its first clash only.
  std::vector<std::pair<std::size_t, std::uint32_t>> by_hash(scenario.guests.size());
  for (std::uint32_t g = 0; g < scenario.guests.size(); ++g) by_hash[g] = {std::hash<std::string>{}(scenario.guests[g].name), g};
  std::sort(by_hash.begin(), by_hash.end());
  std::vector<std::pair<std::uint32_t, std::uint32_t>> clashes;  // (later guest, first guest of that name)
  for (std::size_t i = 0; i < by_hash.size();) {
    std::size_t j = i + 1;
    while (j < by_hash.size() && by_hash[j].first == by_hash[i].first) ++j;
    for (std::size_t a = i; a < j; ++a) {  // equal hashes, ascending guest index
      for (std::size_t b = i; b < a; ++b) {
        if (scenario.guests[by_hash[a].second].name == scenario.guests[by_hash[b].second].name) {
          clashes.emplace_back(by_hash[a].second, by_hash[b].second);
          break;
        }
      }
    }
    i = j;
  }
  std::sort(clashes.begin(), clashes.end());
  std::vector<SourceRef> reported;
  for (const auto& [later, first] : clashes) {
    const Guest& g = scenario.guests[later];
    const auto same = [&](const SourceRef& r) { return r.file == g.at.file && r.line == g.at.line && r.col == g.at.col; };
    if (std::any_of(reported.begin(), reported.end(), same)) continue;
    reported.push_back(g.at);
    const auto path = std::find_if(entry_paths.begin(), entry_paths.end(), [&](const auto& e) {
      return e.first.file == g.at.file && e.first.line == g.at.line && e.first.col == g.at.col;
    });
    diagnostics.error(g.at, path == entry_paths.end() ? "guests" : path->second,
                      "duplicate guest name \"" + g.name + "\" (also at " + where(sources, scenario.guests[first].at, g.at) + ")");
  }
}

}  // namespace kvmplan::detail
