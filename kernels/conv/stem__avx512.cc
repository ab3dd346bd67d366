#include "kernels/conv/stem.h"
#include "kernels/conv/stem_impl.h"
#include "kernels/simd/avx512.h"

namespace aivm::kernels {

extern const StemKernels kStemKernels_avx512 = {stem_impl::fill<simd::V512>, stem_impl::rows<simd::V512, 3>};

}  // namespace aivm::kernels
