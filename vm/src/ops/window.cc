// Windows over NCHW: conv (the superinstruction with bias and a fused activation), max and
// average pooling.
#include <vector>

#include "kernels/conv/conv.h"
#include "kernels/pool/pool.h"
#include "vm/src/op_handlers.h"
#include "vm/src/verify_util.h"

namespace aivm::vm {
namespace {

// The window geometry maps |x| ([N, C, H, W]) to the spatial extents of |y|.
aivm_status_t window_extents(const Site& s, const isa::Window2d& w, const RegisterInfo& x, bool allow_ceil,
                             const RegisterInfo& y) {
  if (!isa::window_valid(w)) return s.error("invalid window geometry (kernel, stride, dilation >= 1, pads >= 0)");
  if (x.shape.rank != 4 || y.shape.rank != 4) return s.error("input and output must be 4-D NCHW");
  for (int axis = 0; axis < 2; ++axis) {
    int64_t in = x.shape.dims[2 + axis], got = y.shape.dims[2 + axis];
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
  AIVM_RETURN_IF_ERROR(read_record(s, in.d, &c));
  AIVM_RETURN_IF_ERROR(require_writable(s, in.a));
  for (auto [r, name] : {std::pair{in.a, "A"}, {in.b, "B"}, {in.c, "C"}}) AIVM_RETURN_IF_ERROR(require_f32(s, r, name));
  AIVM_RETURN_IF_ERROR(check_activation(s, c.act));
  AIVM_RETURN_IF_ERROR(check_bias(s, c.bias));
  const RegisterInfo &x = s.reg(in.b), &w = s.reg(in.c), &y = s.reg(in.a);
  AIVM_RETURN_IF_ERROR(window_extents(s, c.window, x, false, y));
  if (w.shape.rank != 4) return s.error("weights must be 4-D [K, C/group, kh, kw]");
  int64_t k = w.shape.dims[0];
  if (c.group < 1 || x.shape.dims[1] % c.group != 0 || k % c.group != 0 || w.shape.dims[1] * c.group != x.shape.dims[1])
    return s.error("group " + std::to_string(c.group) + " does not divide the channels consistently");
  if (w.shape.dims[2] != c.window.kernel_h || w.shape.dims[3] != c.window.kernel_w)
    return s.error("weight kernel extent differs from the attribute record");
  if (y.shape.dims[0] != x.shape.dims[0] || y.shape.dims[1] != k) return s.error("output batch or channels mismatch");
  if (c.bias != isa::kNoRegister && dims_of(s.reg(uint32_t(c.bias))) != Dims{k})
    return s.error("bias must have shape [" + std::to_string(k) + "]");
  return AIVM_OK;
}

namespace {

kernels::Conv2dParams conv_params(const Function& f, uint64_t w, isa::ConvAttrs* attrs) {
  std::memcpy(attrs, f.record(AIVM_FIELD_D(w)), sizeof *attrs);
  const kernels::Shape &x = f.registers[AIVM_FIELD_B(w)].shape, &y = f.registers[AIVM_FIELD_A(w)].shape;
  return {x.dims[0], x.dims[1], x.dims[2], x.dims[3], y.dims[1], y.dims[2], y.dims[3], attrs->group, attrs->window};
}

}  // namespace

void prepare_conv_weights(aivm_model_s* m, Function* f) {
  for (size_t pc = 0; pc < f->code_size; ++pc) {
    const uint64_t w = f->code[pc];
    if (AIVM_OPCODE(w) != uint8_t(isa::Opcode::CONV)) continue;
    const RegisterInfo& weights = f->registers[AIVM_FIELD_C(w)];
    if (!weights.is_constant) continue;  // computed weights are packed by each run
    isa::ConvAttrs attrs;
    kernels::Conv2dParams p = conv_params(*f, w, &attrs);
    const size_t bytes = kernels::conv2d_packed_weights_bytes(p);
    if (!bytes) continue;
    std::vector<float> packed(bytes / sizeof(float));
    kernels::conv2d_pack_weights(p, reinterpret_cast<const float*>(weights.constant_data), packed.data());
    if (f->prepared.empty()) f->prepared.assign(f->code_size, nullptr);
    f->prepared[pc] = packed.data();
    m->repacked.push_back(std::move(packed));  // the buffer moves, its address stays
  }
}

const uint64_t* exec_CONV(const Frame& fr, uint64_t w, const uint64_t* next) {
  uint32_t a = AIVM_FIELD_A(w), b = AIVM_FIELD_B(w), c = AIVM_FIELD_C(w);
  isa::ConvAttrs ca;
  kernels::Conv2dParams p = conv_params(*fr.f, w, &ca);
  const float* bias = ca.bias == isa::kNoRegister ? nullptr : fr.f32(uint32_t(ca.bias));
  const size_t pc = size_t(next - 1 - fr.f->code);
  const void* packed = fr.f->prepared.empty() ? nullptr : fr.f->prepared[pc];
  kernels::conv2d_f32_prepacked(p, fr.f32(b), fr.f32(c), packed, bias, kernel_activation(ca.act), fr.f32(a), fr.pool);
  return next;
}

aivm_status_t verify_MAXPOOL(const Site& s, const isa::Instr& in) {
  isa::PoolAttrs p;
  AIVM_RETURN_IF_ERROR(read_record(s, in.d, &p));
  AIVM_RETURN_IF_ERROR(require_writable(s, in.a));
  AIVM_RETURN_IF_ERROR(require_f32(s, in.a, "A"));
  AIVM_RETURN_IF_ERROR(require_f32(s, in.b, "B"));
  const RegisterInfo &x = s.reg(in.b), &y = s.reg(in.a);
  AIVM_RETURN_IF_ERROR(window_extents(s, p.window, x, true, y));
  if (y.shape.dims[0] != x.shape.dims[0] || y.shape.dims[1] != x.shape.dims[1])
    return s.error("output batch or channels mismatch");
  return AIVM_OK;
}

const uint64_t* exec_MAXPOOL(const Frame& fr, uint64_t w, const uint64_t* next) {
  uint32_t a = AIVM_FIELD_A(w), b = AIVM_FIELD_B(w);
  isa::PoolAttrs pa = exec_record<isa::PoolAttrs>(fr, AIVM_FIELD_D(w));
  const kernels::Shape &x = fr.shape(b), &y = fr.shape(a);
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
  const RegisterInfo &x = s.reg(in.b), &y = s.reg(in.a);
  AIVM_RETURN_IF_ERROR(window_extents(s, p.window, x, true, y));
  if (y.shape.dims[0] != x.shape.dims[0] || y.shape.dims[1] != x.shape.dims[1])
    return s.error("output batch or channels mismatch");
  return AIVM_OK;
}

const uint64_t* exec_AVGPOOL(const Frame& fr, uint64_t w, const uint64_t* next) {
  uint32_t a = AIVM_FIELD_A(w), b = AIVM_FIELD_B(w);
  isa::AvgPoolAttrs pa = exec_record<isa::AvgPoolAttrs>(fr, AIVM_FIELD_D(w));
  const kernels::Shape &x = fr.shape(b), &y = fr.shape(a);
  kernels::Pool2dParams p{x.dims[0], x.dims[1], x.dims[2], x.dims[3], y.dims[2], y.dims[3], pa.window};
  kernels::avgpool2d_f32(p, pa.count_include_pad != 0, fr.f32(b), fr.f32(a), fr.pool);
  return next;
}

}  // namespace aivm::vm
