#include "kernels/pool/pool.h"
#include "kernels/pool/pool2d_impl.h"
#include "kernels/simd/avx512.h"

namespace aivm::kernels {

extern const Pool2dPlanes kPool2dPlanes_avx512 = {
    pool2d_impl::plane<simd::V512, pool2d_impl::MaxFold>,
    pool2d_impl::plane<simd::V512, pool2d_impl::SumFold>,
};

}  // namespace aivm::kernels
