/* The embedding story from plain C: this file is compiled as C99 and linked against libaivm.so
 * alone, so a C++-only construct in aivm.h or a C API symbol missing from the shared library
 * fails the build or the test. Usage: c_api_smoke BUNDLE (the digits example, compiled). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "aivm.h"

static int failures = 0;

static void expect(int ok, const char* what, aivm_status_t status) {
  if (!ok) {
    fprintf(stderr, "FAILED: %s: %s\n", what, status ? aivm_status_message(status) : "(no status)");
    ++failures;
  }
}

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: c_api_smoke BUNDLE\n");
    return 2;
  }

  /* A damaged bundle is an error status with a message, never a crash. */
  static const unsigned char garbage[64] = {1, 2, 3, 4, 5, 6, 7, 8};
  aivm_model_t* model = NULL;
  aivm_status_t st = aivm_model_load_buffer(garbage, sizeof garbage, aivm_allocator_system(), &model);
  expect(aivm_status_code(st) == AIVM_STATUS_INVALID_BUNDLE && strlen(aivm_status_message(st)) > 0,
         "garbage is rejected as an invalid bundle", st);
  aivm_status_free(st);

  st = aivm_model_load_file(argv[1], aivm_allocator_system(), &model);
  expect(st == NULL, "load the bundle", st);
  if (st) return 1;
  aivm_tensor_info_t in_info, out_info;
  expect(aivm_model_input_count(model) == 1 && aivm_model_output_count(model) == 1, "one input and one output", NULL);
  st = aivm_model_input_info(model, 0, &in_info);
  expect(st == NULL && in_info.dtype == AIVM_DTYPE_F32 && in_info.rank == 4, "input info", st);
  st = aivm_model_output_info(model, 0, &out_info);
  expect(st == NULL && out_info.dtype == AIVM_DTYPE_F32, "output info", st);

  aivm_session_options_t options = {2, 0};
  aivm_session_t* session = NULL;
  st = aivm_session_create(model, &options, aivm_allocator_system(), &session);
  expect(st == NULL, "create a session", st);
  aivm_model_release(model); /* the session holds its own reference */
  if (st) return 1;

  float pixels[64];
  for (int i = 0; i < 64; ++i) pixels[i] = (float)(i % 9) / 8.0f;
  st = aivm_session_set_input(session, in_info.name, AIVM_DTYPE_F32, in_info.shape, in_info.rank, pixels,
                              sizeof pixels);
  expect(st == NULL, "set the input", st);
  st = aivm_session_set_input(session, "no_such_input", AIVM_DTYPE_F32, in_info.shape, in_info.rank, pixels,
                              sizeof pixels);
  expect(aivm_status_code(st) == AIVM_STATUS_NOT_FOUND, "an unknown input name is not found", st);
  aivm_status_free(st);

  /* Two runs on the same input give the same scores. */
  float first[16] = {0};
  for (int run = 0; run < 2; ++run) {
    st = aivm_session_run(session);
    expect(st == NULL, "run", st);
    aivm_tensor_view_t out;
    st = aivm_session_get_output(session, 0, &out);
    expect(st == NULL && out.dtype == AIVM_DTYPE_F32 && out.size_bytes == 10 * sizeof(float), "10 scores", st);
    if (st || out.size_bytes != 10 * sizeof(float)) break;
    const float* scores = (const float*)out.data;
    for (int i = 0; i < 10; ++i) {
      expect(isfinite(scores[i]), "finite scores", NULL);
      if (run == 0) first[i] = scores[i];
      else expect(scores[i] == first[i], "repeatable scores", NULL);
    }
  }
  aivm_session_release(session);
  if (failures == 0) printf("c_api_smoke: ok\n");
  return failures == 0 ? 0 : 1;
}
