// Convolution and pooling layers from the CNNs of bench/models (batch 1), one benchmark each.
// Convs run through conv2d_f32_prepacked with weights packed once as the VM does at load;
// counter GFLOPs = 2 * N * K * OH * OW * (C / group) * kh * kw / time. Pools report GB/s of
// input read plus output written.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <memory>
#include <random>
#include <vector>

#include "kernels/config/thread_pool.h"
#include "kernels/conv/conv.h"
#include "kernels/pool/pool.h"

namespace aivm::kernels {
namespace {

struct Layer {
  const char* name;
  int64_t C, H, K, kernel, stride, group;
  isa::Activation act;
};

// 224x224 inputs: first convs, depthwise 3x3/5x5 at stride 1 and 2, 3x3 and 1x1 at each scale.
const Layer kLayers[] = {
    {"mbv3_first_3x3s2_hswish", 3, 224, 16, 3, 2, 1, isa::Activation::HardSwish},
    {"resnet_first_7x7s2_relu", 3, 224, 64, 7, 2, 1, isa::Activation::Relu},
    {"mbv2_first_3x3s2_relu6", 3, 224, 32, 3, 2, 1, isa::Activation::Clip},
    {"sq_first_3x3s2_relu", 3, 224, 64, 3, 2, 1, isa::Activation::Relu},
    {"dw3x3s2_16ch_112", 16, 112, 16, 3, 2, 16, isa::Activation::Relu},
    {"dw3x3s1_96ch_56", 96, 56, 96, 3, 1, 96, isa::Activation::Relu},
    {"dw3x3s1_144ch_56_relu6", 144, 56, 144, 3, 1, 144, isa::Activation::Clip},
    {"dw5x5s2_96ch_28_hswish", 96, 28, 96, 5, 2, 96, isa::Activation::HardSwish},
    {"dw5x5s1_240ch_14_hswish", 240, 14, 240, 5, 1, 240, isa::Activation::HardSwish},
    {"dw3x3s1_576ch_7", 576, 7, 576, 3, 1, 576, isa::Activation::None},
    // efficientnet_b0's channel-blocked depthwise layers (Swish fused).
    {"dw3x3s1_480ch_14_swish", 480, 14, 480, 3, 1, 480, isa::Activation::Swish},
    {"dw5x5s1_672ch_14_swish", 672, 14, 672, 5, 1, 672, isa::Activation::Swish},
    {"dw5x5s2_672ch_14_swish", 672, 14, 672, 5, 2, 672, isa::Activation::Swish},
    {"dw5x5s1_1152ch_7_swish", 1152, 7, 1152, 5, 1, 1152, isa::Activation::Swish},
    {"dw3x3s2_96ch_112_swish", 96, 112, 96, 3, 2, 96, isa::Activation::Swish},
    {"dw3x3s1_32ch_112_swish", 32, 112, 32, 3, 1, 32, isa::Activation::Swish},
    // mobilenet_v2's 112-wide depthwise layers (ReLU6).
    {"dw3x3s1_32ch_112_relu6", 32, 112, 32, 3, 1, 32, isa::Activation::Clip},
    {"dw3x3s2_96ch_112_relu6", 96, 112, 96, 3, 2, 96, isa::Activation::Clip},
    {"dw3x3s2_144ch_56_swish", 144, 56, 144, 3, 2, 144, isa::Activation::Swish},
    {"dw5x5s1_240ch_28_swish", 240, 28, 240, 5, 1, 240, isa::Activation::Swish},
    {"dw3x3s1_192ch_28_relu6", 192, 28, 192, 3, 1, 192, isa::Activation::Clip},
    {"pw_16to96_112_swish", 16, 112, 96, 1, 1, 1, isa::Activation::Sigmoid},
    {"pw_576to96_7", 576, 7, 96, 1, 1, 1, isa::Activation::None},
    // 1x1 convs as GEMMs with a short K (few input channels) or a 7x7 output (N = 49).
    {"pw_16to96_112_relu6", 16, 112, 96, 1, 1, 1, isa::Activation::Clip},
    {"pw_24to144_56_relu6", 24, 56, 144, 1, 1, 1, isa::Activation::Clip},
    {"pw_64to256_56_relu", 64, 56, 256, 1, 1, 1, isa::Activation::Relu},
    {"pw_320to1280_7_relu6", 320, 7, 1280, 1, 1, 1, isa::Activation::Clip},
    // mobilenet_v2 projections: many input channels to few (M small, or N = 49).
    {"pw_32to16_112", 32, 112, 16, 1, 1, 1, isa::Activation::None},
    {"pw_96to24_56", 96, 56, 24, 1, 1, 1, isa::Activation::None},
    {"pw_144to24_56", 144, 56, 24, 1, 1, 1, isa::Activation::None},
    {"pw_960to320_7", 960, 7, 320, 1, 1, 1, isa::Activation::None},
    {"resnet_3x3_64ch_56", 64, 56, 64, 3, 1, 1, isa::Activation::Relu},
    {"resnet_3x3_128ch_28", 128, 28, 128, 3, 1, 1, isa::Activation::Relu},
    {"resnet_3x3_256ch_14", 256, 14, 256, 3, 1, 1, isa::Activation::Relu},
    {"resnet_3x3_512ch_7", 512, 7, 512, 3, 1, 1, isa::Activation::Relu},
    // squeezenet1_1: squeeze 1x1s (many channels to few), expand 3x3s, the 1x1 classifier.
    {"sq_pw_128to16_55_relu", 128, 55, 16, 1, 1, 1, isa::Activation::Relu},
    {"sq_pw_256to32_27_relu", 256, 27, 32, 1, 1, 1, isa::Activation::Relu},
    {"sq_3x3_16to64_55_relu", 16, 55, 64, 3, 1, 1, isa::Activation::Relu},
    {"sq_3x3_48to192_13_relu", 48, 13, 192, 3, 1, 1, isa::Activation::Relu},
    {"sq_3x3_64to256_13_relu", 64, 13, 256, 3, 1, 1, isa::Activation::Relu},
    {"sq_pw_512to1000_13_relu", 512, 13, 1000, 1, 1, 1, isa::Activation::Relu},
    // resnet's downsampling 3x3s (stride 2) and resnet50's 1x1s at 7x7 (N = 49).
    {"resnet_3x3s2_64to128_56", 64, 56, 128, 3, 2, 1, isa::Activation::Relu},
    {"resnet_3x3s2_256to512_14", 256, 14, 512, 3, 2, 1, isa::Activation::Relu},
    {"resnet50_pw_512to2048_7", 512, 7, 2048, 1, 1, 1, isa::Activation::None},
    {"resnet50_pw_2048to512_7_relu", 2048, 7, 512, 1, 1, 1, isa::Activation::Relu},
    // densenet121's dense layers: 1x1 bottlenecks to 128 channels, then 3x3 convs to a
    // 32-channel growth.
    {"densenet_pw_224to128_56_relu", 224, 56, 128, 1, 1, 1, isa::Activation::Relu},
    {"densenet_pw_480to128_28_relu", 480, 28, 128, 1, 1, 1, isa::Activation::Relu},
    {"densenet_pw_992to128_14_relu", 992, 14, 128, 1, 1, 1, isa::Activation::Relu},
    {"densenet_3x3_128to32_56", 128, 56, 32, 3, 1, 1, isa::Activation::None},
    {"densenet_3x3_128to32_28", 128, 28, 32, 3, 1, 1, isa::Activation::None},
    {"densenet_3x3_128to32_14", 128, 14, 32, 3, 1, 1, isa::Activation::None},
    {"densenet_3x3_128to32_7", 128, 7, 32, 3, 1, 1, isa::Activation::None},
    // googlenet's inception "5x5" branches (3x3 kernels in torchvision) at 14x14 and 7x7.
    {"googlenet_3x3_16to48_14_relu", 16, 14, 48, 3, 1, 1, isa::Activation::Relu},
    {"googlenet_3x3_32to128_14_relu", 32, 14, 128, 3, 1, 1, isa::Activation::Relu},
    {"googlenet_3x3_48to128_7_relu", 48, 7, 128, 3, 1, 1, isa::Activation::Relu},
};

// In a model every layer's weights come from memory (resnet18's 45 MB do not stay in L3);
// here a layer runs on the same weights each time. Cold rows rotate through copies of the
// packed weights spanning at least this much, so each run streams them from DRAM.
constexpr size_t kColdWeightBytes = size_t(96) << 20;

void bm_conv(benchmark::State& state, const Layer& l, int threads, bool cold_weights) {
  const int64_t pad = l.kernel / 2, OH = (l.H + 2 * pad - l.kernel) / l.stride + 1;
  const isa::Window2d win{int32_t(l.kernel), int32_t(l.kernel), int32_t(l.stride), int32_t(l.stride),
                          int32_t(pad),      int32_t(pad),      int32_t(pad),      int32_t(pad),
                          1,                 1};
  const Conv2dParams p{1, l.C, l.H, l.H, l.K, OH, OH, l.group, win};
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> d(-1.f, 1.f);
  std::vector<float> x(size_t(l.C * l.H * l.H)), w(size_t(l.K * (l.C / l.group) * l.kernel * l.kernel)),
      bias(size_t(l.K)), y(size_t(l.K * OH * OH));
  for (float& v : x) v = d(rng);
  for (float& v : w) v = d(rng);
  for (float& v : bias) v = d(rng);
  const size_t packed_floats = conv2d_packed_weights_bytes(p) / sizeof(float) + 1;
  const size_t copies = cold_weights ? kColdWeightBytes / (packed_floats * sizeof(float)) + 1 : 1;
  std::vector<std::vector<float>> packed(copies, std::vector<float>(packed_floats));
  std::vector<std::vector<float>> weights(copies, w);  // unpacked too, for convs that read them
  for (size_t i = 0; i < copies; ++i) conv2d_pack_weights(p, w.data(), packed[i].data());
  size_t next = 0;
  Activation act;
  act.kind = l.act;
  if (l.act == isa::Activation::Clip) act.p1 = 6.f;
  if (l.act == isa::Activation::Swish) act.p0 = 1.f;
  std::unique_ptr<ThreadPool> pool(threads > 1 ? new ThreadPool(threads) : nullptr);
  for (auto _ : state) {
    conv2d_f32_prepacked(p, x.data(), weights[next].data(), packed[next].data(), bias.data(), nullptr, act, y.data(),
                         pool.get());
    next = (next + 1) % copies;
    benchmark::DoNotOptimize(y.data());
  }
  const double flops = 2.0 * double(l.K * OH * OH * (l.C / l.group) * l.kernel * l.kernel);
  state.counters["GFLOPs"] = benchmark::Counter(1e-9 * flops, benchmark::Counter::kIsIterationInvariantRate);
}

struct PoolLayer {
  const char* name;
  int64_t C, H, kernel, stride, pad;
  bool ceil_mode, average;
};

const PoolLayer kPools[] = {
    {"maxpool3x3s2_64ch_112_resnet", 64, 112, 3, 2, 1, false, false},
    {"maxpool3x3s2_64ch_111_squeezenet", 64, 111, 3, 2, 0, true, false},
    {"maxpool3x3s2_128ch_55_squeezenet", 128, 55, 3, 2, 0, true, false},
    {"maxpool3x3s2_256ch_27_squeezenet", 256, 27, 3, 2, 0, true, false},
    {"maxpool3x3s1_192ch_28_googlenet", 192, 28, 3, 1, 1, true, false},
    {"avgpool2x2s2_128ch_56_densenet", 128, 56, 2, 2, 0, false, true},
};

void bm_pool(benchmark::State& state, const PoolLayer& l, int threads) {
  const int64_t span = l.H + 2 * l.pad - l.kernel;
  const int64_t OH = (l.ceil_mode ? (span + l.stride - 1) : span) / l.stride + 1;
  const int32_t k = int32_t(l.kernel), s = int32_t(l.stride), pad = int32_t(l.pad);
  const Pool2dParams p{1, l.C, l.H, l.H, OH, OH, isa::Window2d{k, k, s, s, pad, pad, pad, pad, 1, 1}};
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> d(-1.f, 1.f);
  std::vector<float> x(size_t(l.C * l.H * l.H)), y(size_t(l.C * OH * OH));
  for (float& v : x) v = d(rng);
  std::unique_ptr<ThreadPool> pool(threads > 1 ? new ThreadPool(threads) : nullptr);
  for (auto _ : state) {
    if (l.average) {
      avgpool2d_f32(p, false, x.data(), y.data(), pool.get());
    } else {
      maxpool2d_f32(p, x.data(), y.data(), pool.get());
    }
    benchmark::DoNotOptimize(y.data());
  }
  const double bytes = double(x.size() + y.size()) * sizeof(float);
  state.counters["GB/s"] = benchmark::Counter(1e-9 * bytes, benchmark::Counter::kIsIterationInvariantRate);
}

template <class Fn>
void register_row(const std::string& name, Fn fn) {
  benchmark::RegisterBenchmark(name.c_str(), fn)
      ->Unit(benchmark::kMicrosecond)
      ->UseRealTime()
      // With --benchmark_repetitions: the least disturbed run on a shared machine.
      ->ComputeStatistics("min", [](const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); });
}

int register_all() {
  for (const Layer& l : kLayers) {
    const bool big = l.K * (l.C / l.group) * l.kernel * l.kernel * 4 >= (int64_t(1) << 20);
    for (int threads : {1, 2}) {
      register_row(std::string(l.name) + "/threads:" + std::to_string(threads),
                   [&l, threads](benchmark::State& st) { bm_conv(st, l, threads, false); });
      if (big)  // weights of 1 MB and more: also as a model runs them, from DRAM
        register_row(std::string(l.name) + "_coldw/threads:" + std::to_string(threads),
                     [&l, threads](benchmark::State& st) { bm_conv(st, l, threads, true); });
    }
  }
  for (const PoolLayer& l : kPools)
    for (int threads : {1, 2})
      register_row(std::string(l.name) + "/threads:" + std::to_string(threads),
                   [&l, threads](benchmark::State& st) { bm_pool(st, l, threads); });
  return 0;
}
const int registered = register_all();

}  // namespace
}  // namespace aivm::kernels
