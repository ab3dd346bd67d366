// What every opcode's verifier rule shares: the site of the instruction (for messages) and the
// checks rules are built from. See vm/src/op_handlers.h.
#pragma once

#include <cstring>
#include <string>
#include <vector>

#include "isa/attrs.h"
#include "isa/decode.h"
#include "isa/shape_rules.h"
#include "vm/src/program.h"
#include "vm/src/status.h"

namespace aivm::vm {

using isa::Dims;

inline Dims dims_of(const RegisterInfo& r) { return Dims(r.shape.dims, r.shape.dims + r.shape.rank); }

inline std::string dims_str(const Dims& d) {
  std::string s = "[";
  for (size_t i = 0; i < d.size(); ++i) s += (i ? "," : "") + std::to_string(d[i]);
  return s + "]";
}

// Shape inference while a dynamic function is specialised (vm/src/specialize.cc): registers
// whose shape depends on the inputs' and is not a plain symbol start unknown (their dims read
// as 0, their bytes 0), and the first rule that proves their shape binds it. The specialised
// function is then verified again without inference, so what inference bound is proven, not
// trusted.
struct Inference {
  std::vector<RegisterInfo>* regs;  // the registers of the function being specialised
  std::vector<uint8_t> unknown;     // per register: bit k set while dim k is not known
};

// Context for the messages of one instruction: "functions[0].code[12] (conv): ...".
struct Site {
  const Function& f;
  size_t func_index;
  size_t pc;
  const char* mnemonic;
  Inference* infer = nullptr;  // set only while specialising a dynamic function

  aivm_status_t error(const std::string& what) const {
    return make_status(AIVM_STATUS_INVALID_BUNDLE, "functions[%zu].code[%zu] (%s): %s", func_index, pc,
                       mnemonic, what.c_str());
  }
  const RegisterInfo& reg(uint32_t r) const { return f.registers[r]; }
};

inline aivm_status_t require_f32(const Site& s, uint32_t r, const char* field) {
  if (s.reg(r).dtype != DType::F32)
    return s.error(std::string("operand ") + field + "=r" + std::to_string(r) + " has dtype " +
                   dtype_name(s.reg(r).dtype) + ", expected f32");
  return AIVM_OK;
}

inline aivm_status_t require_writable(const Site& s, uint32_t r) {
  if (s.reg(r).is_constant) return s.error("destination r" + std::to_string(r) + " is a constant");
  return AIVM_OK;
}

// True while R[r]'s shape is still being inferred (only during specialisation).
inline bool unknown_shape(const Site& s, uint32_t r) { return s.infer && s.infer->unknown[r]; }

// Binds the unknown dims of R[r] to |expected| (the known ones must agree). verifier.cc.
aivm_status_t bind_shape(const Site& s, uint32_t r, const Dims& expected);

// R[r] holds |count| elements: binds its one unknown dim from the known ones (a reshape's -1).
aivm_status_t bind_by_count(const Site& s, uint32_t r, int64_t count);

inline aivm_status_t require_shape(const Site& s, uint32_t r, const Dims& expected) {
  if (unknown_shape(s, r)) return bind_shape(s, r, expected);
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

inline aivm_status_t check_activation(const Site& s, const isa::ActivationAttrs& act) {
  if (act.kind < 0 || act.kind >= int32_t(isa::Activation::kCount))
    return s.error("activation kind " + std::to_string(act.kind) + " is not defined");
  return AIVM_OK;
}

// Optional bias register in a record: kNoRegister or a valid f32 register.
inline aivm_status_t check_bias(const Site& s, int32_t bias, const char* what = "bias") {
  if (bias == isa::kNoRegister) return AIVM_OK;
  if (bias < 0 || size_t(bias) >= s.f.registers.size())
    return s.error(std::string(what) + " register " + std::to_string(bias) + " out of range (< " +
                   std::to_string(s.f.registers.size()) + ")");
  return require_f32(s, uint32_t(bias), what);
}

}  // namespace aivm::vm
