// Reductions (ReduceSum, ReduceMean, ArgMax, ...).
#include "compiler/ops/op_util.h"

namespace aivm::compiler {

std::span<const OpRule> reduce_op_rules() { return {}; }

}  // namespace aivm::compiler
