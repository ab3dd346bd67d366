// Linear algebra: matmul (numpy semantics) and gemm (the superinstruction with a fused
// bias/scale/activation epilogue).
#include "kernels/config/gemm_config.h"
#include "kernels/gemm/gemm.h"
#include "vm/src/op_handlers.h"
#include "vm/src/verify_util.h"

namespace aivm::vm {

aivm_status_t verify_MATMUL(const Site& s, const isa::Instr& in) {
  AIVM_RETURN_IF_ERROR(require_writable(s, in.a));
  for (auto [r, name] : {std::pair{in.a, "A"}, {in.b, "B"}, {in.c, "C"}}) AIVM_RETURN_IF_ERROR(require_f32(s, r, name));
  Dims out;
  if (!isa::matmul_shape(dims_of(s.reg(in.b)), dims_of(s.reg(in.c)), &out))
    return s.error("shapes " + dims_str(dims_of(s.reg(in.b))) + " and " + dims_str(dims_of(s.reg(in.c))) +
                   " cannot be multiplied");
  return require_shape(s, in.a, out);
}

const uint64_t* exec_MATMUL(const Frame& fr, uint64_t w, const uint64_t* next) {
  uint32_t a = AIVM_FIELD_A(w), b = AIVM_FIELD_B(w), c = AIVM_FIELD_C(w);
  kernels::matmul_f32(fr.shape(b), fr.f32(b), fr.shape(c), fr.f32(c), fr.shape(a), fr.f32(a), fr.pool);
  return next;
}

// A pre-packed op(B) (kernels/gemm/gemm.h layout): a constant of ceil(N/NR) panels of K x NR
// floats, NR taken from the bundle's target.
aivm_status_t verify_packed_b(const Site& s, const isa::GemmAttrs& g, const RegisterInfo& b, int64_t k, int64_t n) {
  if (g.packed_b != 1 || g.trans_b != 0) return s.error("packed_b must be 0 or 1, and trans_b 0 when it is 1");
  if (s.f.packed_nr <= 0) return s.error("B is pre-packed but the bundle's target names no packed layout");
  if (!b.is_constant || b.shape.rank != 1) return s.error("a pre-packed B must be a 1-D constant");
  uint64_t panels = uint64_t((n + s.f.packed_nr - 1) / s.f.packed_nr);
  if (b.bytes != panels * uint64_t(k) * uint64_t(s.f.packed_nr) * 4)
    return s.error("pre-packed B holds " + std::to_string(b.bytes) + " bytes, K=" + std::to_string(k) + " N=" +
                   std::to_string(n) + " NR=" + std::to_string(s.f.packed_nr) + " need " +
                   std::to_string(panels * uint64_t(k) * uint64_t(s.f.packed_nr) * 4));
  return AIVM_OK;
}

aivm_status_t verify_GEMM(const Site& s, const isa::Instr& in) {
  isa::GemmAttrs g;
  AIVM_RETURN_IF_ERROR(read_record(s, in.d, &g));
  AIVM_RETURN_IF_ERROR(require_writable(s, in.a));
  for (auto [r, name] : {std::pair{in.a, "A"}, {in.b, "B"}, {in.c, "C"}}) AIVM_RETURN_IF_ERROR(require_f32(s, r, name));
  AIVM_RETURN_IF_ERROR(check_activation(s, g.act));
  AIVM_RETURN_IF_ERROR(check_bias(s, g.bias));
  const RegisterInfo &a = s.reg(in.b), &b = s.reg(in.c), &y = s.reg(in.a);
  if (a.shape.rank != 2 || y.shape.rank != 2) return s.error("A and the result must be 2-D");
  int64_t m = g.trans_a ? a.shape.dims[1] : a.shape.dims[0];
  int64_t ka = g.trans_a ? a.shape.dims[0] : a.shape.dims[1];
  // N from B (the result's shape is what is being proven); a packed B cannot say, but its N is
  // a weight's extent, static even in a dynamic function.
  int64_t n = g.packed_b || b.shape.rank != 2 ? y.shape.dims[1] : g.trans_b ? b.shape.dims[0] : b.shape.dims[1];
  if (g.packed_b) {
    AIVM_RETURN_IF_ERROR(verify_packed_b(s, g, b, ka, n));
  } else {
    if (b.shape.rank != 2) return s.error("B must be 2-D");
    int64_t kb = g.trans_b ? b.shape.dims[1] : b.shape.dims[0];
    if ((g.trans_b ? b.shape.dims[0] : b.shape.dims[1]) != n) return s.error("B's columns differ from the result's");
    if (ka != kb) return s.error("inner dimensions differ (" + std::to_string(ka) + " vs " + std::to_string(kb) + ")");
  }
  if (g.bias != isa::kNoRegister) {
    Dims out;
    Dims bias_dims = dims_of(s.reg(uint32_t(g.bias)));
    // Unidirectional broadcast: the bias must broadcast to [M, N] without growing it.
    if (bias_dims.size() > 2 || !isa::broadcast_shapes(bias_dims, {m, n}, &out) || out != Dims{m, n})
      return s.error("bias shape " + dims_str(bias_dims) + " does not broadcast to [M, N]");
  }
  return require_shape(s, in.a, {m, n});
}

const uint64_t* exec_GEMM(const Frame& fr, uint64_t w, const uint64_t* next) {
  uint32_t a = AIVM_FIELD_A(w), b = AIVM_FIELD_B(w), c = AIVM_FIELD_C(w);
  isa::GemmAttrs g = exec_record<isa::GemmAttrs>(fr, AIVM_FIELD_D(w));
  const kernels::Shape &sa = fr.shape(b), &sb = fr.shape(c);
  int64_t m = g.trans_a ? sa.dims[1] : sa.dims[0];
  int64_t k = g.trans_a ? sa.dims[0] : sa.dims[1];
  int64_t n = fr.shape(a).dims[1];
  kernels::GemmEpilogue ep;
  ep.alpha = isa::bits_float(g.alpha_bits);
  ep.beta = isa::bits_float(g.beta_bits);
  ep.act = kernel_activation(g.act);
  if (g.bias != isa::kNoRegister) {
    // Broadcast of a rank <= 2 bias to [M, N] as strides (verified to be unidirectional).
    const kernels::Shape& bs = fr.shape(uint32_t(g.bias));
    ep.bias = fr.f32(uint32_t(g.bias));
    int64_t rows = bs.rank == 2 ? bs.dims[0] : 1, cols = bs.rank >= 1 ? bs.dims[bs.rank - 1] : 1;
    ep.bias_row_stride = rows == 1 ? 0 : cols;
    ep.bias_col_stride = cols == 1 ? 0 : 1;
  }
  if (g.packed_b) {
    // ok because loaded: the loader repacked B for this CPU's configuration if the bundle's differed
    kernels::gemm_f32_prepacked_b(kernels::gemm_config(), g.trans_a != 0, m, n, k, fr.f32(b), sa.dims[1], fr.f32(c),
                                  fr.f32(a), n, ep, fr.pool);
  } else {
    kernels::gemm_f32(g.trans_a != 0, g.trans_b != 0, m, n, k, fr.f32(b), sa.dims[1], fr.f32(c), sb.dims[1], fr.f32(a),
                      n, ep, fr.pool);
  }
  return next;
}

}  // namespace aivm::vm
