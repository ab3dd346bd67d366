// The lowering's loop operations: aivm.StoreAt writes one iteration's row of a collected
// value (a scan output) at the loop's iteration number.
//
//   aivm.StoreAt(value, index, trip_count) -> collected
//     collected = [max(trip_count, 0)] + value's shape; row |index| := value. The trip count
//     must be a compile-time constant, since registers have static shapes.
#include <algorithm>

#include "compiler/ops/op_util.h"

namespace aivm::compiler {
namespace {

void infer_store_at(OpContext& ctx) {
  ctx.require_inputs(3, 3);
  const Tensor* trips = ctx.constant_input(2);
  if (!trips || trips->num_elements() != 1)
    ctx.fail("the trip count of a loop with scan outputs must be a constant (the outputs' shapes are static); "
             "bind it with aivmc --bind NAME=FILE.pb");
  const Value& v = ctx.input(0);
  std::vector<int64_t> shape = v.shape;
  shape.insert(shape.begin(), std::max<int64_t>(trips->int_at(0), 0));
  kshape(ctx, shape);  // rank limit
  ctx.set_output(0, v.dtype, std::move(shape));
}

void select_store_at(OpContext& ctx, Selection* s) {
  s->opcode = isa::Opcode::STORE_AT;
  s->values = {ctx.instr().outputs[0], ctx.instr().inputs[0], ctx.instr().inputs[1]};
  s->immediate = 0;  // rows along axis 0
}

}  // namespace

std::span<const OpRule> control_op_rules() {
  static constexpr OpRule kRules[] = {
      {"aivm.StoreAt", infer_store_at, select_store_at},
  };
  return kRules;
}

}  // namespace aivm::compiler
