// Status objects behind aivm_status_t, and the helpers the runtime uses to make them.
#pragma once

#include <string>

#include "aivm.h"

struct aivm_status_s {
  aivm_status_code_t code;
  std::string message;
};

namespace aivm::vm {

// Returns a new status with |code| and a printf-formatted message.
aivm_status_t make_status(aivm_status_code_t code, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
aivm_status_t make_status(aivm_status_code_t code, const std::string& message);
bool is_static_status(aivm_status_t status);

#define AIVM_RETURN_IF_ERROR(expr)        \
  do {                                    \
    aivm_status_t status_ = (expr);       \
    if (status_ != AIVM_OK) return status_; \
  } while (0)

}  // namespace aivm::vm
