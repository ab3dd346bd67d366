// Widening: ops whose kernels compute in f32 only (MatMul, Gemm, Conv, ConvTranspose, Softmax,
// LogSoftmax, the parametrised activations, DFT) take f16, bf16 and f64 operands by running in f32
// between two casts:
//
//   x:f16 -> Cast(to f32) -> op (f32) -> CastLike(x) -> y:f16
//
// This is what CPU runtimes do for fp16 without fp16 arithmetic (ONNX Runtime's MLAS converts
// to f32 too): f16 / bf16 operands are exact in f32, products accumulate in f32 and each
// result is rounded once to f16 / bf16, so the result is at least as accurate as a native
// f16 kernel. f64 operands are rounded to f32 (24-bit mantissa): results carry f32 accuracy,
// about 1e-7 relative per operation plus accumulated rounding (~1e-7 * sqrt(K) for a dot of
// length K), not f64's; that is well inside the 1e-3 the ONNX node tests allow for f64, and
// a native f64 GEMM would be the fix if a model needed more. Constant operands (weights) fold
// through the Cast at compile time, so a widened Gemm still gets pre-packed f32 weights.
//
// Runs inside shape inference (compiler/passes/shape_inference.cc), just before an op's rule:
// only then are its input dtypes known.
#include <algorithm>

#include "compiler/onnx/onnx_import.h"
#include "compiler/passes/passes.h"

namespace aivm::compiler {
namespace {

struct WidenRule {
  const char* op;
  uint32_t inputs;  // bit i: input i is a float operand of the op's dtype T
};

// Every op here has one output, of dtype T.
constexpr WidenRule kWiden[] = {
    {"MatMul", 0b11},       {"Gemm", 0b111},       {"Conv", 0b111},     {"ConvTranspose", 0b111},
    {"Softmax", 0b1},       {"LogSoftmax", 0b1},   {"Elu", 0b1},        {"Celu", 0b1},
    {"Selu", 0b1},          {"LeakyRelu", 0b1},    {"HardSigmoid", 0b1}, {"HardSwish", 0b1},
    {"ThresholdedRelu", 0b1}, {"Mish", 0b1},       {"Swish", 0b1},      {"Gelu", 0b1},
    {"DFT", 0b1},
};

bool is_widened(DType t) { return t == DType::F16 || t == DType::BF16 || t == DType::F64; }

int new_f32_value(Function& f, int like, const std::string& suffix) {
  int v = f.new_value(f.values[size_t(like)].name + suffix);
  f.values[size_t(v)].dtype = DType::F32;
  return v;
}

Instr cast_instr(const Instr& op, const char* name, std::vector<int> inputs, int output) {
  Instr c;
  c.op = name;
  c.inputs = std::move(inputs);
  c.outputs = {output};
  c.loc = op.loc;
  if (auto it = op.attrs.find(kOpsetAttr); it != op.attrs.end()) c.attrs[it->first] = it->second;
  return c;
}

}  // namespace

bool widen_to_f32(Function& f, std::vector<Instr>& instrs, size_t i) {
  Instr& in = instrs[i];
  const WidenRule* rule = nullptr;
  for (const WidenRule& r : kWiden)
    if (in.op == r.op) rule = &r;
  if (!rule || in.inputs.empty() || in.inputs[0] == kNoValue || in.outputs.size() != 1) return false;
  const int x = in.inputs[0];
  if (!is_widened(f.values[size_t(x)].dtype)) return false;
  std::vector<Instr> before;
  std::vector<std::pair<int, int>> cast;  // (value, its f32 copy): an operand used twice is cast once
  for (size_t k = 0; k < in.inputs.size(); ++k) {
    int v = in.inputs[k];
    if (!(rule->inputs >> k & 1) || v == kNoValue || f.values[size_t(v)].dtype == DType::F32) continue;
    auto seen = std::find_if(cast.begin(), cast.end(), [v](auto& p) { return p.first == v; });
    if (seen != cast.end()) {
      in.inputs[k] = seen->second;
      continue;
    }
    int wide = new_f32_value(f, v, ".f32");
    Instr c = cast_instr(in, "Cast", {v}, wide);
    c.attrs["to"] = int64_t(1);  // ONNX TensorProto.FLOAT
    before.push_back(std::move(c));
    cast.push_back({v, wide});
    in.inputs[k] = wide;
  }
  const int y = in.outputs[0];
  const int wide_y = new_f32_value(f, y, ".f32");
  in.outputs[0] = wide_y;
  Instr back = cast_instr(in, "CastLike", {wide_y, x}, y);
  instrs.insert(instrs.begin() + long(i) + 1, std::move(back));
  instrs.insert(instrs.begin() + long(i), std::make_move_iterator(before.begin()), std::make_move_iterator(before.end()));
  return true;
}

}  // namespace aivm::compiler
