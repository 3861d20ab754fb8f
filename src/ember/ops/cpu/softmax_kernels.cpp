// softmax / log_softmax and their backward: one fused kernel per line. When the dim is innermost a
// line is a contiguous row (max, exp-and-sum, scale: the row stays in cache);
// otherwise a tile of neighbouring columns is processed together so the loops
// run along memory.
#include <cmath>
#include <limits>
#include <memory>
#include <vector>

#include "ember/ops/cpu/reduce_kernels.h"
#include "ember/ops/cpu/reduce_util.h"
#include "ember/ops/cpu/vec_math.h"

namespace ember::cpu {

namespace {

constexpr int64_t kColTile = 1024;  // columns per tile when the dim is not innermost

// ---- one contiguous row
void row_softmax(const float* x, float* y, int64_t n, bool log) {
  __m256 m0 = _mm256_set1_ps(-std::numeric_limits<float>::infinity()), m1 = m0;
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    m0 = _mm256_max_ps(m0, _mm256_loadu_ps(x + i));
    m1 = _mm256_max_ps(m1, _mm256_loadu_ps(x + i + 8));
  }
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, _mm256_max_ps(m0, m1));
  float mx = lanes[0];
  for (int k = 1; k < 8; ++k) mx = std::max(mx, lanes[k]);
  for (; i < n; ++i) mx = std::max(mx, x[i]);
  const __m256 vmx = _mm256_set1_ps(mx);
  __m256 s0 = _mm256_setzero_ps(), s1 = s0;
  i = 0;
  if (!log) {
    for (; i + 16 <= n; i += 16) {
      __m256 e0 = vec::exp(_mm256_sub_ps(_mm256_loadu_ps(x + i), vmx));
      __m256 e1 = vec::exp(_mm256_sub_ps(_mm256_loadu_ps(x + i + 8), vmx));
      _mm256_storeu_ps(y + i, e0);
      _mm256_storeu_ps(y + i + 8, e1);
      s0 = _mm256_add_ps(s0, e0);
      s1 = _mm256_add_ps(s1, e1);
    }
  } else {
    for (; i + 16 <= n; i += 16) {
      s0 = _mm256_add_ps(s0, vec::exp(_mm256_sub_ps(_mm256_loadu_ps(x + i), vmx)));
      s1 = _mm256_add_ps(s1, vec::exp(_mm256_sub_ps(_mm256_loadu_ps(x + i + 8), vmx)));
    }
  }
  _mm256_store_ps(lanes, _mm256_add_ps(s0, s1));
  float sum = ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
  for (; i < n; ++i) {
    float e = std::exp(x[i] - mx);
    if (!log) y[i] = e;
    sum += e;
  }
  if (!log) {
    const float inv = 1.0f / sum;
    const __m256 vinv = _mm256_set1_ps(inv);
    for (i = 0; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_mul_ps(_mm256_loadu_ps(y + i), vinv));
    for (; i < n; ++i) y[i] *= inv;
  } else {
    const float ls = std::log(sum);
    const __m256 vls = _mm256_set1_ps(ls);
    for (i = 0; i + 8 <= n; i += 8)
      _mm256_storeu_ps(y + i, _mm256_sub_ps(_mm256_sub_ps(_mm256_loadu_ps(x + i), vmx), vls));
    for (; i < n; ++i) y[i] = (x[i] - mx) - ls;
  }
}

void row_softmax(const double* x, double* y, int64_t n, bool log) {
  double mx = -std::numeric_limits<double>::infinity();
  for (int64_t i = 0; i < n; ++i) mx = std::max(mx, x[i]);
  double sum = 0;
  for (int64_t i = 0; i < n; ++i) {
    double e = std::exp(x[i] - mx);
    if (!log) y[i] = e;
    sum += e;
  }
  if (!log) {
    const double inv = 1.0 / sum;
    for (int64_t i = 0; i < n; ++i) y[i] *= inv;
  } else {
    const double ls = std::log(sum);
    for (int64_t i = 0; i < n; ++i) y[i] = (x[i] - mx) - ls;
  }
}

// ---- a tile of kn neighbouring columns, n rows `ld` elements apart. One pass
// keeps a running max and a sum rescaled whenever the max grows ("online"
// softmax), a second writes the result: two reads of the input instead of three.
template <class C> inline void online_step(C x, C& m, C& s) {
  C mn = std::isnan(m) ? m : (x > m ? x : m);
  C scale = m == mn ? C(1) : std::exp(m - mn);
  C term = x == -std::numeric_limits<C>::infinity() ? C(0) : std::exp(x - mn);
  s = s * scale + term;
  m = mn;
}

template <class C> inline C finish_one(C x, C m, C inv_or_log, bool log) {
  return log ? (x - m) - inv_or_log : std::exp(x - m) * inv_or_log;
}

void col_softmax(const float* x, float* y, int64_t n, int64_t ld, int64_t kn, bool log) {
  alignas(32) float mx[kColTile], sum[kColTile];
  for (int64_t k = 0; k < kn; ++k) mx[k] = -std::numeric_limits<float>::infinity(), sum[k] = 0;
  const __m256 ninf = _mm256_set1_ps(-std::numeric_limits<float>::infinity()), one = _mm256_set1_ps(1.0f);
  for (int64_t r = 0; r < n; ++r) {
    const float* xr = x + r * ld;
    int64_t k = 0;
    for (; k + 8 <= kn; k += 8) {
      __m256 xv = _mm256_loadu_ps(xr + k), m = _mm256_load_ps(mx + k);
      __m256 mn = _mm256_max_ps(xv, m);  // a NaN already in m stays
      __m256 scale = _mm256_blendv_ps(vec::exp(_mm256_sub_ps(m, mn)), one, _mm256_cmp_ps(m, mn, _CMP_EQ_OQ));
      __m256 term = _mm256_blendv_ps(vec::exp(_mm256_sub_ps(xv, mn)), _mm256_setzero_ps(), _mm256_cmp_ps(xv, ninf, _CMP_EQ_OQ));
      _mm256_store_ps(sum + k, _mm256_fmadd_ps(_mm256_load_ps(sum + k), scale, term));
      _mm256_store_ps(mx + k, mn);
    }
    for (; k < kn; ++k) online_step(xr[k], mx[k], sum[k]);
  }
  for (int64_t k = 0; k < kn; ++k) sum[k] = log ? std::log(sum[k]) : 1.0f / sum[k];
  for (int64_t r = 0; r < n; ++r) {
    const float* xr = x + r * ld;
    float* yr = y + r * ld;
    int64_t k = 0;
    for (; k + 8 <= kn; k += 8) {
      __m256 d = _mm256_sub_ps(_mm256_loadu_ps(xr + k), _mm256_load_ps(mx + k));
      __m256 v = log ? _mm256_sub_ps(d, _mm256_load_ps(sum + k)) : _mm256_mul_ps(vec::exp(d), _mm256_load_ps(sum + k));
      _mm256_storeu_ps(yr + k, v);
    }
    for (; k < kn; ++k) yr[k] = finish_one(xr[k], mx[k], sum[k], log);
  }
}

void col_softmax(const double* x, double* y, int64_t n, int64_t ld, int64_t kn, bool log) {
  double mx[kColTile], sum[kColTile];
  for (int64_t k = 0; k < kn; ++k) mx[k] = -std::numeric_limits<double>::infinity(), sum[k] = 0;
  for (int64_t r = 0; r < n; ++r)
    for (int64_t k = 0; k < kn; ++k) online_step(x[r * ld + k], mx[k], sum[k]);
  for (int64_t k = 0; k < kn; ++k) sum[k] = log ? std::log(sum[k]) : 1.0 / sum[k];
  for (int64_t r = 0; r < n; ++r)
    for (int64_t k = 0; k < kn; ++k) y[r * ld + k] = finish_one(x[r * ld + k], mx[k], sum[k], log);
}

// in/out contiguous, viewed as [outer, n, inner].
template <class T> void softmax_typed(const T* in, T* out, int64_t outer, int64_t n, int64_t inner, bool log) {
  if (inner == 1) {
    parallel_for(0, outer, line_grain(n), [&](int64_t b, int64_t e) {
      if constexpr (is_reduced_float_v<T>) {
        std::vector<float> xb(static_cast<size_t>(n)), yb(static_cast<size_t>(n));
        for (int64_t o = b; o < e; ++o) {
          to_float(in + o * n, xb.data(), n);
          row_softmax(xb.data(), yb.data(), n, log);
          from_float(yb.data(), out + o * n, n);
        }
      } else {
        for (int64_t o = b; o < e; ++o) row_softmax(in + o * n, out + o * n, n, log);
      }
    });
    return;
  }
  const int64_t ntile = (inner + kColTile - 1) / kColTile;
  const int64_t tile_work = n * std::min(inner, kColTile);
  parallel_for(0, outer * ntile, std::max<int64_t>(1, kGrain / tile_work), [&](int64_t b, int64_t e) {
    std::vector<float> xb, yb;
    for (int64_t t = b; t < e; ++t) {
      const int64_t o = t / ntile, k0 = (t % ntile) * kColTile, kn = std::min(kColTile, inner - k0);
      const T* x = in + o * n * inner + k0;
      T* y = out + o * n * inner + k0;
      if constexpr (is_reduced_float_v<T>) {
        xb.resize(size_t(n * kn));
        yb.resize(size_t(n * kn));
        for (int64_t r = 0; r < n; ++r) to_float(x + r * inner, xb.data() + r * kn, kn);
        col_softmax(xb.data(), yb.data(), n, kn, kn, log);
        for (int64_t r = 0; r < n; ++r) from_float(yb.data() + r * kn, y + r * inner, kn);
      } else {
        col_softmax(x, y, n, inner, kn, log);
      }
    }
  });
}

// ---- backward: gx = y (g - sum(g y)) for softmax, g - exp(y) sum(g) for
// log_softmax, along the dim; same [outer, n, inner] walk as the forward.
template <class C> inline C back_term(C g, C y, bool log) { return log ? g : g * y; }
template <class C> inline C back_out(C g, C y, C s, bool log) { return log ? g - std::exp(y) * s : y * (g - s); }

void back_row(const float* g, const float* y, float* gx, int64_t n, bool log) {
  __m256 s0 = _mm256_setzero_ps(), s1 = s0;
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    __m256 g0 = _mm256_loadu_ps(g + i), g1 = _mm256_loadu_ps(g + i + 8);
    s0 = log ? _mm256_add_ps(s0, g0) : _mm256_fmadd_ps(g0, _mm256_loadu_ps(y + i), s0);
    s1 = log ? _mm256_add_ps(s1, g1) : _mm256_fmadd_ps(g1, _mm256_loadu_ps(y + i + 8), s1);
  }
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, _mm256_add_ps(s0, s1));
  float s = ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
  for (; i < n; ++i) s += back_term(g[i], y[i], log);
  const __m256 vs = _mm256_set1_ps(s);
  if (log) {
    vec::map2(g, y, gx, n, [&](__m256 gv, __m256 yv) { return _mm256_fnmadd_ps(vec::exp(yv), vs, gv); });
  } else {
    vec::map2(g, y, gx, n, [&](__m256 gv, __m256 yv) { return _mm256_mul_ps(yv, _mm256_sub_ps(gv, vs)); });
  }
}

void back_row(const double* g, const double* y, double* gx, int64_t n, bool log) {
  double s = 0;
  for (int64_t i = 0; i < n; ++i) s += back_term(g[i], y[i], log);
  for (int64_t i = 0; i < n; ++i) gx[i] = back_out(g[i], y[i], s, log);
}

// kn neighbouring columns, n rows `ld` elements apart
template <class C> void back_cols(const C* g, const C* y, C* gx, int64_t n, int64_t ld, int64_t kn, bool log) {
  C s[kColTile] = {};
  for (int64_t r = 0; r < n; ++r)
    for (int64_t k = 0; k < kn; ++k) s[k] += back_term(g[r * ld + k], y[r * ld + k], log);
  for (int64_t r = 0; r < n; ++r)
    for (int64_t k = 0; k < kn; ++k) gx[r * ld + k] = back_out(g[r * ld + k], y[r * ld + k], s[k], log);
}

template <class C> void softmax_backward_typed(const C* g, const C* y, C* gx, int64_t outer, int64_t n, int64_t inner, bool log) {
  if (inner == 1) {
    parallel_for(0, outer, line_grain(n), [&](int64_t b, int64_t e) {
      for (int64_t o = b; o < e; ++o) back_row(g + o * n, y + o * n, gx + o * n, n, log);
    });
    return;
  }
  const int64_t ntile = (inner + kColTile - 1) / kColTile;
  const int64_t tile_work = n * std::min(inner, kColTile);
  parallel_for(0, outer * ntile, std::max<int64_t>(1, kGrain / tile_work), [&](int64_t b, int64_t e) {
    for (int64_t t = b; t < e; ++t) {
      const int64_t o = t / ntile, k0 = (t % ntile) * kColTile, kn = std::min(kColTile, inner - k0);
      const int64_t off = o * n * inner + k0;
      back_cols(g + off, y + off, gx + off, n, inner, kn, log);
    }
  });
}

}  // namespace

void softmax_backward_kernel(const Tensor& gx, const Tensor& g, const Tensor& y, int64_t dim, bool log) {
  EMBER_CHECK(gx.is_contiguous() && g.is_contiguous() && y.is_contiguous() && g.sizes() == y.sizes() &&
              gx.sizes() == y.sizes() && g.dtype() == y.dtype() && gx.dtype() == y.dtype() &&
              (y.dtype() == Dtype::Float32 || y.dtype() == Dtype::Float64),
              "softmax_backward", "kernel expects contiguous float32 or float64 tensors of one shape and dtype");
  if (y.numel() == 0) return;
  int64_t outer = 1, inner = 1, n = y.dim() == 0 ? 1 : y.sizes()[dim];
  for (int64_t d = 0; d < dim; ++d) outer *= y.sizes()[d];
  for (int64_t d = dim + 1; d < y.dim(); ++d) inner *= y.sizes()[d];
  if (y.dtype() == Dtype::Float32)
    softmax_backward_typed(static_cast<const float*>(g.raw_data()), static_cast<const float*>(y.raw_data()),
                           static_cast<float*>(gx.raw_data()), outer, n, inner, log);
  else
    softmax_backward_typed(static_cast<const double*>(g.raw_data()), static_cast<const double*>(y.raw_data()),
                           static_cast<double*>(gx.raw_data()), outer, n, inner, log);
}

void softmax_kernel(const Tensor& out, const Tensor& in, int64_t dim, bool log) {
  EMBER_CHECK(in.is_contiguous() && out.is_contiguous() && in.sizes() == out.sizes() && in.dtype() == out.dtype(),
              "softmax", "kernel expects contiguous input and output of one shape and dtype");
  if (in.numel() == 0) return;
  int64_t outer = 1, inner = 1, n = in.dim() == 0 ? 1 : in.sizes()[dim];
  for (int64_t d = 0; d < dim; ++d) outer *= in.sizes()[d];
  for (int64_t d = dim + 1; d < in.dim(); ++d) inner *= in.sizes()[d];
  visit_floating(in.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    softmax_typed(static_cast<const T*>(in.raw_data()), static_cast<T*>(out.raw_data()), outer, n, inner, log);
  });
}

}  // namespace ember::cpu
