// aivm ISA: version, instruction formats, limits and the tables expanded from opcodes.def.
#pragma once

#include <cstddef>
#include <cstdint>

namespace aivm::isa {

// Bundles record the ISA version. Major must match the VM's; minor may be older.
// Change this in the same commit as opcodes.def.
inline constexpr uint16_t kVersionMajor = 3;  // 3.0: elementwise families replace per-function opcodes
// 3.1 adds LOOP/TRAP/STORE_AT (control flow), QUANTIZE/DEQUANTIZE, CAST's options immediate,
// LAYERNORM, RESIZE, GRID_SAMPLE, POOL, CONV_TRANSPOSE, COL2IM and the new dtypes; every 3.0
// bundle still means what it meant (CAST's D was 0, now "no options").
// 3.2 adds TOPK, CUMSUM, CUMPROD, DFT and ROI_ALIGN, and PAD mode 3 (wrap).
// 3.3 adds CONV's residual register (a longer record; the 3.2 one still reads as no residual).
// 3.4 adds CONV's output channel offset: a conv may write a slice of A's channels (longer
// record again; older ones write all of A).
inline constexpr uint16_t kVersionMinor = 4;

enum class Format : uint8_t { ABCD, AJ };
enum class OperandKind : uint8_t { Unused, Register, Attr, Immediate, Jump };

// Field geometry of the 64-bit instruction word (see the drawing in opcodes.def).
inline constexpr int kOpcodeBits = 8;
inline constexpr int kFieldBits = 14;
inline constexpr int kJumpBits = 64 - kOpcodeBits - kFieldBits;
inline constexpr uint32_t kFieldMax = (1u << kFieldBits) - 1;     // largest register / attr index
inline constexpr uint64_t kJumpMax = (uint64_t{1} << kJumpBits) - 1;

enum class Opcode : uint8_t {
#define AIVM_OP(NAME, CODE, FMT, KA, KB, KC, KD, SEM) NAME = CODE,
#include "isa/opcodes.def"
#undef AIVM_OP
};

// Static description of one opcode, one entry per table row.
struct OpInfo {
  Opcode opcode;
  const char* mnemonic;  // lower case, as the disassembler prints it
  Format format;
  OperandKind kinds[4];  // fields A, B, C, D; for format AJ, kinds[1] is J
  const char* semantics;
};

// Returns the row for |code|, or nullptr for a reserved (unassigned) opcode number.
const OpInfo* op_info(uint8_t code);
// Returns the row whose mnemonic is |name| (case-sensitive), or nullptr.
const OpInfo* op_info_by_mnemonic(const char* name);
// Every defined row, in table order.
const OpInfo* op_table(size_t* out_count);

// Decoded fields of one instruction. Unused fields are zero.
struct Instr {
  Opcode op;
  uint32_t a, b, c, d;  // for format AJ only a is set, and j
  uint64_t j;
};

inline constexpr uint64_t encode_abcd(Opcode op, uint32_t a, uint32_t b, uint32_t c, uint32_t d) {
  return uint64_t(uint8_t(op)) | (uint64_t(a & kFieldMax) << 8) | (uint64_t(b & kFieldMax) << 22) |
         (uint64_t(c & kFieldMax) << 36) | (uint64_t(d & kFieldMax) << 50);
}
inline constexpr uint64_t encode_aj(Opcode op, uint32_t a, uint64_t j) {
  return uint64_t(uint8_t(op)) | (uint64_t(a & kFieldMax) << 8) | ((j & kJumpMax) << 22);
}

// Activations fused into superinstructions (attribute records carry one).
enum class Activation : int32_t {
  None = 0,
  Relu = 1,
  Clip = 2,     // min(max(x, p0), p1)
  Sigmoid = 3,
  Tanh = 4,
  // Also the ACT instruction's kinds (opcodes.def *E2); parameters in p0, p1.
  LeakyRelu = 5,        // x < 0 ? p0 x : x
  Elu = 6,              // x < 0 ? p0 (exp(x) - 1) : x
  Selu = 7,             // p1 (x <= 0 ? p0 (exp(x) - 1) : x)
  Celu = 8,             // max(0, x) + min(0, p0 (exp(x / p0) - 1))
  HardSigmoid = 9,      // max(0, min(1, p0 x + p1))
  HardSwish = 10,       // x max(0, min(1, x / 6 + 1 / 2))
  Gelu = 11,            // x Phi(x), exact (erf)
  GeluTanh = 12,        // tanh approximation of Gelu
  ThresholdedRelu = 13, // x > p0 ? x : 0
  Mish = 14,            // x tanh(softplus(x))
  Swish = 15,           // x sigmoid(p0 x)
  kCount
};

}  // namespace aivm::isa
