// The interpreter: runs one verified function over a session's register data.
#pragma once

#include "vm/src/op_handlers.h"

namespace aivm::vm {

// Executes |fr.f| from instruction 0 until HALT. What could go wrong statically was ruled out
// by the verifier at load time; what depends on the data (loop budget, a run-time index) makes
// a handler leave with fr.run->error set, which is returned (AIVM_OK after HALT).
aivm_status_t execute(const Frame& fr);

}  // namespace aivm::vm
