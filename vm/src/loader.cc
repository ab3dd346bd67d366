// Loader: register tables, attribute indices and the signature, checked before verification.
#include "vm/src/loader.h"

#include <cstring>
#include <string>

#include "isa/attrs.h"
#include "isa/decode.h"
#include "kernels/config/gemm_config.h"
#include "kernels/gemm/gemm.h"
#include "vm/src/op_handlers.h"
#include "vm/src/specialize.h"
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

// A register of a dynamic function whose shape names symbols (-2-k, k < |nsym|) or inferred
// dims (-1): kept as written; its size and place come with each specialisation.
bool dynamic_shape(const flatbuffers::Vector<int64_t>* shape, DType dtype, size_t nsym, kernels::Shape* out) {
  if (nsym == 0 || shape->size() > uint32_t(kernels::kMaxRank) || !aligned_vector(shape) || dtype_size(dtype) == 0)
    return false;
  bool symbolic = false;
  out->rank = int(shape->size());
  for (int i = 0; i < out->rank; ++i) {
    int64_t d = shape->Get(flatbuffers::uoffset_t(i));
    if (d < -1 - int64_t(nsym)) return false;
    symbolic = symbolic || d < 0;
    out->dims[i] = d;
  }
  return symbolic;
}

aivm_status_t load_register(const aivm_model_s& m, const fb::Register* r, uint64_t arena_bytes, size_t nsym, size_t fi,
                            size_t ri, RegisterInfo* out) {
  std::string where = "functions[" + std::to_string(fi) + "].registers[" + std::to_string(ri) + "]";
  out->dtype = DType(r->dtype());
  if (dynamic_shape(r->shape(), out->dtype, nsym, &out->shape)) {
    if (r->storage() != fb::Storage::Arena) return bundle_error(where + ": a constant cannot have symbolic dims");
    return AIVM_OK;
  }
  if (!shape_bytes(r->shape(), out->dtype, &out->shape, &out->bytes))
    return bundle_error(where + ": invalid dtype, rank > 8, misaligned, negative or oversized dims");
  if (r->storage() == fb::Storage::Arena && nsym) return AIVM_OK;  // placed by each specialisation
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

// The dynamic part of function |fi|: symbols, live intervals (checked: they only decide which
// tensors share bytes, never where a tensor may lie), attribute words patched with symbols.
aivm_status_t load_dynamic(const fb::Function* f, size_t fi, Function* out) {
  std::string where = "functions[" + std::to_string(fi) + "]";
  if (!f->symbols() || f->symbols()->size() == 0) return AIVM_OK;
  if (fi != 0) return bundle_error(where + ": only the entry function may have symbolic dims");
  if (f->symbols()->size() > 64) return bundle_error(where + ": more than 64 symbolic dims");
  for (const auto* n : *f->symbols()) out->symbols.push_back(n->str());
  size_t nregs = f->registers()->size();
  if (!f->live_first() || !f->live_last() || f->live_first()->size() != nregs || f->live_last()->size() != nregs)
    return bundle_error(where + ": a dynamic function needs one live interval per register");
  for (size_t i = 0; i < nregs; ++i) {
    uint32_t a = f->live_first()->Get(flatbuffers::uoffset_t(i)), b = f->live_last()->Get(flatbuffers::uoffset_t(i));
    if (a > b || b > (uint32_t(1) << 30))
      return bundle_error(where + ".live_first/last[" + std::to_string(i) + "] = [" + std::to_string(a) + ", " +
                          std::to_string(b) + "] is not an interval of code positions");
    out->live_first.push_back(a);
    out->live_last.push_back(b);
  }
  size_t nwords = f->attr_symbol_words() ? f->attr_symbol_words()->size() : 0;
  if (nwords != (f->attr_symbol_ids() ? f->attr_symbol_ids()->size() : 0))
    return bundle_error(where + ": attr_symbol_words and attr_symbol_ids differ in length");
  for (size_t i = 0; i < nwords; ++i) {
    uint32_t w = f->attr_symbol_words()->Get(flatbuffers::uoffset_t(i)), k = f->attr_symbol_ids()->Get(flatbuffers::uoffset_t(i));
    if (w >= out->attrs_size || k >= out->symbols.size())
      return bundle_error(where + ".attr_symbol_words[" + std::to_string(i) + "]: word " + std::to_string(w) + " or symbol " +
                          std::to_string(k) + " out of range");
    out->attr_symbols.push_back({w, k});
  }
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
  size_t nsym = f->symbols() ? f->symbols()->size() : 0;
  out->registers.resize(f->registers()->size());
  for (flatbuffers::uoffset_t i = 0; i < f->registers()->size(); ++i)
    AIVM_RETURN_IF_ERROR(load_register(m, f->registers()->Get(i), out->arena_bytes, nsym, fi, i, &out->registers[i]));

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
  AIVM_RETURN_IF_ERROR(load_dynamic(f, fi, out));
  // A dynamic function is verified in full per input shape, when it is specialised.
  return out->is_dynamic() ? verify_function_structure(*out, fi) : verify_function(*out, fi);
}

// A signature entry of a dynamic function: a symbolic dim is -1 in the spec, and in an input's
// register it must be a symbol (the inputs' shapes are what binds the symbols).
aivm_status_t load_dynamic_spec(const fb::TensorSpec* t, const RegisterInfo& r, bool input, const std::string& where,
                                SignatureEntry* e) {
  if (t->shape()->size() != size_t(r.shape.rank) || e->dtype != r.dtype || dtype_size(e->dtype) == 0)
    return bundle_error(where + ": dtype or rank disagrees with its register");
  e->shape.rank = r.shape.rank;
  for (int k = 0; k < r.shape.rank; ++k) {
    int64_t d = t->shape()->Get(flatbuffers::uoffset_t(k)), rd = r.shape.dims[k];
    bool ok = d >= 0 ? rd == d : (input ? rd <= -2 : rd < 0);
    if (!ok) return bundle_error(where + ": dim " + std::to_string(k) + " disagrees with its register");
    e->shape.dims[k] = d < 0 ? -1 : d;
  }
  return AIVM_OK;
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
    if (entry.is_dynamic()) {
      AIVM_RETURN_IF_ERROR(load_dynamic_spec(t, r, inputs, where, &e));
    } else {
      uint64_t bytes = 0;
      if (!shape_bytes(t->shape(), e.dtype, &e.shape, &bytes) || e.dtype != r.dtype || bytes != r.bytes)
        return bundle_error(where + ": dtype or shape disagrees with its register");
    }
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

// Every symbol must appear in some input's shape: the inputs are what give the symbols values.
aivm_status_t check_symbols_bound(const aivm_model_s& m) {
  const Function& f = m.functions[0];
  std::vector<bool> bound(f.symbols.size());
  for (const SignatureEntry& e : m.inputs)
    for (int k = 0; k < f.registers[e.reg].shape.rank; ++k)
      if (int64_t d = f.registers[e.reg].shape.dims[k]; d <= -2) bound[size_t(-2 - d)] = true;
  for (size_t k = 0; k < bound.size(); ++k)
    if (!bound[k]) return bundle_error("symbol '" + f.symbols[k] + "' is the dim of no input");
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
  if (m->functions[0].is_dynamic()) {
    AIVM_RETURN_IF_ERROR(check_symbols_bound(*m));
    m->specs.reset(new (std::nothrow) SpecCache);
    if (!m->specs) return make_status(AIVM_STATUS_OUT_OF_MEMORY, "cannot allocate the specialisation cache");
  }
  if (packed_nr > 0 && b->target()->isa()->str() != kernels::gemm_config().packed_b_layout)
    m->load_note = "weights packed for " + b->target()->isa()->str() + ", repacked at load for " +
                   kernels::gemm_config().packed_b_layout;
  // A dynamic function's constants are prepared with its first specialisation, once verified.
  for (Function& f : m->functions)
    if (!f.is_dynamic()) AIVM_RETURN_IF_ERROR(prepare_constants(m, &f));
  return AIVM_OK;
}

aivm_status_t prepare_constants(aivm_model_s* m, Function* f) {
  const fb::Bundle* b = m->view.bundle;
  if (f->packed_nr > 0 && b->target()->isa()->str() != kernels::gemm_config().packed_b_layout) {
    AIVM_RETURN_IF_ERROR(repack_weights(m, f));
    f->packed_nr = int64_t(kernels::gemm_config().nr);  // what the weights are now packed for
  }
  prepare_conv_weights(f, &m->repacked);
  return AIVM_OK;
}

}  // namespace aivm::vm
