// QuantizeLinear / DequantizeLinear: per element, the scale and zero point its layout picks,
// arithmetic in float (as ONNX's reference and ONNX Runtime do), values in and out through
// CAST's conversions so every dtype rounds and saturates the one way. Rows of the outer
// dimension split across the pool.
#include <cassert>
#include <cmath>
#include <limits>

#include "kernels/elementwise/broadcast.h"
#include "kernels/elementwise/scalar_ops.h"

namespace aivm::kernels {
namespace {

using namespace ew;

// Element i of |data| (of dtype t) as float.
float value_at(DType t, const void* data, int64_t i) {
  float v = 0.f;
  dispatch_dtype(t, [&](auto d) { v = convert<d, DType::F32>(static_cast<const elem_t<d>*>(data)[i]); });
  return v;
}

// Stores |v| as element i of |data| (of dtype t), converted as CAST converts.
void store_at(DType t, void* data, int64_t i, double v, uint32_t options) {
  const CastMode mode = cast_mode(options);
  dispatch_dtype(t, [&](auto d) { static_cast<elem_t<d>*>(data)[i] = convert<DType::F64, d>(v, mode); });
}

// The integer range a quantized integer dtype saturates to.
void int_range(DType t, double* lo, double* hi) {
  dispatch_dtype(t, [&](auto d) {
    if constexpr (sub_byte_bits(d) != 0) {
      constexpr int kBits = sub_byte_bits(d);
      *lo = std::is_signed_v<elem_t<d>> ? -double(1 << (kBits - 1)) : 0.0;
      *hi = std::is_signed_v<elem_t<d>> ? double((1 << (kBits - 1)) - 1) : double((1 << kBits) - 1);
    } else if constexpr (is_integer(d)) {
      *lo = double(std::numeric_limits<elem_t<d>>::lowest());
      *hi = double(std::numeric_limits<elem_t<d>>::max());
    }
  });
}

// Calls f(flat index, scale / zero-point index) for every element, rows over the pool.
template <typename F>
void for_each_element(const QuantLayout& l, ThreadPool* pool, F&& f) {
  parallel_for(pool, l.outer, [&](int64_t o0, int64_t o1) {
    for (int64_t o = o0; o < o1; ++o)
      for (int64_t k = 0; k < l.n; ++k) {
        const int64_t row = (o * l.n + k) * l.inner, q = o * l.stride_o + (k / l.block) * l.stride_k;
        for (int64_t i = 0; i < l.inner; ++i) f(row + i, q + i * l.stride_i);
      }
  });
}

}  // namespace

bool quantized_dtype(DType t) {
  return t == DType::I8 || t == DType::U8 || t == DType::I16 || t == DType::U16 || sub_byte_bits(t) != 0 ||
         (is_narrow_float(t) && t != DType::F8E8M0);
}
bool quant_real_dtype(DType t) { return t == DType::F32 || t == DType::F16 || t == DType::BF16; }

void quantize(DType x_dtype, DType scale_dtype, DType y_dtype, const QuantLayout& layout, const void* x,
              const void* scale, const void* zero_point, void* y, uint32_t options, ThreadPool* pool) {
  assert(quant_real_dtype(x_dtype) && quant_real_dtype(scale_dtype) && quantized_dtype(y_dtype));
  const bool is_float = is_narrow_float(y_dtype);
  double lo = 0, hi = 0;
  if (!is_float) int_range(y_dtype, &lo, &hi);
  for_each_element(layout, pool, [&](int64_t e, int64_t q) {
    const float scaled = value_at(x_dtype, x, e) / value_at(scale_dtype, scale, q);
    // Float8 zero points are 0 by definition; f4e2m1's is added like an integer one.
    const bool adds_zero_point = zero_point && (!is_float || y_dtype == DType::F4E2M1);
    const double zp = adds_zero_point ? double(value_at(y_dtype, zero_point, q)) : 0.0;
    if (is_float) {
      store_at(y_dtype, y, e, double(scaled) + zp, options);
    } else {
      double v = std::isnan(scaled) ? zp : double(std::nearbyint(scaled)) + zp;  // ties to even
      store_at(y_dtype, y, e, v < lo ? lo : v > hi ? hi : v, 0);
    }
  });
}

void dequantize(DType x_dtype, DType scale_dtype, DType y_dtype, const QuantLayout& layout, const void* x,
                const void* scale, const void* zero_point, void* y, ThreadPool* pool) {
  assert(quantized_dtype(x_dtype) && quant_real_dtype(scale_dtype) && quant_real_dtype(y_dtype));
  const bool uses_zero_point = zero_point && !is_narrow_float(x_dtype);
  for_each_element(layout, pool, [&](int64_t e, int64_t q) {
    const float zp = uses_zero_point ? value_at(x_dtype, zero_point, q) : 0.f;
    const float v = (value_at(x_dtype, x, e) - zp) * value_at(scale_dtype, scale, q);
    store_at(y_dtype, y, e, double(v), 0);
  });
}

}  // namespace aivm::kernels
