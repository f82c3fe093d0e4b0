// The top-level `profiles:` mapping: usage per slot, one slot count for the whole scenario.
#include <unordered_map>

#include "kvmplan/values/limits.hpp"
#include "kvmplan/values/values.hpp"
#include "scenario/loader_parts.hpp"

namespace kvmplan::detail {
namespace {

// A list of fractions in [0, 1], at most limits::max_slots of them; nullopt after reporting.
std::optional<std::vector<Decimal>> fractions(const yaml::MapReader& map, const char* key) {
  const yaml::Entry* e = map.find(key);
  if (!e) return std::nullopt;
  const std::string path = map.path(key);
  if (!e->value.IsSequence() || e->value.size() == 0) {
    map.context().error(e->value_at, path, "expected a list of fractions, one per slot, got " +
                                                (e->value.IsSequence() ? std::string("an empty list") : yaml::describe(e->value)));
    return std::nullopt;
  }
  if (e->value.size() > static_cast<std::size_t>(limits::max_slots)) {
    map.context().error(e->value_at, path, std::to_string(e->value.size()) + " slots is more than " +
                                                std::to_string(limits::max_slots) + ", the most a profile has (a week of 10-minute slots)");
    return std::nullopt;
  }
  std::vector<Decimal> out;
  bool ok = true;
  std::size_t i = 0;
  for (const auto& item : e->value) {
    const SourceRef at = map.context().at(item.Mark());
    const std::string item_path = path + "[" + std::to_string(i++) + "]";
    if (!item.IsScalar()) {
      map.context().error(at, item_path, "expected a fraction, got " + yaml::describe(item));
      ok = false;
      continue;
    }
    auto f = values::fraction(item.Scalar());
    if (!f) {
      map.context().error(at, item_path, f.error());
      ok = false;
      continue;
    }
    out.push_back(f.value());
  }
  if (!ok) return std::nullopt;
  return out;
}

}  // namespace

void load_profiles(Diagnostics& diagnostics, const SourceFiles& sources, const RawScenario& raw, Scenario& scenario) {
  std::unordered_map<std::string, SourceRef> seen;
  for (const auto& [name, name_at, item] : raw.profiles) {
    const yaml::Context ctx{diagnostics, item.file};
    if (std::string problem = check_name(name); !problem.empty()) {
      ctx.error(name_at, item.path, problem);
      continue;
    }
    if (auto [it, fresh] = seen.emplace(name, name_at); !fresh) {
      ctx.error(name_at, item.path, "duplicate profile name \"" + name + "\" (also at " + where(sources, it->second, name_at) + ")");
      continue;
    }
    const yaml::MapReader map(ctx, item.node, item.at, item.path, {"memory", "cpu"});
    if (!map.ok()) continue;
    const bool has_memory = map.require("memory");
    Profile p;
    p.name = name;
    p.at = name_at;
    auto memory = fractions(map, "memory");
    auto cpu = fractions(map, "cpu");
    if (!has_memory || !memory) continue;
    p.memory = std::move(*memory);
    if (cpu) {
      if (cpu->size() != p.memory.size()) {
        ctx.error(map.find("cpu")->value_at, map.path("cpu"), "has " + std::to_string(cpu->size()) + (cpu->size() == 1 ? " value" : " values") +
                                                                  " for the " + std::to_string(p.memory.size()) +
                                                                  " slots of memory: one value per slot in each");
        continue;
      }
      p.cpu = std::move(*cpu);
    } else if (map.find("cpu")) {
      continue;
    }
    // The first profile sets the scenario's slot count; the others must match it.
    if (const Profile* first = scenario.profiles.empty() ? nullptr : &scenario.profiles.front();
        first && first->memory.size() != p.memory.size()) {
      ctx.error(map.find("memory")->value_at, map.path("memory"),
                "has " + std::to_string(p.memory.size()) + " slots where profile \"" + first->name + "\" (" +
                    where(sources, first->at, name_at) + ") has " + std::to_string(first->memory.size()) +
                    ": every profile of a scenario has as many slots");
      continue;
    }
    scenario.profiles.push_back(std::move(p));
  }
}

}  // namespace kvmplan::detail
