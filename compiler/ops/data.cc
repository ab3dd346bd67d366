// Layout and indexing operators (Transpose, Concat, Slice, Gather, ...).
#include "compiler/ops/op_util.h"

namespace aivm::compiler {

std::span<const OpRule> data_op_rules() { return {}; }

}  // namespace aivm::compiler
