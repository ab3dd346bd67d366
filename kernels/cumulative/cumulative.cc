// CumSum / CumProd, fast path: per outer slab, one row of |inner| accumulators is carried
// along the axis, so every step is a contiguous loop over i (the compiler vectorises it) and
// x and y are each read or written once, in order.
#include <vector>

#include "kernels/config/thread_pool.h"
#include "kernels/cumulative/cumulative.h"
#include "kernels/cumulative/cumulative_ops.h"

namespace aivm::kernels {
namespace {

using namespace cumulative_detail;

constexpr int64_t kMinParallelWork = 1 << 16;  // elements before threads pay off

template <DType D, CumulativeOp kOp>
void slabs(const CumulativeParams& p, int64_t begin, int64_t end, const elem_t<D>* x, elem_t<D>* y) {
  using A = acc_t<D>;
  std::vector<A> acc(size_t(p.inner));
  for (int64_t o = begin; o < end; ++o) {
    for (A& a : acc) a = identity<A>(kOp);
    for (int64_t s = 0; s < p.n; ++s) {
      int64_t j = p.reverse ? p.n - 1 - s : s;
      const elem_t<D>* xr = x + (o * p.n + j) * p.inner;
      elem_t<D>* yr = y + (o * p.n + j) * p.inner;
      A* a = acc.data();
      if (p.exclusive) {
        for (int64_t i = 0; i < p.inner; ++i) {
          yr[i] = narrow<D>(a[i]);
          a[i] = step(kOp, a[i], widen<D>(xr[i]));
        }
      } else {
        for (int64_t i = 0; i < p.inner; ++i) {
          a[i] = step(kOp, a[i], widen<D>(xr[i]));
          yr[i] = narrow<D>(a[i]);
        }
      }
    }
  }
}

}  // namespace

void cumulative(const CumulativeParams& p, DType dtype, const void* x, void* y, ThreadPool* pool) {
  auto run = [&](int64_t b, int64_t e) {
    dispatch_dtype(dtype, [&](auto d) {
      if constexpr (is_float(d) || is_integer(d)) {
        auto* xs = static_cast<const elem_t<d>*>(x);
        auto* ys = static_cast<elem_t<d>*>(y);
        if (p.op == CumulativeOp::Sum) slabs<d, CumulativeOp::Sum>(p, b, e, xs, ys);
        else slabs<d, CumulativeOp::Prod>(p, b, e, xs, ys);
      }
    });
  };
  if (p.outer * p.n * p.inner >= kMinParallelWork && p.outer > 1)
    parallel_for(pool, p.outer, run);
  else
    run(0, p.outer);
}

}  // namespace aivm::kernels
