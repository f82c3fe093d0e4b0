#include "mixes.hpp"

#include <algorithm>
#include <array>
#include <fstream>
#include <map>
#include <random>
#include <set>
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

// Shapes of one guest each, counted together when equal, in first-seen order.
class Counted {
 public:
  void add(const Shape& s) {
    const auto key = std::make_tuple(s.vcpus, s.memory.value, s.dedicated, s.hugepages, s.profile);
    auto [it, fresh] = index_.emplace(key, out_.size());
    if (fresh) out_.push_back(s);
    ++out_[it->second].count;
  }
  std::vector<Shape> take() { return std::move(out_); }

 private:
  std::map<std::tuple<int, std::int64_t, bool, bool, int>, std::size_t> index_;
  std::vector<Shape> out_;
};

// Draws `guests` shapes with `draw` and counts equal ones together, in first-drawn order.
template <class Draw>
std::vector<Shape> drawn(std::int64_t guests, std::uint32_t seed, Draw draw) {
  std::mt19937_64 rng(seed);
  Counted out;
  for (std::int64_t i = 0; i < guests; ++i) {
    Shape s = draw(rng);
    s.count = 0;
    out.add(s);
  }
  return out.take();
}

int uniform_int(std::mt19937_64& rng, int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); }

// `units` cut at k - 1 distinct random points: k parts of at least one unit each, summing to
// `units` (k <= units).
std::vector<std::int64_t> split(std::mt19937_64& rng, std::int64_t units, int k) {
  std::set<std::int64_t> cuts;
  while (static_cast<int>(cuts.size()) < k - 1) cuts.insert(std::uniform_int_distribution<std::int64_t>(1, units - 1)(rng));
  std::vector<std::int64_t> parts;
  std::int64_t last = 0;
  for (std::int64_t c : cuts) {
    parts.push_back(c - last);
    last = c;
  }
  parts.push_back(units - last);
  return parts;
}

constexpr std::int64_t flat_host_quarters = flat_host_gib * 4;  // zero-slack cuts memory in quarters of a GiB

// The day-night mixes' profiles, hour by hour (0 = midnight): name, memory, CPU. Office
// desktops log in at 8 and out at 18; batch runs from 22 to 6; web swings mildly with the day.
struct DayProfile {
  const char* name;
  std::array<const char*, 24> memory, cpu;
};
constexpr DayProfile day_night_profiles[] = {
    {"office",
     {"0.15", "0.15", "0.15", "0.15", "0.15", "0.15", "0.2", "0.4", "0.85", "0.9", "0.9", "0.9",
      "0.85", "0.9", "0.9", "0.9", "0.9", "0.7", "0.4", "0.2", "0.15", "0.15", "0.15", "0.15"},
     {"0.02", "0.02", "0.02", "0.02", "0.02", "0.02", "0.05", "0.2", "0.4", "0.5", "0.5", "0.5",
      "0.4", "0.5", "0.5", "0.5", "0.45", "0.3", "0.1", "0.05", "0.02", "0.02", "0.02", "0.02"}},
    {"batch",
     {"0.9", "0.9", "0.9", "0.9", "0.9", "0.9", "0.6", "0.3", "0.2", "0.2", "0.2", "0.2",
      "0.2", "0.2", "0.2", "0.2", "0.2", "0.2", "0.3", "0.5", "0.7", "0.85", "0.9", "0.9"},
     {"0.5", "0.5", "0.5", "0.5", "0.5", "0.4", "0.2", "0.1", "0.05", "0.05", "0.05", "0.05",
      "0.05", "0.05", "0.05", "0.05", "0.05", "0.05", "0.1", "0.2", "0.3", "0.4", "0.5", "0.5"}},
    {"web",
     {"0.5", "0.5", "0.5", "0.5", "0.5", "0.5", "0.55", "0.6", "0.65", "0.7", "0.7", "0.7",
      "0.7", "0.7", "0.7", "0.7", "0.7", "0.7", "0.7", "0.65", "0.6", "0.55", "0.5", "0.5"},
     {"0.1", "0.1", "0.1", "0.1", "0.1", "0.1", "0.15", "0.2", "0.3", "0.35", "0.35", "0.35",
      "0.35", "0.35", "0.35", "0.35", "0.35", "0.3", "0.3", "0.25", "0.2", "0.15", "0.1", "0.1"}},
};

}  // namespace

std::optional<Mix> parse_mix(std::string_view name) {
  for (Mix m : all_mixes) {
    if (mix_name(m) == name) return m;
  }
  for (Mix m : adversarial_mixes) {
    if (mix_name(m) == name) return m;
  }
  for (Mix m : profile_mixes) {
    if (mix_name(m) == name) return m;
  }
  return std::nullopt;
}

bool is_adversarial(Mix mix) { return std::find(std::begin(adversarial_mixes), std::end(adversarial_mixes), mix) != std::end(adversarial_mixes); }

Cut zero_slack_cut(std::int64_t guests, std::uint32_t seed) {
  std::mt19937_64 rng(seed);
  Cut cut;
  for (std::int64_t left = guests; left > 0; ++cut.hosts) {
    // 2 to 8 guests a host; the last host takes what is left, never a single guest (unless
    // only one was asked for: a guest of the whole host).
    int k = left <= 8 ? static_cast<int>(left) : uniform_int(rng, 2, 8);
    if (left - k == 1) k += k < 8 ? 1 : -1;
    const auto quarters = split(rng, flat_host_quarters, k);
    const auto vcpus = split(rng, flat_host_cpus, k);
    for (std::size_t i = 0; i < static_cast<std::size_t>(k); ++i) {
      cut.guests.push_back({static_cast<int>(vcpus[i]), MiB(quarters[i] * 256), false, false, 1});
      cut.host.push_back(cut.hosts);
    }
    left -= k;
  }
  // In random order, so that the file does not list each host's guests together.
  for (std::size_t i = cut.guests.size(); i > 1; --i) {
    const auto j = std::uniform_int_distribution<std::size_t>(0, i - 1)(rng);
    std::swap(cut.guests[i - 1], cut.guests[j]);
    std::swap(cut.host[i - 1], cut.host[j]);
  }
  return cut;
}

std::string mix_name(Mix mix) {
  switch (mix) {
    case Mix::azure: return "azure";
    case Mix::uniform: return "uniform";
    case Mix::anticorrelated: return "anticorrelated";
    case Mix::numa_heavy: return "numa-heavy";
    case Mix::pinned: return "pinned";
    case Mix::zero_slack: return "zero-slack";
    case Mix::bimodal: return "bimodal";
    case Mix::two_models: return "two-models";
    case Mix::day_night: return "day-night";
    case Mix::day_night_flat: return "day-night-flat";
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
    case Mix::zero_slack: {
      Counted out;
      for (const Shape& s : zero_slack_cut(guests, seed).guests) out.add({s.vcpus, s.memory, false, false, 0});
      return out.take();
    }
    case Mix::bimodal:
      // 70% small (1-2 vCPUs, 1-4GiB); 30% of 45-60% of the host, in memory (quarter GiBs) and
      // in vCPUs drawn apart: at most two share a host, most need one of their own.
      return drawn(guests, seed, [](std::mt19937_64& rng) {
        constexpr int q_lo = static_cast<int>((flat_host_quarters * 45 + 99) / 100), q_hi = static_cast<int>(flat_host_quarters * 60 / 100);
        constexpr int c_lo = (flat_host_cpus * 45 + 99) / 100, c_hi = flat_host_cpus * 60 / 100;
        return uniform_int(rng, 0, 9) < 7 ? Shape{uniform_int(rng, 1, 2), GiB(uniform_int(rng, 1, 4)), false, false, 0}
                                          : Shape{uniform_int(rng, c_lo, c_hi), MiB(std::int64_t{uniform_int(rng, q_lo, q_hi)} * 256), false, false, 0};
      });
    case Mix::day_night:
    case Mix::day_night_flat:
      // 60% office desktops, 25% batch servers, 15% web servers (mixes.hpp).
      return drawn(guests, seed, [](std::mt19937_64& rng) {
        const int kind = uniform_int(rng, 0, 19);
        if (kind < 12) return Shape{uniform_int(rng, 1, 2) * 2, GiB(uniform_int(rng, 1, 2) * 4), false, false, 0, 0};
        if (kind < 17) return Shape{uniform_int(rng, 1, 4) * 4, GiB(uniform_int(rng, 1, 4) * 16), false, false, 0, 1};
        return Shape{uniform_int(rng, 1, 4) * 2, GiB(uniform_int(rng, 1, 4) * 4), false, false, 0, 2};
      });
    case Mix::two_models:
      // Half memory-heavy (1-4 vCPUs, 32-96GiB), half CPU-heavy (8-24 vCPUs, 1-8GiB).
      return drawn(guests, seed, [](std::mt19937_64& rng) {
        return uniform_int(rng, 0, 1) ? Shape{uniform_int(rng, 1, 4), GiB(uniform_int(rng, 4, 12) * 8), false, false, 0}
                                      : Shape{uniform_int(rng, 8, 24), GiB(uniform_int(rng, 1, 8)), false, false, 0};
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
  const bool profiled = mix == Mix::day_night || mix == Mix::day_night_flat;
  if (profiled) {
    y << "policy: {memory_limit: both, memory_ratio: 1.5, cpu_ratio: 4.0}\n";
    if (mix == Mix::day_night) {
      auto list = [&](const std::array<const char*, 24>& v) {
        y << "[";
        for (std::size_t i = 0; i < v.size(); ++i) y << (i ? ", " : "") << v[i];
        y << "]";
      };
      y << "profiles:\n";
      for (const DayProfile& p : day_night_profiles) {
        y << "  " << p.name << ":\n    memory: ";
        list(p.memory);
        y << "\n    cpu: ";
        list(p.cpu);
        y << "\n";
      }
    }
  }
  if (mix == Mix::zero_slack || mix == Mix::bimodal) {
    // One node, budgets exactly its RAM and CPUs: what zero-slack cuts is what a host holds.
    y << "policy: {memory_ratio: 1.0, cpu_ratio: 1.0, host_reserve: 0GiB}\n"
      << "hosts:\n  - name: kvm\n    count: auto\n    cpus: " << flat_host_cpus << "\n    memory: " << flat_host_gib << "GiB\n";
  } else if (mix == Mix::two_models) {
    y << "policy: {memory_ratio: 1.0, cpu_ratio: 2.0}\n"
      << "hosts:\n  - name: mem\n    count: auto\n    threads_per_core: 2\n    numa:\n"
      << "      - {id: 0, cpus: \"0-15,32-47\", memory: 384GiB}\n"
      << "      - {id: 1, cpus: \"16-31,48-63\", memory: 384GiB}\n"
      << "    distances: [[10, 21], [21, 10]]\n"
      << "  - name: cpu\n    count: auto\n    threads_per_core: 2\n    numa:\n"
      << "      - {id: 0, cpus: \"0-31,64-95\", memory: 128GiB}\n"
      << "      - {id: 1, cpus: \"32-63,96-127\", memory: 128GiB}\n"
      << "    distances: [[10, 21], [21, 10]]\n";
  } else {
    const bool pools = mix == Mix::pinned;
    y << "hosts:\n  - name: kvm\n    count: auto\n    threads_per_core: 2\n    numa:\n"
      << "      - {id: 0, cpus: \"0-23,48-71\", memory: 192GiB" << (pools ? ", hugepages: {1GiB: 176}" : "") << "}\n"
      << "      - {id: 1, cpus: \"24-47,72-95\", memory: 192GiB" << (pools ? ", hugepages: {1GiB: 176}" : "") << "}\n"
      << "    distances: [[10, 21], [21, 10]]\n";
  }
  y << "guests:\n";
  std::int64_t n = 0;
  for (std::size_t i = 0; i < shapes.size(); ++i) {
    const Shape& s = shapes[i];
    std::string extra;
    if (s.dedicated) extra += ", cpu_policy: dedicated";
    if (s.hugepages) extra += ", hugepages: 1GiB";
    std::string usage;  // "profile: office", or flat at the profile's peak slot: "usage: 0.9"
    if (s.profile >= 0) {
      const DayProfile& p = day_night_profiles[s.profile];
      if (mix == Mix::day_night) {
        usage = std::string("profile: ") + p.name;
      } else {
        std::string peak = p.memory.front();
        for (const char* m : p.memory) peak = std::stod(m) > std::stod(peak) ? std::string(m) : peak;
        usage = "usage: " + peak;
      }
      extra += ", " + usage;
    }
    if (!expanded) {
      y << "  - {name: s" << i << ", count: " << s.count << ", vcpus: " << s.vcpus << ", memory: " << to_string(s.memory) << extra << "}\n";
      continue;
    }
    for (std::int64_t k = 0; k < s.count; ++k) {
      y << "  - name: vm" << ++n << "\n    vcpus: " << s.vcpus << "\n    memory: " << to_string(s.memory) << "\n";
      if (s.dedicated) y << "    cpu_policy: dedicated\n";
      if (s.hugepages) y << "    hugepages: 1GiB\n";
      if (!usage.empty()) y << "    " << usage << "\n";
    }
  }
  return y.str();
}

}  // namespace kvmplan::bench
