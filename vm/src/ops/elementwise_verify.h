// Verifier checks shared by the elementwise families' rules (elementwise.cc, compare.cc,
// cast.cc): kind immediates, dtype agreement, multi-operand broadcasting.
#pragma once

#include <initializer_list>
#include <string>
#include <vector>

#include "vm/src/op_handlers.h"
#include "vm/src/verify_util.h"

namespace aivm::vm {

// A kind (immediate or record word) below |count|; |family| names it in the message.
inline aivm_status_t require_kind(const Site& s, uint32_t kind, int32_t count, const char* (*name)(int32_t),
                                  const char* family) {
  if (kind >= uint32_t(count))
    return s.error(std::string(family) + " kind #" + std::to_string(kind) + " is not defined (kinds 0.." +
                   std::to_string(count - 1) + ", " + name(0) + ".." + name(count - 1) + ")");
  return AIVM_OK;
}

inline aivm_status_t require_dtype(const Site& s, uint32_t r, DType want, const char* field) {
  if (s.reg(r).dtype != want)
    return s.error(std::string("operand ") + field + "=r" + std::to_string(r) + " has dtype " +
                   dtype_name(s.reg(r).dtype) + ", expected " + dtype_name(want));
  return AIVM_OK;
}

// R[r] has the dtype of R[ref].
inline aivm_status_t require_same_dtype(const Site& s, uint32_t r, const char* field, uint32_t ref,
                                        const char* ref_field) {
  if (s.reg(r).dtype != s.reg(ref).dtype)
    return s.error(std::string("operand ") + field + "=r" + std::to_string(r) + " has dtype " +
                   dtype_name(s.reg(r).dtype) + ", " + ref_field + "=r" + std::to_string(ref) + " has " +
                   dtype_name(s.reg(ref).dtype) + "; they must agree");
  return AIVM_OK;
}

inline aivm_status_t unsupported_dtype(const Site& s, const char* kind, DType t) {
  return s.error(std::string(kind) + " does not take dtype " + dtype_name(t));
}

// The operands broadcast together (ONNX multidirectional) to R[out]'s shape.
template <typename Regs>
aivm_status_t require_broadcast_of(const Site& s, uint32_t out, const Regs& regs) {
  Dims shape;
  bool first = true;
  std::string shapes;
  for (uint32_t r : regs) {
    Dims d = dims_of(s.reg(r));
    shapes += (first ? "" : " and ") + dims_str(d);
    if (first) {
      shape = d;
      first = false;
    } else {
      Dims next;  // broadcast_shapes writes its result before reading both inputs: no aliasing
      if (!isa::broadcast_shapes(shape, d, &next)) return s.error("shapes " + shapes + " do not broadcast");
      shape = std::move(next);
    }
  }
  return require_shape(s, out, shape);
}
inline aivm_status_t require_broadcast(const Site& s, uint32_t out, std::initializer_list<uint32_t> regs) {
  return require_broadcast_of(s, out, regs);
}
inline aivm_status_t require_broadcast(const Site& s, uint32_t out, const std::vector<uint32_t>& regs) {
  return require_broadcast_of(s, out, regs);
}

}  // namespace aivm::vm
