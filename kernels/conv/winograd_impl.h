// Winograd F(4x4, 3x3) input and output transforms, written once over a vector type V
// (kernels/simd). Each call handles one tile row of one channel, vectorised across W
// neighbouring tiles: lane u of every vector belongs to tile u0 + u.
//
// The matrices are Lavin & Gray's for the points 0, +-1, +-2 and infinity:
//   B^T = [4 0 -5 0 1 0; 0 -4 -4 1 1 0; 0 4 -4 -1 1 0; 0 -2 -1 2 1 0; 0 2 -1 -2 1 0; 0 4 0 -5 0 1]
//   A^T = [1 1 1 1 1 0; 0 1 -1 2 -2 0; 0 1 1 4 4 0; 0 1 -1 8 -8 1]
// (G, for the weights, is in winograd.cc.)
#pragma once

#include <algorithm>
#include <cstdint>

namespace aivm::kernels::winograd_impl {

constexpr int64_t kTile = 6;     // input tile side: 4 outputs + 3 taps - 1
constexpr int64_t kOutTile = 4;  // output tile side
constexpr int64_t kPoints = kTile * kTile;

// Tiles of a block of tile rows are numbered with a gap: tile u of the block's tile row r is
// column r * (tiles_w + 1) + u of the transformed input and the GEMM output. Column
// r * (tiles_w + 1) + tiles_w holds the transform of that row's next window, which no output
// needs; the gap is what lets a vector of W columns cover several tile rows with one
// contiguous load per tap (see input_block).
inline int64_t gapped_columns(int64_t tile_rows, int64_t tiles_w) { return tile_rows * (tiles_w + 1); }

// Floats of scratch input_block and output_block need.
inline int64_t scratch_floats(int64_t tile_rows, int64_t tiles_w, int64_t lanes) {
  const int64_t phase_cols = gapped_columns(tile_rows, tiles_w) + 1 + lanes;  // +1: taps 4 and 5
  return kTile * kOutTile * phase_cols + kOutTile * (tiles_w + 1) + kPoints * lanes;
}

// out = B^T d for one 6-point line.
template <class V>
inline void input_line(const typename V::T d[kTile], typename V::T out[kTile]) {
  using T = typename V::T;
  const T four = V::set1(4.f), five = V::set1(5.f), two = V::set1(2.f);
  const T a = V::fnmadd(four, d[2], d[4]), b = V::fnmadd(four, d[1], d[3]);
  const T c = V::sub(d[4], d[2]), e = V::mul(two, V::sub(d[3], d[1]));
  out[0] = V::fmadd(four, d[0], V::fnmadd(five, d[2], d[4]));
  out[1] = V::add(a, b);
  out[2] = V::sub(a, b);
  out[3] = V::add(c, e);
  out[4] = V::sub(c, e);
  out[5] = V::fmadd(four, d[1], V::fnmadd(five, d[3], d[5]));
}

// out = A^T m for one 6-point line.
template <class V>
inline void output_line(const typename V::T m[kTile], typename V::T out[kOutTile]) {
  using T = typename V::T;
  const T p = V::add(m[1], m[2]), q = V::sub(m[1], m[2]), u = V::add(m[3], m[4]), v = V::sub(m[3], m[4]);
  out[0] = V::add(V::add(m[0], p), u);
  out[1] = V::fmadd(V::set1(2.f), v, q);
  out[2] = V::fmadd(V::set1(4.f), u, p);
  out[3] = V::fmadd(V::set1(8.f), v, V::add(q, m[5]));
}

// Input transform of one channel's block of tile rows: tile u of tile row r reads the 6x6
// window at input rows ih0 + 4r.., columns iw0 + 4u.. of the H x W plane x (zero outside it)
// and writes its 36 points as column j = r * (tiles_w + 1) + u (gap columns too) of the GEMM's
// B panels: v[point * point_stride + (j / panel_width) * panel_stride + j % panel_width].
// Whole vectors are stored: panel_width must be a multiple of W, and the last panel is written
// up to the next multiple of W.
template <class V>
void input_block(const float* x, int64_t H, int64_t W, int64_t ih0, int64_t iw0, int64_t tile_rows, int64_t tiles_w,
                 float* v, int64_t point_stride, int64_t panel_width, int64_t panel_stride, float* scratch) {
  using T = typename V::T;
  constexpr int64_t L = int64_t(V::W);
  // Window row i of every tile row, split by column phase: phase q holds padded columns q,
  // q+4, q+8, ... of each input row, the rows' tiles_w + 1 entries one after another. Tap
  // column j of W neighbouring columns is then one contiguous load: phase j % 4, offset j / 4.
  const int64_t cols = gapped_columns(tile_rows, tiles_w), phase_cols = cols + 1 + L;
  const int64_t row_floats = kOutTile * phase_cols, line_floats = kOutTile * (tiles_w + 1);
  float* phases = scratch;                    // [kTile][4][phase_cols]
  float* line = phases + kTile * row_floats;  // one zero-padded input row
  float* rows = line + line_floats;           // [kPoints][L]: B^T applied along rows
  for (int64_t i = 0; i < kTile; ++i) {
    float* ph = phases + i * row_floats;
    for (int64_t r = 0; r < tile_rows; ++r) {
      const int64_t ih = ih0 + 4 * r + i, at = r * (tiles_w + 1);
      if (ih < 0 || ih >= H) {
        for (int64_t q = 0; q < kOutTile; ++q) std::fill(ph + q * phase_cols + at, ph + q * phase_cols + at + tiles_w + 1, 0.f);
        continue;
      }
      const int64_t lo = std::clamp<int64_t>(-iw0, 0, line_floats), hi = std::clamp<int64_t>(W - iw0, lo, line_floats);
      std::fill(line, line + lo, 0.f);
      std::copy(x + ih * W + iw0 + lo, x + ih * W + iw0 + hi, line + lo);
      std::fill(line + hi, line + line_floats, 0.f);
      float *p0 = ph + at, *p1 = p0 + phase_cols, *p2 = p1 + phase_cols, *p3 = p2 + phase_cols;
      for (int64_t u = 0; u <= tiles_w; ++u) {  // an interleaved group of 4 the compiler vectorises
        p0[u] = line[4 * u];
        p1[u] = line[4 * u + 1];
        p2[u] = line[4 * u + 2];
        p3[u] = line[4 * u + 3];
      }
    }
    for (int64_t q = 0; q < kOutTile; ++q) std::fill(ph + q * phase_cols + cols, ph + (q + 1) * phase_cols, 0.f);
  }
  for (int64_t u0 = 0; u0 < cols; u0 += L) {
    float* dst = v + u0 / panel_width * panel_stride + u0 % panel_width;
    T d[kTile], t[kTile];
    for (int64_t i = 0; i < kTile; ++i) {
      const float* ph = phases + i * row_floats + u0;
      for (int64_t j = 0; j < kTile; ++j) d[j] = V::load(ph + (j % 4) * phase_cols + j / 4);
      input_line<V>(d, t);
      for (int64_t s = 0; s < kTile; ++s) V::store(rows + (i * kTile + s) * L, t[s]);
    }
    for (int64_t s = 0; s < kTile; ++s) {
      for (int64_t i = 0; i < kTile; ++i) d[i] = V::load(rows + (i * kTile + s) * L);
      input_line<V>(d, t);
      for (int64_t r = 0; r < kTile; ++r) V::store(dst + (r * kTile + s) * point_stride, t[r]);
    }
  }
}

// Output transform of one output channel's block: point p of gapped column j is at
// m[p * point_stride + j], readable up to j < gapped_columns + W - 1. Writes output rows
// [0, rows) of the block (row stride OW, OW columns) from tile row r = row / 4: A^T M A + bias,
// cut at column OW.
template <class V>
void output_block(const float* m, int64_t point_stride, int64_t tiles_w, float bias, float* y, int64_t rows,
                  int64_t OW, float* scratch) {
  using T = typename V::T;
  constexpr int64_t L = int64_t(V::W);
  const int64_t tile_rows = (rows + kOutTile - 1) / kOutTile, cols = gapped_columns(tile_rows, tiles_w);
  const int64_t whole_tiles = OW / kOutTile;  // tiles whose 4 columns all lie inside OW
  float* lines = scratch;                     // [kTile][kOutTile][L]: A^T applied along rows
  float* out = lines + kTile * kOutTile * L;  // [kOutTile][kOutTile][L]
  const T b = V::set1(bias);
  for (int64_t j0 = 0; j0 < cols; j0 += L) {
    T mm[kTile], o[kOutTile];
    for (int64_t r = 0; r < kTile; ++r) {
      for (int64_t s = 0; s < kTile; ++s) mm[s] = V::load(m + (r * kTile + s) * point_stride + j0);
      output_line<V>(mm, o);
      for (int64_t c = 0; c < kOutTile; ++c) V::store(lines + (r * kOutTile + c) * L, o[c]);
    }
    for (int64_t c = 0; c < kOutTile; ++c) {
      for (int64_t r = 0; r < kTile; ++r) mm[r] = V::load(lines + (r * kOutTile + c) * L);
      output_line<V>(mm, o);
      for (int64_t a = 0; a < kOutTile; ++a) V::store(out + (a * kOutTile + c) * L, V::add(o[a], b));
    }
    // The vector's lanes, tile row by tile row: lane l is column j0 + l = tr * (tiles_w + 1) + u.
    const int64_t j1 = std::min(cols, j0 + L);
    for (int64_t j = j0; j < j1;) {
      const int64_t tr = j / (tiles_w + 1), u0 = j % (tiles_w + 1);
      const int64_t u1 = std::min(tiles_w + 1, u0 + (j1 - j));  // this tile row's columns in the vector
      const int64_t lane = j - j0, real = std::min(u1, tiles_w);  // the gap column has no outputs
      const int64_t whole = std::clamp<int64_t>(whole_tiles, u0, real);
      for (int64_t a = 0; a < kOutTile && tr * kOutTile + a < rows; ++a) {
        float* yr = y + (tr * kOutTile + a) * OW;
        const float *o0 = out + a * kOutTile * L + lane - u0, *o1 = o0 + L, *o2 = o1 + L, *o3 = o2 + L;
        for (int64_t u = u0; u < whole; ++u) {  // an interleaved group of 4 the compiler vectorises
          yr[4 * u] = o0[u];
          yr[4 * u + 1] = o1[u];
          yr[4 * u + 2] = o2[u];
          yr[4 * u + 3] = o3[u];
        }
        for (int64_t u = whole; u < real; ++u)
          for (int64_t c = 0; c < kOutTile && u * kOutTile + c < OW; ++c) yr[4 * u + c] = o0[c * L + u];
      }
      j += u1 - u0;
    }
  }
}

}  // namespace aivm::kernels::winograd_impl
