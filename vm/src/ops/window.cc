// Windows over NCHW: conv (the superinstruction with bias and a fused activation), max and
// average pooling. A 1-D window runs on a [N, C, W] tensor viewed as [N, C, 1, W] (the record's
// height part must then map an extent of 1 to 1).
#include <algorithm>
#include <vector>

#include "kernels/conv/conv.h"
#include "kernels/pool/pool.h"
#include "vm/src/op_handlers.h"
#include "vm/src/verify_util.h"

namespace aivm::vm {
namespace {

// A rank-3 [N, C, W] tensor as [N, C, 1, W]; rank 4 as it is.
kernels::Shape nchw_view(const kernels::Shape& s) {
  if (s.rank != 3) return s;
  kernels::Shape v;
  v.rank = 4;
  v.dims[0] = s.dims[0], v.dims[1] = s.dims[1], v.dims[2] = 1, v.dims[3] = s.dims[2];
  return v;
}

// The window geometry maps |x| ([N, C, H, W] or [N, C, W]) to the spatial extents of |y|.
// Specialising: binds an unknown output of a 2-D window op to [N, channels, out extents]. Only
// where floor and ceil mode agree (the record does not say which one the pool used).
aivm_status_t bind_window_output(const Site& s, const isa::Window2d& w, uint32_t xr, int64_t channels, uint32_t yr) {
  const RegisterInfo& x = s.reg(xr);
  if (!unknown_shape(s, yr) || !isa::window_valid(w) || (x.shape.rank != 4 && x.shape.rank != 3)) return AIVM_OK;
  const kernels::Shape xv = nchw_view(x.shape);
  Dims out = {xv.dims[0], channels};
  for (int axis = x.shape.rank == 4 ? 0 : 1; axis < 2; ++axis) {
    int64_t in = xv.dims[2 + axis], k = axis ? w.kernel_w : w.kernel_h, st = axis ? w.stride_w : w.stride_h;
    int64_t pb = axis ? w.pad_left : w.pad_top, pe = axis ? w.pad_right : w.pad_bottom, d = axis ? w.dilation_w : w.dilation_h;
    int64_t lo = isa::window_out_extent(in, k, st, pb, pe, d, false), hi = isa::window_out_extent(in, k, st, pb, pe, d, true);
    if (lo != hi) return s.error("the output extent is ambiguous (floor or ceil mode) and cannot be inferred");
    out.push_back(lo);
  }
  return require_shape(s, yr, out);
}

aivm_status_t window_extents(const Site& s, const isa::Window2d& w, const RegisterInfo& x, bool allow_ceil,
                             const RegisterInfo& y) {
  if (!isa::window_valid(w)) return s.error("invalid window geometry (kernel, stride, dilation >= 1, pads >= 0)");
  if ((x.shape.rank != 4 && x.shape.rank != 3) || y.shape.rank != x.shape.rank)
    return s.error("input and output must both be 4-D NCHW or 3-D NCW");
  const kernels::Shape xv = nchw_view(x.shape), yv = nchw_view(y.shape);
  for (int axis = 0; axis < 2; ++axis) {
    int64_t in = xv.dims[2 + axis], got = yv.dims[2 + axis];
    int64_t k = axis ? w.kernel_w : w.kernel_h, st = axis ? w.stride_w : w.stride_h;
    int64_t pb = axis ? w.pad_left : w.pad_top, pe = axis ? w.pad_right : w.pad_bottom;
    int64_t d = axis ? w.dilation_w : w.dilation_h;
    int64_t floor_out = isa::window_out_extent(in, k, st, pb, pe, d, false);
    int64_t ceil_out = isa::window_out_extent(in, k, st, pb, pe, d, true);
    if (floor_out < 1 || !(got == floor_out || (allow_ceil && got == ceil_out)))
      return s.error("output spatial extent " + std::to_string(got) + " does not follow from input " +
                     std::to_string(in) + " and the window");
  }
  return AIVM_OK;
}

}  // namespace

aivm_status_t verify_CONV(const Site& s, const isa::Instr& in) {
  isa::ConvAttrs c;
  if (!isa::conv_attrs_from(s.f.record(in.d), s.f.record_size(in.d), &c))
    return s.error("attribute record @" + std::to_string(in.d) + " has " + std::to_string(s.f.record_size(in.d)) +
                   " words, expected " + std::to_string(isa::kAttrWords<isa::ConvAttrs>) + " (or " +
                   std::to_string(isa::kConvAttrsWordsV33) + " before ISA 3.4, " +
                   std::to_string(isa::kConvAttrsWordsV32) + " before 3.3)");
  AIVM_RETURN_IF_ERROR(require_writable(s, in.a));
  for (auto [r, name] : {std::pair{in.a, "A"}, {in.b, "B"}, {in.c, "C"}}) AIVM_RETURN_IF_ERROR(require_f32(s, r, name));
  AIVM_RETURN_IF_ERROR(check_activation(s, c.act));
  AIVM_RETURN_IF_ERROR(check_bias(s, c.bias));
  AIVM_RETURN_IF_ERROR(check_bias(s, c.residual, "residual"));
  if (s.reg(in.c).shape.rank >= 1) AIVM_RETURN_IF_ERROR(bind_window_output(s, c.window, in.b, s.reg(in.c).shape.dims[0], in.a));
  const RegisterInfo &x = s.reg(in.b), &w = s.reg(in.c), &y = s.reg(in.a);
  AIVM_RETURN_IF_ERROR(window_extents(s, c.window, x, false, y));
  if (w.shape.rank != x.shape.rank) return s.error("weights must be [K, C/group, kh, kw] (or [K, C/group, kw] for 1-D)");
  const kernels::Shape wv = nchw_view(w.shape);
  int64_t k = w.shape.dims[0];
  if (c.group < 1 || x.shape.dims[1] % c.group != 0 || k % c.group != 0 || w.shape.dims[1] * c.group != x.shape.dims[1])
    return s.error("group " + std::to_string(c.group) + " does not divide the channels consistently");
  if (wv.dims[2] != c.window.kernel_h || wv.dims[3] != c.window.kernel_w)
    return s.error("weight kernel extent differs from the attribute record");
  if (y.shape.dims[0] != x.shape.dims[0]) return s.error("output batch mismatch");
  if (c.out_channel_offset < 0 || c.out_channel_offset + k > y.shape.dims[1])
    return s.error("the conv's " + std::to_string(k) + " output channels from channel " +
                   std::to_string(c.out_channel_offset) + " do not fit the output's " +
                   std::to_string(y.shape.dims[1]));
  if (y.shape.dims[1] != k && c.residual != isa::kNoRegister)
    return s.error("a residual needs the conv to write all of its output's channels");
  if (c.bias != isa::kNoRegister && dims_of(s.reg(uint32_t(c.bias))) != Dims{k})
    return s.error("bias must have shape [" + std::to_string(k) + "]");
  if (c.residual != isa::kNoRegister) {
    AIVM_RETURN_IF_ERROR(require_shape(s, uint32_t(c.residual), dims_of(y)));
    if (uint32_t(c.residual) == in.a) return s.error("the residual register must not be the output");
  }
  return AIVM_OK;
}

namespace {

// K is the weights' output channels: A may have more (the conv then writes a slice of them).
kernels::Conv2dParams conv_params(const Function& f, uint64_t w, isa::ConvAttrs* attrs) {
  isa::conv_attrs_from(f.record(AIVM_FIELD_D(w)), f.record_size(AIVM_FIELD_D(w)), attrs);  // length verified
  const kernels::Shape x = nchw_view(f.registers[AIVM_FIELD_B(w)].shape), y = nchw_view(f.registers[AIVM_FIELD_A(w)].shape);
  const int64_t k = f.registers[AIVM_FIELD_C(w)].shape.dims[0];
  return {x.dims[0], x.dims[1], x.dims[2], x.dims[3], k, y.dims[2], y.dims[3], attrs->group, attrs->window};
}

}  // namespace

void prepare_conv_weights(Function* f, std::vector<std::vector<float>>* storage) {
  for (size_t pc = 0; pc < f->code_size; ++pc) {
    const uint64_t w = f->code[pc];
    if (AIVM_OPCODE(w) != uint8_t(isa::Opcode::CONV)) continue;
    const RegisterInfo& weights = f->registers[AIVM_FIELD_C(w)];
    if (!weights.is_constant) continue;  // computed weights are packed by each run
    isa::ConvAttrs attrs;
    const kernels::Conv2dParams p = conv_params(*f, w, &attrs);
    const uint8_t layout = uint8_t(kernels::conv2d_packing(p));
    if (!f->prepared.empty() && f->prepared[pc] && f->prepared_layout[pc] == layout) continue;
    if (!f->prepared.empty()) f->prepared[pc] = nullptr;  // another layout's: not for these shapes
    const size_t bytes = kernels::conv2d_packed_weights_bytes(p);
    if (!bytes) continue;
    std::vector<float> packed(bytes / sizeof(float));
    kernels::conv2d_pack_weights(p, reinterpret_cast<const float*>(weights.constant_data), packed.data());
    if (f->prepared.empty()) {
      f->prepared.assign(f->code_size, nullptr);
      f->prepared_layout.assign(f->code_size, 0);
    }
    f->prepared[pc] = packed.data();
    f->prepared_layout[pc] = layout;
    storage->push_back(std::move(packed));  // the buffer moves, its address stays
  }
}

const uint64_t* exec_CONV(const Frame& fr, uint64_t w, const uint64_t* next) {
  uint32_t a = AIVM_FIELD_A(w), b = AIVM_FIELD_B(w), c = AIVM_FIELD_C(w);
  isa::ConvAttrs ca;
  kernels::Conv2dParams p = conv_params(*fr.f, w, &ca);
  const float* bias = ca.bias == isa::kNoRegister ? nullptr : fr.f32(uint32_t(ca.bias));
  const float* residual = ca.residual == isa::kNoRegister ? nullptr : fr.f32(uint32_t(ca.residual));
  const size_t pc = size_t(next - 1 - fr.f->code);
  const void* packed = fr.f->prepared.empty() ? nullptr : fr.f->prepared[pc];
  const int64_t out_channels = nchw_view(fr.shape(a)).dims[1], plane = p.OH * p.OW;
  if (out_channels == p.K) {
    kernels::conv2d_f32_prepacked(p, fr.f32(b), fr.f32(c), packed, bias, residual, kernel_activation(ca.act),
                                  fr.f32(a), fr.pool);
    return next;
  }
  // A slice of A's channels: image by image, as each image's slice is contiguous.
  const int64_t images = p.N;
  p.N = 1;
  for (int64_t n = 0; n < images; ++n)
    kernels::conv2d_f32_prepacked(p, fr.f32(b) + n * p.C * p.H * p.W, fr.f32(c), packed, bias, nullptr,
                                  kernel_activation(ca.act),
                                  fr.f32(a) + (n * out_channels + ca.out_channel_offset) * plane, fr.pool);
  return next;
}

aivm_status_t verify_MAXPOOL(const Site& s, const isa::Instr& in) {
  isa::PoolAttrs p;
  AIVM_RETURN_IF_ERROR(read_record(s, in.d, &p));
  AIVM_RETURN_IF_ERROR(require_writable(s, in.a));
  AIVM_RETURN_IF_ERROR(require_f32(s, in.a, "A"));
  AIVM_RETURN_IF_ERROR(require_f32(s, in.b, "B"));
  if (s.reg(in.b).shape.rank >= 2) AIVM_RETURN_IF_ERROR(bind_window_output(s, p.window, in.b, s.reg(in.b).shape.dims[1], in.a));
  const RegisterInfo &x = s.reg(in.b), &y = s.reg(in.a);
  AIVM_RETURN_IF_ERROR(window_extents(s, p.window, x, true, y));
  if (y.shape.dims[0] != x.shape.dims[0] || y.shape.dims[1] != x.shape.dims[1])
    return s.error("output batch or channels mismatch");
  return AIVM_OK;
}

const uint64_t* exec_MAXPOOL(const Frame& fr, uint64_t w, const uint64_t* next) {
  uint32_t a = AIVM_FIELD_A(w), b = AIVM_FIELD_B(w);
  isa::PoolAttrs pa = exec_record<isa::PoolAttrs>(fr, AIVM_FIELD_D(w));
  const kernels::Shape x = nchw_view(fr.shape(b)), y = nchw_view(fr.shape(a));
  kernels::Pool2dParams p{x.dims[0], x.dims[1], x.dims[2], x.dims[3], y.dims[2], y.dims[3], pa.window};
  kernels::maxpool2d_f32(p, fr.f32(b), fr.f32(a), fr.pool);
  return next;
}

aivm_status_t verify_AVGPOOL(const Site& s, const isa::Instr& in) {
  isa::AvgPoolAttrs p;
  AIVM_RETURN_IF_ERROR(read_record(s, in.d, &p));
  AIVM_RETURN_IF_ERROR(require_writable(s, in.a));
  AIVM_RETURN_IF_ERROR(require_f32(s, in.a, "A"));
  AIVM_RETURN_IF_ERROR(require_f32(s, in.b, "B"));
  if (p.count_include_pad != 0 && p.count_include_pad != 1) return s.error("count_include_pad must be 0 or 1");
  if (s.reg(in.b).shape.rank >= 2) AIVM_RETURN_IF_ERROR(bind_window_output(s, p.window, in.b, s.reg(in.b).shape.dims[1], in.a));
  const RegisterInfo &x = s.reg(in.b), &y = s.reg(in.a);
  AIVM_RETURN_IF_ERROR(window_extents(s, p.window, x, true, y));
  if (y.shape.dims[0] != x.shape.dims[0] || y.shape.dims[1] != x.shape.dims[1])
    return s.error("output batch or channels mismatch");
  return AIVM_OK;
}

const uint64_t* exec_AVGPOOL(const Frame& fr, uint64_t w, const uint64_t* next) {
  uint32_t a = AIVM_FIELD_A(w), b = AIVM_FIELD_B(w);
  isa::AvgPoolAttrs pa = exec_record<isa::AvgPoolAttrs>(fr, AIVM_FIELD_D(w));
  const kernels::Shape x = nchw_view(fr.shape(b)), y = nchw_view(fr.shape(a));
  kernels::Pool2dParams p{x.dims[0], x.dims[1], x.dims[2], x.dims[3], y.dims[2], y.dims[3], pa.window};
  kernels::avgpool2d_f32(p, pa.count_include_pad != 0, fr.f32(b), fr.f32(a), fr.pool);
  return next;
}

//===----------------------------------------------------------------------===//
// POOL: N-D windows
//===----------------------------------------------------------------------===//

namespace {

isa::WindowAxis window_axis(const int32_t* tail, int k) {
  isa::WindowAxis a;
  std::memcpy(&a, tail + k * isa::kAttrWords<isa::WindowAxis>, sizeof(a));
  return a;
}

// Each spatial extent of |y| follows from |x|'s through the record's axis geometry.
aivm_status_t nd_window_extents(const Site& s, const int32_t* tail, int r, const kernels::Shape& x,
                                const kernels::Shape& y, bool allow_ceil) {
  for (int k = 0; k < r; ++k) {
    isa::WindowAxis a = window_axis(tail, k);
    int64_t in = x.dims[2 + k], got = y.dims[2 + k];
    int64_t floor_out = isa::window_out_extent(in, a.kernel, a.stride, a.pad_begin, a.pad_end, a.dilation, false);
    int64_t ceil_out = isa::window_out_extent(in, a.kernel, a.stride, a.pad_begin, a.pad_end, a.dilation, true);
    if (floor_out < 1 || !(got == floor_out || (allow_ceil && got == ceil_out)))
      return s.error("spatial axis " + std::to_string(k) + ": output extent " + std::to_string(got) +
                     " does not follow from input " + std::to_string(in) + " and the window");
  }
  return AIVM_OK;
}

kernels::PoolNdParams pool_nd_params(const isa::PoolNdAttrs& h, const int32_t* tail, const kernels::Shape& x,
                                     const kernels::Shape& y) {
  kernels::PoolNdParams p{};
  p.N = x.dims[0], p.C = x.dims[1];
  p.spatial_rank = h.spatial_rank;
  for (int k = 0; k < h.spatial_rank; ++k) {
    isa::WindowAxis a = window_axis(tail, k);
    p.axes[k] = {x.dims[2 + k], y.dims[2 + k], a.kernel, a.stride, a.pad_begin, a.pad_end, a.dilation};
  }
  p.kind = kernels::PoolKind(h.kind);
  p.count_include_pad = h.count_include_pad != 0;
  p.p = h.p;
  return p;
}

}  // namespace

aivm_status_t verify_POOL(const Site& s, const isa::Instr& in) {
  AIVM_RETURN_IF_ERROR(require_writable(s, in.a));
  AIVM_RETURN_IF_ERROR(require_f32(s, in.a, "A"));
  AIVM_RETURN_IF_ERROR(require_f32(s, in.b, "B"));
  const kernels::Shape &x = s.reg(in.b).shape, &y = s.reg(in.a).shape;
  uint32_t n = s.f.record_size(in.d);
  if (n < isa::kAttrWords<isa::PoolNdAttrs>) return s.error("attribute record too short for the pool header");
  isa::PoolNdAttrs h;
  std::memcpy(&h, s.f.record(in.d), sizeof(h));
  if (h.spatial_rank < 1 || h.spatial_rank != x.rank - 2 || y.rank != x.rank)
    return s.error("spatial rank " + std::to_string(h.spatial_rank) + " does not fit input rank " +
                   std::to_string(x.rank) + " and output rank " + std::to_string(y.rank));
  if (n != isa::kAttrWords<isa::PoolNdAttrs> + uint32_t(h.spatial_rank) * isa::kAttrWords<isa::WindowAxis>)
    return s.error("attribute record needs one window axis per spatial axis");
  if (h.kind < 0 || h.kind >= int32_t(kernels::PoolKind::kCount)) return s.error("pool kind " + std::to_string(h.kind) + " is not defined");
  if (h.count_include_pad != 0 && h.count_include_pad != 1) return s.error("count_include_pad must be 0 or 1");
  if ((h.kind == int32_t(kernels::PoolKind::Lp)) != (h.p >= 1) || h.p < 0) return s.error("p must be >= 1 for Lp pooling only");
  if (y.dims[0] != x.dims[0] || y.dims[1] != x.dims[1]) return s.error("output batch or channels mismatch");
  return nd_window_extents(s, s.f.record(in.d) + isa::kAttrWords<isa::PoolNdAttrs>, h.spatial_rank, x, y, true);
}

const uint64_t* exec_POOL(const Frame& fr, uint64_t w, const uint64_t* next) {
  uint32_t a = AIVM_FIELD_A(w), b = AIVM_FIELD_B(w), d = AIVM_FIELD_D(w);
  isa::PoolNdAttrs h = exec_record<isa::PoolNdAttrs>(fr, d);
  const int32_t* tail = fr.f->record(d) + isa::kAttrWords<isa::PoolNdAttrs>;  // ok because verified
  kernels::pool_nd_f32(pool_nd_params(h, tail, fr.shape(b), fr.shape(a)), fr.f32(b), fr.f32(a), fr.pool);
  return next;
}

//===----------------------------------------------------------------------===//
// CONV_TRANSPOSE, COL2IM
//===----------------------------------------------------------------------===//

namespace {

// The col buffer a transposed convolution needs per group (floats): bounded so a crafted bundle
// cannot ask for more scratch than a real model would.
constexpr int64_t kMaxTransposeScratch = int64_t(1) << 28;

// Reads the header T of an N-D window record and checks the tail holds |rank| axes, each with
// kernel, stride and dilation >= 1 and pad_end >= 0 (pad_begin >= 0 unless |negative_begin|).
template <typename T>
aivm_status_t read_nd_window(const Site& s, uint32_t index, T* h, int32_t rank, bool negative_begin,
                             kernels::Col2ImParams* g) {
  uint32_t n = s.f.record_size(index);
  if (n < isa::kAttrWords<T>) return s.error("attribute record too short for its header");
  std::memcpy(h, s.f.record(index), sizeof(T));
  if (h->spatial_rank != rank || rank < 1 || rank > kernels::kMaxSpatial)
    return s.error("spatial rank " + std::to_string(h->spatial_rank) + " does not fit the tensors (" +
                   std::to_string(rank) + ")");
  if (n != isa::kAttrWords<T> + uint32_t(rank) * isa::kAttrWords<isa::WindowAxis>)
    return s.error("attribute record needs one window axis per spatial axis");
  const int32_t* tail = s.f.record(index) + isa::kAttrWords<T>;
  g->rank = rank;
  for (int k = 0; k < rank; ++k) {
    isa::WindowAxis a = window_axis(tail, k);
    if (a.kernel < 1 || a.stride < 1 || a.dilation < 1 || a.pad_end < 0 || (!negative_begin && a.pad_begin < 0))
      return s.error("window axis " + std::to_string(k) + " needs kernel, stride, dilation >= 1 and pads >= 0");
    g->kernel[k] = a.kernel, g->stride[k] = a.stride, g->pad_begin[k] = a.pad_begin, g->dilation[k] = a.dilation;
  }
  return AIVM_OK;
}

kernels::Col2ImParams exec_nd_window(const Frame& fr, uint32_t index, uint32_t header_words, int rank) {
  kernels::Col2ImParams g{};
  g.rank = rank;
  const int32_t* tail = fr.f->record(index) + header_words;  // ok because verified
  for (int k = 0; k < rank; ++k) {
    isa::WindowAxis a = window_axis(tail, k);
    g.kernel[k] = a.kernel, g.stride[k] = a.stride, g.pad_begin[k] = a.pad_begin, g.dilation[k] = a.dilation;
  }
  return g;
}

}  // namespace

aivm_status_t verify_CONV_TRANSPOSE(const Site& s, const isa::Instr& in) {
  AIVM_RETURN_IF_ERROR(require_writable(s, in.a));
  for (auto [r, name] : {std::pair{in.a, "A"}, {in.b, "B"}, {in.c, "C"}}) AIVM_RETURN_IF_ERROR(require_f32(s, r, name));
  const kernels::Shape &x = s.reg(in.b).shape, &w = s.reg(in.c).shape, &y = s.reg(in.a).shape;
  if (x.rank < 3 || w.rank != x.rank || y.rank != x.rank) return s.error("input, weights and output need one rank >= 3");
  isa::ConvTransposeAttrs h;
  kernels::Col2ImParams g{};
  AIVM_RETURN_IF_ERROR(read_nd_window(s, in.d, &h, x.rank - 2, true, &g));
  AIVM_RETURN_IF_ERROR(check_bias(s, h.bias));
  if (h.group < 1 || x.dims[1] % h.group != 0 || w.dims[0] != x.dims[1] || w.dims[1] * h.group != y.dims[1] ||
      y.dims[0] != x.dims[0])
    return s.error("channels, weights " + dims_str(dims_of(s.reg(in.c))) + " and group " + std::to_string(h.group) +
                   " are inconsistent");
  int64_t scratch = w.dims[1];
  for (int k = 0; k < g.rank; ++k) {
    if (w.dims[2 + k] != g.kernel[k]) return s.error("weight kernel extent differs from the attribute record");
    scratch *= g.kernel[k] * x.dims[2 + k];
    if (scratch > kMaxTransposeScratch) return s.error("the transposed convolution needs too much scratch memory");
  }
  if (h.bias != isa::kNoRegister && dims_of(s.reg(uint32_t(h.bias))) != Dims{y.dims[1]})
    return s.error("bias must have shape [" + std::to_string(y.dims[1]) + "]");
  return AIVM_OK;
}

const uint64_t* exec_CONV_TRANSPOSE(const Frame& fr, uint64_t w, const uint64_t* next) {
  uint32_t a = AIVM_FIELD_A(w), b = AIVM_FIELD_B(w), c = AIVM_FIELD_C(w), d = AIVM_FIELD_D(w);
  isa::ConvTransposeAttrs h = exec_record<isa::ConvTransposeAttrs>(fr, d);
  const kernels::Shape &x = fr.shape(b), &y = fr.shape(a);
  kernels::ConvTransposeParams p{x.dims[0], x.dims[1], y.dims[1], h.group,
                                 exec_nd_window(fr, d, isa::kAttrWords<isa::ConvTransposeAttrs>, h.spatial_rank)};
  for (int k = 0; k < h.spatial_rank; ++k) p.geometry.image[k] = y.dims[2 + k], p.geometry.cols[k] = x.dims[2 + k];
  const float* bias = h.bias == isa::kNoRegister ? nullptr : fr.f32(uint32_t(h.bias));
  kernels::conv_transpose_f32(p, fr.f32(b), fr.f32(c), bias, fr.f32(a), fr.pool);
  return next;
}

aivm_status_t verify_COL2IM(const Site& s, const isa::Instr& in) {
  AIVM_RETURN_IF_ERROR(require_writable(s, in.a));
  AIVM_RETURN_IF_ERROR(require_f32(s, in.a, "A"));
  AIVM_RETURN_IF_ERROR(require_f32(s, in.b, "B"));
  const kernels::Shape &x = s.reg(in.b).shape, &y = s.reg(in.a).shape;
  if (x.rank != 3 || y.rank < 3) return s.error("input must be [N, C * block, L] and output [N, C, spatial...]");
  isa::Col2ImAttrs h;
  kernels::Col2ImParams g{};
  AIVM_RETURN_IF_ERROR(read_nd_window(s, in.d, &h, y.rank - 2, false, &g));
  const int32_t* tail = s.f.record(in.d) + isa::kAttrWords<isa::Col2ImAttrs>;
  int64_t taps = 1, cols = 1;
  for (int k = 0; k < g.rank; ++k) {
    isa::WindowAxis a = window_axis(tail, k);
    int64_t blocks = isa::window_out_extent(y.dims[2 + k], a.kernel, a.stride, a.pad_begin, a.pad_end, a.dilation);
    if (blocks < 1) return s.error("the block does not fit spatial axis " + std::to_string(k));
    taps *= a.kernel, cols *= blocks;
  }
  if (x.dims[0] != y.dims[0] || x.dims[1] != y.dims[1] * taps || x.dims[2] != cols)
    return s.error("input " + dims_str(dims_of(s.reg(in.b))) + " does not hold the blocks of output " +
                   dims_str(dims_of(s.reg(in.a))));
  return AIVM_OK;
}

const uint64_t* exec_COL2IM(const Frame& fr, uint64_t w, const uint64_t* next) {
  uint32_t a = AIVM_FIELD_A(w), b = AIVM_FIELD_B(w), d = AIVM_FIELD_D(w);
  const kernels::Shape &x = fr.shape(b), &y = fr.shape(a);
  isa::Col2ImAttrs h = exec_record<isa::Col2ImAttrs>(fr, d);
  kernels::Col2ImParams g = exec_nd_window(fr, d, isa::kAttrWords<isa::Col2ImAttrs>, h.spatial_rank);
  const int32_t* tail = fr.f->record(d) + isa::kAttrWords<isa::Col2ImAttrs>;  // ok because verified
  int64_t plane = 1;
  for (int k = 0; k < g.rank; ++k) {
    isa::WindowAxis ax = window_axis(tail, k);
    g.image[k] = y.dims[2 + k];
    g.cols[k] = isa::window_out_extent(y.dims[2 + k], ax.kernel, ax.stride, ax.pad_begin, ax.pad_end, ax.dilation);
    plane *= y.dims[2 + k];
  }
  g.channels = y.dims[1];
  float* out = fr.f32(a);
  std::fill_n(out, y.dims[0] * y.dims[1] * plane, 0.f);
  for (int64_t n = 0; n < y.dims[0]; ++n)
    kernels::col2im_add_f32(g, fr.f32(b) + n * x.dims[1] * x.dims[2], out + n * y.dims[1] * plane, fr.pool);
  return next;
}

}  // namespace aivm::vm
