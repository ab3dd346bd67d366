// Ops whose output shape depends on input values: NonZero, Unique, Compress.
//
// Registers have static shapes, so these compile only where the values that set the shape are
// compile-time constants: NonZero and Unique fold a constant input; Compress needs a constant
// condition and becomes a GATHER of the selected indices (folded too when the data is
// constant). Otherwise the error names what must be constant.
#include <algorithm>
#include <numeric>

#include "compiler/ops/op_util.h"
#include "kernels/dtypes.h"

namespace aivm::compiler {
namespace {

using isa::Opcode;
using Dims = std::vector<int64_t>;

Tensor i64_values(const std::vector<int64_t>& v, Dims shape) {
  Tensor t;
  t.dtype = DType::I64;
  t.shape = std::move(shape);
  t.data.resize(v.size() * 8);
  if (!v.empty()) std::memcpy(t.data.data(), v.data(), t.data.size());
  return t;
}

const Tensor& constant_or_fail(OpContext& ctx, size_t i, const std::string& what) {
  const Tensor* t = ctx.constant_input(i);
  if (!t) ctx.fail(what + " must be a constant: " + ctx.instr().op + "'s output shape depends on its values");
  return *t;
}

// Element |i| of |t| compared by value in its compute type: -1, 0 or 1 (NaN compares equal to
// NaN and above numbers, so sorting is total).
int compare_elements(const Tensor& t, int64_t i, int64_t j) {
  int r = 0;
  kernels::dispatch_dtype(t.dtype, [&](auto d) {
    if constexpr (kernels::is_float(d) || kernels::is_integer(d) || d == DType::Bool) {
      const auto* p = reinterpret_cast<const kernels::elem_t<d>*>(t.data.data());
      auto a = kernels::load<d>(p[i]), b = kernels::load<d>(p[j]);
      bool an = a != a, bn = b != b;
      r = an || bn ? int(an) - int(bn) : a < b ? -1 : b < a ? 1 : 0;
    }
  });
  return r;
}

// x viewed as [outer, n, inner]: the slices x[:, picked[r], :] in order, shaped |shape|.
Tensor take_slices(const Tensor& x, int64_t outer, int64_t n, int64_t inner, const std::vector<int64_t>& picked,
                   Dims shape) {
  int64_t m = int64_t(picked.size());
  size_t es = dtype_size(x.dtype);
  Tensor y;
  y.dtype = x.dtype;
  y.shape = std::move(shape);
  y.data.resize(size_t(outer * m * inner) * es);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t r = 0; r < m; ++r)
      std::memcpy(&y.data[size_t((o * m + r) * inner) * es], &x.data[size_t((o * n + picked[size_t(r)]) * inner) * es],
                  size_t(inner) * es);
  return y;
}

bool is_nonzero(const Tensor& t, int64_t i) {
  size_t size = dtype_size(t.dtype);
  if (t.dtype == DType::F32 || t.dtype == DType::F64 || t.dtype == DType::F16 || t.dtype == DType::BF16)
    return t.float_at(i) != 0;  // -0.0 is zero
  for (size_t b = 0; b < size; ++b)
    if (t.data[size_t(i) * size + b] != 0) return true;
  return false;
}

//===----------------------------------------------------------------------===//
// NonZero
//===----------------------------------------------------------------------===//

void infer_nonzero(OpContext& ctx) {
  ctx.require_inputs(1, 1);
  require_single_output(ctx);
  const Tensor& x = constant_or_fail(ctx, 0, "the input");
  std::vector<int64_t> hits;
  for (int64_t i = 0; i < x.num_elements(); ++i)
    if (is_nonzero(x, i)) hits.push_back(i);
  int64_t rank = int64_t(x.shape.size()), n = int64_t(hits.size());
  std::vector<int64_t> out(size_t(rank * n));
  for (int64_t h = 0; h < n; ++h) {
    int64_t flat = hits[size_t(h)];
    for (int64_t k = rank - 1; k >= 0; --k) {
      out[size_t(k * n + h)] = flat % x.shape[size_t(k)];
      flat /= x.shape[size_t(k)];
    }
  }
  ctx.set_constant_output(0, i64_values(out, {rank, n}));
}

//===----------------------------------------------------------------------===//
// Unique
//===----------------------------------------------------------------------===//

void infer_unique(OpContext& ctx) {
  ctx.require_inputs(1, 1);
  const Tensor& x = constant_or_fail(ctx, 0, "the input");
  const Dims& d = x.shape;
  bool has_axis = ctx.has_attr("axis");
  int64_t axis = has_axis ? normalize_axis(ctx, ctx.attr_int("axis", 0), int64_t(d.size())) : 0;
  // x as [outer, n, inner]; slice j is every x[o, j, i].
  int64_t outer = 1, n = x.num_elements(), inner = 1;
  if (has_axis) {
    n = d[size_t(axis)];
    for (int64_t k = 0; k < axis; ++k) outer *= d[size_t(k)];
    for (size_t k = size_t(axis) + 1; k < d.size(); ++k) inner *= d[k];
  }
  auto cmp_slices = [&](int64_t a, int64_t b) {
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t i = 0; i < inner; ++i)
        if (int c = compare_elements(x, (o * n + a) * inner + i, (o * n + b) * inner + i)) return c;
    return 0;
  };
  // First occurrences, in order of appearance.
  std::vector<int64_t> first, inverse(static_cast<size_t>(n)), counts;
  for (int64_t j = 0; j < n; ++j) {
    size_t u = 0;
    while (u < first.size() && cmp_slices(first[u], j) != 0) ++u;
    if (u == first.size()) first.push_back(j), counts.push_back(0);
    ++counts[u];
  }
  std::vector<size_t> order(first.size());
  std::iota(order.begin(), order.end(), 0);
  if (ctx.attr_int("sorted", 1) != 0)
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return cmp_slices(first[a], first[b]) < 0; });
  std::vector<int64_t> indices, sorted_counts, rank_of(first.size());
  for (size_t r = 0; r < order.size(); ++r) {
    indices.push_back(first[order[r]]);
    sorted_counts.push_back(counts[order[r]]);
    rank_of[order[r]] = int64_t(r);
  }
  for (int64_t j = 0; j < n; ++j) {
    size_t u = 0;
    while (cmp_slices(first[u], j) != 0) ++u;
    inverse[size_t(j)] = rank_of[u];
  }
  int64_t m = int64_t(indices.size());
  Dims y_shape = has_axis ? d : Dims{m};
  if (has_axis) y_shape[size_t(axis)] = m;
  ctx.set_constant_output(0, take_slices(x, outer, n, inner, indices, y_shape));
  ctx.set_constant_output(1, i64_values(indices, {m}));
  ctx.set_constant_output(2, i64_values(inverse, {n}));
  ctx.set_constant_output(3, i64_values(sorted_counts, {m}));
}

//===----------------------------------------------------------------------===//
// Compress
//===----------------------------------------------------------------------===//

struct CompressPlan {
  int64_t axis = 0;             // of the data, or of its flattened form
  std::vector<int64_t> picked;  // indices along the axis where the condition holds
  Dims out;
};

// Without 'axis' the data is flattened: a run-time input is then only taken in 1-D.
CompressPlan plan_compress(OpContext& ctx) {
  ctx.require_inputs(2, 2);
  require_single_output(ctx);
  const Tensor& cond = constant_or_fail(ctx, 1, "the condition");
  if (cond.shape.size() != 1) ctx.fail("the condition must be 1-D");
  const Dims& x = ctx.input(0).shape;
  CompressPlan p;
  bool has_axis = ctx.has_attr("axis");
  if (has_axis) p.axis = normalize_axis(ctx, ctx.attr_int("axis", 0), int64_t(x.size()));
  else if (x.size() != 1 && !ctx.constant_input(0))
    ctx.fail("without 'axis' the data must be a constant or 1-D (it is " + dims_str(x) + ")");
  int64_t extent = 1;
  if (has_axis) extent = x[size_t(p.axis)];
  else for (int64_t e : x) extent *= e;
  if (cond.num_elements() > extent)
    ctx.fail("the condition has " + std::to_string(cond.num_elements()) + " entries for an axis of " + std::to_string(extent));
  for (int64_t i = 0; i < cond.num_elements(); ++i)
    if (is_nonzero(cond, i)) p.picked.push_back(i);
  p.out = has_axis ? x : Dims{extent};
  p.out[size_t(p.axis)] = int64_t(p.picked.size());
  return p;
}

void infer_compress(OpContext& ctx) {
  CompressPlan p = plan_compress(ctx);
  const Tensor* x = ctx.constant_input(0);
  if (!x) {
    ctx.set_output(0, ctx.input(0).dtype, p.out);
    return;
  }
  Dims flat = ctx.has_attr("axis") ? x->shape : Dims{x->num_elements()};
  int64_t outer = 1, n = flat[size_t(p.axis)], inner = 1;
  for (int64_t k = 0; k < p.axis; ++k) outer *= flat[size_t(k)];
  for (size_t k = size_t(p.axis) + 1; k < flat.size(); ++k) inner *= flat[k];
  ctx.set_constant_output(0, take_slices(*x, outer, n, inner, p.picked, p.out));
}

void select_compress(OpContext& ctx, Selection* s) {
  CompressPlan p = plan_compress(ctx);
  Function& f = ctx.function();
  int idx = add_constant_value(f, f.values[size_t(ctx.instr().outputs[0])].name + ".picked",
                               i64_values(p.picked, {int64_t(p.picked.size())}));
  s->opcode = Opcode::GATHER;
  s->values = {ctx.instr().outputs[0], ctx.instr().inputs[0], idx};
  s->immediate = int32_t(p.axis);
}

// NonZero and Unique compile only when folded, so nothing of them reaches selection.
void select_folded(OpContext& ctx, Selection*) { ctx.fail("internal: a folded operator reached selection"); }

}  // namespace

std::span<const OpRule> data_dependent_op_rules() {
  static constexpr OpRule kRules[] = {
      {"NonZero", infer_nonzero, select_folded},
      {"Unique", infer_unique, select_folded},
      {"Compress", infer_compress, select_compress},
  };
  return kRules;
}

}  // namespace aivm::compiler
