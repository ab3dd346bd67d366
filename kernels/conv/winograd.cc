// Winograd F(4x4, 3x3) driver: per image, blocks of whole tile rows sized so their transformed
// inputs and GEMM outputs stay in L2; with threads and blocks enough, each thread takes whole
// blocks, otherwise each block's three passes are split across the pool:
//   1. input transform, by input channel: V[point][c][tile];
//   2. one GEMM per point, by point: M[point] = U[point] (K x C, packed) x V[point] (C x tiles);
//   3. output transform + bias, then residual and activation, by output channel.
#include "kernels/conv/winograd.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "kernels/config/gemm_config.h"
#include "kernels/config/thread_pool.h"
#include "kernels/conv/winograd_impl.h"
#include "kernels/elementwise/elementwise.h"
#include "kernels/gemm/gemm.h"
#include "kernels/simd/scalar.h"

namespace aivm::kernels {

#if defined(__x86_64__) || defined(_M_X64)
extern const WinogradTransforms kWinogradTransforms_avx512;
extern const WinogradTransforms kWinogradTransforms_avx2;
#endif

namespace {

using winograd_impl::kOutTile;
using winograd_impl::kPoints;
using winograd_impl::kTile;

const WinogradTransforms kWinogradTransforms_scalar = {winograd_impl::input_block<simd::Scalar>,
                                                       winograd_impl::output_block<simd::Scalar>, 1};

// Floats of transformed input plus GEMM output per block: 2 MiB, this machine's L2.
constexpr int64_t kBlockFloats = 1 << 19;
// Fewer tiles than this leave the 36 GEMMs too narrow to beat im2col + one GEMM (a 7x7
// output, 4 tiles, ran 2.5x slower; 14x14, 16 tiles, 1.1-1.2x faster: bench/conv_bench).
constexpr int64_t kMinTiles = 16;
// Below this many tiles, the transforms cost about what the narrow GEMMs save unless the
// input has kMinChannelsFewTiles channels or more: squeezenet's 13x13 convs (48 and 64
// channels) ran 10% slower, densenet's 14x14 ones (128 channels) 1.6x faster.
constexpr int64_t kFewTiles = 32, kMinChannelsFewTiles = 128;

int64_t tiles_along(int64_t outputs) { return (outputs + kOutTile - 1) / kOutTile; }

const WinogradTransforms& default_transforms() {
  static const WinogradTransforms* t = [] {
    const WinogradTransforms* f = winograd_transforms_for_isa(gemm_config().isa);
    return f ? f : &kWinogradTransforms_scalar;
  }();
  return *t;
}

// This thread's transform scratch: the input and output passes never overlap on a thread.
float* transform_scratch(size_t floats) {
  thread_local std::vector<float> scratch;
  if (scratch.size() < floats) scratch.resize(floats);
  return scratch.data();
}

int64_t packed_point_floats(const Conv2dParams& p) {
  return int64_t(gemm_packed_a_bytes(gemm_config(), p.K, p.C) / sizeof(float));
}

}  // namespace

bool winograd_applies(const Conv2dParams& p) {
  const isa::Window2d& w = p.window;
  const int64_t tiles = tiles_along(p.OH) * tiles_along(p.OW);
  return p.group == 1 && w.kernel_h == 3 && w.kernel_w == 3 && w.stride_h == 1 && w.stride_w == 1 &&
         w.dilation_h == 1 && w.dilation_w == 1 && p.C >= 8 && p.K >= 8 && tiles >= kMinTiles &&
         (tiles >= kFewTiles || p.C >= kMinChannelsFewTiles);
}

const WinogradTransforms* winograd_transforms_for_isa(const char* isa) {
#if defined(__x86_64__) || defined(_M_X64)
  if (std::strcmp(isa, "avx512") == 0) return &kWinogradTransforms_avx512;
  if (std::strcmp(isa, "avx2") == 0) return &kWinogradTransforms_avx2;
#endif
  if (std::strcmp(isa, "scalar") == 0) return &kWinogradTransforms_scalar;
  return nullptr;
}

size_t winograd_packed_weights_bytes(const Conv2dParams& p) {
  return size_t(kPoints * packed_point_floats(p)) * sizeof(float);
}

void winograd_pack_weights(const Conv2dParams& p, const float* w, float* out) {
  // U = G g G^T per (k, c), in double so the transform adds no rounding of its own.
  static const double G[kTile][3] = {{1.0 / 4, 0, 0},
                                     {-1.0 / 6, -1.0 / 6, -1.0 / 6},
                                     {-1.0 / 6, 1.0 / 6, -1.0 / 6},
                                     {1.0 / 24, 1.0 / 12, 1.0 / 6},
                                     {1.0 / 24, -1.0 / 12, 1.0 / 6},
                                     {0, 0, 1}};
  std::vector<float> u(size_t(kPoints * p.K * p.C));  // [point][k][c]
  for (int64_t k = 0; k < p.K; ++k) {
    for (int64_t c = 0; c < p.C; ++c) {
      const float* g = w + (k * p.C + c) * 9;
      double gg[kTile][3];  // G g
      for (int64_t r = 0; r < kTile; ++r)
        for (int64_t j = 0; j < 3; ++j) gg[r][j] = G[r][0] * g[j] + G[r][1] * g[3 + j] + G[r][2] * g[6 + j];
      for (int64_t r = 0; r < kTile; ++r)
        for (int64_t s = 0; s < kTile; ++s)
          u[size_t(((r * kTile + s) * p.K + k) * p.C + c)] =
              float(gg[r][0] * G[s][0] + gg[r][1] * G[s][1] + gg[r][2] * G[s][2]);
    }
  }
  const int64_t point_floats = packed_point_floats(p);
  for (int64_t point = 0; point < kPoints; ++point)
    gemm_pack_a(gemm_config(), false, p.K, p.C, u.data() + point * p.K * p.C, p.C, out + point * point_floats);
}

void winograd_conv2d_f32(const Conv2dParams& p, const float* x, const float* packed_u, const float* bias, const float* residual, const Activation& act, float* y, ThreadPool* pool,
                         const WinogradTransforms* transforms) {
  const GemmConfig& cfg = gemm_config();
  const int64_t nr = int64_t(cfg.nr);
  // The input transform stores whole vectors into the GEMM's B panels of nr columns.
  const WinogradTransforms* chosen = transforms ? transforms : &default_transforms();
  const WinogradTransforms& tf = nr % chosen->lanes == 0 ? *chosen : kWinogradTransforms_scalar;
  const int64_t point_floats = packed_point_floats(p);
  const int64_t tiles_h = tiles_along(p.OH), tiles_w = tiles_along(p.OW);
  const int64_t threads = pool ? pool->num_threads() : 1;
  // Tile rows per block: as many as the budget allows, balanced so no block is a sliver.
  const int64_t budget_rows =
      std::clamp<int64_t>(kBlockFloats / (kPoints * (p.C + p.K) * (tiles_w + 1)), 1, tiles_h);
  int64_t blocks = (tiles_h + budget_rows - 1) / budget_rows;
  // With threads, each takes whole blocks through all three passes when the blocks can be
  // at least a B panel wide: the passes split by channel, point and channel again hand half
  // of each pass's output to the other core's cache (Sapphire Rapids, conv_bench, 2 threads:
  // densenet_3x3_128to32_56 907-946 -> 708-747 us, resnet_3x3_64ch_56 686-736 -> 512-529,
  // sq_3x3_16to64_55 277-279 -> 186-189).
  const bool by_blocks =
      threads > 1 && winograd_impl::gapped_columns(tiles_h / std::max(blocks, threads), tiles_w) >= nr;
  if (by_blocks) blocks = (std::max(blocks, threads) + threads - 1) / threads * threads;
  const int64_t block_rows = (tiles_h + blocks - 1) / blocks;
  // V: per point, the B panels of a C x columns matrix (gemm_pack_b's layout, written by the
  // input transform, so the GEMM packs nothing); M: per point, K rows of ld columns.
  const int64_t max_cols = winograd_impl::gapped_columns(block_rows, tiles_w);
  const int64_t v_point = (max_cols + nr - 1) / nr * nr * p.C, ld = max_cols;
  const size_t scratch_size = size_t(winograd_impl::scratch_floats(block_rows, tiles_w, tf.lanes));
  const int64_t plane_in = p.H * p.W, plane_out = p.OH * p.OW;
  // Tile rows [th0, th0 + rows) of image n, its passes split across |block_pool| (null: this
  // thread alone) through this thread's buffers.
  auto run_block = [&](int64_t n, int64_t th0, int64_t rows, ThreadPool* block_pool) {
    // Reused across calls (a conv layer after another of the same size neither allocates nor
    // faults pages in again).
    thread_local std::vector<float> v_buf, m_buf;
    v_buf.resize(std::max(v_buf.size(), size_t(kPoints * v_point)));
    m_buf.resize(std::max(m_buf.size(), size_t(kPoints * p.K * ld + tf.lanes)));  // + the output loads' overrun
    float *V = v_buf.data(), *M = m_buf.data();
    const int64_t cols = winograd_impl::gapped_columns(rows, tiles_w);
    parallel_for(block_pool, p.C, [&](int64_t c0, int64_t c1) {
      float* scratch = transform_scratch(scratch_size);
      for (int64_t c = c0; c < c1; ++c)
        tf.input(x + (n * p.C + c) * plane_in, p.H, p.W, th0 * kOutTile - p.window.pad_top, -p.window.pad_left, rows,
                 tiles_w, V + c * nr, v_point, nr, p.C * nr, scratch);
    });
    parallel_for(block_pool, kPoints, [&](int64_t q0, int64_t q1) {
      for (int64_t q = q0; q < q1; ++q)
        gemm_f32_prepacked_ab(cfg, p.K, cols, p.C, packed_u + q * point_floats, V + q * v_point, M + q * p.K * ld, ld,
                              GemmEpilogue{}, nullptr);
    });
    const int64_t oh0 = th0 * kOutTile, out_rows = std::min(p.OH - oh0, rows * kOutTile);
    parallel_for(block_pool, p.K, [&](int64_t k0, int64_t k1) {
      float* scratch = transform_scratch(scratch_size);
      for (int64_t k = k0; k < k1; ++k) {
        float* out = y + (n * p.K + k) * plane_out + oh0 * p.OW;
        tf.output(M + k * ld, p.K * ld, tiles_w, bias ? bias[k] : 0.f, out, out_rows, p.OW, scratch);
        // The block's rows of this channel are contiguous and still in cache.
        const int64_t count = out_rows * p.OW;
        residual_epilogue_f32(act, count, residual ? residual + (n * p.K + k) * plane_out + oh0 * p.OW : nullptr,
                              out);
      }
    });
  };
  // Block b of an image: tile rows [tiles_h * b / blocks, tiles_h * (b + 1) / blocks), so
  // no block is more than a row longer than another (and one may be empty when blocks were
  // rounded up past tiles_h: it is skipped).
  auto run_block_index = [&](int64_t n, int64_t b, ThreadPool* block_pool) {
    const int64_t th0 = tiles_h * b / blocks, th1 = tiles_h * (b + 1) / blocks;
    if (th1 > th0) run_block(n, th0, th1 - th0, block_pool);
  };
  if (by_blocks) {
    return parallel_for(pool, p.N * blocks, [&](int64_t i0, int64_t i1) {
      for (int64_t i = i0; i < i1; ++i) run_block_index(i / blocks, i % blocks, nullptr);
    });
  }
  for (int64_t n = 0; n < p.N; ++n)
    for (int64_t b = 0; b < blocks; ++b) run_block_index(n, b, pool);
}

}  // namespace aivm::kernels
