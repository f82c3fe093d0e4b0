#include "kvmplan/model/ksm.hpp"

#include <algorithm>
#include <tuple>

namespace kvmplan {

Bytes ksm_savings(std::vector<KsmShare> shares) {
  std::sort(shares.begin(), shares.end(), [](const KsmShare& a, const KsmShare& b) {
    return std::tie(a.image, a.node) < std::tie(b.image, b.node);
  });
  Bytes saved;
  for (std::size_t i = 0; i < shares.size();) {
    std::size_t j = i;
    Bytes sum, largest;
    int spread = 1;
    while (j < shares.size() && shares[j].image == shares[i].image && shares[j].node == shares[i].node) {
      sum += shares[j].shareable;
      largest = max(largest, shares[j].shareable);
      spread = std::max(spread, shares[j].spread);
      ++j;
    }
    const auto copies = static_cast<std::int64_t>(std::min<std::size_t>(j - i, static_cast<std::size_t>(spread)));
    if (!shares[i].image.empty() && j - i > 1) saved += max(Bytes{}, sum - Bytes{static_cast<std::int64_t>(__int128{largest.value} * copies)});
    i = j;
  }
  return saved;
}

namespace {
Bytes ksmtuned_threshold(Bytes ram) { return KiB(std::max<std::int64_t>(ram.value / 1024 * 20 / 100, 2048)); }
}  // namespace

bool ksmtuned_runs(Bytes ram, Bytes rss, Bytes pools, Bytes reserve) {
  const Bytes thres = ksmtuned_threshold(ram);
  const bool rss_term = rss + thres >= ram;
  const bool free_term = ram - pools - rss - reserve <= thres;
  return rss_term || free_term;
}

Ksmtuned predict_ksmtuned(Bytes ram, Bytes rss, Bytes mergeable, Bytes pools, Bytes reserve) {
  const std::int64_t total_kb = ram.value / 1024;
  Ksmtuned k;
  k.threshold = ksmtuned_threshold(ram);
  k.active = ksmtuned_runs(ram, rss, pools, reserve);
  // ksmtuned: sleep = KSM_SLEEP_MSEC * 16 * 1024 * 1024 / total (kB), at least 10.
  k.sleep_millisecs = static_cast<int>(std::max<std::int64_t>(10, total_kb > 0 ? 10LL * 16 * 1024 * 1024 / total_kb : 10));
  if (k.active) {
    // Pressure that lasts drives pages_to_scan up by 300 a minute until it reaches the maximum.
    k.pages_to_scan = ksmtuned_npages_max;
    const double pages = static_cast<double>(mergeable.value) / 4096.0;
    k.full_scan_seconds = pages / k.pages_to_scan * k.sleep_millisecs / 1000.0;
  }
  return k;
}

}  // namespace kvmplan
