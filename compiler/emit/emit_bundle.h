// Emission: instruction selection, register assignment, memory planning and the bundle.
#pragma once

#include "compiler/ir/register_ir.h"
#include "format/writer.h"

namespace aivm::compiler {

// Assumes: shapes inferred, passes run. Guarantees: a BundleDesc the VM's verifier accepts
// (register indices within the ISA's fields, arena offsets planned, jumps resolved).
format::FunctionDesc emit_function(const Function& f, std::vector<format::ConstantDesc>* constants,
                                   std::vector<format::TensorSpecDesc>* inputs,
                                   std::vector<format::TensorSpecDesc>* outputs);

}  // namespace aivm::compiler
