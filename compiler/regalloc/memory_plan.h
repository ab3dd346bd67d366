// Memory planning, compiler side: the greedy placement itself is format/memory_plan.h (the VM
// plans dynamic functions with it too); this adds what only the compiler knows, the loops.
#pragma once

#include <cstdint>
#include <vector>

#include "format/memory_plan.h"

namespace aivm::compiler {

using format::kArenaAlignment;
using format::Lifetime;
using format::MemoryPlan;
using format::plan_memory;

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
