// Operation handlers: register operands to kernel arguments.
#include "vm/src/ops.h"

#include <cstring>

#include "isa/attrs.h"
#include "kernels/conv/conv.h"
#include "kernels/elementwise/elementwise.h"
#include "kernels/gemm/gemm.h"
#include "kernels/pool/pool.h"
#include "kernels/softmax/softmax.h"

namespace aivm::vm {
namespace {

template <typename T>
T record(const Frame& fr, uint32_t index) {
  T out;
  std::memcpy(&out, fr.f->record(index), sizeof(T));  // ok because verified: length matches T
  return out;
}

kernels::Activation activation(const isa::ActivationAttrs& a) {
  return {isa::Activation(a.kind), isa::bits_float(a.p0_bits), isa::bits_float(a.p1_bits)};
}

}  // namespace

void op_mov(const Frame& fr, uint32_t a, uint32_t b) {
  if (fr.data[a] != fr.data[b]) std::memmove(fr.data[a], fr.data[b], fr.f->registers[a].bytes);
}

bool op_is_zero(const Frame& fr, uint32_t a) {
  const RegisterInfo& r = fr.f->registers[a];
  const uint8_t* p = fr.data[a];
  // Any dtype: zero iff every byte of the first element is zero (-0.0f counts as zero too).
  if (r.dtype == DType::F32) {
    float v;
    std::memcpy(&v, p, 4);
    return v == 0.f;
  }
  size_t n = dtype_size(r.dtype);
  for (size_t i = 0; i < n; ++i)
    if (p[i]) return false;
  return true;
}

void op_unary(const Frame& fr, isa::Opcode op, uint32_t a, uint32_t b) {
  kernels::UnaryOp k = op == isa::Opcode::RELU      ? kernels::UnaryOp::Relu
                       : op == isa::Opcode::SIGMOID ? kernels::UnaryOp::Sigmoid
                       : op == isa::Opcode::TANH    ? kernels::UnaryOp::Tanh
                       : op == isa::Opcode::EXP     ? kernels::UnaryOp::Exp
                                                    : kernels::UnaryOp::Neg;
  kernels::unary_f32(k, fr.shape(b).num_elements(), fr.f32(b), fr.f32(a), fr.pool);
}

void op_binary(const Frame& fr, isa::Opcode op, uint32_t a, uint32_t b, uint32_t c) {
  kernels::BinaryOp k = op == isa::Opcode::ADD   ? kernels::BinaryOp::Add
                        : op == isa::Opcode::SUB ? kernels::BinaryOp::Sub
                        : op == isa::Opcode::MUL ? kernels::BinaryOp::Mul
                                                 : kernels::BinaryOp::Div;
  kernels::binary_f32(k, fr.shape(a), fr.shape(b), fr.f32(b), fr.shape(c), fr.f32(c), fr.f32(a), fr.pool);
}

void op_softmax(const Frame& fr, uint32_t a, uint32_t b, uint32_t axis) {
  const kernels::Shape& s = fr.shape(b);
  int64_t outer = 1, inner = 1;
  for (uint32_t i = 0; i < axis; ++i) outer *= s.dims[i];
  for (int i = int(axis) + 1; i < s.rank; ++i) inner *= s.dims[i];
  kernels::softmax_f32(outer, s.dims[axis], inner, fr.f32(b), fr.f32(a), fr.pool);
}

void op_matmul(const Frame& fr, uint32_t a, uint32_t b, uint32_t c) {
  kernels::matmul_f32(fr.shape(b), fr.f32(b), fr.shape(c), fr.f32(c), fr.shape(a), fr.f32(a), fr.pool);
}

void op_gemm(const Frame& fr, uint32_t a, uint32_t b, uint32_t c, uint32_t attrs) {
  isa::GemmAttrs g = record<isa::GemmAttrs>(fr, attrs);
  const kernels::Shape &sa = fr.shape(b), &sb = fr.shape(c);
  int64_t m = g.trans_a ? sa.dims[1] : sa.dims[0];
  int64_t k = g.trans_a ? sa.dims[0] : sa.dims[1];
  int64_t n = g.trans_b ? sb.dims[0] : sb.dims[1];
  kernels::GemmEpilogue ep;
  ep.alpha = isa::bits_float(g.alpha_bits);
  ep.beta = isa::bits_float(g.beta_bits);
  ep.act = activation(g.act);
  if (g.bias != isa::kNoRegister) {
    // Broadcast of a rank <= 2 bias to [M, N] as strides (verified to be unidirectional).
    const kernels::Shape& bs = fr.shape(uint32_t(g.bias));
    ep.bias = fr.f32(uint32_t(g.bias));
    int64_t rows = bs.rank == 2 ? bs.dims[0] : 1, cols = bs.rank >= 1 ? bs.dims[bs.rank - 1] : 1;
    ep.bias_row_stride = rows == 1 ? 0 : cols;
    ep.bias_col_stride = cols == 1 ? 0 : 1;
  }
  kernels::gemm_f32(g.trans_a != 0, g.trans_b != 0, m, n, k, fr.f32(b), sa.dims[1], fr.f32(c), sb.dims[1], fr.f32(a), n,
                    ep, fr.pool);
}

void op_conv(const Frame& fr, uint32_t a, uint32_t b, uint32_t c, uint32_t attrs) {
  isa::ConvAttrs ca = record<isa::ConvAttrs>(fr, attrs);
  const kernels::Shape &x = fr.shape(b), &y = fr.shape(a);
  kernels::Conv2dParams p{x.dims[0], x.dims[1], x.dims[2], x.dims[3], y.dims[1], y.dims[2], y.dims[3], ca.group, ca.window};
  const float* bias = ca.bias == isa::kNoRegister ? nullptr : fr.f32(uint32_t(ca.bias));
  kernels::conv2d_f32(p, fr.f32(b), fr.f32(c), bias, activation(ca.act), fr.f32(a), fr.pool);
}

void op_maxpool(const Frame& fr, uint32_t a, uint32_t b, uint32_t attrs) {
  isa::PoolAttrs pa = record<isa::PoolAttrs>(fr, attrs);
  const kernels::Shape &x = fr.shape(b), &y = fr.shape(a);
  kernels::Pool2dParams p{x.dims[0], x.dims[1], x.dims[2], x.dims[3], y.dims[2], y.dims[3], pa.window};
  kernels::maxpool2d_f32(p, fr.f32(b), fr.f32(a), fr.pool);
}

}  // namespace aivm::vm
