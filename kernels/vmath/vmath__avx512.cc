#include "kernels/simd/avx512.h"
#include "kernels/vmath/vmath.h"
#include "kernels/vmath/vmath_impl.h"

namespace aivm::kernels {
using simd::V512;

extern const VmathKernels kVmathAvx512 = {"avx512", vmath_impl::exp_array<V512>, vmath_impl::sigmoid_array<V512>,
                                          vmath_impl::swish_array<V512>, vmath_impl::activation_array<V512>};

}  // namespace aivm::kernels
