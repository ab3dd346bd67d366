// ONNX importer internals: conversion of ONNX protobuf pieces (element types, value infos,
// tensors with raw, typed or external data, attributes) into the stack program's types.
// Private to compiler/onnx; the public entry points are in onnx_import.h.
#pragma once

#include <string>

#include <onnx/onnx_pb.h>

#include "compiler/ir/stack_program.h"

namespace aivm::compiler::onnx_import {

// Where the model came from: for messages and for resolving external tensor data.
struct ImportContext {
  std::string file;      // model path or source name, for SourceLoc::file
  std::string base_dir;  // directory external data locations are relative to ("" = cwd)
};

// ONNX TensorProto element type -> DType. Throws at |loc| for types aivm has no dtype for
// (DOUBLE, STRING, UINT16, ...), naming |what| (e.g. "initializer 'w'").
DType dtype_from_onnx(int elem_type, const SourceLoc& loc, const std::string& what);

// A graph input/output's declared type. |require_shape|: an input must have a tensor type with
// an element type and a shape (symbolic dims allowed); for an output, a missing element type or
// shape leaves dtype Undefined and the shape empty.
ValueSpec spec_from_value_info(const onnx::ValueInfoProto& info, const SourceLoc& loc, bool require_shape);

// A TensorProto's data, from raw_data, the typed repeated fields, or an external file.
Tensor tensor_from_onnx(const onnx::TensorProto& t, const ImportContext& ctx, const SourceLoc& loc);

// A non-graph attribute. GRAPH/GRAPHS must be handled by the caller (control flow); other kinds
// without an AttrValue alternative (STRINGS, TENSORS, SPARSE_TENSOR, TYPE_PROTO) throw.
AttrValue attr_from_onnx(const onnx::AttributeProto& a, const ImportContext& ctx, const SourceLoc& loc);

// The attribute's kind, inferred from which field is set when an old exporter left |type|
// UNDEFINED.
onnx::AttributeProto::AttributeType attr_kind(const onnx::AttributeProto& a);

}  // namespace aivm::compiler::onnx_import
