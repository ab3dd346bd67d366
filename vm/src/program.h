// The loaded form of a bundle: what the verifier proved and the interpreter reads. Built once
// per model at load time; immutable afterwards, so sessions on many threads share it.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "aivm.h"
#include "format/dtype.h"
#include "format/reader.h"
#include "kernels/common.h"

namespace aivm::vm {

class SpecCache;

struct RegisterInfo {
  DType dtype = DType::Undefined;
  kernels::Shape shape;
  uint64_t bytes = 0;
  bool is_constant = false;
  uint64_t arena_offset = 0;              // when !is_constant
  const uint8_t* constant_data = nullptr;  // when is_constant: inside the mapped bundle
};

struct Function {
  std::string name;
  const uint64_t* code = nullptr;  // borrowed from the bundle
  size_t code_size = 0;
  std::vector<RegisterInfo> registers;
  const int32_t* attrs = nullptr;  // borrowed from the bundle
  size_t attrs_size = 0;
  std::vector<uint32_t> attr_begin;  // record i = attrs[attr_begin[i], attr_begin[i+1]); one extra end entry
  uint64_t arena_bytes = 0;
  int64_t packed_nr = 0;  // NR of the bundle's pre-packed GEMM weights, 0 if none
  std::vector<std::string> debug_names;  // per instruction; may be empty
  // Per instruction: data prepared at load for this CPU (e.g. CONV's packed weights, owned by
  // the model), or null; empty when no instruction has any.
  std::vector<const void*> prepared;
  // Per instruction, when prepared is not empty: which layout prepared[pc] holds (CONV: its
  // kernels::ConvPacking), so a specialisation whose shapes call for another repacks.
  std::vector<uint8_t> prepared_layout;
  // Dynamic functions (docs/design.md, "Symbolic dimensions"): register dims may be -1
  // (inferred) or -2-k (symbol k); vm/src/specialize.h makes a static copy per input shape.
  std::vector<std::string> symbols;
  std::vector<uint32_t> live_first, live_last;                // per register
  std::vector<std::pair<uint32_t, uint32_t>> attr_symbols;    // (attribute word, symbol)
  bool is_dynamic() const { return !symbols.empty(); }

  const int32_t* record(uint32_t i) const { return attrs + attr_begin[i]; }
  uint32_t record_size(uint32_t i) const { return attr_begin[i + 1] - attr_begin[i]; }
};

struct SignatureEntry {
  std::string name;
  DType dtype = DType::Undefined;
  kernels::Shape shape;  // a symbolic dim is -1
  uint32_t reg = 0;
};

}  // namespace aivm::vm

struct aivm_model_s {
  std::atomic<int> refs{1};
  aivm_allocator_t allocator{};
  aivm::format::MappedFile file;   // when loaded from a path
  void* owned_buffer = nullptr;    // when loaded from memory: our aligned copy
  aivm::format::BundleView view;
  std::vector<aivm::vm::Function> functions;  // [0] is the entry
  std::vector<aivm::vm::SignatureEntry> inputs, outputs;
  // Weights repacked at load for this CPU's GEMM (the bundle was packed for another layout).
  std::vector<std::vector<float>> repacked;
  std::string load_note;  // e.g. why and how weights were repacked; "" when nothing to say
  // Specialisations of a dynamic entry function by input shape; null for a static model.
  std::unique_ptr<aivm::vm::SpecCache> specs;
  ~aivm_model_s();
};
