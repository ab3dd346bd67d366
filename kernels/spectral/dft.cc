// DFT, fast path: the L twiddles are computed once per call instead of once per term, and
// lines split across the pool.
#include <cmath>
#include <numbers>

#include "kernels/config/thread_pool.h"
#include "kernels/spectral/dft.h"
#include "kernels/spectral/dft_line.h"

namespace aivm::kernels {

void dft_f32(const DftParams& p, const float* x, float* y, ThreadPool* pool) {
  std::vector<double> cs(size_t(2 * p.length));
  const double step = 2 * std::numbers::pi / double(p.length);
  for (int64_t j = 0; j < p.length; ++j) {
    cs[size_t(2 * j)] = std::cos(step * double(j));
    cs[size_t(2 * j + 1)] = std::sin(step * double(j));
  }
  auto run = [&](int64_t b, int64_t e) {
    std::vector<double> in, out(size_t(2 * p.n_out()));
    for (int64_t line = b; line < e; ++line) {
      int64_t o = line / p.inner, i = line % p.inner;
      dft_detail::read_line(p, x, o, i, in);
      dft_detail::transform_line(p, in, out, [&](int64_t j, double* c, double* s) {
        *c = cs[size_t(2 * j)];
        *s = cs[size_t(2 * j + 1)];
      });
      dft_detail::write_line(p, out, o, i, y);
    }
  };
  const int64_t lines = p.outer * p.inner;
  if (lines > 1 && lines * p.length * p.n_out() >= (int64_t(1) << 16))
    parallel_for(pool, lines, run);
  else
    run(0, lines);
}

}  // namespace aivm::kernels
