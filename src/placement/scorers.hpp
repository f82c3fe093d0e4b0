#pragma once
// How placement ranks the places that fit: pure functions of free budgets (the index's keys,
// rules/rule.hpp) and needs, each constant named and justified. Lower scores win where a
// function says so, higher where it says that.
#include <cstdint>

#include "rules/rule.hpp"

namespace kvmplan::placement::scorers {

using rules::Keys;

// The host-level keys the scorers weigh: memory (committed or resident, whichever the policy
// counts), shared vCPUs, pinned CPUs, hugepage bytes; the dot product locked memory too. (Keys
// of rules the policy leaves out are unlimited and weigh nothing.)
inline constexpr std::size_t residual_keys[] = {rules::committed_host, rules::resident_host, rules::cpu_host, rules::pin_host,
                                                rules::pages_host};
inline constexpr std::size_t dot_keys[] = {rules::committed_host, rules::resident_host, rules::cpu_host, rules::pin_host,
                                           rules::pages_host, rules::locked_host};

// Pack, among the first few hosts that take the guest: how much of each resource the host
// would have left, as fractions of the empty host's, squared and summed (the L2 norm of the
// residual, after Panigrahy et al., "Heuristics for Vector Bin Packing", 2011). Lower is better:
// the guest fills that host best. Looking at more than the first host keeps memory-heavy and
// CPU-heavy guests from stranding each other's resource.
double residual(const Keys& free, const Keys& need, const Keys& full);

// How many hosts pack looks at, in host order: 8 tied or beat 4 and 16 on every benchmark mix
// (docs/performance.md), and the index finds them in O(8 log hosts).
inline constexpr int pack_candidates = 8;

// Bin-centric filling: how well a guest class matches what the host has left, the dot product
// of its need and the host's free capacity, both as fractions of the empty host. Higher is
// better: the class that uses what is plentiful here (Panigrahy et al., "DotProduct").
double dot(const Keys& free, const Keys& need, const Keys& full);

// Bin-centric filling with several pools: a class loses this much per fraction of its node's
// room it would strand, summed over the node's budgets (committed or resident memory, shared
// vCPUs, pinned CPUs, hugepages, locked memory) that some class left asks for; what a budget
// strands is what the node's other budgets, at the ratios the classes still fitting there ask,
// can never let out (fill.cpp). A memory-rich node left with 1 vCPU and 216GiB, where guests of
// 1 vCPU ask 96GiB at most, strands 120GiB: a class that fills the node exactly, or keeps it
// open for one that does, wins instead. On the two-models benchmark mix (greedy, seed 1) 3, 10,
// 30 and 100 gave the same plans' host counts, 58 at 1,000 guests and 562 at 10,000; 1 gave 563.
inline constexpr double stranded_weight = 10.0;
// The look-ahead's work for one guest: classes fitted (best dot product first) times the
// classes each looks at, at most this (the first candidate always), so that thousands of
// shapes cost about what the dot product over them does, not their square. The two-models
// mix (172 classes) gives the same plans with it and without.
inline constexpr std::size_t lookahead_work = 32'768;
inline constexpr std::size_t node_keys[] = {rules::committed_node, rules::resident_node, rules::cpu_node, rules::pin_node,
                                            rules::pages_node, rules::locked_node};

// Usage profiles: a factor for a guest's score on a host, 1 when it would not raise the host's
// peak slot at all (its peak is where the host has room: office desktops beside night batch),
// down to 0.1 when it raises it by its own peak (both peak in the same slot). Bin-centric
// filling then alternates classes whose peaks differ, and the slots fill evenly.
double off_peak(const rules::Load& host, const rules::Add& guest);

// Spread: the larger of the memory and shared vCPU budgets used, in millionths of the empty
// host's; the least loaded host comes first. Millionths keep the order exact in integers.
inline constexpr std::int64_t load_scale = 1'000'000;
std::int64_t load(const Keys& free, const Keys& full);

// KSM image affinity (memory_limit resident): a host that already runs the guest's image comes
// first, since KSM merges its pages there (model.md section 3). The bonuses outrank any
// difference the scores above can make: residuals are at most the number of weighed keys (6),
// dot products at most 6 as well.
inline constexpr double image_host_bonus = 1e6;   // subtracted from a pack residual
inline constexpr double image_class_bonus = 1e3;  // added to a bin-centric dot product

}  // namespace kvmplan::placement::scorers
