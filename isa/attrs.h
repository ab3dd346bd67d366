// Attribute records: the fixed int32 layouts that P operands point to. A record is a run of
// int32 words in the function's attribute pool; floats are stored as their IEEE bit patterns.
// The verifier checks a record's length equals the layout's and every field's range before
// the interpreter reads it.
#pragma once

#include <cstddef>
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
  // ISA 3.3: register of A's shape added before the activation (a fused residual Add), or
  // kNoRegister. Records of ISA <= 3.2 end before it (kConvAttrsWordsV32 words).
  int32_t residual = kNoRegister;
  // ISA 3.4: the first of A's channels this conv writes. A is [N, K_total, OH, OW] with
  // K_total >= out_channel_offset + K; the other channels are left as they are, so several
  // convs can fill one tensor (a Concat along channels done in place). Records of ISA <= 3.3
  // end before it (kConvAttrsWordsV33 words) and write all of A from channel 0.
  int32_t out_channel_offset = 0;
};

inline constexpr uint32_t kConvAttrsWordsV32 = offsetof(ConvAttrs, residual) / sizeof(int32_t);
inline constexpr uint32_t kConvAttrsWordsV33 = offsetof(ConvAttrs, out_channel_offset) / sizeof(int32_t);

// A CONV record of any ISA 3.x length (older ones without residual or channel offset); false
// for any other length.
inline bool conv_attrs_from(const int32_t* words, size_t size, ConvAttrs* out) {
  if (size != sizeof(ConvAttrs) / sizeof(int32_t) && size != kConvAttrsWordsV33 && size != kConvAttrsWordsV32)
    return false;
  out->residual = kNoRegister;
  out->out_channel_offset = 0;
  std::memcpy(static_cast<void*>(out), words, size * sizeof(int32_t));  // trivially copyable
  return true;
}

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

// Data movement (opcodes.def notes *8..*14). Variable-length records are a fixed header
// followed by a tail whose length the verifier checks against the rank or arity it implies.

// TRANSPOSE: header, then dims[rank] (the view of B) and perm[rank]: 1 + 2 * rank words.
struct TransposeAttrs {
  int32_t rank;
};

// CONCAT / SPLIT: header, then one register per input (CONCAT) or output (SPLIT), at least one.
struct AxisListAttrs {
  int32_t axis;
};

// SLICE: one pair per axis of B, no header.
struct SliceAxis {
  int32_t start, step;
};

// PAD: header, then begin[rank] (elements added before each axis; negative crops).
struct PadAttrs {
  int32_t mode;                // kernels::PadMode: 0 constant, 1 reflect, 2 edge, 3 wrap
  int32_t value_lo, value_hi;  // constant mode: the value's bytes in B's dtype, little-endian
};

// LAYERNORM: normalisation over the trailing axes from |axis| on (opcodes.def *N1).
struct LayerNormAttrs {
  int32_t axis;          // first normalised axis, 0 <= axis < rank
  int32_t bias;          // register of n f32 added after the scale, or kNoRegister
  int32_t epsilon_bits;  // float bits
};

struct TriluAttrs {
  int32_t upper;  // 0 or 1
  int32_t k;      // diagonal offset, clamped by the compiler to the matrix extents
  int32_t k_reg;  // kNoRegister, or a register of one i64 read at run time instead of k
};

// Elementwise families (opcodes.def notes *E1..*E7). The kind numbers are part of the ISA:
// UNARY and BINARY carry them in their D immediate, COMPARE likewise, NARY in its record.
// Which dtypes each kind accepts is kernels/elementwise/elementwise.h *_supports(), the one
// rule the compiler and the verifier share.

// UNARY #kind: R[A] := f(R[B]), same dtype and shape.
enum class UnaryKind : int32_t {
  Relu, Sigmoid, Tanh, Exp, Neg, Abs, Log, Sqrt, Reciprocal, Floor, Ceil,
  Round,  // half to even
  Sign, Sin, Cos, Tan, Asin, Acos, Atan, Sinh, Cosh, Asinh, Acosh, Atanh, Erf, Softplus, Softsign,
  Not,    // logical on bool, bitwise on integers
  kCount
};

// BINARY #kind: R[A] := R[B] op R[C], broadcasting, one dtype for all three.
enum class BinaryKind : int32_t {
  Add, Sub, Mul,
  Div,    // integers truncate toward zero; x / 0 = 0
  Pow,
  Max, Min,  // f32: NaN if either is NaN
  Mod,    // result has the divisor's sign (numpy mod); integers only
  Fmod,   // result has the dividend's sign (C fmod)
  PRelu,  // b < 0 ? a * b : a, read with a = x and b = slope
  And, Or, Xor,  // logical on bool, bitwise on integers
  ShiftLeft, ShiftRight,  // integers; right is arithmetic when signed; amount < 0 or >= width shifts all out
  kCount
};

// COMPARE #kind: R[A] (bool) := R[B] cmp R[C], broadcasting; B and C share a dtype.
enum class CompareKind : int32_t { Equal, Less, Greater, LessOrEqual, GreaterOrEqual, kCount };

// NARY: a fold over n >= 2 registers of one dtype, broadcast to A. Header, then the registers.
enum class NaryKind : int32_t { Sum, Mean, Max, Min, kCount };

// Why a TRAP fails a run (opcodes.def *L2).
enum class TrapKind : int32_t {
  LoopEndedEarly,  // a loop with scan outputs (static extent) stopped before its trip count
  kCount
};
struct NaryAttrs {
  int32_t kind;  // NaryKind; Mean is f32 only (the sum divided by n)
};
inline constexpr int kMaxNaryInputs = 64;  // the VM gathers the operands on its stack

// Lower-case names for disassembly and messages; nullptr past the end.
inline const char* unary_kind_name(int32_t k) {
  static const char* const kNames[] = {"relu", "sigmoid", "tanh", "exp", "neg", "abs", "log", "sqrt", "reciprocal",
                                       "floor", "ceil", "round", "sign", "sin", "cos", "tan", "asin", "acos", "atan",
                                       "sinh", "cosh", "asinh", "acosh", "atanh", "erf", "softplus", "softsign", "not"};
  static_assert(sizeof(kNames) / sizeof(kNames[0]) == size_t(UnaryKind::kCount));
  return k >= 0 && k < int32_t(UnaryKind::kCount) ? kNames[k] : nullptr;
}
inline const char* binary_kind_name(int32_t k) {
  static const char* const kNames[] = {"add", "sub", "mul", "div", "pow", "max", "min", "mod", "fmod",
                                       "prelu", "and", "or", "xor", "shl", "shr"};
  static_assert(sizeof(kNames) / sizeof(kNames[0]) == size_t(BinaryKind::kCount));
  return k >= 0 && k < int32_t(BinaryKind::kCount) ? kNames[k] : nullptr;
}
inline const char* compare_kind_name(int32_t k) {
  static const char* const kNames[] = {"eq", "lt", "gt", "le", "ge"};
  static_assert(sizeof(kNames) / sizeof(kNames[0]) == size_t(CompareKind::kCount));
  return k >= 0 && k < int32_t(CompareKind::kCount) ? kNames[k] : nullptr;
}
inline const char* nary_kind_name(int32_t k) {
  static const char* const kNames[] = {"sum", "mean", "max", "min"};
  static_assert(sizeof(kNames) / sizeof(kNames[0]) == size_t(NaryKind::kCount));
  return k >= 0 && k < int32_t(NaryKind::kCount) ? kNames[k] : nullptr;
}

// One spatial axis of an N-D window (POOL and the other N-D window records).
struct WindowAxis {
  int32_t kernel, stride, pad_begin, pad_end, dilation;
};

// POOL (opcodes.def note *W1): header, then one WindowAxis per spatial axis.
struct PoolNdAttrs {
  int32_t kind;               // kernels::PoolKind: 0 max, 1 average, 2 Lp
  int32_t count_include_pad;  // 0 or 1 (average)
  int32_t p;                  // Lp: >= 1; otherwise 0
  int32_t spatial_rank;       // B's rank - 2
};

// CONV_TRANSPOSE (opcodes.def note *W2): header, then one WindowAxis per spatial axis
// (pad_begin may be negative: an output_shape larger than the natural one shifts the taps).
struct ConvTransposeAttrs {
  int32_t bias;  // register of a [M] bias, or kNoRegister
  int32_t group;
  int32_t spatial_rank;
};

// COL2IM (opcodes.def note *W3): header, then one WindowAxis per spatial axis.
struct Col2ImAttrs {
  int32_t spatial_rank;
};

// SCATTER_ELEMENTS / SCATTER_ND (opcodes.def notes *S1, *S2).
struct ScatterAttrs {
  int32_t updates;    // register of the updates
  int32_t reduction;  // kernels::ScatterReduce: 0 none, 1 add, 2 mul, 3 max, 4 min
  int32_t axis;       // SCATTER_ELEMENTS: 0 <= axis < rank; SCATTER_ND: 0
};

// RESIZE (opcodes.def note *R1): header, then one ResizeAxisWords per axis of B.
struct ResizeAttrs {
  int32_t mode;             // kernels::ResizeMode: 0 nearest, 1 linear, 2 cubic
  int32_t coord;            // kernels::ResizeCoord (coordinate_transformation_mode)
  int32_t nearest;          // kernels::ResizeNearest (nearest_mode)
  int32_t cubic_a_bits;     // float bits
  int32_t exclude_outside;  // 0 or 1
  int32_t antialias;        // 0 or 1
  int32_t extrapolation_bits;  // float bits (tf_crop_and_resize, f32 only)
};
// Doubles as two words, low first: coordinates must map like ONNX's double arithmetic.
struct ResizeAxisWords {
  int32_t scale[2];
  int32_t roi_start[2];
  int32_t roi_end[2];
};

// GRID_SAMPLE (opcodes.def note *R2).
struct GridSampleAttrs {
  int32_t mode;           // kernels::GridMode: 0 nearest, 1 linear, 2 cubic
  int32_t padding;        // kernels::GridPadding: 0 zeros, 1 border, 2 reflection
  int32_t align_corners;  // 0 or 1
};

inline void double_words(double d, int32_t out[2]) { std::memcpy(out, &d, 8); }
inline double words_double(const int32_t w[2]) {
  double d;
  std::memcpy(&d, w, 8);
  return d;
}

// QUANTIZE / DEQUANTIZE (opcodes.def *E8).
struct QuantAttrs {
  int32_t zero_point;  // register of the zero point, or kNoRegister (0)
  int32_t axis;        // the quantization axis of B (A for DEQUANTIZE's scale layout: B's)
  int32_t block_size;  // 0: per tensor or per axis; > 0: blocks along the axis
  int32_t options;     // QUANTIZE: kernels kCastNoSaturate or 0; DEQUANTIZE: 0
};

// TOPK (opcodes.def *A2): k of B.dims[axis] elements per row, the largest or the smallest.
struct TopKAttrs {
  int32_t axis;     // 0 <= axis < rank
  int32_t k;        // 0 <= k <= B.dims[axis]
  int32_t largest;  // 0 or 1
};

// DFT (opcodes.def *A4).
struct DftAttrs {
  int32_t axis;      // 0 <= axis < rank - 1 (the last axis holds real / imaginary)
  int32_t length;    // transform length L >= 1; the input is cut or zero-padded to it
  int32_t inverse;   // 0 or 1
  int32_t onesided;  // 0 or 1
};

// ROI_ALIGN (opcodes.def *R3).
struct RoiAlignAttrs {
  int32_t batch;           // register of R image indices (i32 or i64)
  int32_t mode;            // 0 avg, 1 max
  int32_t half_pixel;      // 0 or 1 (opset 16's default coordinate mode)
  int32_t sampling_ratio;  // >= 0; 0 adaptive
  int32_t scale_bits;      // spatial_scale as float bits
  int32_t out_h, out_w;    // >= 1
};

// (New record layouts go above this line, one struct per opcode family.)

template <typename T>
inline constexpr uint32_t kAttrWords = sizeof(T) / sizeof(int32_t);

}  // namespace aivm::isa
