// Attribute records: the fixed int32 layouts that P operands point to. A record is a run of
// int32 words in the function's attribute pool; floats are stored as their IEEE bit patterns.
// The verifier checks a record's length equals the layout's and every field's range before
// the interpreter reads it.
#pragma once

#include <cstdint>
#include <cstring>

namespace aivm::isa {

inline constexpr int32_t kNoRegister = -1;

inline int32_t float_bits(float f) {
  int32_t i;
  std::memcpy(&i, &f, 4);
  return i;
}
inline float bits_float(int32_t i) {
  float f;
  std::memcpy(&f, &i, 4);
  return f;
}

// Shared by CONV and MAXPOOL: 2-D window geometry over NCHW tensors.
struct Window2d {
  int32_t kernel_h, kernel_w;
  int32_t stride_h, stride_w;
  int32_t pad_top, pad_left, pad_bottom, pad_right;
  int32_t dilation_h, dilation_w;
};

struct ActivationAttrs {
  int32_t kind;            // isa::Activation
  int32_t p0_bits, p1_bits;  // parameters as float bits (Clip: min, max)
};

struct ConvAttrs {
  int32_t bias;  // register of a [C_out] bias, or kNoRegister
  int32_t group;
  Window2d window;
  ActivationAttrs act;
};

struct GemmAttrs {
  int32_t bias;  // register broadcastable to [M, N], or kNoRegister
  int32_t trans_a, trans_b;
  int32_t alpha_bits, beta_bits;
  ActivationAttrs act;
  // 1: R[C] is op(B) pre-packed by the compiler (kernels/gemm/gemm.h layout) for the bundle's
  // target (Bundle.target.isa, "<isa>-nr<NR>"), a 1-D f32 constant; trans_b is then 0.
  int32_t packed_b;
};

struct PoolAttrs {
  Window2d window;
};

struct AvgPoolAttrs {
  Window2d window;
  int32_t count_include_pad;  // 0 or 1
};

// (New record layouts go above this line, one struct per opcode family.)

template <typename T>
inline constexpr uint32_t kAttrWords = sizeof(T) / sizeof(int32_t);

}  // namespace aivm::isa
