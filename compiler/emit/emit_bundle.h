// Emission: instruction selection, register assignment, memory planning and the bundle.
#pragma once

#include "compiler/ir/register_ir.h"
#include "format/writer.h"

namespace aivm::compiler {

// Assumes: shapes inferred, passes run. Selection may add constant values to |f| (weights
// pre-packed for f.pack_for). Guarantees: a BundleDesc the VM's verifier accepts
// (register indices within the ISA's fields, arena offsets planned, jumps resolved).
format::FunctionDesc emit_function(Function& f, std::vector<format::ConstantDesc>* constants,
                                   std::vector<format::TensorSpecDesc>* inputs,
                                   std::vector<format::TensorSpecDesc>* outputs);

}  // namespace aivm::compiler
