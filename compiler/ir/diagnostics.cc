// Formatting of source locations for compile errors.
#include "compiler/ir/diagnostics.h"

namespace aivm::compiler {

std::string SourceLoc::describe() const {
  std::string s = file;
  if (line > 0) s += ":" + std::to_string(line);
  if (!node.empty()) s += (s.empty() ? "" : ": ") + std::string("node '") + node + "'";
  if (!op_type.empty()) s += (s.empty() ? "(" : " (") + op_type + ")";
  return s.empty() ? "<unknown>" : s;
}

}  // namespace aivm::compiler
