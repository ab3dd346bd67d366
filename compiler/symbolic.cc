// Symbolic input dims: compile twice with sentinels, merge (compiler/symbolic.h).
#include "compiler/symbolic.h"

#include <algorithm>
#include <map>

#include "compiler/ir/diagnostics.h"
#include "isa/decode.h"
#include "isa/isa.h"

namespace aivm::compiler {
namespace {

// Largish (typical models compile, a window fits) and unrelated between the two lists, so a
// derived dim (2N, N+1, N*S) does not equal a symbol's sentinel in both compilations.
constexpr int64_t kSentinels[2][16] = {
    {1031, 1237, 1453, 1667, 1879, 2089, 2297, 2503, 2713, 2927, 3137, 3347, 3557, 3767, 3989, 4201},
    {1613, 1931, 2239, 2549, 2857, 3169, 3469, 3779, 4091, 4397, 4703, 5011, 5323, 5623, 5927, 6247},
};

// The symbol whose sentinels are |a| and |b|, or -1.
int symbol_of(int64_t a, int64_t b, size_t n) {
  for (size_t k = 0; k < n; ++k)
    if (a == kSentinels[0][k] && b == kSentinels[1][k]) return int(k);
  return -1;
}

std::string dim_name(const ValueSpec& in, size_t axis) {
  return axis < in.dim_names.size() && !in.dim_names[axis].empty() ? in.dim_names[axis]
                                                                    : in.name + "_" + std::to_string(axis);
}

std::string pin_hint(const StackProgram& p) {
  for (const ValueSpec& in : p.inputs)
    if (std::any_of(in.shape.begin(), in.shape.end(), [](int64_t d) { return d < 0; }))
      return "; pin it with --shape " + in.name + "=D0,D1,...";
  return "";
}

[[noreturn]] void depends(const StackProgram& p, const format::FunctionDesc& f, size_t pc, const std::string& what) {
  std::string node = pc < f.debug_names.size() && !f.debug_names[pc].empty() ? "node '" + f.debug_names[pc] + "'"
                                                                             : "instruction " + std::to_string(pc);
  throw CompileError(p.source + ": the code of " + node + " depends on the value of a symbolic dim (" + what +
                     "), which a bundle cannot leave open" + pin_hint(p));
}

// The first instruction with a field of |kind| whose value satisfies |match|, or the code size
// (for messages).
template <typename Match>
size_t first_instruction(const format::FunctionDesc& f, isa::OperandKind kind, Match match) {
  for (size_t pc = 0; pc < f.code.size(); ++pc) {
    isa::Instr in = isa::decode(f.code[pc]);
    const isa::OpInfo* info = isa::op_info(uint8_t(in.op));
    uint32_t fields[4] = {in.a, in.b, in.c, in.d};
    for (int i = 0; info && info->format == isa::Format::ABCD && i < 4; ++i)
      if (info->kinds[i] == kind && match(fields[i])) return pc;
  }
  return f.code.size();
}

// The instruction whose attribute record holds word |w|.
size_t instruction_of_word(const format::FunctionDesc& f, size_t w) {
  uint32_t record = uint32_t(std::upper_bound(f.attr_offsets.begin(), f.attr_offsets.end(), uint32_t(w)) - f.attr_offsets.begin()) - 1;
  return first_instruction(f, isa::OperandKind::Attr, [&](uint32_t v) { return v == record; });
}

// The first instruction that reads constant |c|.
size_t reader_of_constant(const format::FunctionDesc& f, size_t c) {
  return first_instruction(f, isa::OperandKind::Register, [&](uint32_t r) {
    return r < f.registers.size() && f.registers[r].storage == format::StorageKind::Constant && f.registers[r].offset == c;
  });
}

void merge_code(const StackProgram& p, const format::FunctionDesc& a, const format::FunctionDesc& b) {
  for (size_t pc = 0; pc < std::min(a.code.size(), b.code.size()); ++pc)
    if (a.code[pc] != b.code[pc]) depends(p, a, pc, "a different instruction");
  if (a.code.size() != b.code.size()) depends(p, a, std::min(a.code.size(), b.code.size()), "a different instruction count");
  if (a.attr_offsets != b.attr_offsets || a.attrs.size() != b.attrs.size())
    depends(p, a, a.code.size(), "different attribute records");
}

// Attribute words that differ must be a symbol's value: the VM patches them per input shape.
void merge_attrs(const StackProgram& p, const format::FunctionDesc& b, size_t nsym, format::FunctionDesc* out) {
  for (size_t w = 0; w < out->attrs.size(); ++w) {
    if (out->attrs[w] == b.attrs[w]) continue;
    int k = symbol_of(out->attrs[w], b.attrs[w], nsym);
    if (k < 0) depends(p, *out, instruction_of_word(*out, w), "an attribute computed from it");
    out->attr_symbol_words.push_back(uint32_t(w));
    out->attr_symbol_ids.push_back(uint32_t(k));
  }
}

// Register dims: equal is static, a symbol's sentinels are -2-k, anything else -1 (inferred).
void merge_registers(const StackProgram& p, const format::FunctionDesc& b, size_t nsym, format::FunctionDesc* out) {
  if (out->registers.size() != b.registers.size()) depends(p, *out, out->code.size(), "a different register count");
  for (size_t r = 0; r < out->registers.size(); ++r) {
    format::RegisterDesc& ra = out->registers[r];
    const format::RegisterDesc& rb = b.registers[r];
    if (ra.dtype != rb.dtype || ra.storage != rb.storage || ra.shape.size() != rb.shape.size() ||
        (ra.storage == format::StorageKind::Constant && (ra.offset != rb.offset || ra.shape != rb.shape)))
      depends(p, *out, out->code.size(), "register r" + std::to_string(r) + " differs");
    for (size_t k = 0; k < ra.shape.size(); ++k) {
      if (ra.shape[k] == rb.shape[k]) continue;
      int sym = symbol_of(ra.shape[k], rb.shape[k], nsym);
      ra.shape[k] = sym >= 0 ? -2 - sym : -1;
    }
    if (ra.storage == format::StorageKind::Arena) ra.offset = 0;  // planned at run time
  }
}

// Signature: a symbolic dim is -1 with its name.
void merge_specs(const std::vector<format::TensorSpecDesc>& b, const std::vector<std::string>& symbols,
                 std::vector<format::TensorSpecDesc>* out) {
  for (size_t i = 0; i < out->size(); ++i) {
    format::TensorSpecDesc& t = (*out)[i];
    bool any = false;
    std::vector<std::string> names(t.shape.size());
    for (size_t k = 0; k < t.shape.size(); ++k) {
      if (t.shape[k] == b[i].shape[k]) continue;
      int sym = symbol_of(t.shape[k], b[i].shape[k], symbols.size());
      names[k] = sym >= 0 ? symbols[size_t(sym)] : "";
      t.shape[k] = -1;
      any = true;
    }
    if (any) t.dim_names = names;
  }
}

}  // namespace

int64_t symbol_sentinel(size_t k, int which) { return kSentinels[which][k]; }

std::vector<std::string> symbolic_dims(const StackProgram& program) {
  std::vector<std::string> out;
  for (const ValueSpec& in : program.inputs)
    for (size_t k = 0; k < in.shape.size(); ++k)
      if (in.shape[k] < 0 && std::find(out.begin(), out.end(), dim_name(in, k)) == out.end()) out.push_back(dim_name(in, k));
  if (out.size() > 16) throw CompileError(program.source + ": more than 16 symbolic dims" + pin_hint(program));
  return out;
}

StackProgram with_sentinels(const StackProgram& program, const std::vector<std::string>& symbols, int which) {
  StackProgram p = program;
  for (ValueSpec& in : p.inputs)
    for (size_t k = 0; k < in.shape.size(); ++k)
      if (in.shape[k] < 0) {
        size_t sym = size_t(std::find(symbols.begin(), symbols.end(), dim_name(in, k)) - symbols.begin());
        in.shape[k] = kSentinels[which][sym];
      }
  return p;
}

format::BundleDesc merge_symbolic(const format::BundleDesc& a, const format::BundleDesc& b,
                                  const std::vector<std::string>& symbols, const StackProgram& program) {
  format::BundleDesc out = a;
  if (a.functions.size() != 1 || b.functions.size() != 1 || a.constants.size() != b.constants.size())
    depends(program, a.functions[0], a.functions[0].code.size(), "a different constant set");
  format::FunctionDesc& f = out.functions[0];
  for (size_t c = 0; c < a.constants.size(); ++c)
    if (a.constants[c].data != b.constants[c].data)
      depends(program, f, reader_of_constant(f, c),
              "constant '" + a.constants[c].name + "' is computed from it: shape arithmetic such as Shape -> Gather -> "
              "Reshape is folded at compile time");
  merge_code(program, f, b.functions[0]);
  merge_attrs(program, b.functions[0], symbols.size(), &f);
  merge_registers(program, b.functions[0], symbols.size(), &f);
  merge_specs(b.inputs, symbols, &out.inputs);
  merge_specs(b.outputs, symbols, &out.outputs);
  // Input dims are symbols by construction; name them as the model did.
  for (format::TensorSpecDesc& t : out.inputs)
    for (size_t k = 0; k < t.shape.size(); ++k)
      if (t.shape[k] < 0 && f.registers[t.reg].shape[k] >= -1)
        throw CompileError(program.source + ": input '" + t.name + "' axis " + std::to_string(k) + " is not a symbol");
  f.symbols = symbols;
  f.arena_bytes = 0;
  f.arena_lower_bound = 0;
  return out;
}

}  // namespace aivm::compiler
