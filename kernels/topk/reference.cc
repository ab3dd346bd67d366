// Scalar reference of TopK (the test oracle): stable-sort every index of a row, keep k.
#include <algorithm>
#include <vector>

#include "kernels/dtypes.h"
#include "kernels/topk/topk.h"
#include "kernels/topk/topk_order.h"

namespace aivm::kernels {

bool topk_supports(DType dtype) { return is_float(dtype) || is_integer(dtype); }

void topk_reference(bool largest, DType dtype, int64_t outer, int64_t n, int64_t inner, int64_t k, const void* xv,
                    void* vv, int64_t* indices) {
  dispatch_dtype(dtype, [&](auto d) {
    if constexpr (is_float(d) || is_integer(d)) {
      const elem_t<d>* x = static_cast<const elem_t<d>*>(xv);
      elem_t<d>* values = static_cast<elem_t<d>*>(vv);
      std::vector<int64_t> order(static_cast<size_t>(n));
      for (int64_t o = 0; o < outer; ++o) {
        for (int64_t i = 0; i < inner; ++i) {
          auto at = [&](int64_t j) { return load<d>(x[(o * n + j) * inner + i]); };
          for (int64_t j = 0; j < n; ++j) order[size_t(j)] = j;
          std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
            return topk_detail::before(largest, at(a), a, at(b), b);
          });
          for (int64_t j = 0; j < k; ++j) {
            values[(o * k + j) * inner + i] = x[(o * n + order[size_t(j)]) * inner + i];
            indices[(o * k + j) * inner + i] = order[size_t(j)];
          }
        }
      }
    }
  });
}

}  // namespace aivm::kernels
