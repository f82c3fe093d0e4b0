// Reads a placement document (YAML or JSON) for `check` and the exports: its form only.
#include <fstream>
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

}  // namespace kvmplan
