// Bytecode verifier: generic operand rules from the opcode table, then one rule per opcode.
#include "vm/src/verifier.h"

#include <cstring>
#include <string>

#include "isa/attrs.h"
#include "isa/decode.h"
#include "isa/shape_rules.h"
#include "vm/src/status.h"

namespace aivm::vm {
namespace {

using isa::Dims;
using isa::Opcode;

Dims dims_of(const RegisterInfo& r) { return Dims(r.shape.dims, r.shape.dims + r.shape.rank); }

std::string dims_str(const Dims& d) {
  std::string s = "[";
  for (size_t i = 0; i < d.size(); ++i) s += (i ? "," : "") + std::to_string(d[i]);
  return s + "]";
}

// Context for the messages of one instruction: "functions[0].code[12] (conv): ...".
struct Site {
  const Function& f;
  size_t func_index;
  size_t pc;
  const char* mnemonic;

  aivm_status_t error(const std::string& what) const {
    return make_status(AIVM_STATUS_INVALID_BUNDLE, "functions[%zu].code[%zu] (%s): %s", func_index, pc,
                       mnemonic, what.c_str());
  }
  const RegisterInfo& reg(uint32_t r) const { return f.registers[r]; }
};

aivm_status_t require_f32(const Site& s, uint32_t r, const char* field) {
  if (s.reg(r).dtype != DType::F32)
    return s.error(std::string("operand ") + field + "=r" + std::to_string(r) + " has dtype " +
                   dtype_name(s.reg(r).dtype) + ", expected f32");
  return AIVM_OK;
}

aivm_status_t require_writable(const Site& s, uint32_t r) {
  if (s.reg(r).is_constant) return s.error("destination r" + std::to_string(r) + " is a constant");
  return AIVM_OK;
}

aivm_status_t require_shape(const Site& s, uint32_t r, const Dims& expected) {
  Dims got = dims_of(s.reg(r));
  if (got != expected)
    return s.error("r" + std::to_string(r) + " has shape " + dims_str(got) + ", the op gives " + dims_str(expected));
  return AIVM_OK;
}

// Reads attribute record |index| as layout T after checking its length.
template <typename T>
aivm_status_t read_record(const Site& s, uint32_t index, T* out) {
  if (s.f.record_size(index) != isa::kAttrWords<T>)
    return s.error("attribute record @" + std::to_string(index) + " has " + std::to_string(s.f.record_size(index)) +
                   " words, expected " + std::to_string(isa::kAttrWords<T>));
  std::memcpy(out, s.f.record(index), sizeof(T));
  return AIVM_OK;
}

aivm_status_t check_activation(const Site& s, const isa::ActivationAttrs& act) {
  if (act.kind < 0 || act.kind >= int32_t(isa::Activation::kCount))
    return s.error("activation kind " + std::to_string(act.kind) + " is not defined");
  return AIVM_OK;
}

// Optional bias register in a record: kNoRegister or a valid f32 register.
aivm_status_t check_bias(const Site& s, int32_t bias) {
  if (bias == isa::kNoRegister) return AIVM_OK;
  if (bias < 0 || size_t(bias) >= s.f.registers.size())
    return s.error("bias register " + std::to_string(bias) + " out of range (< " +
                   std::to_string(s.f.registers.size()) + ")");
  return require_f32(s, uint32_t(bias), "bias");
}

//===----------------------------------------------------------------------===//
// Per-opcode rules
//===----------------------------------------------------------------------===//

aivm_status_t verify_unary(const Site& s, const isa::Instr& in) {
  AIVM_RETURN_IF_ERROR(require_writable(s, in.a));
  AIVM_RETURN_IF_ERROR(require_f32(s, in.a, "A"));
  AIVM_RETURN_IF_ERROR(require_f32(s, in.b, "B"));
  return require_shape(s, in.a, dims_of(s.reg(in.b)));
}

aivm_status_t verify_binary(const Site& s, const isa::Instr& in) {
  AIVM_RETURN_IF_ERROR(require_writable(s, in.a));
  for (auto [r, name] : {std::pair{in.a, "A"}, {in.b, "B"}, {in.c, "C"}}) AIVM_RETURN_IF_ERROR(require_f32(s, r, name));
  Dims out;
  if (!isa::broadcast_shapes(dims_of(s.reg(in.b)), dims_of(s.reg(in.c)), &out))
    return s.error("shapes " + dims_str(dims_of(s.reg(in.b))) + " and " + dims_str(dims_of(s.reg(in.c))) +
                   " do not broadcast");
  return require_shape(s, in.a, out);
}

aivm_status_t verify_mov(const Site& s, const isa::Instr& in) {
  AIVM_RETURN_IF_ERROR(require_writable(s, in.a));
  if (s.reg(in.a).dtype != s.reg(in.b).dtype || s.reg(in.a).bytes != s.reg(in.b).bytes)
    return s.error("source r" + std::to_string(in.b) + " and destination r" + std::to_string(in.a) +
                   " differ in dtype or size");
  return AIVM_OK;
}

aivm_status_t verify_softmax(const Site& s, const isa::Instr& in) {
  AIVM_RETURN_IF_ERROR(verify_unary(s, in));
  if (in.d >= uint32_t(s.reg(in.b).shape.rank))
    return s.error("axis #" + std::to_string(in.d) + " out of range for rank " + std::to_string(s.reg(in.b).shape.rank));
  return AIVM_OK;
}

aivm_status_t verify_matmul(const Site& s, const isa::Instr& in) {
  AIVM_RETURN_IF_ERROR(require_writable(s, in.a));
  for (auto [r, name] : {std::pair{in.a, "A"}, {in.b, "B"}, {in.c, "C"}}) AIVM_RETURN_IF_ERROR(require_f32(s, r, name));
  Dims out;
  if (!isa::matmul_shape(dims_of(s.reg(in.b)), dims_of(s.reg(in.c)), &out))
    return s.error("shapes " + dims_str(dims_of(s.reg(in.b))) + " and " + dims_str(dims_of(s.reg(in.c))) +
                   " cannot be multiplied");
  return require_shape(s, in.a, out);
}

aivm_status_t verify_gemm(const Site& s, const isa::Instr& in) {
  isa::GemmAttrs g;
  AIVM_RETURN_IF_ERROR(read_record(s, in.d, &g));
  AIVM_RETURN_IF_ERROR(require_writable(s, in.a));
  for (auto [r, name] : {std::pair{in.a, "A"}, {in.b, "B"}, {in.c, "C"}}) AIVM_RETURN_IF_ERROR(require_f32(s, r, name));
  AIVM_RETURN_IF_ERROR(check_activation(s, g.act));
  AIVM_RETURN_IF_ERROR(check_bias(s, g.bias));
  const RegisterInfo &a = s.reg(in.b), &b = s.reg(in.c);
  if (a.shape.rank != 2 || b.shape.rank != 2) return s.error("operands must be 2-D");
  int64_t m = g.trans_a ? a.shape.dims[1] : a.shape.dims[0];
  int64_t ka = g.trans_a ? a.shape.dims[0] : a.shape.dims[1];
  int64_t kb = g.trans_b ? b.shape.dims[1] : b.shape.dims[0];
  int64_t n = g.trans_b ? b.shape.dims[0] : b.shape.dims[1];
  if (ka != kb) return s.error("inner dimensions differ (" + std::to_string(ka) + " vs " + std::to_string(kb) + ")");
  if (g.bias != isa::kNoRegister) {
    Dims out;
    Dims bias_dims = dims_of(s.reg(uint32_t(g.bias)));
    // Unidirectional broadcast: the bias must broadcast to [M, N] without growing it.
    if (bias_dims.size() > 2 || !isa::broadcast_shapes(bias_dims, {m, n}, &out) || out != Dims{m, n})
      return s.error("bias shape " + dims_str(bias_dims) + " does not broadcast to [M, N]");
  }
  return require_shape(s, in.a, {m, n});
}

// The window geometry maps |x| ([N, C, H, W]) to spatial extents (oh, ow).
aivm_status_t window_extents(const Site& s, const isa::Window2d& w, const RegisterInfo& x, bool allow_ceil,
                             const RegisterInfo& y) {
  if (!isa::window_valid(w)) return s.error("invalid window geometry (kernel, stride, dilation >= 1, pads >= 0)");
  if (x.shape.rank != 4 || y.shape.rank != 4) return s.error("input and output must be 4-D NCHW");
  for (int axis = 0; axis < 2; ++axis) {
    int64_t in = x.shape.dims[2 + axis], got = y.shape.dims[2 + axis];
    int64_t k = axis ? w.kernel_w : w.kernel_h, st = axis ? w.stride_w : w.stride_h;
    int64_t pb = axis ? w.pad_left : w.pad_top, pe = axis ? w.pad_right : w.pad_bottom;
    int64_t d = axis ? w.dilation_w : w.dilation_h;
    int64_t floor_out = isa::window_out_extent(in, k, st, pb, pe, d, false);
    int64_t ceil_out = isa::window_out_extent(in, k, st, pb, pe, d, true);
    if (floor_out < 1 || !(got == floor_out || (allow_ceil && got == ceil_out)))
      return s.error("output spatial extent " + std::to_string(got) + " does not follow from input " +
                     std::to_string(in) + " and the window");
  }
  return AIVM_OK;
}

aivm_status_t verify_conv(const Site& s, const isa::Instr& in) {
  isa::ConvAttrs c;
  AIVM_RETURN_IF_ERROR(read_record(s, in.d, &c));
  AIVM_RETURN_IF_ERROR(require_writable(s, in.a));
  for (auto [r, name] : {std::pair{in.a, "A"}, {in.b, "B"}, {in.c, "C"}}) AIVM_RETURN_IF_ERROR(require_f32(s, r, name));
  AIVM_RETURN_IF_ERROR(check_activation(s, c.act));
  AIVM_RETURN_IF_ERROR(check_bias(s, c.bias));
  const RegisterInfo &x = s.reg(in.b), &w = s.reg(in.c), &y = s.reg(in.a);
  AIVM_RETURN_IF_ERROR(window_extents(s, c.window, x, false, y));
  if (w.shape.rank != 4) return s.error("weights must be 4-D [K, C/group, kh, kw]");
  int64_t k = w.shape.dims[0];
  if (c.group < 1 || x.shape.dims[1] % c.group != 0 || k % c.group != 0 || w.shape.dims[1] * c.group != x.shape.dims[1])
    return s.error("group " + std::to_string(c.group) + " does not divide the channels consistently");
  if (w.shape.dims[2] != c.window.kernel_h || w.shape.dims[3] != c.window.kernel_w)
    return s.error("weight kernel extent differs from the attribute record");
  if (y.shape.dims[0] != x.shape.dims[0] || y.shape.dims[1] != k) return s.error("output batch or channels mismatch");
  if (c.bias != isa::kNoRegister && dims_of(s.reg(uint32_t(c.bias))) != Dims{k})
    return s.error("bias must have shape [" + std::to_string(k) + "]");
  return AIVM_OK;
}

aivm_status_t verify_maxpool(const Site& s, const isa::Instr& in) {
  isa::PoolAttrs p;
  AIVM_RETURN_IF_ERROR(read_record(s, in.d, &p));
  AIVM_RETURN_IF_ERROR(require_writable(s, in.a));
  AIVM_RETURN_IF_ERROR(require_f32(s, in.a, "A"));
  AIVM_RETURN_IF_ERROR(require_f32(s, in.b, "B"));
  const RegisterInfo &x = s.reg(in.b), &y = s.reg(in.a);
  AIVM_RETURN_IF_ERROR(window_extents(s, p.window, x, true, y));
  if (y.shape.dims[0] != x.shape.dims[0] || y.shape.dims[1] != x.shape.dims[1])
    return s.error("output batch or channels mismatch");
  return AIVM_OK;
}

aivm_status_t verify_op(const Site& s, const isa::Instr& in) {
  switch (in.op) {
    case Opcode::NOP: case Opcode::HALT: case Opcode::JMP: return AIVM_OK;
    case Opcode::JMPZ:
      if (s.reg(in.a).bytes == 0) return s.error("condition r" + std::to_string(in.a) + " is empty");
      return AIVM_OK;
    case Opcode::MOV: return verify_mov(s, in);
    case Opcode::RELU: case Opcode::SIGMOID: case Opcode::TANH: case Opcode::EXP: case Opcode::NEG:
      return verify_unary(s, in);
    case Opcode::ADD: case Opcode::SUB: case Opcode::MUL: case Opcode::DIV: return verify_binary(s, in);
    case Opcode::SOFTMAX: return verify_softmax(s, in);
    case Opcode::MATMUL: return verify_matmul(s, in);
    case Opcode::GEMM: return verify_gemm(s, in);
    case Opcode::CONV: return verify_conv(s, in);
    case Opcode::MAXPOOL: return verify_maxpool(s, in);
  }
  return s.error("opcode has no verifier rule");  // a table row without a rule is a VM bug
}

// Checks each field against its operand kind from the opcode table.
aivm_status_t verify_operands(const Site& s, const isa::OpInfo& info, uint64_t word, const isa::Instr& in) {
  static const char* kFieldNames[] = {"A", "B", "C", "D"};
  uint32_t fields[4] = {in.a, in.b, in.c, in.d};
  int nfields = info.format == isa::Format::AJ ? 2 : 4;
  for (int i = 0; i < nfields; ++i) {
    isa::OperandKind kind = info.kinds[i];
    uint64_t v = (info.format == isa::Format::AJ && i == 1) ? in.j : fields[i];
    std::string field = kFieldNames[i];
    switch (kind) {
      case isa::OperandKind::Unused:
        if (v != 0) return s.error("unused field " + field + " must be zero, is " + std::to_string(v));
        break;
      case isa::OperandKind::Register:
        if (v >= s.f.registers.size())
          return s.error("register " + field + "=r" + std::to_string(v) + " out of range (< " +
                         std::to_string(s.f.registers.size()) + ")");
        break;
      case isa::OperandKind::Attr:
        if (v + 1 >= s.f.attr_begin.size())
          return s.error("attribute record " + field + "=@" + std::to_string(v) + " out of range (< " +
                         std::to_string(s.f.attr_begin.size() - 1) + ")");
        break;
      case isa::OperandKind::Jump:
        if (v >= s.f.code_size)
          return s.error("jump target " + std::to_string(v) + " out of range (< " + std::to_string(s.f.code_size) + ")");
        break;
      case isa::OperandKind::Immediate:
        break;  // range is the opcode rule's business
    }
  }
  (void)word;
  return AIVM_OK;
}

}  // namespace

aivm_status_t verify_function(const Function& f, size_t index) {
  if (f.code_size == 0)
    return make_status(AIVM_STATUS_INVALID_BUNDLE, "functions[%zu] has no instructions", index);
  for (size_t pc = 0; pc < f.code_size; ++pc) {
    uint64_t word = f.code[pc];
    const isa::OpInfo* info = isa::op_info(AIVM_OPCODE(word));
    if (!info)
      return make_status(AIVM_STATUS_INVALID_BUNDLE, "functions[%zu].code[%zu]: undefined opcode 0x%02x", index, pc,
                         unsigned(AIVM_OPCODE(word)));
    Site site{f, index, pc, info->mnemonic};
    isa::Instr in = isa::decode(word);
    AIVM_RETURN_IF_ERROR(verify_operands(site, *info, word, in));
    AIVM_RETURN_IF_ERROR(verify_op(site, in));
  }
  // The interpreter has no end-of-code check: the last instruction must leave the function or jump.
  isa::Opcode last = isa::Opcode(AIVM_OPCODE(f.code[f.code_size - 1]));
  if (last != isa::Opcode::HALT && last != isa::Opcode::JMP)
    return make_status(AIVM_STATUS_INVALID_BUNDLE, "functions[%zu]: control can fall off the end (last op is not halt or jmp)",
                       index);
  return AIVM_OK;
}

}  // namespace aivm::vm
