// Loop widening of live intervals (the placement is format/memory_plan.cc).
#include "compiler/regalloc/memory_plan.h"

#include <algorithm>

namespace aivm::compiler {

void extend_across_loops(std::vector<Lifetime>* tensors, const std::vector<LoopSpan>& loops) {
  std::vector<LoopSpan> inner_first = loops;
  std::stable_sort(inner_first.begin(), inner_first.end(),
                   [](const LoopSpan& a, const LoopSpan& b) { return a.latch - a.head < b.latch - b.head; });
  for (Lifetime& t : *tensors)
    for (const LoopSpan& l : inner_first) {
      bool meets = t.first <= l.latch && l.head <= t.last;
      bool inside = l.head <= t.first && t.last <= l.latch;
      if (!meets || inside) continue;
      t.first = std::min<int64_t>(t.first, l.head);
      t.last = std::max<int64_t>(t.last, l.latch);
    }
}

}  // namespace aivm::compiler
