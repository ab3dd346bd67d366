// Operand casts: ops whose kernels do not take an operand's dtype run on cast copies, inserted
// by shape inference just before the op's rule (the only point where input dtypes are known).
//
// Widening. Ops whose kernels compute in f32 only (MatMul, Gemm, Conv, ConvTranspose, Softmax,
// LogSoftmax, the parametrised activations, DFT) take f16, bf16 and f64 operands by running in
// f32 between two casts:
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
// MaxPool widens 8-bit integers the same way (exact: a max of values f32 holds exactly).
//
// Pow with mixed dtypes (ONNX lets the exponent's type differ from the base's): the exponent is
// cast to the base's dtype, except that an integer base with a float exponent is computed in
// f64 (exact for every 32-bit integer) and truncated back, like ONNX Runtime's std::pow.
#include <algorithm>

#include "compiler/onnx/onnx_import.h"
#include "compiler/passes/passes.h"
#include "kernels/dtypes.h"

namespace aivm::compiler {
namespace {

struct WidenRule {
  const char* op;
  uint32_t inputs;  // bit i: input i is an operand of the op's dtype T
  bool small_ints = false;  // also widen i8 / u8 (exact in f32 for ops that only compare)
};

// Every op here has one output, of dtype T.
constexpr WidenRule kWiden[] = {
    {"MatMul", 0b11},         {"Gemm", 0b111},       {"Conv", 0b111},      {"ConvTranspose", 0b111},
    {"Softmax", 0b1},         {"LogSoftmax", 0b1},   {"Elu", 0b1},         {"Celu", 0b1},
    {"Selu", 0b1},            {"LeakyRelu", 0b1},    {"HardSigmoid", 0b1}, {"HardSwish", 0b1},
    {"ThresholdedRelu", 0b1}, {"Mish", 0b1},         {"Swish", 0b1},       {"Gelu", 0b1},
    {"DFT", 0b1},             {"MaxPool", 0b1, true},
};

bool needs_widening(const WidenRule& r, DType t) {
  return t == DType::F16 || t == DType::BF16 || t == DType::F64 ||
         (r.small_ints && (t == DType::I8 || t == DType::U8));
}

// ONNX TensorProto element types of the dtypes operands are computed in.
int64_t onnx_elem_type(DType t) { return t == DType::F64 ? 11 : 1; }

Instr cast_instr(const Instr& op, const char* name, std::vector<int> inputs, int output) {
  Instr c;
  c.op = name;
  c.inputs = std::move(inputs);
  c.outputs = {output};
  c.loc = op.loc;
  if (auto it = op.attrs.find(kOpsetAttr); it != op.attrs.end()) c.attrs[it->first] = it->second;
  return c;
}

int new_value_like(Function& f, int like, DType t, const char* suffix) {
  int v = f.new_value(f.values[size_t(like)].name + suffix);
  f.values[size_t(v)].dtype = t;
  return v;
}

// Runs instrs[i] in |compute|: the inputs in |mask| that have another dtype are cast to it
// (once each, however often the op reads them) and the single output is cast back to the
// dtype of input 0. Inserts the casts around the op; instrs[i] is then the first of them.
void compute_in(Function& f, std::vector<Instr>& instrs, size_t i, DType compute, uint32_t mask) {
  Instr& in = instrs[i];
  const int x = in.inputs[0];
  const char* suffix = compute == DType::F64 ? ".f64" : ".f32";
  std::vector<Instr> before;
  std::vector<std::pair<int, int>> cast;  // (value, its cast copy)
  for (size_t k = 0; k < in.inputs.size(); ++k) {
    int v = in.inputs[k];
    if (!(mask >> k & 1) || v == kNoValue || f.values[size_t(v)].dtype == compute) continue;
    auto seen = std::find_if(cast.begin(), cast.end(), [v](auto& p) { return p.first == v; });
    if (seen != cast.end()) {
      in.inputs[k] = seen->second;
      continue;
    }
    int wide = new_value_like(f, v, compute, suffix);
    Instr c = cast_instr(in, "Cast", {v}, wide);
    c.attrs["to"] = onnx_elem_type(compute);
    before.push_back(std::move(c));
    cast.push_back({v, wide});
    in.inputs[k] = wide;
  }
  const int y = in.outputs[0];
  const int wide_y = new_value_like(f, y, compute, suffix);
  in.outputs[0] = wide_y;
  Instr back = cast_instr(in, "CastLike", {wide_y, x}, y);
  instrs.insert(instrs.begin() + long(i) + 1, std::move(back));
  instrs.insert(instrs.begin() + long(i), std::make_move_iterator(before.begin()), std::make_move_iterator(before.end()));
}

bool widen(Function& f, std::vector<Instr>& instrs, size_t i) {
  const Instr& in = instrs[i];
  const WidenRule* rule = nullptr;
  for (const WidenRule& r : kWiden)
    if (in.op == r.op) rule = &r;
  if (!rule || in.inputs.empty() || in.inputs[0] == kNoValue || in.outputs.size() != 1) return false;
  if (!needs_widening(*rule, f.values[size_t(in.inputs[0])].dtype)) return false;
  compute_in(f, instrs, i, DType::F32, rule->inputs);
  return true;
}

bool match_pow(Function& f, std::vector<Instr>& instrs, size_t i) {
  Instr& in = instrs[i];
  if (in.op != "Pow" || in.inputs.size() != 2 || in.inputs[0] == kNoValue || in.inputs[1] == kNoValue) return false;
  const int x = in.inputs[0], e = in.inputs[1];
  DType base = f.values[size_t(x)].dtype, exp = f.values[size_t(e)].dtype;
  if (base == exp) return false;
  if (kernels::is_integer(base) && kernels::is_float(exp)) {
    compute_in(f, instrs, i, DType::F64, 0b11);
    return true;
  }
  auto numeric = [](DType t) { return kernels::is_float(t) || kernels::is_integer(t); };
  if (!numeric(base) || !numeric(exp)) return false;
  int like = new_value_like(f, e, base, ".as_base");
  Instr c = cast_instr(in, "CastLike", {e, x}, like);
  in.inputs[1] = like;
  instrs.insert(instrs.begin() + long(i), std::move(c));
  return true;
}

}  // namespace

bool insert_operand_casts(Function& f, std::vector<Instr>& instrs, size_t i) {
  return widen(f, instrs, i) || match_pow(f, instrs, i);
}

}  // namespace aivm::compiler
