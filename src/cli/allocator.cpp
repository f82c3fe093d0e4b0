// The allocator of kvmplan's programs: jemalloc, told here (it reads this symbol at start-up)
// to back its memory with transparent huge pages. A million-guest plan touches a few hundred
// MiB in small blocks; on 4KiB pages the page faults alone took half of placement's time
// (docs/performance.md). Where the kernel has THP off ("never"), the advice is ignored.
extern "C" {
// NOLINTNEXTLINE: jemalloc's documented configuration hook, a C global by its name
extern const char* malloc_conf;
const char* malloc_conf = "thp:always,metadata_thp:auto";
}
