#include "kernels/conv/winograd.h"
#include "kernels/conv/winograd_impl.h"
#include "kernels/simd/avx512.h"

namespace aivm::kernels {

extern const WinogradTransforms kWinogradTransforms_avx512 = {winograd_impl::input_block<simd::V512>,
                                                             winograd_impl::output_block<simd::V512>,
                                                             int64_t(simd::V512::W)};

}  // namespace aivm::kernels
