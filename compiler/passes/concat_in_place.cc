// Concat in place: a Concat along the channels of NCHW tensors that are each made by a Conv
// for this Concat alone (a SqueezeNet fire module's two expands, an Inception block's
// branches) becomes nothing: each Conv writes its channels straight into the Concat's output
// (CONV's out_channel_offset, ISA 3.4). The copy's pass over memory goes, and so do the parts'
// tensors: only the whole one is live.
#include <string>
#include <vector>

#include "compiler/ops/op_util.h"
#include "compiler/passes/passes.h"

namespace aivm::compiler {

int concat_in_place(Function& f) {
  // With control flow a part could be made on one path only; straight-line code only.
  if (f.blocks.size() != 1) return 0;
  Block& b = f.blocks[0];
  const std::vector<int> uses = use_counts(f);
  std::vector<bool> is_output(f.values.size(), false);
  for (int v : f.outputs) is_output[size_t(v)] = true;
  std::vector<int> producer(f.values.size(), -1);  // position of each value's definition
  int rewritten = 0;
  for (size_t i = 0; i < b.instrs.size(); ++i) {
    Instr& cat = b.instrs[i];
    for (int v : cat.outputs) producer[size_t(v)] = int(i);
    if (cat.op != "Concat" || cat.outputs.size() != 1 || cat.inputs.size() < 2) continue;
    const int out = cat.outputs[0];
    const Value& o = f.values[size_t(out)];
    if (is_output[size_t(out)] || o.constant >= 0 || o.dtype != DType::F32 || o.shape.size() != 4) continue;
    // The Concat's own rule already accepted the axis (shapes are inferred).
    if (concat_axis(OpContext(f, cat), 4) != 1) continue;
    bool all_convs = true;
    for (int v : cat.inputs) {
      // Each part: made by a Conv in this block, read by this Concat alone, once, and with no
      // residual (its store would add a tensor of the part's shape, not the slice's).
      if (v == kNoValue || uses[size_t(v)] != 1 || is_output[size_t(v)] || producer[size_t(v)] < 0 ||
          f.values[size_t(v)].dtype != DType::F32) {
        all_convs = false;
        break;
      }
      const Instr& conv = b.instrs[size_t(producer[size_t(v)])];
      if (conv.op != "Conv" || conv.outputs.size() != 1 || conv.inputs.size() > 3 ||
          conv.attrs.count("__out_channel_offset")) {
        all_convs = false;
        break;
      }
    }
    if (!all_convs) continue;
    int64_t offset = 0;
    for (int v : cat.inputs) {
      Instr& conv = b.instrs[size_t(producer[size_t(v)])];
      conv.attrs["__out_channel_offset"] = offset;
      conv.outputs[0] = out;
      conv.loc.node += "+" + (cat.loc.node.empty() ? cat.op : cat.loc.node);
      offset += f.values[size_t(v)].shape[1];
    }
    producer[size_t(out)] = -1;  // several definitions now: not a part of a later Concat
    cat.op.clear();              // tombstone, swept below
    ++rewritten;
  }
  erase_tombstones(b);
  return rewritten;
}

}  // namespace aivm::compiler
