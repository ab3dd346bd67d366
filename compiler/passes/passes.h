// Passes over the register IR, in the order the compiler runs them.
#pragma once

#include "compiler/ir/register_ir.h"

namespace aivm::compiler {

// Assumes: lowered IR. Guarantees: every used value has a dtype and static shape, every op
// has a rule in the op table; the two definitions of a join value agree. Throws CompileError
// naming the node otherwise (unsupported op, attribute or dtype).
void infer_shapes(Function& f);

// Folds an activation (Relu, Clip, Sigmoid, Tanh) into the Conv or Gemm that alone feeds it,
// making the superinstruction. Assumes shapes are inferred.
// Returns the number of activations fused.
int fuse_activations(Function& f);

// Removes instructions whose results nothing uses (no op here has side effects).
// Returns the number removed.
int eliminate_dead_code(Function& f);

}  // namespace aivm::compiler
