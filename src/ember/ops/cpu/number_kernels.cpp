// gcd, lcm, nextafter and frexp: scalar functors over the shared elementwise loop.
#include "ember/ops/cpu/number_kernels.h"

#include <cmath>
#include <type_traits>

#include "ember/ops/cpu/loops.h"

namespace ember::cpu {

namespace {

// Euclid on the absolute values (torch's calc_gcd); gcd(x, 0) = |x|.
template <class T> T calc_gcd(T a, T b) {
  if constexpr (std::is_unsigned_v<T>) {
    while (b != 0) { T r = T(a % b); a = b; b = r; }
    return a;
  } else {
    a = T(a < 0 ? -a : a);
    b = T(b < 0 ? -b : b);
    while (b != 0) { T r = T(a % b); a = b; b = r; }
    return a;
  }
}

template <class F> void visit_int_dtype(Dtype d, F&& f) {
  switch (d) {
    case Dtype::Int8: return f(TypeTag<int8_t>{});
    case Dtype::Int16: return f(TypeTag<int16_t>{});
    case Dtype::Int32: return f(TypeTag<int32_t>{});
    case Dtype::Int64: return f(TypeTag<int64_t>{});
    case Dtype::UInt8: return f(TypeTag<uint8_t>{});
    default: EMBER_FAIL("gcd", "integer dtype expected, got ", dtype_name(d));
  }
}

}  // namespace

void gcd_kernel(const Tensor& out, const Tensor& a, const Tensor& b) {
  if (out.numel() == 0) return;
  ElementwiseLoop L(out, {&a, &b});
  visit_int_dtype(a.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    run_elementwise<T, T, T>(L, [](T x, T y) { return calc_gcd<T>(x, y); });
  });
}

void lcm_kernel(const Tensor& out, const Tensor& a, const Tensor& b) {
  if (out.numel() == 0) return;
  ElementwiseLoop L(out, {&a, &b});
  visit_int_dtype(a.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    run_elementwise<T, T, T>(L, [](T x, T y) {
      T g = calc_gcd<T>(x, y);
      if (g == 0) return T(0);
      T r = T(T(x / g) * y);
      if constexpr (std::is_unsigned_v<T>) return r;
      else return T(r < 0 ? -r : r);
    });
  });
}

void nextafter_kernel(const Tensor& out, const Tensor& a, const Tensor& b) {
  if (out.numel() == 0) return;
  ElementwiseLoop L(out, {&a, &b});
  switch (a.dtype()) {
    case Dtype::Float32:
      run_elementwise<float, float, float>(L, [](float x, float y) { return std::nextafter(x, y); });
      return;
    case Dtype::Float64:
      run_elementwise<double, double, double>(L, [](double x, double y) { return std::nextafter(x, y); });
      return;
    case Dtype::BFloat16:
      // Step the 16-bit pattern itself: bfloat16 is the top half of a float32.
      run_elementwise<BFloat16, BFloat16, BFloat16>(L, [](float x, float y) {
        if (std::isnan(x) || std::isnan(y)) return BFloat16(x + y);
        if (x == y) return BFloat16(y);
        uint16_t bits = BFloat16(x).bits;
        if (x == 0) {
          bits = uint16_t(y > 0 ? 1 : 0x8001);  // smallest subnormal towards y
        } else if ((x < y) == (x > 0)) {
          ++bits;  // away from zero
        } else {
          --bits;
        }
        return BFloat16::from_bits(bits);
      });
      return;
    default:
      EMBER_FAIL("nextafter", "\"nextafter_cpu\" not implemented for '", scalar_type_name(a.dtype()), "'");
  }
}

void frexp_kernel(const Tensor& mantissa, const Tensor& exponent, const Tensor& in) {
  if (in.numel() == 0) return;
  Tensor m = mantissa;
  ElementwiseLoop L(m, {&in});
  Tensor e = exponent;
  ElementwiseLoop LE(e, {&in});
  visit_floating(in.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    using C = compute_t<T>;
    run_elementwise<T, T>(L, [](C x) { int ex; return C(std::frexp(x, &ex)); });
    run_elementwise<int32_t, T>(LE, [](C x) {
      int ex = 0;
      if (std::isfinite(x)) std::frexp(x, &ex);
      return int32_t(ex);
    });
  });
}

}  // namespace ember::cpu
