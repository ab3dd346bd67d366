// The interpreter: runs one verified function over a session's register data.
#pragma once

#include "vm/src/op_handlers.h"

namespace aivm::vm {

// Executes |fr.f| from instruction 0 until HALT. Never fails: everything that could go wrong
// was ruled out by the verifier at load time.
void execute(const Frame& fr);

}  // namespace aivm::vm
