// Ops that look at values rather than positions: unique, unique_consecutive,
// bincount, searchsorted, bucketize, histc, one_hot, isin. None of them is
// differentiable (their results are counts, positions or copies of values).
#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include "ember/autograd/function.h"
#include "ember/ops/cpu/kernels.h"
#include "ember/ops/elementwise_util.h"
#include "ember/ops/index_util.h"

namespace ember {

namespace {

template <class C> inline bool nan_v(C v) {
  if constexpr (std::is_floating_point_v<C>) return std::isnan(v);
  else return false;
}
// Order with NaN above every number (ties among NaNs are "equal" for sorting only).
template <class C> inline bool less_nan_last(C a, C b) {
  if (nan_v(a)) return false;
  if (nan_v(b)) return true;
  return a < b;
}

// A contiguous copy of t (no autograd), so kernels read it as a flat array.
Tensor flat_copy(const Tensor& t, std::optional<Dtype> dtype = std::nullopt) {
  Tensor out = empty(t.sizes(), dtype.value_or(t.dtype()));
  cpu::copy_kernel(out, t);
  return out;
}

// Groups of a sequence of n items given in `order`: returns the group of every
// item and the first item (in `order`) of every group. `same(a, b)` compares items.
template <class Same>
void group_runs(const std::vector<int64_t>& order, Same&& same, std::vector<int64_t>& group_of,
                std::vector<int64_t>& firsts, std::vector<int64_t>& counts) {
  group_of.assign(order.size(), 0);
  for (size_t k = 0; k < order.size(); ++k) {
    if (k == 0 || !same(order[k - 1], order[k])) {
      firsts.push_back(order[k]);
      counts.push_back(0);
    }
    group_of[order[k]] = int64_t(firsts.size()) - 1;
    counts.back()++;
  }
}

Tensor long_tensor(const std::vector<int64_t>& v, const Shape& shape) {
  Tensor t = empty(shape, Dtype::Int64);
  std::copy(v.begin(), v.end(), t.data_ptr<int64_t>());
  return t;
}

using Unique = std::tuple<Tensor, Tensor, Tensor>;

// unique / unique_consecutive over all elements.
Unique unique_flat(const Tensor& t, bool sort_first, bool return_inverse, bool return_counts) {
  Tensor c = flat_copy(t);
  int64_t n = c.numel();
  std::vector<int64_t> order(static_cast<size_t>(n)), group_of, firsts, counts;
  std::iota(order.begin(), order.end(), 0);
  visit_dtype(t.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    using C = compute_t<T>;
    const T* p = reinterpret_cast<const T*>(c.raw_data());
    if (sort_first)
      std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return less_nan_last<C>(C(p[a]), C(p[b])); });
    group_runs(order, [&](int64_t a, int64_t b) { return C(p[a]) == C(p[b]); }, group_of, firsts, counts);
  });
  int64_t ng = int64_t(firsts.size());
  Tensor values = empty({ng}, t.dtype());
  std::vector<int64_t> pos(firsts);
  visit_dtype(t.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* p = reinterpret_cast<const T*>(c.raw_data());
    T* v = reinterpret_cast<T*>(values.raw_data());
    for (int64_t g = 0; g < ng; ++g) v[g] = p[pos[g]];
  });
  Tensor inverse = return_inverse ? long_tensor(group_of, t.sizes()) : empty({0}, Dtype::Int64);
  Tensor cnt = return_counts ? long_tensor(counts, {ng}) : empty({0}, Dtype::Int64);
  return {values, inverse, cnt};
}

// unique / unique_consecutive of the slices of t along dim.
Unique unique_along(const Tensor& t, int64_t dim, bool sort_first, bool return_inverse, bool return_counts, const char* op) {
  EMBER_CHECK_INDEX(t.dim() > 0, op, "Dimension specified as ", dim, " but tensor has no dimensions");
  int64_t d = wrap_dim(dim, t.dim(), op);
  int64_t n = t.sizes()[d];
  if (t.numel() == 0) {
    EMBER_CHECK(n == 0, op, "There are 0 sized dimensions, and they aren't selected, so unique cannot be applied");
    return {flat_copy(t), empty({0}, Dtype::Int64), empty({0}, Dtype::Int64)};
  }
  Tensor rows = flat_copy(detail::raw_movedim_front(t, d));
  int64_t m = t.numel() / n;
  std::vector<int64_t> order(static_cast<size_t>(n)), group_of, firsts, counts;
  std::iota(order.begin(), order.end(), 0);
  visit_dtype(t.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    using C = compute_t<T>;
    const T* p = reinterpret_cast<const T*>(rows.raw_data());
    auto row_less = [&](int64_t a, int64_t b) {
      for (int64_t j = 0; j < m; ++j) {
        C x = C(p[a * m + j]), y = C(p[b * m + j]);
        if (less_nan_last<C>(x, y)) return true;
        if (less_nan_last<C>(y, x)) return false;
      }
      return false;
    };
    if (sort_first) std::stable_sort(order.begin(), order.end(), row_less);
    group_runs(order, [&](int64_t a, int64_t b) {
      for (int64_t j = 0; j < m; ++j)
        if (!(C(p[a * m + j]) == C(p[b * m + j]))) return false;
      return true;
    }, group_of, firsts, counts);
  });
  int64_t ng = int64_t(firsts.size());
  Tensor values;
  {
    autograd::NoGradGuard ng_guard;
    values = index_select(t, d, long_tensor(firsts, {ng}));
  }
  Tensor inverse = return_inverse ? long_tensor(group_of, {n}) : empty({0}, Dtype::Int64);
  Tensor cnt = return_counts ? long_tensor(counts, {ng}) : empty({0}, Dtype::Int64);
  return {values, inverse, cnt};
}

}  // namespace

std::tuple<Tensor, Tensor, Tensor> unique(const Tensor& t, bool sorted, bool return_inverse, bool return_counts, std::optional<int64_t> dim) {
  (void)sorted;  // results always come sorted: a valid order for sorted=False as well
  if (dim) return unique_along(t, *dim, true, return_inverse, return_counts, "unique");
  return unique_flat(t, true, return_inverse, return_counts);
}

std::tuple<Tensor, Tensor, Tensor> unique_consecutive(const Tensor& t, bool return_inverse, bool return_counts, std::optional<int64_t> dim) {
  if (dim) return unique_along(t, *dim, false, return_inverse, return_counts, "unique_consecutive");
  return unique_flat(t, false, return_inverse, return_counts);
}

// ---------------------------------------------------------------- bincount
Tensor bincount(const Tensor& t, const Tensor& weights, int64_t minlength) {
  EMBER_CHECK(is_integral(t.dtype()), "bincount", "\"bincount_cpu\" not implemented for '", dtype_name(t.dtype()), "'");
  EMBER_CHECK(minlength >= 0, "bincount", "minlength should be >= 0");
  EMBER_CHECK(t.dim() == 1, "bincount", "bincount only supports 1-d non-negative integral inputs.");
  bool weighted = weights.defined();
  EMBER_CHECK(!weighted || (weights.dim() == 1 && weights.numel() == t.numel()), "bincount",
              "weights should be 1-d and have the same length as input");
  Tensor v = flat_copy(t, Dtype::Int64);
  const int64_t* p = v.data_ptr<int64_t>();
  int64_t n = v.numel(), mx = -1;
  for (int64_t i = 0; i < n; ++i) {
    EMBER_CHECK(p[i] >= 0, "bincount", "bincount only supports 1-d non-negative integral inputs.");
    mx = std::max(mx, p[i]);
  }
  int64_t nbins = std::max(mx + 1, minlength);
  if (!weighted) {
    Tensor out = zeros({nbins}, Dtype::Int64);
    int64_t* o = out.data_ptr<int64_t>();
    for (int64_t i = 0; i < n; ++i) o[p[i]]++;
    return out;
  }
  // torch: float32 weights count in float32, any other weights in float64
  Dtype od = weights.dtype() == Dtype::Float32 ? Dtype::Float32 : Dtype::Float64;
  Tensor w = flat_copy(weights, od);
  Tensor out = zeros({nbins}, od);
  auto accumulate = [&](auto* o, const auto* wp) {
    for (int64_t i = 0; i < n; ++i) o[p[i]] += wp[i];
  };
  if (od == Dtype::Float32) accumulate(out.data_ptr<float>(), w.data_ptr<float>());
  else accumulate(out.data_ptr<double>(), w.data_ptr<double>());
  return out;
}

// ---------------------------------------------------------------- searchsorted / bucketize
Tensor searchsorted(const Tensor& sorted, const Tensor& values, bool right, bool out_int32) {
  const char* op = "torch.searchsorted()";
  EMBER_CHECK(sorted.dim() > 0, op, "boundaries tensor should have positive dimension, but got 0 dimension");
  if (sorted.dim() > 1) {
    bool ok = values.dim() == sorted.dim();
    for (int64_t d = 0; ok && d + 1 < sorted.dim(); ++d) ok = sorted.sizes()[d] == values.sizes()[d];
    EMBER_CHECK(ok, op, "boundaries tensor should be 1 dimension or the first N-1 dimensions of boundaries tensor and "
                "input value tensor must match, but we got boundaries tensor ", shape_str(sorted.sizes()),
                " and input value tensor ", shape_str(values.sizes()));
  }
  Dtype cd = result_type(sorted, values);
  Tensor s = flat_copy(sorted, cd), v = flat_copy(values, cd);
  Tensor out = empty(values.sizes(), out_int32 ? Dtype::Int32 : Dtype::Int64);
  int64_t m = sorted.sizes().back();
  int64_t per_row = sorted.dim() > 1 ? std::max<int64_t>(values.dim() ? values.sizes().back() : 1, 1) : 0;
  int64_t n = v.numel();
  visit_dtype(cd, [&](auto tag) {
    using T = typename decltype(tag)::type;
    using C = compute_t<T>;
    const T* sp = reinterpret_cast<const T*>(s.raw_data());
    const T* vp = reinterpret_cast<const T*>(v.raw_data());
    auto cmp = [](const T& a, const T& b) { return less_nan_last<C>(C(a), C(b)); };
    for (int64_t i = 0; i < n; ++i) {
      const T* row = sp + (per_row ? (i / per_row) * m : 0);
      const T* pos = right ? std::upper_bound(row, row + m, vp[i], cmp) : std::lower_bound(row, row + m, vp[i], cmp);
      int64_t r = pos - row;
      if (out_int32) reinterpret_cast<int32_t*>(out.raw_data())[i] = int32_t(r);
      else reinterpret_cast<int64_t*>(out.raw_data())[i] = r;
    }
  });
  return out;
}

Tensor bucketize(const Tensor& values, const Tensor& boundaries, bool right, bool out_int32) {
  EMBER_CHECK(boundaries.dim() == 1, "bucketize", "boundaries tensor must be 1 dimension, but got dim(", boundaries.dim(), ")");
  return searchsorted(boundaries, values, right, out_int32);
}

// ---------------------------------------------------------------- histc
Tensor histc(const Tensor& t, int64_t bins, double min, double max) {
  EMBER_CHECK(is_floating(t.dtype()) && t.dtype() != Dtype::Float16, "histc", "\"histogram_cpu\" not implemented for '",
              dtype_name(t.dtype()), "'");
  EMBER_CHECK(bins > 0, "torch.histogram()", "bins must be > 0, but got ", bins, " for dimension 0");
  Tensor c = flat_copy(t);
  int64_t n = c.numel();
  double lo = min, hi = max;
  visit_floating(t.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    using C = compute_t<T>;
    const T* p = reinterpret_cast<const T*>(c.raw_data());
    if (lo == hi && n > 0) {
      // the data's own range; NaN anywhere makes it NaN (and raises below)
      C a = C(p[0]), b = C(p[0]);
      for (int64_t i = 0; i < n; ++i) {
        C x = C(p[i]);
        if (std::isnan(x)) { a = b = x; break; }
        a = std::min(a, x);
        b = std::max(b, x);
      }
      lo = double(a);
      hi = double(b);
    }
  });
  if (lo == hi) {
    lo -= 1;
    hi += 1;
  }
  EMBER_CHECK(std::isfinite(lo) && std::isfinite(hi), "torch.histc", "range of [", lo, ", ", hi, "] is not finite");
  EMBER_CHECK(lo < hi, "torch.histc", "max must be larger than min");
  Tensor out = zeros({bins}, t.dtype());
  visit_floating(t.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    using C = compute_t<T>;
    const T* p = reinterpret_cast<const T*>(c.raw_data());
    std::vector<int64_t> counts(size_t(bins), 0);
    // Same arithmetic as torch (in the input's compute type) so edge values land in the same bin.
    C left = C(T(lo)), rightmost = C(T(hi));
    for (int64_t i = 0; i < n; ++i) {
      C x = C(p[i]);
      if (!(x >= left && x <= rightmost)) continue;
      int64_t pos = int64_t((x - left) * C(bins) / (rightmost - left));
      if (pos >= bins) pos = bins - 1;
      counts[pos]++;
    }
    T* o = reinterpret_cast<T*>(out.raw_data());
    for (int64_t b = 0; b < bins; ++b) o[b] = T(C(counts[b]));
  });
  return out;
}

// ---------------------------------------------------------------- one_hot
Tensor one_hot(const Tensor& t, int64_t num_classes) {
  EMBER_CHECK(t.dtype() == Dtype::Int64, "one_hot", "one_hot is only applicable to index tensor.");
  Tensor v = flat_copy(t);
  const int64_t* p = v.data_ptr<int64_t>();
  int64_t n = v.numel();
  if (num_classes == -1) {
    EMBER_CHECK(n > 0, "one_hot", "Can not infer total number of classes from empty tensor.");
    num_classes = *std::max_element(p, p + n) + 1;
  }
  EMBER_CHECK(num_classes >= 0, "one_hot", "num_classes should be -1 or non-negative, got ", num_classes);
  for (int64_t i = 0; i < n; ++i) {
    EMBER_CHECK(p[i] >= 0, "one_hot", "Class values must be non-negative.");
    EMBER_CHECK(p[i] < num_classes, "one_hot", "Class values must be smaller than num_classes.");
  }
  Shape shape = t.sizes();
  shape.push_back(num_classes);
  Tensor out = zeros(shape, Dtype::Int64);
  int64_t* o = out.data_ptr<int64_t>();
  for (int64_t i = 0; i < n; ++i) o[i * num_classes + p[i]] = 1;
  return out;
}

// ---------------------------------------------------------------- isin
Tensor isin(const Tensor& elements, const Tensor& test_elements, bool invert) {
  Dtype cd = result_type(elements, test_elements);
  Tensor e = flat_copy(elements, cd), s = flat_copy(test_elements, cd);
  Tensor out = empty(elements.sizes(), Dtype::Bool);
  bool* o = out.data_ptr<bool>();
  visit_dtype(cd, [&](auto tag) {
    using T = typename decltype(tag)::type;
    using C = compute_t<T>;
    const T* ep = reinterpret_cast<const T*>(e.raw_data());
    const T* sp = reinterpret_cast<const T*>(s.raw_data());
    std::vector<C> sorted;
    sorted.reserve(size_t(s.numel()));
    for (int64_t i = 0; i < s.numel(); ++i)
      if (!nan_v(C(sp[i]))) sorted.push_back(C(sp[i]));  // NaN equals nothing
    std::sort(sorted.begin(), sorted.end());
    for (int64_t i = 0; i < e.numel(); ++i) {
      C x = C(ep[i]);
      bool found = !nan_v(x) && std::binary_search(sorted.begin(), sorted.end(), x);
      o[i] = found != invert;
    }
  });
  return out;
}

}  // namespace ember
