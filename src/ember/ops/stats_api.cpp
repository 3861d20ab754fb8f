// Statistics and distances written with ember ops (autograd comes from those ops), following
// torch's own compositions: dist, cov, corrcoef, renorm, cdist, pdist, cosine_similarity,
// pairwise_distance.
#include <cmath>

#include "ember/autograd/function.h"
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

namespace {

// The pieces of cov that follow its checks: the input as (variables, observations), the
// combined weights (undefined when none) and their sum, and the divisor.
struct CovSetup {
  Tensor in, w, w_sum, norm_factor;
};

CovSetup cov_setup(const Tensor& t, int64_t correction, const std::optional<Tensor>& fweights,
                   const std::optional<Tensor>& aweights) {
  EMBER_CHECK(t.dim() <= 2, "", "cov(): expected input to have two or fewer dimensions but got an input with ", t.dim(),
              " dimensions");
  EMBER_CHECK(t.dtype() != Dtype::Bool, "", "cov(): bool dtype is not supported for input");
  CovSetup c;
  c.in = t.dim() < 2 ? reshape(t, {1, -1}) : t;
  const int64_t n = c.in.size(1);
  if (fweights) {
    check_weights(*fweights, "fweights", n, true);
    c.w = *fweights;
  }
  if (aweights) {
    check_weights(*aweights, "aweights", n, false);
    c.w = c.w.defined() ? mul(c.w, *aweights) : *aweights;
  }
  c.w_sum = c.w.defined() ? sum(c.w) : scalar_tensor(Scalar(n), Dtype::Int64);
  EMBER_CHECK(!c.w.defined() || detach(c.w_sum).item().to_double() != 0, "",
              "cov(): weights sum to zero, can't be normalized");
  c.norm_factor = c.w.defined() && aweights && correction != 0
                      ? sub(c.w_sum, div(mul(S(correction), sum(mul(c.w, *aweights))), c.w_sum))
                      : sub(c.w_sum, S(correction));
  return c;
}

}  // namespace

double cov_degrees_of_freedom(const Tensor& t, int64_t correction, const std::optional<Tensor>& fweights,
                              const std::optional<Tensor>& aweights) {
  autograd::NoGradGuard guard;
  return cov_setup(t, correction, fweights, aweights).norm_factor.item().to_double();
}

Tensor cov(const Tensor& t, int64_t correction, const std::optional<Tensor>& fweights, const std::optional<Tensor>& aweights) {
  CovSetup c = cov_setup(t, correction, fweights, aweights);
  Tensor avg = div(sum(c.w.defined() ? mul(c.in, c.w) : c.in, {1}), c.w_sum);
  // no degrees of freedom left: torch divides by zero (the bindings warn, as torch does)
  Tensor norm_factor = detach(c.norm_factor).item().to_double() <= 0 ? zeros_like(c.norm_factor) : c.norm_factor;
  Tensor centered = sub(c.in, unsqueeze(avg, 1));
  Tensor prod = mm(centered, ember::t(c.w.defined() ? mul(centered, c.w) : centered));
  return squeeze(div(prod, norm_factor));
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

}  // namespace ember
