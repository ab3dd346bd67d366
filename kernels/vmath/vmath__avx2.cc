#include "kernels/simd/avx2.h"
#include "kernels/vmath/vmath.h"
#include "kernels/vmath/vmath_impl.h"

namespace aivm::kernels {
using simd::V256;

extern const VmathKernels kVmathAvx2 = {"avx2", vmath_impl::exp_array<V256>, vmath_impl::sigmoid_array<V256>,
                                          vmath_impl::swish_array<V256>, vmath_impl::activation_array<V256>};

}  // namespace aivm::kernels
