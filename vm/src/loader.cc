// Loader: register tables, attribute indices and the signature, checked before verification.
#include "vm/src/loader.h"

#include <string>

#include "vm/src/status.h"
#include "vm/src/verifier.h"

namespace aivm::vm {
namespace {

namespace fb = aivm::fb;

aivm_status_t bundle_error(const std::string& what) { return make_status(AIVM_STATUS_INVALID_BUNDLE, what); }

// The FlatBuffers verifier only proves 4-byte alignment of a vector; 64-bit elements need 8.
// A bundle from aivmc always has it (its buffer is mapped or copied 64-byte aligned).
template <typename T>
bool aligned_vector(const flatbuffers::Vector<T>* v) {
  return v->size() == 0 || reinterpret_cast<uintptr_t>(v->data()) % alignof(T) == 0;  // empty: nothing is read
}

// Element count and byte size of a shape with overflow and sign checks.
bool shape_bytes(const flatbuffers::Vector<int64_t>* shape, DType dtype, kernels::Shape* out, uint64_t* bytes) {
  if (shape->size() > uint32_t(kernels::kMaxRank) || !aligned_vector(shape)) return false;
  out->rank = int(shape->size());
  uint64_t n = dtype_size(dtype);
  if (n == 0) return false;
  for (int i = 0; i < out->rank; ++i) {
    int64_t d = shape->Get(flatbuffers::uoffset_t(i));
    if (d < 0 || (d > 0 && n > (uint64_t(1) << 48) / uint64_t(d))) return false;
    out->dims[i] = d;
    n *= uint64_t(d);
  }
  *bytes = n;
  return true;
}

aivm_status_t load_register(const aivm_model_s& m, const fb::Register* r, uint64_t arena_bytes, size_t fi, size_t ri,
                            RegisterInfo* out) {
  std::string where = "functions[" + std::to_string(fi) + "].registers[" + std::to_string(ri) + "]";
  out->dtype = DType(r->dtype());
  if (!shape_bytes(r->shape(), out->dtype, &out->shape, &out->bytes))
    return bundle_error(where + ": invalid dtype, rank > 8, misaligned, negative or oversized dims");
  if (r->storage() == fb::Storage::Arena) {
    // Arena tensors are 64-byte aligned so vector kernels may use aligned loads.
    if (r->offset() % 64 != 0 || r->offset() > arena_bytes || out->bytes > arena_bytes - r->offset())
      return bundle_error(where + ": arena range [" + std::to_string(r->offset()) + ", +" + std::to_string(out->bytes) +
                          ") is misaligned or exceeds the arena (" + std::to_string(arena_bytes) + " bytes)");
    out->arena_offset = r->offset();
    return AIVM_OK;
  }
  if (r->storage() != fb::Storage::Constant) return bundle_error(where + ": unknown storage kind");
  uint64_t size = 0;
  const uint8_t* data = m.view.bundle->constants() && r->offset() <= UINT32_MAX
                            ? format::constant_data(m.view, uint32_t(r->offset()), &size)
                            : nullptr;
  if (!data) return bundle_error(where + ": constant index " + std::to_string(r->offset()) + " out of range");
  if (size != out->bytes)
    return bundle_error(where + ": constant holds " + std::to_string(size) + " bytes, the register needs " +
                        std::to_string(out->bytes));
  out->is_constant = true;
  out->constant_data = data;
  return AIVM_OK;
}

aivm_status_t load_function(const aivm_model_s& m, const fb::Function* f, size_t fi, Function* out) {
  std::string where = "functions[" + std::to_string(fi) + "]";
  out->name = f->name()->str();
  if (!aligned_vector(f->code())) return bundle_error(where + ": code is not 8-byte aligned");
  out->code = f->code()->data();
  out->code_size = f->code()->size();
  out->arena_bytes = f->arena_bytes();
  if (out->arena_bytes > (uint64_t(1) << 40)) return bundle_error(where + ": arena size is implausible");
  if (f->registers()->size() > isa::kFieldMax + 1)
    return bundle_error(where + ": more registers than an instruction can address");
  out->registers.resize(f->registers()->size());
  for (flatbuffers::uoffset_t i = 0; i < f->registers()->size(); ++i)
    AIVM_RETURN_IF_ERROR(load_register(m, f->registers()->Get(i), out->arena_bytes, fi, i, &out->registers[i]));

  out->attrs = f->attrs() ? f->attrs()->data() : nullptr;
  out->attrs_size = f->attrs() ? f->attrs()->size() : 0;
  uint32_t prev = 0;
  if (f->attr_offsets()) {
    for (flatbuffers::uoffset_t i = 0; i < f->attr_offsets()->size(); ++i) {
      uint32_t off = f->attr_offsets()->Get(i);
      if (off < prev || off > out->attrs_size)
        return bundle_error(where + ".attr_offsets[" + std::to_string(i) + "] = " + std::to_string(off) +
                            " is not ascending within the attribute pool (" + std::to_string(out->attrs_size) + ")");
      out->attr_begin.push_back(off);
      prev = off;
    }
  }
  out->attr_begin.push_back(uint32_t(out->attrs_size));
  if (f->debug_names() && f->debug_names()->size() == out->code_size)
    for (const auto* n : *f->debug_names()) out->debug_names.push_back(n->str());
  return verify_function(*out, fi);
}

aivm_status_t load_signature(const flatbuffers::Vector<flatbuffers::Offset<fb::TensorSpec>>* specs, const Function& entry,
                             bool inputs, std::vector<SignatureEntry>* out) {
  const char* kind = inputs ? "inputs" : "outputs";
  for (flatbuffers::uoffset_t i = 0; i < specs->size(); ++i) {
    const fb::TensorSpec* t = specs->Get(i);
    std::string where = std::string(kind) + "[" + std::to_string(i) + "] '" + t->name()->str() + "'";
    if (t->register_() >= entry.registers.size()) return bundle_error(where + ": register out of range");
    const RegisterInfo& r = entry.registers[t->register_()];
    SignatureEntry e;
    e.name = t->name()->str();
    e.dtype = DType(t->dtype());
    e.reg = t->register_();
    uint64_t bytes = 0;
    if (!shape_bytes(t->shape(), e.dtype, &e.shape, &bytes) || e.dtype != r.dtype || bytes != r.bytes)
      return bundle_error(where + ": dtype or shape disagrees with its register");
    if (inputs && r.is_constant) return bundle_error(where + ": an input cannot live in a constant");
    out->push_back(e);
  }
  return AIVM_OK;
}

}  // namespace

aivm_status_t load_program(aivm_model_s* m) {
  const fb::Bundle* b = m->view.bundle;
  if (b->isa_major() != isa::kVersionMajor || b->isa_minor() > isa::kVersionMinor)
    return make_status(AIVM_STATUS_UNSUPPORTED, "bundle ISA %u.%u is not supported by this runtime (%u.%u)",
                       unsigned(b->isa_major()), unsigned(b->isa_minor()), unsigned(isa::kVersionMajor),
                       unsigned(isa::kVersionMinor));
  m->functions.resize(b->functions()->size());
  for (flatbuffers::uoffset_t i = 0; i < b->functions()->size(); ++i)
    AIVM_RETURN_IF_ERROR(load_function(*m, b->functions()->Get(i), i, &m->functions[i]));
  AIVM_RETURN_IF_ERROR(load_signature(b->inputs(), m->functions[0], true, &m->inputs));
  return load_signature(b->outputs(), m->functions[0], false, &m->outputs);
}

}  // namespace aivm::vm
