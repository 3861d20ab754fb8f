// Statistics: variance and standard deviation, norms, median, mode, quantile and nanquantile.
#include <algorithm>
#include <cmath>
#include <limits>

#include "ember/autograd/function.h"
#include "ember/ops/cpu/kernels.h"
#include "ember/ops/linalg_util.h"  // svd_matrix_norm
#include "ember/ops/reduce_common.h"
#include "ember/ops/tensorapi.h"

namespace ember {

using autograd::needs_grad;
using autograd::record;
using autograd::record_multi;
using autograd::save;
using autograd::save_output;
using cpu::ReduceOp;
using namespace reduce;

namespace {

// ---------------------------------------------------------------- variance
void check_var_dtype(const Tensor& t, const char* what) {
  EMBER_CHECK(is_floating(t.dtype()), "", what, " only support floating point and complex dtypes");
}

// var and mean without autograd; 16-bit inputs are computed in float32.
std::pair<Tensor, Tensor> var_mean_forward(const Tensor& t, const Mask& m, double correction, bool keepdim) {
  autograd::NoGradGuard no_grad;
  Tensor x = is_reduced_float(t.dtype()) ? to_dtype(t, Dtype::Float32) : t;
  const int64_t n = reduced_numel(t.sizes(), m);
  Tensor mk = run(ReduceOp::Mean, x, m, true, x.dtype(), double(n));
  Tensor d = sub(x, mk);
  Tensor ss = run(ReduceOp::Sum, mul(d, d), m, keepdim, x.dtype());
  Tensor var = div(ss, S(std::max(0.0, double(n) - correction)));
  Tensor mean = keepdim ? mk : reshape_alias(mk, result_shape(t.sizes(), m, false));
  return {to_dtype(var, t.dtype()), to_dtype(mean, t.dtype())};
}

Tensor var_backward(const Tensor& g, const Tensor& x, const Mask& m, double correction, bool keepdim) {
  const int64_t n = reduced_numel(x.sizes(), m);
  Tensor centered = sub(x, mean(x, mask_dims(m), true));
  return mul(mul(to_keepdim(g, x.sizes(), m, keepdim), S(2.0 / (double(n) - correction))), centered);
}

// d std = d var / (2 std); zero where std is zero, like torch.
Tensor std_to_var_grad(const Tensor& g, const Tensor& std_result) {
  return where(eq(std_result, S(0)), zeros({}, g.dtype()), div(g, mul(std_result, S(2))));
}

Tensor mean_backward(const Tensor& g, const Shape& shape, const Mask& m, bool keepdim) {
  return grad_to_input(div(g, S(double(reduced_numel(shape, m)))), shape, m, keepdim);
}

// ---------------------------------------------------------------- norms
Tensor norm_backward(const Tensor& g, const Tensor& x, const Tensor& norm, double p, const Mask& m, bool keepdim) {
  Tensor gk = to_keepdim(g, x.sizes(), m, keepdim), nk = to_keepdim(norm, x.sizes(), m, keepdim);
  Tensor zero = zeros({}, g.dtype());
  if (p == 0) return Tensor();  // piecewise constant: no gradient, as in torch
  if (p == 1) return mul(sign(x), gk);
  if (p == 2) return mul(gk, where(eq(nk, S(0)), zero, div(x, nk)));
  if (std::isinf(p)) {
    Tensor ax = abs(x);
    Tensor mask = logical_or(eq(ax, nk), nan_mask(ax));
    return mul(sign(x), mul(div(gk, sum(mask, mask_dims(m), true)), mask));
  }
  if (p < 1) {
    Tensor scaled = mul(sign(x), where(eq(x, S(0)), zero, pow(abs(x), S(p - 1))));
    return mul(mul(scaled, gk), pow(nk, S(1 - p)));
  }
  Tensor scaled = p < 2 ? mul(sign(x), pow(abs(x), S(p - 1))) : mul(x, pow(abs(x), S(p - 2)));
  Tensor scale = where(eq(nk, S(0)), zero, div(gk, pow(nk, S(p - 1))));
  return mul(scaled, scale);
}

// ---------------------------------------------------------------- order statistics
Tensor as_1d(const Tensor& t) { return t.dim() > 0 ? t : make_view(t, {1}, {1}, t.storage_offset()); }

// values/indices along dim through a line kernel, in the result shape.
template <class Kernel>
std::pair<Tensor, Tensor> line_select(const char* name, const Tensor& t, int64_t dim, bool keepdim, Kernel kernel) {
  Mask m = one_dim_mask(dim, t.dim(), name);
  int64_t d = wrap_dim(dim, t.dim(), name);
  check_nonempty_dims(name, t, m);
  Tensor in = as_1d(t);
  Shape ks = keep_shape(in.sizes(), one_dim_mask(d, in.dim(), name));
  Tensor values = empty(ks, t.dtype()), indices = empty(ks, Dtype::Int64);
  kernel(values, indices, in, d);
  Shape rs = result_shape(t.sizes(), m, keepdim);
  values = make_view(values, rs, contiguous_strides(rs), 0);
  indices = make_view(indices, rs, contiguous_strides(rs), 0);
  return {values, indices};
}

// Gradient of a value picked along dim: to the picked position.
void record_select_backward(const char* node, const Tensor& t, Tensor& values, const Tensor& indices, int64_t dim, bool keepdim) {
  if (!needs_grad(t)) return;
  int64_t d = wrap_dim(dim, t.dim());
  Mask m = one_dim_mask(d, t.dim(), node);
  record(node, {t}, values, [indices, shape = t.sizes(), d, m, keepdim](const Tensor& g) -> TensorList {
    if (shape.empty()) return {g};
    return {put_along(to_keepdim(g, shape, m, keepdim), to_keepdim(indices, shape, m, keepdim), d, shape)};
  });
}

void check_median_dtype(const Tensor& t, const char* kernel_name) {
  EMBER_CHECK(t.dtype() != Dtype::Bool, "", "\"", kernel_name, "\" not implemented for 'Bool'");
}

Tensor median_all(const Tensor& t, bool ignore_nan) {
  check_median_dtype(t, "median_cpu");
  Tensor out;
  if (t.numel() == 0) {
    out = full({}, std::numeric_limits<double>::quiet_NaN(), t.dtype());
  } else {
    Tensor flat = reshape_alias(detach(t), {t.numel()});
    Tensor v = empty({1}, t.dtype()), i = empty({1}, Dtype::Int64);
    cpu::median_kernel(v, i, flat, 0, ignore_nan);
    out = make_view(v, {}, {}, 0);
  }
  if (needs_grad(t))
    record(ignore_nan ? "NanmedianBackward0" : "MedianBackward0", {t}, out,
           [sx = save(t), sr = save_output(out)](const Tensor& g) -> TensorList {
             Tensor x = sx.unpack(), r = sr.unpack();
             Tensor mask = nan_mask(r).item().to_bool() ? nan_mask(x) : eq(x, r);
             return {mul(mask, div(g, sum(mask)))};
           });
  return out;
}

std::pair<Tensor, Tensor> median_dim(const Tensor& t, int64_t dim, bool keepdim, bool ignore_nan) {
  check_median_dtype(t, "median_out");
  const char* name = ignore_nan ? "nanmedian" : "median";
  auto r = line_select(name, t, dim, keepdim, [ignore_nan](const Tensor& v, const Tensor& i, const Tensor& in, int64_t d) {
    cpu::median_kernel(v, i, in, d, ignore_nan);
  });
  record_select_backward(ignore_nan ? "NanmedianBackward1" : "MedianBackward1", t, r.first, r.second, dim, keepdim);
  return r;
}

}  // namespace

// ---------------------------------------------------------------- var / std
Tensor var(const Tensor& t, const Dims& dims, double correction, bool keepdim) {
  check_var_dtype(t, "std and var");
  Mask m = dim_mask(dims, t.dim(), "var");
  Tensor out = var_mean_forward(t, m, correction, keepdim).first;
  if (needs_grad(t))
    record("VarBackward0", {t}, out, [sx = save(t), m, correction, keepdim](const Tensor& g) -> TensorList {
      return {var_backward(g, sx.unpack(), m, correction, keepdim)};
    });
  return out;
}

Tensor std(const Tensor& t, const Dims& dims, double correction, bool keepdim) {
  check_var_dtype(t, "std and var");
  Mask m = dim_mask(dims, t.dim(), "std");
  Tensor out = sqrt(var_mean_forward(t, m, correction, keepdim).first);
  if (needs_grad(t))
    record("StdBackward0", {t}, out, [sx = save(t), sr = save_output(out), m, correction, keepdim](const Tensor& g) -> TensorList {
      return {var_backward(std_to_var_grad(g, sr.unpack()), sx.unpack(), m, correction, keepdim)};
    });
  return out;
}

std::pair<Tensor, Tensor> var_mean(const Tensor& t, const Dims& dims, double correction, bool keepdim) {
  check_var_dtype(t, "var_mean");
  Mask m = dim_mask(dims, t.dim(), "var_mean");
  auto [v, mu] = var_mean_forward(t, m, correction, keepdim);
  if (needs_grad(t))
    record_multi("VarMeanBackward0", {t}, {&v, &mu}, [sx = save(t), m, correction, keepdim](TensorList&& gs) -> TensorList {
      Tensor x = sx.unpack();
      return {add(var_backward(gs[0], x, m, correction, keepdim), mean_backward(gs[1], x.sizes(), m, keepdim))};
    });
  return {v, mu};
}

std::pair<Tensor, Tensor> std_mean(const Tensor& t, const Dims& dims, double correction, bool keepdim) {
  check_var_dtype(t, "std_mean");
  Mask m = dim_mask(dims, t.dim(), "std_mean");
  auto [v, mu] = var_mean_forward(t, m, correction, keepdim);
  Tensor s = sqrt(v);
  if (needs_grad(t))
    record_multi("StdMeanBackward0", {t}, {&s, &mu},
                 [sx = save(t), ss = save_output(s, 0), m, correction, keepdim](TensorList&& gs) -> TensorList {
                   Tensor x = sx.unpack();
                   Tensor gv = var_backward(std_to_var_grad(gs[0], ss.unpack()), x, m, correction, keepdim);
                   return {add(gv, mean_backward(gs[1], x.sizes(), m, keepdim))};
                 });
  return {s, mu};
}

// ---------------------------------------------------------------- norms
Tensor vector_norm(const Tensor& t, double ord, const Dims& dims, bool keepdim, std::optional<Dtype> dtype) {
  EMBER_CHECK(is_floating(t.dtype()), "", "linalg.vector_norm: Expected a floating point or complex tensor as input. Got ",
              scalar_type_name(t.dtype()));
  if (dtype)
    EMBER_CHECK(promote_types(t.dtype(), *dtype) == *dtype, "", "linalg.vector_norm: the dtype of the input (",
                scalar_type_name(t.dtype()), ") should be convertible without narrowing to the specified dtype (",
                scalar_type_name(*dtype), ")");
  Mask m = dim_mask(dims, t.dim(), "linalg.vector_norm");
  if (std::isinf(ord)) {
    const char* which = ord > 0 ? "inf" : "-inf";
    EMBER_CHECK(t.numel() > 0 || !dims.empty(), "", "linalg.vector_norm cannot compute the ", which,
                " norm on an empty tensor because the operation does not have an identity");
    for (size_t d = 0; d < m.size(); ++d)
      EMBER_CHECK(!m[d] || t.sizes()[d] != 0, "", "linalg.vector_norm cannot compute the ", which, " norm on the dimension ",
                  d, "because this dimension is empty and the operation does not have an identity");
  }
  Dtype out_dtype = dtype.value_or(t.dtype());
  Tensor in = t;
  if (out_dtype != t.dtype()) {
    in = empty(t.sizes(), out_dtype);
    cpu::copy_kernel(in, t);
  }
  ReduceOp op = ord == 0 ? ReduceOp::Norm0
              : ord == 1 ? ReduceOp::Norm1
              : ord == 2 ? ReduceOp::Norm2
              : std::isinf(ord) ? (ord > 0 ? ReduceOp::NormInf : ReduceOp::NormNegInf)
              : ReduceOp::NormP;
  Tensor out = run(op, in, m, keepdim, out_dtype, ord);
  if (needs_grad(t))
    record("LinalgVectorNormBackward0", {t}, out, [sx = save(t), sr = save_output(out), ord, m, keepdim](const Tensor& g) -> TensorList {
      return {norm_backward(g, sx.unpack(), sr.unpack(), ord, m, keepdim)};
    });
  return out;
}

Tensor norm(const Tensor& t, const std::optional<Scalar>& p, const Dims& dims, bool keepdim, std::optional<Dtype> dtype) {
  EMBER_CHECK(is_floating(t.dtype()), "", "norm(): input dtype should be either floating point or complex. Got ",
              scalar_type_name(t.dtype()), " instead.");
  const double ord = p ? p->to_double() : 2.0;
  if (std::isinf(ord)) {
    // torch.norm (unlike linalg.vector_norm) answers 0 for an empty slice
    Mask m = dim_mask(dims, t.dim(), "norm");
    if (reduced_numel(t.sizes(), m) == 0) return zeros(result_shape(t.sizes(), m, keepdim), dtype.value_or(t.dtype()));
  }
  return vector_norm(t, ord, dims, keepdim, dtype);
}

Tensor matrix_norm(const Tensor& t, const std::string& ord, const Dims& dims, bool keepdim) {
  EMBER_CHECK(t.dim() >= 2, "", "linalg.matrix_norm: The input tensor A must have at least 2 dimensions.");
  EMBER_CHECK(dims.size() == 2, "", "linalg.matrix_norm: dim must be a 2-tuple. Got ", dims.size(), " dims");
  EMBER_CHECK(is_floating(t.dtype()), "", "linalg.matrix_norm: Expected a floating point or complex tensor as input. Got ",
              scalar_type_name(t.dtype()));
  dim_mask(dims, t.dim(), "linalg.matrix_norm");
  if (ord == "fro") return vector_norm(t, 2, dims, keepdim);
  if (ord == "nuc") return linalg::svd_matrix_norm(t, ord, dims, keepdim);  // sum of singular values
  EMBER_FAIL("", "linalg.matrix_norm: Order ", ord, " not supported.");
}

// Numeric orders: the largest (or smallest) absolute column sum (ord 1) or row sum (ord inf).
Tensor matrix_norm(const Tensor& t, double ord, const Dims& dims, bool keepdim) {
  EMBER_CHECK(t.dim() >= 2, "", "linalg.matrix_norm: The input tensor A must have at least 2 dimensions.");
  EMBER_CHECK(dims.size() == 2, "", "linalg.matrix_norm: dim must be a 2-tuple. Got ", dims.size(), " dims");
  EMBER_CHECK(is_floating(t.dtype()), "", "linalg.matrix_norm: Expected a floating point or complex tensor as input. Got ",
              scalar_type_name(t.dtype()));
  dim_mask(dims, t.dim(), "linalg.matrix_norm");
  if (std::abs(ord) == 2) return linalg::svd_matrix_norm(t, ord > 0 ? "2" : "-2", dims, keepdim);  // extreme singular values
  EMBER_CHECK(std::abs(ord) == 1 || std::isinf(ord), "", "linalg.matrix_norm: Order ", ord, " not supported.");
  const int64_t d0 = wrap_dim(dims[0], t.dim()), d1 = wrap_dim(dims[1], t.dim());
  const int64_t sum_dim = std::isinf(ord) ? d1 : d0, pick_dim = std::isinf(ord) ? d0 : d1;
  Tensor sums = sum(abs(t), {sum_dim}, true);
  Tensor r = ord > 0 ? amax(sums, {pick_dim}, true) : amin(sums, {pick_dim}, true);
  if (keepdim) return r;
  Mask m(size_t(t.dim()), false);
  m[size_t(d0)] = m[size_t(d1)] = true;
  return reshape_alias(r, result_shape(t.sizes(), m, false));
}

// ---------------------------------------------------------------- median, mode
Tensor median(const Tensor& t) { return median_all(t, false); }
Tensor nanmedian(const Tensor& t) { return median_all(t, true); }
std::pair<Tensor, Tensor> median(const Tensor& t, int64_t dim, bool keepdim) { return median_dim(t, dim, keepdim, false); }
std::pair<Tensor, Tensor> nanmedian(const Tensor& t, int64_t dim, bool keepdim) { return median_dim(t, dim, keepdim, true); }

std::pair<Tensor, Tensor> mode(const Tensor& t, int64_t dim, bool keepdim) {
  auto r = line_select("mode", t, dim, keepdim, [](const Tensor& v, const Tensor& i, const Tensor& in, int64_t d) {
    cpu::mode_kernel(v, i, in, d);
  });
  record_select_backward("ModeBackward0", t, r.first, r.second, dim, keepdim);
  return r;
}

// ---------------------------------------------------------------- quantile
// torch's algorithm: sort each line, turn q into fractional ranks (the last
// rank when the line holds a NaN), and interpolate between the neighbours. The
// sorted values are taken from the input by index, so gradients reach it.
namespace {
// ignore_nan (nanquantile): ranks count only a line's non-NaN values (NaNs sort last); an
// all-NaN line gives NaN. Otherwise a line holding a NaN gives NaN.
Tensor quantile_impl(const Tensor& t, const Tensor& q, std::optional<int64_t> dim, bool keepdim,
                     const std::string& interpolation, bool ignore_nan) {
  const bool linear = interpolation == "linear", lower = interpolation == "lower", higher = interpolation == "higher",
             midpoint = interpolation == "midpoint", nearest = interpolation == "nearest";
  EMBER_CHECK(linear || lower || higher || midpoint || nearest, "",
              "quantile() interpolation must be one of linear, lower, higher, midpoint or nearest, but got ", interpolation);
  EMBER_CHECK(t.numel() > 0, "", "quantile() input tensor must be non-empty");
  EMBER_CHECK(q.dim() <= 1, "", "quantile() q must be a scalar or 1D tensor");
  EMBER_CHECK(t.dtype() == Dtype::Float32 || t.dtype() == Dtype::Float64, "",
              "quantile() input tensor must be either float or double dtype");
  EMBER_CHECK(q.dtype() == t.dtype(), "", "quantile() q tensor must be same dtype as the input tensor");
  Tensor qc = contiguous(detach(q));
  const int64_t nq = qc.numel();
  std::vector<double> qv(static_cast<size_t>(nq));
  visit_floating(t.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* p = static_cast<const T*>(qc.raw_data());
    for (int64_t j = 0; j < nq; ++j) qv[size_t(j)] = double(p[j]);
  });
  for (double v : qv) EMBER_CHECK(v >= 0 && v <= 1, "", "quantile() q values must be in the range [0, 1]");

  Tensor x;
  int64_t d = 0;
  if (dim) {
    d = wrap_dim(*dim, t.dim(), "quantile");
    x = t.dim() > 0 ? t : reshape_alias(t, {1});
  } else {
    x = reshape_alias(t, {t.numel()});
  }
  const int64_t n = x.sizes()[d];
  Tensor sorted_vals = empty(x.sizes(), x.dtype()), sorted_idx = empty(x.sizes(), Dtype::Int64);
  cpu::sort_lines_kernel(sorted_vals, sorted_idx, detach(x), d);
  Tensor sorted = take_along(x, sorted_idx, d);

  // ranks: [outer, nq, inner], NaN lines pinned to the last rank
  int64_t outer = 1, inner = 1;
  for (int64_t i = 0; i < d; ++i) outer *= x.sizes()[i];
  for (int64_t i = d + 1; i < x.dim(); ++i) inner *= x.sizes()[i];
  Shape qshape = x.sizes();
  qshape[d] = nq;
  Tensor below = empty(qshape, Dtype::Int64), above = empty(qshape, Dtype::Int64), weight = empty(qshape, t.dtype());
  visit_floating(t.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (std::is_floating_point_v<T>) {  // float32 and float64 only (checked above)
      const T* sv = static_cast<const T*>(sorted_vals.raw_data());
      int64_t* pb = static_cast<int64_t*>(below.raw_data());
      int64_t* pa = static_cast<int64_t*>(above.raw_data());
      T* pw = static_cast<T*>(weight.raw_data());
      for (int64_t o = 0; o < outer; ++o)
        for (int64_t j = 0; j < nq; ++j)
          for (int64_t i = 0; i < inner; ++i) {
            const bool has_nan = std::isnan(sv[(o * n + n - 1) * inner + i]);
            int64_t valid = n;
            if (ignore_nan)
              while (valid > 0 && std::isnan(sv[(o * n + valid - 1) * inner + i])) --valid;
            const bool pinned = ignore_nan ? valid == 0 : has_nan;
            T rank = pinned ? T(n - 1) : T(qv[size_t(j)]) * T(valid - 1);  // in the input's dtype, like torch
            if (lower) rank = std::floor(rank);
            else if (higher) rank = std::ceil(rank);
            else if (nearest) rank = std::nearbyint(rank);
            const int64_t at = (o * nq + j) * inner + i;
            pb[at] = int64_t(rank);
            pa[at] = int64_t(std::ceil(rank));
            pw[at] = midpoint ? T(0.5) : rank - T(pb[at]);
          }
    }
  });
  Tensor result = take_along(sorted, below, d);
  if (linear || midpoint) result = lerp(result, take_along(sorted, above, d), weight);

  // q's axis goes first; then the reduced shape
  Dims perm{d};
  for (int64_t i = 0; i < x.dim(); ++i)
    if (i != d) perm.push_back(i);
  result = permute_view(result, perm);
  Shape out_shape;
  if (q.dim() == 1) out_shape.push_back(nq);
  if (dim) {
    Mask m = one_dim_mask(*dim, t.dim(), "quantile");
    for (int64_t s : result_shape(t.sizes(), m, keepdim)) out_shape.push_back(s);
  } else if (keepdim) {
    out_shape.resize(out_shape.size() + size_t(t.dim()), 1);
  }
  return reshape_alias(result, out_shape);
}
}  // namespace

Tensor quantile(const Tensor& t, const Tensor& q, std::optional<int64_t> dim, bool keepdim, const std::string& interpolation) {
  return quantile_impl(t, q, dim, keepdim, interpolation, false);
}
Tensor nanquantile(const Tensor& t, const Tensor& q, std::optional<int64_t> dim, bool keepdim,
                   const std::string& interpolation) {
  return quantile_impl(t, q, dim, keepdim, interpolation, true);
}

}  // namespace ember
