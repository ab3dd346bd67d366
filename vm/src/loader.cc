// Loader: register tables, attribute indices and the signature, checked before verification.
#include "vm/src/loader.h"

#include <cstring>
#include <string>

#include "isa/attrs.h"
#include "isa/decode.h"
#include "kernels/config/gemm_config.h"
#include "kernels/gemm/gemm.h"
#include "vm/src/op_handlers.h"
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

aivm_status_t load_function(const aivm_model_s& m, const fb::Function* f, size_t fi, int64_t packed_nr, Function* out) {
  std::string where = "functions[" + std::to_string(fi) + "]";
  out->packed_nr = packed_nr;
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

// NR of a "<isa>-nr<NR>" packed-layout name, or 0.
int64_t packed_layout_nr(const flatbuffers::String* isa) {
  if (!isa) return 0;
  std::string s = isa->str();
  size_t at = s.rfind("-nr");
  if (at == std::string::npos || at + 3 >= s.size() || s.size() - at > 7) return 0;
  int64_t nr = 0;
  for (size_t i = at + 3; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return 0;
    nr = nr * 10 + (s[i] - '0');
  }
  return nr <= 256 ? nr : 0;
}

// Rewrites every pre-packed GEMM weight of |f| from the bundle's layout (f->packed_nr) into
// this CPU's (kernels/gemm/gemm.h: panels of K x NR floats), in model-owned memory. Runs after
// verification, so each GEMM's sizes agree with its weight; a weight shared by GEMMs of
// different K x N (which fit the old layout but need not fit the new) is rejected.
aivm_status_t repack_weights(aivm_model_s* m, Function* f) {
  const kernels::GemmConfig& cfg = kernels::gemm_config();
  const int64_t from_nr = f->packed_nr;
  std::vector<std::pair<int64_t, int64_t>> done(f->registers.size(), {-1, -1});  // (K, N) per register
  for (size_t pc = 0; pc < f->code_size; ++pc) {
    isa::Instr in = isa::decode(f->code[pc]);
    if (in.op != isa::Opcode::GEMM) continue;
    isa::GemmAttrs g;
    std::memcpy(&g, f->record(in.d), sizeof(g));
    if (!g.packed_b) continue;
    const RegisterInfo& a = f->registers[in.b];
    const int64_t k = g.trans_a ? a.shape.dims[0] : a.shape.dims[1], n = f->registers[in.a].shape.dims[1];
    if (done[in.c].first >= 0) {
      if (done[in.c] != std::pair{k, n})
        return bundle_error("code[" + std::to_string(pc) + "] (gemm): pre-packed weight r" + std::to_string(in.c) +
                            " is shared by GEMMs of different shapes");
      continue;
    }
    done[in.c] = {k, n};
    RegisterInfo& b = f->registers[in.c];
    const float* src = reinterpret_cast<const float*>(b.constant_data);
    std::vector<float> plain(size_t(k * n));
    for (int64_t col = 0; col < n; ++col)
      for (int64_t row = 0; row < k; ++row)
        plain[size_t(row * n + col)] = src[(col / from_nr) * k * from_nr + row * from_nr + col % from_nr];
    std::vector<float> packed(kernels::gemm_packed_b_bytes(cfg, n, k) / 4);
    kernels::gemm_pack_b(cfg, false, n, k, plain.data(), n, packed.data());
    b.bytes = packed.size() * 4;
    b.shape.dims[0] = int64_t(packed.size());
    b.constant_data = reinterpret_cast<const uint8_t*>(packed.data());
    m->repacked.push_back(std::move(packed));  // the vector's buffer moves, its address stays
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
  int64_t packed_nr = 0;
  if (b->target() && b->target()->packed_weights()) {
    packed_nr = packed_layout_nr(b->target()->isa());
    if (packed_nr <= 0) return bundle_error("target.isa does not name a packed layout (\"<isa>-nr<NR>\")");
  }
  m->functions.resize(b->functions()->size());
  for (flatbuffers::uoffset_t i = 0; i < b->functions()->size(); ++i)
    AIVM_RETURN_IF_ERROR(load_function(*m, b->functions()->Get(i), i, packed_nr, &m->functions[i]));
  AIVM_RETURN_IF_ERROR(load_signature(b->inputs(), m->functions[0], true, &m->inputs));
  AIVM_RETURN_IF_ERROR(load_signature(b->outputs(), m->functions[0], false, &m->outputs));
  if (packed_nr > 0 && b->target()->isa()->str() != kernels::gemm_config().packed_b_layout) {
    for (Function& f : m->functions) AIVM_RETURN_IF_ERROR(repack_weights(m, &f));
    m->load_note = "weights packed for " + b->target()->isa()->str() + ", repacked at load for " +
                   kernels::gemm_config().packed_b_layout;
  }
  for (Function& f : m->functions) prepare_conv_weights(m, &f);
  return AIVM_OK;
}

}  // namespace aivm::vm
