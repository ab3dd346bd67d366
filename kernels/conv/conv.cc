// conv2d_f32. Four strategies:
//  - Winograd F(4x4, 3x3) for 3x3 stride-1 convs with tiles enough (winograd.cc);
//  - stem: direct loops for few input channels into many outputs, a CNN's first conv (stem.cc);
//  - GEMM: per image and group, Y[kg, OH*OW] = W[kg, cg*kh*kw] x col[cg*kh*kw, OH*OW] on the
//    packed GEMM, with bias and activation fused into its epilogue. col is built block by block
//    over output columns (im2col of a bounded slice, never the whole input) straight into the
//    GEMM's B panels, and a 1x1 stride-1 unpadded conv reads the input directly as col.
//  - direct: per (n, k) output plane, accumulate w[c,kh,kw] * shifted input rows over the valid
//    output range (no bounds checks in the inner loop). Used where GEMM has too few rows to pay
//    (depthwise and other tiny groups).
#include <algorithm>
#include <memory>
#include <vector>

#include "kernels/config/gemm_config.h"
#include "kernels/config/thread_pool.h"
#include "kernels/conv/conv.h"
#include "kernels/conv/depthwise.h"
#include "kernels/conv/stem.h"
#include "kernels/conv/winograd.h"
#include "kernels/conv/window.h"
#include "kernels/elementwise/elementwise.h"
#include "kernels/gemm/gemm.h"

namespace aivm::kernels {
namespace {

constexpr int64_t kMinParallelMacs = 32768;

void plane(const Conv2dParams& p, const float* x, const float* w, const float* bias, const float* residual,
           const Activation& act, float* y, int64_t n, int64_t k) {
  const isa::Window2d& win = p.window;
  const int64_t cg = p.C / p.group, kg = p.K / p.group, c0 = (k / kg) * cg;
  const int64_t sh = win.stride_h, sw = win.stride_w;
  float* out = y + (n * p.K + k) * p.OH * p.OW;
  for (int64_t i = 0; i < p.OH * p.OW; ++i) out[i] = 0.f;
  for (int64_t c = 0; c < cg; ++c) {
    const float* xc = x + (n * p.C + c0 + c) * p.H * p.W;
    const float* wc = w + (k * cg + c) * win.kernel_h * win.kernel_w;
    for (int64_t kh = 0; kh < win.kernel_h; ++kh) {
      int64_t oh0, oh1;
      window_valid_range(p.H, p.OH, sh, win.pad_top, kh * win.dilation_h, &oh0, &oh1);
      for (int64_t kw = 0; kw < win.kernel_w; ++kw) {
        int64_t ow0, ow1;
        window_valid_range(p.W, p.OW, sw, win.pad_left, kw * win.dilation_w, &ow0, &ow1);
        const float wv = wc[kh * win.kernel_w + kw];
        const int64_t col = kw * win.dilation_w - win.pad_left;
        for (int64_t oh = oh0; oh < oh1; ++oh) {
          // Row pointers start at the first valid output, so they never leave the buffers.
          const float* xr = xc + (oh * sh - win.pad_top + kh * win.dilation_h) * p.W + ow0 * sw + col;
          float* yr = out + oh * p.OW + ow0;
          const int64_t len = ow1 - ow0;
          if (sw == 1) {
            for (int64_t j = 0; j < len; ++j) yr[j] += xr[j] * wv;
          } else {
            for (int64_t j = 0; j < len; ++j) yr[j] += xr[j * sw] * wv;
          }
        }
      }
    }
  }
  if (bias)
    for (int64_t i = 0; i < p.OH * p.OW; ++i) out[i] += bias[k];
  residual_epilogue_f32(act, p.OH * p.OW, residual ? residual + (n * p.K + k) * p.OH * p.OW : nullptr, out);
}

// Output rows per group below which the direct loops beat GEMM (too few rows to fill a tile).
constexpr int64_t kMinGemmRows = 4;
// Upper bound on the im2col slice, in floats (1 MiB): bounded memory whatever the input size.
constexpr int64_t kMaxColFloats = 1 << 18;
// Output columns each thread needs before threads split a conv by im2col blocks rather than
// inside the GEMM (a narrow block leaves the micro-kernel's NR columns mostly empty).
constexpr int64_t kMinColumnsPerThread = 256;

// Writes im2col straight into gemm_pack_b's layout, so the GEMM reads it with no packing pass
// of its own: column j of row r at panels[(j / NR) * rows * NR + r * NR + j % NR].
class PanelWriter {
 public:
  PanelWriter(float* panels, int64_t rows, int64_t nr) : panels_(panels), rows_(rows), nr_(nr) {}

  // Row r, columns [j, j + len): src[t * stride] for t < len, or zeros for a null src; cut at
  // the panel edges (contiguous within a panel).
  void put(int64_t r, int64_t j, const float* src, int64_t stride, int64_t len) const {
    while (len > 0) {
      const int64_t in_panel = j % nr_, seg = std::min(len, nr_ - in_panel);
      float* dst = panels_ + (j / nr_) * rows_ * nr_ + r * nr_ + in_panel;
      if (!src) {
        std::fill(dst, dst + seg, 0.f);
      } else if (stride == 1) {
        std::copy(src, src + seg, dst);
      } else if (stride == 2) {  // a constant stride the compiler vectorises (first layers)
        for (int64_t t = 0; t < seg; ++t) dst[t] = src[2 * t];
      } else {
        for (int64_t t = 0; t < seg; ++t) dst[t] = src[t * stride];
      }
      if (src) src += stride * seg;
      j += seg;
      len -= seg;
    }
  }

  // Zeros in the last panel's columns past |cols| (the micro-kernel reads whole panels).
  void pad_columns(int64_t cols) const {
    if (cols % nr_ == 0) return;
    for (int64_t r = 0; r < rows_; ++r) put(r, cols, nullptr, 0, nr_ - cols % nr_);
  }

 private:
  float* panels_;
  int64_t rows_, nr_;
};

// im2col of output rows [oh0, oh0 + nrows) into B panels: rows r = (c, kh, kw), columns
// j = (oh - oh0) * OW + ow, zero where the window reads padding. Whole output rows with the
// valid column range of each tap computed once, so no per-element bounds test.
void im2col_panels(const Conv2dParams& p, const float* x, int64_t n, int64_t c0, int64_t oh0, int64_t nrows,
                   const PanelWriter& out) {
  const isa::Window2d& win = p.window;
  const int64_t cg = p.C / p.group, sw = win.stride_w;
  for (int64_t c = 0; c < cg; ++c) {
    const float* xc = x + (n * p.C + c0 + c) * p.H * p.W;
    for (int64_t kh = 0; kh < win.kernel_h; ++kh) {
      for (int64_t kw = 0; kw < win.kernel_w; ++kw) {
        const int64_t r = (c * win.kernel_h + kh) * win.kernel_w + kw;
        int64_t ow0, ow1;
        window_valid_range(p.W, p.OW, sw, win.pad_left, kw * win.dilation_w, &ow0, &ow1);
        ow1 = std::max(ow0, ow1);
        const int64_t iw0 = ow0 * sw - win.pad_left + kw * win.dilation_w;
        for (int64_t i = 0; i < nrows; ++i) {
          const int64_t j = i * p.OW;
          const int64_t ih = (oh0 + i) * win.stride_h - win.pad_top + kh * win.dilation_h;
          if (ih < 0 || ih >= p.H || ow0 >= ow1) {
            out.put(r, j, nullptr, 0, p.OW);
            continue;
          }
          out.put(r, j, nullptr, 0, ow0);
          out.put(r, j + ow0, xc + ih * p.W + iw0, sw, ow1 - ow0);
          out.put(r, j + ow1, nullptr, 0, p.OW - ow1);
        }
      }
    }
  }
}

// Heap floats without the zero fill std::vector would do: every element is written before it
// is read (im2col blocks, packed weights).
std::unique_ptr<float[]> uninitialized_floats(size_t n) { return std::unique_ptr<float[]>(new float[n]); }

// Runs the GEMM strategy; |packed_w| holds every group's weights as conv2d_pack_weights
// writes them.
//
// Threads: with enough output columns, each thread takes whole im2col blocks (its own im2col,
// then a one-thread GEMM), so the im2col is parallel too; otherwise (small planes, and 1x1
// convs, which have no im2col) the blocks run in turn and the GEMM splits each one.
void conv_gemm(const Conv2dParams& p, const float* x, const float* packed_w, const float* bias,
               const float* residual, const Activation& act, float* y, ThreadPool* pool) {
  const int64_t cg = p.C / p.group, kg = p.K / p.group;
  const int64_t rows = cg * p.window.kernel_h * p.window.kernel_w, cols = p.OH * p.OW;
  const bool pointwise = is_pointwise_window(p.window);
  const int64_t threads = pool ? pool->num_threads() : 1;
  // Whole output rows per im2col block, as many as fit the bound (at least one); for threads,
  // a multiple of their count of blocks, balanced.
  int64_t block_rows = pointwise ? p.OH : std::clamp<int64_t>(kMaxColFloats / (rows * p.OW), 1, p.OH);
  int64_t blocks = (p.OH + block_rows - 1) / block_rows;
  const bool by_blocks = !pointwise && threads > 1 && cols >= threads * kMinColumnsPerThread &&
                         kg * rows * cols >= kMinParallelMacs;
  if (by_blocks) {
    blocks = std::min(p.OH, (blocks + threads - 1) / threads * threads);
    block_rows = (p.OH + blocks - 1) / blocks;
    blocks = (p.OH + block_rows - 1) / block_rows;
  }
  const GemmConfig& cfg = gemm_config();
  // Task t = (image, group, block); |col| is the caller's im2col buffer.
  auto run_block = [&](int64_t t, float* col, ThreadPool* gemm_pool) {
    const int64_t oh0 = (t % blocks) * block_rows, g = t / blocks % p.group, n = t / blocks / p.group;
    const int64_t nrows = std::min(block_rows, p.OH - oh0), nb = nrows * p.OW, j0 = oh0 * p.OW;
    GemmEpilogue ep;
    ep.act = act;
    if (bias) {
      ep.bias = bias + g * kg;
      ep.bias_row_stride = 1;  // one bias per output channel = per GEMM row
    }
    if (residual) {  // laid out like this block's output
      ep.residual = residual + (n * p.K + g * kg) * cols + j0;
      ep.residual_row_stride = cols;
      ep.residual_col_stride = 1;
    }
    const float* wg = packed_w + g * kg * rows;  // packed A of one group: kg * rows floats
    float* out = y + (n * p.K + g * kg) * cols + j0;
    if (pointwise) {  // the input is B as it stands
      gemm_f32_prepacked_a(cfg, kg, nb, rows, wg, false, x + (n * p.C + g * cg) * p.H * p.W, cols, out, cols, ep,
                           gemm_pool);
      return;
    }
    const PanelWriter panels(col, rows, int64_t(cfg.nr));
    im2col_panels(p, x, n, g * cg, oh0, nrows, panels);
    panels.pad_columns(nb);
    gemm_f32_prepacked_ab(cfg, kg, nb, rows, wg, col, out, cols, ep, gemm_pool);
  };
  const int64_t tasks = p.N * p.group * blocks;
  const int64_t nr = int64_t(cfg.nr), block_cols = (block_rows * p.OW + nr - 1) / nr * nr;
  const size_t col_floats = pointwise ? 0 : size_t(rows * block_cols);
  if (by_blocks) {
    parallel_for(pool, tasks, [&](int64_t t0, int64_t t1) {
      std::unique_ptr<float[]> col = uninitialized_floats(col_floats);
      for (int64_t t = t0; t < t1; ++t) run_block(t, col.get(), nullptr);
    });
  } else {
    std::unique_ptr<float[]> col = uninitialized_floats(col_floats);
    for (int64_t t = 0; t < tasks; ++t) run_block(t, col.get(), pool);
  }
}

bool uses_gemm(const Conv2dParams& p) { return p.K / p.group >= kMinGemmRows; }

}  // namespace

size_t conv2d_packed_weights_bytes(const Conv2dParams& p) {
  if (winograd_applies(p)) return winograd_packed_weights_bytes(p);
  if (stem_applies(p)) return stem_packed_weights_bytes(p);
  if (!uses_gemm(p)) return 0;
  const int64_t kg = p.K / p.group, rows = (p.C / p.group) * p.window.kernel_h * p.window.kernel_w;
  return size_t(p.group) * gemm_packed_a_bytes(gemm_config(), kg, rows);
}

void conv2d_pack_weights(const Conv2dParams& p, const float* w, void* out) {
  if (winograd_applies(p)) return winograd_pack_weights(p, w, static_cast<float*>(out));
  if (stem_applies(p)) return stem_pack_weights(p, w, static_cast<float*>(out));
  if (!uses_gemm(p)) return;
  const int64_t kg = p.K / p.group, rows = (p.C / p.group) * p.window.kernel_h * p.window.kernel_w;
  for (int64_t g = 0; g < p.group; ++g)
    gemm_pack_a(gemm_config(), false, kg, rows, w + g * kg * rows, rows, static_cast<float*>(out) + g * kg * rows);
}

void conv2d_f32(const Conv2dParams& p, const float* x, const float* w, const float* bias, const Activation& act,
                float* y, ThreadPool* pool) {
  conv2d_f32_prepacked(p, x, w, nullptr, bias, nullptr, act, y, pool);
}

void conv2d_f32_prepacked(const Conv2dParams& p, const float* x, const float* w, const void* packed_w,
                          const float* bias, const float* residual, const Activation& act, float* y,
                          ThreadPool* pool) {
  // Weights not packed ahead (computed ones, or a caller without a load step) are packed once
  // here, for whichever strategy packs: shared by the call's images and blocks.
  std::unique_ptr<float[]> own_packed;
  if (!packed_w) {
    if (const size_t bytes = conv2d_packed_weights_bytes(p)) {
      own_packed = uninitialized_floats(bytes / sizeof(float));
      conv2d_pack_weights(p, w, own_packed.get());
      packed_w = own_packed.get();
    }
  }
  const float* packed = static_cast<const float*>(packed_w);
  if (winograd_applies(p)) return winograd_conv2d_f32(p, x, packed, bias, residual, act, y, pool);
  if (stem_applies(p)) return stem_conv2d_f32(p, x, packed, bias, residual, act, y, pool);
  if (uses_gemm(p)) return conv_gemm(p, x, packed, bias, residual, act, y, pool);
  if (depthwise_applies(p)) return depthwise_conv2d_f32(p, x, w, bias, residual, act, y, pool);
  auto run = [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) plane(p, x, w, bias, residual, act, y, i / p.K, i % p.K);
  };
  const int64_t macs = p.N * p.K * p.OH * p.OW * (p.C / p.group) * p.window.kernel_h * p.window.kernel_w;
  if (macs < kMinParallelMacs) {
    run(0, p.N * p.K);
  } else {
    parallel_for(pool, p.N * p.K, run);
  }
}

}  // namespace aivm::kernels
