#include "kernels/conv/winograd.h"
#include "kernels/conv/winograd_impl.h"
#include "kernels/simd/avx2.h"

namespace aivm::kernels {

extern const WinogradTransforms kWinogradTransforms_avx2 = {winograd_impl::input_block<simd::V256>,
                                                             winograd_impl::output_block<simd::V256>,
                                                             int64_t(simd::V256::W)};

}  // namespace aivm::kernels
