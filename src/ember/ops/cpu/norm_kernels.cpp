// Fused layer normalization: one pass per row for the statistics and the
// result (the row stays in cache), and one for the gradients. 16-bit types
// compute in float, through row buffers.
#include "ember/ops/cpu/norm_kernels.h"

#include <cmath>
#include <vector>

#include "ember/core/error.h"
#include "ember/ops/cpu/kernels.h"
#include "ember/ops/cpu/reduce_util.h"

namespace ember::cpu {

namespace {

// Rows whose weight and bias gradients fold into one partial. A constant, so
// that results depend on the shapes only, not on the thread count.
constexpr int64_t kRowsPerBlock = 32;

// sum of term(i) for i < n, in 16 interleaved partial sums (vectorizable, fixed order)
template <class C, class F> C accumulate(int64_t n, F term) {
  constexpr int K = 16;
  C acc[K] = {};
  int64_t i = 0;
  for (; i + K <= n; i += K)
    for (int k = 0; k < K; ++k) acc[k] += term(i + k);
  for (int k = 0; i < n; ++i, ++k) acc[k] += term(i);
  for (int w = K / 2; w >= 1; w /= 2)
    for (int k = 0; k < w; ++k) acc[k] += acc[k + w];
  return acc[0];
}

template <class C>
void forward_row(const C* x, C* y, const C* w, const C* b, int64_t n, C eps, C& mean_out, C& rstd_out) {
  const C mean = accumulate<C>(n, [&](int64_t i) { return x[i]; }) / C(n);
  const C var = accumulate<C>(n, [&](int64_t i) { C d = x[i] - mean; return d * d; }) / C(n);
  const C rstd = C(1) / std::sqrt(var + eps);
  mean_out = mean;
  rstd_out = rstd;
  if (w && b) for (int64_t i = 0; i < n; ++i) y[i] = (x[i] - mean) * rstd * w[i] + b[i];
  else if (w) for (int64_t i = 0; i < n; ++i) y[i] = (x[i] - mean) * rstd * w[i];
  else if (b) for (int64_t i = 0; i < n; ++i) y[i] = (x[i] - mean) * rstd + b[i];
  else for (int64_t i = 0; i < n; ++i) y[i] = (x[i] - mean) * rstd;
}

// gx = rstd (a - mean(a) - xhat mean(a xhat)) with a = gy w and xhat = (x - mean) rstd;
// adds gy xhat to gw_acc and gy to gb_acc (either may be null).
template <class C>
void backward_row(const C* gy, const C* x, const C* w, C mean, C rstd, int64_t n, C* gx, C* gw_acc, C* gb_acc) {
  if (gx) {
    // sum(a) and sum(a (x - mean)); the loops are split on w so that each vectorizes
    C s1, s2;
    if (w) {
      s1 = accumulate<C>(n, [&](int64_t i) { return gy[i] * w[i]; });
      s2 = accumulate<C>(n, [&](int64_t i) { return gy[i] * w[i] * (x[i] - mean); });
    } else {
      s1 = accumulate<C>(n, [&](int64_t i) { return gy[i]; });
      s2 = accumulate<C>(n, [&](int64_t i) { return gy[i] * (x[i] - mean); });
    }
    const C m1 = s1 / C(n), k = rstd * rstd * s2 / C(n);  // mean(a), mean(a xhat) rstd
    if (w) for (int64_t i = 0; i < n; ++i) gx[i] = rstd * (gy[i] * w[i] - m1 - (x[i] - mean) * k);
    else for (int64_t i = 0; i < n; ++i) gx[i] = rstd * (gy[i] - m1 - (x[i] - mean) * k);
  }
  if (gw_acc) for (int64_t i = 0; i < n; ++i) gw_acc[i] += gy[i] * ((x[i] - mean) * rstd);
  if (gb_acc) for (int64_t i = 0; i < n; ++i) gb_acc[i] += gy[i];
}

// Row access in the compute type: the tensor's own memory for float and double,
// a converted copy for the 16-bit types.
template <class T, class C> struct RowIO {
  std::vector<C> buf;
  explicit RowIO(int64_t n) { if constexpr (!std::is_same_v<T, C>) buf.resize(size_t(n)); }
  const C* in(const T* p, int64_t n) {
    if constexpr (std::is_same_v<T, C>) return p;
    else { to_float(p, buf.data(), n); return buf.data(); }
  }
  C* out(T* p) {
    if constexpr (std::is_same_v<T, C>) return p;
    else return buf.data();
  }
  void flush(T* p, int64_t n) {
    if constexpr (!std::is_same_v<T, C>) from_float(buf.data(), p, n);
  }
};

template <class T, class C> std::vector<C> param(const Tensor& t, int64_t n) {
  std::vector<C> v;
  if (!t.defined()) return v;
  v.resize(size_t(n));
  const T* p = static_cast<const T*>(t.raw_data());
  for (int64_t i = 0; i < n; ++i) v[size_t(i)] = C(p[i]);
  return v;
}

template <class T>
void forward_typed(const Tensor& y, const Tensor& mean, const Tensor& rstd, const Tensor& x, const Tensor& w,
                   const Tensor& b, int64_t rows, int64_t n, double eps) {
  using C = std::conditional_t<std::is_same_v<T, double>, double, float>;
  const std::vector<C> wv = param<T, C>(w, n), bv = param<T, C>(b, n);
  const T* xp = static_cast<const T*>(x.raw_data());
  T* yp = static_cast<T*>(y.raw_data());
  C* mp = static_cast<C*>(mean.raw_data());
  C* rp = static_cast<C*>(rstd.raw_data());
  parallel_for(0, rows, line_grain(n), [&](int64_t r0, int64_t r1) {
    RowIO<T, C> xin(n), yout(n);
    for (int64_t r = r0; r < r1; ++r) {
      const C* xr = xin.in(xp + r * n, n);
      forward_row<C>(xr, yout.out(yp + r * n), wv.empty() ? nullptr : wv.data(), bv.empty() ? nullptr : bv.data(), n,
                     C(eps), mp[r], rp[r]);
      yout.flush(yp + r * n, n);
    }
  });
}

template <class T>
void backward_typed(const Tensor& gx, const Tensor& gw, const Tensor& gb, const Tensor& gy, const Tensor& x,
                    const Tensor& mean, const Tensor& rstd, const Tensor& w, int64_t rows, int64_t n) {
  using C = std::conditional_t<std::is_same_v<T, double>, double, float>;
  const std::vector<C> wv = param<T, C>(w, n);
  const T* gyp = static_cast<const T*>(gy.raw_data());
  const T* xp = static_cast<const T*>(x.raw_data());
  T* gxp = gx.defined() ? static_cast<T*>(gx.raw_data()) : nullptr;
  const C* mp = static_cast<const C*>(mean.raw_data());
  const C* rp = static_cast<const C*>(rstd.raw_data());
  const int64_t nblocks = (rows + kRowsPerBlock - 1) / kRowsPerBlock;
  // per block partial sums of the weight and bias gradients
  std::vector<C> pw(gw.defined() ? size_t(nblocks * n) : 0), pb(gb.defined() ? size_t(nblocks * n) : 0);
  parallel_for(0, nblocks, std::max<int64_t>(1, kGrain / (kRowsPerBlock * std::max<int64_t>(n, 1))), [&](int64_t b0, int64_t b1) {
    RowIO<T, C> gin(n), xin(n), gout(n);
    for (int64_t blk = b0; blk < b1; ++blk) {
      C* accw = pw.empty() ? nullptr : pw.data() + blk * n;
      C* accb = pb.empty() ? nullptr : pb.data() + blk * n;
      for (int64_t r = blk * kRowsPerBlock; r < std::min(rows, (blk + 1) * kRowsPerBlock); ++r) {
        const C* g = gin.in(gyp + r * n, n);
        const C* xr = xin.in(xp + r * n, n);
        backward_row<C>(g, xr, wv.empty() ? nullptr : wv.data(), mp[r], rp[r], n, gxp ? gout.out(gxp + r * n) : nullptr,
                        accw, accb);
        if (gxp) gout.flush(gxp + r * n, n);
      }
    }
  });
  // fold the partials block by block, in order
  auto fold = [&](const std::vector<C>& part, const Tensor& dst) {
    std::vector<C> acc(part.begin(), part.begin() + n);
    for (int64_t blk = 1; blk < nblocks; ++blk)
      for (int64_t i = 0; i < n; ++i) acc[size_t(i)] += part[size_t(blk * n + i)];
    T* d = static_cast<T*>(dst.raw_data());
    for (int64_t i = 0; i < n; ++i) d[i] = T(acc[size_t(i)]);
  };
  if (gw.defined()) fold(pw, gw);
  if (gb.defined()) fold(pb, gb);
}

}  // namespace

void layer_norm_kernel(const Tensor& y, const Tensor& mean, const Tensor& rstd, const Tensor& x, const Tensor& w,
                       const Tensor& b, int64_t rows, int64_t n, double eps) {
  EMBER_CHECK(x.is_contiguous() && y.is_contiguous() && rows * n == x.numel() && n > 0, "layer_norm",
              "kernel expects contiguous rows x n input and output");
  if (rows == 0) return;
  visit_floating(x.dtype(), [&](auto tag) { forward_typed<typename decltype(tag)::type>(y, mean, rstd, x, w, b, rows, n, eps); });
}

void layer_norm_backward_kernel(const Tensor& gx, const Tensor& gw, const Tensor& gb, const Tensor& gy, const Tensor& x,
                                const Tensor& mean, const Tensor& rstd, const Tensor& w, int64_t rows, int64_t n) {
  EMBER_CHECK(x.is_contiguous() && gy.is_contiguous() && rows * n == x.numel() && n > 0, "layer_norm_backward",
              "kernel expects contiguous rows x n input and gradient");
  if (rows == 0) {
    if (gw.defined()) fill_kernel(gw, Scalar(0));
    if (gb.defined()) fill_kernel(gb, Scalar(0));
    return;
  }
  visit_floating(x.dtype(), [&](auto tag) {
    backward_typed<typename decltype(tag)::type>(gx, gw, gb, gy, x, mean, rstd, w, rows, n);
  });
}

}  // namespace ember::cpu
