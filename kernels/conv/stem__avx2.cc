#include "kernels/conv/stem.h"
#include "kernels/conv/stem_impl.h"
#include "kernels/simd/avx2.h"

namespace aivm::kernels {

extern const StemKernels kStemKernels_avx2 = {stem_impl::fill<simd::V256>, stem_impl::rows<simd::V256, 3, 4>};

}  // namespace aivm::kernels
