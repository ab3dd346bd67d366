// conv2d_f32. Four strategies:
//  - taps: one GEMM per kernel tap on a zero-padded copy of the input, for stride-1 convs
//    on small planes (tap_gemm.cc);
//  - Winograd F(4x4, 3x3) for 3x3 stride-1 convs with tiles enough (winograd.cc);
//  - stem: direct loops for few input channels into many outputs, a CNN's first conv (stem.cc);
//  - GEMM: per image and group, Y[kg, OH*OW] = W[kg, cg*kh*kw] x col[cg*kh*kw, OH*OW] on the
//    packed GEMM, with bias and activation fused into its epilogue. col is built block by block
//    over output columns (im2col of a bounded slice, never the whole input) straight into the
//    GEMM's B panels, and a 1x1 stride-1 unpadded conv reads the input directly as col. Small
//    planes (7x7) take the product transposed, Y^T = col^T W^T, pixels on the GEMM's rows:
//    49 columns fill 4 tiles of 16 lanes to 77%, 49 rows fill 9 panels of 6 to 91%.
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
#include "kernels/conv/tap_gemm.h"
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

// Scratch of im2col_panel: the input offset of each (tap, pixel) of a panel, and the panel's
// runs (see there).
struct PanelScratch {
  struct Run {
    int64_t begin, len, src;  // panel positions [begin, begin + len) read src + t * stride_w, or zeros if src < 0
  };
  std::vector<int64_t> offset;  // 64-bit: a plane may hold more than 2^31 floats
  std::vector<Run> runs;
};

// One panel of im2col for output pixels [first, first + count) of image n and the group whose
// channels start at c0: row (c, kh, kw) of the panel is |width| floats at out[row * width],
// pixel t at [t], zero where the window reads padding and for t >= count. That is a B panel
// of gemm_pack_b's layout (width NR, its columns past the end zero) or an A panel of
// gemm_pack_a's (width = its row count) of the transposed product. Which input each (tap,
// pixel) reads is the same for every channel: worked out once per panel as runs (along an
// output row, a tap reads the input at a constant stride; padding is a run of zeros), then
// each channel copies its runs, at stride 1 and 2 in loops the compiler vectorises (a scalar
// gather per float cost a fifth of a stride-2 3x3 conv).
void im2col_panel(const Conv2dParams& p, const float* x, int64_t n, int64_t c0, int64_t first, int64_t count,
                  int64_t width, PanelScratch* scratch, float* out) {
  const isa::Window2d& win = p.window;
  const int64_t cg = p.C / p.group, taps = int64_t(win.kernel_h) * win.kernel_w, sw = win.stride_w;
  std::vector<int64_t>& offset = scratch->offset;
  std::vector<PanelScratch::Run>& runs = scratch->runs;
  offset.resize(size_t(taps * width));
  runs.clear();
  for (int64_t tap = 0; tap < taps; ++tap) {
    const int64_t kh = tap / win.kernel_w, kw = tap % win.kernel_w;
    int64_t* o = offset.data() + tap * width;
    for (int64_t t = 0; t < width; ++t) {
      o[t] = -1;
      if (t >= count) continue;
      const int64_t oh = (first + t) / p.OW, ow = (first + t) % p.OW;
      const int64_t ih = oh * win.stride_h - win.pad_top + kh * win.dilation_h;
      const int64_t iw = ow * win.stride_w - win.pad_left + kw * win.dilation_w;
      if (ih >= 0 && ih < p.H && iw >= 0 && iw < p.W) o[t] = ih * p.W + iw;
    }
    for (int64_t t = 0; t < width;) {
      int64_t e = t + 1;
      if (o[t] < 0) {
        while (e < width && o[e] < 0) ++e;
      } else {
        while (e < width && o[e] == o[e - 1] + sw) ++e;
      }
      runs.push_back({tap * width + t, e - t, o[t]});
      t = e;
    }
  }
  const int64_t rows = taps * width;
  const float* xc = x + (n * p.C + c0) * p.H * p.W;
  for (int64_t c = 0; c < cg; ++c, out += rows, xc += p.H * p.W) {
    for (const PanelScratch::Run& r : runs) {
      float* dst = out + r.begin;
      if (r.src < 0) {
        std::fill(dst, dst + r.len, 0.f);
        continue;
      }
      const float* src = xc + r.src;
      if (sw == 1) {
        for (int64_t t = 0; t < r.len; ++t) dst[t] = src[t];
      } else if (sw == 2) {
        for (int64_t t = 0; t < r.len; ++t) dst[t] = src[2 * t];
      } else {
        for (int64_t t = 0; t < r.len; ++t) dst[t] = src[t * sw];
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
    // The panels are independent: with the GEMM split across threads, so is the im2col
    // (squeezenet's 13x13 3x3s spent a quarter of their time in it).
    const int64_t nr = int64_t(cfg.nr);
    parallel_for(gemm_pool, (nb + nr - 1) / nr, [&](int64_t q0, int64_t q1) {
      PanelScratch scratch;
      for (int64_t q = q0; q < q1; ++q)
        im2col_panel(p, x, n, g * cg, j0 + q * nr, std::min(nr, nb - q * nr), nr, &scratch, col + q * rows * nr);
    });
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

//===----------------------------------------------------------------------===//
// Pixels as the GEMM's rows: Y^T[OH*OW, kg] = col^T[OH*OW, rows] x W^T[rows, kg]
//===----------------------------------------------------------------------===//

// Multiply-adds per image and group below which the transposed product's extra pass (the
// transpose back, ~1 us per 4K outputs) costs what its fuller tiles save: mobilenet_v2's
// 576 -> 96 1x1 at 7x7 (2.7M) ran 75 -> 81 us, 960 -> 320 (15M) 397 -> 376.
constexpr int64_t kMinPixelRowsMacs = 1 << 22;

// Output pixels up to which the transposed product is considered: on larger planes the last
// column tile's waste is small, and the transposed operands cost more to pack (squeezenet's
// 128 -> 16 1x1 at 55x55 ran 178 -> 400 us that way).
constexpr int64_t kMaxPixelRowsColumns = 100;

// Whether the transposed product needs a tenth fewer micro-tiles than the usual one. Its
// whole col^T (one image and group) is built at once, so it must fit the im2col bound.
bool pixel_rows_pay(const Conv2dParams& p, const GemmConfig& cfg) {
  const int64_t kg = p.K / p.group, cols = p.OH * p.OW;
  const int64_t rows = (p.C / p.group) * p.window.kernel_h * p.window.kernel_w;
  const int64_t mr = int64_t(cfg.mr), nr = int64_t(cfg.nr);
  if (!uses_gemm(p) || cols < mr || cols > kMaxPixelRowsColumns || kg * cols * rows < kMinPixelRowsMacs ||
      (!is_pointwise_window(p.window) && cols * rows > kMaxColFloats))
    return false;
  const int64_t channel_tiles = (kg + mr - 1) / mr * ((cols + nr - 1) / nr);
  const int64_t pixel_tiles = (cols + mr - 1) / mr * ((kg + nr - 1) / nr);
  return pixel_tiles * 10 <= channel_tiles * 9;
}

// col^T of one image and group as gemm_pack_a panels of |panel_rows| output pixels each (the
// last one fewer), one panel per task.
void im2col_pixel_panels(const Conv2dParams& p, const float* x, int64_t n, int64_t c0, int64_t panel_rows,
                         float* panels, ThreadPool* pool) {
  const int64_t taps = int64_t(p.window.kernel_h) * p.window.kernel_w, cols = p.OH * p.OW;
  const int64_t rows = (p.C / p.group) * taps;
  parallel_for(pool, (cols + panel_rows - 1) / panel_rows, [&](int64_t b, int64_t e) {
    PanelScratch scratch;
    for (int64_t q = b; q < e; ++q) {
      const int64_t m = q * panel_rows, r = std::min(panel_rows, cols - m);
      im2col_panel(p, x, n, c0, m, r, r, &scratch, panels + m * rows);
    }
  });
}

// Y^T's row stride: whole vectors, and an odd count of cache lines, so that the transpose's
// column reads (one float from each pixel row) fall in distinct L1 sets, not one set (a
// multiple of 4 KiB apart, as 1024 or 2048 channels would be).
int64_t transposed_row_stride(int64_t kg) {
  const int64_t lines = (kg + 15) / 16;
  return (lines % 2 ? lines : lines + 1) * 16;
}

// y[k, i] = act(yt[i, k] + bias[k] + residual[k, i]) for channels [k0, k1) of one image and
// group, a channel at a time: consecutive channels read the same cache lines of yt (one per
// pixel row), and each row gets its epilogue while in L1.
void transpose_epilogue(const float* yt, int64_t ldt, int64_t cols, int64_t k0, int64_t k1, const float* bias,
                        const float* residual, const Activation& act, float* y) {
  for (int64_t k = k0; k < k1; ++k) {
    float* out = y + k * cols;
    const float b = bias ? bias[k] : 0.f;
    for (int64_t i = 0; i < cols; ++i) out[i] = yt[i * ldt + k] + b;
    residual_epilogue_f32(act, cols, residual ? residual + k * cols : nullptr, out);
  }
}

// |packed_w| holds every group's W^T as gemm_pack_b panels (conv2d_pack_weights). The GEMM
// stores plainly; the epilogue runs in the transpose back to planes.
void conv_gemm_pixel_rows(const Conv2dParams& p, const float* x, const float* packed_w, const float* bias,
                          const float* residual, const Activation& act, float* y, ThreadPool* pool) {
  const GemmConfig& cfg = gemm_config();
  const int64_t cg = p.C / p.group, kg = p.K / p.group, cols = p.OH * p.OW;
  const int64_t rows = cg * p.window.kernel_h * p.window.kernel_w, ldt = transposed_row_stride(kg);
  const int64_t group_floats = int64_t(gemm_packed_b_bytes(cfg, kg, rows) / sizeof(float));
  const bool pointwise = is_pointwise_window(p.window);
  std::unique_ptr<float[]> col = uninitialized_floats(pointwise ? 0 : size_t(cols * rows));
  std::unique_ptr<float[]> yt = uninitialized_floats(size_t(cols * ldt));
  const GemmEpilogue plain;
  for (int64_t n = 0; n < p.N; ++n) {
    for (int64_t g = 0; g < p.group; ++g) {
      const float* wg = packed_w + g * group_floats;
      if (pointwise) {  // the input plane set [cg, cols] is col, so col^T is it transposed
        gemm_f32_prepacked_b(cfg, true, cols, kg, rows, x + (n * p.C + g * cg) * cols, cols, wg, yt.get(), ldt,
                             plain, pool);
      } else {
        im2col_pixel_panels(p, x, n, g * cg, gemm_packed_a_rows(cfg, cols), col.get(), pool);
        gemm_f32_prepacked_ab(cfg, cols, kg, rows, col.get(), wg, yt.get(), ldt, plain, pool);
      }
      const int64_t base = (n * p.K + g * kg) * cols;
      const int64_t blocks = (kg + 15) / 16;
      parallel_for(pool, blocks, [&](int64_t b, int64_t e) {
        transpose_epilogue(yt.get(), ldt, cols, b * 16, std::min(kg, e * 16), bias ? bias + g * kg : nullptr,
                           residual ? residual + base : nullptr, act, y + base);
      });
    }
  }
}

}  // namespace

ConvPacking conv2d_packing(const Conv2dParams& p) {
  if (tap_gemm_applies(p)) return ConvPacking::kTapRows;
  if (winograd_applies(p)) return ConvPacking::kWinograd;
  if (stem_applies(p)) return ConvPacking::kStem;
  if (!uses_gemm(p)) return ConvPacking::kNone;
  return pixel_rows_pay(p, gemm_config()) ? ConvPacking::kPixelRows : ConvPacking::kChannelRows;
}

size_t conv2d_packed_weights_bytes(const Conv2dParams& p) {
  const GemmConfig& cfg = gemm_config();
  const int64_t kg = p.K / p.group, rows = (p.C / p.group) * p.window.kernel_h * p.window.kernel_w;
  switch (conv2d_packing(p)) {
    case ConvPacking::kNone: return 0;
    case ConvPacking::kWinograd: return winograd_packed_weights_bytes(p);
    case ConvPacking::kTapRows: return tap_gemm_packed_weights_bytes(p);
    case ConvPacking::kStem: return stem_packed_weights_bytes(p);
    case ConvPacking::kChannelRows: return size_t(p.group) * gemm_packed_a_bytes(cfg, kg, rows);
    case ConvPacking::kPixelRows: return size_t(p.group) * gemm_packed_b_bytes(cfg, kg, rows);
  }
  return 0;
}

void conv2d_pack_weights(const Conv2dParams& p, const float* w, void* out) {
  const GemmConfig& cfg = gemm_config();
  const int64_t kg = p.K / p.group, rows = (p.C / p.group) * p.window.kernel_h * p.window.kernel_w;
  float* packed = static_cast<float*>(out);
  switch (conv2d_packing(p)) {
    case ConvPacking::kNone: return;
    case ConvPacking::kWinograd: return winograd_pack_weights(p, w, packed);
    case ConvPacking::kTapRows: return tap_gemm_pack_weights(p, w, packed);
    case ConvPacking::kStem: return stem_pack_weights(p, w, packed);
    case ConvPacking::kChannelRows:
      for (int64_t g = 0; g < p.group; ++g) gemm_pack_a(cfg, false, kg, rows, w + g * kg * rows, rows, packed + g * kg * rows);
      return;
    case ConvPacking::kPixelRows: {
      const int64_t group_floats = int64_t(gemm_packed_b_bytes(cfg, kg, rows) / sizeof(float));
      for (int64_t g = 0; g < p.group; ++g)  // W^T: op(B) = W^T with W [kg, rows] as B^T
        gemm_pack_b(cfg, true, kg, rows, w + g * kg * rows, rows, packed + g * group_floats);
      return;
    }
  }
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
  switch (conv2d_packing(p)) {
    case ConvPacking::kWinograd: return winograd_conv2d_f32(p, x, packed, bias, residual, act, y, pool);
    case ConvPacking::kTapRows: return tap_gemm_conv2d_f32(p, x, packed, bias, residual, act, y, pool);
    case ConvPacking::kStem: return stem_conv2d_f32(p, x, packed, bias, residual, act, y, pool);
    case ConvPacking::kChannelRows: return conv_gemm(p, x, packed, bias, residual, act, y, pool);
    case ConvPacking::kPixelRows: return conv_gemm_pixel_rows(p, x, packed, bias, residual, act, y, pool);
    case ConvPacking::kNone: break;
  }
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
