// Operation handlers the interpreter calls: each adapts one verified instruction to a kernel.
// Handlers trust the verifier (shapes, dtypes, record layouts); they never re-check.
#pragma once

#include <cstdint>

#include "isa/isa.h"
#include "kernels/common.h"
#include "vm/src/program.h"

namespace aivm::vm {

// What a handler sees: the function (register table, attributes), the per-register data
// pointers of the running session, and the intra-op thread pool (may be null).
struct Frame {
  const Function* f;
  uint8_t* const* data;
  kernels::ThreadPool* pool;

  float* f32(uint32_t r) const { return reinterpret_cast<float*>(data[r]); }
  const kernels::Shape& shape(uint32_t r) const { return f->registers[r].shape; }
};

void op_mov(const Frame& fr, uint32_t a, uint32_t b);
bool op_is_zero(const Frame& fr, uint32_t a);
void op_unary(const Frame& fr, isa::Opcode op, uint32_t a, uint32_t b);
void op_binary(const Frame& fr, isa::Opcode op, uint32_t a, uint32_t b, uint32_t c);
void op_softmax(const Frame& fr, uint32_t a, uint32_t b, uint32_t axis);
void op_matmul(const Frame& fr, uint32_t a, uint32_t b, uint32_t c);
void op_gemm(const Frame& fr, uint32_t a, uint32_t b, uint32_t c, uint32_t attrs);
void op_conv(const Frame& fr, uint32_t a, uint32_t b, uint32_t c, uint32_t attrs);
void op_maxpool(const Frame& fr, uint32_t a, uint32_t b, uint32_t attrs);

}  // namespace aivm::vm
