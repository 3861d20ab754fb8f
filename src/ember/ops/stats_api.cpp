// Statistics, distances and small constructors of torch's long tail, written with ember ops
// (so autograd comes from those ops) following torch's own compositions where it has them:
// dist, cov, corrcoef, renorm, cdist, pdist, cosine_similarity, pairwise_distance,
// cartesian_prod, combinations, block_diag, tril/triu_indices, vander, trapezoid,
// cumulative_trapezoid, range, addr, histogram.
#include <cmath>
#include <functional>

#include "ember/autograd/function.h"
#include "ember/ops/elementwise_util.h"
#include "ember/ops/tensorapi.h"

namespace ember {

namespace {
Tensor S(const Scalar& v) { return wrap_scalar(v); }
}  // namespace

Tensor dist(const Tensor& a, const Tensor& b, const Scalar& p) { return norm(sub(a, b), p); }

// ---------------------------------------------------------------- cov, corrcoef (torch's Correlation.cpp)
namespace {
void check_weights(const Tensor& w, const char* name, int64_t observations, bool integral) {
  EMBER_CHECK(w.dim() <= 1, "", "cov(): expected ", name, " to have one or fewer dimensions but got ", name, " with ",
              w.dim(), " dimensions");
  if (integral)
    EMBER_CHECK(!is_floating(w.dtype()) && w.dtype() != Dtype::Bool, "", "cov(): expected ", name,
                " to have integral dtype but got ", name, " with ", scalar_type_name(w.dtype()), " dtype");
  else
    EMBER_CHECK(is_floating(w.dtype()), "", "cov(): expected ", name, " to have floating point dtype but got ", name,
                " with ", scalar_type_name(w.dtype()), " dtype");
  EMBER_CHECK(w.numel() == observations, "", "cov(): expected ", name,
              " to have the same numel as there are observations in the input but got ", w.numel(), " != ", observations);
  EMBER_CHECK(observations == 0 || amin(detach(w)).item().to_double() >= 0, "", "cov(): ", name, " cannot be negative");
}
}  // namespace

Tensor cov(const Tensor& t, int64_t correction, const std::optional<Tensor>& fweights, const std::optional<Tensor>& aweights) {
  EMBER_CHECK(t.dim() <= 2, "", "cov(): expected input to have two or fewer dimensions but got an input with ", t.dim(),
              " dimensions");
  EMBER_CHECK(t.dtype() != Dtype::Bool, "", "cov(): bool dtype is not supported for input");
  Tensor in = t.dim() < 2 ? reshape(t, {1, -1}) : t;  // (variables, observations)
  const int64_t n = in.size(1);
  Tensor w;  // the product of frequency and importance weights
  if (fweights) {
    check_weights(*fweights, "fweights", n, true);
    w = *fweights;
  }
  if (aweights) {
    check_weights(*aweights, "aweights", n, false);
    w = w.defined() ? mul(w, *aweights) : *aweights;
  }
  Tensor w_sum = w.defined() ? sum(w) : scalar_tensor(Scalar(n), Dtype::Int64);
  EMBER_CHECK(!w.defined() || detach(w_sum).item().to_double() != 0, "", "cov(): weights sum to zero, can't be normalized");
  Tensor avg = div(sum(w.defined() ? mul(in, w) : in, {1}), w_sum);
  Tensor norm_factor = w.defined() && aweights && correction != 0
                           ? sub(w_sum, div(mul(S(correction), sum(mul(w, *aweights))), w_sum))
                           : sub(w_sum, S(correction));
  // no degrees of freedom left: torch divides by zero (and warns)
  if (detach(norm_factor).item().to_double() <= 0) norm_factor = zeros_like(norm_factor);
  Tensor centered = sub(in, unsqueeze(avg, 1));
  Tensor c = mm(centered, ember::t(w.defined() ? mul(centered, w) : centered));
  return squeeze(div(c, norm_factor));
}

Tensor corrcoef(const Tensor& t) {
  EMBER_CHECK(t.dim() <= 2, "", "corrcoef(): expected input to have two or fewer dimensions but got an input with ",
              t.dim(), " dimensions");
  Tensor c = cov(t);
  if (c.dim() == 0) return div(c, c);  // nan for a zero, infinite or nan variance, else 1
  Tensor sd = sqrt(diag(c));
  c = div(div(c, reshape(sd, {-1, 1})), reshape(sd, {1, -1}));
  return clamp(c, std::optional<Scalar>(-1), std::optional<Scalar>(1));
}

// ---------------------------------------------------------------- renorm
Tensor renorm(const Tensor& t, const Scalar& p, int64_t dim, const Scalar& maxnorm) {
  EMBER_CHECK(p.to_double() > 0, "", "renorm: non-positive-norm not supported");
  EMBER_CHECK(maxnorm.to_double() >= 0, "", "renorm: expected maxnorm to be >= 0 but got ", maxnorm.to_double());
  EMBER_CHECK(t.dim() > 1, "", "renorm: input needs at least 2 dimensions, got ", t.dim(), " dimensions");
  dim = wrap_dim(dim, t.dim(), "renorm");
  Dims others;
  for (int64_t d = 0; d < t.dim(); ++d)
    if (d != dim) others.push_back(d);
  // norms in float for 16-bit inputs (torch's accumulate type); the product is rounded once to t's dtype
  std::optional<Dtype> acc;
  if (t.dtype() == Dtype::Float16 || t.dtype() == Dtype::BFloat16) acc = Dtype::Float32;
  Tensor norms = vector_norm(t, p.to_double(), others, true, acc);
  Tensor factor = where(gt(norms, S(maxnorm)), div(S(maxnorm), add(norms, S(1e-7))), ones({}, norms.dtype()));
  return to_dtype(mul(t, factor), t.dtype());
}
Tensor& renorm_(Tensor& self, const Scalar& p, int64_t dim, const Scalar& maxnorm) {
  return copy_(self, renorm(autograd::needs_grad(self) ? clone(self) : self, p, dim, maxnorm));
}

// ---------------------------------------------------------------- cdist, pdist and friends
namespace {

void check_distance_dtype(const Tensor& t, const char* op, const char* which) {
  EMBER_CHECK(is_floating(t.dtype()), "", op, " only supports floating-point dtypes", which, scalar_type_name(t.dtype()));
  EMBER_CHECK(t.dtype() == Dtype::Float32 || t.dtype() == Dtype::Float64, "", "\"", op, "\" not implemented for '",
              scalar_type_name(t.dtype()), "'");
}

// torch's _euclidean_dist: |a|^2 - 2 a.b + |b|^2 by one matrix product, clamped at 0. Its
// derivative is written out (as torch does) so that zero distances get a zero gradient.
Tensor euclidean_dist(const Tensor& x1, const Tensor& x2) {
  Tensor out;
  {
    autograd::NoGradGuard guard;
    Tensor n1 = sum(mul(x1, x1), {-1}, true), n2 = sum(mul(x2, x2), {-1}, true);
    Tensor a = cat({mul(x1, S(-2)), n1, ones_like(n1)}, -1);
    Tensor b = cat({x2, ones_like(n2), n2}, -1);
    out = sqrt(clamp(matmul(a, mT(b)), std::optional<Scalar>(0), std::nullopt));
  }
  if (autograd::needs_grad(x1, x2)) {
    autograd::record("EuclideanDistBackward0", {x1, x2}, out,
                     [s1 = autograd::save(x1), s2 = autograd::save(x2), sr = autograd::save_output(out)](
                         const Tensor& g) -> TensorList {
                       Tensor a = s1.unpack(), b = s2.unpack(), r = sr.unpack();
                       Tensor ratio = where(eq(r, S(0)), zeros({}, g.dtype()), div(g, r));
                       return {sub(mul(a, sum(ratio, {-1}, true)), matmul(ratio, b)),
                               sub(mul(b, unsqueeze(sum(ratio, {-2}), -1)), matmul(mT(ratio), a))};
                     });
  }
  return out;
}

}  // namespace

Tensor cdist(const Tensor& x1, const Tensor& x2, double p, const std::string& compute_mode) {
  EMBER_CHECK(x1.dim() >= 2, "", "cdist only supports at least 2D tensors, X1 got: ", x1.dim(), "D");
  EMBER_CHECK(x2.dim() >= 2, "", "cdist only supports at least 2D tensors, X2 got: ", x2.dim(), "D");
  EMBER_CHECK(x1.size(-1) == x2.size(-1), "", "X1 and X2 must have the same number of columns. X1: ", x1.size(-1),
              " X2: ", x2.size(-1));
  check_distance_dtype(x1, "cdist", ", X1 got: ");
  check_distance_dtype(x2, "cdist", ", X2 got: ");
  EMBER_CHECK(p >= 0, "", "cdist only supports non-negative p values");
  EMBER_CHECK(x1.dtype() == x2.dtype(), "", "expected scalar type ", scalar_type_name(x1.dtype()), " but found ",
              scalar_type_name(x2.dtype()));
  int mode = compute_mode == "use_mm_for_euclid_dist_if_necessary" ? 0
           : compute_mode == "use_mm_for_euclid_dist"             ? 1
           : compute_mode == "donot_use_mm_for_euclid_dist"       ? 2
                                                                  : -1;
  EMBER_CHECK_VALUE(mode >= 0, "", compute_mode, " is not a valid value for compute_mode");
  const int64_t rows1 = x1.size(-2), rows2 = x2.size(-2);
  // torch's choice: the matrix-product form for p = 2 on more than 25 rows (or when asked)
  if (p == 2 && rows1 > 0 && rows2 > 0 && (mode == 1 || (mode == 0 && (rows1 > 25 || rows2 > 25)))) {
    Shape batch = broadcast_shapes(Shape(x1.sizes().begin(), x1.sizes().end() - 2),
                                   Shape(x2.sizes().begin(), x2.sizes().end() - 2), "cdist");
    Shape s1 = batch, s2 = batch;
    s1.insert(s1.end(), {rows1, x1.size(-1)});
    s2.insert(s2.end(), {rows2, x2.size(-1)});
    return euclidean_dist(expand(x1, s1), expand(x2, s2));
  }
  // torch.norm (not vector_norm): an empty row has distance 0 for every p, inf included
  return norm(sub(unsqueeze(x1, -2), unsqueeze(x2, -3)), Scalar(p), Dims{-1});
}

Tensor pdist(const Tensor& t, double p) {
  EMBER_CHECK(t.dim() == 2, "", "pdist only supports 2D tensors, got: ", t.dim(), "D");
  EMBER_CHECK(is_floating(t.dtype()), "", "pdist only supports floating-point dtypes");
  EMBER_CHECK(p >= 0, "", "pdist only supports non-negative p values");
  const int64_t n = t.size(0);
  Tensor pairs = triu_indices(n, n, 1);
  Tensor diff = sub(index_select(t, 0, select(pairs, 0, 0)), index_select(t, 0, select(pairs, 0, 1)));
  return norm(diff, Scalar(p), Dims{1});
}

// torch 1.13: each input divided by its norm, the norms clamped below at eps without autograd
// (the gradient flows through the norm as if unclamped), then the dot product along dim.
Tensor cosine_similarity(const Tensor& x1, const Tensor& x2, int64_t dim, double eps) {
  Dtype d = result_type(x1, x2);
  EMBER_CHECK(is_floating(d), "", "expected common dtype to be floating point, yet common dtype is ", scalar_type_name(d));
  Tensor a = is_floating(x1.dtype()) ? x1 : to_dtype(x1, d);
  Tensor b = is_floating(x2.dtype()) ? x2 : to_dtype(x2, d);
  Shape shape = broadcast_shapes(a.sizes(), b.sizes(), "cosine_similarity");
  a = expand(a, shape);
  b = expand(b, shape);
  auto clamped_norm = [&](const Tensor& x) {
    Tensor n = vector_norm(x, 2, {dim}, true);
    Tensor raw = detach(n);
    return add(n, sub(clamp(raw, std::optional<Scalar>(eps), std::nullopt), raw));
  };
  return sum(mul(div(a, clamped_norm(a)), div(b, clamped_norm(b))), {dim});
}

Tensor pairwise_distance(const Tensor& x1, const Tensor& x2, double p, double eps, bool keepdim) {
  const int64_t out_dim = std::max(x1.dim(), x2.dim());
  return norm(add(sub(x1, x2), S(eps)), Scalar(p), Dims{out_dim - 1}, keepdim);
}

// ---------------------------------------------------------------- products and combinations of 1-D tensors
Tensor cartesian_prod(const TensorList& ts) {
  for (const Tensor& t : ts) EMBER_CHECK(t.dim() == 1, "", "Expect a 1D vector, but got shape ", shape_str(t.sizes()));
  if (ts.size() == 1) return ts[0];
  TensorList grids = meshgrid(ts, "ij");
  for (Tensor& g : grids) g = reshape(g, {-1});
  return stack(grids, 1);
}

Tensor combinations(const Tensor& t, int64_t r, bool with_replacement) {
  EMBER_CHECK(t.dim() == 1, "", "Expect a 1D vector, but got shape ", shape_str(t.sizes()));
  EMBER_CHECK(r >= 0, "", "Expect a non-negative number, but got ", r);
  if (r == 0) return empty({0}, t.dtype());
  const int64_t n = t.numel();
  // index tuples i1 <= i2 <= ... (or <) in lexicographic order, as torch's masked meshgrid gives them
  std::vector<std::vector<int64_t>> cols(static_cast<size_t>(r));
  std::vector<int64_t> cur(size_t(r), 0);
  auto valid_start = [&](int64_t k) { return with_replacement ? cur[size_t(k - 1)] : cur[size_t(k - 1)] + 1; };
  std::function<void(int64_t)> fill = [&](int64_t k) {
    if (k == r) {
      for (int64_t j = 0; j < r; ++j) cols[size_t(j)].push_back(cur[size_t(j)]);
      return;
    }
    for (int64_t i = k == 0 ? 0 : valid_start(k); i < n; ++i) {
      cur[size_t(k)] = i;
      fill(k + 1);
    }
  };
  fill(0);
  TensorList parts;
  for (auto& c : cols) {
    Tensor idx = empty({int64_t(c.size())}, Dtype::Int64);
    std::copy(c.begin(), c.end(), idx.data_ptr<int64_t>());
    parts.push_back(index_select(t, 0, idx));
  }
  return stack(parts, 1);
}

Tensor block_diag(const TensorList& ts) {
  if (ts.empty()) return empty({1, 0}, default_dtype());
  Dtype d = result_type(ts);
  int64_t rows = 0, cols = 0;
  TensorList mats;
  for (size_t i = 0; i < ts.size(); ++i) {
    const Tensor& t = ts[i];
    EMBER_CHECK(t.dim() <= 2, "", "torch.block_diag: Input tensors must have 2 or fewer dimensions. Input ", i, " has ",
                t.dim(), " dimensions");
    Tensor m = t.dim() == 2 ? t : reshape(t, {1, -1});
    mats.push_back(to_dtype(m, d));
    rows += m.size(0);
    cols += m.size(1);
  }
  // each block padded with zeros to the full width, then the rows stacked
  TensorList bands;
  int64_t left = 0;
  for (const Tensor& m : mats) {
    const int64_t w = m.size(1);
    bands.push_back(pad(m, {left, cols - left - w}));
    left += w;
  }
  Tensor out = cat(bands, 0);
  return rows == 0 ? zeros({0, cols}, d) : out;
}

namespace {
// torch's tril/triu_indices: (2, N) coordinates in row-major order; tril keeps col - row <= offset.
Tensor tri_indices(int64_t row, int64_t col, int64_t offset, Dtype dtype, bool lower, const char* op) {
  EMBER_CHECK(row >= 0, "", "row must be non-negative, got", row);
  EMBER_CHECK(col >= 0, "", "col must be non-negative, got", col);
  EMBER_CHECK(!is_floating(dtype) && dtype != Dtype::Bool, "", "\"", op, "\" not implemented for '",
              scalar_type_name(dtype), "'");
  std::vector<int64_t> rs, cs;
  for (int64_t i = 0; i < row; ++i)
    for (int64_t j = 0; j < col; ++j)
      if (lower ? j - i <= offset : j - i >= offset) {
        rs.push_back(i);
        cs.push_back(j);
      }
  const int64_t n = int64_t(rs.size());
  Tensor out = empty({2, n}, Dtype::Int64);
  int64_t* p = out.data_ptr<int64_t>();
  std::copy(rs.begin(), rs.end(), p);
  std::copy(cs.begin(), cs.end(), p + n);
  return to_dtype(out, dtype);
}
}  // namespace

Tensor tril_indices(int64_t row, int64_t col, int64_t offset, Dtype dtype) {
  return tri_indices(row, col, offset, dtype, true, "tril_indices");
}
Tensor triu_indices(int64_t row, int64_t col, int64_t offset, Dtype dtype) {
  return tri_indices(row, col, offset, dtype, false, "triu_indices");
}

// torch's: [1, x, x*x, ...] by a cumulative product, in x's dtype promoted with int64, then flipped.
Tensor vander(const Tensor& x, std::optional<int64_t> n_opt, bool increasing) {
  EMBER_CHECK(x.dim() == 1, "", "x must be a one-dimensional tensor.");
  const int64_t n = n_opt.value_or(x.size(0));
  EMBER_CHECK(n >= 0, "", "N must be non-negative.");
  Dtype d = promote_types(x.dtype(), Dtype::Int64);
  Tensor xd = to_dtype(x, d);
  Tensor out;
  if (n == 0) {
    out = empty({x.size(0), 0}, d);
  } else {
    TensorList parts{ones({x.size(0), 1}, d)};
    if (n > 1) parts.push_back(cumprod(expand(unsqueeze(xd, 1), {x.size(0), n - 1}), 1));
    out = cat(parts, 1);
  }
  return increasing ? out : flip(out, {1});
}

// ---------------------------------------------------------------- trapezoid rule (torch's Integration.cpp)
namespace {

int64_t integration_dim(const Tensor& y, int64_t dim) {
  EMBER_CHECK_INDEX(y.dim() > 0, "", "Dimension specified as ", dim, " but tensor has no dimensions");
  return wrap_dim(dim, y.dim(), "trapezoid");
}

Tensor zeros_except(const Tensor& y, int64_t dim) {
  Shape s = y.sizes();
  s.erase(s.begin() + dim);
  return zeros(s, y.dtype());
}

// x viewed so that its differences along dim broadcast against y's (numpy's rule)
Tensor spacing(const Tensor& y, const Tensor& x, int64_t dim, const char* op) {
  Tensor xv = x;
  if (x.dim() == 1) {
    EMBER_CHECK(x.size(0) == y.size(dim), "", op, ": There must be one `x` value for each sample point");
    Shape s(size_t(y.dim()), 1);
    s[size_t(dim)] = x.size(0);
    xv = reshape(x, s);
  } else if (x.dim() < y.dim()) {
    Shape s(size_t(y.dim() - x.dim()), 1);
    s.insert(s.end(), x.sizes().begin(), x.sizes().end());
    xv = reshape(x, s);
  }
  return sub(slice(xv, dim, 1, std::nullopt), slice(xv, dim, 0, -1));
}

}  // namespace

Tensor trapezoid(const Tensor& y, const Tensor& x, int64_t dim) {
  dim = integration_dim(y, dim);
  if (y.size(dim) == 0) return zeros_except(y, dim);
  EMBER_CHECK(y.dtype() != Dtype::Bool && x.dtype() != Dtype::Bool, "",
              "trapezoid: received a bool input for `x` or `y`, but bool is not supported");
  Tensor dx = spacing(y, x, dim, "trapezoid");
  const int64_t n = y.size(dim);
  return div(sum(mul(dx, add(narrow(y, dim, 1, n - 1), narrow(y, dim, 0, n - 1))), {dim}), S(2.0));
}

Tensor trapezoid(const Tensor& y, const Scalar& dx, int64_t dim) {
  dim = integration_dim(y, dim);
  if (y.size(dim) == 0) return zeros_except(y, dim);
  EMBER_CHECK(y.dtype() != Dtype::Bool, "", "trapezoid: received a bool input for `y`, but bool is not supported");
  EMBER_CHECK(!dx.is_bool(), "", "trapezoid: Currently, we only support dx as a real number.");
  Tensor ends = add(select(y, dim, 0), select(y, dim, -1));
  return mul(sub(sum(y, {dim}), mul(ends, S(0.5))), S(dx.to_double()));
}

Tensor cumulative_trapezoid(const Tensor& y, const Tensor& x, int64_t dim) {
  dim = integration_dim(y, dim);
  EMBER_CHECK(y.dtype() != Dtype::Bool && x.dtype() != Dtype::Bool, "",
              "cumulative_trapezoid: received a bool input for `x` or `y`, but bool is not supported");
  Tensor dx = spacing(y, x, dim, "cumulative_trapezoid");
  Tensor sides = add(slice(y, dim, 0, -1), slice(y, dim, 1, std::nullopt));
  return div(cumsum(mul(sides, dx), dim), S(2.0));
}

Tensor cumulative_trapezoid(const Tensor& y, const Scalar& dx, int64_t dim) {
  dim = integration_dim(y, dim);
  EMBER_CHECK(y.dtype() != Dtype::Bool, "", "cumulative_trapezoid: received a bool input for `y`, but bool is not supported");
  EMBER_CHECK(!dx.is_bool(), "", "cumulative_trapezoid: Currently, we only support dx as a real number.");
  Tensor sides = add(slice(y, dim, 0, -1), slice(y, dim, 1, std::nullopt));
  return cumsum(mul(S(dx.to_double() / 2.0), sides), dim);
}

// ---------------------------------------------------------------- range, addr
Tensor range(const Scalar& start, const Scalar& end, const Scalar& step, std::optional<Dtype> dtype) {
  Dtype d = dtype.value_or(default_dtype());
  EMBER_CHECK(d != Dtype::Bool, "", "\"range_cpu\" not implemented for 'Bool'");
  // an integer dtype takes integer bounds and step (truncated), as torch's int64 arithmetic does
  auto in_dtype = [&](const Scalar& v) { return is_floating(d) ? v.to_double() : std::trunc(v.to_double()); };
  const double s = in_dtype(start), e = in_dtype(end), st = in_dtype(step);
  EMBER_CHECK(st != 0, "", "step must be nonzero");
  EMBER_CHECK(std::isfinite(s) && std::isfinite(e), "", "unsupported range: ", s, " -> ", e);
  EMBER_CHECK((st > 0 && e >= s) || (st < 0 && e <= s), "", "upper bound and lower bound inconsistent with step sign");
  const int64_t n = int64_t((e - s) / st + 1);
  // start + i * step in double, then one rounding to the dtype
  return to_dtype(add(mul(arange(0, n, 1, Dtype::Float64), S(st)), S(s)), d);
}

Tensor addr(const Tensor& input, const Tensor& vec1, const Tensor& vec2, const Scalar& beta, const Scalar& alpha) {
  EMBER_CHECK(vec1.dim() == 1, "", "addr: Expected 1-D argument vec1, but got ", vec1.dim(), "-D");
  EMBER_CHECK(vec2.dim() == 1, "", "addr: Expected 1-D argument vec2, but got ", vec2.dim(), "-D");
  Dtype d = result_type(TensorList{input, vec1, vec2});
  const bool zero_beta = beta.is_bool() ? !beta.to_bool() : beta.to_double() == 0;
  if (d != Dtype::Bool) {
    EMBER_CHECK(!beta.is_bool(), "", "Boolean beta only supported for Boolean results.");
    EMBER_CHECK(!alpha.is_bool(), "", "Boolean alpha only supported for Boolean results.");
  }
  if (!is_floating(d)) {
    EMBER_CHECK(!beta.is_floating(), "", "For integral input tensors, argument beta must not be a floating point number.");
    EMBER_CHECK(!alpha.is_floating(), "", "For integral input tensors, argument alpha must not be a floating point number.");
  }
  if (d == Dtype::Bool) {  // (beta and input) or (alpha and vec1 * vec2)
    Tensor prod = logical_and(unsqueeze(vec1, 1), vec2);
    if (!alpha.to_bool()) prod = zeros_like(prod);
    return zero_beta ? prod : logical_or(input, prod);
  }
  Tensor prod = mul(outer(to_dtype(vec1, d), to_dtype(vec2, d)), S(alpha));
  if (zero_beta) {  // input only contributes its shape (nan and inf do not propagate)
    EMBER_CHECK(is_expandable_to(input.sizes(), prod.sizes()), "", "The size of tensor a (", shape_str(input.sizes()),
                ") must match the size of tensor b (", shape_str(prod.sizes()), ")");
    return to_dtype(prod, d);
  }
  return to_dtype(add(mul(to_dtype(input, d), S(beta)), prod), d);
}

Tensor& addr_(Tensor& self, const Tensor& vec1, const Tensor& vec2, const Scalar& beta, const Scalar& alpha) {
  EMBER_CHECK(self.dim() == 2 && self.size(0) == vec1.size(0) && self.size(1) == vec2.size(0), "",
              "size mismatch, input: ", shape_str(self.sizes()), ", v1: ", shape_str(vec1.sizes()), ", v2: ",
              shape_str(vec2.sizes()));
  Tensor r = addr(autograd::needs_grad(self) ? clone(self) : self, vec1, vec2, beta, alpha);
  EMBER_CHECK(detail::can_cast(r.dtype(), self.dtype()), "", "result type ",
              scalar_type_name(r.dtype()), " can't be cast to the desired output type ", scalar_type_name(self.dtype()));
  return copy_(self, r);
}

// ---------------------------------------------------------------- histogram
namespace {

void check_histogram_input(const Tensor& t, const std::optional<Tensor>& weight) {
  EMBER_CHECK(t.dtype() == Dtype::Float32 || t.dtype() == Dtype::Float64, "", "\"histogramdd\" not implemented for '",
              scalar_type_name(t.dtype()), "'");
  if (weight) {
    EMBER_CHECK(weight->sizes() == t.sizes(), "", "torch.histogramdd: if weight tensor is provided it should have the same "
                "shape as the input tensor excluding its innermost dimension, but got input with shape ",
                shape_str(t.sizes()), " and weight with shape ", shape_str(weight->sizes()));
    EMBER_CHECK(weight->dtype() == t.dtype(), "", "torch.histogramdd: if weight tensor is provided, it should have the same "
                "dtype as the input tensor, but got input with dtype ", scalar_type_name(t.dtype()),
                " and weight with dtype ", scalar_type_name(weight->dtype()));
  }
}

// Counts (or weight sums) of the values in [edges[0], edges[-1]]; the last bin is closed.
std::pair<Tensor, Tensor> bin_counts(const Tensor& t, const Tensor& edges, const std::optional<Tensor>& weight, bool density) {
  autograd::NoGradGuard guard;  // torch.histogram is not differentiable
  const int64_t nbins = edges.numel() - 1;
  Tensor flat = reshape(detach(t), {-1});
  Tensor hist;
  if (nbins <= 0) {
    hist = zeros({std::max<int64_t>(nbins, 0)}, t.dtype());
  } else {
    Tensor inside = logical_and(ge(flat, select(edges, 0, 0)), le(flat, select(edges, 0, -1)));
    Tensor vals = masked_select(flat, inside);
    Tensor bins = sub(searchsorted(edges, vals, true), S(1));
    bins = clamp(bins, std::optional<Scalar>(0), std::optional<Scalar>(nbins - 1));
    Tensor w = weight ? masked_select(reshape(detach(*weight), {-1}), inside) : Tensor();
    hist = to_dtype(bincount(bins, w, nbins), t.dtype());
  }
  if (density) hist = div(div(hist, sum(hist)), diff(edges));
  return {hist, edges};
}

}  // namespace

std::pair<Tensor, Tensor> histogram(const Tensor& t, int64_t bins, std::optional<std::pair<double, double>> range,
                                    const std::optional<Tensor>& weight, bool density) {
  check_histogram_input(t, weight);
  EMBER_CHECK(bins > 0, "", "torch.histogram(): bins must be > 0, but got ", bins, " for dimension 0");
  double lo = 0, hi = 1;  // numpy's range for an empty input
  if (range) {
    lo = range->first;
    hi = range->second;
  } else if (t.numel() > 0) {
    lo = amin(detach(t)).item().to_double();
    hi = amax(detach(t)).item().to_double();
  }
  EMBER_CHECK(std::isfinite(lo) && std::isfinite(hi), "", "torch.histogramdd: dimension 0's range [", lo, ", ", hi,
              "] is not finite");
  EMBER_CHECK(lo <= hi, "", "torch.histogramdd: min should not exceed max, but got min ", lo, " max ", hi, " for dimension 0");
  if (lo == hi) {  // widen an empty range, as numpy does
    lo -= 0.5;
    hi += 0.5;
  }
  return bin_counts(t, linspace(lo, hi, bins + 1, t.dtype()), weight, density);
}

std::pair<Tensor, Tensor> histogram(const Tensor& t, const Tensor& bin_edges, const std::optional<Tensor>& weight,
                                    bool density) {
  check_histogram_input(t, weight);
  EMBER_CHECK(bin_edges.dim() == 1, "", "torch.histogramdd: bins tensor should have one dimension, but got ",
              bin_edges.dim(), " dimensions in the bins tensor for dimension 0");
  EMBER_CHECK(bin_edges.dtype() == t.dtype(), "", "torch.histogramdd: input tensor and bins tensors should have the same "
              "dtype, but got input with dtype ", dtype_name(t.dtype()), " and bins for dimension 0 with dtype ",
              dtype_name(bin_edges.dtype()));
  EMBER_CHECK(bin_edges.numel() > 1, "", "torch.histogram(): bins must be > 0, but got ", bin_edges.numel() - 1,
              " for dimension 0");
  return bin_counts(t, clone(detach(bin_edges)), weight, density);
}

// ---------------------------------------------------------------- histogramdd
namespace {

// Points (rows of the last dim) counted into the grid of bins the edges define; a point
// outside any dim's [first, last] edge is dropped; the last bin of each dim is closed.
std::pair<Tensor, TensorList> grid_counts(const Tensor& points, const TensorList& edges,
                                          const std::optional<Tensor>& weight, bool density) {
  autograd::NoGradGuard guard;  // torch.histogramdd is not differentiable
  const int64_t nd = int64_t(edges.size());
  Shape grid;
  for (const Tensor& e : edges) grid.push_back(e.numel() - 1);
  Tensor inside = ones({points.size(0)}, Dtype::Bool);
  Tensor flat = zeros({points.size(0)}, Dtype::Int64);
  for (int64_t d = 0; d < nd; ++d) {
    Tensor col = select(points, 1, d);
    const Tensor& e = edges[size_t(d)];
    inside = logical_and(inside, logical_and(ge(col, select(e, 0, 0)), le(col, select(e, 0, -1))));
    Tensor bin = clamp(sub(searchsorted(e, contiguous(col), true), S(1)), std::optional<Scalar>(0),
                       std::optional<Scalar>(grid[size_t(d)] - 1));
    flat = add(mul(flat, S(grid[size_t(d)])), bin);
  }
  Tensor w = weight ? masked_select(reshape(detach(*weight), {-1}), inside) : Tensor();
  Tensor hist = reshape(to_dtype(bincount(masked_select(flat, inside), w, shape_numel(grid)), points.dtype()), grid);
  if (density) {
    hist = div(hist, sum(hist));
    for (int64_t d = 0; d < nd; ++d) {
      Shape s(size_t(nd), 1);
      s[size_t(d)] = -1;
      hist = div(hist, reshape(diff(edges[size_t(d)]), s));
    }
  }
  return {hist, edges};
}

Tensor histogramdd_points(const Tensor& t, const std::optional<Tensor>& weight) {
  EMBER_CHECK(t.dtype() == Dtype::Float32 || t.dtype() == Dtype::Float64, "", "\"histogramdd\" not implemented for '",
              scalar_type_name(t.dtype()), "'");
  EMBER_CHECK(t.dim() >= 2, "", "torch.histogramdd: input tensor should have at least 2 dimensions");
  if (weight) {
    Shape outer(t.sizes().begin(), t.sizes().end() - 1);
    EMBER_CHECK(weight->sizes() == outer, "", "torch.histogramdd: if weight tensor is provided it should have the same "
                "shape as the input tensor excluding its innermost dimension, but got input with shape ",
                shape_str(t.sizes()), " and weight with shape ", shape_str(weight->sizes()));
    EMBER_CHECK(weight->dtype() == t.dtype(), "", "torch.histogramdd: if weight tensor is provided, it should have the "
                "same dtype as the input tensor, but got input with dtype ", scalar_type_name(t.dtype()),
                " and weight with dtype ", scalar_type_name(weight->dtype()));
  }
  return reshape(detach(t), {-1, t.size(-1)});
}

}  // namespace

std::pair<Tensor, TensorList> histogramdd(const Tensor& t, const std::vector<int64_t>& bins,
                                          const std::optional<std::vector<double>>& range,
                                          const std::optional<Tensor>& weight, bool density) {
  Tensor points = histogramdd_points(t, weight);
  const int64_t nd = points.size(1);
  for (int64_t d = 0; d < nd; ++d) {
    const int64_t b = d < int64_t(bins.size()) ? bins[size_t(d)] : 0;
    EMBER_CHECK(b > 0, "", "torch.histogram(): bins must be > 0, but got ", b, " for dimension ", d);
  }
  if (range)
    EMBER_CHECK(int64_t(range->size()) == 2 * nd, "", "torch.histogramdd: for a ", nd,
                "-dimensional histogram range should have ", 2 * nd, " elements, but got ", range->size());
  TensorList edges;
  for (int64_t d = 0; d < nd; ++d) {
    double lo = 0, hi = 1;  // numpy's range for no points
    if (range) {
      lo = (*range)[size_t(2 * d)];
      hi = (*range)[size_t(2 * d + 1)];
    } else if (points.size(0) > 0) {
      Tensor col = select(points, 1, d);
      lo = amin(col).item().to_double();
      hi = amax(col).item().to_double();
    }
    EMBER_CHECK(std::isfinite(lo) && std::isfinite(hi), "", "torch.histogramdd: dimension ", d, "'s range [", lo, ", ",
                hi, "] is not finite");
    EMBER_CHECK(lo <= hi, "", "torch.histogramdd: min should not exceed max, but got min ", lo, " max ", hi,
                " for dimension ", d);
    if (lo == hi) {
      lo -= 0.5;
      hi += 0.5;
    }
    edges.push_back(linspace(lo, hi, bins[size_t(d)] + 1, t.dtype()));
  }
  return grid_counts(points, edges, weight, density);
}

std::pair<Tensor, TensorList> histogramdd(const Tensor& t, const TensorList& bin_edges, const std::optional<Tensor>& weight,
                                          bool density) {
  Tensor points = histogramdd_points(t, weight);
  const int64_t nd = points.size(1);
  EMBER_CHECK(int64_t(bin_edges.size()) == nd, "", "torch.histogramdd: expected ", nd, " sequences of bin edges for a ",
              nd, "-dimensional histogram but got ", bin_edges.size());
  TensorList edges;
  for (int64_t d = 0; d < nd; ++d) {
    const Tensor& e = bin_edges[size_t(d)];
    EMBER_CHECK(e.dim() == 1, "", "torch.histogramdd: bins tensor should have one dimension, but got ", e.dim(),
                " dimensions in the bins tensor for dimension ", d);
    EMBER_CHECK(e.dtype() == t.dtype(), "", "torch.histogramdd: input tensor and bins tensors should have the same "
                "dtype, but got input with dtype ", dtype_name(t.dtype()), " and bins for dimension ", d, " with dtype ",
                dtype_name(e.dtype()));
    EMBER_CHECK(e.numel() > 1, "", "torch.histogram(): bins must be > 0, but got ", e.numel() - 1, " for dimension ", d);
    edges.push_back(clone(detach(e)));
  }
  return grid_counts(points, edges, weight, density);
}

}  // namespace ember
