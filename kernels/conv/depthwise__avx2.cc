#include "kernels/conv/depthwise.h"
#include "kernels/conv/depthwise_impl.h"
#include "kernels/simd/avx2.h"

namespace aivm::kernels {

extern const DepthwisePlaneFn kDepthwisePlane_avx2 = depthwise_impl::plane<simd::V256>;
extern const DepthwiseBlock kDepthwiseBlock_avx2 = {depthwise_impl::block<simd::V256>, 8};

}  // namespace aivm::kernels
