// Memory planning: every arena tensor gets a byte offset in one arena; tensors whose live
// ranges do not overlap may share bytes. Live ranges are intervals over the linear code
// positions, widened across loops first (extend_across_loops). Greedy by size, in the manner of the TFLite planner
// (arXiv 2001.03288): place the largest tensors first, each at the lowest offset that does
// not collide with an already placed tensor live at the same time.
#pragma once

#include <cstdint>
#include <vector>

namespace aivm::compiler {

inline constexpr uint64_t kArenaAlignment = 64;

struct Lifetime {
  uint64_t bytes = 0;
  int first = 0;  // position of the definition (inclusive)
  int last = 0;   // position of the last use (inclusive)
};

struct MemoryPlan {
  std::vector<uint64_t> offsets;  // parallel to the lifetimes, multiples of kArenaAlignment
  uint64_t arena_bytes = 0;
  // The largest sum of (aligned) sizes live at one position: no plan can do better.
  uint64_t lower_bound = 0;
};

MemoryPlan plan_memory(const std::vector<Lifetime>& tensors);

// A loop in the same positions: its body runs from |head| to |latch| (the back edge), again
// and again.
struct LoopSpan {
  int head = 0;
  int latch = 0;
};

// Makes linear intervals sound for loops. A tensor that crosses a loop's boundary (defined
// before and used inside, a loop-carried value, or written inside and used after, like a scan
// output filled row by row) must keep its bytes through every iteration: its interval grows
// to cover the whole loop. A tensor wholly inside the body is defined before it is used in
// each iteration (SSA), so its interval stays. Nested loops are handled inner to outer.
void extend_across_loops(std::vector<Lifetime>* tensors, const std::vector<LoopSpan>& loops);

}  // namespace aivm::compiler
