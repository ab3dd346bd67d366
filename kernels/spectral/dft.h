// DFT: the discrete Fourier transform along one axis of a real or complex signal.
//
// x is viewed as [outer, n_in, inner, c_in] (c_in = 1 real, 2 complex interleaved), y as
// [outer, n_out, inner, c_out]. With L = length, the input is cut or zero-padded to L samples
// (to L/2 + 1 bins for the inverse real case) and
//   forward:  Y[k] = sum_n x[n] e^(-2 pi i n k / L), k < n_out (L, or L/2 + 1 onesided), c_out 2;
//   inverse:  y[n] = (1/L) sum_k X[k] e^(+2 pi i n k / L), n < L, c_out 2;
//   inverse onesided (irfft): X is the half spectrum, the rest its conjugate mirror; y real
//   (c_out 1), the imaginary parts of the DC and (even L) Nyquist bins ignored, like numpy.
// Direct O(L * n_out) sums in double (a transform length in models is small: a frame of an
// STFT, a few hundred at most), rounded once to f32.
#pragma once

#include <cstdint>

#include "kernels/common.h"

namespace aivm::kernels {

struct DftParams {
  int64_t outer = 1, n_in = 1, inner = 1;
  int c_in = 1;
  int64_t length = 1;  // L >= 1
  bool inverse = false, onesided = false;

  int64_t n_out() const { return inverse ? length : onesided ? length / 2 + 1 : length; }
  int c_out() const { return inverse && onesided ? 1 : 2; }
};

// The view of a signal |x| ([.., n_in at axis, .., c_in], axis < rank - 1) for a transform of
// |length|: the one mapping the VM's handler and the compiler's rule both use.
inline DftParams dft_view(const Shape& x, int axis, int64_t length, bool inverse, bool onesided) {
  DftParams p;
  p.outer = p.inner = 1;
  for (int k = 0; k < axis; ++k) p.outer *= x.dims[k];
  for (int k = axis + 1; k < x.rank - 1; ++k) p.inner *= x.dims[k];
  p.n_in = x.dims[axis];
  p.c_in = int(x.dims[x.rank - 1]);
  p.length = length;
  p.inverse = inverse;
  p.onesided = onesided;
  return p;
}

// The test oracle: every term's angle through std::cos / std::sin.
void dft_f32_reference(const DftParams& p, const float* x, float* y);
// Twiddles from one table of L entries; lines split across the pool.
void dft_f32(const DftParams& p, const float* x, float* y, ThreadPool* pool);

}  // namespace aivm::kernels
