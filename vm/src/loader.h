// Loader: turns a container-verified bundle into a Program (register table resolved to arena
// offsets and constant pointers, attribute records indexed, signature checked) and runs the
// bytecode verifier on every function.
#pragma once

#include "aivm.h"
#include "vm/src/program.h"

namespace aivm::vm {

// Fills |model|'s functions and signature from |model->view|.
aivm_status_t load_program(aivm_model_s* model);

// Load-time work on a verified function's constants for this CPU: repacks GEMM weights packed
// for another layout, packs CONV weights (model-owned memory). Runs once per function.
aivm_status_t prepare_constants(aivm_model_s* model, Function* f);

}  // namespace aivm::vm
