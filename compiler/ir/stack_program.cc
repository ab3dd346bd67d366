// Out-of-line members of the stack program's constant tensors: element counts and typed reads
// used by passes that inspect shape-like constants (Reshape targets, Slice bounds, ...).
#include "compiler/ir/stack_program.h"

#include <string>

#include "kernels/elementwise/elementwise.h"

namespace aivm::compiler {
namespace {

void check_index(const Tensor& t, int64_t i) {
  if (dtype_size(t.dtype) == 0) throw CompileError(std::string("constant of dtype ") + dtype_name(t.dtype) + " has no elements");
  int64_t n = t.num_elements();
  if (i < 0 || i >= n || size_t(n) * dtype_size(t.dtype) > t.data.size())
    throw CompileError("constant element " + std::to_string(i) + " out of range (" + std::to_string(n) +
                       " elements of " + dtype_name(t.dtype) + ", " + std::to_string(t.data.size()) + " bytes)");
}

}  // namespace

int64_t Tensor::num_elements() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

// Both read through the kernels' CAST, so a constant reads as the VM would convert it.
int64_t Tensor::int_at(int64_t i) const {
  check_index(*this, i);
  int64_t v = 0;
  kernels::cast_reference(dtype, DType::I64, 1, data.data() + size_t(i) * dtype_size(dtype), &v);
  return v;
}

double Tensor::float_at(int64_t i) const {
  check_index(*this, i);
  double v = 0;
  kernels::cast_reference(dtype, DType::F64, 1, data.data() + size_t(i) * dtype_size(dtype), &v);
  return v;
}

}  // namespace aivm::compiler
