// Specialisation of a dynamic function: bind, infer, plan, verify (vm/src/specialize.h).
#include "vm/src/specialize.h"

#include <new>
#include <string>

#include "format/memory_plan.h"
#include "vm/src/loader.h"
#include "vm/src/op_handlers.h"
#include "vm/src/status.h"
#include "vm/src/verifier.h"
#include "vm/src/verify_util.h"

namespace aivm::vm {
namespace {

inline constexpr uint64_t kMaxArenaBytes = uint64_t(1) << 40;  // the loader's bound for static bundles

aivm_status_t shape_error(const std::string& what) { return make_status(AIVM_STATUS_INVALID_ARGUMENT, what); }

// Symbol values from the inputs' dims (|key|, in signature order). Inputs that share a symbol
// must agree.
aivm_status_t bind_symbols(const aivm_model_s& m, const std::vector<int64_t>& key, std::vector<int64_t>* values) {
  const Function& f = m.functions[0];
  values->assign(f.symbols.size(), -1);
  size_t at = 0;
  for (const SignatureEntry& e : m.inputs) {
    const kernels::Shape& rs = f.registers[e.reg].shape;
    for (int k = 0; k < rs.rank; ++k, ++at) {
      if (rs.dims[k] > -2) continue;
      int64_t& v = (*values)[size_t(-2 - rs.dims[k])];
      if (v >= 0 && v != key[at])
        return shape_error("input '" + e.name + "' axis " + std::to_string(k) + " is " + std::to_string(key[at]) +
                           ", but another input gives symbolic dim '" + f.symbols[size_t(-2 - rs.dims[k])] + "' " +
                           std::to_string(v));
      if (key[at] > INT32_MAX) return shape_error("input '" + e.name + "' axis " + std::to_string(k) + " is too large");
      v = key[at];
    }
  }
  return AIVM_OK;
}

// Symbols replaced by their values; inferred dims left unknown (0 until a rule binds them).
void resolve_registers(Function* f, const std::vector<int64_t>& sym, Inference* infer) {
  infer->regs = &f->registers;
  infer->unknown.assign(f->registers.size(), 0);
  for (size_t r = 0; r < f->registers.size(); ++r) {
    RegisterInfo& reg = f->registers[r];
    uint64_t bytes = dtype_size(reg.dtype);
    for (int k = 0; k < reg.shape.rank; ++k) {
      int64_t& d = reg.shape.dims[k];
      if (d == -1) infer->unknown[r] |= uint8_t(1u << k);
      d = d == -1 ? 0 : d <= -2 ? sym[size_t(-2 - d)] : d;
      // Saturating: check_sizes rejects what does not fit once every dim is known.
      bytes = d > 0 && bytes > (uint64_t(1) << 62) / uint64_t(d) ? uint64_t(1) << 62 : bytes * uint64_t(d);
    }
    if (!reg.is_constant) reg.bytes = infer->unknown[r] ? 0 : bytes;
  }
}

// Arena offsets from the live intervals, greedy by size like the compiler's plan.
aivm_status_t plan_arena(Function* f) {
  std::vector<format::Lifetime> lifetimes;
  std::vector<size_t> regs;
  for (size_t r = 0; r < f->registers.size(); ++r) {
    const RegisterInfo& reg = f->registers[r];
    if (reg.is_constant) continue;
    if (reg.bytes > kMaxArenaBytes)
      return shape_error("register r" + std::to_string(r) + " would take " + std::to_string(reg.bytes) +
                         " bytes at these input shapes");
    lifetimes.push_back({reg.bytes, f->live_first[r], f->live_last[r]});
    regs.push_back(r);
  }
  format::MemoryPlan plan = format::plan_memory(lifetimes);
  if (plan.arena_bytes > kMaxArenaBytes)
    return shape_error("the arena would take " + std::to_string(plan.arena_bytes) + " bytes at these input shapes");
  for (size_t i = 0; i < regs.size(); ++i) f->registers[regs[i]].arena_offset = plan.offsets[i];
  f->arena_bytes = plan.arena_bytes;
  return AIVM_OK;
}

// Checks every register's final size once more against the loader's rule (dims >= 0, no overflow).
aivm_status_t check_sizes(const Function& f) {
  for (size_t r = 0; r < f.registers.size(); ++r) {
    const RegisterInfo& reg = f.registers[r];
    uint64_t n = dtype_size(reg.dtype);
    for (int k = 0; k < reg.shape.rank; ++k) {
      int64_t d = reg.shape.dims[k];
      if (d < 0 || (d > 0 && n > (uint64_t(1) << 48) / uint64_t(d)))
        return shape_error("register r" + std::to_string(r) + " is too large at these input shapes");
      n *= uint64_t(d);
    }
    if (!reg.is_constant && n != reg.bytes) return shape_error("register r" + std::to_string(r) + " has an inconsistent size");
  }
  return AIVM_OK;
}

aivm_status_t specialize(const aivm_model_s& m, const std::vector<int64_t>& key, Specialization* s) {
  std::vector<int64_t> sym;
  AIVM_RETURN_IF_ERROR(bind_symbols(m, key, &sym));
  s->f = m.functions[0];
  s->attrs.assign(s->f.attrs, s->f.attrs + s->f.attrs_size);
  for (auto [word, k] : s->f.attr_symbols) s->attrs[word] = int32_t(sym[k]);
  s->f.attrs = s->attrs.data();
  Inference infer;
  resolve_registers(&s->f, sym, &infer);
  AIVM_RETURN_IF_ERROR(infer_function_shapes(&s->f, &infer));
  AIVM_RETURN_IF_ERROR(check_sizes(s->f));
  AIVM_RETURN_IF_ERROR(plan_arena(&s->f));
  return verify_function(s->f, 0);  // the proof: nothing inference bound is trusted
}

std::string key_str(const std::vector<int64_t>& key) {
  std::string s;
  for (size_t i = 0; i < key.size(); ++i) s += (i ? "," : "") + std::to_string(key[i]);
  return s;
}

}  // namespace

aivm_status_t SpecCache::get(aivm_model_s* m, const std::vector<int64_t>& key, std::shared_ptr<const Specialization>* out) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = map_.find(key);
  if (it != map_.end()) {
    *out = it->second;
    return AIVM_OK;
  }
  auto s = std::shared_ptr<Specialization>(new (std::nothrow) Specialization);
  if (!s) return make_status(AIVM_STATUS_OUT_OF_MEMORY, "cannot allocate a specialisation");
  aivm_status_t st = specialize(*m, key, s.get());
  if (st != AIVM_OK) {
    std::string msg = "specialising for input dims [" + key_str(key) + "]: " + aivm_status_message(st);
    aivm_status_code_t code = aivm_status_code(st);
    aivm_status_free(st);
    return make_status(code, msg);
  }
  if (!constants_prepared_) {
    // Packed weights are made once, from the first verified specialisation, and handed to the
    // later ones; a conv's layout depends on its output size too (Winograd needs tiles
    // enough), so a later shape packs its own where the layout differs.
    AIVM_RETURN_IF_ERROR(prepare_constants(m, &s->f));
    Function& base = m->functions[0];
    for (size_t r = 0; r < base.registers.size(); ++r)
      if (base.registers[r].is_constant) base.registers[r] = s->f.registers[r];
    base.packed_nr = s->f.packed_nr;
    base.prepared = s->f.prepared;
    base.prepared_layout = s->f.prepared_layout;
    constants_prepared_ = true;
  } else {
    prepare_conv_weights(&s->f, &s->packed);
  }
  if (order_.size() >= kMaxEntries) {
    map_.erase(order_.front());
    order_.pop_front();
  }
  map_.emplace(key, s);
  order_.push_back(key);
  *out = std::move(s);
  return AIVM_OK;
}

size_t SpecCache::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return map_.size();
}

}  // namespace aivm::vm

aivm_model_s::~aivm_model_s() = default;  // here, where SpecCache is complete
