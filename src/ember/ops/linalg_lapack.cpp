// Factorizations and solvers over LAPACK: LU (det, slogdet, inv, solve,
// lu_factor, lu, lu_solve, lu_unpack), Cholesky (cholesky, cholesky_solve,
// cholesky_inverse) and triangular solves.
//
// LAPACK runs on fresh column-major copies (linalg_util.h); results are views
// of those copies with the matrix dims transposed back, so they come out in
// Fortran order like torch's. The primitives (det, slogdet, inv, solve,
// lu_factor, cholesky, solve_triangular) record derivatives written with ember
// ops; the rest (lu, lu_solve, lu_unpack, cholesky_solve, cholesky_inverse,
// triangular_solve) are composed from those, so their gradients and
// higher-order gradients follow.
#include <algorithm>
#include <cmath>

#include "ember/autograd/function.h"
#include "ember/ops/cpu/kernels.h"
#include "ember/ops/cpu/lapack_kernels.h"
#include "ember/ops/linalg_util.h"

namespace ember {

using autograd::needs_grad;
using autograd::record;
using autograd::record_multi;
using autograd::save;
using autograd::save_output;
using namespace linalg;

namespace {

// One LU factorization per matrix of `a` broadcast to `batch`.
struct LU {
  Tensor f;       // column-major factors: as_matrices(f) is (..., m, n)
  Tensor pivots;  // int32 (..., min(m, n)), 1-based
  Tensor info;    // int32 (...)
};

LU lu_core(const Tensor& a, const Shape& batch) {
  const int64_t m = a.size(-2), n = a.size(-1);
  Shape ps = batch;
  ps.push_back(std::min(m, n));
  LU r{fortran_copy(a, batch), empty(ps, Dtype::Int32), infos_for(batch)};
  const int64_t nb = shape_numel(batch);
  if (nb > 0) cpu::lu_factor(a.dtype(), nb, m, n, r.f.raw_data(), r.pivots.data_ptr<int32_t>(), r.info.data_ptr<int32_t>());
  return r;
}

Tensor unsqueeze2(const Tensor& t) { return unsqueeze(unsqueeze(t, -1), -1); }

// exclusive product of the other entries along the last dim: out_i = prod_{j != i} s_j (no division, so zeros work)
Tensor prod_of_others(const Tensor& s) {
  const int64_t k = s.size(-1);
  if (k == 0) return s;
  Tensor one = ones_like(narrow(s, -1, 0, 1));
  Tensor left = cat({one, cumprod(narrow(s, -1, 0, k - 1), -1)}, -1);
  Tensor right = flip(cat({one, cumprod(flip(narrow(s, -1, 1, k - 1), {-1}), -1)}, -1), {-1});
  return mul(left, right);
}

// d det(A) / dA = adj(A)^T. Invertible: det * A^{-T}. Otherwise from the SVD A = U S V^T:
// det = det(U) det(V^T) prod(S), so the gradient is det(U) det(V^T) U diag(prod_{j!=i} S_j) V^T.
Tensor det_backward(const Tensor& g, const Tensor& a, const Tensor& det) {
  if (!any_true(eq(det, wrap_scalar(0)))) return mul(unsqueeze2(mul(g, det)), mT(linalg_inv(a)));
  auto [u, s, vh] = linalg_svd(a, false);
  Tensor alpha = mul(linalg_det(u), linalg_det(vh));
  Tensor d = mul(unsqueeze(mul(g, alpha), -1), prod_of_others(s));
  return matmul(mul(u, unsqueeze(d, -2)), vh);
}

// torch.linalg.solve treats B as a batch of vectors when it is 1-D, or when it has one
// dim less than A and its shape is A's without the last dim.
bool solve_is_vector(const Tensor& a, const Tensor& b) {
  if (b.dim() == 1) return true;
  if (b.dim() != a.dim() - 1) return false;
  return Shape(a.sizes().begin(), a.sizes().end() - 1) == b.sizes();
}

}  // namespace

// ---------------------------------------------------------------- determinants
Tensor linalg_det(const Tensor& a) {
  check_input("linalg.det", a, true);
  const Shape batch = batch_shape(a);
  const int64_t n = a.size(-1);
  Tensor out = empty(batch, a.dtype());
  if (n == 0) {
    cpu::fill_kernel(out, 1);
  } else {
    LU lu = lu_core(a, batch);
    if (out.numel() > 0) cpu::lu_det(a.dtype(), out.numel(), n, lu.f.raw_data(), lu.pivots.data_ptr<int32_t>(),
                                     out.raw_data(), nullptr, nullptr);
  }
  if (needs_grad(a))
    record("LinalgDetBackward0", {a}, out, [sa = save(a), so = save_output(out)](const Tensor& g) -> TensorList {
      return {det_backward(g, sa.unpack(), so.unpack())};
    });
  return out;
}

std::pair<Tensor, Tensor> linalg_slogdet(const Tensor& a) {
  check_input("linalg.slogdet", a, true);
  const Shape batch = batch_shape(a);
  const int64_t n = a.size(-1);
  Tensor sign = empty(batch, a.dtype()), logabs = empty(batch, a.dtype());
  if (n == 0) {
    cpu::fill_kernel(sign, 1);
    cpu::fill_kernel(logabs, 0);
  } else {
    LU lu = lu_core(a, batch);
    if (sign.numel() > 0)
      cpu::lu_det(a.dtype(), sign.numel(), n, lu.f.raw_data(), lu.pivots.data_ptr<int32_t>(), nullptr, sign.raw_data(),
                  logabs.raw_data());
  }
  if (needs_grad(a))  // sign is piecewise constant: only log|det| has a gradient, A^{-T} g
    record_multi("LinalgSlogdetBackward0", {a}, {&logabs}, [sa = save(a)](TensorList&& g) -> TensorList {
      // singular A: inf/nan like torch rather than an error in the middle of backward
      return {mul(unsqueeze2(g[0]), mT(linalg_inv_ex(sa.unpack()).first))};
    });
  return {sign, logabs};
}

Tensor logdet(const Tensor& a) {
  check_input("logdet", a, true);
  auto [sign, logabs] = linalg_slogdet(a);
  // nan for a negative determinant, with a zero gradient there (torch's where), -inf for zero
  return where(lt(sign, wrap_scalar(0)), full({}, NAN, a.dtype()), logabs);
}

// ---------------------------------------------------------------- inverse and solve
namespace {
std::pair<Tensor, Tensor> inv_impl(const char* op, const Tensor& a, bool check_errors) {
  check_input(op, a, true);
  const Shape batch = batch_shape(a);
  const int64_t n = a.size(-1), nb = shape_numel(batch);
  // like torch, a row-major A is factored as A^T (already column-major) and solved transposed,
  // so the zero pivot reported for a singular matrix is the one torch reports
  const bool use_at = a.is_contiguous();
  LU lu = lu_core(use_at ? as_matrices(a) : a, batch);
  Tensor f = fortran_copy(eye_batch(batch, n, a.dtype()), batch);
  if (nb > 0)
    cpu::lu_solve(a.dtype(), nb, n, n, lu.f.raw_data(), lu.pivots.data_ptr<int32_t>(), f.raw_data(), use_at);
  if (check_errors)
    check_infos(op, lu.info, true, [](int32_t i) {
      return "The diagonal element " + std::to_string(i) +
             " is zero, the inversion could not be completed because the input matrix is singular.";
    });
  Tensor out = as_matrices(f);
  if (needs_grad(a))  // d(A^{-1}) = -A^{-1} dA A^{-1}
    record_multi("LinalgInvExBackward0", {a}, {&out}, [so = save_output(out)](TensorList&& g) -> TensorList {
      Tensor inv_t = mT(so.unpack());
      return {neg(matmul(inv_t, matmul(g[0], inv_t)))};
    });
  return {out, lu.info};
}
}  // namespace

std::pair<Tensor, Tensor> linalg_inv_ex(const Tensor& a, bool check_errors) {
  return inv_impl("linalg.inv_ex", a, check_errors);
}

Tensor linalg_inv(const Tensor& a) { return inv_impl("linalg.inv", a, true).first; }

namespace {
std::pair<Tensor, Tensor> solve_impl(const char* op, const Tensor& a, const Tensor& b, bool left, bool check_errors) {
  check_input("linalg.solve", a, true);
  EMBER_CHECK(b.dim() >= 1, "linalg.solve", "The input tensor B must have at least 1 dimensions.");
  check_same_dtype("linalg.solve", a, b);
  const bool vec = solve_is_vector(a, b);
  if (!left) {  // X A = B  <=>  A^T X^T = B^T
    EMBER_CHECK(!vec, "linalg.solve", "Vector broadcasting of the left hand side is not supported for left=False. In "
                "this case linalg.solve is equivalent to B / A.squeeze(-1)");
    auto [x, info] = solve_impl(op, mT(a), mT(b), true, check_errors);
    return {mT(x), info};
  }
  const int64_t n = a.size(-1);
  Tensor bm = vec ? unsqueeze(b, -1) : b;
  EMBER_CHECK(bm.size(-2) == n, "linalg.solve", "Incompatible shapes of A and B for the equation AX = B (",
              a.size(-2), "x", a.size(-1), " and ", bm.size(-2), "x", bm.size(-1), ")");
  const Shape batch = broadcast_shapes(batch_shape(a), batch_shape(bm), "linalg.solve");
  const int64_t k = bm.size(-1), nb = shape_numel(batch);
  // A factored once (info follows A's batch), as A^T when it is row-major, like torch
  const bool use_at = a.is_contiguous();
  LU lu = lu_core(use_at ? as_matrices(a) : a, batch_shape(a));
  Tensor f = fortran_copy(bm, batch);
  if (nb > 0) {
    // the factors broadcast to B's batch (copied only when B adds batch dims)
    const bool same = batch == batch_shape(a);
    Tensor factors = same ? lu.f : fortran_copy(as_matrices(lu.f), batch);
    Shape ps = batch;
    ps.push_back(n);
    Tensor piv = same ? lu.pivots : contiguous(expand(lu.pivots, ps));
    cpu::lu_solve(a.dtype(), nb, n, k, factors.raw_data(), piv.data_ptr<int32_t>(), f.raw_data(), use_at);
  }
  if (check_errors)
    check_infos(op, lu.info, true, [](int32_t) { return std::string("The solver failed because the input matrix is singular."); });
  Tensor out = as_matrices(f);
  if (vec) out = squeeze(out, {-1});
  if (needs_grad(a, b))  // X = A^{-1} B: gB = A^{-T} g, gA = -gB X^T
    record_multi("LinalgSolveExBackward0", {a, b}, {&out},
                 [sa = save(a), so = save_output(out), vec](TensorList&& g, const autograd::Node& node) -> TensorList {
                   Tensor gb = linalg_solve_ex(mT(sa.unpack()), g[0]).first;  // solve_ex of a singular A: no error
                   Tensor ga;
                   if (node.needs_input_grad(0)) {
                     Tensor x = so.unpack();
                     ga = vec ? neg(mul(unsqueeze(gb, -1), unsqueeze(x, -2))) : neg(matmul(gb, mT(x)));
                   }
                   return {ga, node.needs_input_grad(1) ? gb : Tensor()};
                 });
  return {out, lu.info};
}
}  // namespace

std::pair<Tensor, Tensor> linalg_solve_ex(const Tensor& a, const Tensor& b, bool left, bool check_errors) {
  return solve_impl("torch.linalg.solve_ex", a, b, left, check_errors);
}

Tensor linalg_solve(const Tensor& a, const Tensor& b, bool left) {
  return solve_impl("torch.linalg.solve", a, b, left, true).first;
}

// ---------------------------------------------------------------- LU
namespace {
// The permutation (int64 (..., m)) that LAPACK's pivots (..., k) describe: row j of P^T A is row perm[j] of A.
Tensor pivots_permutation(const Tensor& pivots, int64_t m) {
  Tensor piv = contiguous(to_dtype(pivots, Dtype::Int32));
  Shape batch(piv.sizes().begin(), piv.sizes().end() - 1);
  Shape ps = batch;
  ps.push_back(m);
  Tensor perm = empty(ps, Dtype::Int64);
  const int64_t k = piv.size(-1);
  const int32_t* p = piv.data_ptr<int32_t>();
  for (int64_t i = 0; i < piv.numel(); ++i)
    EMBER_CHECK(p[i] >= 1 && p[i] <= m, "lu_unpack", "pivots must be between 1 and ", m, ", got ", p[i]);
  cpu::pivots_to_permutation(shape_numel(batch), m, k, p, perm.data_ptr<int64_t>());
  return perm;
}

// rows of b (..., m, k) reordered: out[..., j, :] = b[..., perm[j], :]
Tensor permute_rows(const Tensor& b, const Tensor& perm) {
  Shape batch = broadcast_shapes(batch_shape(b), Shape(perm.sizes().begin(), perm.sizes().end() - 1), "lu_solve");
  Tensor bb = expand(b, with_matrix(batch, b.size(-2), b.size(-1)));
  Shape ps = batch;
  ps.push_back(perm.size(-1));
  Tensor idx = expand(unsqueeze(expand(perm, ps), -1), bb.sizes());
  return gather(bb, -2, idx);
}

Tensor inverse_permutation(const Tensor& perm) {
  return argsort(perm, -1);
}

Tensor unit_lower(const Tensor& lu, int64_t m, int64_t k) {
  Tensor l = narrow(lu, -1, 0, k);
  return add(tril(l, -1), eye(m, k, lu.dtype()));
}

// P (..., m, m) with A = P L U: P[perm[j], j] = 1
Tensor permutation_matrix(const Tensor& pivots, int64_t m, Dtype d) {
  Tensor perm = pivots_permutation(pivots, m);
  Shape batch(perm.sizes().begin(), perm.sizes().end() - 1);
  Tensor idx = expand(unsqueeze(perm, -2), with_matrix(batch, m, m));
  return gather(expand(eye(m, m, d), with_matrix(batch, m, m)), -1, idx);  // p[r, j] = (r == perm[j])
}

// Gradient of A = P L U from those of L (m x k, unit lower) and U (k x n, upper), as torch's
// linalg_lu_backward: square, wide (m < n) and tall (m > n) cases.
Tensor lu_backward(const Tensor& gl, const Tensor& gu, const Tensor& p, const Tensor& l, const Tensor& u) {
  const int64_t m = l.size(-2), n = u.size(-1), k = l.size(-1);
  Tensor ga;
  if (m == n) {  // P L^{-T} [tril(L^T gL, -1) + triu(gU U^T)] U^{-T}
    ga = add(tril(matmul(mT(l), gl), -1), triu(matmul(gu, mT(u))));
    ga = linalg_solve_triangular(mT(u), ga, false, false);
    ga = linalg_solve_triangular(mT(l), ga, true, true, true);
  } else if (m < n) {  // [P L^{-T} (tril(L^T gL - triu(gU) U^T, -1) U1^{-T} + triu(gU1)) | P L^{-T} gU2]
    Tensor u1 = narrow(u, -1, 0, k), gu1 = narrow(gu, -1, 0, k), gu2 = narrow(gu, -1, k, n - k);
    ga = sub(matmul(mT(l), gl), matmul(triu(gu), mT(u)));
    ga = linalg_solve_triangular(mT(u1), tril(ga, -1), false, false);
    ga = cat({add(ga, triu(gu1)), gu2}, -1);
    ga = linalg_solve_triangular(mT(l), ga, true, true, true);
  } else {  // [P (L1^{-T} triu(gU U^T - L^T tril(gL, -1)) + tril(gL1, -1)) U^{-T} ; P gL2 U^{-T}]
    Tensor l1 = narrow(l, -2, 0, k), gl1 = narrow(gl, -2, 0, k), gl2 = narrow(gl, -2, k, m - k);
    ga = sub(matmul(gu, mT(u)), matmul(mT(l), tril(gl, -1)));
    ga = linalg_solve_triangular(mT(l1), triu(ga), true, true, true);
    ga = cat({add(ga, tril(gl1, -1)), gl2}, -2);
    ga = linalg_solve_triangular(mT(u), ga, false, false);
  }
  return matmul(p, ga);
}
}  // namespace

namespace {
// torch reports a zero pivot of lu_factor as a RuntimeError (not LinAlgError)
std::string lu_zero_pivot(int32_t i) {
  return "U[" + std::to_string(i) + "," + std::to_string(i) + "] is zero and using it on lu_solve would result in a "
         "division by zero. If you still want to perform the factorization, consider calling linalg.lu(A, pivot) or "
         "linalg.lu_factor_ex(A, pivot)";
}
}  // namespace

std::tuple<Tensor, Tensor, Tensor> linalg_lu_factor_ex(const Tensor& a, bool pivot, bool check_errors) {
  check_input("torch.linalg.lu_factor_ex", a, false);
  EMBER_CHECK(pivot, "linalg.lu_factor", "LU without pivoting is not implemented on the CPU");
  LU lu = lu_core(a, batch_shape(a));
  if (check_errors)
    check_infos("torch.linalg.lu_factor_ex", lu.info, false, lu_zero_pivot);
  Tensor out = as_matrices(lu.f);
  if (needs_grad(a)) {
    // LU holds L (strictly below the diagonal, m x k) and U (upper, k x n): split its gradient the same way
    const int64_t m = a.size(-2), n = a.size(-1), k = std::min(m, n);
    record("LinalgLuFactorExBackward0", {a}, out, [so = save_output(out), piv = lu.pivots, m, n, k](const Tensor& g) {
      Tensor f = so.unpack();
      Tensor l = unit_lower(f, m, k), u = triu(narrow(f, -2, 0, k));
      Tensor gl = tril(narrow(g, -1, 0, k), -1), gu = triu(narrow(g, -2, 0, k));
      return TensorList{lu_backward(gl, gu, permutation_matrix(piv, m, f.dtype()), l, u)};
    });
  }
  return {out, lu.pivots, lu.info};
}

std::pair<Tensor, Tensor> linalg_lu_factor(const Tensor& a, bool pivot) {
  check_input("torch.linalg.lu_factor", a, false);
  auto [f, piv, info] = linalg_lu_factor_ex(a, pivot, false);
  check_infos("torch.linalg.lu_factor", info, false, lu_zero_pivot);
  return {f, piv};
}

std::tuple<Tensor, Tensor, Tensor> lu_unpack(const Tensor& lu, const Tensor& pivots, bool unpack_data,
                                             bool unpack_pivots) {
  EMBER_CHECK(lu.dim() >= 2, "lu_unpack", "torch.lu_unpack: Expected tensor with 2 or more dimensions. Got size: ",
              shape_str(lu.sizes()), " instead");
  EMBER_CHECK(pivots.dtype() == Dtype::Int32, "lu_unpack",
              "torch.lu_unpack: LU_pivots is expected to be a contiguous tensor of torch.int32 dtype. Note: this "
              "function is intended to be used with the output produced by torch.linalg.lu_factor");
  const int64_t m = lu.size(-2), n = lu.size(-1), k = std::min(m, n);
  EMBER_CHECK(pivots.dim() >= 1 && pivots.size(-1) == k, "lu_unpack", "torch.lu_unpack: pivots of shape ",
              shape_str(pivots.sizes()), " do not match LU of shape ", shape_str(lu.sizes()));
  Tensor p, l, u;
  if (unpack_data) {
    l = unit_lower(lu, m, k);
    u = triu(narrow(lu, -2, 0, k));
  } else {
    l = empty({0}, lu.dtype()), u = empty({0}, lu.dtype());
  }
  if (unpack_pivots) {
    p = permutation_matrix(pivots, m, lu.dtype());
  } else {
    p = empty({0}, lu.dtype());
  }
  return {p, l, u};
}

std::tuple<Tensor, Tensor, Tensor> linalg_lu(const Tensor& a, bool pivot) {
  check_input("linalg.lu", a, false);
  auto [f, piv, info] = linalg_lu_factor_ex(a, pivot, false);
  return lu_unpack(f, piv, true, true);
}

Tensor linalg_lu_solve(const Tensor& lu, const Tensor& pivots, const Tensor& b, bool left, bool adjoint) {
  check_input("linalg.lu_solve", lu, true, "LU");
  EMBER_CHECK(b.dim() >= 2, "linalg.lu_solve", "The input tensor B must have at least 2 dimensions.");
  check_same_dtype("linalg.lu_solve", lu, b, "LU", "B");
  EMBER_CHECK(pivots.dtype() == Dtype::Int32, "linalg.lu_solve", "pivots should be a Tensor of scalar type int32, got ",
              scalar_type_name(pivots.dtype()));
  const int64_t n = lu.size(-1);
  EMBER_CHECK(pivots.dim() == lu.dim() - 1 && pivots.size(-1) == n, "linalg.lu_solve",
              "Expected LU.shape[:-1] and pivots.shape to be the same, but got pivots with shape ",
              shape_str(pivots.sizes()), " instead");
  EMBER_CHECK((left ? b.size(-2) : b.size(-1)) == n, "linalg.lu_solve", "Incompatible shapes of A and B for the equation ",
              left ? "AX = B" : "XA = B", " (", n, "x", n, " and ", b.size(-2), "x", b.size(-1), ")");
  if (!left) return mT(linalg_lu_solve(lu, pivots, mT(b), true, !adjoint));
  Tensor perm = pivots_permutation(pivots, n);
  Tensor l = unit_lower(lu, n, n);
  if (!adjoint) {  // A = P L U: X = U^{-1} L^{-1} P^T B
    Tensor y = linalg_solve_triangular(l, permute_rows(b, perm), false, true, true);
    return linalg_solve_triangular(lu, y, true);
  }
  // A^T = U^T L^T P^T: X = P L^{-T} U^{-T} B
  Tensor y = linalg_solve_triangular(mT(lu), b, false);
  y = linalg_solve_triangular(mT(l), y, true, true, true);
  return permute_rows(y, inverse_permutation(perm));
}

// ---------------------------------------------------------------- Cholesky
namespace {
std::pair<Tensor, Tensor> cholesky_impl(const char* op, const Tensor& a, bool upper, bool check_errors) {
  check_input(op, a, true);
  const Shape batch = batch_shape(a);
  const int64_t n = a.size(-1), nb = shape_numel(batch);
  Tensor f = fortran_copy(a, batch), info = infos_for(batch);
  if (nb > 0) cpu::cholesky(a.dtype(), nb, n, f.raw_data(), upper, info.data_ptr<int32_t>());
  if (check_errors)
    check_infos(op, info, true, [](int32_t i) {
      return "The factorization could not be completed because the input is not positive-definite (the leading minor "
             "of order " + std::to_string(i) + " is not positive-definite).";
    });
  Tensor out;
  {
    autograd::NoGradGuard ng;
    out = upper ? triu(as_matrices(f)) : tril(as_matrices(f));  // LAPACK leaves the other triangle as it was
  }
  if (needs_grad(a))
    // A = L L^T: with P = tril(L^T gL) (diagonal halved), gA = sym(L^{-T} P L^{-1}) (Murray 2016)
    record_multi("LinalgCholeskyExBackward0", {a}, {&out}, [so = save_output(out), upper](TensorList&& g) -> TensorList {
      Tensor l = so.unpack(), gl = g[0];
      if (upper) l = mT(l), gl = mT(gl);
      Tensor phi = tril(matmul(mT(l), gl));
      phi = sub(phi, mul(diag_embed(diagonal(phi, 0, -2, -1)), wrap_scalar(0.5)));
      Tensor x = linalg_solve_triangular(l, phi, false, false);  // phi L^{-1}
      Tensor ga = linalg_solve_triangular(mT(l), x, true);       // L^{-T} phi L^{-1}
      return {mul(add(ga, mT(ga)), wrap_scalar(0.5))};
    });
  return {out, info};
}
}  // namespace

std::pair<Tensor, Tensor> linalg_cholesky_ex(const Tensor& a, bool upper, bool check_errors) {
  return cholesky_impl("linalg.cholesky_ex", a, upper, check_errors);
}

Tensor linalg_cholesky(const Tensor& a, bool upper) { return cholesky_impl("linalg.cholesky", a, upper, true).first; }

Tensor cholesky_solve(const Tensor& b, const Tensor& l, bool upper) {
  EMBER_CHECK(b.dim() >= 2, "cholesky_solve", "b should have at least 2 dimensions, but has ", b.dim(),
              " dimensions instead");
  EMBER_CHECK(l.dim() >= 2, "cholesky_solve", "u should have at least 2 dimensions, but has ", l.dim(),
              " dimensions instead");
  EMBER_CHECK(b.dtype() == l.dtype(), "cholesky_solve", "Expected b and A to have the same dtype, but found b of type ",
              scalar_type_name(b.dtype()), " and A of type ", scalar_type_name(l.dtype()), " instead.");
  check_input("cholesky_solve", l, true);
  EMBER_CHECK(l.size(-1) == b.size(-2), "cholesky_solve", "Incompatible matrix sizes for cholesky_solve: each A matrix is ",
              l.size(-1), " by ", l.size(-1), " but each b matrix is ", b.size(-2), " by ", b.size(-1));
  // A = L L^T (or U^T U): two triangular solves
  Tensor lo = upper ? mT(l) : l;
  return linalg_solve_triangular(mT(lo), linalg_solve_triangular(lo, b, false), true);
}

Tensor cholesky_inverse(const Tensor& l, bool upper) {
  check_input("cholesky_inverse", l, true);
  return cholesky_solve(eye_batch(batch_shape(l), l.size(-1), l.dtype()), l, upper);
}

// ---------------------------------------------------------------- triangular solves
Tensor linalg_solve_triangular(const Tensor& a, const Tensor& b, bool upper, bool left, bool unitriangular) {
  check_input("linalg.solve_triangular", a, true);
  EMBER_CHECK(b.dim() >= 2, "linalg.solve_triangular", "The input tensor B must have at least 2 dimensions.");
  check_same_dtype("linalg.solve_triangular", a, b);
  const int64_t n = a.size(-1);
  EMBER_CHECK((left ? b.size(-2) : b.size(-1)) == n, "linalg.solve_triangular",
              "Incompatible shapes of A and B for the equation ", left ? "AX = B" : "XA = B", " (", a.size(-2), "x",
              a.size(-1), " and ", b.size(-2), "x", b.size(-1), ")");
  if (!left) return mT(linalg_solve_triangular(mT(a), mT(b), !upper, true, unitriangular));
  const Shape batch = broadcast_shapes(batch_shape(a), batch_shape(b), "linalg.solve_triangular");
  const int64_t k = b.size(-1), nb = shape_numel(batch);
  Tensor fa = fortran_copy(a, batch), fb = fortran_copy(b, batch);
  if (nb > 0) cpu::triangular_solve(a.dtype(), nb, n, k, fa.raw_data(), fb.raw_data(), upper, false, unitriangular);
  Tensor out = as_matrices(fb);
  if (needs_grad(a, b))  // X = A^{-1} B: gB = A^{-T} g, gA = -gB X^T restricted to A's triangle
    record("LinalgSolveTriangularBackward0", {a, b}, out,
           [sa = save(a), so = save_output(out), upper, unitriangular](const Tensor& g, const autograd::Node& node) {
             Tensor gb = linalg_solve_triangular(mT(sa.unpack()), g, !upper, true, unitriangular);
             Tensor ga;
             if (node.needs_input_grad(0)) {
               ga = neg(matmul(gb, mT(so.unpack())));
               const int64_t off = unitriangular ? 1 : 0;
               ga = upper ? triu(ga, off) : tril(ga, -off);
             }
             return TensorList{ga, node.needs_input_grad(1) ? gb : Tensor()};
           });
  return out;
}

std::pair<Tensor, Tensor> triangular_solve(const Tensor& b, const Tensor& a, bool upper, bool transpose,
                                           bool unitriangular) {
  EMBER_CHECK(b.dim() >= 2, "triangular_solve", "torch.triangular_solve: Expected b to have at least 2 dimensions, but it has ",
              b.dim(), " dimensions instead");
  EMBER_CHECK(a.dim() >= 2, "triangular_solve", "torch.triangular_solve: Expected A to have at least 2 dimensions, but it has ",
              a.dim(), " dimensions instead");
  Tensor op_a = transpose ? mT(a) : a;
  Tensor x = linalg_solve_triangular(op_a, b, upper != transpose, true, unitriangular);
  const Shape batch = broadcast_shapes(batch_shape(a), batch_shape(b), "triangular_solve");
  return {x, clone(expand(a, with_matrix(batch, a.size(-2), a.size(-1))))};
}

}  // namespace ember
