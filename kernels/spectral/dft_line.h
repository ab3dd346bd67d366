// One line of the DFT (dft.h), shared by the reference and the fast path: they differ only in
// where a twiddle comes from (|Twiddle|: angle index j in [0, L) -> cos, sin of 2 pi j / L).
#pragma once

#include <cstdint>
#include <vector>

#include "kernels/spectral/dft.h"

namespace aivm::kernels::dft_detail {

// |in| holds the line's complex samples (re, im) as read, |out| receives n_out (re, im) pairs.
template <typename Twiddle>
void transform_line(const DftParams& p, const std::vector<double>& in, std::vector<double>& out, Twiddle tw) {
  const int64_t L = p.length, n_out = p.n_out();
  const int64_t used = int64_t(in.size() / 2);
  const bool irfft = p.inverse && p.onesided;
  for (int64_t k = 0; k < n_out; ++k) {
    double re = 0, im = 0;
    if (!irfft) {
      for (int64_t n = 0; n < used; ++n) {
        double c, s;
        tw(n * k % L, &c, &s);
        if (!p.inverse) s = -s;
        double xr = in[size_t(2 * n)], xi = in[size_t(2 * n + 1)];
        re += xr * c - xi * s;
        im += xr * s + xi * c;
      }
    } else {
      // Bins 0 .. L/2 from the input, the rest X[L - m] conjugated: twice the real part of
      // each inner bin's term, the DC and Nyquist bins once with their real part only.
      for (int64_t m = 0; m < used && m <= L / 2; ++m) {
        double c, s;
        tw(m * k % L, &c, &s);
        double term = in[size_t(2 * m)] * c - in[size_t(2 * m + 1)] * s;
        bool edge = m == 0 || 2 * m == L;
        re += edge ? in[size_t(2 * m)] * c : 2 * term;
      }
    }
    if (p.inverse) re /= double(L), im /= double(L);
    out[size_t(2 * k)] = re;
    out[size_t(2 * k + 1)] = im;
  }
}

// Reads line (o, i) of x: min(n_in, what the transform uses) samples as (re, im) pairs.
inline void read_line(const DftParams& p, const float* x, int64_t o, int64_t i, std::vector<double>& in) {
  int64_t limit = p.inverse && p.onesided ? p.length / 2 + 1 : p.length;
  int64_t used = p.n_in < limit ? p.n_in : limit;
  in.assign(size_t(2 * used), 0.0);
  for (int64_t n = 0; n < used; ++n) {
    const float* v = x + ((o * p.n_in + n) * p.inner + i) * p.c_in;
    in[size_t(2 * n)] = v[0];
    if (p.c_in == 2) in[size_t(2 * n + 1)] = v[1];
  }
}

inline void write_line(const DftParams& p, const std::vector<double>& out, int64_t o, int64_t i, float* y) {
  const int64_t n_out = p.n_out();
  const int c = p.c_out();
  for (int64_t k = 0; k < n_out; ++k) {
    float* v = y + ((o * n_out + k) * p.inner + i) * c;
    v[0] = float(out[size_t(2 * k)]);
    if (c == 2) v[1] = float(out[size_t(2 * k + 1)]);
  }
}

}  // namespace aivm::kernels::dft_detail
