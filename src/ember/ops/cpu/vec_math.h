// Vectorized float32 math on 8 lanes (AVX2 + FMA): exp, expm1, log, log1p,
// tanh, sigmoid, erf and the activations built on them. One copy, used by the
// eager unary kernels, softmax and the JIT's fused kernel, so that a fused
// chain computes exactly what the ops compute one by one.
//
// Each function covers the whole float range: NaN stays NaN, infinities and
// denormals give the limits the C library gives. Largest errors found by the
// sweep against float64 in tests/python/test_vec_math.py: exp 0.97 ulp, expm1
// 1.34, log 0.75, log1p 0.77, tanh 0.61, sigmoid 2.25, erf 1.05.
// Method: range reduction to a short interval, then a polynomial whose float32
// coefficients were fitted (weighted least squares iterated towards minimax on
// the relative error) for that interval.
#pragma once
#include <immintrin.h>

#include <cstdint>

namespace ember::cpu::vec {

inline __m256 set(float v) { return _mm256_set1_ps(v); }
inline __m256 from_bits(uint32_t b) { return _mm256_castsi256_ps(_mm256_set1_epi32(int32_t(b))); }
inline __m256 abs(__m256 x) { return _mm256_andnot_ps(set(-0.0f), x); }
inline __m256 sign_bit(__m256 x) { return _mm256_and_ps(set(-0.0f), x); }
// m ? a : b, lane by lane
inline __m256 select(__m256 m, __m256 a, __m256 b) { return _mm256_blendv_ps(b, a, m); }
inline __m256 lt(__m256 a, __m256 b) { return _mm256_cmp_ps(a, b, _CMP_LT_OQ); }
inline __m256 gt(__m256 a, __m256 b) { return _mm256_cmp_ps(a, b, _CMP_GT_OQ); }
inline __m256 eq(__m256 a, __m256 b) { return _mm256_cmp_ps(a, b, _CMP_EQ_OQ); }
inline __m256 is_nan(__m256 x) { return _mm256_cmp_ps(x, x, _CMP_UNORD_Q); }
// lo <= x <= hi, keeping a NaN x (max/min return their second operand when one is NaN)
inline __m256 clamp_keep_nan(__m256 x, float lo, float hi) {
  return _mm256_min_ps(set(hi), _mm256_max_ps(set(lo), x));
}
// p * 2^n for an integer-valued n in [-150, 128]. The power is applied as two
// normal factors, so a result in the denormal range is rounded once and a result
// past FLT_MAX becomes inf.
inline __m256 scale_pow2(__m256 p, __m256 n) {
  __m256i ni = _mm256_cvtps_epi32(n);
  __m256i h = _mm256_srai_epi32(ni, 1);
  __m256i l = _mm256_sub_epi32(ni, h);
  const __m256i bias = _mm256_set1_epi32(127);
  __m256 sh = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(h, bias), 23));
  __m256 sl = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(l, bias), 23));
  return _mm256_mul_ps(_mm256_mul_ps(p, sh), sl);
}

// ---------------------------------------------------------------- exp family

// x = n ln2 + r with |r| <= ln2 / 2 (Cody-Waite: ln2 in two parts, the first
// short enough that n * kLn2Hi is exact).
constexpr float kLog2e = 1.44269504088896341f;
constexpr float kLn2Hi = 0.693145751953125f;       // 16 significant bits
constexpr float kLn2Lo = 1.428606765330187045e-6f;  // ln2 - kLn2Hi
inline __m256 reduce_ln2(__m256 x, __m256& n) {
  n = _mm256_round_ps(_mm256_mul_ps(x, set(kLog2e)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fnmadd_ps(n, set(kLn2Hi), x);
  return _mm256_fnmadd_ps(n, set(kLn2Lo), r);
}
// expm1(r) = r + r^2 P(r) for |r| <= ln2 / 2 (relative error < 0.04 * 2^-24 in exact arithmetic)
inline __m256 expm1_reduced(__m256 r) {
  __m256 p = set(1.984587579e-04f);
  p = _mm256_fmadd_ps(p, r, set(1.394061721e-03f));
  p = _mm256_fmadd_ps(p, r, set(8.333389647e-03f));
  p = _mm256_fmadd_ps(p, r, set(4.166636243e-02f));
  p = _mm256_fmadd_ps(p, r, set(1.666666567e-01f));
  p = _mm256_fmadd_ps(p, r, set(0.5f));
  return _mm256_fmadd_ps(_mm256_mul_ps(r, r), p, r);
}

inline __m256 exp(__m256 x) {
  // exp(x) is inf past 88.72 and 0 below -103.98: clamping there changes nothing
  __m256 xc = clamp_keep_nan(x, -104.0f, 89.0f), n;
  __m256 r = reduce_ln2(xc, n);
  return scale_pow2(_mm256_add_ps(expm1_reduced(r), set(1.0f)), n);
}

inline __m256 expm1(__m256 x) {
  // below -80 expm1 is -1 in float; above 89 it is inf
  __m256 xc = clamp_keep_nan(x, -80.0f, 89.0f), n;
  __m256 r = reduce_ln2(xc, n);
  __m256 em = expm1_reduced(r);
  // expm1(x) = 2^n (1 + em) - 1 = 2 (t em + (t - 1/2)) with t = 2^(n-1): t - 1/2 is
  // exact where it matters, and n - 1 <= 127 keeps t finite up to the overflow point
  __m256 t = scale_pow2(set(1.0f), _mm256_sub_ps(n, set(1.0f)));
  __m256 y = _mm256_mul_ps(set(2.0f), _mm256_fmadd_ps(t, em, _mm256_sub_ps(t, set(0.5f))));
  // tiny x (and -0, denormals): expm1(x) rounds to x
  return select(lt(abs(x), set(0x1p-24f)), x, y);
}

// ---------------------------------------------------------------- log family

// log(u) + c for a positive normal finite u and a small correction c (|c| << u):
// u = 2^k m with m in [sqrt(1/2), sqrt(2)), f = m - 1 (exact), and
// log(1 + f) = 2 atanh(s) with s = f / (2 + f), |s| <= 0.1716, written as
// f - (f^2/2 - s (f^2/2 + R(s^2))) so that the leading term f is exact.
inline __m256 log_positive(__m256 u, __m256 k_extra, __m256 c) {
  __m256i bits = _mm256_castps_si256(u);
  __m256i k = _mm256_srai_epi32(_mm256_sub_epi32(bits, _mm256_set1_epi32(0x3f3504f3)), 23);
  __m256 m = _mm256_castsi256_ps(_mm256_sub_epi32(bits, _mm256_slli_epi32(k, 23)));
  __m256 e = _mm256_add_ps(_mm256_cvtepi32_ps(k), k_extra);
  __m256 f = _mm256_sub_ps(m, set(1.0f));
  __m256 s = _mm256_div_ps(f, _mm256_add_ps(f, set(2.0f)));
  __m256 z = _mm256_mul_ps(s, s);
  // R(z) = 2z/3 + 2z^2/5 + 2z^3/7 + 2z^4/9 (the next term is below 2^-28 relative)
  __m256 R = set(2.0f / 9.0f);
  R = _mm256_fmadd_ps(R, z, set(2.0f / 7.0f));
  R = _mm256_fmadd_ps(R, z, set(2.0f / 5.0f));
  R = _mm256_fmadd_ps(R, z, set(2.0f / 3.0f));
  R = _mm256_mul_ps(R, z);
  __m256 hfsq = _mm256_mul_ps(set(0.5f), _mm256_mul_ps(f, f));
  // low-order terms: s (hfsq + R) + e ln2_lo + c
  __m256 low = _mm256_fmadd_ps(s, _mm256_add_ps(hfsq, R), _mm256_fmadd_ps(e, set(kLn2Lo), c));
  __m256 log1pf = _mm256_sub_ps(f, _mm256_sub_ps(hfsq, low));
  return _mm256_fmadd_ps(e, set(kLn2Hi), log1pf);
}

inline __m256 log(__m256 x) {
  // denormals are scaled into the normal range first
  __m256 den = lt(x, set(0x1p-126f));
  __m256 u = select(den, _mm256_mul_ps(x, set(0x1p23f)), x);
  __m256 y = log_positive(u, select(den, set(-23.0f), _mm256_setzero_ps()), _mm256_setzero_ps());
  y = select(eq(x, set(__builtin_inff())), x, y);
  y = select(eq(x, _mm256_setzero_ps()), set(-__builtin_inff()), y);
  return select(_mm256_or_ps(lt(x, _mm256_setzero_ps()), is_nan(x)), set(__builtin_nanf("")), y);
}

inline __m256 log1p(__m256 x) {
  // u = 1 + x rounded; d = (1 + x) - u exactly (Fast2Sum, larger operand first);
  // log(1 + x) = log(u) + d / u to first order
  __m256 one = set(1.0f);
  __m256 u = _mm256_add_ps(one, x);
  __m256 d = select(gt(abs(x), one), _mm256_sub_ps(one, _mm256_sub_ps(u, x)), _mm256_sub_ps(x, _mm256_sub_ps(u, one)));
  // u is normal or 0 here (1 + x is a multiple of 2^-24 when below 1)
  __m256 y = log_positive(u, _mm256_setzero_ps(), _mm256_div_ps(d, u));
  y = select(eq(x, set(__builtin_inff())), x, y);
  y = select(eq(x, set(-1.0f)), set(-__builtin_inff()), y);
  y = select(_mm256_or_ps(lt(x, set(-1.0f)), is_nan(x)), set(__builtin_nanf("")), y);
  return select(lt(abs(x), set(0x1p-24f)), x, y);  // tiny x, -0 and denormals: log1p(x) rounds to x
}

// ---------------------------------------------------------------- tanh, sigmoid

// 1 - 2 / (exp(y) + 1) for 0 <= y <= 19 in double (4 lanes): good to ~1e-12, so
// that the float result is rounded once, as the C library's tanhf is.
inline __m256d tanh_from_twice_pd(__m256d y) {
  const __m256d log2e = _mm256_set1_pd(1.4426950408889634), ln2_hi = _mm256_set1_pd(0.6931471805599453),
                ln2_lo = _mm256_set1_pd(2.3190468138462996e-17), one = _mm256_set1_pd(1.0);
  __m256d n = _mm256_round_pd(_mm256_mul_pd(y, log2e), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256d r = _mm256_fnmadd_pd(n, ln2_lo, _mm256_fnmadd_pd(n, ln2_hi, y));
  // exp(r) for |r| <= ln2 / 2: Taylor to r^10 (remainder below 1e-12)
  __m256d p = _mm256_set1_pd(1.0 / 3628800);
  const double inv_fact[] = {1.0 / 362880, 1.0 / 40320, 1.0 / 5040, 1.0 / 720, 1.0 / 120, 1.0 / 24, 1.0 / 6, 0.5, 1.0, 1.0};
  for (double c : inv_fact) p = _mm256_fmadd_pd(p, r, _mm256_set1_pd(c));
  __m256i k = _mm256_cvtepi32_epi64(_mm256_cvtpd_epi32(n));
  __m256d scale = _mm256_castsi256_pd(_mm256_slli_epi64(_mm256_add_epi64(k, _mm256_set1_epi64x(1023)), 52));
  __m256d e = _mm256_mul_pd(p, scale);
  return _mm256_sub_pd(one, _mm256_div_pd(_mm256_set1_pd(2.0), _mm256_add_pd(e, one)));
}

inline __m256 tanh(__m256 x) {
  __m256 a = abs(x);
  // |x| < 0.625: tanh|x| = |x| + |x|^3 P(x^2) (on |x|, so that tanh(-0) is -0)
  __m256 z = _mm256_mul_ps(x, x);
  __m256 p = set(2.142958343e-03f);
  p = _mm256_fmadd_ps(p, z, set(-8.177394047e-03f));
  p = _mm256_fmadd_ps(p, z, set(2.170070074e-02f));
  p = _mm256_fmadd_ps(p, z, set(-5.394676328e-02f));
  p = _mm256_fmadd_ps(p, z, set(1.333320588e-01f));
  p = _mm256_fmadd_ps(p, z, set(-3.333333135e-01f));
  __m256 small = _mm256_fmadd_ps(_mm256_mul_ps(a, z), p, a);
  // otherwise tanh|x| = 1 - 2 / (exp(2|x|) + 1) in double: in float the cancellation
  // costs up to 1.3 ulp. tanh is 1 in float from 9.01 on, so |x| is capped at 9.5.
  __m256 ac = _mm256_min_ps(set(9.5f), a);  // NaN stays
  __m256 twice = _mm256_add_ps(ac, ac);
  __m128 lo = _mm256_cvtpd_ps(tanh_from_twice_pd(_mm256_cvtps_pd(_mm256_castps256_ps128(twice))));
  __m128 hi = _mm256_cvtpd_ps(tanh_from_twice_pd(_mm256_cvtps_pd(_mm256_extractf128_ps(twice, 1))));
  __m256 big = _mm256_set_m128(hi, lo);
  return _mm256_or_ps(select(lt(a, set(0.625f)), small, big), sign_bit(x));
}

// 1 / (1 + exp(-x)), written with e = exp(-|x|) so that it stays accurate (and
// reaches the denormals) for negative x: e / (1 + e) there.
inline __m256 sigmoid(__m256 x) {
  __m256 e = exp(_mm256_or_ps(abs(x), set(-0.0f)));
  __m256 num = select(lt(x, _mm256_setzero_ps()), e, set(1.0f));
  return _mm256_div_ps(num, _mm256_add_ps(set(1.0f), e));
}

// ---------------------------------------------------------------- erf

// erf(x) given e = exp(-x^2) (which gelu's derivative shares).
inline __m256 erf_with_gauss(__m256 x, __m256 e) {
  __m256 a = abs(x);
  // |x| < 1: erf|x| = |x| (c0 + x^2 Q(x^2)), c0 = 2 / sqrt(pi) carried in two parts
  // (on |x|, the sign is put back at the end, so that erf(-0) is -0)
  __m256 z = _mm256_mul_ps(x, x);
  __m256 q = set(-9.684204997e-06f);
  q = _mm256_fmadd_ps(q, z, set(1.127301803e-04f));
  q = _mm256_fmadd_ps(q, z, set(-8.485249127e-04f));
  q = _mm256_fmadd_ps(q, z, set(5.221130792e-03f));
  q = _mm256_fmadd_ps(q, z, set(-2.686547674e-02f));
  q = _mm256_fmadd_ps(q, z, set(1.128378361e-01f));
  q = _mm256_fmadd_ps(q, z, set(-3.761263788e-01f));
  q = _mm256_fmadd_ps(q, z, set(-5.863538277e-08f));  // c0 - float(c0)
  __m256 small = _mm256_fmadd_ps(a, set(1.128379226f), _mm256_mul_ps(a, q));
  // 1 <= |x| <= 4: erf|x| = 1 - exp(-x^2) G(|x| - 5/2); past 4 erf is 1 in float
  // (exp(-x^2) G(3/2) < 2^-25 there)
  __m256 u = _mm256_sub_ps(_mm256_min_ps(set(4.0f), a), set(2.5f));  // NaN stays
  const float gc[] = {2.108063251e-01f, -7.434950024e-02f, 2.492940240e-02f, -7.999175228e-03f, 2.523486502e-03f,
                      -6.475542323e-04f, 2.214382403e-04f, -1.398786408e-04f, -5.969838094e-05f, -2.834912266e-05f};
  __m256 g = set(gc[9]);
  for (int k = 8; k >= 0; --k) g = _mm256_fmadd_ps(g, u, set(gc[k]));
  __m256 big = _mm256_fnmadd_ps(e, g, set(1.0f));
  return _mm256_or_ps(select(lt(a, set(1.0f)), small, big), sign_bit(x));
}

inline __m256 gauss(__m256 x) { return exp(_mm256_mul_ps(x, _mm256_sub_ps(_mm256_setzero_ps(), x))); }  // exp(-x^2)
inline __m256 erf(__m256 x) { return erf_with_gauss(x, gauss(x)); }

// ---------------------------------------------------------------- activations
// The formulas of torch's kernels, evaluated with the functions above.

inline __m256 silu(__m256 x) { return _mm256_mul_ps(x, sigmoid(x)); }

inline __m256 gelu_erf(__m256 x) {  // x/2 (1 + erf(x / sqrt 2))
  __m256 c = _mm256_add_ps(set(1.0f), erf(_mm256_mul_ps(x, set(0.70710678118654752f))));
  return _mm256_mul_ps(_mm256_mul_ps(set(0.5f), x), c);
}

inline __m256 gelu_tanh(__m256 x) {  // x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
  __m256 x3 = _mm256_mul_ps(_mm256_mul_ps(x, x), x);
  __m256 inner = _mm256_mul_ps(set(0.79788456080286536f), _mm256_fmadd_ps(set(0.044715f), x3, x));
  __m256 c = _mm256_add_ps(set(1.0f), tanh(inner));
  return _mm256_mul_ps(_mm256_mul_ps(set(0.5f), x), c);
}

// x * beta > threshold ? x : log1p(exp(x * beta)) / beta
inline __m256 softplus(__m256 x, __m256 beta, __m256 threshold) {
  __m256 bx = _mm256_mul_ps(x, beta);
  return select(gt(bx, threshold), x, _mm256_div_ps(log1p(exp(bx)), beta));
}

// x > 0 ? x * scale : alpha * scale * expm1(x * input_scale)
inline __m256 elu(__m256 x, __m256 alpha_scale, __m256 scale, __m256 input_scale) {
  __m256 neg = _mm256_mul_ps(alpha_scale, expm1(_mm256_mul_ps(x, input_scale)));
  return select(gt(x, _mm256_setzero_ps()), _mm256_mul_ps(x, scale), neg);
}

inline __m256 mish(__m256 x) { return _mm256_mul_ps(x, tanh(log1p(exp(x)))); }

// min(x, 0) - log1p(exp(-|x|))
inline __m256 logsigmoid(__m256 x) {
  __m256 e = exp(_mm256_or_ps(abs(x), set(-0.0f)));
  return _mm256_sub_ps(_mm256_min_ps(x, _mm256_setzero_ps()), log1p(e));
}

// d gelu / dx, the formulas of torch's backward kernels:
// exact: cdf + x pdf with cdf = (1 + erf(x / sqrt 2)) / 2, pdf = exp(-x^2 / 2) / sqrt(2 pi)
inline __m256 gelu_erf_grad(__m256 x) {
  __m256 z = _mm256_mul_ps(x, set(0.70710678118654752f));
  __m256 e = gauss(z);  // exp(-x^2 / 2), for both terms
  __m256 cdf = _mm256_mul_ps(set(0.5f), _mm256_add_ps(set(1.0f), erf_with_gauss(z, e)));
  __m256 pdf = _mm256_mul_ps(set(0.39894228040143268f), e);
  return _mm256_fmadd_ps(x, pdf, cdf);
}
// tanh form: (1 + t) / 2 + x/2 (1 - t^2) k (1 + 3c x^2), t = tanh(k (x + c x^3)), k = sqrt(2/pi), c = 0.044715
inline __m256 gelu_tanh_grad(__m256 x) {
  const __m256 k = set(0.79788456080286536f), c = set(0.044715f);
  __m256 x2 = _mm256_mul_ps(x, x);
  __m256 t = tanh(_mm256_mul_ps(k, _mm256_fmadd_ps(_mm256_mul_ps(c, x2), x, x)));
  __m256 left = _mm256_mul_ps(set(0.5f), _mm256_add_ps(set(1.0f), t));
  __m256 dinner = _mm256_mul_ps(k, _mm256_fmadd_ps(_mm256_mul_ps(set(3.0f), c), x2, set(1.0f)));
  __m256 right = _mm256_mul_ps(_mm256_mul_ps(_mm256_mul_ps(set(0.5f), x), _mm256_fnmadd_ps(t, t, set(1.0f))), dinner);
  return _mm256_add_ps(left, right);
}

// ---------------------------------------------------------------- loops

// out[i] = f(in[i]) over float arrays, 8 lanes at a time; the tail goes through
// a padded buffer, so every element takes the same path wherever it sits.
// `out` may be `in` (in place).
template <class F> inline void map(const float* in, float* out, int64_t n, F&& f) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(out + i, f(_mm256_loadu_ps(in + i)));
  if (i < n) {
    alignas(32) float buf[8] = {};
    for (int64_t k = i; k < n; ++k) buf[k - i] = in[k];
    _mm256_store_ps(buf, f(_mm256_load_ps(buf)));
    for (int64_t k = i; k < n; ++k) out[k] = buf[k - i];
  }
}

// out[i] = f(a[i], b[i]), as map; `out` may be `a` or `b`.
template <class F> inline void map2(const float* a, const float* b, float* out, int64_t n, F&& f) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(out + i, f(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i)));
  if (i < n) {
    alignas(32) float ba[8] = {}, bb[8] = {};
    for (int64_t k = i; k < n; ++k) ba[k - i] = a[k], bb[k - i] = b[k];
    _mm256_store_ps(ba, f(_mm256_load_ps(ba), _mm256_load_ps(bb)));
    for (int64_t k = i; k < n; ++k) out[k] = ba[k - i];
  }
}

}  // namespace ember::cpu::vec
