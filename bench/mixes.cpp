#include "mixes.hpp"

#include <algorithm>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <stdexcept>

namespace kvmplan::bench {
namespace {

constexpr int host_cores = 48;  // 2 x 24; guests wider than this fit no host (vcpu_limit: cores)
// A guest cell is never larger than its node's usable memory (src/rules/cell_memory.hpp): on
// the host model's two 192GiB nodes, less 2GiB each of the reserve, a guest of more than
// 2 x 190GiB fits no host.
constexpr std::int64_t host_guest_quarter_gib_max = 2 * 190 * 4;

std::vector<Shape> azure(std::int64_t guests, const std::string& csv) {
  std::ifstream in(csv);
  if (!in) throw std::runtime_error("cannot read " + csv + " (give --azure-csv)");
  std::string line;
  std::getline(in, line);
  std::map<std::pair<int, std::int64_t>, std::int64_t> freq;  // (vCPUs, quarter GiB) -> VMs
  std::int64_t total = 0;
  while (std::getline(in, line)) {
    std::istringstream row(line);
    std::string id, tenant, cores, ram;
    std::getline(row, id, ',');
    std::getline(row, tenant, ',');
    std::getline(row, cores, ',');
    std::getline(row, ram, ',');
    // cores: hundredths of a vCPU (burstable shapes below 100 round up to one vCPU);
    // ram: quarters of a GB, read as GiB.
    const int vcpus = std::max(1, static_cast<int>((std::stod(cores) + 99) / 100));
    if (vcpus > host_cores) continue;  // one VM of the sample: wider than the host model
    const auto quarters = static_cast<std::int64_t>(std::stod(ram));
    if (quarters > host_guest_quarter_gib_max) continue;  // 261 VMs of the sample: larger than two of its nodes
    ++freq[{vcpus, quarters}];
    ++total;
  }
  // Largest remainders: counts sum to `guests` exactly; ties to the earlier shape.
  std::vector<Shape> out;
  std::vector<std::pair<std::int64_t, std::size_t>> remainders;
  std::int64_t given = 0;
  for (const auto& [shape, n] : freq) {
    const __int128 exact = __int128{n} * guests;
    out.push_back({shape.first, MiB(shape.second * 256), false, false, static_cast<std::int64_t>(exact / total)});
    given += out.back().count;
    remainders.emplace_back(-static_cast<std::int64_t>(exact % total), out.size() - 1);
  }
  std::sort(remainders.begin(), remainders.end());
  for (std::size_t i = 0; given < guests; ++i, ++given) ++out[remainders[i].second].count;
  std::erase_if(out, [](const Shape& s) { return s.count == 0; });  // rare shapes in small runs
  return out;
}

// Draws `guests` shapes with `draw` and counts equal ones together, in first-drawn order.
template <class Draw>
std::vector<Shape> drawn(std::int64_t guests, std::uint32_t seed, Draw draw) {
  std::mt19937_64 rng(seed);
  std::map<std::tuple<int, std::int64_t, bool, bool>, std::size_t> index;
  std::vector<Shape> out;
  for (std::int64_t i = 0; i < guests; ++i) {
    Shape s = draw(rng);
    const auto key = std::make_tuple(s.vcpus, s.memory.value, s.dedicated, s.hugepages);
    auto [it, fresh] = index.emplace(key, out.size());
    if (fresh) out.push_back(s);
    ++out[it->second].count;
  }
  return out;
}

int uniform_int(std::mt19937_64& rng, int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); }

}  // namespace

std::optional<Mix> parse_mix(std::string_view name) {
  for (Mix m : all_mixes) {
    if (mix_name(m) == name) return m;
  }
  return std::nullopt;
}

std::string mix_name(Mix mix) {
  switch (mix) {
    case Mix::azure: return "azure";
    case Mix::uniform: return "uniform";
    case Mix::anticorrelated: return "anticorrelated";
    case Mix::numa_heavy: return "numa-heavy";
    case Mix::pinned: return "pinned";
  }
  return "?";
}

std::vector<Shape> shapes(Mix mix, std::int64_t guests, std::uint32_t seed, const std::string& azure_csv) {
  switch (mix) {
    case Mix::azure: return azure(guests, azure_csv);
    case Mix::uniform: {
      // Four flavors in equal numbers (the first ones take the remainder).
      const std::pair<int, int> flavors[] = {{1, 2}, {2, 4}, {4, 8}, {8, 16}};
      std::vector<Shape> out;
      for (std::int64_t i = 0; i < 4; ++i) {
        out.push_back({flavors[i].first, GiB(flavors[i].second), false, false, guests / 4 + (i < guests % 4 ? 1 : 0)});
      }
      return out;
    }
    case Mix::anticorrelated:
      // Half memory-heavy (1-2 vCPUs, 16-64GiB), half CPU-heavy (8-16 vCPUs, 1-4GiB).
      return drawn(guests, seed, [](std::mt19937_64& rng) {
        return uniform_int(rng, 0, 1) ? Shape{uniform_int(rng, 1, 2), GiB(uniform_int(rng, 4, 16) * 4), false, false, 0}
                                      : Shape{uniform_int(rng, 8, 16), GiB(uniform_int(rng, 1, 4)), false, false, 0};
      });
    case Mix::numa_heavy:
      // 40% too big for one node (200-260GiB against 190GiB usable per node), 60% small.
      return drawn(guests, seed, [](std::mt19937_64& rng) {
        return uniform_int(rng, 0, 9) < 4 ? Shape{uniform_int(rng, 4, 16) * 2, GiB(uniform_int(rng, 50, 65) * 4), false, false, 0}
                                          : Shape{uniform_int(rng, 1, 4), GiB(uniform_int(rng, 1, 8) * 2), false, false, 0};
      });
    case Mix::pinned:
      // Dedicated vCPUs on 1GiB hugepages.
      return drawn(guests, seed, [](std::mt19937_64& rng) {
        return Shape{uniform_int(rng, 1, 4) * 2, GiB(4 << uniform_int(rng, 0, 3)), true, true, 0};
      });
  }
  return {};
}

std::string scenario_yaml(Mix mix, const std::vector<Shape>& shapes, bool expanded) {
  std::ostringstream y;
  y << "# kvmplan-bench: mix " << mix_name(mix) << "\n";
  switch (mix) {
    case Mix::anticorrelated: y << "policy: {memory_ratio: 1.0, cpu_ratio: 2.0}\n"; break;
    case Mix::numa_heavy: y << "policy: {memory_ratio: 1.0}\n"; break;
    default: break;
  }
  const bool pools = mix == Mix::pinned;
  y << "hosts:\n  - name: kvm\n    count: auto\n    threads_per_core: 2\n    numa:\n"
    << "      - {id: 0, cpus: \"0-23,48-71\", memory: 192GiB" << (pools ? ", hugepages: {1GiB: 176}" : "") << "}\n"
    << "      - {id: 1, cpus: \"24-47,72-95\", memory: 192GiB" << (pools ? ", hugepages: {1GiB: 176}" : "") << "}\n"
    << "    distances: [[10, 21], [21, 10]]\n";
  y << "guests:\n";
  std::int64_t n = 0;
  for (std::size_t i = 0; i < shapes.size(); ++i) {
    const Shape& s = shapes[i];
    std::string extra;
    if (s.dedicated) extra += ", cpu_policy: dedicated";
    if (s.hugepages) extra += ", hugepages: 1GiB";
    if (!expanded) {
      y << "  - {name: s" << i << ", count: " << s.count << ", vcpus: " << s.vcpus << ", memory: " << to_string(s.memory) << extra << "}\n";
      continue;
    }
    for (std::int64_t k = 0; k < s.count; ++k) {
      y << "  - name: vm" << ++n << "\n    vcpus: " << s.vcpus << "\n    memory: " << to_string(s.memory) << "\n";
      if (s.dedicated) y << "    cpu_policy: dedicated\n";
      if (s.hugepages) y << "    hugepages: 1GiB\n";
    }
  }
  return y.str();
}

}  // namespace kvmplan::bench
