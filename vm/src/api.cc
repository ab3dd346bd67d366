// The C API: model loading, signature queries, sessions.
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <string>

#include "aivm.h"
#include "kernels/config/thread_pool.h"
#include "vm/src/interp.h"
#include "vm/src/loader.h"
#include "vm/src/profile.h"
#include "vm/src/program.h"
#include "vm/src/status.h"

using aivm::vm::make_status;

//===----------------------------------------------------------------------===//
// Allocator and dtypes
//===----------------------------------------------------------------------===//

static_assert(int(AIVM_DTYPE_F32) == int(aivm::DType::F32) && int(AIVM_DTYPE_BOOL) == int(aivm::DType::Bool) &&
                  int(aivm::fb::DType::I64) == int(aivm::DType::I64) && int(aivm::fb::DType::Bool) == int(aivm::DType::Bool) &&
                  int(AIVM_DTYPE_F64) == int(aivm::DType::F64) && int(AIVM_DTYPE_BF16) == int(aivm::DType::BF16) &&
                  int(AIVM_DTYPE_I2) == int(aivm::DType::I2) && int(aivm::fb::DType::I2) == int(aivm::DType::I2) &&
                  int(aivm::fb::DType::F8E4M3FN) == int(aivm::DType::F8E4M3FN) && aivm::kDTypeCount == 24,
              "dtype numbering must agree between aivm.h, format/dtype.h and aivm.fbs");

namespace {

void* system_alloc(void*, size_t size, size_t alignment) {
  // aligned_alloc wants size to be a multiple of the alignment.
  size_t rounded = (size + alignment - 1) / alignment * alignment;
  return std::aligned_alloc(alignment, rounded ? rounded : alignment);
}
void system_free(void*, void* ptr) { std::free(ptr); }

}  // namespace

extern "C" {

aivm_allocator_t aivm_allocator_system(void) { return {nullptr, system_alloc, system_free}; }

const char* aivm_dtype_name(aivm_dtype_t dtype) { return aivm::dtype_name(aivm::DType(dtype)); }
size_t aivm_dtype_size(aivm_dtype_t dtype) { return aivm::dtype_size(aivm::DType(dtype)); }

//===----------------------------------------------------------------------===//
// Model
//===----------------------------------------------------------------------===//

static aivm_status_t finish_load(aivm_model_s* model, const char* where, aivm_model_t** out_model) {
  aivm_status_t st = aivm::vm::load_program(model);
  if (st != AIVM_OK) {
    std::string msg = std::string(where) + ": " + aivm_status_message(st);
    aivm_status_code_t code = aivm_status_code(st);
    aivm_status_free(st);
    aivm_model_release(model);
    return make_status(code, msg);
  }
  *out_model = model;
  return AIVM_OK;
}

aivm_status_t aivm_model_load_file(const char* path, aivm_allocator_t allocator, aivm_model_t** out_model) {
  if (!path || !out_model || !allocator.alloc || !allocator.free)
    return make_status(AIVM_STATUS_INVALID_ARGUMENT, "aivm_model_load_file: path, allocator and out_model are required");
  *out_model = nullptr;
  auto* model = new (std::nothrow) aivm_model_s;
  if (!model) return make_status(AIVM_STATUS_OUT_OF_MEMORY, "cannot allocate a model");
  model->allocator = allocator;
  std::string error;
  if (!model->file.open(path, &error)) {
    delete model;
    return make_status(AIVM_STATUS_NOT_FOUND, error);
  }
  if (!aivm::format::verify_bundle(model->file.data(), model->file.size(), &model->view, &error)) {
    delete model;
    return make_status(AIVM_STATUS_INVALID_BUNDLE, std::string(path) + ": " + error);
  }
  return finish_load(model, path, out_model);
}

aivm_status_t aivm_model_load_buffer(const void* data, size_t size, aivm_allocator_t allocator,
                                     aivm_model_t** out_model) {
  if (!data || !out_model || !allocator.alloc || !allocator.free)
    return make_status(AIVM_STATUS_INVALID_ARGUMENT, "aivm_model_load_buffer: data, allocator and out_model are required");
  *out_model = nullptr;
  auto* model = new (std::nothrow) aivm_model_s;
  if (!model) return make_status(AIVM_STATUS_OUT_OF_MEMORY, "cannot allocate a model");
  model->allocator = allocator;
  // Our own copy, 64-byte aligned, so constants keep the alignment the bundle promises.
  model->owned_buffer = allocator.alloc(allocator.self, size ? size : 1, 64);
  if (!model->owned_buffer) {
    delete model;
    return make_status(AIVM_STATUS_OUT_OF_MEMORY, "cannot allocate %zu bytes for the bundle", size);
  }
  std::memcpy(model->owned_buffer, data, size);
  std::string error;
  if (!aivm::format::verify_bundle(static_cast<const uint8_t*>(model->owned_buffer), size, &model->view, &error)) {
    aivm_model_release(model);
    return make_status(AIVM_STATUS_INVALID_BUNDLE, "buffer: " + error);
  }
  return finish_load(model, "buffer", out_model);
}

void aivm_model_release(aivm_model_t* model) {
  if (!model || model->refs.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  if (model->owned_buffer) model->allocator.free(model->allocator.self, model->owned_buffer);
  delete model;
}

size_t aivm_model_input_count(const aivm_model_t* model) { return model ? model->inputs.size() : 0; }
size_t aivm_model_output_count(const aivm_model_t* model) { return model ? model->outputs.size() : 0; }

static aivm_status_t tensor_info(const std::vector<aivm::vm::SignatureEntry>& list, const char* kind, size_t index,
                                 aivm_tensor_info_t* out) {
  if (!out || index >= list.size())
    return make_status(AIVM_STATUS_INVALID_ARGUMENT, "%s index %zu out of range (model has %zu)", kind, index, list.size());
  const auto& e = list[index];
  out->name = e.name.c_str();
  out->dtype = aivm_dtype_t(e.dtype);
  out->rank = size_t(e.shape.rank);
  for (int i = 0; i < AIVM_MAX_RANK; ++i) out->shape[i] = i < e.shape.rank ? e.shape.dims[i] : 0;
  return AIVM_OK;
}

aivm_status_t aivm_model_input_info(const aivm_model_t* model, size_t index, aivm_tensor_info_t* out_info) {
  if (!model) return make_status(AIVM_STATUS_INVALID_ARGUMENT, "model is NULL");
  return tensor_info(model->inputs, "input", index, out_info);
}

aivm_status_t aivm_model_output_info(const aivm_model_t* model, size_t index, aivm_tensor_info_t* out_info) {
  if (!model) return make_status(AIVM_STATUS_INVALID_ARGUMENT, "model is NULL");
  return tensor_info(model->outputs, "output", index, out_info);
}

const char* aivm_model_load_note(const aivm_model_t* model) { return model ? model->load_note.c_str() : ""; }

uint64_t aivm_model_arena_bytes(const aivm_model_t* model) {
  return model && !model->functions.empty() ? model->functions[0].arena_bytes : 0;
}

}  // extern "C"

//===----------------------------------------------------------------------===//
// Session
//===----------------------------------------------------------------------===//

struct aivm_session_s {
  aivm_model_t* model = nullptr;
  aivm_allocator_t allocator{};
  uint8_t* arena = nullptr;
  std::vector<uint8_t*> register_data;  // entry function: one pointer per register
  aivm::kernels::ThreadPool* pool = nullptr;
  int64_t max_loop_iterations = AIVM_DEFAULT_MAX_LOOP_ITERATIONS;
  bool has_run = false;
  std::unique_ptr<aivm::vm::Profiler> profiler;  // set while profiling is on
};

namespace {

std::string shape_str(const aivm::kernels::Shape& s) {
  std::string out = "[";
  for (int i = 0; i < s.rank; ++i) out += (i ? "," : "") + std::to_string(s.dims[i]);
  return out + "]";
}

// "input 'x' f32 [1,1,8,8], input 'y' ..." for messages about a wrong input.
std::string expected_inputs(const aivm_model_t* m) {
  std::string s;
  for (const auto& e : m->inputs)
    s += (s.empty() ? "" : ", ") + ("'" + e.name + "' " + aivm::dtype_name(e.dtype) + " " + shape_str(e.shape));
  return s.empty() ? "none" : s;
}

}  // namespace

extern "C" {

aivm_status_t aivm_session_create(aivm_model_t* model, const aivm_session_options_t* options,
                                  aivm_allocator_t allocator, aivm_session_t** out_session) {
  if (!model || !out_session || !allocator.alloc || !allocator.free)
    return make_status(AIVM_STATUS_INVALID_ARGUMENT, "aivm_session_create: model, allocator and out_session are required");
  *out_session = nullptr;
  auto* s = new (std::nothrow) aivm_session_s;
  if (!s) return make_status(AIVM_STATUS_OUT_OF_MEMORY, "cannot allocate a session");
  s->allocator = allocator;
  const aivm::vm::Function& f = model->functions[0];
  if (f.arena_bytes) {
    s->arena = static_cast<uint8_t*>(allocator.alloc(allocator.self, f.arena_bytes, 64));
    if (!s->arena) {
      delete s;
      return make_status(AIVM_STATUS_OUT_OF_MEMORY, "cannot allocate the %llu-byte arena",
                         (unsigned long long)f.arena_bytes);
    }
    // Not cleared: every tensor is written before it is read, and untouched pages of a large
    // arena then cost no physical memory.
  }
  s->register_data.resize(f.registers.size());
  for (size_t i = 0; i < f.registers.size(); ++i) {
    const auto& r = f.registers[i];
    s->register_data[i] = r.is_constant ? const_cast<uint8_t*>(r.constant_data) : s->arena + r.arena_offset;
  }
  int threads = options ? options->intra_op_threads : 1;
  if (threads > 1) s->pool = new (std::nothrow) aivm::kernels::ThreadPool(threads);
  if (options && options->max_loop_iterations > 0) s->max_loop_iterations = options->max_loop_iterations;
  model->refs.fetch_add(1, std::memory_order_relaxed);
  s->model = model;
  *out_session = s;
  return AIVM_OK;
}

void aivm_session_release(aivm_session_t* session) {
  if (!session) return;
  delete session->pool;
  if (session->arena) session->allocator.free(session->allocator.self, session->arena);
  aivm_model_release(session->model);
  delete session;
}

aivm_status_t aivm_session_set_input(aivm_session_t* session, const char* name, aivm_dtype_t dtype,
                                     const int64_t* shape, size_t rank, const void* data, size_t size_bytes) {
  if (!session || !name || (rank && !shape) || (size_bytes && !data))
    return make_status(AIVM_STATUS_INVALID_ARGUMENT, "aivm_session_set_input: session, name, shape and data are required");
  const aivm_model_t* m = session->model;
  for (const auto& e : m->inputs) {
    if (e.name != name) continue;
    bool same = aivm::DType(dtype) == e.dtype && rank == size_t(e.shape.rank);
    for (size_t i = 0; same && i < rank; ++i) same = shape[i] == e.shape.dims[i];
    const auto& reg = m->functions[0].registers[e.reg];
    if (!same || size_bytes != reg.bytes) {
      aivm::kernels::Shape given;
      given.rank = int(rank > AIVM_MAX_RANK ? AIVM_MAX_RANK : rank);
      for (int i = 0; i < given.rank; ++i) given.dims[i] = shape[i];
      return make_status(AIVM_STATUS_INVALID_ARGUMENT, "input '%s': got %s %s (%zu bytes); expected inputs: %s", name,
                         aivm_dtype_name(dtype), shape_str(given).c_str(), size_bytes, expected_inputs(m).c_str());
    }
    if (size_bytes) std::memcpy(session->register_data[e.reg], data, size_bytes);  // an empty tensor may come as NULL
    return AIVM_OK;
  }
  return make_status(AIVM_STATUS_NOT_FOUND, "no input named '%s'; expected inputs: %s", name, expected_inputs(m).c_str());
}

aivm_status_t aivm_session_run(aivm_session_t* session) {
  if (!session) return make_status(AIVM_STATUS_INVALID_ARGUMENT, "session is NULL");
  aivm::vm::RunState run;
  run.loop_budget = session->max_loop_iterations;
  aivm::vm::Frame frame{&session->model->functions[0], session->register_data.data(), session->pool, &run};
  aivm_status_t st = session->profiler ? aivm::vm::execute_profiled(frame, *session->profiler) : aivm::vm::execute(frame);
  session->has_run = st == AIVM_OK;  // a failed run's outputs are not to be read
  return st;
}

aivm_status_t aivm_session_get_output(aivm_session_t* session, size_t index, aivm_tensor_view_t* out_view) {
  if (!session || !out_view) return make_status(AIVM_STATUS_INVALID_ARGUMENT, "session and out_view are required");
  const auto& outs = session->model->outputs;
  if (index >= outs.size())
    return make_status(AIVM_STATUS_INVALID_ARGUMENT, "output index %zu out of range (model has %zu)", index, outs.size());
  if (!session->has_run) return make_status(AIVM_STATUS_FAILED_PRECONDITION, "output read before a successful run of the session");
  const auto& e = outs[index];
  out_view->dtype = aivm_dtype_t(e.dtype);
  out_view->rank = size_t(e.shape.rank);
  for (int i = 0; i < AIVM_MAX_RANK; ++i) out_view->shape[i] = i < e.shape.rank ? e.shape.dims[i] : 0;
  out_view->data = session->register_data[e.reg];
  out_view->size_bytes = session->model->functions[0].registers[e.reg].bytes;
  return AIVM_OK;
}

aivm_status_t aivm_session_set_profiling(aivm_session_t* session, aivm_profiling_t mode) {
  if (!session) return make_status(AIVM_STATUS_INVALID_ARGUMENT, "session is NULL");
  if (mode == AIVM_PROFILING_OFF) {
    session->profiler.reset();
    return AIVM_OK;
  }
  if (mode != AIVM_PROFILING_COUNTERS && mode != AIVM_PROFILING_TRACE)
    return make_status(AIVM_STATUS_INVALID_ARGUMENT, "unknown profiling mode %d", int(mode));
  if (!session->profiler) session->profiler.reset(new (std::nothrow) aivm::vm::Profiler);
  if (!session->profiler) return make_status(AIVM_STATUS_OUT_OF_MEMORY, "cannot allocate the profiler");
  session->profiler->reset(session->model->functions[0], mode == AIVM_PROFILING_TRACE);
  return AIVM_OK;
}

size_t aivm_session_profile_size(const aivm_session_t* session) {
  return session && session->profiler ? session->profiler->counters.size() : 0;
}

aivm_status_t aivm_session_profile_get(const aivm_session_t* session, size_t instruction,
                                       aivm_instruction_profile_t* out_profile) {
  if (!session || !out_profile) return make_status(AIVM_STATUS_INVALID_ARGUMENT, "session and out_profile are required");
  size_t n = aivm_session_profile_size(session);
  if (instruction >= n)
    return make_status(AIVM_STATUS_INVALID_ARGUMENT, "instruction %zu out of range (profile has %zu; is profiling on?)", instruction, n);
  const aivm::vm::Function& f = session->model->functions[0];
  uint64_t word = f.code[instruction];
  const aivm::isa::OpInfo* info = aivm::isa::op_info(AIVM_OPCODE(word));
  out_profile->opcode = info ? info->mnemonic : "?";
  out_profile->source = instruction < f.debug_names.size() ? f.debug_names[instruction].c_str() : "";
  out_profile->calls = session->profiler->counters[instruction].calls;
  out_profile->total_ns = session->profiler->counters[instruction].total_ns;
  out_profile->flops = aivm::vm::instruction_flops(f, word);
  return AIVM_OK;
}

size_t aivm_session_trace_size(const aivm_session_t* session, uint64_t* out_dropped) {
  const aivm::vm::Profiler* p = session ? session->profiler.get() : nullptr;
  if (out_dropped) *out_dropped = p ? p->dropped_events : 0;
  return p ? p->events.size() : 0;
}

aivm_status_t aivm_session_trace_get(const aivm_session_t* session, size_t index, aivm_trace_event_t* out_event) {
  if (!session || !out_event) return make_status(AIVM_STATUS_INVALID_ARGUMENT, "session and out_event are required");
  size_t n = aivm_session_trace_size(session, nullptr);
  if (index >= n) return make_status(AIVM_STATUS_INVALID_ARGUMENT, "trace event %zu out of range (trace has %zu)", index, n);
  const aivm::vm::TraceEvent& e = session->profiler->events[index];
  *out_event = {e.instruction, e.run, e.start_ns, e.duration_ns};
  return AIVM_OK;
}

}  // extern "C"
