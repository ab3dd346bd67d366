// binary_f32: coalesce broadcast dims into [outer..., inner] with inner strides of 0 or 1, then
// run one of four contiguous inner loops over any flat range of y (so threads split anywhere).
#include <cassert>

#include "kernels/config/thread_pool.h"
#include "kernels/elementwise/elementwise.h"

namespace aivm::kernels {
namespace {

constexpr int64_t kGrain = 16384;

// y's shape after dropping size-1 dims and merging dims both operands walk contiguously.
struct Plan {
  int rank = 0;
  int64_t dims[kMaxRank];
  int64_t sa[kMaxRank], sb[kMaxRank];  // element strides, 0 where the operand broadcasts
};

// Strides of operand s laid against y's rank (right-aligned; size-1 dims get stride 0).
void operand_strides(const Shape& y, const Shape& s, int64_t* out) {
  int shift = y.rank - s.rank;
  int64_t stride = 1;
  for (int d = y.rank - 1; d >= 0; --d) {
    int64_t dim = d >= shift ? s.dims[d - shift] : 1;
    assert(dim == 1 || dim == y.dims[d]);
    out[d] = dim == 1 ? 0 : stride;
    stride *= dim;
  }
}

Plan make_plan(const Shape& y, const Shape& a, const Shape& b) {
  int64_t sa[kMaxRank], sb[kMaxRank];
  operand_strides(y, a, sa);
  operand_strides(y, b, sb);
  Plan p;
  for (int d = 0; d < y.rank; ++d) {
    if (y.dims[d] == 1) continue;
    // Merge into the previous (outer) dim when both operands continue it contiguously.
    if (p.rank > 0) {
      int o = p.rank - 1;
      if (p.sa[o] == sa[d] * y.dims[d] && p.sb[o] == sb[d] * y.dims[d]) {
        p.dims[o] *= y.dims[d];
        p.sa[o] = sa[d];
        p.sb[o] = sb[d];
        continue;
      }
    }
    p.dims[p.rank] = y.dims[d];
    p.sa[p.rank] = sa[d];
    p.sb[p.rank] = sb[d];
    ++p.rank;
  }
  if (p.rank == 0) {  // all-ones shape: one element
    p.rank = 1;
    p.dims[0] = 1;
    p.sa[0] = p.sb[0] = 0;
  }
  return p;
}

template <BinaryOp op>
inline float apply(float a, float b) {
  if constexpr (op == BinaryOp::Add) return a + b;
  if constexpr (op == BinaryOp::Sub) return a - b;
  if constexpr (op == BinaryOp::Mul) return a * b;
  return a / b;
}

template <BinaryOp op>
void inner(int64_t n, const float* A, int64_t sa, const float* B, int64_t sb, float* Y) {
  if (sa && sb) {
    for (int64_t i = 0; i < n; ++i) Y[i] = apply<op>(A[i], B[i]);
  } else if (sb) {
    const float a = *A;
    for (int64_t i = 0; i < n; ++i) Y[i] = apply<op>(a, B[i]);
  } else if (sa) {
    const float b = *B;
    for (int64_t i = 0; i < n; ++i) Y[i] = apply<op>(A[i], b);
  } else {
    const float v = apply<op>(*A, *B);
    for (int64_t i = 0; i < n; ++i) Y[i] = v;
  }
}

// Y[begin, end) in y's flat order.
template <BinaryOp op>
void run_range(const Plan& p, const float* A, const float* B, float* Y, int64_t begin, int64_t end) {
  const int last = p.rank - 1;
  const int64_t len = p.dims[last];
  int64_t row = begin / len, col = begin % len;
  while (begin < end) {
    int64_t offa = 0, offb = 0, rem = row;
    for (int d = last - 1; d >= 0; --d) {
      int64_t i = rem % p.dims[d];
      rem /= p.dims[d];
      offa += i * p.sa[d];
      offb += i * p.sb[d];
    }
    int64_t n = len - col < end - begin ? len - col : end - begin;
    inner<op>(n, A + offa + col * p.sa[last], p.sa[last], B + offb + col * p.sb[last], p.sb[last], Y + begin);
    begin += n;
    ++row;
    col = 0;
  }
}

template <BinaryOp op>
void run(const Plan& p, const float* A, const float* B, float* Y, int64_t total, ThreadPool* pool) {
  int64_t blocks = (total + kGrain - 1) / kGrain;
  parallel_for(pool, blocks, [&](int64_t b0, int64_t b1) {
    run_range<op>(p, A, B, Y, b0 * kGrain, b1 * kGrain < total ? b1 * kGrain : total);
  });
}

}  // namespace

void binary_f32(BinaryOp op, const Shape& y, const Shape& a, const float* A, const Shape& b, const float* B,
                float* Y, ThreadPool* pool) {
  assert(a.rank <= y.rank && b.rank <= y.rank);
  int64_t total = y.num_elements();
  if (total == 0) return;
  Plan p = make_plan(y, a, b);
  switch (op) {
    case BinaryOp::Add: return run<BinaryOp::Add>(p, A, B, Y, total, pool);
    case BinaryOp::Sub: return run<BinaryOp::Sub>(p, A, B, Y, total, pool);
    case BinaryOp::Mul: return run<BinaryOp::Mul>(p, A, B, Y, total, pool);
    case BinaryOp::Div: return run<BinaryOp::Div>(p, A, B, Y, total, pool);
  }
}

}  // namespace aivm::kernels
