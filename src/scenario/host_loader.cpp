// hosts: entries -> Host values with a complete topology (nodes, cores, distances).
#include <algorithm>
#include <map>

#include <arpa/inet.h>

#include "kvmplan/values/limits.hpp"
#include "kvmplan/values/values.hpp"
#include "scenario/loader_parts.hpp"

namespace kvmplan::detail {
namespace {

const std::vector<std::string> host_keys{
    "name",          "count",          "memory", "cpus",        "threads_per_core",
    "zone",          "zones",          "reserve",       "reserved_cpus",  "dedicated_cpus", "swap",
    "memory_ratio",  "cpu_ratio",      "numa",   "distances",   "cost",  "replace", "address"};
const std::vector<std::string> node_keys{"id", "cpus", "memory", "hugepages", "siblings"};

Result<CpuSet> nonempty_cpulist(std::string_view text) {
  auto set = CpuSet::parse(text);
  if (set && set->empty()) return Error{"\"" + std::string(text) + "\" selects no CPU"};
  return set;
}

// `cpus: 16` is a count (CPUs 0-15); anything else is a cpulist.
Result<CpuSet> host_cpus(std::string_view text) {
  if (!text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    auto n = values::integer(text, 1, limits::max_vcpus);
    if (!n) return Error{n.error()};
    return CpuSet::first(static_cast<int>(n.value()));
  }
  return nonempty_cpulist(text);
}

struct NodeRead {
  NumaNode node;
  SourceRef cpus_at, hugepages_at;  // for errors found once all nodes are read
  bool has_memory = false;
  std::vector<CpuSet> siblings;
};

std::optional<NodeRead> read_node(const yaml::Context& ctx, const yaml::Node& n, SourceRef at,
                                  const std::string& path, std::size_t index) {
  yaml::MapReader map(ctx, n, at, path, node_keys);
  if (!map.ok()) return std::nullopt;
  NodeRead r;
  r.node.id = static_cast<int>(map.get("id", [](auto t) { return values::integer(t, 0, limits::max_node_id); })
                                   .value_or(static_cast<std::int64_t>(index)));
  r.cpus_at = r.hugepages_at = map.at();
  if (const yaml::Entry* e = map.find("cpus")) r.cpus_at = e->value_at;
  if (auto cpus = map.get("cpus", CpuSet::parse)) r.node.cpus = *cpus;
  // Given, even if wrongly (reported here): the host is not also told it lacks memory.
  r.has_memory = map.find("memory") != nullptr;
  if (auto mem = map.get("memory", values::positive_size)) r.node.memory = *mem;
  if (const yaml::Entry* hp = map.find("hugepages")) {
    r.hugepages_at = hp->value_at;
    if (!hp->value.IsMap()) {
      ctx.error(hp->value_at, map.path("hugepages"),
                "expected a mapping of page size to pages, such as {2MiB: 0, 1GiB: 4}, got " +
                    yaml::describe(hp->value));
    } else {
      for (auto it = hp->value.begin(); it != hp->value.end(); ++it) {
        const SourceRef key_at = ctx.at(it->first.Mark());
        const std::string key = it->first.IsScalar() ? it->first.Scalar() : "";
        const std::string key_path = map.path("hugepages") + "." + key;
        auto size = values::page_size(key);
        if (!size) {
          ctx.error(key_at, key_path, size.error());
          continue;
        }
        if (!it->second.IsScalar()) {
          ctx.error(ctx.at(it->second.Mark()), key_path, "expected a number of pages, got " + yaml::describe(it->second));
          continue;
        }
        // At most 1EiB of pages: a count x size that would leave 64 bits is refused here.
        auto pages = values::integer(it->second.Scalar(), 0, limits::max_bytes / size->value);
        if (!pages) {
          ctx.error(ctx.at(it->second.Mark()), key_path, pages.error() + (pages.error().find("at most") != std::string::npos ? " (1EiB of pages)" : ""));
          continue;
        }
        auto& pools = r.node.hugepages;
        if (std::any_of(pools.begin(), pools.end(), [&](const HugepagePool& p) { return p.page_size == *size; })) {
          ctx.error(key_at, key_path, "the " + to_string(*size) + " pool is given twice");
          continue;
        }
        pools.push_back({*size, *pages});
      }
      std::sort(r.node.hugepages.begin(), r.node.hugepages.end(),
                [](const HugepagePool& a, const HugepagePool& b) { return a.page_size < b.page_size; });
    }
  }
  if (const yaml::Entry* sib = map.find("siblings")) {
    if (auto list = yaml::scalar_list(ctx, *sib, map.path("siblings"))) {
      CpuSet seen;
      for (std::size_t i = 0; i < list->size(); ++i) {
        const auto& [text, where] = (*list)[i];
        const std::string item_path = map.path("siblings") + "[" + std::to_string(i) + "]";
        auto set = nonempty_cpulist(text);
        if (!set) {
          ctx.error(where, item_path, set.error());
        } else if (!set->subset_of(r.node.cpus)) {
          ctx.error(where, item_path, cpus_are(*set - r.node.cpus) + " not in this node's cpus");
        } else if (set->intersects(seen)) {
          ctx.error(where, item_path, cpus_are(*set & seen) + " already in another sibling set");
        } else {
          seen = seen | *set;
          r.siblings.push_back(*set);
        }
      }
    }
  }
  return r;
}

// Sibling sets as given, CPUs in none alone; or, with no siblings at all, CPUs i and i + N/t
// paired in ascending order (spec: "paired in order i and i+N/2").
std::vector<CpuSet> derive_cores(const yaml::Context& ctx, const yaml::MapReader& map, const Host& host,
                                 const std::vector<CpuSet>& siblings, int threads_per_core) {
  std::vector<CpuSet> cores;
  if (!siblings.empty() || threads_per_core == 1) {
    CpuSet covered;
    for (const auto& s : siblings) {
      cores.push_back(s);
      covered = covered | s;
    }
    for (int cpu : (host.cpus - covered).ids()) {
      CpuSet single;
      single.insert(cpu);
      cores.push_back(single);
    }
  } else {
    const auto ids = host.cpus.ids();
    const auto n = static_cast<int>(ids.size());
    if (n % threads_per_core != 0) {
      ctx.error(map.find("threads_per_core")->value_at, map.path("threads_per_core"),
                std::to_string(n) + " CPUs do not divide into cores of " +
                    std::to_string(threads_per_core) + " threads");
      return {};
    }
    const int core_count = n / threads_per_core;
    for (int c = 0; c < core_count; ++c) {
      CpuSet core;
      for (int t = 0; t < threads_per_core; ++t) core.insert(ids[static_cast<std::size_t>(c + t * core_count)]);
      cores.push_back(core);
    }
    for (const auto& core : cores) {
      const auto in_one_node = std::any_of(host.nodes.begin(), host.nodes.end(),
                                           [&](const NumaNode& node) { return core.subset_of(node.cpus); });
      if (!in_one_node) {
        ctx.error(map.find("threads_per_core")->value_at, map.path("threads_per_core"),
                  "pairing threads in order puts CPUs " + to_string(core) +
                      " in one core across NUMA nodes; list the nodes' siblings instead");
        return {};
      }
    }
  }
  std::sort(cores.begin(), cores.end(), [](const CpuSet& a, const CpuSet& b) { return a.lowest() < b.lowest(); });
  return cores;
}

std::vector<std::vector<int>> read_distances(const yaml::Context& ctx, const yaml::MapReader& map,
                                             std::size_t n) {
  std::vector<std::vector<int>> d(n, std::vector<int>(n, 20));
  for (std::size_t i = 0; i < n; ++i) d[i][i] = 10;
  const yaml::Entry* e = map.find("distances");
  if (!e) return d;
  const std::string path = map.path("distances");
  const std::string shape = std::to_string(n) + " x " + std::to_string(n) + " (one row and column per numa node)";
  if (!e->value.IsSequence() || e->value.size() != n) {
    ctx.error(e->value_at, path, "expected a " + shape + " matrix, got " +
                                     (e->value.IsSequence() ? std::to_string(e->value.size()) + " rows" : yaml::describe(e->value)));
    return d;
  }
  for (std::size_t i = 0; i < n; ++i) {
    const yaml::Node row = e->value[i];
    const std::string row_path = path + "[" + std::to_string(i) + "]";
    if (!row.IsSequence() || row.size() != n) {
      ctx.error(ctx.at(row.Mark()), row_path, "expected a row of " + std::to_string(n) + " distances for a " + shape + " matrix, got " +
                    (row.IsSequence() ? std::to_string(row.size()) : yaml::describe(row)));
      continue;
    }
    for (std::size_t j = 0; j < n; ++j) {
      const yaml::Node cell = row[j];
      const std::string cell_path = row_path + "[" + std::to_string(j) + "]";
      auto v = cell.IsScalar() ? values::integer(cell.Scalar(), 10) : Result<std::int64_t>(Error{"expected a distance"});
      if (!v || v.value() > 255) {
        ctx.error(ctx.at(cell.Mark()), cell_path, (v ? "\"" + cell.Scalar() + "\" is above 255" : v.error()) + "; SLIT distances are 10 (local) to 255");
      } else if (i == j && v.value() != 10) {
        ctx.error(ctx.at(cell.Mark()), cell_path, "a node's distance to itself is 10, not " + cell.Scalar());
      } else {
        d[i][j] = static_cast<int>(v.value());
      }
    }
  }
  return d;
}

// A host's address for Ansible's ansible_host: an IPv4 or IPv6 address, or a DNS name (RFC 1123
// labels of letters, digits and '-', each 1 to 63 characters, 253 in all).
std::string check_address(const std::string& text) {
  unsigned char buf[sizeof(in6_addr)];
  if (inet_pton(AF_INET, text.c_str(), buf) == 1 || inet_pton(AF_INET6, text.c_str(), buf) == 1) return {};
  const std::string problem = "\"" + text + "\" is not an IP address or a host name (letters, digits, '-' and '.')";
  if (text.empty() || text.size() > 253) return problem;
  std::size_t start = 0;
  bool all_digits = true;
  while (start <= text.size()) {
    std::size_t end = text.find('.', start);
    if (end == std::string::npos) end = text.size();
    const std::string_view label(text.data() + start, end - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return problem;
    for (char c : label) {
      const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
      if (!alnum && c != '-') return problem;
      all_digits = all_digits && c >= '0' && c <= '9';
    }
    start = end + 1;
  }
  if (all_digits) return problem;  // "10.0.0.300": a mistyped IPv4 address, not a name
  return {};
}

}  // namespace

std::string check_name(const std::string& name) {
  auto r = values::name(name);
  return r ? std::string() : r.error();
}

std::string expanded_name(const std::string& base, std::int64_t index, std::int64_t count) {
  if (count == 1) return base;
  std::string number = std::to_string(index);
  const std::size_t width = std::to_string(count).size();
  if (number.size() < width) number.insert(0, width - number.size(), '0');
  return base + "-" + number;
}

void load_host(const yaml::Context& ctx, const Item& item, Scenario& scenario, std::vector<std::string>& broken) {
  const std::size_t errors_before = ctx.diagnostics.items.size();  // the reader's own errors count too
  const yaml::MapReader map(ctx, item.node, item.at, item.path, host_keys);
  if (!map.ok()) return;
  Host host;
  host.at = map.find("name") ? map.find("name")->value_at : map.at();
  if (map.require("name")) {
    if (auto name = map.text("name")) {
      if (std::string problem = check_name(*name); !problem.empty()) {
        ctx.error(map.find("name")->value_at, map.path("name"), problem);
      }
      host.name = *name;
    }
  }
  std::int64_t count = 1;
  if (auto text = map.text("count")) {
    if (*text == "auto") {
      host.auto_pool = true;
    } else if (auto n = values::integer(*text, 1, limits::max_hosts)) {
      count = n.value();
      if (static_cast<std::int64_t>(scenario.hosts.size()) + count > limits::max_hosts) {
        ctx.error(map.find("count")->value_at, map.path("count"),
                  "with the hosts before it, the scenario lists more than " + std::to_string(limits::max_hosts) +
                      " hosts, the most kvmplan plans");
      }
    } else {
      ctx.error(map.find("count")->value_at, map.path("count"), n.error() + ", or auto");
    }
  }
  const int threads_per_core = static_cast<int>(
      map.get("threads_per_core", [](auto t) { return values::integer(t, 1, limits::max_threads_per_core); }).value_or(1));
  const auto memory = map.get("memory", values::positive_size);
  const auto cpus = map.get("cpus", host_cpus);
  if (auto zone = map.get("zone", values::name)) host.zone = *zone;
  if (const yaml::Entry* zones = map.find("zones")) {
    if (map.find("zone")) ctx.error(zones->key_at, map.path("zones"), "give zone or zones, not both");
    std::map<std::string, std::size_t> seen;
    for (const auto& [zone, at] : yaml::scalar_list(ctx, *zones, map.path("zones")).value_or(std::vector<std::pair<std::string, SourceRef>>{})) {
      const std::string path = map.path("zones") + "[" + std::to_string(host.zones.size()) + "]";
      if (auto ok = values::name(zone); !ok) {
        ctx.error(at, path, ok.error());
      } else if (auto [it, fresh] = seen.emplace(zone, host.zones.size()); !fresh) {
        ctx.error(at, path, "zone " + zone + " is also zones[" + std::to_string(it->second) + "]");
      }
      host.zones.push_back(zone);
    }
    if (host.zones.empty() && zones->value.IsSequence()) ctx.error(zones->value_at, map.path("zones"), "lists no zone; leave it out for none");
  }
  host.reserve = map.get("reserve", values::size).value_or(scenario.policy.host_reserve);
  host.swap = map.get("swap", values::size);
  host.memory_ratio = map.get("memory_ratio", values::ratio).value_or(scenario.policy.memory_ratio);
  host.cpu_ratio = map.get("cpu_ratio", values::ratio).value_or(scenario.policy.cpu_ratio);
  host.from_policy = {!map.find("reserve"), !map.find("memory_ratio"), !map.find("cpu_ratio")};
  host.cost = map.get("cost", values::ratio).value_or(Decimal::of(1));
  if (const yaml::Entry* address = map.find("address")) {
    if (auto text = map.text("address")) {
      if (std::string problem = check_address(*text); !problem.empty()) {
        ctx.error(address->value_at, map.path("address"), problem);
      } else if (count != 1 || host.auto_pool) {
        ctx.error(address->value_at, map.path("address"), "an address names one host: not with count; give each host its own entry");
      }
      host.address = *text;
    }
  }

  // NUMA nodes: as listed, or one node holding the whole host.
  std::vector<CpuSet> siblings;
  std::vector<SourceRef> hugepages_at;  // per node
  const yaml::Entry* numa = map.find("numa");
  if (numa && !numa->value.IsSequence()) {
    ctx.error(numa->value_at, map.path("numa"), "expected a list of nodes, got " + yaml::describe(numa->value));
    numa = nullptr;
  }
  if (numa && numa->value.size() == 0) {
    ctx.error(numa->value_at, map.path("numa"), "lists no node; leave it out for a one-node host");
    numa = nullptr;
  }
  if (numa) {
    std::size_t with_memory = 0, index = 0;
    std::map<int, std::size_t> ids;
    for (const auto& n : numa->value) {
      const std::string path = map.path("numa") + "[" + std::to_string(index) + "]";
      const SourceRef at = ctx.at(n.Mark());
      if (auto r = read_node(ctx, n, at, path, index)) {
        if (auto [it, fresh] = ids.emplace(r->node.id, index); !fresh) {
          ctx.error(at, path + ".id", "node id " + std::to_string(r->node.id) + " is also numa[" + std::to_string(it->second) + "]");
        }
        for (std::size_t other = 0; other < host.nodes.size(); ++other) {
          const CpuSet both = host.nodes[other].cpus & r->node.cpus;
          if (!both.empty()) {
            ctx.error(r->cpus_at, path + ".cpus", cpus_are(both) + " also in numa[" + std::to_string(other) + "]");
          }
        }
        with_memory += r->has_memory;
        host.cpus = host.cpus | r->node.cpus;
        siblings.insert(siblings.end(), r->siblings.begin(), r->siblings.end());
        hugepages_at.push_back(r->hugepages_at);
        host.nodes.push_back(std::move(r->node));
      }
      ++index;
    }
    const std::size_t n = host.nodes.size();
    if (with_memory == n) {
      limits::Sum total;
      for (const auto& node : host.nodes) total.add(node.memory.value);
      host.memory = Bytes{total.value()};
      if (total.over()) {
        ctx.error(numa->value_at, map.path("numa"), "the nodes' memory adds up to more than 1EiB, the most kvmplan takes");
      } else if (memory && *memory != host.memory) {
        ctx.error(map.find("memory")->value_at, map.path("memory"),
                  to_string(*memory) + " differs from the sum of the numa nodes' memory, " + to_string(host.memory));
      }
    } else if (with_memory == 0 && memory && n > 0) {
      // Split evenly; the first nodes take the remainder byte by byte.
      host.memory = *memory;
      const auto share = memory->value / static_cast<std::int64_t>(n);
      const auto rest = memory->value % static_cast<std::int64_t>(n);
      for (std::size_t i = 0; i < n; ++i) {
        host.nodes[i].memory = Bytes{share + (static_cast<std::int64_t>(i) < rest ? 1 : 0)};
      }
    } else if (with_memory == 0 && n > 0) {
      ctx.error(map.at(), map.path(), "missing required key \"memory\" (for the host or for every numa node)");
    } else if (n > 0) {
      ctx.error(numa->value_at, map.path("numa"), "give memory for every node or for none (then the host's is split evenly)");
    }
    if (cpus && *cpus != host.cpus) {
      ctx.error(map.find("cpus")->value_at, map.path("cpus"),
                "\"" + to_string(*cpus) + "\" differs from the CPUs of the numa nodes, \"" + to_string(host.cpus) + "\"");
    }
  } else {
    NumaNode node;
    if (memory) node.memory = *memory;
    else map.require("memory");
    if (cpus) node.cpus = *cpus;
    else map.require("cpus");
    host.memory = node.memory;
    host.cpus = node.cpus;
    host.nodes.push_back(node);
  }
  for (std::size_t i = 0; i < host.nodes.size(); ++i) {
    const NumaNode& node = host.nodes[i];
    limits::Sum pools;  // each pool is at most 1EiB, their sum is checked before it is used
    for (const auto& pool : node.hugepages) pools.add(pool.bytes().value);
    if (pools.over()) {
      ctx.error(hugepages_at.at(i), map.path("numa") + "[" + std::to_string(i) + "].hugepages",
                "hugepage pools add up to more than 1EiB, more than any node has");
    } else if (node.hugepage_bytes() > node.memory && node.memory.value > 0) {
      ctx.error(hugepages_at.at(i), map.path("numa") + "[" + std::to_string(i) + "].hugepages",
                "hugepage pools of " + to_string(node.hugepage_bytes()) + " exceed the node's memory, " + to_string(node.memory));
    }
  }
  host.distances = read_distances(ctx, map, host.nodes.size());

  for (const char* key : {"reserved_cpus", "dedicated_cpus"}) {
    if (auto set = map.get(key, CpuSet::parse)) {
      if (!set->subset_of(host.cpus)) {
        ctx.error(map.find(key)->value_at, map.path(key),
                  cpus_are(*set - host.cpus) + " not on this host (it has " + to_string(host.cpus) + ")");
      }
      (std::string_view(key) == "reserved_cpus" ? host.reserved_cpus : host.dedicated_cpus) = *set;
    }
  }
  if (host.reserved_cpus.intersects(host.dedicated_cpus)) {
    ctx.error(map.find("dedicated_cpus")->value_at, map.path("dedicated_cpus"),
              cpus_are(host.reserved_cpus & host.dedicated_cpus) + " also in reserved_cpus");
  }
  if (ctx.diagnostics.items.size() != errors_before) {  // no topology to derive from
    broken.push_back(host.name);
    return;
  }
  host.cores = derive_cores(ctx, map, host, siblings, threads_per_core);
  if (ctx.diagnostics.items.size() != errors_before) {
    broken.push_back(host.name);
    return;
  }

  if (host.auto_pool) {
    scenario.auto_pools.push_back(std::move(host));
    return;
  }
  const std::string base = host.name;
  for (std::int64_t i = 1; i <= count; ++i) {
    Host copy = host;
    copy.name = expanded_name(base, i, count);
    if (!host.zones.empty()) {
      copy.zone = host.zones[static_cast<std::size_t>(i - 1) % host.zones.size()];
      copy.zones.clear();
    }
    scenario.hosts.push_back(std::move(copy));
  }
}

}  // namespace kvmplan::detail
