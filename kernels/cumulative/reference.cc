// Scalar reference of CumSum / CumProd (the test oracle): each (o, i) line walked on its own.
#include "kernels/cumulative/cumulative.h"
#include "kernels/cumulative/cumulative_ops.h"

namespace aivm::kernels {

using namespace cumulative_detail;

bool cumulative_supports(DType dtype) { return is_float(dtype) || is_integer(dtype); }

void cumulative_reference(const CumulativeParams& p, DType dtype, const void* xv, void* yv) {
  dispatch_dtype(dtype, [&](auto d) {
    if constexpr (is_float(d) || is_integer(d)) {
      const elem_t<d>* x = static_cast<const elem_t<d>*>(xv);
      elem_t<d>* y = static_cast<elem_t<d>*>(yv);
      for (int64_t o = 0; o < p.outer; ++o) {
        for (int64_t i = 0; i < p.inner; ++i) {
          acc_t<d> acc = identity<acc_t<d>>(p.op);
          for (int64_t s = 0; s < p.n; ++s) {
            int64_t j = p.reverse ? p.n - 1 - s : s;
            int64_t at = (o * p.n + j) * p.inner + i;
            acc_t<d> v = widen<d>(x[at]);
            if (!p.exclusive) acc = step(p.op, acc, v);
            y[at] = narrow<d>(acc);
            if (p.exclusive) acc = step(p.op, acc, v);
          }
        }
      }
    }
  });
}

}  // namespace aivm::kernels
