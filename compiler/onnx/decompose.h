// Decomposition of composite ONNX operators (LayerNormalization, LogSoftmax, Attention, ...)
// into subgraphs of operators aivm has rules for. The importer asks for an expansion whenever a
// node's op has no OpRule, and imports the returned nodes in its place, recursively (an
// expansion may itself use composite ops, e.g. SoftmaxCrossEntropyLoss uses LogSoftmax).
//
// Two sources of expansions:
//   - ONNX function bodies from libonnx's operator schemas (OpSchema::GetFunction /
//     BuildContextDependentFunction), for ops whose body libonnx knows at the node's opset
//     (libonnx 1.12 knows opsets up to 17; past that only ops whose semantics did not change);
//   - hand-written bodies in ONNX text syntax (compiler/onnx/decompose.cc), for ops libonnx does
//     not know or whose libonnx body is incomplete (e.g. LayerNormalization's Mean output).
// Both are ONNX FunctionProtos: inlining maps the formal inputs/outputs to the node's values,
// gives every other value a fresh name ("__<op>_<instance>_<name>"), and substitutes attribute
// references (@attr) with the node's attributes (or the body's defaults).
//
// A hand-written body may use the compiler's internal ops as domain "aivm" (op type
// "aivm.<name>", e.g. the fused aivm.LayerNormalization).
//
// Shapes are static in aivm, so the shape arithmetic in the bodies (Shape, Size, Range, Gather on
// shapes) folds to constants during shape inference; nothing of it reaches the bundle.
//
// Thread-safety: reentrant; libonnx's schema registry is initialised once and only read.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <onnx/onnx_pb.h>

#include "compiler/ir/diagnostics.h"

namespace aivm::compiler::onnx_import {

// What the importer knows of a node input before shape inference: what the model declares.
struct DeclaredType {
  int32_t elem_type = 0;      // ONNX TensorProto element type, 0 = unknown
  int rank = -1;              // -1 = unknown
  std::vector<int64_t> dims;  // when rank >= 0: each dim, -1 where symbolic or unknown
};

struct Expansion {
  std::vector<onnx::NodeProto> nodes;  // in a valid evaluation order
  int64_t opset = 0;                   // default-domain opset the nodes are written against
};

// The expansion of |node| (default domain, written against |opset|), or nullopt if none is
// known. |inputs| holds each input's declared element type and rank where the model gives them;
// some bodies depend on them (e.g. a bool attention mask means something else than a float one). |instance| makes the fresh value names unique
// (the importer counts its expansions). Throws CompileError at |loc| when the op has an
// expansion but this node's attributes cannot be expanded (e.g. a value outside the spec).
std::optional<Expansion> expand_node(const onnx::NodeProto& node, int64_t opset,
                                     const std::vector<DeclaredType>& inputs, int64_t instance,
                                     const SourceLoc& loc);

}  // namespace aivm::compiler::onnx_import
