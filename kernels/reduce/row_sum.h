// Sum of n contiguous floats, accumulated in double as the reference does (only the order of
// the additions differs): the inner loop of Sum / Mean over trailing axes, e.g. a global
// average pool. row_sum_f32 runs the variant of the ISA gemm_config() chose.
#pragma once

#include <cstdint>

namespace aivm::kernels {

using RowSumFn = double (*)(int64_t n, const float* x);
double row_sum_f32__scalar(int64_t n, const float* x);
#if defined(__x86_64__) || defined(_M_X64)
double row_sum_f32__avx2(int64_t n, const float* x);
#endif
RowSumFn row_sum_for_isa(const char* isa);  // "avx512", "avx2", "scalar"; null if not built
double row_sum_f32(int64_t n, const float* x);

}  // namespace aivm::kernels
