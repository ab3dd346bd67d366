// TopK, fast path: each row is gathered once into contiguous (value, index) pairs in the
// compute type, then std::partial_sort puts its k best in order (O(n log k)), instead of the
// reference's full sort of index lists that re-read x strided by |inner|.
#include <algorithm>
#include <vector>

#include "kernels/config/thread_pool.h"
#include "kernels/dtypes.h"
#include "kernels/topk/topk.h"
#include "kernels/topk/topk_order.h"

namespace aivm::kernels {
namespace {

constexpr int64_t kMinParallelWork = 1 << 15;  // elements read before threads pay off

template <DType D>
void topk_rows(bool largest, int64_t begin, int64_t end, int64_t n, int64_t inner, int64_t k, const elem_t<D>* x,
               elem_t<D>* values, int64_t* indices) {
  using C = compute_t<D>;
  struct Item {
    C v;
    int64_t i;
  };
  std::vector<Item> row(static_cast<size_t>(n));
  auto cmp = [largest](const Item& a, const Item& b) { return topk_detail::before(largest, a.v, a.i, b.v, b.i); };
  for (int64_t r = begin; r < end; ++r) {  // r = o * inner + i
    int64_t o = r / inner, i = r % inner;
    const elem_t<D>* src = x + o * n * inner + i;
    for (int64_t j = 0; j < n; ++j) row[size_t(j)] = {load<D>(src[j * inner]), j};
    std::partial_sort(row.begin(), row.begin() + k, row.end(), cmp);
    for (int64_t j = 0; j < k; ++j) {
      int64_t at = (o * k + j) * inner + i;
      values[at] = src[row[size_t(j)].i * inner];  // the stored bytes, not a rounded copy
      indices[at] = row[size_t(j)].i;
    }
  }
}

}  // namespace

void topk(bool largest, DType dtype, int64_t outer, int64_t n, int64_t inner, int64_t k, const void* x, void* values,
          int64_t* indices, ThreadPool* pool) {
  if (k == 0) return;
  auto run = [&](int64_t b, int64_t e) {
    dispatch_dtype(dtype, [&](auto d) {
      if constexpr (is_float(d) || is_integer(d))
        topk_rows<d>(largest, b, e, n, inner, k, static_cast<const elem_t<d>*>(x), static_cast<elem_t<d>*>(values),
                     indices);
    });
  };
  int64_t rows = outer * inner;
  if (rows * n >= kMinParallelWork && rows > 1)
    parallel_for(pool, rows, run);
  else
    run(0, rows);
}

}  // namespace aivm::kernels
