// Test helper: compile a stack program or model in memory, load it through the C API, run it.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "aivm.h"
#include "compiler/compile.h"
#include "format/writer.h"

namespace aivm::testing {

// Owns a status and prints its message in assertions.
inline std::string take_message(aivm_status_t s) {
  std::string m = aivm_status_message(s);
  aivm_status_free(s);
  return m;
}

struct LoadedModel {
  aivm_model_t* model = nullptr;
  aivm_session_t* session = nullptr;
  ~LoadedModel() {
    aivm_session_release(session);
    aivm_model_release(model);
  }
};

// Loads |bytes| and creates a session; returns the status message ("OK" on success).
inline std::string load(const std::vector<uint8_t>& bytes, LoadedModel* out, int threads = 1) {
  aivm_status_t s = aivm_model_load_buffer(bytes.data(), bytes.size(), aivm_allocator_system(), &out->model);
  if (s) return take_message(s);
  aivm_session_options_t opts{};
  opts.intra_op_threads = threads;
  s = aivm_session_create(out->model, &opts, aivm_allocator_system(), &out->session);
  return s ? take_message(s) : "OK";
}

inline std::vector<uint8_t> compile_to_bytes(const compiler::StackProgram& p,
                                             const compiler::CompileOptions& options = {}) {
  return format::serialize_bundle(compiler::compile_program(p, options));
}

inline std::vector<float> output_f32(aivm_session_t* s, size_t index) {
  aivm_tensor_view_t v;
  aivm_status_t st = aivm_session_get_output(s, index, &v);
  if (st) {
    ADD_FAILURE() << take_message(st);
    return {};
  }
  const float* p = static_cast<const float*>(v.data);
  return std::vector<float>(p, p + v.size_bytes / 4);
}

}  // namespace aivm::testing
