// Residual Add fusion: Add(Conv(x), r) with r of the Conv's output shape (a ResNet / MobileNetV2
// skip connection) becomes one Conv that adds r in its store, before the activation. The Add's
// pass over memory goes, and fuse_activations can then fold the Relu after the Add into the
// same instruction.
#include <string>
#include <vector>

#include "compiler/passes/passes.h"

namespace aivm::compiler {

int fuse_residual_adds(Function& f) {
  const std::vector<int> uses = use_counts(f);
  int fused = 0;
  for (Block& b : f.blocks) {
    // Position in this block of each value's definition; -1: defined before the block.
    std::vector<int> producer(f.values.size(), -1);
    for (size_t i = 0; i < b.instrs.size(); ++i) {
      Instr& add = b.instrs[i];
      for (int v : add.outputs) producer[size_t(v)] = int(i);
      if (add.op != "Add" || add.inputs.size() != 2 || add.outputs.size() != 1) continue;
      const Value& out = f.values[size_t(add.outputs[0])];
      for (int side = 0; side < 2; ++side) {
        const int c = add.inputs[size_t(side)], r = add.inputs[size_t(1 - side)];
        if (c == kNoValue || r == kNoValue || c == r || uses[size_t(c)] != 1) continue;
        const int p = producer[size_t(c)];
        if (p < 0) continue;
        Instr& conv = b.instrs[size_t(p)];
        // The activation would come before the Add; a second residual has no slot.
        if (conv.op != "Conv" || conv.attrs.count("__act") || conv.inputs.size() > 3) continue;
        // The Conv now reads r: it must be defined before the Conv runs. (In a ResNet block
        // with a downsample branch, that branch's Conv comes after the main one; the other
        // side of the Add is then the one that fuses.)
        if (producer[size_t(r)] >= p) continue;
        const Value &cv = f.values[size_t(c)], &rv = f.values[size_t(r)];
        if (cv.dtype != DType::F32 || rv.dtype != DType::F32 || out.dtype != DType::F32) continue;
        if (cv.shape != out.shape || rv.shape != out.shape) continue;  // no broadcasting
        conv.inputs.resize(4, kNoValue);  // [x, w, bias or none, residual]
        conv.inputs[3] = r;
        conv.loc.node += "+" + (add.loc.node.empty() ? add.op : add.loc.node);
        conv.outputs[0] = add.outputs[0];
        producer[size_t(add.outputs[0])] = p;
        add.op.clear();  // tombstone, swept below
        ++fused;
        break;
      }
    }
    erase_tombstones(b);
  }
  return fused;
}

}  // namespace aivm::compiler
