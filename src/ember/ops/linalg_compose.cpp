// The linalg ops composed from others: matrix_power, matrix_exp, multi_dot,
// householder_product, vander, tensorinv, tensorsolve. They record no nodes of
// their own; gradients (of any order) come from the ops they are made of.
#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>

#include "ember/autograd/function.h"
#include "ember/ops/linalg_util.h"

namespace ember {

using namespace linalg;

Tensor linalg_matrix_power(const Tensor& a, int64_t n) {
  EMBER_CHECK(a.dim() >= 2, "linalg.matrix_power", "The input tensor A must have at least 2 dimensions.");
  EMBER_CHECK(a.size(-1) == a.size(-2), "linalg.matrix_power", "A must be batches of square matrices, but they are ",
              a.size(-2), " by ", a.size(-1), " matrices");
  if (n == 0) return clone(expand(eye(a.size(-1), a.size(-1), a.dtype()), a.sizes()));
  Tensor base = a;
  if (n < 0) {
    check_floating("linalg.matrix_power", a);
    base = linalg_inv(a), n = -n;
  }
  // torch's order of products, so results round the same way
  if (n == 1) return clone(base);
  if (n == 2) return matmul(base, base);
  if (n == 3) return matmul(matmul(base, base), base);
  Tensor z, result;
  while (n > 0) {
    const bool bit = n % 2 == 1;
    n /= 2;
    z = z.defined() ? matmul(z, z) : base;
    if (bit) result = result.defined() ? matmul(result, z) : z;
  }
  return result;
}

// Scaling and squaring around a degree-18 Taylor polynomial: each matrix is scaled by 2^-s_i so that
// its 1-norm is at most 1 (truncation error under 1/19! ~ 1e-17), the polynomial runs in Horner form,
// and each result is squared s_i times. All ember ops, so the gradient is the polynomial's.
Tensor linalg_matrix_exp(const Tensor& a) {
  EMBER_CHECK(a.dim() >= 2, "linalg.matrix_exp", "The input tensor A must have at least 2 dimensions.");
  EMBER_CHECK(a.size(-1) == a.size(-2), "linalg.matrix_exp", "A must be batches of square matrices, but they are ",
              a.size(-2), " by ", a.size(-1), " matrices");
  check_floating("linalg.matrix_exp", a);
  const int64_t n = a.size(-1);
  if (a.numel() == 0) return clone(a);
  if (n == 1) return exp(a);
  Tensor norms, steps;
  int64_t max_steps = 0;
  {
    autograd::NoGradGuard ng;
    norms = amax(sum(abs(a), {-2}), {-1});  // matrix 1-norm per matrix
    steps = clamp(ceil(log2(norms)), std::optional<Scalar>(Scalar(0)), std::nullopt);
    steps = where(isfinite(steps), steps, zeros_like(steps));
    max_steps = int64_t(max(steps).item<double>());
  }
  Tensor scaled = div(a, unsqueeze(unsqueeze(pow(wrap_scalar(2.0), steps), -1), -1));
  Tensor ident = expand(eye(n, n, a.dtype()), a.sizes());
  Tensor p = ident;
  for (int k = 18; k >= 1; --k) p = add(ident, div(matmul(scaled, p), wrap_scalar(double(k))));
  for (int64_t i = 0; i < max_steps; ++i) {
    Tensor squaring = unsqueeze(unsqueeze(gt(steps, wrap_scalar(double(i))), -1), -1);
    p = where(squaring, matmul(p, p), p);
  }
  return p;
}

Tensor linalg_multi_dot(const TensorList& ts) {
  const size_t n = ts.size();
  EMBER_CHECK(n >= 2, "linalg.multi_dot", "multi_dot(): expected at least 2 tensors but got ", n);
  for (size_t i = 0; i < n; ++i) {
    const bool end = i == 0 || i == n - 1;
    EMBER_CHECK(ts[i].dim() == 2 || (end && ts[i].dim() == 1), "linalg.multi_dot", "multi_dot(): ",
                i == 0 ? "the first tensor must be 1D or 2D" : i == n - 1 ? "the last tensor must be 1D or 2D" : "tensor ",
                (end ? "" : std::to_string(i) + " must be 2D"), " but got ", ts[i].dim(), "D");
    EMBER_CHECK(ts[i].dtype() == ts[0].dtype(), "linalg.multi_dot",
                "multi_dot(): all tensors must have be the same dtype but tensor 0 is ", scalar_type_name(ts[0].dtype()),
                " and tensor ", i, " ", scalar_type_name(ts[i].dtype()));
  }
  // as matrices: a 1-D first operand is a row, a 1-D last one a column
  TensorList mats(ts);
  if (mats[0].dim() == 1) mats[0] = unsqueeze(mats[0], 0);
  if (mats[n - 1].dim() == 1) mats[n - 1] = unsqueeze(mats[n - 1], 1);
  for (size_t i = 0; i + 1 < n; ++i)
    EMBER_CHECK(mats[i].size(1) == mats[i + 1].size(0), "linalg.multi_dot", "multi_dot(): tensors ", i, " and ", i + 1,
                " with shapes ", shape_str(ts[i].sizes()), " and ", shape_str(ts[i + 1].sizes()), " cannot be multiplied");
  Tensor r;
  if (n == 2) {
    r = mm(mats[0], mats[1]);
  } else {
    // cheapest order of products (the textbook matrix-chain dynamic program, as torch)
    std::vector<int64_t> dims{mats[0].size(0)};
    for (auto& t : mats) dims.push_back(t.size(1));
    std::vector<std::vector<int64_t>> cost(n, std::vector<int64_t>(n, 0)), split(n, std::vector<int64_t>(n, 0));
    for (size_t len = 1; len < n; ++len)
      for (size_t i = 0; i + len < n; ++i) {
        const size_t j = i + len;
        cost[i][j] = std::numeric_limits<int64_t>::max();
        for (size_t k = i; k < j; ++k) {
          const int64_t c = cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1];
          if (c < cost[i][j]) cost[i][j] = c, split[i][j] = int64_t(k);
        }
      }
    std::function<Tensor(size_t, size_t)> chain = [&](size_t i, size_t j) -> Tensor {
      if (i == j) return mats[i];
      const size_t k = size_t(split[i][j]);
      return mm(chain(i, k), chain(k + 1, j));
    };
    r = chain(0, n - 1);
  }
  if (ts[0].dim() == 1) r = squeeze(r, {0});
  if (ts[n - 1].dim() == 1) r = squeeze(r, {-1});
  return r;
}

// Q = H_1 ... H_k (first n columns), H_i = I - tau_i v_i v_i^T with v_i the unit-lower column i of A.
Tensor linalg_householder_product(const Tensor& a, const Tensor& tau) {
  const char* op = "torch.linalg.householder_product";
  EMBER_CHECK(a.dim() >= 2, op, "input must have at least 2 dimensions.");
  EMBER_CHECK(a.size(-2) >= a.size(-1), op, "input.shape[-2] must be greater than or equal to input.shape[-1]");
  EMBER_CHECK(a.size(-1) >= tau.size(-1), op, "input.shape[-1] must be greater than or equal to tau.shape[-1]");
  EMBER_CHECK(a.dim() - tau.dim() == 1, op, "Expected tau to have one dimension less than input, but got tau.ndim equal to ",
              tau.dim(), " and input.ndim is equal to ", a.dim());
  EMBER_CHECK(Shape(tau.sizes().begin(), tau.sizes().end() - 1) == batch_shape(a), op,
              "Expected batch dimensions of tau to be equal to input.shape[:-2], but got ",
              shape_str(Shape(tau.sizes().begin(), tau.sizes().end() - 1)));
  check_floating(op, a);
  EMBER_CHECK(tau.dtype() == a.dtype(), op, "tau dtype ", scalar_type_name(tau.dtype()),
              " does not match input dtype ", scalar_type_name(a.dtype()));
  const int64_t m = a.size(-2), n = a.size(-1), k = tau.size(-1);
  Tensor ident = eye(m, n, a.dtype());
  Tensor v = add(tril(a, -1), ident);
  Tensor q = expand(ident, a.sizes());
  for (int64_t i = k - 1; i >= 0; --i) {
    Tensor vi = narrow(v, -1, i, 1);
    Tensor ti = unsqueeze(narrow(tau, -1, i, 1), -1);
    q = sub(q, mul(ti, matmul(vi, matmul(mT(vi), q))));
  }
  return k == 0 ? clone(q) : q;
}

// op(Q) @ other (or other @ op(Q)) for the full m x m Q = H_1 ... H_k of geqrf's output.
Tensor ormqr(const Tensor& a, const Tensor& tau, const Tensor& other, bool left, bool transpose) {
  EMBER_CHECK(a.dim() >= 2, "ormqr", "torch.ormqr: input must have at least 2 dimensions.");
  EMBER_CHECK(other.dim() >= 2, "ormqr", "torch.ormqr: other must have at least 2 dimensions.");
  const int64_t m = left ? other.size(-2) : other.size(-1), k = tau.size(-1);
  EMBER_CHECK(a.size(-2) == m, "ormqr", "torch.ormqr: other.shape[", left ? -2 : -1,
              "] must be equal to input.shape[-2]");
  EMBER_CHECK(k <= a.size(-1) && k <= m, "ormqr", "torch.ormqr: tau.shape[-1] must be less than or equal to input.shape[-1]");
  EMBER_CHECK(other.dtype() == a.dtype(), "ormqr", "torch.ormqr: Expected input and other to have the same dtype, but got ",
              scalar_type_name(a.dtype()), " and ", scalar_type_name(other.dtype()));
  // the k reflectors padded with zero columns: the product's first m columns are all of Q
  Tensor v = narrow(a, -1, 0, k);
  Tensor pad = zeros(with_matrix(batch_shape(a), m, m - k), a.dtype());
  Tensor q = linalg_householder_product(cat({v, pad}, -1), tau);
  Tensor op = transpose ? mT(q) : q;
  return left ? matmul(op, other) : matmul(other, op);
}

Tensor linalg_vander(const Tensor& x, std::optional<int64_t> n) {
  const Dtype d = x.dtype();
  EMBER_CHECK(d == Dtype::Float32 || d == Dtype::Float64 || (!is_floating(d) && d != Dtype::Bool), "linalg.vander",
              "linalg.vander supports floating point, complex, and integer tensors, but got ", scalar_type_name(d));
  Tensor x1 = x.dim() == 0 ? unsqueeze(x, -1) : x;
  Shape shape = x1.sizes();
  const int64_t cols = n.value_or(shape.back());
  EMBER_CHECK(cols > 1, "linalg.vander", "N must be greater than 1.");
  shape.push_back(cols - 1);
  Tensor powers = cumprod(expand(unsqueeze(x1, -1), shape), -1);  // x, x^2, ..., x^(N-1)
  shape.back() = 1;
  return cat({ones(shape, powers.dtype()), powers}, -1);
}

Tensor linalg_tensorinv(const Tensor& a, int64_t ind) {
  EMBER_CHECK(ind > 0, "linalg.tensorinv", "Expected a strictly positive integer for 'ind', but got ", ind);
  EMBER_CHECK(ind <= a.dim(), "linalg.tensorinv", "Expected ind to be at most the number of dimensions (", a.dim(),
              "), but got ", ind);
  Shape end(a.sizes().begin() + ind, a.sizes().end()), start(a.sizes().begin(), a.sizes().begin() + ind);
  const int64_t pe = shape_numel(end), ps = shape_numel(start);
  EMBER_CHECK(pe == ps, "linalg.tensorinv",
              "Expected self to satisfy the requirement prod(self.shape[ind:]) == prod(self.shape[:ind]), but got ", pe,
              " != ", ps);
  Shape out = end;
  out.insert(out.end(), start.begin(), start.end());
  auto [inv, info] = linalg_inv_ex(reshape(a, {pe, pe}));
  check_infos("linalg.inv", info, true, [](int32_t i) {
    return "The diagonal element " + std::to_string(i) +
           " is zero, the inversion could not be completed because the input matrix is singular.";
  });
  return reshape(inv, out);
}

Tensor linalg_tensorsolve(const Tensor& a, const Tensor& b, const std::optional<Dims>& dims) {
  const int64_t nd = a.dim();
  Tensor a1 = a;
  if (dims) {
    Dims dest(dims->size());
    for (size_t i = 0; i < dest.size(); ++i) dest[i] = nd - int64_t(dest.size()) + int64_t(i);
    a1 = movedim(a1, *dims, dest);
  }
  EMBER_CHECK(b.dim() <= nd, "linalg.tensorsolve", "Expected B to have at most as many dimensions as A (", nd,
              "), but got ", b.dim());
  Shape result(a1.sizes().begin() + b.dim(), a1.sizes().end());
  const int64_t rp = shape_numel(result), bp = b.numel();
  EMBER_CHECK(rp == bp, "linalg.tensorsolve",
              "Expected self to satisfy the requirement prod(self.shape[other.ndim:]) == prod(self.shape[:other.ndim]), "
              "but got ", rp, " != ", bp);
  return reshape(linalg_solve(reshape(a1, {rp, rp}), flatten(b)), result);
}

}  // namespace ember
