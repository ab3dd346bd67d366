// Symbolic input dims (docs/design.md, "Symbolic dimensions"). Shape inference is concrete, so
// a model with symbolic dims is compiled twice, each symbol bound to a different sentinel
// value, and the two bundles are merged: what is equal is static; a register dim or attribute
// word that equals the symbol's sentinel in both is that symbol; another register dim that
// differs is inferred by the VM. Code, other attribute words and constants must not differ:
// then the code depends on the symbol's value, a compile error naming the node.
#pragma once

#include <string>
#include <vector>

#include "compiler/ir/stack_program.h"
#include "format/writer.h"

namespace aivm::compiler {

// The symbolic dims of |program|'s inputs, by name (unnamed dims get "<input>_<axis>").
std::vector<std::string> symbolic_dims(const StackProgram& program);

// |program| with symbol k of |symbols| bound to its sentinel value of compilation |which| (0, 1).
StackProgram with_sentinels(const StackProgram& program, const std::vector<std::string>& symbols, int which);

// Merges the bundles compiled with sentinels 0 and 1 into one dynamic bundle. Throws
// CompileError naming the first node whose code depends on a symbol's value.
format::BundleDesc merge_symbolic(const format::BundleDesc& a, const format::BundleDesc& b,
                                  const std::vector<std::string>& symbols, const StackProgram& program);

// The sentinel of symbol |k| in compilation |which|.
int64_t symbol_sentinel(size_t k, int which);

}  // namespace aivm::compiler
