// Run-time CPU feature detection, read once by kernel selection.
#pragma once

namespace aivm::kernels {

// Instruction-set extensions usable by this process: the CPU has them AND the OS saves their
// register state (XCR0), so a true flag means the matching __avx2 / __avx512 kernels may run.
struct CpuFeatures {
  bool sse42, avx, avx2, fma, avx512f, avx512bw, avx512dq, avx512vl, neon;
};

// Detected on first call; thread-safe; the reference stays valid for the process lifetime.
const CpuFeatures& cpu_features();

// The set flags, lower case and space separated, e.g. "sse4.2 avx avx2 fma"; "" if none.
const char* cpu_features_string();

}  // namespace aivm::kernels
