// Einsum as a body of existing ops (Transpose, Reshape, Slice, ReduceSum, MatMul), for the
// composite-op expansion (compiler/onnx/decompose.cc). See einsum.cc for the lowering.
#pragma once

#include <string>
#include <vector>

namespace aivm::compiler::onnx_import {

// The ONNX-text function for |equation| over inputs of |ranks| (-1 where the model does not
// declare it; only a term with an ellipsis needs it): the signature line in *signature, the
// "{ ... }" body in *body. Returns false with the reason in *error for an equation it cannot
// lower (malformed, or a rank it needs but does not know).
bool einsum_function(const std::string& equation, const std::vector<int>& ranks, std::string* signature,
                     std::string* body, std::string* error);

}  // namespace aivm::compiler::onnx_import
