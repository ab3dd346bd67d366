// Bundle writer: serialises a compiled program into a .aivm file (layout in format/aivm.fbs).
// The file is written to a temporary name beside the destination and renamed into place, so
// a failure never leaves a half-written bundle nor clobbers an existing one.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "format/dtype.h"

namespace aivm::format {

struct TensorSpecDesc {
  std::string name;
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  std::vector<std::string> dim_names;  // empty, or one per dim ("" when static)
  uint32_t reg = 0;
};

enum class StorageKind : uint8_t { Arena = 0, Constant = 1 };

struct RegisterDesc {
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  StorageKind storage = StorageKind::Arena;
  uint64_t offset = 0;  // arena byte offset, or constant index
};

struct FunctionDesc {
  std::string name = "main";
  std::vector<uint64_t> code;
  std::vector<RegisterDesc> registers;
  std::vector<int32_t> attrs;
  std::vector<uint32_t> attr_offsets;
  uint64_t arena_bytes = 0;
  uint64_t arena_lower_bound = 0;
  std::vector<std::string> debug_names;  // empty or one per instruction
  // Dynamic functions (format 1.1, aivm.fbs): symbol names, per-register live intervals, and
  // attribute words that hold a symbol's value. All empty for a static function.
  std::vector<std::string> symbols;
  std::vector<uint32_t> live_first, live_last;
  std::vector<uint32_t> attr_symbol_words, attr_symbol_ids;
};

struct ConstantDesc {
  std::string name;
  std::vector<uint8_t> data;
};

struct BundleDesc {
  std::string producer;
  std::string source;
  std::string target_isa = "portable";
  bool packed_weights = false;
  std::vector<TensorSpecDesc> inputs;
  std::vector<TensorSpecDesc> outputs;
  std::vector<FunctionDesc> functions;  // functions[0] is the entry
  std::vector<ConstantDesc> constants;
};

// Serialises |desc| into memory (the exact bytes write_bundle puts on disk).
std::vector<uint8_t> serialize_bundle(const BundleDesc& desc);

// Writes |desc| to |path| atomically. Returns false and sets |error| on failure, leaving any
// existing file at |path| untouched.
bool write_bundle(const BundleDesc& desc, const std::string& path, std::string* error);

}  // namespace aivm::format
