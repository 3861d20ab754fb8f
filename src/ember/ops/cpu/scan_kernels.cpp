// Inclusive scans along one dim: cumsum, cumprod, logcumsumexp, cummax, cummin.
// A line is sequential by nature, so results never depend on the thread count;
// lines (or tiles of neighbouring columns) are what runs in parallel.
#include <cmath>
#include <limits>
#include <vector>

#include "ember/ops/cpu/reduce_kernels.h"
#include "ember/ops/cpu/reduce_util.h"

namespace ember::cpu {

namespace {

constexpr int64_t kScanTile = 512;

// torch accumulates CPU scans in its CPU accumulate type: double for float32.
template <class T> struct ScanAcc { using type = int64_t; };
template <> struct ScanAcc<float> { using type = double; };
template <> struct ScanAcc<double> { using type = double; };
template <> struct ScanAcc<Half> { using type = float; };
template <> struct ScanAcc<BFloat16> { using type = float; };

// log(exp(x) + exp(y)), with torch's handling of infinities and NaN.
template <class A> inline A log_add_exp(A x, A y) {
  A mn = std::isnan(y) ? y : std::min(x, y);
  A mx = std::isnan(y) ? y : std::max(x, y);
  if (mn != mx || std::isfinite(mn)) return std::log1p(std::exp(mn - mx)) + mx;
  return x;
}

template <class T, class A> struct ScanFn {
  ScanOp op;
  A init() const {
    if (op == ScanOp::Prod) return A(1);
    if constexpr (std::is_floating_point_v<A>)
      if (op == ScanOp::LogSumExp) return -std::numeric_limits<A>::infinity();
    return A(0);
  }
  A step(A acc, A x) const {
    switch (op) {
      case ScanOp::Prod:
        if constexpr (std::is_integral_v<A>) return A(uint64_t(acc) * uint64_t(x));
        else return acc * x;
      case ScanOp::LogSumExp:
        if constexpr (std::is_floating_point_v<A>) return log_add_exp(x, acc);
        else return acc;
      default:
        if constexpr (std::is_integral_v<A>) return A(uint64_t(acc) + uint64_t(x));
        else return acc + x;
    }
  }
};

template <class O, class A> inline O store_as(A v) {
  if constexpr (std::is_same_v<O, bool>) return v != A(0);
  else if constexpr (is_reduced_float_v<O>) return O(float(v));
  else return O(v);
}

// in/out contiguous, [outer, n, inner]
template <class T> void scan_typed(ScanOp op, const T* in, T* out, int64_t outer, int64_t n, int64_t inner, bool reverse) {
  using A = typename ScanAcc<T>::type;
  const ScanFn<T, A> f{op};
  if (inner == 1) {
    parallel_for(0, outer, line_grain(n), [&](int64_t b, int64_t e) {
      for (int64_t o = b; o < e; ++o) {
        const T* x = in + o * n;
        T* y = out + o * n;
        A acc = f.init();
        for (int64_t s = 0; s < n; ++s) {
          const int64_t i = reverse ? n - 1 - s : s;
          acc = f.step(acc, A(compute_t<T>(x[i])));
          y[i] = store_as<T>(acc);
        }
      }
    });
    return;
  }
  const int64_t ntile = (inner + kScanTile - 1) / kScanTile;
  parallel_for(0, outer * ntile, std::max<int64_t>(1, kGrain / (n * std::min(inner, kScanTile))), [&](int64_t b, int64_t e) {
    A acc[kScanTile];
    for (int64_t t = b; t < e; ++t) {
      const int64_t o = t / ntile, k0 = (t % ntile) * kScanTile, kn = std::min(kScanTile, inner - k0);
      for (int64_t k = 0; k < kn; ++k) acc[k] = f.init();
      for (int64_t s = 0; s < n; ++s) {
        const int64_t r = reverse ? n - 1 - s : s;
        const T* x = in + (o * n + r) * inner + k0;
        T* y = out + (o * n + r) * inner + k0;
        for (int64_t k = 0; k < kn; ++k) {
          acc[k] = f.step(acc[k], A(compute_t<T>(x[k])));
          y[k] = store_as<T>(acc[k]);
        }
      }
    }
  });
}

// cummax (ge) / cummin (le): torch's rule, a NaN sticks and later NaNs move the index.
template <class T> void cum_extreme(bool is_max, const Tensor& out, const Tensor& idx, const Tensor& in, int64_t dim) {
  using C = compute_t<T>;
  const int64_t n = in.dim() == 0 ? 1 : in.sizes()[dim];
  Lines L({&in, &out, &idx}, dim);
  L.for_each(line_grain(n), [&](const std::array<char*, Lines::kMax>& p) {
    C best = C(*reinterpret_cast<const T*>(p[0]));
    int64_t bi = 0;
    for (int64_t i = 0; i < n; ++i) {
      C v = C(*reinterpret_cast<const T*>(p[0] + i * L.step[0]));
      bool take;
      if constexpr (std::is_floating_point_v<C>) take = std::isnan(v) || (!std::isnan(best) && (is_max ? v >= best : v <= best));
      else take = is_max ? v >= best : v <= best;
      if (take) {
        best = v;
        bi = i;
      }
      *reinterpret_cast<T*>(p[1] + i * L.step[1]) = T(best);
      *reinterpret_cast<int64_t*>(p[2] + i * L.step[2]) = bi;
    }
  });
}

}  // namespace

void scan_kernel(ScanOp op, const Tensor& out, const Tensor& indices, const Tensor& in, int64_t dim, bool reverse) {
  if (in.numel() == 0) return;
  if (op == ScanOp::Max || op == ScanOp::Min) {
    visit_dtype(in.dtype(), [&](auto tag) { cum_extreme<typename decltype(tag)::type>(op == ScanOp::Max, out, indices, in, dim); });
    return;
  }
  EMBER_CHECK(in.is_contiguous() && out.is_contiguous() && in.dtype() == out.dtype(), "scan",
              "kernel expects contiguous input and output of one dtype");
  int64_t outer = 1, inner = 1, n = in.dim() == 0 ? 1 : in.sizes()[dim];
  for (int64_t d = 0; d < dim; ++d) outer *= in.sizes()[d];
  for (int64_t d = dim + 1; d < in.dim(); ++d) inner *= in.sizes()[d];
  visit_dtype(in.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (std::is_same_v<T, bool>) EMBER_FAIL("scan", "bool input must be cast first");
    else scan_typed<T>(op, static_cast<const T*>(in.raw_data()), static_cast<T*>(out.raw_data()), outer, n, inner, reverse);
  });
}

void cumprod_backward_kernel(const Tensor& grad_in, const Tensor& g, const Tensor& x, const Tensor& y, int64_t dim) {
  if (x.numel() == 0) return;
  const int64_t n = x.sizes()[dim];
  visit_dtype(x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    using A = typename ScanAcc<T>::type;
    if constexpr (!std::is_floating_point_v<A>) {
      EMBER_FAIL("cumprod", "gradient needs a floating dtype");
    } else {
      Lines L({&x, &g, &y, &grad_in}, dim);
      L.for_each(line_grain(n), [&](const std::array<char*, Lines::kMax>& p) {
        auto at = [&](int t, int64_t i) -> A { return A(compute_t<T>(*reinterpret_cast<const T*>(p[t] + i * L.step[t]))); };
        auto put = [&](int64_t i, A v) { *reinterpret_cast<T*>(p[3] + i * L.step[3]) = store_as<T>(v); };
        int64_t k = 0;
        while (k < n && at(0, k) != A(0)) ++k;  // first zero
        // before it: sum_{j >= i} g_j y_j / x_i (y is 0 from the zero on)
        A acc = 0;
        for (int64_t i = k - 1; i >= 0; --i) {
          acc += at(1, i) * at(2, i);
          put(i, acc / at(0, i));
        }
        if (k == n) return;
        // at it: the products that skip x_k, i.e. y_{k-1} * sum_{j >= k} g_j prod_{k < l <= j} x_l
        A s = 0, prod = 1;
        for (int64_t j = k; j < n; ++j) {
          if (j > k) prod *= at(0, j);
          s += at(1, j) * prod;
        }
        put(k, (k > 0 ? at(2, k - 1) : A(1)) * s);
        for (int64_t i = k + 1; i < n; ++i) put(i, A(0));  // after it: every product holds x_k = 0
      });
    }
  });
}

}  // namespace ember::cpu
