// Reads a placement document (YAML or JSON) for `check` and the exports: its form only.
#include <fstream>
#include <unordered_map>
#include <sstream>

#include "kvmplan/plan_io.hpp"
#include "kvmplan/values.hpp"
#include "yaml_reader.hpp"

namespace kvmplan {
namespace {

std::optional<std::vector<int>> int_list(const yaml::Context& ctx, const yaml::Entry& e, const std::string& path) {
  if (e.value.IsNull()) return std::nullopt;
  auto items = yaml::scalar_list(ctx, e, path);
  if (!items) return std::vector<int>{};
  std::vector<int> out;
  for (const auto& [text, at] : *items) {
    auto v = values::integer(text, 0);
    if (!v) ctx.error(at, path, v.error());
    else out.push_back(static_cast<int>(v.value()));
  }
  return out;
}

}  // namespace

PlanDocument read_plan(const std::string& path, SourceFiles& sources, Diagnostics& diagnostics) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    diagnostics.error({sources.add(path, ""), 0, 0}, "", "cannot read the file");
    return {};
  }
  std::ostringstream text;
  text << in.rdbuf();
  return read_plan_text(path, text.str(), sources, diagnostics);
}

PlanDocument read_plan_text(const std::string& name, std::string text, SourceFiles& sources, Diagnostics& diagnostics) {
  PlanDocument doc;
  const std::uint32_t file = sources.add(name, std::move(text));
  const yaml::Context ctx{diagnostics, file};
  YAML::Node root;
  try {
    root = YAML::Load(sources.files[file].text);
  } catch (const YAML::ParserException& e) {
    ctx.error(ctx.at(e.mark), "syntax", e.msg);
    return doc;
  }
  const yaml::MapReader top(ctx, root, {file, 1, 1}, "",
                            {"kvmplan", "objective", "numa", "placements", "unplaced", "hosts_used", "lower_bound_hosts", "hosts"});
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
  each("placements", [&](const YAML::Node& n, const std::string& p) {
    const yaml::MapReader m(ctx, n, ctx.at(n.Mark()), p,
                            {"guest", "host", "nodes", "cpuset", "vcpupin", "hugepages", "memory_mib", "vcpus"});
    if (!m.ok() || !m.require("guest") || !m.require("host")) return;
    PlannedGuest g;
    g.at = m.at();
    g.guest = m.text("guest").value_or("");
    g.host = m.text("host").value_or("");
    if (const yaml::Entry* e = m.find("nodes")) g.nodes = int_list(ctx, *e, m.path("nodes")).value_or(std::vector<int>{});
    g.cpuset = m.text("cpuset").value_or("");
    if (const yaml::Entry* e = m.find("vcpupin")) g.vcpupin = int_list(ctx, *e, m.path("vcpupin"));
    if (const yaml::Entry* e = m.find("hugepages"); e && !e->value.IsNull()) g.hugepages = m.get("hugepages", values::page_size);
    g.memory_mib = m.get("memory_mib", [](auto t) { return values::integer(t, 0); });
    g.vcpus = m.get("vcpus", [](auto t) { return values::integer(t, 0); });
    doc.placements.push_back(std::move(g));
  });
  each("unplaced", [&](const YAML::Node& n, const std::string& p) {
    const yaml::MapReader m(ctx, n, ctx.at(n.Mark()), p, {"guest", "reasons"});
    if (m.ok() && m.require("guest")) doc.unplaced.emplace_back(m.text("guest").value_or(""), m.at());
  });
  each("hosts", [&](const YAML::Node& n, const std::string& p) {
    // The figures are for people; check recomputes them. Only a host's name and pool matter.
    if (!n.IsMap() || !n["name"] || !n["name"].IsScalar()) {
      ctx.error(ctx.at(n.Mark()), p, "expected a host with a name");
      return;
    }
    PlannedHost h;
    h.at = ctx.at(n.Mark());
    h.name = n["name"].Scalar();
    if (n["pool"] && n["pool"].IsScalar()) h.pool = n["pool"].Scalar();
    doc.hosts.push_back(std::move(h));
  });
  return doc;
}

Plan plan_from_document(const Scenario& scenario, const PlanDocument& doc) {
  Plan plan;
  plan.hosts = scenario.hosts;
  std::unordered_map<std::string, std::size_t> host_index;
  for (std::size_t h = 0; h < plan.hosts.size(); ++h) host_index.emplace(plan.hosts[h].name, h);
  for (const PlannedHost& ph : doc.hosts) {
    if (ph.pool.empty() || host_index.count(ph.name)) continue;
    for (const Host& pool : scenario.auto_pools) {
      if (pool.name != ph.pool) continue;
      Host h = pool;
      h.name = ph.name;
      h.auto_pool = false;
      host_index.emplace(h.name, plan.hosts.size());
      plan.hosts.push_back(std::move(h));
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
    if (pg.vcpupin) p.vcpupin.assign(pg.vcpupin->begin(), pg.vcpupin->end());
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
