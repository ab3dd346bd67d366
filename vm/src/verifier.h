// Bytecode verifier: proves, before anything runs, every fact the interpreter relies on
// without checking: opcodes are defined, operand fields are in range for their kind,
// attribute records have the right layout, dtypes and shapes obey the op's rules (so kernels
// stay in bounds), written registers live in the arena, and control cannot fall off the end.
#pragma once

#include "aivm.h"
#include "vm/src/program.h"

namespace aivm::vm {

// Verifies one function whose register table and attribute offsets the loader already
// checked. |index| is used in messages only.
aivm_status_t verify_function(const Function& function, size_t index);

// What a dynamic function gets at load (vm/src/specialize.h verifies each specialisation in
// full): opcodes defined, operand fields in range, the last instruction leaves.
aivm_status_t verify_function_structure(const Function& function, size_t index);

struct Inference;
// Runs every rule over the entry function |f| in layout order with |infer|: the rules bind the
// unknown register shapes. Fails naming the instruction when a shape cannot be inferred.
aivm_status_t infer_function_shapes(Function* f, Inference* infer);

}  // namespace aivm::vm
