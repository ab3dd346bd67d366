// Memory planning: every arena tensor gets a byte offset in one arena; tensors whose live
// ranges do not overlap may share bytes. Greedy by size, in the manner of the TFLite planner
// (arXiv 2001.03288): place the largest tensors first, each at the lowest offset that does
// not collide with an already placed tensor live at the same time.
//
// Shared by the compiler (static shapes, planned once) and the VM (dynamic functions, planned
// for each new input shape from the live intervals the bundle records), so both place tensors
// the same way. Whatever the intervals say, every offset + size lies inside arena_bytes: a
// bundle that lies about intervals can get wrong results, never an access outside the arena.
#pragma once

#include <cstdint>
#include <vector>

namespace aivm::format {

inline constexpr uint64_t kArenaAlignment = 64;

struct Lifetime {
  uint64_t bytes = 0;
  int64_t first = 0;  // position of the definition (inclusive)
  int64_t last = 0;   // position of the last use (inclusive)
};

struct MemoryPlan {
  std::vector<uint64_t> offsets;  // parallel to the lifetimes, multiples of kArenaAlignment
  uint64_t arena_bytes = 0;
  // The largest sum of (aligned) sizes live at one position: no plan can do better.
  uint64_t lower_bound = 0;
};

// Sizes must be below 2^62 so aligned sums cannot overflow (callers bound them far lower).
MemoryPlan plan_memory(const std::vector<Lifetime>& tensors);

}  // namespace aivm::format
