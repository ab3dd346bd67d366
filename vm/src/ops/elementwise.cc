// Elementwise families: unary f32 (relu, sigmoid, tanh, exp, neg) and broadcasting binary f32
// (add, sub, mul, div).
#include "kernels/elementwise/elementwise.h"
#include "vm/src/op_handlers.h"
#include "vm/src/verify_util.h"

namespace aivm::vm {
namespace {

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

const uint64_t* unary(const Frame& fr, kernels::UnaryOp op, uint64_t w, const uint64_t* next) {
  uint32_t a = AIVM_FIELD_A(w), b = AIVM_FIELD_B(w);
  kernels::unary_f32(op, fr.shape(b).num_elements(), fr.f32(b), fr.f32(a), fr.pool);
  return next;
}

const uint64_t* binary(const Frame& fr, kernels::BinaryOp op, uint64_t w, const uint64_t* next) {
  uint32_t a = AIVM_FIELD_A(w), b = AIVM_FIELD_B(w), c = AIVM_FIELD_C(w);
  kernels::binary_f32(op, fr.shape(a), fr.shape(b), fr.f32(b), fr.shape(c), fr.f32(c), fr.f32(a), fr.pool);
  return next;
}

}  // namespace

#define AIVM_UNARY(NAME, KIND)                                                                        \
  aivm_status_t verify_##NAME(const Site& s, const isa::Instr& in) { return verify_unary(s, in); }    \
  const uint64_t* exec_##NAME(const Frame& fr, uint64_t w, const uint64_t* next) {                    \
    return unary(fr, kernels::UnaryOp::KIND, w, next);                                                \
  }
AIVM_UNARY(RELU, Relu)
AIVM_UNARY(SIGMOID, Sigmoid)
AIVM_UNARY(TANH, Tanh)
AIVM_UNARY(EXP, Exp)
AIVM_UNARY(NEG, Neg)
#undef AIVM_UNARY

#define AIVM_BINARY(NAME, KIND)                                                                       \
  aivm_status_t verify_##NAME(const Site& s, const isa::Instr& in) { return verify_binary(s, in); }   \
  const uint64_t* exec_##NAME(const Frame& fr, uint64_t w, const uint64_t* next) {                    \
    return binary(fr, kernels::BinaryOp::KIND, w, next);                                              \
  }
AIVM_BINARY(ADD, Add)
AIVM_BINARY(SUB, Sub)
AIVM_BINARY(MUL, Mul)
AIVM_BINARY(DIV, Div)
#undef AIVM_BINARY

}  // namespace aivm::vm
