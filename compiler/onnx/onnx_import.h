// ONNX front-end: turns an ONNX model into a stack program (DESIGN.md, pipeline step 1).
//
// What the importer emits, for a graph in topological order (the graph is sorted here; a file
// whose nodes are out of order is fine, a cycle is an error):
//   - graph inputs that are not initializers -> program inputs, locals 0..n-1, with dtype and
//     shape (a dim_param or missing dim becomes -1, named by the dim_param);
//   - initializers and Constant nodes -> program constants (named by their ONNX value);
//   - a node whose op has no OpRule -> its expansion (compiler/onnx/decompose.h), whose nodes
//     are emitted as below at the expansion's opset, with fresh "__<op>_<n>_..." value names;
//   - each node -> its inputs pushed (LocalGet / PushConst / PushNone for an empty name), one Op
//     (name = op_type, attributes converted, "__opset" = the default-domain opset version), then
//     a LocalSet per output in reverse order; each output gets a new local named after the
//     ONNX value. Trailing omitted outputs are dropped; an omitted output in the middle is
//     stored to a shared scratch local named "__discard";
//   - at the end, each graph output pushed in order; program.outputs names them, with dtype and
//     shape when the graph output or value_info declares them (dtype Undefined otherwise).
//
// Errors are CompileError with a SourceLoc naming the file and, where one is involved, the node
// (its name, or "#<index>" when unnamed) and op type. A file that is not an ONNX model, a node
// in a domain other than "" / "ai.onnx" and an unsupported element type (e.g. DOUBLE) are all
// reported this way; no input file makes the importer crash.
//
// Control flow: If becomes if/else/end (each branch's nodes in its arm, its outputs pushed);
// Loop becomes loop/end with its loop-carried values in locals, cond tested by break_unless at
// the top of each iteration and scan outputs collected by the loop (M absent: a while loop,
// trip count INT64_MAX, bounded at run time by the session's loop budget); Scan becomes a loop
// over the scanned extent that Gathers row i of each scanned input (Scan-8's batch axis adds an
// outer loop). Subgraphs read outer values through a child scope.
//
// Thread-safety: the functions are reentrant; they share no state.
#pragma once

#include <string>

#include "compiler/ir/stack_program.h"

namespace onnx {
class ModelProto;
}

namespace aivm::compiler {

// The name the importer uses for the reserved attribute that carries the opset version.
inline constexpr const char* kOpsetAttr = "__opset";

// Reads and imports the model at |path|. Tensors with data_location EXTERNAL are read from
// files relative to the model's directory.
StackProgram import_onnx_file(const std::string& path);

// Imports an already parsed model. |source_name| is used in messages and as program.source;
// external tensor data, if any, is resolved relative to the directory part of |source_name|.
// Reads a serialized ONNX TensorProto (a .pb file of the ONNX test-data layout).
Tensor read_tensor_proto_file(const std::string& path);

StackProgram import_onnx_model(const onnx::ModelProto& model, const std::string& source_name);

}  // namespace aivm::compiler
