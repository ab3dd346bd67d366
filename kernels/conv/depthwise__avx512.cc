#include "kernels/conv/depthwise.h"
#include "kernels/conv/depthwise_impl.h"
#include "kernels/simd/avx512.h"

namespace aivm::kernels {

extern const DepthwisePlaneFn kDepthwisePlane_avx512 = depthwise_impl::plane<simd::V512>;

}  // namespace aivm::kernels
