// Greedy-by-size memory planning.
#include "format/memory_plan.h"

#include <algorithm>
#include <map>
#include <numeric>

namespace aivm::format {
namespace {

uint64_t aligned(uint64_t n) { return (n + kArenaAlignment - 1) / kArenaAlignment * kArenaAlignment; }

bool overlap(const Lifetime& a, const Lifetime& b) { return a.first <= b.last && b.first <= a.last; }

}  // namespace

MemoryPlan plan_memory(const std::vector<Lifetime>& tensors) {
  MemoryPlan plan;
  plan.offsets.assign(tensors.size(), 0);
  std::vector<size_t> order(tensors.size());
  std::iota(order.begin(), order.end(), 0);
  // Largest first; ties by earlier definition so the plan is deterministic.
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (tensors[a].bytes != tensors[b].bytes) return tensors[a].bytes > tensors[b].bytes;
    return tensors[a].first < tensors[b].first;
  });
  std::vector<size_t> placed;
  for (size_t t : order) {
    // Intervals of already placed tensors that are live at the same time, by offset.
    std::vector<std::pair<uint64_t, uint64_t>> busy;
    for (size_t p : placed)
      if (overlap(tensors[t], tensors[p])) busy.push_back({plan.offsets[p], plan.offsets[p] + aligned(tensors[p].bytes)});
    std::sort(busy.begin(), busy.end());
    uint64_t need = aligned(tensors[t].bytes), offset = 0;
    for (const auto& [begin, end] : busy) {
      if (begin >= offset + need) break;  // the gap before this block fits
      offset = std::max(offset, end);
    }
    plan.offsets[t] = offset;
    plan.arena_bytes = std::max(plan.arena_bytes, offset + need);
    placed.push_back(t);
  }
  // Lower bound: the busiest position (sweep over definition/end events).
  std::map<int64_t, int64_t> delta;
  for (const Lifetime& l : tensors) {
    delta[l.first] += int64_t(aligned(l.bytes));
    delta[l.last + 1] -= int64_t(aligned(l.bytes));
  }
  int64_t live = 0;
  for (const auto& [pos, d] : delta) {
    live += d;
    plan.lower_bound = std::max(plan.lower_bound, uint64_t(live));
  }
  return plan;
}

}  // namespace aivm::format
