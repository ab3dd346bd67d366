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
#include "vm/src/specialize.h"
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
  return model && !model->functions.empty() && !model->specs ? model->functions[0].arena_bytes : 0;
}

size_t aivm_model_specialization_count(const aivm_model_t* model) {
  return model && model->specs ? model->specs->size() : 0;
}

}  // extern "C"

//===----------------------------------------------------------------------===//
// Session
//===----------------------------------------------------------------------===//

struct aivm_session_s {
  aivm_model_t* model = nullptr;
  aivm_allocator_t allocator{};
  uint8_t* arena = nullptr;
  uint64_t arena_capacity = 0;
  const aivm::vm::Function* fn = nullptr;  // what runs: the entry function, or spec->f
  std::vector<uint8_t*> register_data;  // fn: one pointer per register
  // Dynamic models: inputs wait here until the run, whose input shapes pick the specialisation.
  std::shared_ptr<const aivm::vm::Specialization> spec;
  std::vector<int64_t> spec_key;
  std::vector<std::vector<uint8_t>> staged;   // per input; data
  std::vector<std::vector<int64_t>> staged_dims;
  std::vector<bool> staged_set;
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

// Makes |f| the session's function: one data pointer per register, into the session's arena.
void point_registers(aivm_session_t* s, const aivm::vm::Function* f) {
  s->fn = f;
  s->register_data.resize(f->registers.size());
  for (size_t i = 0; i < f->registers.size(); ++i) {
    const auto& r = f->registers[i];
    s->register_data[i] = r.is_constant ? const_cast<uint8_t*>(r.constant_data) : s->arena + r.arena_offset;
  }
}

// Dynamic models: checks |shape| against input |e|'s static dims and keeps a copy of the data.
aivm_status_t stage_input(aivm_session_t* s, size_t index, aivm_dtype_t dtype, const int64_t* shape, size_t rank,
                          const void* data, size_t size_bytes) {
  const aivm::vm::SignatureEntry& e = s->model->inputs[index];
  const char* name = e.name.c_str();
  if (aivm::DType(dtype) != e.dtype)
    return make_status(AIVM_STATUS_INVALID_ARGUMENT, "input '%s': got dtype %s, expected %s", name, aivm_dtype_name(dtype),
                       aivm::dtype_name(e.dtype));
  if (rank != size_t(e.shape.rank))
    return make_status(AIVM_STATUS_INVALID_ARGUMENT, "input '%s': got rank %zu, expected %d (%s)", name, rank, e.shape.rank,
                       shape_str(e.shape).c_str());
  uint64_t bytes = aivm::dtype_size(e.dtype);
  for (size_t k = 0; k < rank; ++k) {
    if (e.shape.dims[k] >= 0 ? shape[k] != e.shape.dims[k] : shape[k] < 0)
      return make_status(AIVM_STATUS_INVALID_ARGUMENT, "input '%s' axis %zu: got %lld, expected %s (the model's shape is %s)",
                         name, k, (long long)shape[k], e.shape.dims[k] >= 0 ? std::to_string(e.shape.dims[k]).c_str() : "a size >= 0",
                         shape_str(e.shape).c_str());
    if (shape[k] > 0 && bytes > (uint64_t(1) << 48) / uint64_t(shape[k]))
      return make_status(AIVM_STATUS_INVALID_ARGUMENT, "input '%s': the shape is too large", name);
    bytes *= uint64_t(shape[k]);
  }
  if (size_bytes != bytes)
    return make_status(AIVM_STATUS_INVALID_ARGUMENT, "input '%s': got %zu bytes, the shape %s needs %llu", name, size_bytes,
                       shape_str(e.shape).c_str(), (unsigned long long)bytes);
  s->staged[index].assign(static_cast<const uint8_t*>(data), static_cast<const uint8_t*>(data) + size_bytes);
  s->staged_dims[index].assign(shape, shape + rank);
  s->staged_set[index] = true;
  return AIVM_OK;
}

// Dynamic models: selects the specialisation for the staged inputs' shapes (made on the first
// run at them), grows the arena to its plan and copies the inputs in.
aivm_status_t prepare_dynamic_run(aivm_session_t* s) {
  const aivm_model_t* m = s->model;
  std::vector<int64_t> key;
  for (size_t i = 0; i < m->inputs.size(); ++i) {
    if (!s->staged_set[i])
      return make_status(AIVM_STATUS_FAILED_PRECONDITION, "input '%s' was not set", m->inputs[i].name.c_str());
    key.insert(key.end(), s->staged_dims[i].begin(), s->staged_dims[i].end());
  }
  if (!s->spec || key != s->spec_key) {
    std::shared_ptr<const aivm::vm::Specialization> spec;
    AIVM_RETURN_IF_ERROR(s->model->specs->get(s->model, key, &spec));
    if (spec->f.arena_bytes > s->arena_capacity) {
      uint8_t* arena = static_cast<uint8_t*>(s->allocator.alloc(s->allocator.self, spec->f.arena_bytes, 64));
      if (!arena)
        return make_status(AIVM_STATUS_OUT_OF_MEMORY, "cannot allocate the %llu-byte arena",
                           (unsigned long long)spec->f.arena_bytes);
      if (s->arena) s->allocator.free(s->allocator.self, s->arena);
      s->arena = arena;
      s->arena_capacity = spec->f.arena_bytes;
    }
    s->spec = std::move(spec);
    s->spec_key = std::move(key);
    point_registers(s, &s->spec->f);
  }
  for (size_t i = 0; i < m->inputs.size(); ++i)
    if (!s->staged[i].empty()) std::memcpy(s->register_data[m->inputs[i].reg], s->staged[i].data(), s->staged[i].size());
  return AIVM_OK;
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
  if (model->specs) {
    s->staged.resize(model->inputs.size());
    s->staged_dims.resize(model->inputs.size());
    s->staged_set.assign(model->inputs.size(), false);
  } else if (f.arena_bytes) {
    s->arena = static_cast<uint8_t*>(allocator.alloc(allocator.self, f.arena_bytes, 64));
    if (!s->arena) {
      delete s;
      return make_status(AIVM_STATUS_OUT_OF_MEMORY, "cannot allocate the %llu-byte arena",
                         (unsigned long long)f.arena_bytes);
    }
    // Not cleared: every tensor is written before it is read, and untouched pages of a large
    // arena then cost no physical memory.
  }
  s->arena_capacity = model->specs ? 0 : f.arena_bytes;
  if (!model->specs) point_registers(s, &f);
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
  aivm_model_t* m = session->model;
  for (const auto& e : m->inputs) {
    if (e.name != name) continue;
    if (m->specs) return stage_input(session, size_t(&e - m->inputs.data()), dtype, shape, rank, data, size_bytes);
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
  if (session->model->specs) {
    session->has_run = false;
    AIVM_RETURN_IF_ERROR(prepare_dynamic_run(session));
  }
  aivm::vm::RunState run;
  run.loop_budget = session->max_loop_iterations;
  aivm::vm::Frame frame{session->fn, session->register_data.data(), session->pool, &run};
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
  const aivm::vm::RegisterInfo& r = session->fn->registers[e.reg];  // concrete, also for a specialisation
  out_view->dtype = aivm_dtype_t(e.dtype);
  out_view->rank = size_t(r.shape.rank);
  for (int i = 0; i < AIVM_MAX_RANK; ++i) out_view->shape[i] = i < r.shape.rank ? r.shape.dims[i] : 0;
  out_view->data = session->register_data[e.reg];
  out_view->size_bytes = r.bytes;
  return AIVM_OK;
}

uint64_t aivm_session_arena_bytes(const aivm_session_t* session) {
  return session && session->fn ? session->fn->arena_bytes : 0;
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
  const aivm::vm::Function& f = session->fn ? *session->fn : session->model->functions[0];
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
