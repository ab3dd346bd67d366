// DFT kernels (kernels/spectral): the twiddle-table fast path against the angle-by-angle
// reference on awkward lengths (1, 7, 33, odd and even), hand values, and round trips.
#include <gtest/gtest.h>

#include <vector>

#include "kernels/config/thread_pool.h"
#include "kernels/spectral/dft.h"
#include "tests/kernels/kernel_test_util.h"

namespace aivm::kernels {
namespace {

std::vector<float> run(const DftParams& p, const std::vector<float>& x, ThreadPool* pool = nullptr) {
  std::vector<float> y(size_t(p.outer * p.n_out() * p.inner * p.c_out()));
  dft_f32(p, x.data(), y.data(), pool);
  return y;
}

TEST(Dft, MatchesReferenceOnAwkwardShapes) {
  ThreadPool pool(2);
  for (int64_t n : {1, 7, 8, 33})
    for (int64_t length : {n, n + 3, n > 2 ? n - 2 : n})
      for (int64_t inner : {1, 7})
        for (int c_in : {1, 2})
          for (int mode = 0; mode < 4; ++mode) {
            DftParams p;
            p.outer = 3;
            p.n_in = n;
            p.inner = inner;
            p.c_in = c_in;
            p.length = length;
            p.inverse = mode & 1;
            p.onesided = mode & 2;
            std::vector<float> x = test_util::random_vec(p.outer * n * inner * c_in, unsigned(n * 100 + mode));
            std::vector<float> want(size_t(p.outer * p.n_out() * inner * p.c_out()));
            dft_f32_reference(p, x.data(), want.data());
            SCOPED_TRACE("n " + std::to_string(n) + " L " + std::to_string(length) + " mode " + std::to_string(mode));
            // Same double sums from twiddles that differ in the last bits: f32 results agree.
            test_util::expect_close(run(p, x, &pool), want);
          }
}

TEST(Dft, HandValuesAndRoundTrips) {
  DftParams p;
  p.n_in = p.length = 4;
  std::vector<float> y = run(p, {1, 2, 3, 4});  // real input
  test_util::expect_close(y, {10, 0, -2, 2, -2, 0, -2, -2});
  p.onesided = true;
  test_util::expect_close(run(p, {1, 2, 3, 4}), {10, 0, -2, 2, -2, 0});
  // irfft(rfft(x)) = x for an odd and an even length.
  for (int64_t n : {7, 8}) {
    std::vector<float> x = test_util::random_vec(n, 5);
    DftParams f;
    f.n_in = f.length = n;
    f.onesided = true;
    std::vector<float> spectrum = run(f, x);
    DftParams b;
    b.n_in = n / 2 + 1;
    b.c_in = 2;
    b.length = n;
    b.inverse = b.onesided = true;
    test_util::expect_close(run(b, spectrum), x);
  }
  // Inverse of the full transform, complex in and out.
  p = {};
  p.n_in = p.length = 4;
  p.onesided = false;
  std::vector<float> spectrum = run(p, {1, 2, 3, 4});
  DftParams inv;
  inv.n_in = inv.length = 4;
  inv.c_in = 2;
  inv.inverse = true;
  test_util::expect_close(run(inv, spectrum), {1, 0, 2, 0, 3, 0, 4, 0});
}

}  // namespace
}  // namespace aivm::kernels
