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

}  // namespace aivm::vm
