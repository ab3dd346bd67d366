// libFuzzer target: any bytes through the loader and verifiers; whatever loads also runs.
// A crash, leak or out-of-bounds access here is a bug in the container checks, the loader or
// the bytecode verifier.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "aivm.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  aivm_model_t* model = nullptr;
  aivm_status_t s = aivm_model_load_buffer(data, size, aivm_allocator_system(), &model);
  if (s) {
    aivm_status_free(s);
    return 0;
  }
  // Keep iterations fast: a valid bundle may legitimately plan a large arena and long kernels.
  if (aivm_model_arena_bytes(model) <= (4u << 20)) {
    aivm_session_t* session = nullptr;
    aivm_session_options_t options{};
    options.max_loop_iterations = 1024;  // a crafted loop ends with an error instead of 2^24 rounds
    if (aivm_session_create(model, &options, aivm_allocator_system(), &session) == AIVM_OK) {
      for (size_t i = 0; i < aivm_model_input_count(model); ++i) {
        aivm_tensor_info_t info;
        if (aivm_model_input_info(model, i, &info) != AIVM_OK) continue;
        size_t bytes = aivm_dtype_size(info.dtype);
        for (size_t d = 0; d < info.rank; ++d) bytes *= size_t(info.shape[d]);
        std::vector<uint8_t> zeros(bytes);
        aivm_status_free(aivm_session_set_input(session, info.name, info.dtype, info.shape, info.rank, zeros.data(), bytes));
      }
      aivm_status_free(aivm_session_run(session));
      aivm_session_release(session);
    }
  }
  aivm_model_release(model);
  return 0;
}
