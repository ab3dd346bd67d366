// Passes over the register IR, in the order the compiler runs them.
#pragma once

#include <vector>

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

// Uses of a copy (an Identity, a Pad of zero pads, a Concat of one input, a Reshape to the
// same shape: any op whose selection is a MOV between values of one dtype and shape) read its
// input instead; the copy is left for eliminate_dead_code. Function outputs keep their
// copies; functions with control flow are left alone. Assumes shapes are inferred. Returns the
// number forwarded.
int forward_copies(Function& f);

// Mul(x, scale) then Add(., shift), x an f32 NCHW tensor and scale, shift [C] constants along
// axis 1 (an unabsorbed BatchNormalization), becomes one depthwise 1x1 Conv: one pass over
// memory, and an activation after it can then be fused. Assumes shapes are inferred; run before
// fuse_activations. Returns the number rewritten.
int fuse_channel_affine(Function& f);

// Add(Conv(x), r), r an f32 value of the Conv's output shape defined before the Conv and the
// Conv without a fused activation, becomes the Conv with r as its residual input (inputs[3]),
// added before any activation. Assumes shapes are inferred; run before fuse_activations, so
// that a Relu after the Add folds into the Conv. Returns the number fused.
int fuse_residual_adds(Function& f);

// Folds an activation (Relu, Clip, Sigmoid, Tanh) into the Conv or Gemm that alone feeds it,
// making the superinstruction. Assumes shapes are inferred.
// Returns the number of activations fused.
int fuse_activations(Function& f);

// A Concat along axis 1 of 4-D f32 tensors, each made by a Conv (without residual) that only
// this Concat reads, is removed: each Conv writes its channels of the Concat's output itself
// (attribute __out_channel_offset, selected as CONV's out_channel_offset). That output is then
// defined by several instructions. Straight-line functions with static shapes only; run after
// fuse_activations (a part's Relu must be in its Conv first). Returns the number removed.
int concat_in_place(Function& f);

// Number of uses of each value: instruction inputs, branch conditions and function outputs.
std::vector<int> use_counts(const Function& f);

// Removes the instructions a fusion pass emptied (op cleared: its tombstone) from |b|.
void erase_tombstones(Block& b);

// Removes instructions whose results nothing uses (no op here has side effects).
// Returns the number removed.
int eliminate_dead_code(Function& f);

}  // namespace aivm::compiler
