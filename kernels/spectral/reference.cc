// Scalar reference of the DFT (the test oracle): each twiddle computed from its angle.
#include <cmath>
#include <numbers>

#include "kernels/spectral/dft.h"
#include "kernels/spectral/dft_line.h"

namespace aivm::kernels {

void dft_f32_reference(const DftParams& p, const float* x, float* y) {
  std::vector<double> in, out(size_t(2 * p.n_out()));
  const double step = 2 * std::numbers::pi / double(p.length);
  for (int64_t o = 0; o < p.outer; ++o)
    for (int64_t i = 0; i < p.inner; ++i) {
      dft_detail::read_line(p, x, o, i, in);
      dft_detail::transform_line(p, in, out, [&](int64_t j, double* c, double* s) {
        *c = std::cos(step * double(j));
        *s = std::sin(step * double(j));
      });
      dft_detail::write_line(p, out, o, i, y);
    }
}

}  // namespace aivm::kernels
