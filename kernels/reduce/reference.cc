// Scalar references of the reductions (the test oracle): each output decodes its kept
// coordinates, then walks the reduced sub-space by decoding every reduced index afresh.
#include <cmath>

#include "kernels/reduce/reduce.h"
#include "kernels/reduce/reduce_ops.h"

namespace aivm::kernels {
namespace {

using namespace reduce_detail;

// Splits x's axes into kept and reduced lists.
struct Axes {
  int kept[kMaxRank], reduced[kMaxRank];
  int nk = 0, nr = 0;
  int64_t kept_count = 1, reduced_count = 1;
};

Axes split_axes(const Shape& x, uint32_t mask) {
  Axes a;
  for (int k = 0; k < x.rank; ++k) {
    if (mask >> k & 1) {
      a.reduced[a.nr++] = k;
      a.reduced_count *= x.dims[k];
    } else {
      a.kept[a.nk++] = k;
      a.kept_count *= x.dims[k];
    }
  }
  return a;
}

// Flat x index of output |o| and reduced index |r|.
int64_t source(const Shape& x, const Axes& a, int64_t o, int64_t r) {
  int64_t at[kMaxRank] = {};
  for (int i = a.nk - 1; i >= 0; --i) {
    at[a.kept[i]] = o % x.dims[a.kept[i]];
    o /= x.dims[a.kept[i]];
  }
  for (int i = a.nr - 1; i >= 0; --i) {
    at[a.reduced[i]] = r % x.dims[a.reduced[i]];
    r /= x.dims[a.reduced[i]];
  }
  int64_t flat = 0;
  for (int k = 0; k < x.rank; ++k) flat = flat * x.dims[k] + at[k];
  return flat;
}

template <DType D, typename T = elem_t<D>, typename Acc = acc_t<D>>
void reduce_reference_typed(ReduceOp op, const Shape& x, uint32_t axes, const T* xp, T* yp) {
  Axes a = split_axes(x, axes);
  for (int64_t o = 0; o < a.kept_count; ++o) {
    Acc shift = Acc(0);
    if (op == ReduceOp::LogSumExp) {
      shift = start<D>(ReduceOp::Max);
      for (int64_t r = 0; r < a.reduced_count; ++r) shift = fold(ReduceOp::Max, shift, widen<D>(xp[source(x, a, o, r)]));
    }
    Acc acc = start<D>(op);
    for (int64_t r = 0; r < a.reduced_count; ++r) {
      Acc v = widen<D>(xp[source(x, a, o, r)]);
      if constexpr (std::is_floating_point_v<Acc>)
        if (op == ReduceOp::LogSumExp) v = std::isinf(shift) ? 0 : std::exp(v - shift);
      acc = fold(op == ReduceOp::LogSumExp ? ReduceOp::Sum : op, acc, v);
    }
    yp[o] = narrow<D>(finish(op, acc, a.reduced_count, shift));
  }
}

}  // namespace

bool reduce_supports(ReduceOp op, DType dtype) {
  if (int(op) < 0 || int(op) > int(ReduceOp::SumSquare)) return false;
  bool ok = false;
  dispatch_dtype(dtype, [&](auto d) { ok = reduce_valid<d>(op); });
  return ok;
}

bool arg_reduce_supports(DType dtype) { return is_float(dtype) || is_integer(dtype); }

void reduce_reference(ReduceOp op, DType dtype, const Shape& x, uint32_t axes, const void* xp, void* yp) {
  dispatch_dtype(dtype, [&](auto d) {
    if constexpr (is_float(d) || is_integer(d))
      reduce_reference_typed<d>(op, x, axes, static_cast<const elem_t<d>*>(xp), static_cast<elem_t<d>*>(yp));
  });
}

// Compares each candidate with the best so far afresh (no running value), unlike the fast path.
void arg_reduce_reference(bool is_max, bool select_last, DType dtype, int64_t outer, int64_t n, int64_t inner,
                          const void* xv, int64_t* y) {
  dispatch_dtype(dtype, [&](auto d) {
    if constexpr (is_float(d) || is_integer(d)) {
      const elem_t<d>* x = static_cast<const elem_t<d>*>(xv);
      for (int64_t o = 0; o < outer; ++o) {
        for (int64_t i = 0; i < inner; ++i) {
          int64_t best = 0;
          for (int64_t j = 1; j < n; ++j) {
            auto v = load<d>(x[(o * n + j) * inner + i]), b = load<d>(x[(o * n + best) * inner + i]);
            bool better = is_max ? v > b : v < b;
            if (better || (select_last && v == b) || b != b) best = v != v ? best : j;
          }
          y[o * inner + i] = best;
        }
      }
    }
  });
}

}  // namespace aivm::kernels
