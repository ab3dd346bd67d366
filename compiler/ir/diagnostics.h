// Compile errors: one exception type carrying where the problem is. The compiler may throw;
// the aivmc driver turns it into one line and a non-zero exit.
#pragma once

#include <stdexcept>
#include <string>

namespace aivm::compiler {

// Where a stack op came from: an ONNX node (by name and op type) or a line of assembly.
struct SourceLoc {
  std::string file;     // model or .aivs path, may be empty
  int line = 0;         // .aivs line, 0 for ONNX
  std::string node;     // ONNX node name, may be empty
  std::string op_type;  // ONNX op type or assembly mnemonic

  // "model.onnx: node 'conv1' (Conv)" or "prog.aivs:12 (Relu)".
  std::string describe() const;
};

class CompileError : public std::runtime_error {
 public:
  CompileError(const SourceLoc& loc, const std::string& what)
      : std::runtime_error(loc.describe() + ": " + what), loc_(loc) {}
  explicit CompileError(const std::string& what) : std::runtime_error(what) {}
  const SourceLoc& loc() const { return loc_; }

 private:
  SourceLoc loc_;
};

}  // namespace aivm::compiler
