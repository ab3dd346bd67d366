// `aivm dis` and `aivm inspect`: read a bundle's container with format/reader.h (FlatBuffers
// verified, bytecode not) and print it. The disassembler tolerates unverified bytecode.
#include <cstdio>
#include <string>
#include <vector>

#include "aivm.h"
#include "format/reader.h"
#include "isa/disasm.h"
#include "isa/isa.h"
#include "tools/aivm/commands.h"

namespace aivm::tools {

const char kDisHelp[] =
    "usage: aivm dis BUNDLE\n"
    "\n"
    "Prints every function's register table (as comments) and instructions, one per line\n"
    "with its index and source node. The listing reads back with the register assembler.\n";

const char kInspectHelp[] =
    "usage: aivm inspect BUNDLE\n"
    "\n"
    "Prints the bundle's format and ISA versions, producer, source model, target, inputs and\n"
    "outputs, each function's instruction and register counts, the constants and the arena.\n";

namespace {

void open_or_fail(const std::string& path, format::MappedFile* file, format::BundleView* view) {
  std::string error;
  if (format::open_bundle(path, file, view, &error)) return;
  if (error.find(path) == std::string::npos) error = "'" + path + "': " + error;
  runtime_error(error);
}

const char* str(const flatbuffers::String* s) { return s ? s->c_str() : ""; }

std::string dtype_str(fb::DType t) { return aivm_dtype_name(static_cast<aivm_dtype_t>(t)); }

std::string shape_str(const flatbuffers::Vector<int64_t>* shape,
                      const flatbuffers::Vector<flatbuffers::Offset<flatbuffers::String>>* names) {
  std::string s = "[";
  for (flatbuffers::uoffset_t i = 0; shape && i < shape->size(); ++i) {
    if (i) s += ", ";
    int64_t d = shape->Get(i);
    if (d >= 0) {
      s += std::to_string(d);
    } else {
      const char* n = names && i < names->size() ? str(names->Get(i)) : "";
      s += *n ? n : "?";
    }
  }
  return s + "]";
}

void print_specs(const char* title,
                 const flatbuffers::Vector<flatbuffers::Offset<fb::TensorSpec>>* specs) {
  std::printf("%s (%u):\n", title, specs ? specs->size() : 0);
  for (flatbuffers::uoffset_t i = 0; specs && i < specs->size(); ++i) {
    const fb::TensorSpec* t = specs->Get(i);
    std::printf("  %-24s %-5s %s  (r%u)\n", str(t->name()), dtype_str(t->dtype()).c_str(),
                shape_str(t->shape(), t->dim_names()).c_str(), t->register_());
  }
}

void print_register_table(const fb::Function* f) {
  const auto* regs = f->registers();
  for (flatbuffers::uoffset_t i = 0; regs && i < regs->size(); ++i) {
    const fb::Register* r = regs->Get(i);
    bool constant = r->storage() == fb::Storage::Constant;
    std::printf("; r%-5u %-5s %-24s %s%llu\n", i, dtype_str(r->dtype()).c_str(),
                shape_str(r->shape(), nullptr).c_str(), constant ? "constant #" : "arena+",
                static_cast<unsigned long long>(r->offset()));
  }
}

void print_function_code(const fb::Function* f) {
  const auto* code = f->code();
  const auto* attrs = f->attrs();
  const auto* offsets = f->attr_offsets();
  const auto* names = f->debug_names();
  size_t n = code ? code->size() : 0;
  // debug_names may be shorter than code (or absent): pad with nulls to n entries.
  std::vector<const char*> name_ptrs(n, nullptr);
  for (size_t i = 0; names && i < n && i < names->size(); ++i) name_ptrs[i] = str(names->Get(uint32_t(i)));
  std::string text = isa::disassemble_function(
      code ? code->data() : nullptr, n, attrs ? attrs->data() : nullptr, attrs ? attrs->size() : 0,
      offsets ? offsets->data() : nullptr, offsets ? offsets->size() : 0, name_ptrs.data());
  std::fputs(text.c_str(), stdout);
}

}  // namespace

int dis_command(const std::vector<std::string>& argv) {
  Args args("dis", argv, {}, {});
  if (args.help()) return std::fputs(kDisHelp, stdout), 0;
  std::string path = bundle_argument(args, "dis");
  format::MappedFile file;
  format::BundleView view;
  open_or_fail(path, &file, &view);
  const auto* functions = view.bundle->functions();
  for (flatbuffers::uoffset_t i = 0; i < functions->size(); ++i) {
    const fb::Function* f = functions->Get(i);
    if (i) std::printf("\n");
    std::printf("; function %u '%s': %u instructions, %u registers, %u attribute records\n", i,
                str(f->name()), f->code() ? f->code()->size() : 0,
                f->registers() ? f->registers()->size() : 0,
                f->attr_offsets() ? f->attr_offsets()->size() : 0);
    print_register_table(f);
    print_function_code(f);
  }
  return 0;
}

int inspect_command(const std::vector<std::string>& argv) {
  Args args("inspect", argv, {}, {});
  if (args.help()) return std::fputs(kInspectHelp, stdout), 0;
  std::string path = bundle_argument(args, "inspect");
  format::MappedFile file;
  format::BundleView view;
  open_or_fail(path, &file, &view);
  const fb::Bundle* b = view.bundle;

  std::printf("bundle     %s (%zu bytes)\n", path.c_str(), file.size());
  std::printf("format     %u.%u\n", b->format_major(), b->format_minor());
  std::printf("isa        %u.%u (this runner: %u.%u)\n", b->isa_major(), b->isa_minor(),
              isa::kVersionMajor, isa::kVersionMinor);
  std::printf("producer   %s\n", str(b->producer()));
  std::printf("source     %s\n", str(b->source()));
  const fb::Target* t = b->target();
  std::printf("target     %s%s\n", t ? str(t->isa()) : "(none)",
              t && t->packed_weights() ? ", packed weights" : "");
  print_specs("inputs", b->inputs());
  print_specs("outputs", b->outputs());

  const auto* functions = b->functions();
  std::printf("functions (%u):\n", functions->size());
  for (flatbuffers::uoffset_t i = 0; i < functions->size(); ++i) {
    const fb::Function* f = functions->Get(i);
    std::printf("  %u %-20s %u instructions, %u registers, arena %llu bytes (lower bound %llu)\n",
                i, str(f->name()), f->code() ? f->code()->size() : 0,
                f->registers() ? f->registers()->size() : 0,
                static_cast<unsigned long long>(f->arena_bytes()),
                static_cast<unsigned long long>(f->arena_lower_bound()));
  }

  const auto* constants = b->constants();
  unsigned long long const_bytes = 0;
  for (flatbuffers::uoffset_t i = 0; constants && i < constants->size(); ++i)
    const_bytes += constants->Get(i)->size();
  std::printf("constants  %u, %llu bytes (data segment %llu bytes at offset %llu)\n",
              constants ? constants->size() : 0, const_bytes,
              static_cast<unsigned long long>(b->data_size()),
              static_cast<unsigned long long>(b->data_offset()));
  const fb::Function* entry = functions->Get(0);  // the reader guarantees at least one
  if (entry->symbols() && entry->symbols()->size()) {
    std::string names;
    for (const auto* n : *entry->symbols()) names += (names.empty() ? "" : ", ") + n->str();
    std::printf("arena      planned at run time for each input shape (symbolic dims: %s)\n", names.c_str());
    return 0;
  }
  std::printf("arena      %llu bytes planned, lower bound %llu bytes\n",
              static_cast<unsigned long long>(entry->arena_bytes()),
              static_cast<unsigned long long>(entry->arena_lower_bound()));
  return 0;
}

}  // namespace aivm::tools
