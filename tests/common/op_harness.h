// Test helper: one ONNX-style operator end to end. Builds a one-op StackProgram from typed operands
// (graph inputs, constants or absent optionals), compiles it with aivmc, loads it through the C API
// (vm_harness.h), sets the inputs, runs, and returns the outputs and the emitted instructions.
#pragma once

#include <gtest/gtest.h>

#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "isa/decode.h"
#include "kernels/common.h"
#include "tests/common/vm_harness.h"

namespace aivm::testing {

using Dims = std::vector<int64_t>;

template <typename T>
constexpr DType dtype_of() {
  if constexpr (std::is_same_v<T, float>) return DType::F32;
  if constexpr (std::is_same_v<T, int32_t>) return DType::I32;
  if constexpr (std::is_same_v<T, int64_t>) return DType::I64;
  if constexpr (std::is_same_v<T, uint8_t>) return DType::U8;
  if constexpr (std::is_same_v<T, int8_t>) return DType::I8;
}

// A tensor as raw bytes: an output of a run, or the payload of an operand.
struct TensorBytes {
  DType dtype = DType::Undefined;
  Dims shape;
  std::vector<uint8_t> bytes;

  int64_t size() const {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    return n;
  }
  const void* data() const { return bytes.data(); }
  template <typename T>
  const T* ptr() const { return reinterpret_cast<const T*>(bytes.data()); }
  const float* f32() const { return ptr<float>(); }
  template <typename T>
  std::span<T> span() { return {reinterpret_cast<T*>(bytes.data()), bytes.size() / sizeof(T)}; }
  template <typename T>
  std::vector<T> as() const {
    std::vector<T> v(bytes.size() / sizeof(T));
    if (!v.empty()) std::memcpy(v.data(), bytes.data(), v.size() * sizeof(T));  // empty: data() may be null
    return v;
  }
};

// One operand of the op, in order: a graph input (set at run time), a constant (the compiler
// may fold it), or an absent optional input (PushNone).
struct Operand : TensorBytes {
  enum Kind { Input, Constant, Absent } kind = Input;
};

inline Operand operand(Operand::Kind kind, DType dtype, Dims shape, std::vector<uint8_t> bytes) {
  Operand o;
  o.kind = kind;
  o.dtype = dtype;
  o.shape = std::move(shape);
  o.bytes = std::move(bytes);
  return o;
}
template <typename T>
Operand operand(Operand::Kind kind, Dims shape, const std::vector<T>& values) {
  std::vector<uint8_t> bytes(values.size() * sizeof(T));
  if (!bytes.empty()) std::memcpy(bytes.data(), values.data(), bytes.size());
  return operand(kind, dtype_of<T>(), std::move(shape), std::move(bytes));
}
template <typename T>
Operand input(Dims shape, const std::vector<T>& values) { return operand(Operand::Input, std::move(shape), values); }
template <typename T>
Operand constant(Dims shape, const std::vector<T>& values) { return operand(Operand::Constant, std::move(shape), values); }
inline Operand input_f32(Dims shape, const std::vector<float>& v) { return input<float>(std::move(shape), v); }
inline Operand constant_f32(Dims shape, const std::vector<float>& v) { return constant<float>(std::move(shape), v); }
inline Operand input_i64(Dims shape, const std::vector<int64_t>& v) { return input<int64_t>(std::move(shape), v); }
inline Operand constant_i64(Dims shape, const std::vector<int64_t>& v) { return constant<int64_t>(std::move(shape), v); }
// A 1-D i64 constant (axes, pads, shapes, ...).
inline Operand ints(const std::vector<int64_t>& v) { return constant<int64_t>({int64_t(v.size())}, v); }
inline Operand absent() { return operand(Operand::Absent, DType::F32, {}, {}); }

// What to run: the op, its operands in order, its attributes, and how.
struct OpSpec {
  OpSpec(std::string op, std::vector<Operand> operands, compiler::AttrMap attrs = {})
      : op(std::move(op)), operands(std::move(operands)), attrs(std::move(attrs)) {}

  std::string op;
  std::vector<Operand> operands;
  compiler::AttrMap attrs;
  int num_outputs = 1;
  int threads = 1;                       // the session's thread count
  std::optional<int64_t> default_opset;  // set as "__opset" unless attrs give one
};

struct OpRun {
  std::string load_message;         // "OK", or why the bundle did not load
  std::vector<TensorBytes> outputs;  // those that could be read
  std::vector<isa::Instr> code;     // the emitted instructions, halt included
};

inline compiler::StackProgram build_program(const OpSpec& s) {
  compiler::StackProgram p;
  p.source = s.op + ".test";
  for (int i = 0; i < s.num_outputs; ++i)
    p.outputs.push_back({s.num_outputs == 1 ? "y" : "y" + std::to_string(i), DType::F32, {}, {}});
  for (size_t i = 0; i < s.operands.size(); ++i) {
    const Operand& o = s.operands[i];
    compiler::StackOp push;
    if (o.kind == Operand::Absent) {
      push.kind = compiler::StackOpKind::PushNone;
    } else if (o.kind == Operand::Constant) {
      push.kind = compiler::StackOpKind::PushConst;
      push.index = int64_t(p.constants.size());
      p.constants.push_back(compiler::Tensor{o.dtype, o.shape, o.bytes});
      p.constant_names.push_back("c" + std::to_string(i));
    } else {
      push.kind = compiler::StackOpKind::LocalGet;
      push.index = int64_t(p.inputs.size());
      p.inputs.push_back({"in" + std::to_string(i), o.dtype, o.shape, {}});
      p.local_names.push_back("in" + std::to_string(i));
    }
    p.code.push_back(push);
  }
  compiler::StackOp call;
  call.name = s.op;
  call.num_inputs = int(s.operands.size());
  call.num_outputs = s.num_outputs;
  call.attrs = s.attrs;
  if (s.default_opset && !call.attrs.count("__opset")) call.attrs["__opset"] = *s.default_opset;
  p.code.push_back(call);
  return p;
}

inline format::BundleDesc compile_op(const OpSpec& s) {
  return compiler::compile_program(build_program(s), compiler::CompileOptions{});
}

inline std::vector<isa::Instr> decode_code(const format::BundleDesc& d) {
  std::vector<isa::Instr> out;
  for (uint64_t w : d.functions[0].code) out.push_back(isa::decode(w));
  return out;
}

// The instructions without the trailing halt.
inline std::vector<isa::Instr> without_halt(const std::vector<isa::Instr>& code) {
  std::vector<isa::Instr> out;
  for (const isa::Instr& in : code)
    if (in.op != isa::Opcode::HALT) out.push_back(in);
  return out;
}

// The message of the exception |E| compiling the op throws ("" if it compiles).
template <typename E = std::exception>
std::string compile_error(const OpSpec& s) {
  try {
    compile_op(s);
  } catch (const E& e) {
    return e.what();
  }
  return "";
}

// Loads |d| after |edit| changed its function and returns the load message ("OK" if it loads).
template <typename Edit>
std::string load_edited(format::BundleDesc d, Edit edit) {
  edit(d.functions[0]);
  LoadedModel m;
  return load(format::serialize_bundle(d), &m);
}

// Compiles, loads (expecting success), sets the inputs, runs and reads every output.
inline OpRun run_op(const OpSpec& s) {
  OpRun r;
  compiler::StackProgram p = build_program(s);
  format::BundleDesc desc = compiler::compile_program(p, compiler::CompileOptions{});
  r.code = decode_code(desc);
  LoadedModel m;
  r.load_message = load(format::serialize_bundle(desc), &m, s.threads);
  EXPECT_EQ(r.load_message, "OK");
  if (!m.session) return r;
  size_t input = 0;
  for (const Operand& o : s.operands) {
    if (o.kind != Operand::Input) continue;
    std::string name = p.inputs[input++].name;
    EXPECT_EQ(aivm_session_set_input(m.session, name.c_str(), aivm_dtype_t(o.dtype), o.shape.data(), o.shape.size(),
                                     o.bytes.data(), o.bytes.size()),
              AIVM_OK);
  }
  EXPECT_EQ(aivm_session_run(m.session), AIVM_OK);
  for (int i = 0; i < s.num_outputs; ++i) {
    aivm_tensor_view_t v;
    aivm_status_t st = aivm_session_get_output(m.session, size_t(i), &v);
    if (st) {
      ADD_FAILURE() << take_message(st);
      continue;
    }
    const uint8_t* d = static_cast<const uint8_t*>(v.data);
    r.outputs.push_back({DType(v.dtype), Dims(v.shape, v.shape + v.rank), std::vector<uint8_t>(d, d + v.size_bytes)});
  }
  return r;
}

inline kernels::Shape kshape(const Dims& d) {
  kernels::Shape s;
  s.rank = int(d.size());
  for (size_t i = 0; i < d.size(); ++i) s.dims[i] = d[i];
  return s;
}

}  // namespace aivm::testing
