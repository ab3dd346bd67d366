// Passes over the register IR, in the order the compiler runs them.
#pragma once

#include "compiler/ir/register_ir.h"

namespace aivm::compiler {

// Assumes: lowered IR. Guarantees: every used value has a dtype and static shape, every op
// has a rule in the op table; the two definitions of a join value agree. Throws CompileError
// naming the node otherwise (unsupported op, attribute or dtype).
void infer_shapes(Function& f);

// Rewrites instrs[i] when its kernels do not take an operand's dtype: f32-only ops (MatMul,
// Gemm, Conv, Softmax, activations, ...) on f16 / bf16 / f64 run in f32 between casts, Pow
// with an exponent of another dtype gets it cast (compiler/passes/operand_casts.cc says why).
// Called by infer_shapes before the op's rule, once its inputs' dtypes are known; returns true
// when it inserted instructions at i (which is then the first of them), none inferred yet.
bool insert_operand_casts(Function& f, std::vector<Instr>& instrs, size_t i);

// Folds an activation (Relu, Clip, Sigmoid, Tanh) into the Conv or Gemm that alone feeds it,
// making the superinstruction. Assumes shapes are inferred.
// Returns the number of activations fused.
int fuse_activations(Function& f);

// Removes instructions whose results nothing uses (no op here has side effects).
// Returns the number removed.
int eliminate_dead_code(Function& f);

}  // namespace aivm::compiler
