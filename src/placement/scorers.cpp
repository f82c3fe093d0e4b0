#include "placement/scorers.hpp"

#include <algorithm>
#include <limits>

namespace kvmplan::placement::scorers {
namespace {
// Keys with no limit (a rule the policy leaves out) or no capacity weigh nothing.
bool weighs(const Keys& full, std::size_t k) { return full[k] > 0 && full[k] != std::numeric_limits<std::int64_t>::max(); }
}  // namespace

double residual(const Keys& free, const Keys& need, const Keys& full) {
  double score = 0;
  for (std::size_t k : residual_keys) {
    if (!weighs(full, k)) continue;
    const double left = static_cast<double>(free[k] - std::max<std::int64_t>(need[k], 0)) / static_cast<double>(full[k]);
    score += left * left;
  }
  return score;
}

double dot(const Keys& free, const Keys& need, const Keys& full) {
  double score = 0;
  for (std::size_t k : dot_keys) {
    if (need[k] <= 0 || !weighs(full, k)) continue;
    score += static_cast<double>(need[k]) / static_cast<double>(full[k]) * static_cast<double>(free[k]) / static_cast<double>(full[k]);
  }
  return score;
}

double off_peak(const rules::Load& host, const rules::Add& guest) {
  if (guest.resident.value <= 0) return 1.0;
  const double growth = static_cast<double>((host.resident_with(guest) - host.resident).value) / static_cast<double>(guest.resident.value);
  return 1.0 - 0.9 * std::clamp(growth, 0.0, 1.0);
}

std::int64_t load(const Keys& free, const Keys& full) {
  auto used = [&](std::size_t k) {
    return weighs(full, k) ? static_cast<std::int64_t>(__int128{full[k] - free[k]} * load_scale / full[k]) : std::int64_t{0};
  };
  return std::max({used(rules::committed_host), used(rules::resident_host), used(rules::cpu_host)});
}

}  // namespace kvmplan::placement::scorers
