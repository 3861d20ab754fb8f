// QR, the symmetric eigendecomposition and the SVD over LAPACK, with their
// derivatives, and what builds on them: svdvals, eigvalsh, torch.svd, pinv,
// matrix_rank, cond, and least squares (lstsq).
//
// The derivatives are the standard matrix-calculus results written with ember
// ops (so they differentiate again). Like torch's, the eigh/SVD ones assume
// distinct eigen/singular values; losses that depend on the eigenvectors'
// signs (their gauge) get a gradient, but not one that means anything.
#include <algorithm>
#include <cmath>
#include <limits>

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

Tensor scale(const Tensor& t, double s) { return mul(t, wrap_scalar(s)); }
Tensor skew(const Tensor& x) { return sub(x, mT(x)); }
// The engine hands zeros for outputs that got no gradient; formulas skip those terms.
bool has_grad(const Tensor& g) { return g.defined() && g.numel() > 0 && any_true(ne(g, wrap_scalar(0))); }
Tensor identity_like(const Tensor& square) {
  return expand(eye(square.size(-1), square.size(-1), square.dtype()), square.sizes());
}

// X R^{-T} for upper-triangular R (n x n)
Tensor times_inv_rt(const Tensor& x, const Tensor& r) { return linalg_solve_triangular(mT(r), x, false, false); }

// Gradient of A = Q R, Q m x n with orthonormal columns, R n x n upper triangular (m >= n):
// M = R gR^T - gQ^T Q, gA = (gQ + Q copyltu(M)) R^{-T}, copyltu(M) = tril(M) + tril(M, -1)^T.
Tensor qr_backward_tall(const Tensor& gq, const Tensor& gr, const Tensor& q, const Tensor& r) {
  Tensor m = sub(matmul(r, mT(gr)), matmul(mT(gq), q));
  Tensor copyltu = add(tril(m), mT(tril(m, -1)));
  return times_inv_rt(add(gq, matmul(q, copyltu)), r);
}

// Wide A (m < n) = Q [U | V]: the first m columns X = Q U as above with gQ + Y gV^T, and gY = Q gV.
Tensor qr_backward(const Tensor& gq, const Tensor& gr, const Tensor& q, const Tensor& r, const Tensor& a) {
  const int64_t m = a.size(-2), n = a.size(-1);
  if (m >= n) return qr_backward_tall(gq, gr, q, r);
  Tensor u = narrow(r, -1, 0, m), gu = narrow(gr, -1, 0, m);
  Tensor y = narrow(a, -1, m, n - m), gv = narrow(gr, -1, m, n - m);
  Tensor gx = qr_backward_tall(add(gq, matmul(y, mT(gv))), gu, q, u);
  return cat({gx, matmul(q, gv)}, -1);
}

// torch's SVD derivative (reduced U, S, Vh; k = min(m, n)), with E_ij = S_j^2 - S_i^2:
// gA = U [(skew(U^T gU) S + S skew(V^T gV)) / E + diag(gS)] Vh, plus the parts of gU (m > k) and gVh (n > k)
// outside the spans of U and V.
Tensor svd_backward(Tensor gu, const Tensor& gs, Tensor gvh, const Tensor& u, const Tensor& s, const Tensor& vh) {
  const int64_t m = u.size(-2), n = vh.size(-1);
  const bool du = has_grad(gu), dv = has_grad(gvh);
  if (!du && !dv) return matmul(mul(u, unsqueeze(gs, -2)), vh);
  Tensor s2 = mul(s, s);
  Tensor e = sub(unsqueeze(s2, -2), unsqueeze(s2, -1));
  e = add(e, identity_like(e));  // 1 on the diagonal, where the numerator is 0
  Tensor inner;
  if (du) inner = mul(skew(matmul(mT(u), gu)), unsqueeze(s, -2));
  if (dv) {
    Tensor t = mul(unsqueeze(s, -1), skew(matmul(vh, mT(gvh))));
    inner = inner.defined() ? add(inner, t) : t;
  }
  Tensor ga = add(div(inner, e), diag_embed(gs));
  if (m > n && du) {
    ga = matmul(u, ga);
    Tensor gu_sinv = div(gu, unsqueeze(s, -2));
    ga = add(ga, sub(gu_sinv, matmul(u, matmul(mT(u), gu_sinv))));
    return matmul(ga, vh);
  }
  if (m < n && dv) {
    ga = matmul(ga, vh);
    Tensor sinv_gvh = div(gvh, unsqueeze(s, -1));
    ga = add(ga, sub(sinv_gvh, matmul(matmul(sinv_gvh, mT(vh)), vh)));
    return matmul(u, ga);
  }
  return matmul(u, matmul(ga, vh));
}

// torch's eigh derivative: gA = V (skew(V^T gV) / 2 / E + diag(gL)) V^T with E_ij = L_j - L_i.
Tensor eigh_backward(const Tensor& gl, const Tensor& gv, const Tensor& l, const Tensor& v) {
  Tensor inner = diag_embed(gl);
  if (has_grad(gv)) {
    Tensor e = sub(unsqueeze(l, -2), unsqueeze(l, -1));
    e = add(e, identity_like(e));
    inner = add(inner, div(scale(skew(matmul(mT(v), gv)), 0.5), e));
  }
  return matmul(v, matmul(inner, mT(v)));
}

// Gradient through P = A^+ (n x m) given G = dL/dP, from d(A^+) = -P dA P + P P^T dA^T (I - A P)
// + (I - P A) dA^T P^T P (Golub and Pereyra 1973).
Tensor pinv_backward(const Tensor& g, const Tensor& p, const Tensor& a) {
  Tensor pt = mT(p), gt = mT(g);
  Tensor im_ap = sub(identity_like(matmul(a, p)), matmul(a, p));
  Tensor in_pa = sub(identity_like(matmul(p, a)), matmul(p, a));
  Tensor t1 = neg(matmul(pt, matmul(g, pt)));
  Tensor t2 = matmul(im_ap, matmul(gt, matmul(p, pt)));
  Tensor t3 = matmul(matmul(pt, p), matmul(gt, in_pa));
  return add(add(t1, t2), t3);
}

struct Eigh {
  Tensor values, vectors;
};

Eigh eigh_core(const char* op, const Tensor& a, const std::string& uplo, bool vectors) {
  check_input(op, a, true);
  EMBER_CHECK(uplo == "L" || uplo == "U" || uplo == "l" || uplo == "u", op,
              "Expected UPLO argument to be 'L' or 'U', but got ", uplo);
  const Shape batch = batch_shape(a);
  const int64_t n = a.size(-1), nb = shape_numel(batch);
  Shape ws = batch;
  ws.push_back(n);
  Tensor f = fortran_copy(a, batch), w = empty(ws, a.dtype()), info = infos_for(batch);
  if (nb > 0) cpu::eigh(a.dtype(), nb, n, f.raw_data(), w.raw_data(), uplo == "U" || uplo == "u", vectors,
                        info.data_ptr<int32_t>());
  check_infos(op, info, true, [](int32_t i) {
    return "The algorithm failed to converge because the input matrix is ill-conditioned or has too many repeated "
           "eigenvalues (error code: " + std::to_string(i) + ").";
  });
  return {w, vectors ? as_matrices(f) : Tensor()};
}

struct Svd {
  Tensor u, s, vh;
};

Svd svd_core(const Tensor& a, bool vectors, bool full) {
  const Shape batch = batch_shape(a);
  const int64_t m = a.size(-2), n = a.size(-1), k = std::min(m, n), nb = shape_numel(batch);
  const int64_t ucols = full ? m : k, vrows = full ? n : k;
  Shape ss = batch;
  ss.push_back(k);
  Tensor f = fortran_copy(a, batch), s = empty(ss, a.dtype()), info = infos_for(batch);
  Tensor u = vectors ? fortran_empty(batch, m, ucols, a.dtype()) : Tensor();
  Tensor vt = vectors ? fortran_empty(batch, vrows, n, a.dtype()) : Tensor();
  if (k == 0) {  // nothing to decompose: the full bases are identities
    if (vectors) {
      cpu::copy_kernel(as_matrices(u), expand(eye(m, ucols, a.dtype()), with_matrix(batch, m, ucols)));
      cpu::copy_kernel(as_matrices(vt), expand(eye(vrows, n, a.dtype()), with_matrix(batch, vrows, n)));
    }
  } else if (nb > 0) {
    cpu::svd(a.dtype(), nb, m, n, f.raw_data(), s.raw_data(), vectors ? u.raw_data() : nullptr,
             vectors ? vt.raw_data() : nullptr, vectors, full, info.data_ptr<int32_t>());
  }
  check_infos("linalg.svd", info, true, [](int32_t i) {
    return "The algorithm failed to converge because the input matrix is ill-conditioned or has too many repeated "
           "singular values (error code: " + std::to_string(i) + ").";
  });
  return {vectors ? as_matrices(u) : Tensor(), s, vectors ? as_matrices(vt) : Tensor()};
}

// torch's default tolerances: atol 0, rtol eps * max(m, n) unless atol is given (then 0 where atol > 0).
std::pair<Tensor, Tensor> tolerances(const Tensor& a, const std::optional<Tensor>& atol, const std::optional<Tensor>& rtol) {
  Tensor at = atol ? *atol : zeros({}, Dtype::Float64);
  Tensor rt;
  if (rtol) {
    rt = *rtol;
  } else {
    const double eps = a.dtype() == Dtype::Float32 ? double(std::numeric_limits<float>::epsilon())
                                                   : std::numeric_limits<double>::epsilon();
    Tensor def = full({}, eps * double(std::max(a.size(-1), a.size(-2))), Dtype::Float64);
    rt = atol ? where(gt(*atol, wrap_scalar(0)), zeros({}, Dtype::Float64), def) : def;
  }
  return {at, rt};
}

}  // namespace

// ---------------------------------------------------------------- QR
std::pair<Tensor, Tensor> linalg_qr(const Tensor& a, const std::string& mode) {
  check_input("linalg.qr", a, false);
  EMBER_CHECK(mode == "reduced" || mode == "complete" || mode == "r", "linalg.qr", "qr received unrecognized mode '",
              mode, "' but expected one of 'reduced' (default), 'r', or 'complete'");
  const Shape batch = batch_shape(a);
  const int64_t m = a.size(-2), n = a.size(-1), k = std::min(m, n), nb = shape_numel(batch);
  Shape ts = batch;
  ts.push_back(k);
  Tensor f = fortran_copy(a, batch), tau = empty(ts, a.dtype());
  if (nb > 0) cpu::geqrf(a.dtype(), nb, m, n, f.raw_data(), tau.raw_data());
  const int64_t rrows = mode == "complete" ? m : k;
  Tensor r, q;
  {
    autograd::NoGradGuard ng;
    r = contiguous(triu(narrow(as_matrices(f), -2, 0, rrows)));
    if (mode == "r") {
      q = empty({0}, a.dtype());
    } else {
      const int64_t qcols = mode == "complete" ? m : k, copied = std::min(n, qcols);
      Tensor qf = fortran_empty(batch, m, qcols, a.dtype());
      if (qf.numel() > 0) {
        cpu::copy_kernel(narrow(as_matrices(qf), -1, 0, copied), narrow(as_matrices(f), -1, 0, copied));
        cpu::orgqr(a.dtype(), nb, m, qcols, k, qf.raw_data(), tau.raw_data());
      }
      q = as_matrices(qf);
    }
  }
  if (needs_grad(a) && mode == "r")
    record("LinalgQrBackward0", {a}, r, [](const Tensor&) -> TensorList {
      EMBER_FAIL("linalg.qr", "The derivative of linalg.qr depends on Q, which is not computed when mode='r'. Please "
                 "use linalg.qr(A, mode='reduced') if you are going to differentiate through linalg.qr.");
    });
  else if (needs_grad(a))
    record_multi("LinalgQrBackward0", {a}, {&q, &r},
                 [sa = save(a), sq = save_output(q, 0), sr = save_output(r, 1), mode, m, n](TensorList&& g) -> TensorList {
                   EMBER_CHECK(!(mode == "complete" && m > n), "linalg.qr",
                               "The QR decomposition is not differentiable when mode='complete' and nrows > ncols.");
                   return {qr_backward(g[0], g[1], sq.unpack(), sr.unpack(), sa.unpack())};
                 });
  return {q, r};
}

std::pair<Tensor, Tensor> geqrf(const Tensor& a) {
  EMBER_CHECK(a.dim() >= 2, "geqrf", "torch.geqrf: input must have at least 2 dimensions.");
  check_floating("geqrf", a);
  const Shape batch = batch_shape(a);
  const int64_t m = a.size(-2), n = a.size(-1), k = std::min(m, n), nb = shape_numel(batch);
  Shape ts = batch;
  ts.push_back(k);
  Tensor f = fortran_copy(a, batch), tau = empty(ts, a.dtype());
  if (nb > 0) cpu::geqrf(a.dtype(), nb, m, n, f.raw_data(), tau.raw_data());
  return {as_matrices(f), tau};
}

// ---------------------------------------------------------------- symmetric eigendecomposition
namespace {
std::pair<Tensor, Tensor> eigh_impl(const char* op, const Tensor& a, const std::string& uplo) {
  Eigh e = eigh_core(op, a, uplo, true);
  if (needs_grad(a))
    record_multi("LinalgEighBackward0", {a}, {&e.values, &e.vectors},
                 [sl = save_output(e.values, 0), sv = save_output(e.vectors, 1)](TensorList&& g) -> TensorList {
                   return {eigh_backward(g[0], g[1], sl.unpack(), sv.unpack())};
                 });
  return {e.values, e.vectors};
}
}  // namespace

std::pair<Tensor, Tensor> linalg_eigh(const Tensor& a, const std::string& uplo) { return eigh_impl("linalg.eigh", a, uplo); }

Tensor linalg_eigvalsh(const Tensor& a, const std::string& uplo) {
  // with a gradient to compute, through eigh: its backward then uses eigenvectors that are outputs of a
  // node, so the gradient is itself differentiable
  if (needs_grad(a)) return eigh_impl("linalg.eigvalsh", a, uplo).first;
  return eigh_core("linalg.eigvalsh", a, uplo, false).values;
}

// ---------------------------------------------------------------- SVD
std::tuple<Tensor, Tensor, Tensor> linalg_svd(const Tensor& a, bool full_matrices) {
  check_input("linalg.svd", a, false);
  Svd r = svd_core(a, true, full_matrices);
  if (needs_grad(a)) {
    const int64_t k = r.s.size(-1);
    record_multi("LinalgSvdBackward0", {a}, {&r.u, &r.s, &r.vh},
                 [su = save_output(r.u, 0), ss = save_output(r.s, 1), sv = save_output(r.vh, 2), full_matrices,
                  k](TensorList&& g) -> TensorList {
                   Tensor u = su.unpack(), vh = sv.unpack(), gu = g[0], gvh = g[2];
                   if (full_matrices) {  // only the first k singular vectors matter
                     u = narrow(u, -1, 0, k), vh = narrow(vh, -2, 0, k);
                     gu = narrow(gu, -1, 0, k), gvh = narrow(gvh, -2, 0, k);
                   }
                   return {svd_backward(gu, g[1], gvh, u, ss.unpack(), vh)};
                 });
  }
  return {r.u, r.s, r.vh};
}

Tensor linalg_svdvals(const Tensor& a) {
  check_input("linalg.svdvals", a, false);
  if (needs_grad(a)) return std::get<1>(linalg_svd(a, false));  // differentiable twice, as eigvalsh
  return svd_core(a, false, false).s;
}

std::tuple<Tensor, Tensor, Tensor> svd(const Tensor& a, bool some, bool compute_uv) {
  check_input("svd", a, false);
  if (!compute_uv) {  // torch returns zero-filled U (m x m) and V (n x n)
    const Shape batch = batch_shape(a);
    const int64_t m = a.size(-2), n = a.size(-1);
    return {zeros(with_matrix(batch, m, m), a.dtype()), linalg_svdvals(a), zeros(with_matrix(batch, n, n), a.dtype())};
  }
  auto [u, s, vh] = linalg_svd(a, !some);
  return {u, s, mT(vh)};
}

// ---------------------------------------------------------------- built on the SVD / eigh
Tensor linalg_pinv(const Tensor& a, const std::optional<Tensor>& atol, const std::optional<Tensor>& rtol, bool hermitian) {
  check_input("linalg.pinv", a, hermitian);
  auto [at, rt] = tolerances(a, atol, rtol);
  if (a.numel() == 0) return empty(with_matrix(batch_shape(a), a.size(-1), a.size(-2)), a.dtype());
  if (!hermitian) {
    auto [u, s, vh] = linalg_svd(a, false);
    Tensor tol = maximum(unsqueeze(at, -1), mul(unsqueeze(rt, -1), narrow(s, -1, 0, 1)));
    Tensor s_inv = to_dtype(where(gt(s, tol), reciprocal(s), zeros({}, s.dtype())), a.dtype());
    return matmul(mul(mT(vh), unsqueeze(s_inv, -2)), mT(u));
  }
  auto [l, v] = linalg_eigh(a);
  Tensor l_abs = abs(l);
  Tensor tol = maximum(unsqueeze(at, -1), mul(unsqueeze(rt, -1), amax(l_abs, {-1}, true)));
  Tensor l_inv = to_dtype(where(gt(l_abs, tol), reciprocal(l), zeros({}, l.dtype())), a.dtype());
  return matmul(mul(v, unsqueeze(l_inv, -2)), mT(v));
}

Tensor linalg_matrix_rank(const Tensor& a, const std::optional<Tensor>& atol, const std::optional<Tensor>& rtol,
                          bool hermitian) {
  check_input("linalg.matrix_rank", a, hermitian);
  auto [at, rt] = tolerances(a, atol, rtol);
  autograd::NoGradGuard ng;  // an integer result
  if (std::min(a.size(-1), a.size(-2)) == 0) return zeros(batch_shape(a), Dtype::Int64);
  Tensor s, smax;
  if (!hermitian) {
    s = linalg_svdvals(a);
    smax = narrow(s, -1, 0, 1);
  } else {
    s = abs(linalg_eigvalsh(a));
    smax = amax(s, {-1}, true);
  }
  Tensor tol = maximum(unsqueeze(at, -1), mul(unsqueeze(rt, -1), smax));
  return sum(gt(s, tol), {-1});
}

Tensor linalg_cond(const Tensor& a, const std::optional<double>& p) {
  const bool svd_norm = !p || *p == 2 || *p == -2;
  EMBER_CHECK(svd_norm || std::abs(*p) == 1 || std::isinf(*p), "linalg.cond", "linalg.cond got an invalid norm type: ",
              *p);
  check_input("linalg.cond", a, !svd_norm);
  if (!svd_norm) {
    if (a.numel() == 0) return zeros(batch_shape(a), a.dtype());
    auto [inv, info] = linalg_inv_ex(a);
    // a singular matrix has condition number inf
    inv = masked_fill(inv, unsqueeze(unsqueeze(gt(info, wrap_scalar(0)), -1), -1), full({}, INFINITY, a.dtype()));
    return mul(matrix_norm(a, *p), matrix_norm(inv, *p));
  }
  if (a.numel() == 0) return zeros(batch_shape(a), a.dtype());
  Tensor s = linalg_svdvals(a);
  Tensor smax = narrow(s, -1, 0, 1), smin = narrow(s, -1, s.size(-1) - 1, 1);
  return squeeze(p && *p == -2 ? div(smin, smax) : div(smax, smin), {-1});
}

Tensor linalg_cond(const Tensor& a, const std::string& p) {
  EMBER_CHECK(p == "fro" || p == "nuc", "linalg.cond", "linalg.cond got an invalid norm type: ", p);
  check_input("linalg.cond", a, true);
  if (a.numel() == 0) return zeros(batch_shape(a), a.dtype());
  auto [inv, info] = linalg_inv_ex(a);
  inv = masked_fill(inv, unsqueeze(unsqueeze(gt(info, wrap_scalar(0)), -1), -1), full({}, INFINITY, a.dtype()));
  if (p == "nuc") return mul(sum(linalg_svdvals(a), {-1}), sum(linalg_svdvals(inv), {-1}));  // sums of singular values
  return mul(matrix_norm(a, p), matrix_norm(inv, p));
}

std::pair<Tensor, Tensor> linalg_eig(const Tensor& a) {
  check_input("linalg.eig", a, true);
  EMBER_NOT_SUPPORTED("linalg.eig", "not supported yet: complex results (ember has no complex dtype; for symmetric "
                      "matrices use linalg.eigh)");
}

Tensor linalg_eigvals(const Tensor& a) {
  check_input("linalg.eigvals", a, true);
  EMBER_NOT_SUPPORTED("linalg.eigvals", "not supported yet: complex results (ember has no complex dtype; for "
                      "symmetric matrices use linalg.eigvalsh)");
}

// ---------------------------------------------------------------- least squares
std::tuple<Tensor, Tensor, Tensor, Tensor> linalg_lstsq(const Tensor& a, const Tensor& b, std::optional<double> rcond,
                                                        const std::optional<std::string>& driver_name) {
  const char* op = "torch.linalg.lstsq";
  EMBER_CHECK(a.dim() >= 2, op, "input must have at least 2 dimensions.");
  EMBER_CHECK(b.dim() >= 1, op, "other must have at least 1 dimension.");
  check_floating(op, a);
  EMBER_CHECK(a.dtype() == b.dtype(), op, "Expected input and other to have the same dtype, but got input's dtype ",
              scalar_type_name(a.dtype()), " and other's dtype ", scalar_type_name(b.dtype()));
  const int64_t dim_diff = a.dim() - b.dim();
  EMBER_CHECK(dim_diff >= 0 && dim_diff <= 1, op,
              "input.dim() must be greater or equal to other.dim() and (input.dim() - other.dim()) <= 1");
  const bool vec = dim_diff == 1;
  Tensor b2 = vec ? unsqueeze(b, -1) : b;
  EMBER_CHECK(a.size(-2) == b2.size(-2), op,
              vec ? "input.size(-2) should match other.size(-1)" : "input.size(-2) should match other.size(-2)");
  const std::string dn = driver_name.value_or("gelsy");
  cpu::LstsqDriver driver;
  if (dn == "gelsy") driver = cpu::LstsqDriver::Gelsy;
  else if (dn == "gels") driver = cpu::LstsqDriver::Gels;
  else if (dn == "gelsd") driver = cpu::LstsqDriver::Gelsd;
  else if (dn == "gelss") driver = cpu::LstsqDriver::Gelss;
  else EMBER_FAIL(op, "parameter `driver` should be one of (gels, gelsy, gelsd, gelss)");
  const int64_t m = a.size(-2), n = a.size(-1), nrhs = b2.size(-1), k = std::min(m, n), rows = std::max(m, n);
  const Shape batch = broadcast_shapes(batch_shape(a), batch_shape(b2), "linalg.lstsq");
  const int64_t nb = shape_numel(batch);
  const double eps = a.dtype() == Dtype::Float32 ? double(std::numeric_limits<float>::epsilon())
                                                 : std::numeric_limits<double>::epsilon();
  const double rc = rcond.value_or(eps * double(rows));
  Tensor fa = fortran_copy(a, batch);
  // b padded to max(m, n) rows: LAPACK writes the n-row solution over it
  Tensor fb = zeros(with_matrix(batch, nrhs, rows), a.dtype());
  if (fb.numel() > 0) cpu::copy_kernel(narrow(as_matrices(fb), -2, 0, m), expand(b2, with_matrix(batch, m, nrhs)));
  const bool has_rank = driver != cpu::LstsqDriver::Gels;
  const bool has_sv = driver == cpu::LstsqDriver::Gelsd || driver == cpu::LstsqDriver::Gelss;
  Tensor rank = has_rank ? zeros(batch, Dtype::Int64) : empty({0}, Dtype::Int64);
  Shape ss = batch;
  ss.push_back(k);
  Tensor sv = has_sv ? zeros(ss, a.dtype()) : empty({0}, a.dtype());
  Tensor info = infos_for(batch);
  if (nb > 0 && nrhs >= 0)
    cpu::lstsq(a.dtype(), nb, m, n, nrhs, fa.raw_data(), fb.raw_data(), rc, driver,
               has_rank ? rank.data_ptr<int64_t>() : nullptr, has_sv ? sv.raw_data() : nullptr, info.data_ptr<int32_t>());
  if (driver == cpu::LstsqDriver::Gels)
    check_infos(op, info, true, [](int32_t i) {
      return "The least squares solution could not be computed because the input matrix does not have full rank "
             "(error code: " + std::to_string(i) + ").";
    });
  else
    check_infos(op, info, true, [](int32_t i) {
      return "The algorithm failed to converge because the input matrix is ill-conditioned or has too many repeated "
             "singular values (error code: " + std::to_string(i) + ").";
    });
  Tensor full_sol = as_matrices(fb);
  Tensor residuals = empty({0}, a.dtype());
  if (m > n && driver != cpu::LstsqDriver::Gelsy) {
    // rows n..m of LAPACK's output hold the residual components when A has full rank
    bool full_rank = !has_rank || nb == 0 || !any_true(ne(rank, wrap_scalar(n)));
    if (full_rank) {
      Tensor raw = narrow(full_sol, -2, n, m - n);
      residuals = sum(mul(raw, raw), {-2});  // (..., nrhs), also for a vector B (like torch)
    }
  }
  Tensor sol = contiguous(narrow(full_sol, -2, 0, n));
  if (m == 0) sol = zeros_like(sol);
  if (vec) sol = squeeze(sol, {-1});
  if (needs_grad(a, b))  // like torch, through the pseudo-inverse: X = A^+ B
    record("LinalgLstsqBackward0", {a, b}, sol, [sa = save(a), sb = save(b), vec](const Tensor& g, const autograd::Node& node) {
      Tensor am = sa.unpack(), p = linalg_pinv(am);
      Tensor gx = vec ? unsqueeze(g, -1) : g, bm = vec ? unsqueeze(sb.unpack(), -1) : sb.unpack();
      Tensor ga, gb;
      if (node.needs_input_grad(0)) ga = pinv_backward(matmul(gx, mT(bm)), p, am);
      if (node.needs_input_grad(1)) {
        gb = matmul(mT(p), gx);
        if (vec) gb = squeeze(gb, {-1});
      }
      return TensorList{ga, gb};
    });
  return {sol, residuals, rank, sv};
}

namespace linalg {
Tensor svd_matrix_norm(const Tensor& t, const std::string& ord, const Dims& dims, bool keepdim) {
  const int64_t d0 = wrap_dim(dims[0], t.dim(), "linalg.matrix_norm"), d1 = wrap_dim(dims[1], t.dim(), "linalg.matrix_norm");
  Tensor s = linalg_svdvals(movedim(t, {d0, d1}, {-2, -1}));
  Tensor r = ord == "nuc" ? sum(s, {-1}) : ord == "2" ? amax(s, {-1}) : amin(s, {-1});
  if (keepdim) r = unsqueeze(unsqueeze(r, std::min(d0, d1)), std::max(d0, d1));
  return r;
}
}  // namespace linalg

}  // namespace ember
