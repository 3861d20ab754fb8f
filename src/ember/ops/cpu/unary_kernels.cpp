// Unary elementwise kernels. Float ops compute in float for 16-bit types.
#include <cmath>

#include "ember/ops/cpu/kernels.h"
#include "ember/ops/cpu/loops.h"
#include "ember/ops/cpu/math.h"
#include "ember/ops/cpu/reduce_util.h"
#include "ember/ops/cpu/vec_math.h"

namespace ember::cpu {

namespace {

template <class C> inline C sigmoid(C x) { return C(1) / (C(1) + std::exp(-x)); }
// min(max(x, lo), hi) that keeps a NaN x (hi wins when lo > hi, as in torch)
template <class C> inline C clamp_nan(C x, C lo, C hi) {
  C r = x < lo ? lo : x;
  return r > hi ? hi : r;
}

// out = f(in...) with f on 8 float lanes, for 1 or 2 inputs. Contiguous float
// runs are mapped in place; strided runs and 16-bit types go through float buffers.
template <class T, int N, class V> void run_vec(const ElementwiseLoop& L, V f) {
  static_assert(N == 1 || N == 2);
  constexpr int64_t kChunk = 256;
  L.for_each([&](char** p, const int64_t* s, int64_t n) {
    bool contiguous = true;
    for (int k = 0; k <= N; ++k) contiguous = contiguous && s[k] == int64_t(sizeof(T));
    if constexpr (std::is_same_v<T, float>) {
      if (contiguous) {
        float* o = reinterpret_cast<float*>(p[0]);
        if constexpr (N == 1) vec::map(reinterpret_cast<const float*>(p[1]), o, n, f);
        else vec::map2(reinterpret_cast<const float*>(p[1]), reinterpret_cast<const float*>(p[2]), o, n, f);
        return;
      }
    }
    alignas(32) float buf[N][kChunk];
    for (int64_t b = 0; b < n; b += kChunk) {
      const int64_t m = std::min(kChunk, n - b);
      for (int k = 0; k < N; ++k) {
        const char* src = p[k + 1] + b * s[k + 1];
        if constexpr (!std::is_same_v<T, float>) {
          if (s[k + 1] == int64_t(sizeof(T))) { to_float(reinterpret_cast<const T*>(src), buf[k], m); continue; }
        }
        for (int64_t i = 0; i < m; ++i) buf[k][i] = float(*reinterpret_cast<const T*>(src + i * s[k + 1]));
      }
      if constexpr (N == 1) vec::map(buf[0], buf[0], m, f);
      else vec::map2(buf[0], buf[1], buf[0], m, f);
      char* dst = p[0] + b * s[0];
      if constexpr (!std::is_same_v<T, float>) {
        if (s[0] == int64_t(sizeof(T))) { from_float(buf[0], reinterpret_cast<T*>(dst), m); continue; }
      }
      for (int64_t i = 0; i < m; ++i) *reinterpret_cast<T*>(dst + i * s[0]) = T(buf[0][i]);
    }
  });
}

// The ops with a vectorized float formula (float32 and the 16-bit types, which
// compute in float). Returns false for the others.
template <class T> bool float_vec_op(UnaryOp op, const ElementwiseLoop& L, const UnaryParams& p) {
  const __m256 pa = vec::set(float(p.a)), pb = vec::set(float(p.b)), pc = vec::set(float(p.c));
#define VRUN(expr) { run_vec<T, 1>(L, [=](__m256 x) -> __m256 { return expr; }); return true; }
  switch (op) {
    case UnaryOp::Exp: VRUN(vec::exp(x));
    case UnaryOp::Expm1: VRUN(vec::expm1(x));
    case UnaryOp::Log: VRUN(vec::log(x));
    case UnaryOp::Log1p: VRUN(vec::log1p(x));
    case UnaryOp::Tanh: VRUN(vec::tanh(x));
    case UnaryOp::Sigmoid: VRUN(vec::sigmoid(x));
    case UnaryOp::Erf: VRUN(vec::erf(x));
    case UnaryOp::Silu: VRUN(vec::silu(x));
    case UnaryOp::Mish: VRUN(vec::mish(x));
    case UnaryOp::GeluExact: VRUN(vec::gelu_erf(x));
    case UnaryOp::GeluTanh: VRUN(vec::gelu_tanh(x));
    case UnaryOp::Softplus: VRUN(vec::softplus(x, pa, pb));  // a: beta, b: threshold
    case UnaryOp::Elu: {  // a: alpha, b: scale, c: input_scale
      const __m256 alpha_scale = vec::set(float(p.a) * float(p.b));
      VRUN(vec::elu(x, alpha_scale, pb, pc));
    }
    case UnaryOp::Selu: {
      constexpr double alpha = 1.6732632423543772848170429916717, scale = 1.0507009873554804934193349852946;
      VRUN(vec::elu(x, vec::set(float(scale * alpha)), vec::set(float(scale)), vec::set(1.0f)));
    }
    case UnaryOp::Logsigmoid: VRUN(vec::logsigmoid(x));
    case UnaryOp::Tanhshrink: VRUN(_mm256_sub_ps(x, vec::tanh(x)));
    default: return false;
  }
#undef VRUN
}

template <class T> void float_op(UnaryOp op, const ElementwiseLoop& L, const UnaryParams& p) {
  using C = compute_t<T>;
  const C pa = C(p.a), pb = C(p.b), pc = C(p.c);
// A block with its own return, so `if (c) RUN(a); RUN(b);` falls through to b.
#define RUN(expr) { run_elementwise<T, T>(L, [=](C x) -> C { return expr; }); return; }
  if constexpr (!std::is_same_v<T, double>) {
    if (float_vec_op<T>(op, L, p)) return;
  }
  switch (op) {
    case UnaryOp::Exp: RUN(std::exp(x));
    case UnaryOp::Exp2: RUN(std::exp2(x));
    case UnaryOp::Expm1: RUN(std::expm1(x));
    case UnaryOp::Log: RUN(std::log(x));
    case UnaryOp::Log2: RUN(std::log2(x));
    case UnaryOp::Log10: RUN(std::log10(x));
    case UnaryOp::Log1p: RUN(std::log1p(x));
    case UnaryOp::Sqrt: RUN(std::sqrt(x));
    case UnaryOp::Rsqrt: RUN(C(1) / std::sqrt(x));
    case UnaryOp::Sin: RUN(std::sin(x));
    case UnaryOp::Cos: RUN(std::cos(x));
    case UnaryOp::Tan: RUN(std::tan(x));
    case UnaryOp::Asin: RUN(std::asin(x));
    case UnaryOp::Acos: RUN(std::acos(x));
    case UnaryOp::Atan: RUN(std::atan(x));
    case UnaryOp::Sinh: RUN(std::sinh(x));
    case UnaryOp::Cosh: RUN(std::cosh(x));
    case UnaryOp::Tanh: RUN(std::tanh(x));
    case UnaryOp::Asinh: RUN(std::asinh(x));
    case UnaryOp::Acosh: RUN(std::acosh(x));
    case UnaryOp::Atanh: RUN(std::atanh(x));
    case UnaryOp::Sigmoid: RUN(sigmoid(x));
    case UnaryOp::Erf: RUN(std::erf(x));
    case UnaryOp::Erfc: RUN(std::erfc(x));
    case UnaryOp::Erfinv: RUN(erfinv(x));
    case UnaryOp::Frac: RUN(x - std::trunc(x));
    case UnaryOp::Reciprocal: RUN(C(1) / x);
    case UnaryOp::Silu: RUN(x / (C(1) + std::exp(-x)));
    case UnaryOp::Mish: RUN(x * std::tanh(std::log1p(std::exp(x))));
    // torch's formulas, which also fix the NaN and infinity cases (hardswish(-inf) is NaN)
    case UnaryOp::Hardsigmoid: RUN(clamp_nan(x + C(3), C(0), C(6)) / C(6));
    case UnaryOp::Hardswish: RUN(x * clamp_nan(x + C(3), C(0), C(6)) / C(6));
    case UnaryOp::Selu: {
      constexpr double alpha = 1.6732632423543772848170429916717, scale = 1.0507009873554804934193349852946;
      RUN(x > 0 ? C(scale) * x : C(scale * alpha) * std::expm1(x));
    }
    case UnaryOp::Lgamma: RUN(std::lgamma(x));
    case UnaryOp::Digamma: RUN(digamma(x));
    case UnaryOp::Trigamma: RUN(trigamma(x));
    case UnaryOp::Sinc: RUN(x == C(0) ? C(1) : std::sin(C(M_PI) * x) / (C(M_PI) * x));
    case UnaryOp::Deg2rad: RUN(x * C(M_PI / 180.0));
    case UnaryOp::Rad2deg: RUN(x * C(180.0 / M_PI));
    case UnaryOp::Logit: {  // a: eps (< 0 means none)
      if (p.a < 0) RUN(std::log(x / (C(1) - x)));
      RUN(([=] { C z = x < pa ? pa : (x > C(1) - pa ? C(1) - pa : x); return std::log(z / (C(1) - z)); })());
    }
    case UnaryOp::GeluExact: RUN(C(0.5) * x * (C(1) + std::erf(x * C(M_SQRT1_2))));
    case UnaryOp::GeluTanh: {
      const C k = C(M_SQRT2 * M_2_SQRTPI * 0.5);
      RUN(C(0.5) * x * (C(1) + std::tanh(k * (x + C(0.044715) * x * x * x))));
    }
    case UnaryOp::Softplus:  // a: beta, b: threshold
      RUN(x * pa > pb ? x : std::log1p(std::exp(x * pa)) / pa);
    case UnaryOp::Elu:  // a: alpha, b: scale, c: input_scale
      RUN(x > 0 ? x * pb : pa * pb * std::expm1(x * pc));
    case UnaryOp::LeakyRelu: RUN(x > 0 ? x : x * pa);
    case UnaryOp::Logsigmoid: RUN(std::min(x, C(0)) - std::log1p(std::exp(-std::abs(x))));
    case UnaryOp::Hardshrink: RUN((x >= -pa && x <= pa) ? C(0) : x);
    case UnaryOp::Softshrink: RUN(x > pa ? x - pa : x < -pa ? x + pa : C(0));
    case UnaryOp::Tanhshrink: RUN(x - std::tanh(x));
    case UnaryOp::Softsign: RUN(x / (C(1) + std::abs(x)));
    case UnaryOp::Round: {
      if (p.a == 0) RUN(std::nearbyint(x));
      // a: 10^decimals (torch: nearbyint(x * ten_pow) / ten_pow, negative decimals divide first)
      if (p.b > 0) RUN(std::nearbyint(x * pa) / pa);
      RUN(std::nearbyint(x / pa) * pa);
    }
    case UnaryOp::NanToNum:  // a: nan, b: posinf, c: neginf
      RUN(x != x ? pa : x == INFINITY ? pb : x == -INFINITY ? pc : x);
    case UnaryOp::PowScalar: {  // a: exponent; torch's special cases, then pow (float32 in double like torch)
      if (p.a == 2) RUN(x * x);
      if (p.a == 3) RUN(x * x * x);
      if (p.a == -2) RUN(C(1) / (x * x));
      if (p.a == 0.5) RUN(std::sqrt(x));
      if (p.a == -0.5) RUN(C(1) / std::sqrt(x));
      if (p.a == -1) RUN(C(1) / x);
      if constexpr (std::is_same_v<T, float>) RUN(C(std::pow(double(x), p.a)));
      RUN(std::pow(x, pa));
    }
    case UnaryOp::RPowScalar: RUN(std::pow(pa, x));  // a: base
    default: break;
  }
#undef RUN
  EMBER_FAIL("unary", "kernel not available for this dtype");
}

template <class T> void any_op(UnaryOp op, const ElementwiseLoop& L, const UnaryParams& p) {
  using C = compute_t<T>;
#define RUN(expr) { run_elementwise<T, T>(L, [=](C x) -> C { return expr; }); return; }
  if constexpr (std::is_same_v<T, bool>) {
    switch (op) {  // the op layer lets bool through only where torch does
      case UnaryOp::Sign: case UnaryOp::Positive: case UnaryOp::Relu: RUN(x);
      default: break;
    }
  } else {
    // parameters in the element type (integers truncate, like torch's Scalar::to)
    const C pa = C(p.a), pb = C(p.b);
    switch (op) {
      case UnaryOp::Neg: RUN(C(-x));
      case UnaryOp::Abs: if constexpr (std::is_unsigned_v<C>) { RUN(x); } else { RUN(x < 0 ? C(-x) : x); }
      // sign(NaN) is 0 in torch
      case UnaryOp::Sign: RUN(C((C(0) < x) - (x < C(0))));
      case UnaryOp::Floor: if constexpr (is_floating_v<T>) { RUN(std::floor(x)); } else { RUN(x); }
      case UnaryOp::Ceil: if constexpr (is_floating_v<T>) { RUN(std::ceil(x)); } else { RUN(x); }
      case UnaryOp::Trunc: if constexpr (is_floating_v<T>) { RUN(std::trunc(x)); } else { RUN(x); }
      case UnaryOp::Square: RUN(C(x * x));
      case UnaryOp::Relu: if constexpr (is_floating_v<T>) { RUN(x != x ? x : (x > C(0) ? x : C(0))); } else { RUN(x > C(0) ? x : C(0)); }
      case UnaryOp::Positive: RUN(x);
      case UnaryOp::Hardtanh: RUN(clamp_nan(x, pa, pb));  // a: min_val, b: max_val; NaN stays
      case UnaryOp::Threshold: RUN(x <= pa ? pb : x);  // a: threshold, b: value; NaN stays
      default: break;
    }
  }
#undef RUN
  EMBER_FAIL("unary", "kernel not available for this dtype");
}

template <class T> void predicate_op(UnaryOp op, const ElementwiseLoop& L) {
  using C = compute_t<T>;
#define RUN(expr) { run_elementwise<bool, T>(L, [=](C x) -> bool { return expr; }); return; }
  if constexpr (is_floating_v<T>) {
    switch (op) {
      case UnaryOp::Isnan: RUN(x != x);
      case UnaryOp::Isinf: RUN(std::isinf(x));
      case UnaryOp::Isposinf: RUN(x == C(INFINITY));
      case UnaryOp::Isneginf: RUN(x == C(-INFINITY));
      case UnaryOp::Isfinite: RUN(std::isfinite(x));
      // copysign instead of std::signbit: GCC 12 -O3 crashes vectorizing the latter
      case UnaryOp::Signbit: RUN(std::copysign(C(1), x) < C(0));
      case UnaryOp::LogicalNot: RUN(x == C(0));
      default: break;
    }
  } else {
    switch (op) {
      case UnaryOp::Isnan: case UnaryOp::Isinf: case UnaryOp::Isposinf: case UnaryOp::Isneginf: RUN(false);
      case UnaryOp::Isfinite: RUN(true);
      case UnaryOp::Signbit: if constexpr (std::is_signed_v<C>) { RUN(x < 0); } else { RUN(false); }
      case UnaryOp::LogicalNot: RUN(!x);
      default: break;
    }
  }
#undef RUN
  EMBER_FAIL("unary", "kernel not available for this dtype");
}

bool is_float_kernel(UnaryOp op) {
  switch (op) {
#define EMBER_CASE(n) case UnaryOp::n:
    EMBER_FLOAT_UNARY_KERNELS(EMBER_CASE)
#undef EMBER_CASE
    return true;
    default: return false;
  }
}
bool is_predicate(UnaryOp op) {
  switch (op) {
#define EMBER_CASE(n) case UnaryOp::n:
    EMBER_PREDICATE_UNARY_KERNELS(EMBER_CASE)
#undef EMBER_CASE
    return true;
    default: return false;
  }
}

}  // namespace

void gelu_backward_kernel(const Tensor& out, const Tensor& grad, const Tensor& x, bool tanh_approx) {
  if (out.numel() == 0) return;
  EMBER_CHECK(is_floating(x.dtype()) && grad.dtype() == x.dtype() && out.dtype() == x.dtype(), "gelu_backward",
              "expected floating grad, input and output of one dtype");
  ElementwiseLoop L(out, {&grad, &x});
  visit_floating(x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (std::is_same_v<T, double>) {
      if (tanh_approx) {
        const double k = M_SQRT2 * M_2_SQRTPI * 0.5, c = 0.044715;
        run_elementwise<T, T, T>(L, [=](double g, double v) {
          double t = std::tanh(k * (v + c * v * v * v));
          return g * (0.5 * (1 + t) + 0.5 * v * (1 - t * t) * k * (1 + 3 * c * v * v));
        });
      } else {
        run_elementwise<T, T, T>(L, [](double g, double v) {
          double cdf = 0.5 * (1 + std::erf(v * M_SQRT1_2)), pdf = 0.5 * M_2_SQRTPI * M_SQRT1_2 * std::exp(-0.5 * v * v);
          return g * (cdf + v * pdf);
        });
      }
    } else if (tanh_approx) {
      run_vec<T, 2>(L, [](__m256 g, __m256 v) { return _mm256_mul_ps(g, vec::gelu_tanh_grad(v)); });
    } else {
      run_vec<T, 2>(L, [](__m256 g, __m256 v) { return _mm256_mul_ps(g, vec::gelu_erf_grad(v)); });
    }
  });
}

void unary_kernel(UnaryOp op, const Tensor& out, const Tensor& in, UnaryParams p) {
  if (out.numel() == 0) return;
  ElementwiseLoop L(out, {&in});
  if (is_predicate(op)) {
    visit_dtype(in.dtype(), [&](auto tag) { predicate_op<typename decltype(tag)::type>(op, L); });
  } else if (op == UnaryOp::BitwiseNot) {
    visit_dtype(in.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      if constexpr (std::is_same_v<T, bool>) run_elementwise<T, T>(L, [](bool x) { return !x; });
      else if constexpr (!is_floating_v<T>) run_elementwise<T, T>(L, [](T x) { return T(~x); });
    });
  } else if (is_float_kernel(op)) {
    EMBER_CHECK(is_floating(in.dtype()), "unary", "expected a floating point input, got ", dtype_name(in.dtype()));
    visit_floating(in.dtype(), [&](auto tag) { float_op<typename decltype(tag)::type>(op, L, p); });
  } else {
    visit_dtype(in.dtype(), [&](auto tag) { any_op<typename decltype(tag)::type>(op, L, p); });
  }
}

}  // namespace ember::cpu
