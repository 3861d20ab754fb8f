// Random sampling kernels, matching torch 1.13's CPU kernels draw for draw.
//
// Arithmetic is spelled out operation by operation. torch's kernels are built
// by GCC for AVX2+FMA, which fuses a product into the add consuming it when the
// product has no other use; those steps are written as std::fma here, and every
// other product goes through `rmul` so that this file's own compiler cannot
// fuse what torch rounds. Each choice was checked against torch's output.
#include "ember/ops/cpu/random_kernels.h"

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "ember/core/dtype.h"

namespace ember::cpu {

namespace {

// ---------------------------------------------------------------- arithmetic helpers
// a * b rounded to its type before anything else touches it (no FMA contraction).
template <class T> inline T rmul(T a, T b) {
  T r = a * b;
  asm("" : "+x"(r));
  return r;
}

// Significand bits of each floating type (what a uniform draw keeps).
template <class T> constexpr int kDigits = std::numeric_limits<T>::digits;
template <> constexpr int kDigits<Half> = 11;
template <> constexpr int kDigits<BFloat16> = 8;

// The type torch's distributions compute in: double for double, float otherwise.
template <class T> using acc_t = std::conditional_t<std::is_same_v<T, double>, double, float>;

// A double (or float) converted to T the way torch's static_cast does: 16-bit
// floats round through float first (they have no double constructor).
template <class T, class V> inline T cast_to(V v) {
  if constexpr (std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>) return T(float(v));
  else if constexpr (std::is_same_v<T, bool>) return v != V(0);
  else return T(v);
}

// ---------------------------------------------------------------- draws
// uniform_real_distribution<T>(from, to): keep kDigits<T> random bits as a
// fraction in [0, 1), then scale. double draws 64 bits, everything else 32.
template <class T> inline acc_t<T> uniform_real(Generator& g, T from, T to) {
  using A = acc_t<T>;
  constexpr uint64_t mask = (uint64_t(1) << kDigits<T>) - 1;
  constexpr A divisor = A(1) / A(uint64_t(1) << kDigits<T>);
  A x;
  if constexpr (std::is_same_v<T, double>) x = A(g.random64() & mask) * divisor;
  else x = A(g.random() & uint32_t(mask)) * divisor;
  // For 16-bit types torch's `to - from` is itself a 16-bit value.
  A range = A(cast_to<T>(A(to) - A(from)));
  return std::fma(x, range, A(from));
}
inline double uniform01(Generator& g) { return uniform_real<double>(g, 0.0, 1.0); }

// normal_distribution<double>: Box-Muller on two uniforms, returning the cosine
// branch and keeping the sine branch in the generator for the next call.
inline double normal_double(Generator& g, double mean, double std) {
  double v;
  if (g.next_double_normal_) {
    v = *g.next_double_normal_;
    g.next_double_normal_.reset();
  } else {
    double u1 = uniform01(g), u2 = uniform01(g);
    double r = std::sqrt(-2.0 * std::log(1.0 - u2));
    double theta = 2.0 * M_PI * u1;
    g.next_double_normal_ = r * std::sin(theta);
    v = r * std::cos(theta);
  }
  return std::fma(v, std, mean);
}

// ---------------------------------------------------------------- iteration order
// Visits every element of `out` (with the matching element of `in`, broadcast
// to out's shape) in the order torch's TensorIterator gives a serial kernel:
// dimensions sorted by stride, fastest first, ties broken by the next operand
// and then by size. f(out_offset, in_offset), offsets in elements.
template <class F> void serial_visit(const Tensor& out, const Tensor* in, F&& f) {
  if (out.numel() == 0) return;
  const int64_t nd = out.dim();
  const Shape& size = out.sizes();
  Shape ostr = out.strides(), istr(nd, 0);
  if (in) {
    int64_t lead = nd - in->dim();
    for (int64_t d = lead; d < nd; ++d) istr[d] = in->sizes()[d - lead] == 1 ? 0 : in->strides()[d - lead];
  }
  // Dimensions of extent 1 never change the visiting order: leave them out.
  std::vector<int64_t> perm;
  for (int64_t d = nd - 1; d >= 0; --d)
    if (size[d] > 1) perm.push_back(d);
  auto should_swap = [&](int64_t d0, int64_t d1) {
    for (const Shape* s : {&ostr, &istr}) {
      if (s == &istr && !in) break;
      int64_t s0 = (*s)[d0], s1 = (*s)[d1];
      if (s0 == 0 || s1 == 0) continue;
      if (s0 < s1) return -1;
      if (s0 > s1) return 1;
      if (size[d0] > size[d1]) return 1;
    }
    return 0;
  };
  // torch's insertion sort, ambiguous comparisons included.
  for (int64_t i = 1; i < int64_t(perm.size()); ++i) {
    int64_t d1 = i;
    for (int64_t d0 = i - 1; d0 >= 0; --d0) {
      int c = should_swap(perm[d0], perm[d1]);
      if (c > 0) {
        std::swap(perm[d0], perm[d1]);
        d1 = d0;
      } else if (c < 0) {
        break;
      }
    }
  }
  const int64_t n = int64_t(perm.size());
  if (n == 0) {
    f(int64_t(0), int64_t(0));
    return;
  }
  const int64_t d0 = perm[0], n0 = size[d0], os0 = ostr[d0], is0 = istr[d0];
  std::vector<int64_t> idx(n, 0);
  int64_t o = 0, i = 0;
  while (true) {
    for (int64_t k = 0; k < n0; ++k) f(o + k * os0, i + k * is0);
    int64_t level = 1;
    for (; level < n; ++level) {
      int64_t d = perm[level];
      o += ostr[d];
      i += istr[d];
      if (++idx[level] < size[d]) break;
      o -= size[d] * ostr[d];
      i -= size[d] * istr[d];
      idx[level] = 0;
    }
    if (level == n) break;
  }
}

// Fills self (any dtype T) with gen() -> T in torch's order.
template <class T, class Gen> void fill_serial(const Tensor& self, Gen&& gen) {
  T* p = reinterpret_cast<T*>(self.raw_data());
  serial_visit(self, nullptr, [&](int64_t o, int64_t) { p[o] = gen(); });
}

// ---------------------------------------------------------------- vectorized Box-Muller
// torch's AVX2 build turns 16 uniforms into 16 normals with Cephes-style
// single-precision polynomials for log and sincos (the avx_mathfun routines).
// The same steps run here on 8 lanes, operation for operation, so the numbers
// are torch's bit for bit. That build lets GCC contract a product into the add
// that consumes it (when the product has no other use), so those steps are
// fused multiply-adds below and every other product is rounded on its own.
// Intrinsics do not get contracted, so no step changes behind our back.

// Natural log for x > 0 (NaN for x <= 0), Cephes logf's polynomial.
__m256 cephes_log8(__m256 x) {
  const __m256 one = _mm256_set1_ps(1.0f);
  const __m256 invalid = _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_LE_OS);
  x = _mm256_max_ps(x, _mm256_castsi256_ps(_mm256_set1_epi32(0x00800000)));  // smallest normal
  __m256i ei = _mm256_sub_epi32(_mm256_srli_epi32(_mm256_castps_si256(x), 23), _mm256_set1_epi32(0x7f));
  // mantissa in [0.5, 1)
  x = _mm256_or_ps(_mm256_and_ps(x, _mm256_castsi256_ps(_mm256_set1_epi32(~0x7f800000))), _mm256_set1_ps(0.5f));
  __m256 e = _mm256_add_ps(_mm256_cvtepi32_ps(ei), one);
  // x < sqrt(1/2): use 2x - 1 and one less in the exponent
  const __m256 small = _mm256_cmp_ps(x, _mm256_set1_ps(float(0.707106781186547524)), _CMP_LT_OS);
  const __m256 tmp = _mm256_and_ps(x, small);
  x = _mm256_sub_ps(x, one);
  e = _mm256_sub_ps(e, _mm256_and_ps(one, small));
  x = _mm256_add_ps(x, tmp);
  const __m256 z = _mm256_mul_ps(x, x);
  __m256 y = _mm256_set1_ps(float(7.0376836292E-2));
  for (float c : {float(-1.1514610310E-1), float(1.1676998740E-1), float(-1.2420140846E-1), float(1.4249322787E-1),
                  float(-1.6668057665E-1), float(2.0000714765E-1), float(-2.4999993993E-1), float(3.3333331174E-1)})
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(c));
  y = _mm256_mul_ps(y, x);
  y = _mm256_fmadd_ps(y, z, _mm256_mul_ps(e, _mm256_set1_ps(float(-2.12194440e-4))));
  y = _mm256_fnmadd_ps(z, _mm256_set1_ps(0.5f), y);
  x = _mm256_add_ps(x, y);
  x = _mm256_fmadd_ps(e, _mm256_set1_ps(float(0.693359375)), x);
  return _mm256_or_ps(x, invalid);  // NaN (all bits set) where x <= 0
}

// Sine and cosine together, Cephes sinf/cosf: reduce by multiples of pi/4 in
// three parts, evaluate both polynomials, pick per octant and fix the signs.
void cephes_sincos8(__m256 x, __m256* s, __m256* c) {
  const __m256i sign_bit = _mm256_set1_epi32(int32_t(0x80000000u));
  __m256i sign_sin = _mm256_and_si256(_mm256_castps_si256(x), sign_bit);
  x = _mm256_castsi256_ps(_mm256_andnot_si256(sign_bit, _mm256_castps_si256(x)));
  __m256 y = _mm256_mul_ps(x, _mm256_set1_ps(float(1.27323954473516)));  // 4 / pi
  __m256i j = _mm256_cvttps_epi32(y);                                      // truncation
  j = _mm256_and_si256(_mm256_add_epi32(j, _mm256_set1_epi32(1)), _mm256_set1_epi32(~1));
  y = _mm256_cvtepi32_ps(j);
  const __m256i swap_sign_sin = _mm256_slli_epi32(_mm256_and_si256(j, _mm256_set1_epi32(4)), 29);
  // octants where the sine comes from the sine polynomial
  const __m256 sine_poly = _mm256_castsi256_ps(_mm256_cmpeq_epi32(_mm256_and_si256(j, _mm256_set1_epi32(2)), _mm256_setzero_si256()));
  x = _mm256_fmadd_ps(y, _mm256_set1_ps(float(-0.78515625)), x);
  x = _mm256_fmadd_ps(y, _mm256_set1_ps(float(-2.4187564849853515625e-4)), x);
  x = _mm256_fmadd_ps(y, _mm256_set1_ps(float(-3.77489497744594108e-8)), x);
  const __m256i sign_cos = _mm256_slli_epi32(
      _mm256_andnot_si256(_mm256_sub_epi32(j, _mm256_set1_epi32(2)), _mm256_set1_epi32(4)), 29);
  sign_sin = _mm256_xor_si256(sign_sin, swap_sign_sin);
  const __m256 z = _mm256_mul_ps(x, x);
  __m256 yc = _mm256_set1_ps(float(2.443315711809948E-005));
  yc = _mm256_fmadd_ps(yc, z, _mm256_set1_ps(float(-1.388731625493765E-003)));
  yc = _mm256_fmadd_ps(yc, z, _mm256_set1_ps(float(4.166664568298827E-002)));
  yc = _mm256_mul_ps(yc, z);
  yc = _mm256_fmsub_ps(yc, z, _mm256_mul_ps(z, _mm256_set1_ps(0.5f)));
  yc = _mm256_add_ps(yc, _mm256_set1_ps(1.0f));
  __m256 ys = _mm256_set1_ps(float(-1.9515295891E-4));
  ys = _mm256_fmadd_ps(ys, z, _mm256_set1_ps(float(8.3321608736E-3)));
  ys = _mm256_fmadd_ps(ys, z, _mm256_set1_ps(float(-1.6666654611E-1)));
  ys = _mm256_mul_ps(ys, z);
  ys = _mm256_fmadd_ps(ys, x, x);
  // Masked selection as in torch's vector code: the unselected half is +0.
  const __m256 ysin2 = _mm256_and_ps(sine_poly, ys);
  const __m256 ysin1 = _mm256_andnot_ps(sine_poly, yc);
  ys = _mm256_sub_ps(ys, ysin2);
  yc = _mm256_sub_ps(yc, ysin1);
  *s = _mm256_xor_ps(_mm256_add_ps(ysin1, ysin2), _mm256_castsi256_ps(sign_sin));
  *c = _mm256_xor_ps(_mm256_add_ps(yc, ys), _mm256_castsi256_ps(sign_cos));
}

// data[0..16): uniforms in, normals out (lanes j and j + 8 form a pair).
void normal_fill_16_vec(float* data, float mean, float std) {
  const __m256 u1 = _mm256_sub_ps(_mm256_set1_ps(1.0f), _mm256_loadu_ps(data));
  const __m256 u2 = _mm256_loadu_ps(data + 8);
  const __m256 radius = _mm256_sqrt_ps(_mm256_mul_ps(_mm256_set1_ps(-2.0f), cephes_log8(u1)));
  const __m256 theta = _mm256_mul_ps(_mm256_set1_ps(float(2.0f * M_PI)), u2);
  __m256 s, c;
  cephes_sincos8(theta, &s, &c);
  const __m256 vs = _mm256_set1_ps(std), vm = _mm256_set1_ps(mean);
  _mm256_storeu_ps(data, _mm256_fmadd_ps(_mm256_mul_ps(radius, c), vs, vm));
  _mm256_storeu_ps(data + 8, _mm256_fmadd_ps(_mm256_mul_ps(radius, s), vs, vm));
}

// The portable Box-Muller block (double, float16, bfloat16) in T's own arithmetic.
// float16 rounds u1, radius and theta to 16 bits and computes the rest in float
// (c10's Half mixes with float); bfloat16 also has 16-bit log/sqrt/cos/sin and
// products (c10's BFloat16 math), so every step rounds to bfloat16.
template <class T> void normal_fill_16(T* data, T mean, T std) {
  using A = acc_t<T>;
  auto r = [](A v) { return A(cast_to<T>(v)); };  // round to T, continue in A
  for (int j = 0; j < 8; ++j) {
    const A u1 = r(A(1) - A(data[j]));
    const A u2 = A(data[j + 8]);
    const A theta = A(cast_to<T>(double(2.0f * M_PI) * double(u2)));
    if constexpr (std::is_same_v<T, BFloat16>) {
      const A radius = r(std::sqrt(r(A(-2) * r(std::log(u1)))));
      data[j] = cast_to<T>(r(r(radius * r(std::cos(theta))) * A(std)) + A(mean));
      data[j + 8] = cast_to<T>(r(r(radius * r(std::sin(theta))) * A(std)) + A(mean));
    } else {
      const A radius = r(std::sqrt(A(-2) * std::log(u1)));
      data[j] = cast_to<T>(std::fma(rmul(radius, std::cos(theta)), A(std), A(mean)));
      data[j + 8] = cast_to<T>(std::fma(rmul(radius, std::sin(theta)), A(std), A(mean)));
    }
  }
}

// Contiguous tensors of 16 or more: all uniforms first, then blocks of 16;
// a ragged tail redraws its last 16 uniforms and transforms them as one block.
template <class T, class Block> void normal_fill(T* data, int64_t size, Generator& g, Block block) {
  for (int64_t i = 0; i < size; ++i) data[i] = cast_to<T>(uniform_real<T>(g, T(0.0f), T(1.0f)));
  for (int64_t i = 0; i + 16 <= size; i += 16) block(data + i);
  if (size % 16 != 0) {
    T* tail = data + size - 16;
    for (int i = 0; i < 16; ++i) tail[i] = cast_to<T>(uniform_real<T>(g, T(0.0f), T(1.0f)));
    block(tail);
  }
}

}  // namespace

// ---------------------------------------------------------------- continuous distributions
void uniform_kernel(const Tensor& self, double from, double to, Generator& g) {
  std::lock_guard<std::mutex> lock(g.mutex);
  visit_floating(self.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T f = cast_to<T>(from), t = cast_to<T>(to);
    fill_serial<T>(self, [&] { return cast_to<T>(uniform_real<T>(g, f, t)); });
  });
}

void normal_kernel(const Tensor& self, double mean, double std, Generator& g) {
  std::lock_guard<std::mutex> lock(g.mutex);
  const int64_t size = self.numel();
  visit_floating(self.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    if (size >= 16 && self.is_contiguous()) {
      T* data = reinterpret_cast<T*>(self.raw_data());
      if constexpr (std::is_same_v<T, float>) {
        const float m = float(mean), s = float(std);
        normal_fill(data, size, g, [&](float* p) { normal_fill_16_vec(p, m, s); });
      } else {
        const T m = cast_to<T>(mean), s = cast_to<T>(std);
        normal_fill(data, size, g, [&](T* p) { normal_fill_16<T>(p, m, s); });
      }
    } else {
      fill_serial<T>(self, [&] { return cast_to<T>(normal_double(g, mean, std)); });
    }
  });
}

void exponential_kernel(const Tensor& self, double lambd, Generator& g) {
  std::lock_guard<std::mutex> lock(g.mutex);
  visit_floating(self.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    fill_serial<T>(self, [&] { return cast_to<T>(-1.0 / lambd * std::log(1.0 - uniform01(g))); });
  });
}

void cauchy_kernel(const Tensor& self, double median, double sigma, Generator& g) {
  std::lock_guard<std::mutex> lock(g.mutex);
  visit_floating(self.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    fill_serial<T>(self, [&] { return cast_to<T>(std::fma(sigma, std::tan(M_PI * (uniform01(g) - 0.5)), median)); });
  });
}

void log_normal_kernel(const Tensor& self, double mean, double std, Generator& g) {
  std::lock_guard<std::mutex> lock(g.mutex);
  visit_floating(self.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    fill_serial<T>(self, [&] { return cast_to<T>(std::exp(normal_double(g, mean, std))); });
  });
}

void geometric_kernel(const Tensor& self, double p, Generator& g) {
  std::lock_guard<std::mutex> lock(g.mutex);
  visit_dtype(self.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    fill_serial<T>(self, [&] { return cast_to<T>(std::ceil(std::log(uniform01(g)) / std::log(1.0 - p))); });
  });
}

// ---------------------------------------------------------------- integers
void random_from_to_kernel(const Tensor& self, uint64_t range, int64_t base, Generator& g) {
  std::lock_guard<std::mutex> lock(g.mutex);
  visit_dtype(self.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    constexpr bool wide = std::is_same_v<T, int64_t> || std::is_same_v<T, double> || std::is_same_v<T, float> ||
                          std::is_same_v<T, BFloat16>;
    const bool use64 = wide && range >= (uint64_t(1) << 32);
    fill_serial<T>(self, [&] {
      uint64_t v = use64 ? g.random64() : uint64_t(g.random());
      return cast_to<T>(int64_t(v % range + uint64_t(base)));
    });
  });
}

void random_full_range_kernel(const Tensor& self, Generator& g) {
  std::lock_guard<std::mutex> lock(g.mutex);
  visit_dtype(self.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    fill_serial<T>(self, [&] { return cast_to<T>(int64_t(g.random64())); });
  });
}

void random_kernel(const Tensor& self, Generator& g) {
  std::lock_guard<std::mutex> lock(g.mutex);
  visit_dtype(self.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    fill_serial<T>(self, [&]() -> T {
      if constexpr (std::is_same_v<T, bool>) {
        return (g.random() & 1u) != 0;
      } else if constexpr (std::is_same_v<T, double> || std::is_same_v<T, int64_t>) {
        uint64_t v = g.random64();
        if constexpr (std::is_same_v<T, double>) return double(v % ((uint64_t(1) << 53) + 1));
        else return int64_t(v % (uint64_t(std::numeric_limits<int64_t>::max()) + 1));
      } else if constexpr (is_floating_v<T>) {  // float, Half, BFloat16: [0, 2^digits]
        return cast_to<T>(uint64_t(g.random()) % ((uint64_t(1) << kDigits<T>) + 1));
      } else {
        return T(uint64_t(g.random()) % (uint64_t(std::numeric_limits<T>::max()) + 1));
      }
    });
  });
}

// ---------------------------------------------------------------- bernoulli
void bernoulli_scalar_kernel(const Tensor& self, double p, Generator& g) {
  std::lock_guard<std::mutex> lock(g.mutex);
  visit_dtype(self.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    fill_serial<T>(self, [&] { return cast_to<T>(uniform01(g) < p ? 1.0 : 0.0); });
  });
}

void bernoulli_tensor_kernel(const Tensor& self, const Tensor& p, Generator& g) {
  std::lock_guard<std::mutex> lock(g.mutex);
  visit_dtype(self.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* out = reinterpret_cast<T*>(self.raw_data());
    visit_floating(p.dtype(), [&](auto ptag) {
      using P = typename decltype(ptag)::type;
      const P* pp = reinterpret_cast<const P*>(p.raw_data());
      serial_visit(self, &p, [&](int64_t o, int64_t i) {
        bool hit;
        // A double probability is compared with a 53-bit uniform, any other with a 24-bit one.
        if constexpr (std::is_same_v<P, double>) hit = uniform01(g) < pp[i];
        else hit = uniform_real<float>(g, 0.0f, 1.0f) < float(pp[i]);
        out[o] = cast_to<T>(hit ? 1.0 : 0.0);
      });
    });
  });
}

// ---------------------------------------------------------------- permutations and sampling
void randperm_kernel(const Tensor& out, int64_t n, Generator& g) {
  std::lock_guard<std::mutex> lock(g.mutex);
  visit_dtype(out.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* r = reinterpret_cast<T*>(out.raw_data());
    const int64_t st = n > 0 ? out.stride(0) : 1;
    for (int64_t i = 0; i < n; ++i) r[i * st] = cast_to<T>(i);
    for (int64_t i = 0; i < n - 1; ++i) {
      int64_t z = int64_t(g.random() % uint64_t(n - i));
      std::swap(r[i * st], r[(z + i) * st]);
    }
  });
}

void multinomial_with_replacement_kernel(const Tensor& out, const Tensor& probs, int64_t n_sample, Generator& g) {
  std::lock_guard<std::mutex> lock(g.mutex);
  visit_floating(probs.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    using A = acc_t<T>;  // 16-bit probabilities accumulate in float
    const int64_t rows = probs.size(0), cats = probs.size(1);
    const int64_t ps0 = probs.stride(0), ps1 = probs.stride(1), os0 = out.stride(0), os1 = out.stride(1);
    const T* p = reinterpret_cast<const T*>(probs.raw_data());
    int64_t* r = reinterpret_cast<int64_t*>(out.raw_data());
    std::vector<A> cum(static_cast<size_t>(cats));
    for (int64_t i = 0; i < rows; ++i) {
      A sum = 0;
      for (int64_t j = 0; j < cats; ++j) {
        sum += A(p[i * ps0 + j * ps1]);
        cum[j] = sum;
      }
      for (int64_t j = 0; j < cats; ++j) cum[j] /= sum;
      cum[cats - 1] = 1;
      for (int64_t k = 0; k < n_sample; ++k) {
        const double u = uniform01(g);
        int64_t left = 0, right = cats;
        while (right - left > 0) {
          int64_t mid = left + (right - left) / 2;
          if (double(cum[mid]) < u) left = mid + 1;
          else right = mid;
        }
        r[i * os0 + k * os1] = left;
      }
    }
  });
}

namespace {
// Knuth's product method below rate 10, Hoermann's transformed rejection
// (PTRS, 1993) above, both on 53-bit uniforms, as torch does.
int64_t sample_poisson(double lambda, Generator& g) {
  if (lambda >= 10) {
    const double slam = std::sqrt(lambda), loglam = std::log(lambda);
    const double b = std::fma(2.53, slam, 0.931);
    const double a = std::fma(0.02483, b, -0.059);
    const double invalpha = 1.1239 + 1.1328 / (b - 3.4);
    const double vr = 0.9277 - 3.6224 / (b - 2);
    while (true) {
      const double U = uniform01(g) - 0.5;
      const double V = uniform01(g);
      const double us = 0.5 - std::fabs(U);
      const int64_t k = int64_t(std::floor(std::fma(2 * a / us + b, U, lambda) + 0.43));
      if (us >= 0.07 && V <= vr) return k;
      if (k < 0 || (us < 0.013 && V > us)) continue;
      if ((std::log(V) + std::log(invalpha) - std::log(a / rmul(us, us) + b)) <=
          (std::fma(double(k), loglam, -lambda) - std::lgamma(double(k) + 1)))
        return k;
    }
  }
  if (lambda == 0) return 0;
  const double enlam = std::exp(-lambda);
  int64_t x = 0;
  double prod = 1.0;
  while (true) {
    prod *= uniform01(g);
    if (prod > enlam) x += 1;
    else return x;
  }
}
}  // namespace

void poisson_kernel(const Tensor& out, const Tensor& rates, Generator& g) {
  std::lock_guard<std::mutex> lock(g.mutex);
  visit_floating(out.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* o = reinterpret_cast<T*>(out.raw_data());
    const T* l = reinterpret_cast<const T*>(rates.raw_data());
    serial_visit(out, &rates, [&](int64_t oi, int64_t li) {
      o[oi] = cast_to<T>(double(sample_poisson(double(l[li]), g)));
    });
  });
}

}  // namespace ember::cpu
