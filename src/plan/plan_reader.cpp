// Reads a placement document (YAML or JSON) for `check` and the exports: its form only.
#include <algorithm>
#include <unordered_map>

#include "kvmplan/io/input_file.hpp"
#include "kvmplan/values/limits.hpp"
#include "kvmplan/plan/plan_reader.hpp"
#include "kvmplan/values/values.hpp"
#include "plan/plan_lines.hpp"
#include "scenario/yaml_reader.hpp"

namespace kvmplan {
namespace {

// A list of ids in [0, max]; each one out of range is an error at its position.
std::optional<std::vector<int>> int_list(const yaml::Context& ctx, const yaml::Entry& e, const std::string& path, int max) {
  if (e.value.IsNull()) return std::nullopt;
  auto items = yaml::scalar_list(ctx, e, path);
  if (!items) return std::vector<int>{};
  std::vector<int> out;
  for (std::size_t i = 0; i < items->size(); ++i) {
    const auto& [text, at] = (*items)[i];
    auto v = values::integer(text, 0, max);
    if (!v) ctx.error(at, path + "[" + std::to_string(i) + "]", v.error());
    else out.push_back(static_cast<int>(v.value()));
  }
  return out;
}

}  // namespace

PlanDocument read_plan(const std::string& path, SourceFiles& sources, Diagnostics& diagnostics) {
  auto text = read_input(path);
  const std::string name = path == "-" ? "<stdin>" : path;
  if (!text) {
    diagnostics.error({sources.add(name, ""), 0, 0}, "", text.error());
    return {};
  }
  return read_plan_text(name, std::move(text.value()), sources, diagnostics);
}

PlanDocument read_plan_text(const std::string& name, std::string text, SourceFiles& sources, Diagnostics& diagnostics) {
  PlanDocument doc;
  const std::uint32_t file = sources.add(name, std::move(text));
  // The plan's own line format first (plan_lines.hpp); anything else, errors included, as YAML.
  if (plan_lines::read(sources.files[file].text, file, doc)) return doc;
  doc = PlanDocument{};
  const yaml::Context ctx{diagnostics, file};
  yaml::Node root;
  if (!yaml::parse_document(ctx, sources.files[file].text, root)) return doc;
  const yaml::MapReader top(ctx, root, {file, 1, 1}, "",
                            {"kvmplan", "objective", "numa", "placements", "unplaced", "hosts_used", "lower_bound_hosts", "optimal", "hosts", "failures",
                             "failover"});
  if (!top.ok()) return doc;
  auto each = [&](const char* key, auto&& f) {
    const yaml::Entry* e = top.find(key);
    if (!e || e->value.IsNull()) return;
    if (!e->value.IsSequence()) {
      ctx.error(e->value_at, key, "expected a list, got " + yaml::describe(e->value));
      return;
    }
    std::size_t i = 0;
    for (const auto& item : e->value) f(item, std::string(key) + "[" + std::to_string(i++) + "]");
  };
  if (!top.require("placements")) return doc;
  each("placements", [&](const yaml::Node& n, const std::string& p) {
    const yaml::MapReader m(ctx, n, ctx.at(n.Mark()), p,
                            {"guest", "host", "nodes", "cpuset", "vcpupin", "emulatorpin", "hugepages", "memory_mib", "vcpus"});
    if (!m.ok() || !m.require("guest") || !m.require("host")) return;
    PlannedGuest g;
    g.at = m.at();
    // Names become file names in the exports: a plan edited by hand is held to the scenario's rule.
    g.guest = m.get("guest", values::name).value_or("");
    g.host = m.get("host", values::name).value_or("");
    if (const yaml::Entry* e = m.find("nodes")) {
      const auto ids = int_list(ctx, *e, m.path("nodes"), limits::max_node_id).value_or(std::vector<int>{});
      g.nodes.assign(ids.begin(), ids.end());
    }
    // An empty cpuset is a plan's way to say a forced guest found no CPU; check reports it.
    if (const yaml::Entry* e = m.find("cpuset"); e && !e->value.IsNull()) g.cpuset = m.get("cpuset", plan_lines::cpuset).value_or(CpuSet{});
    if (const yaml::Entry* e = m.find("vcpupin")) {
      if (const auto pins = int_list(ctx, *e, m.path("vcpupin"), limits::max_cpu_id)) g.vcpupin.emplace(pins->begin(), pins->end());
    }
    if (const yaml::Entry* e = m.find("emulatorpin"); e && !e->value.IsNull()) {
      g.emulatorpin = m.get("emulatorpin", [](auto t) -> Result<int> {
        auto v = values::integer(t, 0, limits::max_cpu_id);
        if (!v) return Error{v.error()};
        return static_cast<int>(v.value());
      });
    }
    if (const yaml::Entry* e = m.find("hugepages"); e && !e->value.IsNull()) g.hugepages = m.get("hugepages", values::page_size);
    g.memory_mib = m.get("memory_mib", [](auto t) { return values::integer(t, 0, limits::max_bytes >> 20); });
    g.vcpus = m.get("vcpus", [](auto t) { return values::integer(t, 0, limits::max_vcpus); });
    doc.placements.push_back(std::move(g));
  });
  each("unplaced", [&](const yaml::Node& n, const std::string& p) {
    const yaml::MapReader m(ctx, n, ctx.at(n.Mark()), p, {"guest", "reasons", "shortfalls"});
    if (m.ok() && m.require("guest")) {
      if (auto name = m.get("guest", values::name)) doc.unplaced.emplace_back(*name, m.at());
    }
  });
  each("hosts", [&](const yaml::Node& n, const std::string& p) {
    // The figures are for people; check recomputes them. Only a host's name and pool matter.
    if (!n.IsMap() || !n["name"] || !n["name"].IsScalar()) {
      ctx.error(ctx.at(n.Mark()), p, "expected a host with a name");
      return;
    }
    PlannedHost h;
    h.at = ctx.at(n.Mark());
    auto name_ok = values::name(n["name"].Scalar());
    if (!name_ok) ctx.error(ctx.at(n["name"].Mark()), p + ".name", name_ok.error());
    h.name = n["name"].Scalar();
    if (n["pool"] && n["pool"].IsScalar()) {
      auto pool_ok = values::name(n["pool"].Scalar());
      if (!pool_ok) ctx.error(ctx.at(n["pool"].Mark()), p + ".pool", pool_ok.error());
      h.pool = n["pool"].Scalar();
    }
    if (n["zone"] && n["zone"].IsScalar() && !n["zone"].IsNull()) {
      auto zone_ok = values::name(n["zone"].Scalar());
      if (!zone_ok) ctx.error(ctx.at(n["zone"].Mark()), p + ".zone", zone_ok.error());
      h.zone = n["zone"].Scalar();
    }
    if (name_ok) doc.hosts.push_back(std::move(h));
  });
  return doc;
}

std::optional<Host> pool_host(const Host& pool, const PlannedHost& planned, std::size_t nth) {
  Host h = pool;
  h.name = planned.name;
  h.auto_pool = false;
  h.zones.clear();
  if (!pool.zones.empty()) h.zone = pool.zones[nth % pool.zones.size()];
  if (!planned.zone.empty()) {
    const bool known = pool.zones.empty() ? planned.zone == pool.zone : std::find(pool.zones.begin(), pool.zones.end(), planned.zone) != pool.zones.end();
    if (!known) return std::nullopt;
    h.zone = planned.zone;
  }
  return h;
}

Placement::Pins held_cpus(const PlannedGuest& pg) {
  Placement::Pins pins = pg.vcpupin.value_or(Placement::Pins{});
  if (pg.vcpupin && pg.emulatorpin) pins.push_back(*pg.emulatorpin);
  return pins;
}

Plan plan_from_document(const Scenario& scenario, const PlanDocument& doc) {
  Plan plan;
  plan.hosts = scenario.hosts;
  std::unordered_map<std::string, std::size_t> host_index;
  for (std::size_t h = 0; h < plan.hosts.size(); ++h) host_index.emplace(plan.hosts[h].name, h);
  std::unordered_map<std::string, std::size_t> opened;  // per pool
  for (const PlannedHost& ph : doc.hosts) {
    if (ph.pool.empty() || host_index.count(ph.name)) continue;
    for (const Host& pool : scenario.auto_pools) {
      if (pool.name != ph.pool) continue;
      auto h = pool_host(pool, ph, opened[pool.name]++);
      if (!h) continue;
      host_index.emplace(h->name, plan.hosts.size());
      plan.hosts.push_back(std::move(*h));
    }
  }
  std::unordered_map<std::string, std::uint32_t> guest_index;
  for (std::uint32_t g = 0; g < scenario.guests.size(); ++g) guest_index.emplace(scenario.guests[g].name, g);
  plan.placements.resize(scenario.guests.size());
  plan.pinned.resize(plan.hosts.size());
  for (const PlannedGuest& pg : doc.placements) {
    const auto g = guest_index.find(pg.guest);
    const auto h = host_index.find(pg.host);
    if (g == guest_index.end() || h == host_index.end()) continue;
    Placement& p = plan.placements[g->second];
    p.host = static_cast<std::int32_t>(h->second);
    const Host& host = plan.hosts[h->second];
    for (int id : pg.nodes) {
      for (std::size_t n = 0; n < host.nodes.size(); ++n) {
        if (host.nodes[n].id == id) p.nodes.push_back(static_cast<int>(n));
      }
    }
    if (pg.vcpupin) p.vcpupin = *pg.vcpupin;
    // The emulator's CPU after the vCPUs' (plan.hpp), when the vCPUs' are all there.
    if (pg.emulatorpin && static_cast<int>(p.vcpupin.size()) == scenario.spec(scenario.guests[g->second]).vcpus) p.vcpupin.push_back(*pg.emulatorpin);
    for (int cpu : p.vcpupin) plan.pinned[h->second].insert(cpu);
  }
  std::vector<char> used(plan.hosts.size(), 0);
  for (const auto& p : plan.placements) {
    if (p.host >= 0) used[static_cast<std::size_t>(p.host)] = 1;
  }
  for (char u : used) plan.hosts_used += u;
  return plan;
}

}  // namespace kvmplan
