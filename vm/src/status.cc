// Status objects: creation, inspection and release.
#include "vm/src/status.h"

#include <cstdarg>
#include <cstdio>
#include <new>

namespace aivm::vm {
namespace {
// Returned when the status itself cannot be allocated; never freed.
aivm_status_s g_out_of_memory{AIVM_STATUS_OUT_OF_MEMORY, "out of memory while reporting an error"};
}  // namespace

aivm_status_t make_status(aivm_status_code_t code, const std::string& message) {
  aivm_status_t s = new (std::nothrow) aivm_status_s{code, message};
  return s ? s : &g_out_of_memory;
}

bool is_static_status(aivm_status_t s) { return s == &g_out_of_memory; }

aivm_status_t make_status(aivm_status_code_t code, const char* fmt, ...) {
  char buf[1024];
  va_list args;
  va_start(args, fmt);
  std::vsnprintf(buf, sizeof(buf), fmt, args);
  va_end(args);
  return make_status(code, std::string(buf));
}

}  // namespace aivm::vm

extern "C" {

aivm_status_code_t aivm_status_code(aivm_status_t status) {
  return status ? status->code : AIVM_STATUS_OK;
}

const char* aivm_status_message(aivm_status_t status) {
  return status ? status->message.c_str() : "OK";
}

void aivm_status_free(aivm_status_t status) {
  if (!aivm::vm::is_static_status(status)) delete status;
}

}  // extern "C"
