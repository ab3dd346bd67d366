/* aivm: the embeddable runtime's C API.
 *
 * A model is a loaded, verified bundle (.aivm). It is immutable after loading and may be
 * shared by any number of sessions on any threads. A session owns one arena and the inputs
 * and outputs of one run at a time; a session is not thread-safe, use one per thread.
 *
 * Every fallible call returns aivm_status_t. NULL (AIVM_OK) means success; anything else is
 * an error object the caller must release with aivm_status_free() after reading it.
 */
#ifndef AIVM_H_
#define AIVM_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*===------------------------------------------------------------------------------------===*/
/* Status                                                                                   */
/*===------------------------------------------------------------------------------------===*/

typedef enum aivm_status_code_e {
  AIVM_STATUS_OK = 0,
  AIVM_STATUS_INVALID_ARGUMENT = 1, /* a caller's argument is wrong (name, dtype, shape, NULL) */
  AIVM_STATUS_NOT_FOUND = 2,        /* a file or a named input/output does not exist */
  AIVM_STATUS_IO_ERROR = 3,         /* reading or mapping a file failed */
  AIVM_STATUS_INVALID_BUNDLE = 4,   /* the bundle failed verification */
  AIVM_STATUS_UNSUPPORTED = 5,      /* valid, but needs something this build lacks */
  AIVM_STATUS_OUT_OF_MEMORY = 6,
  AIVM_STATUS_FAILED_PRECONDITION = 7, /* e.g. reading an output before run */
  AIVM_STATUS_INTERNAL = 8,
  AIVM_STATUS_RESOURCE_EXHAUSTED = 9, /* a run hit a session limit (max_loop_iterations) */
  AIVM_STATUS_OUT_OF_RANGE = 10,      /* the inputs drove the model outside what it was compiled
                                         for, e.g. a Loop with scan outputs ending early */
} aivm_status_code_t;

typedef struct aivm_status_s* aivm_status_t;
#define AIVM_OK ((aivm_status_t)0)

/* The code of |status|; AIVM_STATUS_OK for NULL. */
aivm_status_code_t aivm_status_code(aivm_status_t status);
/* A one-line message saying what failed and where; "OK" for NULL. Owned by |status|. */
const char* aivm_status_message(aivm_status_t status);
/* Releases |status|; NULL is allowed. */
void aivm_status_free(aivm_status_t status);

/*===------------------------------------------------------------------------------------===*/
/* Allocator: supplied by the caller to every create function.                             */
/*===------------------------------------------------------------------------------------===*/

typedef struct aivm_allocator_s {
  void* self;
  /* Returns |size| bytes aligned to |alignment| (a power of two, <= 4096), or NULL. */
  void* (*alloc)(void* self, size_t size, size_t alignment);
  void (*free)(void* self, void* ptr);
} aivm_allocator_t;

/* The process heap (aligned_alloc/free). */
aivm_allocator_t aivm_allocator_system(void);

/*===------------------------------------------------------------------------------------===*/
/* Tensors                                                                                  */
/*===------------------------------------------------------------------------------------===*/

/* Numbering shared with the bundle schema (format/aivm.fbs). */
typedef enum aivm_dtype_e {
  AIVM_DTYPE_UNDEFINED = 0,
  AIVM_DTYPE_F32 = 1,
  AIVM_DTYPE_F16 = 2,
  AIVM_DTYPE_I8 = 3,
  AIVM_DTYPE_U8 = 4,
  AIVM_DTYPE_I32 = 5,
  AIVM_DTYPE_I64 = 6,
  AIVM_DTYPE_BOOL = 7,
  AIVM_DTYPE_F64 = 8,
  AIVM_DTYPE_I16 = 9,
  AIVM_DTYPE_U16 = 10,
  AIVM_DTYPE_U32 = 11,
  AIVM_DTYPE_U64 = 12,
  AIVM_DTYPE_BF16 = 13,      /* bfloat16 bit patterns */
  AIVM_DTYPE_F8E4M3FN = 14,  /* float8 kinds: bit patterns, one byte each */
  AIVM_DTYPE_F8E4M3FNUZ = 15,
  AIVM_DTYPE_F8E5M2 = 16,
  AIVM_DTYPE_F8E5M2FNUZ = 17,
  AIVM_DTYPE_U4 = 18,  /* 4- and 2-bit integers: one element per byte, NOT packed */
  AIVM_DTYPE_I4 = 19,  /* (sign-extended), as numpy's ml_dtypes holds them */
  AIVM_DTYPE_F4E2M1 = 20,  /* bit pattern in the low nibble of a byte */
  AIVM_DTYPE_F8E8M0 = 21,
  AIVM_DTYPE_U2 = 22,
  AIVM_DTYPE_I2 = 23,
} aivm_dtype_t;

#define AIVM_MAX_RANK 8

/* "f32", "i64", ... */
const char* aivm_dtype_name(aivm_dtype_t dtype);
/* Bytes per element, 0 for UNDEFINED. */
size_t aivm_dtype_size(aivm_dtype_t dtype);

/* Describes a signature entry. |name| is owned by the model. A dim < 0 is symbolic. */
typedef struct aivm_tensor_info_s {
  const char* name;
  aivm_dtype_t dtype;
  size_t rank;
  int64_t shape[AIVM_MAX_RANK];
} aivm_tensor_info_t;

/* A view of tensor data owned by someone else. */
typedef struct aivm_tensor_view_s {
  aivm_dtype_t dtype;
  size_t rank;
  int64_t shape[AIVM_MAX_RANK];
  const void* data;
  size_t size_bytes;
} aivm_tensor_view_t;

/*===------------------------------------------------------------------------------------===*/
/* Model: a loaded, verified bundle. Thread-safe, immutable.                                */
/*===------------------------------------------------------------------------------------===*/

typedef struct aivm_model_s aivm_model_t;

/* Maps the file at |path| read-only, verifies it and returns the model in |out_model|
 * (release with aivm_model_release). The file must not be modified while the model lives. */
aivm_status_t aivm_model_load_file(const char* path, aivm_allocator_t allocator,
                                   aivm_model_t** out_model);

/* Verifies |size| bytes at |data| and returns the model. The model keeps a copy; |data| may
 * be freed after the call. */
aivm_status_t aivm_model_load_buffer(const void* data, size_t size, aivm_allocator_t allocator,
                                     aivm_model_t** out_model);

void aivm_model_release(aivm_model_t* model);

size_t aivm_model_input_count(const aivm_model_t* model);
size_t aivm_model_output_count(const aivm_model_t* model);
/* Fills |out_info| for input/output |index|; INVALID_ARGUMENT if out of range. */
aivm_status_t aivm_model_input_info(const aivm_model_t* model, size_t index,
                                    aivm_tensor_info_t* out_info);
aivm_status_t aivm_model_output_info(const aivm_model_t* model, size_t index,
                                     aivm_tensor_info_t* out_info);
/* What loading had to do beyond reading, e.g. "weights packed for avx512-nr32, repacked at
 * load for avx2-nr16" when the bundle was compiled for another CPU; "" otherwise. Owned by
 * the model. */
const char* aivm_model_load_note(const aivm_model_t* model);

/* Planned arena bytes of one session of this model; 0 for a model with symbolic input dims,
 * whose arena is planned per input shape (aivm_session_arena_bytes). */
uint64_t aivm_model_arena_bytes(const aivm_model_t* model);

/* Symbolic input dims (an input_info dim < 0): the model is specialised for each new set of
 * input shapes on the first run at it (verified, arena planned) and the result is cached and
 * shared by the model's sessions. The number of cached specialisations; 0 for a static model. */
size_t aivm_model_specialization_count(const aivm_model_t* model);

/*===------------------------------------------------------------------------------------===*/
/* Session: one arena, one run at a time. Not thread-safe.                                  */
/*===------------------------------------------------------------------------------------===*/

typedef struct aivm_session_s aivm_session_t;

typedef struct aivm_session_options_s {
  int32_t intra_op_threads; /* threads that split one op; <= 1 runs on the caller's thread */
  /* Loop back edges one run may take, over all loops; the run fails with
   * AIVM_STATUS_RESOURCE_EXHAUSTED beyond it. <= 0 selects AIVM_DEFAULT_MAX_LOOP_ITERATIONS.
   * It is what bounds a while-loop (an ONNX Loop without a trip count). */
  int64_t max_loop_iterations;
} aivm_session_options_t;

#define AIVM_DEFAULT_MAX_LOOP_ITERATIONS ((int64_t)1 << 24)

/* |options| may be NULL for defaults. The session holds a reference to |model|. */
aivm_status_t aivm_session_create(aivm_model_t* model, const aivm_session_options_t* options,
                                  aivm_allocator_t allocator, aivm_session_t** out_session);
void aivm_session_release(aivm_session_t* session);

/* Copies |data| into input |name|. dtype and shape must match the model's signature, where a
 * symbolic dim takes any extent (inputs that share a symbol must agree, checked at run); the
 * error (INVALID_ARGUMENT) names the input and axis otherwise. */
aivm_status_t aivm_session_set_input(aivm_session_t* session, const char* name,
                                     aivm_dtype_t dtype, const int64_t* shape, size_t rank,
                                     const void* data, size_t size_bytes);

/* Runs the entry function on the current inputs. Fails (and leaves the outputs unspecified)
 * when the run exceeds max_loop_iterations (RESOURCE_EXHAUSTED) or an instruction meets data
 * it cannot handle (OUT_OF_RANGE); the session stays usable for the next run. */
aivm_status_t aivm_session_run(aivm_session_t* session);

/* Views output |index| of the last run, with its concrete shape. The data stays valid until
 * the next run or release. */
aivm_status_t aivm_session_get_output(aivm_session_t* session, size_t index,
                                      aivm_tensor_view_t* out_view);

/* Arena bytes the session's last run planned (its arena may be larger, from a larger shape run
 * before); for a static model, aivm_model_arena_bytes. */
uint64_t aivm_session_arena_bytes(const aivm_session_t* session);

/*===------------------------------------------------------------------------------------===*/
/* Profiling: where a session's runs spend their time, per instruction of the entry function. */
/*===------------------------------------------------------------------------------------===*/

typedef enum aivm_profiling_e {
  AIVM_PROFILING_OFF = 0,      /* the default: runs take the fast dispatch loop */
  AIVM_PROFILING_COUNTERS = 1, /* per-instruction call counts and total time */
  AIVM_PROFILING_TRACE = 2,    /* counters, plus one event per executed instruction */
} aivm_profiling_t;

/* Sets the profiling mode for later runs and clears everything recorded so far. A profiled
 * run reads the clock around every instruction, so it is slightly slower. */
aivm_status_t aivm_session_set_profiling(aivm_session_t* session, aivm_profiling_t mode);

typedef struct aivm_instruction_profile_s {
  const char* opcode;  /* mnemonic, as `aivm dis` prints it; owned by the library */
  const char* source;  /* source node(s) the compiler made it from, "" if unknown; owned by the model */
  uint64_t calls;      /* times it ran since profiling was set */
  uint64_t total_ns;   /* summed wall time of those calls */
  double flops;        /* floating-point operations per call (multiply-add = 2); 0 if not counted */
} aivm_instruction_profile_t;

/* Instructions in the entry function (0 while profiling is off): valid |instruction| indices. */
size_t aivm_session_profile_size(const aivm_session_t* session);
aivm_status_t aivm_session_profile_get(const aivm_session_t* session, size_t instruction,
                                       aivm_instruction_profile_t* out_profile);

typedef struct aivm_trace_event_s {
  uint32_t instruction; /* index into the profile */
  uint32_t run;         /* 0 for the first run after profiling was set */
  uint64_t start_ns;    /* since profiling was set */
  uint64_t duration_ns;
} aivm_trace_event_t;

/* Events recorded in AIVM_PROFILING_TRACE mode, in execution order (at most 2^22; later
 * events are counted in |out_dropped| but not kept). */
size_t aivm_session_trace_size(const aivm_session_t* session, uint64_t* out_dropped);
aivm_status_t aivm_session_trace_get(const aivm_session_t* session, size_t index,
                                     aivm_trace_event_t* out_event);

#ifdef __cplusplus
}  /* extern "C" */
#endif

#endif  /* AIVM_H_ */
