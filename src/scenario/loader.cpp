#include "kvmplan/scenario/loader.hpp"

#include <unordered_map>

#include "kvmplan/io/input_file.hpp"
#include "kvmplan/values/values.hpp"
#include "scenario/loader_parts.hpp"

namespace kvmplan {
namespace {

// Reads `policy:` keys in the file into `policy`; nested maps (ksm, ha) recurse.
void read_policy(const yaml::Context& ctx, const yaml::Node& node, SourceRef at,
                 const std::string& path, const std::string& prefix, Policy& policy) {
  std::vector<std::string> known;
  for (const auto& knob : policy_knobs()) {
    if (!knob.key.starts_with(prefix)) continue;
    std::string rest(knob.key.substr(prefix.size()));
    if (const auto dot = rest.find('.'); dot != std::string::npos) rest.resize(dot);
    if (known.empty() || known.back() != rest) known.push_back(rest);
  }
  yaml::MapReader map(ctx, node, at, path, known);
  for (const auto& entry : map.entries()) {
    const std::string key = prefix + entry.key;
    if (const PolicyKnob* knob = find_knob(key)) {
      if (auto text = map.text(entry.key)) {
        if (std::string problem = knob->set(policy, *text); !problem.empty()) {
          ctx.error(entry.value_at, map.path(entry.key), problem);
        }
      }
    } else {
      read_policy(ctx, entry.value, entry.value_at, map.path(entry.key), key + ".", policy);
    }
  }
}

void collect(const yaml::Context& ctx, const yaml::Entry& entry, const std::string& name,
             std::vector<detail::Item>& out) {
  if (!entry.value.IsSequence()) {
    if (!entry.value.IsNull()) {
      ctx.error(entry.value_at, name, "expected a list, got " + yaml::describe(entry.value));
    }
    return;
  }
  std::size_t i = 0;
  for (const auto& item : entry.value) {
    out.push_back({item, ctx.at(item.Mark()), name + "[" + std::to_string(i++) + "]", ctx.file});
  }
}

// The entries of a mapping of names (`profiles:`), each with its name.
void collect_named(const yaml::Context& ctx, const yaml::Entry& entry, std::vector<detail::NamedItem>& out) {
  if (!entry.value.IsMap()) {
    if (!entry.value.IsNull()) ctx.error(entry.value_at, entry.key, "expected a mapping of names, got " + yaml::describe(entry.value));
    return;
  }
  for (auto it = entry.value.begin(); it != entry.value.end(); ++it) {
    const SourceRef name_at = ctx.at(it->first.Mark());
    if (!it->first.IsScalar()) {
      ctx.error(name_at, entry.key, "a name must be a plain value, not " + yaml::describe(it->first));
      continue;
    }
    const std::string name = it->first.Scalar();
    const bool empty = !it->second.IsDefined() || it->second.IsNull();
    out.push_back({name, name_at, {it->second, empty ? name_at : ctx.at(it->second.Mark()), entry.key + "." + name, ctx.file}});
  }
}

// `replace: true` on an entry of a later file: it takes the place of the earlier entry of its
// name (spec section 7), which is dropped. Without it a repeated name stays an error, reported
// by the entity readers. `kind`: "host", "flavor", "group" or "guest", for messages.
void apply_replacements(Diagnostics& diagnostics, const SourceFiles& sources, std::vector<detail::Item>& items, const char* kind) {
  std::vector<char> dropped(items.size(), 0);
  for (std::size_t i = 0; i < items.size(); ++i) {
    const yaml::Node& node = items[i].node;
    if (!node.IsMap()) continue;
    const yaml::Node flag = node["replace"];
    if (!flag.IsDefined()) continue;
    const yaml::Context ctx{diagnostics, items[i].file};
    const SourceRef at = ctx.at(flag.Mark());
    const std::string path = items[i].path + ".replace";
    auto value = flag.IsScalar() ? values::boolean(flag.Scalar()) : Result<bool>(Error{"expected true or false, got " + yaml::describe(flag)});
    if (!value) {
      ctx.error(at, path, value.error());
      continue;
    }
    if (!*value) continue;
    const yaml::Node name = node["name"];
    if (!name.IsScalar()) continue;  // the entity reader reports a missing or bad name
    std::size_t earlier = i;
    for (std::size_t j = 0; j < i; ++j) {
      const yaml::Node other = items[j].node.IsMap() ? items[j].node["name"] : yaml::Node();
      if (!dropped[j] && other.IsScalar() && other.Scalar() == name.Scalar()) earlier = j;
    }
    if (earlier == i) {
      ctx.error(at, path, std::string("replace: true, but no earlier ") + kind + " entry is named \"" + name.Scalar() + "\"");
      continue;
    }
    if (items[earlier].file == items[i].file) {
      ctx.error(at, path, std::string("replace: true replaces an entry of an earlier file; \"") + name.Scalar() + "\" is at " +
                              detail::where(sources, items[earlier].at, at) + " in this one: edit it there");
      continue;
    }
    // The new entry takes the earlier one's place, so that the order of hosts and guests stays.
    items[earlier] = items[i];
    dropped[i] = 1;
  }
  std::size_t kept = 0;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (!dropped[i]) items[kept++] = items[i];
  }
  items.resize(kept);
}

}  // namespace

Loaded load_sources(SourceFiles sources, const LoadOptions& options) {
  Loaded out;
  out.sources = std::move(sources);
  Scenario& scenario = out.scenario;
  scenario.policy = default_policy();
  detail::RawScenario raw;

  for (std::uint32_t f = 0; f < out.sources.files.size(); ++f) {
    if (detail::is_csv(out.sources.files[f].path)) {
      detail::read_csv(out.diagnostics, out.sources, f, raw);
      continue;
    }
    const yaml::Context ctx{out.diagnostics, f};
    yaml::Node root;
    if (!yaml::parse_document(ctx, out.sources.files[f].text, root)) continue;
    if (!root.IsDefined() || root.IsNull()) continue;  // an empty file adds nothing
    yaml::MapReader top(ctx, root, {f, 1, 1}, "",
                        {"policy", "profiles", "flavors", "hosts", "groups", "guests"});
    for (const auto& entry : top.entries()) {
      if (entry.key == "policy") {
        if (!entry.value.IsNull()) read_policy(ctx, entry.value, entry.value_at, "policy", "", scenario.policy);
      } else if (entry.key == "profiles") {
        collect_named(ctx, entry, raw.profiles);
      } else if (entry.key == "hosts") {
        collect(ctx, entry, "hosts", raw.hosts);
      } else if (entry.key == "guests") {
        collect(ctx, entry, "guests", raw.guests);
      } else if (entry.key == "flavors") {
        collect(ctx, entry, "flavors", raw.flavors);
      } else {
        collect(ctx, entry, "groups", raw.groups);
      }
    }
  }
  apply_replacements(out.diagnostics, out.sources, raw.hosts, "host");
  apply_replacements(out.diagnostics, out.sources, raw.flavors, "flavor");
  apply_replacements(out.diagnostics, out.sources, raw.groups, "group");
  apply_replacements(out.diagnostics, out.sources, raw.guests, "guest");
  for (const auto& [key, text] : options.policy_overrides) {
    const PolicyKnob* knob = find_knob(key);
    const std::string problem = knob ? knob->set(scenario.policy, text) : "unknown policy key";
    if (!problem.empty()) {
      out.diagnostics.error({static_cast<std::uint32_t>(out.sources.files.size()), 0, 0},
                            "policy." + key, problem);
    }
  }

  // Host names are unique across real hosts and auto pools, after expansion.
  std::unordered_map<std::string, SourceRef> host_names;
  for (const auto& item : raw.hosts) {
    const std::size_t hosts_before = scenario.hosts.size(), pools_before = scenario.auto_pools.size();
    detail::load_host(yaml::Context{out.diagnostics, item.file}, item, scenario, raw.broken_hosts);
    auto check = [&](const Host& h) {
      if (auto [it, fresh] = host_names.emplace(h.name, h.at); !fresh) {
        out.diagnostics.error(h.at, item.path + ".name",
                              "duplicate host name \"" + h.name + "\" (also at " +
                                  detail::where(out.sources, it->second, h.at) + ")");
        return false;
      }
      return true;
    };
    for (std::size_t i = hosts_before; i < scenario.hosts.size(); ++i) {
      if (!check(scenario.hosts[i])) break;
    }
    for (std::size_t i = pools_before; i < scenario.auto_pools.size(); ++i) check(scenario.auto_pools[i]);
  }
  detail::load_profiles(out.diagnostics, out.sources, raw, scenario);
  detail::load_csv_profiles(out.diagnostics, out.sources, raw, scenario);
  std::vector<detail::OwnUsage> own_usage;
  const std::size_t before_guests = out.diagnostics.items.size();
  detail::load_guests(out.diagnostics, out.sources, raw, scenario, own_usage);
  // A guest entry with errors adds no guests: samples that name them are not told so.
  detail::load_samples(out.diagnostics, out.sources, raw, own_usage,
                       out.diagnostics.items.size() == before_guests, scenario);
  out.diagnostics.sort();
  return out;
}


Loaded load_files(const std::vector<std::string>& paths, const LoadOptions& options) {
  SourceFiles sources;
  Diagnostics unreadable;
  for (const auto& path : paths) {
    auto text = read_input(path);
    const std::string name = path == "-" ? "<stdin>" : path;
    if (!text) {
      unreadable.error({sources.add(name, ""), 0, 0}, "", text.error());
      continue;
    }
    sources.add(name, std::move(text.value()));
  }
  Loaded out = load_sources(std::move(sources), options);
  out.diagnostics.items.insert(out.diagnostics.items.begin(), unreadable.items.begin(),
                               unreadable.items.end());
  out.diagnostics.sort();
  return out;
}

}  // namespace kvmplan
