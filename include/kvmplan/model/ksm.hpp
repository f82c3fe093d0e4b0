#pragma once
// Kernel Samepage Merging: what guests of one image save, and what ksmtuned does about it
// (docs/model.md section 5).
#include <string>
#include <vector>

#include "kvmplan/values/bytes.hpp"

namespace kvmplan {

// One guest's part in merging: `shareable` bytes identical within `image`, on `node`
// (-1 when pages merge across nodes or the guest is not tied to one).
struct KsmShare {
  std::string image;
  int node = -1;
  Bytes shareable;
  // The nodes its pages spread over when pages merge only within a node (merge_across_nodes:
  // false) and the guest is bound to none: each node keeps its own copy of a common page.
  int spread = 1;
};

// For each (image, node): the shareable bytes of its guests less the largest one's: the pages
// they have in common are kept once, and the largest sharer's distinct pages stay (n equal
// shares: (n - 1) x share). Guests whose pages spread over s nodes that merge apart keep a
// copy per node: the shares less min(n, s) x the largest. A 20GiB guest sharing 10GiB beside a 1GiB guest sharing 0.5GiB
// saves 0.5GiB at most. Guests without an image share nothing. No cap at half of RAM: that
// was RHEL 6's max_kernel_pages, a limit on distinct merged pages (not on savings), and it
// left the kernel in 2.6.33 (spec section 3).
Bytes ksm_savings(std::vector<KsmShare> shares);

// What ksmtuned (the RHEL tuning daemon, run every 60 s) would do on a host, in its own kB
// arithmetic: thres = max(MemTotal x 20 / 100, 2048 kB); KSM runs as ksmtuned_runs says;
// sleep_millisecs = max(10, 10 x 16 GiB / MemTotal).
struct Ksmtuned {
  Bytes threshold;
  bool active = false;
  int sleep_millisecs = 10;
  // Where ksmtuned's pages_to_scan settles: +300 per minute under pressure up to 1250, -50
  // otherwise down to 64 (and KSM stopped). 0 when KSM does not run.
  int pages_to_scan = 0;
  // One pass over the mergeable memory at that rate: pages / pages_to_scan x sleep; 0 when
  // KSM does not run.
  double full_scan_seconds = 0;
};

inline constexpr int ksmtuned_npages_max = 1250;  // KSM_NPAGES_MAX
inline constexpr int ksmtuned_npages_min = 64;    // KSM_NPAGES_MIN

// Whether ksmtuned keeps KSM running (Debian 12's /usr/sbin/ksmtuned): it stops KSM only when
// both committed RSS + thres < MemTotal and free > thres, where free is MemFree + Buffers +
// Cached. `rss`: the guests' QEMU processes before KSM (expected use, overheads, locked guests'
// memory; hugepage-backed memory is not RSS). Free is estimated as RAM - hugepage pools - rss -
// the host reserve (what the host itself uses; its page cache is taken to be small once the
// guests fill RAM). A host whose guests need KSM's savings to fit its usable memory always has
// free < reserve, so KSM runs there as long as the reserve is under thres.
bool ksmtuned_runs(Bytes ram, Bytes rss, Bytes pools = {}, Bytes reserve = {});

// `mergeable`: the resident memory of the guests KSM may merge (not hugepage-backed, not
// locked), scanned in 4KiB pages. `rss`, `pools` and `reserve` as ksmtuned_runs takes them.
Ksmtuned predict_ksmtuned(Bytes ram, Bytes rss, Bytes mergeable = {}, Bytes pools = {}, Bytes reserve = {});

}  // namespace kvmplan
