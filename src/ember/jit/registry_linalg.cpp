// Registry entries of the LAPACK-backed linear algebra (ops/linalg_lapack.cpp,
// linalg_spectral.cpp, linalg_compose.cpp), so traced graphs may contain them.
// Arguments follow the bindings in python/src/ops_lapack.cpp.
#include "ember/jit/op_registry.h"

namespace ember::jit {

namespace {

using T = TensorList;
using A = const Args&;

T pair(std::pair<Tensor, Tensor> p) { return {p.first, p.second}; }
T triple(std::tuple<Tensor, Tensor, Tensor> t) { return {std::get<0>(t), std::get<1>(t), std::get<2>(t)}; }

// atol= / rtol= / tol=: a tensor, a number (a 0-d float64 tensor, as the binding makes it) or None
std::optional<Tensor> tol(A a, size_t i) {
  if (!a.has(i)) return std::nullopt;
  if (a.is_tensor(i)) return a.tensor(i);
  return scalar_tensor(Scalar(a.d(i)), Dtype::Float64);
}

}  // namespace

void register_linalg_ops(Registry& r) {
  // determinants, inverse, solve
  r.add("linalg_det", [](A a) -> T { return {linalg_det(a.tensor(0))}; });
  r.alias("det", "linalg_det");
  r.add("logdet", [](A a) -> T { return {logdet(a.tensor(0))}; });
  r.add("linalg_slogdet", [](A a) -> T { return pair(linalg_slogdet(a.tensor(0))); });
  r.alias("slogdet", "linalg_slogdet");
  r.add("linalg_inv", [](A a) -> T { return {linalg_inv(a.tensor(0))}; });
  r.alias("inverse", "linalg_inv");
  r.add("linalg_inv_ex", [](A a) -> T { return pair(linalg_inv_ex(a.tensor(0), a.b(1, false))); });
  r.add("linalg_solve", [](A a) -> T { return {linalg_solve(a.tensor(0), a.tensor(1), a.b(2, true))}; });
  r.add("linalg_solve_ex", [](A a) -> T {
    return pair(linalg_solve_ex(a.tensor(0), a.tensor(1), a.b(2, true), a.b(3, false)));
  });
  // LU
  r.add("linalg_lu_factor", [](A a) -> T { return pair(linalg_lu_factor(a.tensor(0), a.b(1, true))); });
  r.add("linalg_lu_factor_ex", [](A a) -> T { return triple(linalg_lu_factor_ex(a.tensor(0), a.b(1, true), a.b(2, false))); });
  r.add("linalg_lu", [](A a) -> T { return triple(linalg_lu(a.tensor(0), a.b(1, true))); });
  r.add("linalg_lu_solve", [](A a) -> T {
    return {linalg_lu_solve(a.tensor(0), a.tensor(1), a.tensor(2), a.b(3, true), a.b(4, false))};
  });
  r.add("lu_solve", [](A a) -> T { return {linalg_lu_solve(a.tensor(1), a.tensor(2), a.tensor(0))}; });
  r.add("lu_unpack", [](A a) -> T { return triple(lu_unpack(a.tensor(0), a.tensor(1), a.b(2, true), a.b(3, true))); });
  r.add("lu", [](A a) -> T {
    auto [lu, piv, info] = linalg_lu_factor_ex(a.tensor(0), a.b(1, true), false);
    if (a.b(2, false)) return {lu, piv, info};
    return {lu, piv};
  });
  // Cholesky, triangular solves
  r.add("linalg_cholesky", [](A a) -> T { return {linalg_cholesky(a.tensor(0), a.b(1, false))}; });
  r.alias("cholesky", "linalg_cholesky");
  r.add("linalg_cholesky_ex", [](A a) -> T { return pair(linalg_cholesky_ex(a.tensor(0), a.b(1, false), a.b(2, false))); });
  r.add("cholesky_solve", [](A a) -> T { return {cholesky_solve(a.tensor(0), a.tensor(1), a.b(2, false))}; });
  r.add("cholesky_inverse", [](A a) -> T { return {cholesky_inverse(a.tensor(0), a.b(1, false))}; });
  r.add("linalg_solve_triangular", [](A a) -> T {
    return {linalg_solve_triangular(a.tensor(0), a.tensor(1), a.b(2), a.b(3, true), a.b(4, false))};
  });
  r.add("triangular_solve", [](A a) -> T {
    return pair(triangular_solve(a.tensor(0), a.tensor(1), a.b(2, true), a.b(3, false), a.b(4, false)));
  });
  // QR, eigh, SVD and what builds on them
  r.add("linalg_qr", [](A a) -> T { return pair(linalg_qr(a.tensor(0), a.s(1, "reduced"))); });
  r.add("qr", [](A a) -> T { return pair(linalg_qr(a.tensor(0), a.b(1, true) ? "reduced" : "complete")); });
  r.add("linalg_eigh", [](A a) -> T { return pair(linalg_eigh(a.tensor(0), a.s(1, "L"))); });
  r.add("linalg_eigvalsh", [](A a) -> T { return {linalg_eigvalsh(a.tensor(0), a.s(1, "L"))}; });
  r.add("linalg_svd", [](A a) -> T { return triple(linalg_svd(a.tensor(0), a.b(1, true))); });
  r.add("linalg_svdvals", [](A a) -> T { return {linalg_svdvals(a.tensor(0))}; });
  r.add("svd", [](A a) -> T { return triple(svd(a.tensor(0), a.b(1, true), a.b(2, true))); });
  r.add("linalg_pinv", [](A a) -> T {
    std::optional<Tensor> rt = a.has(1) ? tol(a, 1) : tol(a, 4);  // rcond is the older name of rtol
    return {linalg_pinv(a.tensor(0), tol(a, 3), rt, a.b(2, false))};
  });
  r.add("pinverse", [](A a) -> T {
    return {linalg_pinv(a.tensor(0), std::nullopt, scalar_tensor(Scalar(a.d(1, 1e-15)), Dtype::Float64))};
  });
  r.add("linalg_matrix_rank", [](A a) -> T {
    if (a.has(1)) return {linalg_matrix_rank(a.tensor(0), tol(a, 1), zeros({}, Dtype::Float64), a.b(2, false))};
    return {linalg_matrix_rank(a.tensor(0), tol(a, 3), tol(a, 4), a.b(2, false))};
  });
  r.add("linalg_lstsq", [](A a) -> T {
    auto [x, res, rank, sv] = linalg_lstsq(a.tensor(0), a.tensor(1), a.opt_d(2), a.opt_s(3));
    return {x, res, rank, sv};
  });
  r.add("linalg_cond", [](A a) -> T {
    if (a.has(1) && a[1].is_string()) return {linalg_cond(a.tensor(0), a.s(1))};
    return {linalg_cond(a.tensor(0), a.opt_d(1))};
  });
  r.add("geqrf", [](A a) -> T { return pair(geqrf(a.tensor(0))); });
  r.add("ormqr", [](A a) -> T {
    return {ormqr(a.tensor(0), a.tensor(1), a.tensor(2), a.b(3, true), a.b(4, false))};
  });
  // composite
  r.add("linalg_matrix_power", [](A a) -> T { return {linalg_matrix_power(a.tensor(0), a.i(1))}; });
  r.alias("matrix_power", "linalg_matrix_power");
  r.add("linalg_matrix_exp", [](A a) -> T { return {linalg_matrix_exp(a.tensor(0))}; });
  r.alias("matrix_exp", "linalg_matrix_exp");
  r.add("linalg_multi_dot", [](A a) -> T { return {linalg_multi_dot(a.tensors(0))}; });
  r.add("linalg_householder_product", [](A a) -> T { return {linalg_householder_product(a.tensor(0), a.tensor(1))}; });
  r.alias("orgqr", "linalg_householder_product");
  r.add("linalg_vander", [](A a) -> T { return {linalg_vander(a.tensor(0), a.opt_i(1))}; });
  r.add("linalg_tensorinv", [](A a) -> T { return {linalg_tensorinv(a.tensor(0), a.i(1, 2))}; });
  r.add("linalg_tensorsolve", [](A a) -> T {
    std::optional<Dims> dims;
    if (a.has(2)) dims = a.dims(2);
    return {linalg_tensorsolve(a.tensor(0), a.tensor(1), dims)};
  });
}

}  // namespace ember::jit
