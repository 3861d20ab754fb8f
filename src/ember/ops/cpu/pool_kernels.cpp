// Pooling kernels over planes of up to three spatial dims. Planes are independent,
// so threads split them and every result is computed by one thread in a fixed order.
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>

#include "ember/core/parallel.h"
#include "ember/ops/cpu/conv_kernels.h"

namespace ember::cpu {

namespace {

template <class F> void visit_pool_dtype(Dtype d, F&& f) {
  switch (d) {
    case Dtype::Float32: return f(TypeTag<float>{});
    case Dtype::Float64: return f(TypeTag<double>{});
    case Dtype::Int8: return f(TypeTag<int8_t>{});
    case Dtype::Int16: return f(TypeTag<int16_t>{});
    case Dtype::Int32: return f(TypeTag<int32_t>{});
    case Dtype::Int64: return f(TypeTag<int64_t>{});
    case Dtype::UInt8: return f(TypeTag<uint8_t>{});
    default: EMBER_FAIL("pool", "unsupported dtype ", dtype_name(d));
  }
}

// Accumulator: double for floating types (float sums stay exact enough), int64 for integers.
template <class T> using acc_t = std::conditional_t<std::is_floating_point_v<T>, double, int64_t>;

template <class T> bool is_nan(T v) {
  if constexpr (std::is_floating_point_v<T>) return std::isnan(v);
  else return false;
}

// Splits planes over threads; the grain keeps small problems on one thread.
template <class F> void for_planes(int64_t planes, int64_t work_per_plane, F&& f) {
  const int64_t grain = std::max<int64_t>(1, 32768 / std::max<int64_t>(1, work_per_plane));
  parallel_for(0, planes, grain, [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) f(p);
  });
}

// The [start, end) of input positions window o touches along one dim (dilation 1), before/after clipping.
struct Window {
  int64_t start, end;
};

template <class F> void for_each_output(const Dim3& out, F&& f) {
  int64_t o = 0;
  for (int64_t od = 0; od < out[0]; ++od)
    for (int64_t oh = 0; oh < out[1]; ++oh)
      for (int64_t ow = 0; ow < out[2]; ++ow, ++o) f(o, od, oh, ow);
}

// Avg-pool window along one dim, torch's rules: the divisor counts padding up to the padded edge.
struct AvgWin {
  int64_t start, end, padded_len;
};
inline AvgWin avg_window(int64_t o, int64_t k, int64_t s, int64_t p, int64_t in) {
  int64_t st = o * s - p;
  int64_t en = std::min(st + k, in + p);
  int64_t len = en - st;
  return {std::max<int64_t>(st, 0), std::min(en, in), len};
}

// f(o, w, div) for every output o of a plane: w its clipped window per dim, div the divisor
// by torch's rules, or 0 when the window holds padding only.
template <class F> void for_each_avg_window(const PoolGeom& g, bool count_include_pad, int64_t divisor_override, F&& f) {
  for_each_output(g.out, [&](int64_t o, int64_t od, int64_t oh, int64_t ow) {
    const int64_t oo[3] = {od, oh, ow};
    AvgWin w[3];
    int64_t pool_size = 1, count = 1;
    for (int d = 0; d < 3; ++d) {
      w[d] = avg_window(oo[d], g.k[d], g.stride[d], g.pad[d], g.in[d]);
      pool_size *= w[d].padded_len;
      count *= std::max<int64_t>(0, w[d].end - w[d].start);
    }
    f(o, w, count == 0 ? 0 : divisor_override ? divisor_override : (count_include_pad ? pool_size : count));
  });
}

inline int64_t adaptive_start(int64_t o, int64_t in, int64_t out) { return (o * in) / out; }
inline int64_t adaptive_end(int64_t o, int64_t in, int64_t out) { return ((o + 1) * in + out - 1) / out; }

// The maximum of one window and its flat index, by torch's rule "take v if v > max or v
// is NaN" (so the last NaN wins). Split into a NaN-ignoring max (vmaxss) and integer
// selects for the indices, so nothing branches on the data.
template <class T> struct MaxPick {
  T bv;
  int64_t best, nan_at = 0;
  bool any_nan = false;
  MaxPick(T lowest, int64_t first) : bv(lowest), best(first) {}
  void take(T v, int64_t at) {
    const bool gt = v > bv, nan = is_nan(v);
    best = gt ? at : best;
    bv = std::max(bv, v);
    nan_at = nan ? at : nan_at;
    any_nan |= nan;
  }
  void store(T& y, int64_t& i) const {
    if constexpr (std::is_floating_point_v<T>) {
      y = any_nan ? std::numeric_limits<T>::quiet_NaN() : bv;
      i = any_nan ? nan_at : best;
    } else {
      y = bv;
      i = best;
    }
  }
};

template <class T> T lowest_of() {
  return std::numeric_limits<T>::has_infinity ? -std::numeric_limits<T>::infinity() : std::numeric_limits<T>::lowest();
}

// 8 outputs of 2x2, stride-2 windows at once (float): the even and odd columns of two rows,
// taken in torch's order ((0,0), (0,1), (1,0), (1,1)) with its rule, so values and indices are
// those of the scalar loop. Indices are computed in 32 bits (the caller checks the plane fits).
inline int64_t max2x2_s2_x8(const float* xp, int64_t W, int64_t first, int64_t n, float* y, int64_t* ind) {
  int64_t j = 0;
  const __m256i lane2 = _mm256_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14);
  for (; j + 8 <= n; j += 8) {
    const int64_t base = first + 2 * j;
    auto split = [](const float* p, __m256& even, __m256& odd) {
      const __m256 a = _mm256_loadu_ps(p), b = _mm256_loadu_ps(p + 8);
      even = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(a, b, 0x88)), 0xD8));
      odd = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(a, b, 0xDD)), 0xD8));
    };
    __m256 e0, o0, e1, o1;
    split(xp + base, e0, o0);
    split(xp + base + W, e1, o1);
    const __m256i i0 = _mm256_add_epi32(_mm256_set1_epi32(int32_t(base)), lane2);
    __m256 best = e0;
    __m256i idx = i0;
    auto take = [&](__m256 v, int32_t off) {
      const __m256 m = _mm256_or_ps(_mm256_cmp_ps(v, best, _CMP_GT_OQ), _mm256_cmp_ps(v, v, _CMP_UNORD_Q));
      best = _mm256_blendv_ps(best, v, m);
      idx = _mm256_blendv_epi8(idx, _mm256_add_epi32(i0, _mm256_set1_epi32(off)), _mm256_castps_si256(m));
    };
    take(o0, 1);
    take(e1, int32_t(W));
    take(o1, int32_t(W + 1));
    _mm256_storeu_ps(y + j, best);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(ind + j), _mm256_cvtepi32_epi64(_mm256_castsi256_si128(idx)));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(ind + j + 4), _mm256_cvtepi32_epi64(_mm256_extracti128_si256(idx, 1)));
  }
  return j;
}

// n outputs of one row whose K x K windows (no dilation) lie wholly inside the plane: the
// first window starts at flat offset `first`, the next ones `stride` further along the row.
// `narrow`: flat indices of the plane fit in 32 bits.
template <class T, int K>
void max_rows_fixed(const T* xp, int64_t W, int64_t first, int64_t stride, int64_t n, T lowest, T* y, int64_t* ind,
                    bool narrow) {
  int64_t j = 0;
  if constexpr (std::is_same_v<T, float> && K == 2)
    if (stride == 2 && narrow) j = max2x2_s2_x8(xp, W, first, n, y, ind);
  for (; j < n; ++j) {
    const int64_t base = first + j * stride;
    MaxPick<T> pick(lowest, base);
    for (int r = 0; r < K; ++r)
      for (int c = 0; c < K; ++c) pick.take(xp[base + r * W + c], base + r * W + c);
    pick.store(y[j], ind[j]);
  }
}

}  // namespace

void max_pool_forward(const PoolGeom& g, const Tensor& x, const Tensor& y, const Tensor& indices) {
  visit_pool_dtype(x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* X = static_cast<const T*>(x.raw_data());
    T* Y = static_cast<T*>(y.raw_data());
    int64_t* I = static_cast<int64_t*>(indices.raw_data());
    // Geometry in locals: the compiler cannot keep fields of `g` in registers across the
    // stores to y and indices (they might alias).
    const int64_t D = g.in[0], H = g.in[1], W = g.in[2];
    const int64_t in_sp = prod3(g.in), out_sp = prod3(g.out);
    const Dim3 k = g.k, st = g.stride, pd = g.pad, dl = g.dil, out = g.out;
    const T lowest = lowest_of<T>();
    // First in-range tap and the end of the window along one dim.
    auto range = [](int64_t o, int64_t kk, int64_t s, int64_t p, int64_t d, int64_t n, int64_t& b, int64_t& e) {
      b = o * s - p;
      e = std::min(b + (kk - 1) * d + 1, n);
      if (b < 0) b += ((-b + d - 1) / d) * d;
    };
    // Outputs [ow_lo, ow_hi) of a row have whole, unclipped windows along the width.
    const int64_t ow_lo = std::min(out[2], (pd[2] + st[2] - 1) / st[2]);
    const int64_t ow_hi = W + pd[2] >= (k[2] - 1) * dl[2] + 1
                              ? std::max(ow_lo, std::min(out[2], (W + pd[2] - (k[2] - 1) * dl[2] - 1) / st[2] + 1))
                              : ow_lo;
    // Full 2x2 and 3x3 windows (2-d pooling, no dilation) take a loop with fixed bounds.
    const int fixed = (k[0] == 1 && dl[1] == 1 && dl[2] == 1 && k[1] == k[2] && (k[1] == 2 || k[1] == 3)) ? int(k[1]) : 0;
    const bool narrow = in_sp < (int64_t(1) << 31);
    for_planes(g.planes, out_sp * prod3(k), [&](int64_t p) {
      const T* xp = X + p * in_sp;
      T* yp = Y + p * out_sp;
      int64_t* ip = I + p * out_sp;
      auto generic = [&](int64_t d0, int64_t d1, int64_t h0, int64_t h1, int64_t ow, int64_t o) {
        int64_t w0, w1;
        range(ow, k[2], st[2], pd[2], dl[2], W, w0, w1);
        MaxPick<T> pick(lowest, (d0 * H + h0) * W + w0);
        for (int64_t id = d0; id < d1; id += dl[0])
          for (int64_t ih = h0; ih < h1; ih += dl[1]) {
            const int64_t row = (id * H + ih) * W;
            for (int64_t iw = w0; iw < w1; iw += dl[2]) pick.take(xp[row + iw], row + iw);
          }
        pick.store(yp[o], ip[o]);
      };
      int64_t o = 0;
      for (int64_t od = 0; od < out[0]; ++od) {
        int64_t d0, d1;
        range(od, k[0], st[0], pd[0], dl[0], D, d0, d1);
        for (int64_t oh = 0; oh < out[1]; ++oh, o += out[2]) {
          int64_t h0, h1;
          range(oh, k[1], st[1], pd[1], dl[1], H, h0, h1);
          int64_t ow = 0;
          if (fixed && h1 - h0 == fixed) {
            for (; ow < ow_lo; ++ow) generic(d0, d1, h0, h1, ow, o + ow);
            const int64_t first = (d0 * H + h0) * W + ow_lo * st[2] - pd[2];
            if (fixed == 2) max_rows_fixed<T, 2>(xp, W, first, st[2], ow_hi - ow_lo, lowest, yp + o + ow, ip + o + ow, narrow);
            else max_rows_fixed<T, 3>(xp, W, first, st[2], ow_hi - ow_lo, lowest, yp + o + ow, ip + o + ow, narrow);
            ow = ow_hi;
          }
          for (; ow < out[2]; ++ow) generic(d0, d1, h0, h1, ow, o + ow);
        }
      }
    });
  });
}

void avg_pool_forward(const PoolGeom& g, const Tensor& x, const Tensor& y, bool count_include_pad,
                      int64_t divisor_override) {
  visit_pool_dtype(x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    using A = acc_t<T>;
    const T* X = static_cast<const T*>(x.raw_data());
    T* Y = static_cast<T*>(y.raw_data());
    const int64_t in_sp = prod3(g.in), out_sp = prod3(g.out);
    for_planes(g.planes, out_sp * prod3(g.k), [&](int64_t p) {
      const T* xp = X + p * in_sp;
      T* yp = Y + p * out_sp;
      for_each_avg_window(g, count_include_pad, divisor_override, [&](int64_t o, const AvgWin* w, int64_t div) {
        if (div == 0) {  // a window of padding only
          yp[o] = T(0);
          return;
        }
        A sum = 0;
        for (int64_t id = w[0].start; id < w[0].end; ++id)
          for (int64_t ih = w[1].start; ih < w[1].end; ++ih) {
            const T* row = xp + (id * g.in[1] + ih) * g.in[2];
            for (int64_t iw = w[2].start; iw < w[2].end; ++iw) sum += A(row[iw]);
          }
        yp[o] = T(sum / A(div));
      });
    });
  });
}

void avg_pool_backward(const PoolGeom& g, const Tensor& gy, const Tensor& gx, bool count_include_pad,
                       int64_t divisor_override) {
  visit_pool_dtype(gy.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* GY = static_cast<const T*>(gy.raw_data());
    T* GX = static_cast<T*>(gx.raw_data());
    const int64_t in_sp = prod3(g.in), out_sp = prod3(g.out);
    for_planes(g.planes, out_sp * prod3(g.k), [&](int64_t p) {
      const T* gp = GY + p * out_sp;
      T* xp = GX + p * in_sp;
      for_each_avg_window(g, count_include_pad, divisor_override, [&](int64_t o, const AvgWin* w, int64_t div) {
        if (div == 0) return;
        const T v = gp[o] / T(div);
        for (int64_t id = w[0].start; id < w[0].end; ++id)
          for (int64_t ih = w[1].start; ih < w[1].end; ++ih) {
            T* row = xp + (id * g.in[1] + ih) * g.in[2];
            for (int64_t iw = w[2].start; iw < w[2].end; ++iw) row[iw] += v;
          }
      });
    });
  });
}

void adaptive_avg_pool_forward(const PoolGeom& g, const Tensor& x, const Tensor& y) {
  visit_pool_dtype(x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    using A = acc_t<T>;
    const T* X = static_cast<const T*>(x.raw_data());
    T* Y = static_cast<T*>(y.raw_data());
    const int64_t in_sp = prod3(g.in), out_sp = prod3(g.out);
    for_planes(g.planes, in_sp + out_sp, [&](int64_t p) {
      const T* xp = X + p * in_sp;
      T* yp = Y + p * out_sp;
      for_each_output(g.out, [&](int64_t o, int64_t od, int64_t oh, int64_t ow) {
        const int64_t oo[3] = {od, oh, ow};
        int64_t s[3], e[3], n = 1;
        for (int d = 0; d < 3; ++d) {
          s[d] = adaptive_start(oo[d], g.in[d], g.out[d]);
          e[d] = adaptive_end(oo[d], g.in[d], g.out[d]);
          n *= e[d] - s[d];
        }
        A sum = 0;
        for (int64_t id = s[0]; id < e[0]; ++id)
          for (int64_t ih = s[1]; ih < e[1]; ++ih) {
            const T* row = xp + (id * g.in[1] + ih) * g.in[2];
            for (int64_t iw = s[2]; iw < e[2]; ++iw) sum += A(row[iw]);
          }
        yp[o] = T(sum / A(n));
      });
    });
  });
}

void adaptive_avg_pool_backward(const PoolGeom& g, const Tensor& gy, const Tensor& gx) {
  visit_pool_dtype(gy.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* GY = static_cast<const T*>(gy.raw_data());
    T* GX = static_cast<T*>(gx.raw_data());
    const int64_t in_sp = prod3(g.in), out_sp = prod3(g.out);
    for_planes(g.planes, in_sp + out_sp, [&](int64_t p) {
      const T* gp = GY + p * out_sp;
      T* xp = GX + p * in_sp;
      for_each_output(g.out, [&](int64_t o, int64_t od, int64_t oh, int64_t ow) {
        const int64_t oo[3] = {od, oh, ow};
        int64_t s[3], e[3], n = 1;
        for (int d = 0; d < 3; ++d) {
          s[d] = adaptive_start(oo[d], g.in[d], g.out[d]);
          e[d] = adaptive_end(oo[d], g.in[d], g.out[d]);
          n *= e[d] - s[d];
        }
        const T v = gp[o] / T(n);
        for (int64_t id = s[0]; id < e[0]; ++id)
          for (int64_t ih = s[1]; ih < e[1]; ++ih) {
            T* row = xp + (id * g.in[1] + ih) * g.in[2];
            for (int64_t iw = s[2]; iw < e[2]; ++iw) row[iw] += v;
          }
      });
    });
  });
}

void adaptive_max_pool_forward(const PoolGeom& g, const Tensor& x, const Tensor& y, const Tensor& indices) {
  visit_pool_dtype(x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* X = static_cast<const T*>(x.raw_data());
    T* Y = static_cast<T*>(y.raw_data());
    int64_t* I = static_cast<int64_t*>(indices.raw_data());
    const int64_t in_sp = prod3(g.in), out_sp = prod3(g.out);
    for_planes(g.planes, in_sp + out_sp, [&](int64_t p) {
      const T* xp = X + p * in_sp;
      T* yp = Y + p * out_sp;
      int64_t* ip = I + p * out_sp;
      for_each_output(g.out, [&](int64_t o, int64_t od, int64_t oh, int64_t ow) {
        const int64_t oo[3] = {od, oh, ow};
        int64_t s[3], e[3];
        for (int d = 0; d < 3; ++d) {
          s[d] = adaptive_start(oo[d], g.in[d], g.out[d]);
          e[d] = adaptive_end(oo[d], g.in[d], g.out[d]);
        }
        MaxPick<T> pick(lowest_of<T>(), (s[0] * g.in[1] + s[1]) * g.in[2] + s[2]);
        for (int64_t id = s[0]; id < e[0]; ++id)
          for (int64_t ih = s[1]; ih < e[1]; ++ih)
            for (int64_t iw = s[2]; iw < e[2]; ++iw) {
              const int64_t idx = (id * g.in[1] + ih) * g.in[2] + iw;
              pick.take(xp[idx], idx);
            }
        pick.store(yp[o], ip[o]);
      });
    });
  });
}

void plane_scatter(const Tensor& src, const Tensor& idx, const Tensor& dst, int64_t planes, bool accumulate) {
  visit_pool_dtype(src.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* S = static_cast<const T*>(src.raw_data());
    const int64_t* I = static_cast<const int64_t*>(idx.raw_data());
    T* D = static_cast<T*>(dst.raw_data());
    const int64_t n = planes ? src.numel() / planes : 0, m = planes ? dst.numel() / planes : 0;
    for_planes(planes, n, [&](int64_t p) {
      const T* sp = S + p * n;
      const int64_t* ip = I + p * n;
      T* dp = D + p * m;
      for (int64_t j = 0; j < n; ++j) {
        const int64_t i = ip[j];
        EMBER_CHECK(i >= 0 && i < m, "max_unpool", "Found an invalid max index: ", i, " (output volumes are of size ", m, ")");
        if (accumulate) dp[i] += sp[j];
        else dp[i] = sp[j];
      }
    });
  });
}

void plane_gather(const Tensor& src, const Tensor& idx, const Tensor& dst, int64_t planes) {
  visit_pool_dtype(src.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* S = static_cast<const T*>(src.raw_data());
    const int64_t* I = static_cast<const int64_t*>(idx.raw_data());
    T* D = static_cast<T*>(dst.raw_data());
    const int64_t n = planes ? dst.numel() / planes : 0, m = planes ? src.numel() / planes : 0;
    for_planes(planes, n, [&](int64_t p) {
      const T* sp = S + p * m;
      const int64_t* ip = I + p * n;
      T* dp = D + p * n;
      for (int64_t j = 0; j < n; ++j) dp[j] = sp[ip[j]];
    });
  });
}

}  // namespace ember::cpu
