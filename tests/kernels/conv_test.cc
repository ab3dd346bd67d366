// Conv2d: reference against hand-computed values, fast path against the reference.
#include "kernels/conv/conv.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "kernels/config/thread_pool.h"
#include "kernels/conv/depthwise.h"
#include "kernels/conv/stem.h"
#include "kernels/conv/tap_gemm.h"
#include "kernels/conv/window.h"
#include "kernels/conv/winograd.h"
#include "tests/kernels/kernel_test_util.h"

namespace aivm::kernels {
namespace {

using test_util::expect_close;
using test_util::expect_close_to_scale;
using test_util::isas_of_this_cpu;
using test_util::random_vec;

// Builds params with OH/OW derived the ONNX way (floor).
Conv2dParams params(int64_t n, int64_t c, int64_t h, int64_t w, int64_t k, int64_t group, isa::Window2d win) {
  int64_t eh = (win.kernel_h - 1) * win.dilation_h + 1, ew = (win.kernel_w - 1) * win.dilation_w + 1;
  int64_t oh = (h + win.pad_top + win.pad_bottom - eh) / win.stride_h + 1;
  int64_t ow = (w + win.pad_left + win.pad_right - ew) / win.stride_w + 1;
  return {n, c, h, w, k, oh, ow, group, win};
}

// kernel_h, kernel_w, stride_h, stride_w, pad_top, pad_left, pad_bottom, pad_right, dilation_h, dilation_w
isa::Window2d window(int32_t kh, int32_t kw, int32_t sh = 1, int32_t sw = 1, int32_t pt = 0, int32_t pl = 0,
                     int32_t pb = 0, int32_t pr = 0, int32_t dh = 1, int32_t dw = 1) {
  return {kh, kw, sh, sw, pt, pl, pb, pr, dh, dw};
}

std::vector<float> run_ref(const Conv2dParams& p, const std::vector<float>& x, const std::vector<float>& w,
                           const float* bias, Activation act = {}, const float* residual = nullptr) {
  std::vector<float> y(size_t(p.N * p.K * p.OH * p.OW));
  conv2d_f32_reference(p, x.data(), w.data(), bias, residual, act, y.data());
  return y;
}

// The largest |output| before the activation, plus 1 for a residual of up to 1: the magnitude
// Winograd's rounding scales with (expect_close_to_scale).
float pre_activation_scale(const Conv2dParams& p, const std::vector<float>& x, const std::vector<float>& w,
                           const float* bias) {
  float scale = 1.f;
  for (float v : run_ref(p, x, w, bias)) scale = std::fmax(scale, std::fabs(v) + 1.f);
  return scale;
}

TEST(ConvReference, HandComputed) {
  const std::vector<float> x = {1, 2, 3, 4, 5, 6, 7, 8, 9};  // 1x1x3x3
  // 2x2 diagonal kernel, stride 1, no padding, bias 1.
  const float one = 1.f;
  Conv2dParams p = params(1, 1, 3, 3, 1, 1, window(2, 2));
  ASSERT_EQ(p.OH, 2);
  expect_close(run_ref(p, x, {1, 0, 0, 1}, &one), {7, 9, 13, 15});
  // 3x3 ones, stride 2, pad 1: each output sums the 2x2 valid corner block.
  p = params(1, 1, 3, 3, 1, 1, window(3, 3, 2, 2, 1, 1, 1, 1));
  expect_close(run_ref(p, x, std::vector<float>(9, 1.f), nullptr), {12, 16, 24, 28});
  // 2x2 ones dilated by 2: the four corners.
  p = params(1, 1, 3, 3, 1, 1, window(2, 2, 1, 1, 0, 0, 0, 0, 2, 2));
  ASSERT_EQ(p.OH, 1);
  expect_close(run_ref(p, x, {1, 1, 1, 1}, nullptr), {20});
  // Asymmetric padding: top/left only, 2x2 ones, stride 1 -> 3x3 output.
  p = params(1, 1, 3, 3, 1, 1, window(2, 2, 1, 1, 1, 1, 0, 0));
  expect_close(run_ref(p, x, {1, 1, 1, 1}, nullptr), {1, 3, 5, 5, 12, 16, 11, 24, 28});
  // Depthwise (group 2): each output channel sees only its own input channel.
  p = params(1, 2, 1, 1, 2, 2, window(1, 1));
  expect_close(run_ref(p, {2, 3}, {10, 100}, nullptr), {20, 300});
  // Group 1 over two channels with relu.
  p = params(1, 2, 1, 1, 2, 1, window(1, 1));
  expect_close(run_ref(p, {2, 3}, {1, -1, 1, 1}, nullptr, {isa::Activation::Relu}), {0, 5});
  // The residual is added before the activation: (-1, 5) + (3, -10), then relu.
  const float residual[] = {3, -10};
  expect_close(run_ref(p, {2, 3}, {1, -1, 1, 1}, nullptr, {isa::Activation::Relu}, residual), {2, 0});
}

class ConvFast : public ::testing::TestWithParam<int> {
 protected:
  ConvFast() : pool_(GetParam() > 1 ? new ThreadPool(GetParam()) : nullptr) {}
  ~ConvFast() override { delete pool_; }
  ThreadPool* pool_;
};

TEST_P(ConvFast, MatchesReference) {
  const Activation acts[] = {{isa::Activation::None}, {isa::Activation::Relu}, {isa::Activation::Clip, -0.5f, 0.75f},
                             {isa::Activation::Sigmoid}, {isa::Activation::Tanh},
                             {isa::Activation::Swish, 1.f}, {isa::Activation::HardSwish},
                             {isa::Activation::HardSigmoid, 0.2f, 0.5f}, {isa::Activation::LeakyRelu, 0.1f}};
  const Conv2dParams cases[] = {
      params(1, 1, 1, 1, 1, 1, window(1, 1)),
      params(2, 3, 7, 15, 5, 1, window(3, 3, 1, 1, 1, 1, 1, 1)),
      params(1, 4, 17, 17, 6, 2, window(3, 3, 2, 2, 0, 1, 2, 1)),                 // groups, stride, asym pads
      params(1, 6, 15, 33, 6, 6, window(5, 3, 1, 2, 2, 1, 2, 0, 2, 1)),           // depthwise, dilation
      params(2, 8, 33, 7, 16, 4, window(1, 1)),                                   // grouped pointwise
      params(1, 3, 100, 17, 7, 1, window(7, 7, 3, 3, 3, 3, 3, 3)),                // big, threaded
      params(1, 2, 10, 10, 3, 1, window(3, 3, 1, 1, 4, 0, 0, 4)),                 // windows wholly in padding
      params(1, 4, 9, 16, 8, 2, window(3, 2, 3, 1, 0, 2, 1, 0, 3, 2)),            // all at once
      params(1, 16, 33, 33, 16, 1, window(3, 3, 1, 1, 1, 1, 1, 1, 1, 1)),         // threaded, stride 1
      params(1, 64, 41, 39, 9, 1, window(3, 3, 1, 1, 2, 2, 2, 2, 2, 2)),          // im2col in several column blocks
      params(2, 12, 5, 7, 20, 2, window(1, 1)),                                   // pointwise GEMM, two groups
      params(1, 300, 3, 100, 4, 1, window(3, 3, 1, 2, 1, 1, 1, 1)),             // one output row > im2col bound
      params(2, 4, 30, 29, 8, 2, window(3, 3, 1, 1, 1, 1, 1, 1)),               // threads over (image, group, block)
      params(1, 3, 64, 63, 16, 1, window(3, 3, 2, 2, 1, 1, 1, 1)),              // a first layer: K = 27, stride 2
      params(2, 8, 30, 29, 8, 1, window(3, 3, 1, 1, 1, 1, 1, 1)),               // Winograd, edge tiles cut
  };
  unsigned seed = 0;
  for (const Conv2dParams& p : cases) {
    ASSERT_GT(p.OH, 0);
    ASSERT_GT(p.OW, 0);
    std::vector<float> x = random_vec(p.N * p.C * p.H * p.W, ++seed);
    std::vector<float> w = random_vec(p.K * (p.C / p.group) * p.window.kernel_h * p.window.kernel_w, ++seed);
    std::vector<float> bias = random_vec(p.K, ++seed);
    for (const float* b : {static_cast<const float*>(nullptr), static_cast<const float*>(bias.data())}) {
      const float linear_scale = pre_activation_scale(p, x, w, b);
      for (const Activation& act : acts) {
        std::vector<float> want = run_ref(p, x, w, b, act), got(want.size(), -42.f);
        conv2d_f32(p, x.data(), w.data(), b, act, got.data(), pool_);
        SCOPED_TRACE(testing::Message() << "case " << seed / 3 << " bias " << (b != nullptr) << " act "
                                        << int(act.kind));
        const int64_t reduction = (p.C / p.group) * p.window.kernel_h * p.window.kernel_w;
        // Winograd's rounding scales with the whole output, not each element (see the helper).
        const auto check = [&](const std::vector<float>& g, const std::vector<float>& wv) {
          if (winograd_applies(p)) return expect_close_to_scale(g, wv, reduction, linear_scale);
          expect_close(g, wv, reduction);
        };
        check(got, want);
        // Weights packed ahead (as the VM does at load) give the same result.
        std::vector<float> packed(conv2d_packed_weights_bytes(p) / 4 + 1, NAN), again(want.size(), -42.f);
        conv2d_pack_weights(p, w.data(), packed.data());
        conv2d_f32_prepacked(p, x.data(), w.data(), packed.data(), b, nullptr, act, again.data(), pool_);
        ASSERT_EQ(again, got);
        // A fused skip connection, added before the activation on every path (GEMM store,
        // depthwise, direct planes), with and without packed weights.
        const std::vector<float> residual = random_vec(int64_t(want.size()), seed + 1000);
        want = run_ref(p, x, w, b, act, residual.data());
        for (const float* pw : {static_cast<const float*>(nullptr), static_cast<const float*>(packed.data())}) {
          std::fill(again.begin(), again.end(), -42.f);
          conv2d_f32_prepacked(p, x.data(), w.data(), pw, b, residual.data(), act, again.data(), pool_);
          check(again, want);
        }
      }
    }
  }
}

// conv2d_f32 with a bias and |act| on random data, then the same weights packed ahead with
// the residual and Swish instead, each against the reference.
void expect_bias_and_residual_match(const Conv2dParams& p, const Activation& act, unsigned* seed, ThreadPool* pool) {
  std::vector<float> x = random_vec(p.N * p.C * p.H * p.W, ++*seed);
  std::vector<float> w = random_vec(p.K * (p.C / p.group) * p.window.kernel_h * p.window.kernel_w, ++*seed);
  std::vector<float> bias = random_vec(p.K, ++*seed);
  std::vector<float> residual = random_vec(p.N * p.K * p.OH * p.OW, ++*seed);
  const int64_t reduction = (p.C / p.group) * p.window.kernel_h * p.window.kernel_w;
  std::vector<float> got(size_t(p.N * p.K * p.OH * p.OW), -42.f);
  conv2d_f32(p, x.data(), w.data(), bias.data(), act, got.data(), pool);
  expect_close(got, run_ref(p, x, w, bias.data(), act), reduction);
  std::vector<float> packed(conv2d_packed_weights_bytes(p) / 4 + 1, NAN);
  conv2d_pack_weights(p, w.data(), packed.data());
  std::fill(got.begin(), got.end(), -42.f);
  const Activation swish{isa::Activation::Swish, 1.f};
  conv2d_f32_prepacked(p, x.data(), w.data(), packed.data(), nullptr, residual.data(), swish, got.data(), pool);
  expect_close(got, run_ref(p, x, w, nullptr, swish, residual.data()), reduction);
}

// Small planes whose GEMM runs transposed (pixels as rows, kPixelRows): which shapes qualify
// depends on the CPU's micro-tile, so the cases are a grid and some must qualify. Pointwise
// (the input read as A^T), strided 1x1 and 3x3 (im2col^T panels), groups, batch 2, padding on
// every side; bias with one activation, the residual with another.
TEST_P(ConvFast, PixelRowsMatchReference) {
  const isa::Window2d windows[] = {window(1, 1), window(1, 1, 2, 2), window(3, 3, 1, 1, 1, 1, 1, 1),
                                   window(3, 3, 2, 2, 1, 1, 1, 1), window(3, 3, 1, 1, 0, 2, 1, 0, 2, 1)};
  unsigned seed = 500;
  int pixel_rows = 0;
  for (int64_t out_side : {3, 5, 7, 9}) {
    for (int64_t k : {96, 512}) {
      for (int64_t group : {1, 2}) {
        for (const isa::Window2d& win : windows) {
          // The input size giving out_side outputs (floor rule), then the params from it.
          const int64_t eh = (win.kernel_h - 1) * win.dilation_h + 1, ew = (win.kernel_w - 1) * win.dilation_w + 1;
          const int64_t h = (out_side - 1) * win.stride_h + eh - win.pad_top - win.pad_bottom;
          const int64_t w_in = (out_side - 1) * win.stride_w + ew - win.pad_left - win.pad_right;
          const Conv2dParams p = params(2, 64 * group, h, w_in, k, group, win);
          if (conv2d_packing(p) != ConvPacking::kPixelRows) continue;
          ++pixel_rows;
          SCOPED_TRACE(testing::Message() << "out " << out_side << " K " << k << " group " << group << " window "
                                          << win.kernel_h << "x" << win.kernel_w << "/" << win.stride_h);
          expect_bias_and_residual_match(p, {isa::Activation::Relu}, &seed, pool_);
        }
      }
    }
  }
  EXPECT_GE(pixel_rows, 3);
}

// One GEMM per tap on the padded image (kTapRows): 3x3 with the padding on every side, none,
// or only on one side of a row (the shared padding column on the left or the right), 5x5, 2x2
// and 1x3 kernels; output channels that fill no panel (7, 33) and input channels past the
// micro-kernel's K block (520: AVX2's is 512, AVX-512's 256-384); rows whose padded positions
// end mid-tile; batch 2, with bias and one activation, then the residual with another.
TEST_P(ConvFast, TapRowsMatchReference) {
  const isa::Window2d windows[] = {window(3, 3, 1, 1, 1, 1, 1, 1), window(3, 3),
                                   window(3, 3, 1, 1, 0, 2, 2, 0), window(3, 3, 1, 1, 2, 0, 0, 2),
                                   window(5, 5, 1, 1, 2, 2, 2, 2), window(2, 2, 1, 1, 1, 0, 0, 1),
                                   window(1, 3, 1, 1, 0, 1, 0, 1)};
  struct Case {
    int64_t side, k, c;  // input side x (side + 1), output and input channels
  };
  unsigned seed = 900;
  int taps = 0;
  for (const Case& t : {Case{5, 7, 64}, Case{7, 33, 64}, Case{13, 64, 64}, Case{7, 64, 130}, Case{3, 33, 520}}) {
    for (const isa::Window2d& win : windows) {
      const Conv2dParams p = params(2, t.c, t.side, t.side + 1, t.k, 1, win);
      if (conv2d_packing(p) != ConvPacking::kTapRows) continue;
      ++taps;
      SCOPED_TRACE(testing::Message() << "side " << t.side << " K " << t.k << " C " << t.c << " window "
                                      << win.kernel_h << "x" << win.kernel_w << " pads " << win.pad_top << win.pad_left
                                      << win.pad_bottom << win.pad_right);
      expect_bias_and_residual_match(p, {isa::Activation::Clip, -0.5f, 0.75f}, &seed, pool_);
    }
  }
  EXPECT_EQ(taps, 35);  // every case takes the taps on every CPU (no dependence on the micro-tile)
}

INSTANTIATE_TEST_SUITE_P(Threads, ConvFast, ::testing::Values(1, 2),
                         [](const auto& info) { return "threads" + std::to_string(info.param); });

// The depthwise plane and channel-block kernels of every ISA the CPU has, against the
// reference: widths around the vector widths, strides 1 and 2, 3x3 and 5x5, dilation,
// asymmetric padding, channel counts that fill no block (17, 33).
TEST(ConvDepthwise, EveryIsaMatchesReference) {
  const std::vector<const char*> isas = isas_of_this_cpu();
  const Conv2dParams cases[] = {
      params(1, 3, 1, 1, 3, 3, window(1, 1)),
      params(1, 2, 7, 7, 2, 2, window(3, 3, 1, 1, 1, 1, 1, 1)),
      params(2, 3, 9, 17, 3, 3, window(3, 3, 2, 2, 1, 1, 1, 1)),
      params(1, 4, 15, 33, 4, 4, window(5, 5, 1, 1, 2, 2, 2, 2)),
      params(1, 2, 20, 31, 2, 2, window(5, 5, 2, 2, 2, 2, 2, 2)),
      params(1, 2, 16, 16, 2, 2, window(3, 3, 1, 1, 2, 2, 2, 2, 2, 2)),   // dilation 2
      params(1, 3, 8, 100, 3, 3, window(3, 3, 2, 2, 0, 1, 1, 0)),         // asymmetric pads
      params(1, 2, 5, 6, 2, 2, window(3, 2, 1, 3, 0, 0, 2, 4)),           // stride 3, windows in padding
      params(1, 2, 6, 130, 2, 2, window(3, 3, 1, 1, 1, 2, 1, 1)),         // long rows: zeros at the ends only
      params(1, 2, 6, 300, 2, 2, window(5, 5, 3, 3, 2, 3, 2, 1)),         // long rows, stride 3 phases
      params(2, 3, 5, 37, 3, 3, window(1, 1)),                            // 1x1: a channel affine
      params(1, 33, 7, 7, 33, 33, window(3, 3, 1, 1, 1, 1, 1, 1)),        // mobilenets' 7x7 and 14x14 planes
      params(2, 17, 14, 14, 17, 17, window(3, 3, 2, 2, 1, 1, 1, 1)),
      params(1, 20, 9, 11, 20, 20, window(5, 5, 1, 1, 2, 2, 2, 2)),
      // Tall, wide planes: the channel block runs in bands of output rows (last one short).
      params(1, 9, 45, 120, 9, 9, window(3, 3, 1, 1, 1, 1, 1, 1)),
      params(1, 2, 60, 100, 2, 2, window(3, 3, 1, 1, 1, 1, 1, 1)),        // bands end with vectors queued
      params(1, 10, 50, 100, 10, 10, window(5, 5, 2, 2, 2, 2, 2, 2)),
      params(1, 3, 40, 90, 3, 3, window(3, 3, 1, 1, 2, 2, 2, 2, 2, 2)),
  };
  const Activation acts[] = {{isa::Activation::None},      {isa::Activation::Relu},
                             {isa::Activation::Clip, 0.f, 6.f}, {isa::Activation::Swish, 1.f},
                             {isa::Activation::HardSwish}, {isa::Activation::Sigmoid},
                             {isa::Activation::Tanh},      {isa::Activation::LeakyRelu, 0.1f}};
  unsigned seed = 100;
  for (const char* isa : isas) {
    DepthwisePlaneFn plane = depthwise_plane_for_isa(isa);
    ASSERT_NE(plane, nullptr) << isa;
    for (const Conv2dParams& p : cases) {
      ASSERT_TRUE(depthwise_applies(p));
      std::vector<float> x = random_vec(p.N * p.C * p.H * p.W, ++seed);
      std::vector<float> w = random_vec(p.C * p.window.kernel_h * p.window.kernel_w, ++seed);
      std::vector<float> bias = random_vec(p.C, ++seed);
      for (const Activation& act : acts) {
        std::vector<float> want = run_ref(p, x, w, bias.data(), act), got(want.size(), -42.f);
        std::vector<float> scratch(depthwise_scratch_floats(p), NAN);
        const int64_t taps = int64_t(p.window.kernel_h) * p.window.kernel_w;
        for (int64_t i = 0; i < p.N * p.C; ++i)
          plane(p, x.data() + i * p.H * p.W, w.data() + (i % p.C) * taps, bias[size_t(i % p.C)], act,
                got.data() + i * p.OH * p.OW, scratch.data());
        SCOPED_TRACE(testing::Message() << isa << " case seed " << seed << " act " << int(act.kind));
        expect_close(got, want, taps);
        if (is_pointwise_window(p.window)) continue;  // the dispatcher keeps those on planes
        const DepthwiseBlock block = depthwise_block_for_isa(isa);
        ASSERT_NE(block.fn, nullptr);
        std::vector<float> block_scratch(depthwise_block_scratch_floats(p), NAN);
        std::fill(got.begin(), got.end(), -42.f);
        for (int64_t n = 0; n < p.N; ++n)
          for (int64_t c0 = 0; c0 < p.C; c0 += block.lanes)
            block.fn(p, x.data() + n * p.C * p.H * p.W, w.data(), bias.data(), act,
                     got.data() + n * p.C * p.OH * p.OW, c0, block_scratch.data());
        SCOPED_TRACE("channel-blocked");
        expect_close(got, want, taps);
      }
    }
  }
}

// Winograd blocks of one tile row each (455 tiles a row): the loop over blocks, each block's
// outputs landing in its own rows, and a split across threads that rounds the blocks up to
// more than the tile rows.
TEST(ConvWinograd, OneTileRowPerBlock) {
  for (const Conv2dParams& p : {params(1, 8, 5, 1820, 8, 1, window(3, 3, 1, 1, 1, 1, 1, 1)),
                                // 3 tile rows over 2 threads: 4 blocks, one of them empty
                                params(1, 8, 12, 1820, 8, 1, window(3, 3, 1, 1, 1, 1, 1, 1))}) {
    ASSERT_TRUE(winograd_applies(p));
    std::vector<float> x = random_vec(p.N * p.C * p.H * p.W, 41), w = random_vec(p.K * p.C * 9, 42);
    std::vector<float> bias = random_vec(p.K, 43), residual = random_vec(p.N * p.K * p.OH * p.OW, 44);
    const Activation relu{isa::Activation::Relu};
    const std::vector<float> want = run_ref(p, x, w, bias.data(), relu, residual.data());
    std::vector<float> packed(winograd_packed_weights_bytes(p) / 4), got(want.size(), -42.f);
    winograd_pack_weights(p, w.data(), packed.data());
    ThreadPool pool(2);
    winograd_conv2d_f32(p, x.data(), packed.data(), bias.data(), residual.data(), relu, got.data(), &pool);
    expect_close_to_scale(got, want, p.C * 9, pre_activation_scale(p, x, w, bias.data()));
  }
}

// The Winograd transforms of every ISA the CPU has, through the whole convolution against the
// reference: tile rows of 1, 7, 17 and 33 tiles (around the vector widths), output sides that
// are not multiples of the 4x4 tile, padding 0, 1 and 2 and asymmetric, images in a batch, and
// fewer tiles than winograd_applies asks for (the transforms do not depend on it).
TEST(ConvWinograd, EveryIsaMatchesReference) {
  const std::vector<const char*> isas = isas_of_this_cpu();
  const Conv2dParams cases[] = {
      params(1, 8, 3, 3, 8, 1, window(3, 3, 1, 1, 1, 1, 1, 1)),        // one tile
      params(2, 9, 27, 26, 10, 1, window(3, 3, 1, 1, 1, 1, 1, 1)),     // 7 x 7 tiles, cut edges
      params(1, 16, 12, 68, 8, 1, window(3, 3, 1, 1, 0, 0, 0, 0)),     // 17 tiles a row, no padding
      params(1, 8, 9, 132, 16, 1, window(3, 3, 1, 1, 2, 2, 2, 2)),     // 34 tiles a row, padding 2
      params(1, 12, 20, 15, 7, 1, window(3, 3, 1, 1, 2, 0, 0, 1)),     // asymmetric padding
      params(2, 8, 22, 140, 8, 1, window(3, 3, 1, 1, 1, 1, 1, 1)),     // 2 images x 6 rows, threads by block
  };
  const Activation acts[] = {{isa::Activation::None}, {isa::Activation::Relu}, {isa::Activation::HardSwish}};
  ThreadPool pool(2);
  unsigned seed = 300;
  for (const char* isa : isas) {
    const WinogradTransforms* tf = winograd_transforms_for_isa(isa);
    ASSERT_NE(tf, nullptr) << isa;
    for (const Conv2dParams& p : cases) {
      std::vector<float> x = random_vec(p.N * p.C * p.H * p.W, ++seed);
      std::vector<float> w = random_vec(p.K * p.C * 9, ++seed);
      std::vector<float> bias = random_vec(p.K, ++seed);
      std::vector<float> residual = random_vec(p.N * p.K * p.OH * p.OW, ++seed);
      std::vector<float> packed(winograd_packed_weights_bytes(p) / 4);
      winograd_pack_weights(p, w.data(), packed.data());
      const float scale = pre_activation_scale(p, x, w, bias.data());
      for (const Activation& act : acts) {
        for (ThreadPool* threads : {static_cast<ThreadPool*>(nullptr), &pool}) {
          SCOPED_TRACE(testing::Message() << isa << " case seed " << seed << " act " << int(act.kind)
                                          << " pool " << (threads != nullptr));
          std::vector<float> want = run_ref(p, x, w, bias.data(), act), got(want.size(), -42.f);
          winograd_conv2d_f32(p, x.data(), packed.data(), bias.data(), nullptr, act, got.data(), threads,
                              tf);
          expect_close_to_scale(got, want, p.C * 9, scale);
          want = run_ref(p, x, w, nullptr, act, residual.data());
          winograd_conv2d_f32(p, x.data(), packed.data(), nullptr, residual.data(), act, got.data(), threads, tf);
          expect_close_to_scale(got, want, p.C * 9, scale);
        }
      }
    }
  }
}

// The stem kernels of every ISA the CPU has, through the whole convolution against the
// reference: 1 to 4 input channels; output channel counts that fill no block (8, 13, 33);
// output rows of 16, 17, 33, 47, 49 and 112 columns (around the vector widths and the 3-vector
// step); the first convs of the CNNs (3x3 and 7x7, stride 2), 5x5 stride 1, stride 3, dilation
// and asymmetric padding; batches, bias, residual, activations and threads.
TEST(ConvStem, EveryIsaMatchesReference) {
  const Conv2dParams cases[] = {
      params(1, 3, 32, 32, 8, 1, window(3, 3, 2, 2, 1, 1, 1, 1)),       // 16 columns
      params(2, 3, 34, 34, 13, 1, window(3, 3, 2, 2, 1, 1, 1, 1)),      // 17
      params(1, 1, 20, 33, 33, 1, window(5, 5, 1, 1, 2, 2, 2, 2)),      // 33
      params(1, 4, 9, 47, 16, 1, window(3, 3, 1, 1, 1, 1, 1, 1)),       // 47
      params(1, 2, 12, 101, 9, 1, window(3, 3, 2, 2, 0, 1, 1, 0)),      // 50, asymmetric pads
      params(1, 3, 12, 224, 16, 1, window(7, 7, 2, 2, 3, 3, 3, 3)),     // resnet's stem, 112 columns
      params(1, 3, 15, 150, 10, 1, window(3, 3, 3, 3, 1, 1, 1, 1, 2, 2)),  // stride 3, dilation 2
  };
  // Tanh has no vector form in the row: it runs over the rows afterwards.
  const Activation acts[] = {{isa::Activation::None}, {isa::Activation::HardSwish}, {isa::Activation::Tanh}};
  ThreadPool pool(2);
  unsigned seed = 400;
  for (const char* isa : isas_of_this_cpu()) {
    const StemKernels* kernels = stem_kernels_for_isa(isa);
    ASSERT_NE(kernels, nullptr) << isa;
    for (const Conv2dParams& p : cases) {
      ASSERT_TRUE(stem_applies(p)) << "seed " << seed;
      const int64_t taps = p.C * p.window.kernel_h * p.window.kernel_w;
      std::vector<float> x = random_vec(p.N * p.C * p.H * p.W, ++seed);
      std::vector<float> w = random_vec(p.K * taps, ++seed);
      std::vector<float> bias = random_vec(p.K, ++seed);
      std::vector<float> residual = random_vec(p.N * p.K * p.OH * p.OW, ++seed);
      std::vector<float> packed(stem_packed_weights_bytes(p) / 4);
      stem_pack_weights(p, w.data(), packed.data());
      for (const Activation& act : acts) {
        const std::vector<float> want = run_ref(p, x, w, bias.data(), act);
        const std::vector<float> want_residual = run_ref(p, x, w, nullptr, act, residual.data());
        for (ThreadPool* threads : {static_cast<ThreadPool*>(nullptr), &pool}) {
          SCOPED_TRACE(testing::Message() << isa << " case seed " << seed << " act " << int(act.kind)
                                          << " pool " << (threads != nullptr));
          std::vector<float> got(want.size(), -42.f);
          stem_conv2d_f32(p, x.data(), packed.data(), bias.data(), nullptr, act, got.data(), threads, kernels);
          expect_close(got, want, taps);
          stem_conv2d_f32(p, x.data(), packed.data(), nullptr, residual.data(), act, got.data(), threads, kernels);
          expect_close(got, want_residual, taps);
        }
      }
    }
  }
}

}  // namespace
}  // namespace aivm::kernels
