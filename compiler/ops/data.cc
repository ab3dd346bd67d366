// Layout and indexing operators: Transpose, DepthToSpace, SpaceToDepth (all TRANSPOSE with a
// view), Concat, Split, Slice, Gather, GatherElements, Expand, Tile, Pad, Trilu.
//
// Every rule works for any dtype (the VM moves elements by size). Operands that shape the
// output (Slice's starts/ends, Split's sizes, Tile's repeats, Pad's pads, ...) must be
// constants. When every data input is a constant too, infer folds the op at compile time by
// running the same kernel the VM would (kernels/transform), so shape arithmetic of exported
// graphs (Shape -> Gather -> Concat -> Reshape) never reaches the bundle.
//
// Each op has one plan_* function that both infer and select call, so shape inference and the
// emitted record cannot disagree.
#include <algorithm>
#include <climits>

#include "compiler/ops/op_util.h"
#include "kernels/elementwise/elementwise.h"
#include "kernels/transform/transform.h"

namespace aivm::compiler {
namespace {

using isa::Opcode;
using Dims = std::vector<int64_t>;

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

int32_t to_i32(const OpContext& ctx, int64_t v, const char* what) {
  if (v < INT32_MIN || v > INT32_MAX) ctx.fail(std::string(what) + " " + std::to_string(v) + " does not fit a record word");
  return int32_t(v);
}

std::vector<int64_t> ints_of(const Tensor& t) {
  std::vector<int64_t> v;
  for (int64_t i = 0; i < t.num_elements(); ++i) v.push_back(t.int_at(i));
  return v;
}

// The constant input |i| as integers; fails with |what| when it is not a constant.
std::vector<int64_t> const_ints(const OpContext& ctx, size_t i, const char* what) {
  const Tensor* t = ctx.constant_input(i);
  if (!t) ctx.fail(std::string(what) + " must be a constant");
  return ints_of(*t);
}

bool all_constant(const OpContext& ctx, const std::vector<size_t>& inputs) {
  for (size_t i : inputs)
    if (!ctx.constant_input(i)) return false;
  return true;
}

// Output |out| gets |dtype| and |shape|; when the inputs are all constants it is folded:
// |fill| writes the bytes of the new constant.
template <typename Fill>
void set_or_fold(OpContext& ctx, size_t out, DType dtype, const Dims& shape, const std::vector<size_t>& inputs,
                 Fill fill) {
  kshape(ctx, shape);  // rank check
  if (!all_constant(ctx, inputs)) {
    ctx.set_output(out, dtype, shape);
    return;
  }
  Tensor t;
  t.dtype = dtype;
  t.shape = shape;
  t.data.resize(size_t(t.num_elements()) * dtype_size(dtype));
  fill(t.data.data());
  ctx.set_constant_output(out, std::move(t));
}

const void* data_of(const OpContext& ctx, size_t i) { return ctx.constant_input(i)->data.data(); }
size_t elem_of(const OpContext& ctx, size_t i) { return dtype_size(ctx.input(i).dtype); }

void require_index_input(const OpContext& ctx, size_t i) {
  DType t = ctx.input(i).dtype;
  if (t != DType::I32 && t != DType::I64) ctx.fail(std::string("indices have dtype ") + dtype_name(t) + ", expected i32 or i64");
}

template <Opcode kOp>
void select_unary_move(OpContext& ctx, Selection* s) {
  s->opcode = kOp;
  s->values = {ctx.instr().outputs[0], ctx.instr().inputs[0]};
}

//===----------------------------------------------------------------------===//
// Transpose, DepthToSpace, SpaceToDepth: a permutation of a view of the input
//===----------------------------------------------------------------------===//

struct PermutePlan {
  Dims view;
  std::vector<int32_t> perm;
  Dims out;
};

PermutePlan plan_transpose(const OpContext& ctx) {
  ctx.require_inputs(1, 1);
  PermutePlan p;
  p.view = ctx.input(0).shape;
  int64_t rank = int64_t(p.view.size());
  std::vector<int64_t> perm = ctx.attr_ints("perm", {});
  if (!ctx.has_attr("perm"))
    for (int64_t k = rank - 1; k >= 0; --k) perm.push_back(k);
  if (int64_t(perm.size()) != rank) ctx.fail("perm has " + std::to_string(perm.size()) + " entries for rank " + std::to_string(rank));
  std::vector<bool> seen(size_t(rank), false);
  for (int64_t v : perm) {
    int64_t k = normalize_axis(ctx, v, rank);
    if (seen[size_t(k)]) ctx.fail("perm is not a permutation");
    seen[size_t(k)] = true;
    p.perm.push_back(int32_t(k));
    p.out.push_back(p.view[size_t(k)]);
  }
  return p;
}

// [N, C, H, W] and the block size, checked.
void block_geometry(const OpContext& ctx, int64_t* n, int64_t* c, int64_t* h, int64_t* w, int64_t* b) {
  ctx.require_inputs(1, 1);
  const Dims& x = ctx.input(0).shape;
  if (x.size() != 4) ctx.fail("input must be 4-D NCHW");
  *n = x[0], *c = x[1], *h = x[2], *w = x[3];
  *b = ctx.attr_int("blocksize", 0);
  if (*b < 1) ctx.fail("blocksize must be >= 1");
}

PermutePlan plan_depth_to_space(const OpContext& ctx) {
  int64_t n, c, h, w, b;
  block_geometry(ctx, &n, &c, &h, &w, &b);
  if (c % (b * b) != 0) ctx.fail("channels " + std::to_string(c) + " are not a multiple of blocksize^2");
  std::string mode = ctx.attr_string("mode", "DCR");
  PermutePlan p;
  if (mode == "DCR") {
    p.view = {n, b, b, c / (b * b), h, w};
    p.perm = {0, 3, 4, 1, 5, 2};
  } else if (mode == "CRD") {
    p.view = {n, c / (b * b), b, b, h, w};
    p.perm = {0, 1, 4, 2, 5, 3};
  } else {
    ctx.fail("mode '" + mode + "' is not defined");
  }
  p.out = {n, c / (b * b), h * b, w * b};
  return p;
}

PermutePlan plan_space_to_depth(const OpContext& ctx) {
  int64_t n, c, h, w, b;
  block_geometry(ctx, &n, &c, &h, &w, &b);
  if (h % b != 0 || w % b != 0) ctx.fail("spatial extents are not multiples of blocksize");
  std::string mode = ctx.attr_string("mode", "DCR");  // opset 24 adds CRD
  PermutePlan p;
  p.view = {n, c, h / b, b, w / b, b};
  if (mode == "DCR")
    p.perm = {0, 3, 5, 1, 2, 4};  // channel (i * b + j) * C + c
  else if (mode == "CRD")
    p.perm = {0, 1, 3, 5, 2, 4};  // channel c * b * b + i * b + j
  else
    ctx.fail("mode '" + mode + "' is not defined");
  p.out = {n, c * b * b, h / b, w / b};
  return p;
}

template <PermutePlan (*kPlan)(const OpContext&)>
void infer_permute(OpContext& ctx) {
  require_single_output(ctx);
  PermutePlan p = kPlan(ctx);
  set_or_fold(ctx, 0, ctx.input(0).dtype, p.out, {0}, [&](uint8_t* y) {
    kernels::transpose(kshape(ctx, p.view), p.perm.data(), elem_of(ctx, 0), data_of(ctx, 0), y);
  });
}

template <PermutePlan (*kPlan)(const OpContext&)>
void select_permute(OpContext& ctx, Selection* s) {
  PermutePlan p = kPlan(ctx);
  kshape(ctx, p.view);
  s->opcode = Opcode::TRANSPOSE;
  s->values = {ctx.instr().outputs[0], ctx.instr().inputs[0]};
  s->record = {int32_t(p.view.size())};
  for (int64_t d : p.view) s->record.push_back(to_i32(ctx, d, "extent"));
  s->record.insert(s->record.end(), p.perm.begin(), p.perm.end());
}

//===----------------------------------------------------------------------===//
// Concat, Split
//===----------------------------------------------------------------------===//

// Concat's axis, checked against every input; |out| receives the result shape.
int64_t plan_concat(const OpContext& ctx, Dims* out) {
  if (ctx.num_inputs() < 1) ctx.fail("Concat needs at least one input");
  const Dims& first = ctx.input(0).shape;
  int64_t axis = concat_axis(ctx, int64_t(first.size()));
  *out = first;
  (*out)[size_t(axis)] = 0;
  for (size_t i = 0; i < ctx.num_inputs(); ++i) {
    const Value& v = ctx.input(i);
    if (v.dtype != ctx.input(0).dtype) ctx.fail("inputs differ in dtype");
    if (v.shape.size() != first.size()) ctx.fail("inputs differ in rank");
    for (size_t k = 0; k < first.size(); ++k)
      if (int64_t(k) != axis && v.shape[k] != first[k])
        ctx.fail("input " + std::to_string(i) + " has shape " + dims_str(v.shape) + ", which differs from " +
                 dims_str(first) + " off axis " + std::to_string(axis));
    (*out)[size_t(axis)] += v.shape[size_t(axis)];
  }
  return axis;
}

void infer_concat(OpContext& ctx) {
  require_single_output(ctx);
  Dims out;
  int64_t axis = plan_concat(ctx, &out);
  std::vector<size_t> inputs;
  for (size_t i = 0; i < ctx.num_inputs(); ++i) inputs.push_back(i);
  set_or_fold(ctx, 0, ctx.input(0).dtype, out, inputs, [&](uint8_t* y) {
    int64_t offset = 0;
    for (size_t i : inputs) {
      kernels::concat_part(kshape(ctx, ctx.input(i).shape), kshape(ctx, out), int(axis), offset, elem_of(ctx, 0),
                           data_of(ctx, i), y);
      offset += ctx.input(i).shape[size_t(axis)];
    }
  });
}

void select_concat(OpContext& ctx, Selection* s) {
  Dims out;
  int64_t axis = plan_concat(ctx, &out);
  if (ctx.num_inputs() == 1) {  // a copy (each DenseNet block starts with one): forward_copies drops it
    s->opcode = Opcode::MOV;
    s->values = {ctx.instr().outputs[0], ctx.instr().inputs[0]};
    return;
  }
  s->opcode = Opcode::CONCAT;
  s->values = {ctx.instr().outputs[0]};
  s->record = {int32_t(axis)};
  for (size_t i = 0; i < ctx.num_inputs(); ++i) {
    s->record_regs.push_back({int(s->record.size()), ctx.instr().inputs[i]});
    s->record.push_back(isa::kNoRegister);  // filled with the register at emission
  }
}

// Split's axis and the extent of each output along it.
int64_t plan_split(OpContext& ctx, std::vector<int64_t>* sizes) {
  ctx.require_inputs(1, 2);
  const Dims& x = ctx.input(0).shape;
  int64_t axis = normalize_axis(ctx, ctx.attr_int("axis", 0), int64_t(x.size()));
  int64_t dim = x[size_t(axis)], outputs = int64_t(ctx.instr().outputs.size());
  if (ctx.has_input(1)) {
    *sizes = const_ints(ctx, 1, "the split input");
  } else if (ctx.has_attr("split")) {
    *sizes = ctx.attr_ints("split", {});
  } else {
    int64_t n = ctx.attr_int("num_outputs", outputs);
    if (n != outputs) ctx.fail("num_outputs " + std::to_string(n) + " differs from the " + std::to_string(outputs) + " outputs");
    if (n < 1) ctx.fail("Split needs at least one output");
    int64_t part = ctx.has_attr("num_outputs") ? (dim + n - 1) / n : dim / n;  // opset 18: the last part is smaller
    if (!ctx.has_attr("num_outputs") && dim % n != 0)
      ctx.fail("extent " + std::to_string(dim) + " does not split evenly into " + std::to_string(n) + " outputs");
    sizes->clear();
    for (int64_t i = 0, left = dim; i < n; ++i, left -= part) sizes->push_back(std::max<int64_t>(0, std::min(part, left)));
  }
  if (int64_t(sizes->size()) != outputs) ctx.fail("split lists " + std::to_string(sizes->size()) + " sizes for " + std::to_string(outputs) + " outputs");
  int64_t sum = 0;
  for (int64_t v : *sizes) {
    if (v < 0) ctx.fail("negative split size");
    sum += v;
  }
  if (sum != dim) ctx.fail("split sizes sum to " + std::to_string(sum) + ", the axis has " + std::to_string(dim));
  return axis;
}

void infer_split(OpContext& ctx) {
  std::vector<int64_t> sizes;
  int64_t axis = plan_split(ctx, &sizes);
  const Dims& x = ctx.input(0).shape;
  int64_t offset = 0;
  for (size_t i = 0; i < sizes.size(); ++i) {
    Dims part = x;
    part[size_t(axis)] = sizes[i];
    set_or_fold(ctx, i, ctx.input(0).dtype, part, {0}, [&](uint8_t* y) {
      kernels::split_part(kshape(ctx, x), kshape(ctx, part), int(axis), offset, elem_of(ctx, 0), data_of(ctx, 0), y);
    });
    offset += sizes[i];
  }
}

void select_split(OpContext& ctx, Selection* s) {
  std::vector<int64_t> sizes;
  int64_t axis = plan_split(ctx, &sizes);
  s->opcode = Opcode::SPLIT;
  s->values = {ctx.instr().inputs[0]};
  s->record = {int32_t(axis)};
  for (int out : ctx.instr().outputs) {
    s->record_regs.push_back({int(s->record.size()), out});
    s->record.push_back(isa::kNoRegister);
  }
}

//===----------------------------------------------------------------------===//
// Slice
//===----------------------------------------------------------------------===//

struct SlicePlan {
  std::vector<int64_t> start, step;  // per axis of the input
  Dims out;
};

SlicePlan plan_slice(const OpContext& ctx) {
  const Dims& x = ctx.input(0).shape;
  int64_t rank = int64_t(x.size());
  std::vector<int64_t> starts, ends, axes, steps;
  if (ctx.opset() >= 10) {
    ctx.require_inputs(3, 5);
    starts = const_ints(ctx, 1, "starts");
    ends = const_ints(ctx, 2, "ends");
    if (ctx.has_input(3)) axes = const_ints(ctx, 3, "axes");
    if (ctx.has_input(4)) steps = const_ints(ctx, 4, "steps");
  } else {
    ctx.require_inputs(1, 1);
    starts = ctx.attr_ints("starts", {});
    ends = ctx.attr_ints("ends", {});
    axes = ctx.attr_ints("axes", {});
  }
  if (axes.empty())
    for (size_t i = 0; i < starts.size(); ++i) axes.push_back(int64_t(i));
  if (steps.empty()) steps.assign(starts.size(), 1);
  if (ends.size() != starts.size() || axes.size() != starts.size() || steps.size() != starts.size())
    ctx.fail("starts, ends, axes and steps differ in length");
  SlicePlan p{std::vector<int64_t>(size_t(rank), 0), std::vector<int64_t>(size_t(rank), 1), x};
  std::vector<bool> seen(size_t(rank), false);
  for (size_t i = 0; i < starts.size(); ++i) {
    size_t k = size_t(normalize_axis(ctx, axes[i], rank));
    if (seen[k]) ctx.fail("axis " + std::to_string(axes[i]) + " is sliced twice");
    seen[k] = true;
    int64_t dim = x[k], st = steps[i], b = starts[i], e = ends[i];
    if (st == 0) ctx.fail("step 0 on axis " + std::to_string(axes[i]));
    st = std::clamp<int64_t>(st, -(dim + 1), dim + 1);  // a longer stride takes one element all the same
    if (b < 0) b += dim;
    if (e < 0) e += dim;
    int64_t count;
    if (st > 0) {
      b = std::clamp<int64_t>(b, 0, dim);
      e = std::clamp<int64_t>(e, 0, dim);
      count = e > b ? (e - b - 1) / st + 1 : 0;
    } else {
      b = std::clamp<int64_t>(b, 0, dim - 1);
      e = std::clamp<int64_t>(e, -1, dim - 1);
      count = b > e ? (b - e - 1) / -st + 1 : 0;
    }
    p.out[k] = count;
    p.start[k] = count > 0 ? b : 0;
    p.step[k] = count > 1 ? st : 1;  // a step never taken need not fit a record word
  }
  return p;
}

void infer_slice(OpContext& ctx) {
  require_single_output(ctx);
  SlicePlan p = plan_slice(ctx);
  set_or_fold(ctx, 0, ctx.input(0).dtype, p.out, {0}, [&](uint8_t* y) {
    kernels::slice(kshape(ctx, ctx.input(0).shape), kshape(ctx, p.out), p.start.data(), p.step.data(), elem_of(ctx, 0),
                   data_of(ctx, 0), y);
  });
}

void select_slice(OpContext& ctx, Selection* s) {
  SlicePlan p = plan_slice(ctx);
  s->opcode = Opcode::SLICE;
  s->values = {ctx.instr().outputs[0], ctx.instr().inputs[0]};
  for (size_t k = 0; k < p.start.size(); ++k) {
    s->record.push_back(to_i32(ctx, p.start[k], "slice start"));
    s->record.push_back(to_i32(ctx, p.step[k], "slice step"));
  }
}

//===----------------------------------------------------------------------===//
// Gather, GatherElements
//===----------------------------------------------------------------------===//

int64_t gather_axis(const OpContext& ctx) {
  ctx.require_inputs(2, 2);
  require_index_input(ctx, 1);
  return normalize_axis(ctx, ctx.attr_int("axis", 0), int64_t(ctx.input(0).shape.size()));
}

void infer_gather(OpContext& ctx) {
  require_single_output(ctx);
  int64_t axis = gather_axis(ctx);
  const Dims &x = ctx.input(0).shape, &idx = ctx.input(1).shape;
  Dims out(x.begin(), x.begin() + axis);
  out.insert(out.end(), idx.begin(), idx.end());
  out.insert(out.end(), x.begin() + axis + 1, x.end());
  int64_t outer = 1, inner = 1, count = 1;
  for (int64_t k = 0; k < axis; ++k) outer *= x[size_t(k)];
  for (size_t k = size_t(axis) + 1; k < x.size(); ++k) inner *= x[k];
  for (int64_t d : idx) count *= d;
  set_or_fold(ctx, 0, ctx.input(0).dtype, out, {0, 1}, [&](uint8_t* y) {
    kernels::gather(outer, x[size_t(axis)], inner, data_of(ctx, 1), ctx.input(1).dtype == DType::I64, count,
                    elem_of(ctx, 0), data_of(ctx, 0), y);
  });
}

void infer_gather_elements(OpContext& ctx) {
  require_single_output(ctx);
  int64_t axis = gather_axis(ctx);
  const Dims &x = ctx.input(0).shape, &idx = ctx.input(1).shape;
  if (idx.size() != x.size()) ctx.fail("indices and data differ in rank");
  for (size_t k = 0; k < x.size(); ++k)
    if (int64_t(k) != axis && idx[k] > x[k]) ctx.fail("indices " + dims_str(idx) + " exceed the data " + dims_str(x) + " off the axis");
  set_or_fold(ctx, 0, ctx.input(0).dtype, idx, {0, 1}, [&](uint8_t* y) {
    kernels::gather_elements(kshape(ctx, x), kshape(ctx, idx), int(axis), data_of(ctx, 1),
                             ctx.input(1).dtype == DType::I64, elem_of(ctx, 0), data_of(ctx, 0), y);
  });
}

template <Opcode kOp>
void select_gather(OpContext& ctx, Selection* s) {
  s->opcode = kOp;
  s->values = {ctx.instr().outputs[0], ctx.instr().inputs[0], ctx.instr().inputs[1]};
  s->immediate = int32_t(gather_axis(ctx));
}

//===----------------------------------------------------------------------===//
// Expand, Tile
//===----------------------------------------------------------------------===//

void infer_expand(OpContext& ctx) {
  ctx.require_inputs(2, 2);
  require_single_output(ctx);
  Dims shape = const_ints(ctx, 1, "the shape input"), out;
  if (!isa::broadcast_shapes(ctx.input(0).shape, shape, &out))
    ctx.fail(dims_str(ctx.input(0).shape) + " does not broadcast with " + dims_str(shape));
  set_or_fold(ctx, 0, ctx.input(0).dtype, out, {0}, [&](uint8_t* y) {
    kernels::expand(kshape(ctx, ctx.input(0).shape), kshape(ctx, out), elem_of(ctx, 0), data_of(ctx, 0), y);
  });
}

void infer_tile(OpContext& ctx) {
  ctx.require_inputs(2, 2);
  require_single_output(ctx);
  const Dims& x = ctx.input(0).shape;
  Dims reps = const_ints(ctx, 1, "repeats"), out;
  if (reps.size() != x.size()) ctx.fail("repeats has " + std::to_string(reps.size()) + " entries for rank " + std::to_string(x.size()));
  for (size_t k = 0; k < x.size(); ++k) {
    if (reps[k] < 0) ctx.fail("negative repeat");
    out.push_back(x[k] * reps[k]);
  }
  set_or_fold(ctx, 0, ctx.input(0).dtype, out, {0}, [&](uint8_t* y) {
    kernels::tile(kshape(ctx, x), kshape(ctx, out), elem_of(ctx, 0), data_of(ctx, 0), y);
  });
}

//===----------------------------------------------------------------------===//
// Pad, Trilu
//===----------------------------------------------------------------------===//

struct PadPlan {
  kernels::PadMode mode = kernels::PadMode::Constant;
  std::vector<int64_t> begin;
  Dims out;
  uint8_t value[8] = {};  // in the data's dtype
};

// |v| in |dtype|'s representation (the pre-11 'value' attribute is a float), converted as
// CAST converts.
void value_bytes(const OpContext& ctx, DType dtype, double v, uint8_t* out) {
  if (dtype_size(dtype) == 0 || dtype_size(dtype) > 8) ctx.fail(std::string("a pad value for ") + dtype_name(dtype) + " is not supported");
  kernels::cast_reference(DType::F64, dtype, 1, &v, out);
}

PadPlan plan_pad(const OpContext& ctx) {
  const Dims& x = ctx.input(0).shape;
  int64_t rank = int64_t(x.size());
  PadPlan p;
  std::string mode = ctx.attr_string("mode", "constant");
  if (mode == "reflect") p.mode = kernels::PadMode::Reflect;
  else if (mode == "edge") p.mode = kernels::PadMode::Edge;
  else if (mode == "wrap") p.mode = kernels::PadMode::Wrap;
  else if (mode != "constant") ctx.fail("pad mode '" + mode + "' is not supported");
  std::vector<int64_t> pads, axes;
  if (ctx.opset() >= 11) {
    ctx.require_inputs(2, 4);
    pads = const_ints(ctx, 1, "pads");
    if (ctx.has_input(2)) {
      const Tensor* v = ctx.constant_input(2);
      if (!v) ctx.fail("constant_value must be a constant");
      if (v->dtype != ctx.input(0).dtype || v->num_elements() != 1) ctx.fail("constant_value must be one element of the data's dtype");
      std::memcpy(p.value, v->data.data(), dtype_size(v->dtype));
    }
    if (ctx.has_input(3)) axes = const_ints(ctx, 3, "axes");
  } else {
    ctx.require_inputs(1, 1);
    pads = ctx.attr_ints(ctx.opset() < 2 ? "paddings" : "pads", {});
    value_bytes(ctx, ctx.input(0).dtype, ctx.attr_float("value", 0.f), p.value);
  }
  if (axes.empty())
    for (int64_t k = 0; k < rank; ++k) axes.push_back(k);
  if (pads.size() != 2 * axes.size()) ctx.fail("pads has " + std::to_string(pads.size()) + " entries for " + std::to_string(axes.size()) + " axes");
  p.begin.assign(size_t(rank), 0);
  p.out = x;
  for (size_t i = 0; i < axes.size(); ++i) {
    size_t k = size_t(normalize_axis(ctx, axes[i], rank));
    int64_t b = pads[i], e = pads[i + axes.size()];
    p.begin[k] = b;
    p.out[k] = x[k] + b + e;
    if (p.out[k] < 0) ctx.fail("pads crop axis " + std::to_string(k) + " below zero");
    if (p.mode != kernels::PadMode::Constant && x[k] == 0 && p.out[k] > 0) ctx.fail(mode + " padding of an empty axis");
  }
  return p;
}

void infer_pad(OpContext& ctx) {
  require_single_output(ctx);
  PadPlan p = plan_pad(ctx);
  set_or_fold(ctx, 0, ctx.input(0).dtype, p.out, {0}, [&](uint8_t* y) {
    kernels::pad(kshape(ctx, ctx.input(0).shape), kshape(ctx, p.out), p.begin.data(), p.mode, p.value, elem_of(ctx, 0),
                 data_of(ctx, 0), y);
  });
}

void select_pad(OpContext& ctx, Selection* s) {
  PadPlan p = plan_pad(ctx);
  // All-zero pads (PyTorch exports one before each DenseNet transition pool): a copy, not a
  // pass of the pad kernel's index arithmetic.
  if (p.out == ctx.input(0).shape && std::all_of(p.begin.begin(), p.begin.end(), [](int64_t b) { return b == 0; })) {
    s->opcode = Opcode::MOV;
    s->values = {ctx.instr().outputs[0], ctx.instr().inputs[0]};
    return;
  }
  isa::PadAttrs h{int32_t(p.mode), 0, 0};
  std::memcpy(&h.value_lo, p.value, 4);
  std::memcpy(&h.value_hi, p.value + 4, 4);
  s->opcode = Opcode::PAD;
  s->values = {ctx.instr().outputs[0], ctx.instr().inputs[0]};
  s->record = words_of(h);
  for (int64_t b : p.begin) s->record.push_back(to_i32(ctx, b, "pad"));
}

// Trilu's k, clamped to where it still changes the result (so it fits a record word). A k
// that is not a constant is read at run time (|*runtime| is set; the result is then 0).
int64_t trilu_k(const OpContext& ctx, bool* runtime) {
  ctx.require_inputs(1, 2);
  const Dims& x = ctx.input(0).shape;
  if (x.size() < 2) ctx.fail("Trilu needs rank >= 2");
  int64_t k = 0;
  *runtime = false;
  if (ctx.has_input(1)) {
    const Value& kv = ctx.input(1);
    int64_t n = 1;
    for (int64_t d : kv.shape) n *= d;
    if (kv.dtype != DType::I64 || n != 1) ctx.fail("k must be one i64");
    if (!ctx.constant_input(1)) {
      *runtime = true;
      return 0;
    }
    k = ctx.constant_input(1)->int_at(0);
  }
  int64_t rows = x[x.size() - 2], cols = x[x.size() - 1];
  return std::clamp<int64_t>(k, -(rows + 1), cols + 1);
}

void infer_trilu(OpContext& ctx) {
  require_single_output(ctx);
  bool runtime;
  int64_t k = trilu_k(ctx, &runtime);
  bool upper = ctx.attr_int("upper", 1) != 0;
  std::vector<size_t> inputs = {0};
  if (runtime) inputs.push_back(1);  // never constant: no folding
  set_or_fold(ctx, 0, ctx.input(0).dtype, ctx.input(0).shape, inputs, [&](uint8_t* y) {
    kernels::trilu(kshape(ctx, ctx.input(0).shape), upper, k, elem_of(ctx, 0), data_of(ctx, 0), y);
  });
}

void select_trilu(OpContext& ctx, Selection* s) {
  bool runtime;
  int64_t k = trilu_k(ctx, &runtime);
  isa::TriluAttrs t{ctx.attr_int("upper", 1) != 0 ? 1 : 0, to_i32(ctx, k, "k"), isa::kNoRegister};
  s->opcode = Opcode::TRILU;
  s->values = {ctx.instr().outputs[0], ctx.instr().inputs[0]};
  s->record = words_of(t);
  if (runtime) s->record_regs.push_back({2, ctx.instr().inputs[1]});
}

}  // namespace

std::span<const OpRule> data_op_rules() {
  static constexpr OpRule kRules[] = {
      {"Transpose", infer_permute<plan_transpose>, select_permute<plan_transpose>},
      {"DepthToSpace", infer_permute<plan_depth_to_space>, select_permute<plan_depth_to_space>},
      {"SpaceToDepth", infer_permute<plan_space_to_depth>, select_permute<plan_space_to_depth>},
      {"Concat", infer_concat, select_concat},
      {"Split", infer_split, select_split},
      {"Slice", infer_slice, select_slice},
      {"Gather", infer_gather, select_gather<Opcode::GATHER>},
      {"GatherElements", infer_gather_elements, select_gather<Opcode::GATHER_ELEMENTS>},
      {"Expand", infer_expand, select_unary_move<Opcode::EXPAND>},
      {"Tile", infer_tile, select_unary_move<Opcode::TILE>},
      {"Pad", infer_pad, select_pad},
      {"Trilu", infer_trilu, select_trilu},
  };
  return kRules;
}

}  // namespace aivm::compiler
