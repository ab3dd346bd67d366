// Per-channel affine as a depthwise 1x1 convolution. A BatchNormalization that no convolution
// absorbed (DenseNet's pre-activation norms) imports as Mul(x, scale) then Add(., shift), with
// [C] parameters broadcast along axis 1 of an NCHW tensor: two passes over memory, and a third
// for the Relu after it. As Conv(x, scale as [C,1,1,1], shift, group C) it is one pass, and
// fuse_activations then folds the Relu into it too.
#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "compiler/passes/passes.h"

namespace aivm::compiler {
namespace {

// |v| is an f32 constant of C values laid out along axis 1 of a rank-4 tensor: shape [C,1,1]
// or [1,C,1,1].
const Tensor* channel_constant(const Function& f, int v, int64_t channels) {
  const Tensor* t = f.constant_of(v);
  if (!t || t->dtype != DType::F32 || t->num_elements() != channels) return nullptr;
  const std::vector<int64_t>& s = t->shape;
  const bool chw = s.size() == 3 && s[0] == channels && s[1] == 1 && s[2] == 1;
  const bool nchw = s.size() == 4 && s[0] == 1 && s[1] == channels && s[2] == 1 && s[3] == 1;
  return chw || nchw ? t : nullptr;
}

int add_constant(Function& f, const std::string& name, std::vector<int64_t> shape, const float* data,
                 int64_t count) {
  Tensor t;
  t.dtype = DType::F32;
  t.shape = std::move(shape);
  t.data.resize(size_t(count) * sizeof(float));
  std::memcpy(t.data.data(), data, t.data.size());
  f.constants.push_back(std::move(t));
  f.constant_names.push_back(name);
  const int v = f.new_value(name);
  Value& val = f.values[size_t(v)];
  val.dtype = DType::F32;
  val.shape = f.constants.back().shape;
  val.shape_known = true;
  val.constant = int(f.constants.size()) - 1;
  return v;
}

}  // namespace

int fuse_channel_affine(Function& f) {
  const std::vector<int> uses = use_counts(f);
  int fused = 0;
  for (Block& b : f.blocks) {
    // The instruction of this block reading each value, when it is the value's only use.
    std::vector<int> reader(f.values.size(), -1);
    for (size_t i = 0; i < b.instrs.size(); ++i)
      for (int v : b.instrs[i].inputs)
        if (v != kNoValue && uses[size_t(v)] == 1) reader[size_t(v)] = int(i);
    for (Instr& mul : b.instrs) {
      if (mul.op != "Mul" || mul.inputs.size() != 2 || mul.outputs.size() != 1) continue;
      for (int side = 0; side < 2; ++side) {
        const int x = mul.inputs[size_t(side)], s = mul.inputs[size_t(1 - side)];
        if (x == kNoValue || s == kNoValue || f.constant_of(x)) continue;
        const Value& xv = f.values[size_t(x)];
        if (xv.dtype != DType::F32 || xv.shape.size() != 4 || xv.shape[1] < 1) continue;
        const int64_t channels = xv.shape[1];
        const Tensor* scale = channel_constant(f, s, channels);
        const int m = mul.outputs[0];
        const int r = reader[size_t(m)];
        if (!scale || r < 0) continue;
        Instr& add = b.instrs[size_t(r)];
        if (add.op != "Add" || add.inputs.size() != 2 || add.outputs.size() != 1) continue;
        const int other = add.inputs[0] == m ? add.inputs[1] : add.inputs[0];
        const Tensor* shift = channel_constant(f, other, channels);
        if (!shift || f.values[size_t(add.outputs[0])].shape != xv.shape) continue;
        const std::string base = add.loc.node.empty() ? mul.loc.node : add.loc.node;
        // Copied first: adding constants moves f.constants, where scale and shift point.
        const std::vector<float> scale_data(scale->f32(), scale->f32() + channels),
            shift_data(shift->f32(), shift->f32() + channels);
        const int w = add_constant(f, base + ".dw_scale", {channels, 1, 1, 1}, scale_data.data(), channels);
        const int bias = add_constant(f, base + ".dw_shift", {channels}, shift_data.data(), channels);
        Instr conv;
        conv.op = "Conv";
        conv.inputs = {x, w, bias};
        conv.outputs = {add.outputs[0]};
        conv.attrs["group"] = channels;
        conv.attrs["kernel_shape"] = std::vector<int64_t>{1, 1};
        conv.loc = mul.loc;
        if (!add.loc.node.empty() && add.loc.node != mul.loc.node) conv.loc.node += "+" + add.loc.node;
        add.op.clear();  // tombstone, swept below
        mul = std::move(conv);
        ++fused;
        break;
      }
    }
    erase_tombstones(b);
  }
  return fused;
}

}  // namespace aivm::compiler
