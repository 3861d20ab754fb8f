// Bindings of the LAPACK-backed linear algebra: the linalg_* entry points behind
// ember.linalg (decompositions, solvers, spectral ops) and their torch.* / Tensor
// spellings (det, inverse, cholesky, lu_solve, svd, ...). Several results come
// back as ember.return_types named tuples, like torch.return_types.
#include "bind.h"

namespace ember::py {

namespace {

// Runs f without the GIL (LAPACK calls can be long); the named tuple is built after, with it.
template <class F> auto released(F&& f) {
  py::gil_scoped_release nogil;
  return f();
}

template <class... T> py::object named(const char* type, const T&... items) {
  return py::module_::import("ember.return_types").attr(type)(items...);
}

// atol= / rtol= / tol=: a number becomes a 0-d float64 tensor, as torch does.
std::optional<Tensor> tol_arg(const py::object& o) {
  if (o.is_none()) return std::nullopt;
  if (is_tensor(o.ptr())) return o.cast<Tensor>();
  return scalar_tensor(Scalar(o.cast<double>()), Dtype::Float64);
}

}  // namespace

EMBER_BINDINGS(lapack, 31) {
  m.attr("_LinAlgError") = py::handle(linalg_error_type());

  // ---- determinants
  m.def("linalg_det", [](const Tensor& a) { return linalg_det(a); }, py::arg("A"), nogil());
  def_both(m, "det", [](const Tensor& a) { return linalg_det(a); }, nogil());
  def_both(m, "logdet", [](const Tensor& a) { return logdet(a); }, nogil());
  m.def("linalg_slogdet", [](const Tensor& a) {
    auto r = released([&] { return linalg_slogdet(a); });
    return named("linalg_slogdet", r.first, r.second);
  }, py::arg("A"));
  def_both(m, "slogdet", [](const Tensor& a) {
    auto r = released([&] { return linalg_slogdet(a); });
    return named("slogdet", r.first, r.second);
  });

  // ---- inverse and solve
  m.def("linalg_inv", [](const Tensor& a) { return linalg_inv(a); }, py::arg("A"), nogil());
  def_both(m, "inverse", [](const Tensor& a) { return linalg_inv(a); }, nogil());
  m.def("linalg_inv_ex", [](const Tensor& a, bool check_errors) {
    auto r = released([&] { return linalg_inv_ex(a, check_errors); });
    return named("linalg_inv_ex", r.first, r.second);
  }, py::arg("A"), py::kw_only(), py::arg("check_errors") = false);
  m.def("linalg_solve", [](const Tensor& a, const Tensor& b, bool left) { return linalg_solve(a, b, left); },
        py::arg("A"), py::arg("B"), py::kw_only(), py::arg("left") = true, nogil());
  m.def("linalg_solve_ex", [](const Tensor& a, const Tensor& b, bool left, bool check_errors) {
    auto r = released([&] { return linalg_solve_ex(a, b, left, check_errors); });
    return named("linalg_solve_ex", r.first, r.second);
  }, py::arg("A"), py::arg("B"), py::kw_only(), py::arg("left") = true, py::arg("check_errors") = false);

  // ---- LU
  m.def("linalg_lu_factor", [](const Tensor& a, bool pivot) {
    auto r = released([&] { return linalg_lu_factor(a, pivot); });
    return named("linalg_lu_factor", r.first, r.second);
  }, py::arg("A"), py::kw_only(), py::arg("pivot") = true);
  m.def("linalg_lu_factor_ex", [](const Tensor& a, bool pivot, bool check_errors) {
    auto [lu, piv, info] = released([&] { return linalg_lu_factor_ex(a, pivot, check_errors); });
    return named("linalg_lu_factor_ex", lu, piv, info);
  }, py::arg("A"), py::kw_only(), py::arg("pivot") = true, py::arg("check_errors") = false);
  m.def("linalg_lu", [](const Tensor& a, bool pivot) {
    auto [p, l, u] = released([&] { return linalg_lu(a, pivot); });
    return named("linalg_lu", p, l, u);
  }, py::arg("A"), py::kw_only(), py::arg("pivot") = true);
  m.def("linalg_lu_solve", [](const Tensor& lu, const Tensor& piv, const Tensor& b, bool left, bool adjoint) {
    return linalg_lu_solve(lu, piv, b, left, adjoint);
  }, py::arg("LU"), py::arg("pivots"), py::arg("B"), py::kw_only(), py::arg("left") = true, py::arg("adjoint") = false,
        nogil());
  def_both(m, "lu_solve", [](const Tensor& b, const Tensor& lu, const Tensor& piv) { return linalg_lu_solve(lu, piv, b); },
           py::arg("LU_data"), py::arg("LU_pivots"), nogil());
  m.def("lu_unpack", [](const Tensor& lu, const Tensor& piv, bool unpack_data, bool unpack_pivots) {
    auto [p, l, u] = released([&] { return lu_unpack(lu, piv, unpack_data, unpack_pivots); });
    return named("lu_unpack", p, l, u);
  }, py::arg("LU_data"), py::arg("LU_pivots"), py::arg("unpack_data") = true, py::arg("unpack_pivots") = true);
  // torch.lu / Tensor.lu: (LU, pivots) or, with get_infos, (LU, pivots, infos); never raises for singular input
  def_both(m, "lu", [](const Tensor& a, bool pivot, bool get_infos) -> py::object {
    auto [lu, piv, info] = released([&] { return linalg_lu_factor_ex(a, pivot, false); });
    if (get_infos) return py::make_tuple(lu, piv, info);
    return py::make_tuple(lu, piv);
  }, py::arg("pivot") = true, py::arg("get_infos") = false);

  // ---- Cholesky
  m.def("linalg_cholesky", [](const Tensor& a, bool upper) { return linalg_cholesky(a, upper); }, py::arg("A"),
        py::kw_only(), py::arg("upper") = false, nogil());
  m.def("linalg_cholesky_ex", [](const Tensor& a, bool upper, bool check_errors) {
    auto r = released([&] { return linalg_cholesky_ex(a, upper, check_errors); });
    return named("linalg_cholesky_ex", r.first, r.second);
  }, py::arg("A"), py::kw_only(), py::arg("upper") = false, py::arg("check_errors") = false);
  def_both(m, "cholesky", [](const Tensor& a, bool upper) { return linalg_cholesky(a, upper); },
           py::arg("upper") = false, nogil());
  def_both(m, "cholesky_solve", [](const Tensor& b, const Tensor& l, bool upper) { return cholesky_solve(b, l, upper); },
           py::arg("input2"), py::arg("upper") = false, nogil());
  def_both(m, "cholesky_inverse", [](const Tensor& l, bool upper) { return cholesky_inverse(l, upper); },
           py::arg("upper") = false, nogil());

  // ---- triangular solves
  m.def("linalg_solve_triangular", [](const Tensor& a, const Tensor& b, bool upper, bool left, bool unitriangular) {
    return linalg_solve_triangular(a, b, upper, left, unitriangular);
  }, py::arg("A"), py::arg("B"), py::kw_only(), py::arg("upper"), py::arg("left") = true,
        py::arg("unitriangular") = false, nogil());
  def_both(m, "triangular_solve", [](const Tensor& b, const Tensor& a, bool upper, bool transpose, bool unitriangular) {
    auto r = released([&] { return triangular_solve(b, a, upper, transpose, unitriangular); });
    return named("triangular_solve", r.first, r.second);
  }, py::arg("A"), py::arg("upper") = true, py::arg("transpose") = false, py::arg("unitriangular") = false);

  // ---- QR, eigh, SVD
  m.def("linalg_qr", [](const Tensor& a, const std::string& mode) {
    auto r = released([&] { return linalg_qr(a, mode); });
    return named("linalg_qr", r.first, r.second);
  }, py::arg("A"), py::arg("mode") = "reduced");
  def_both(m, "qr", [](const Tensor& a, bool some) {
    auto r = released([&] { return linalg_qr(a, some ? "reduced" : "complete"); });
    return named("qr", r.first, r.second);
  }, py::arg("some") = true);
  m.def("linalg_eigh", [](const Tensor& a, const std::string& uplo) {
    auto r = released([&] { return linalg_eigh(a, uplo); });
    return named("linalg_eigh", r.first, r.second);
  }, py::arg("A"), py::arg("UPLO") = "L");
  m.def("linalg_eigvalsh", [](const Tensor& a, const std::string& uplo) { return linalg_eigvalsh(a, uplo); },
        py::arg("A"), py::arg("UPLO") = "L", nogil());
  m.def("linalg_svd", [](const Tensor& a, bool full_matrices, py::object driver) {
    if (!driver.is_none()) throw py::value_error("torch.linalg.svd: keyword argument `driver=` is only supported on CUDA inputs with cuSOLVER backend.");
    auto [u, s, vh] = released([&] { return linalg_svd(a, full_matrices); });
    return named("linalg_svd", u, s, vh);
  }, py::arg("A"), py::arg("full_matrices") = true, py::kw_only(), py::arg("driver") = py::none());
  m.def("linalg_svdvals", [](const Tensor& a, py::object driver) {
    if (!driver.is_none()) throw py::value_error("torch.linalg.svdvals: keyword argument `driver=` is only supported on CUDA inputs with cuSOLVER backend.");
    return linalg_svdvals(a);
  }, py::arg("A"), py::kw_only(), py::arg("driver") = py::none());
  def_both(m, "svd", [](const Tensor& a, bool some, bool compute_uv) {
    auto [u, s, v] = released([&] { return svd(a, some, compute_uv); });
    return named("svd", u, s, v);
  }, py::arg("some") = true, py::arg("compute_uv") = true);
  m.def("linalg_eig", [](const Tensor& a) {
    auto r = released([&] { return linalg_eig(a); });
    return named("linalg_eig", r.first, r.second);
  }, py::arg("A"));
  m.def("linalg_eigvals", [](const Tensor& a) { return linalg_eigvals(a); }, py::arg("A"));

  // ---- built on them
  // pinv(A, rcond=None, hermitian=False, *, atol=None, rtol=None): rcond is the older name of rtol
  m.def("linalg_pinv", [](const Tensor& a, py::object rcond, bool hermitian, py::object atol, py::object rtol) {
    if (!rcond.is_none()) {
      if (!rtol.is_none()) throw py::type_error("linalg.pinv: rcond and rtol cannot both be given");
      rtol = rcond;
    }
    auto at = tol_arg(atol), rt = tol_arg(rtol);
    py::gil_scoped_release nogil;
    return linalg_pinv(a, at, rt, hermitian);
  }, py::arg("A"), py::arg("rcond") = py::none(), py::arg("hermitian") = false, py::kw_only(),
        py::arg("atol") = py::none(), py::arg("rtol") = py::none());
  def_both(m, "pinverse", [](const Tensor& a, double rcond) {
    return linalg_pinv(a, std::nullopt, scalar_tensor(Scalar(rcond), Dtype::Float64), false);
  }, py::arg("rcond") = 1e-15, nogil());
  // matrix_rank(A, tol=None, hermitian=False, *, atol=None, rtol=None): tol means atol with rtol 0
  m.def("linalg_matrix_rank", [](const Tensor& a, py::object tol, bool hermitian, py::object atol, py::object rtol) {
    if (!tol.is_none()) {
      if (!atol.is_none() || !rtol.is_none())
        throw py::type_error("linalg.matrix_rank: tol cannot be given together with atol or rtol");
      atol = tol, rtol = py::float_(0.0);
    }
    auto at = tol_arg(atol), rt = tol_arg(rtol);
    py::gil_scoped_release nogil;
    return linalg_matrix_rank(a, at, rt, hermitian);
  }, py::arg("A"), py::arg("tol") = py::none(), py::arg("hermitian") = false, py::kw_only(),
        py::arg("atol") = py::none(), py::arg("rtol") = py::none());
  m.def("linalg_lstsq", [](const Tensor& a, const Tensor& b, std::optional<double> rcond,
                           const std::optional<std::string>& driver) {
    auto [x, res, rank, sv] = released([&] { return linalg_lstsq(a, b, rcond, driver); });
    return named("linalg_lstsq", x, res, rank, sv);
  }, py::arg("A"), py::arg("B"), py::arg("rcond") = py::none(), py::kw_only(), py::arg("driver") = py::none());
  m.def("linalg_cond", [](const Tensor& a, py::object p) {
    if (py::isinstance<py::str>(p)) {
      std::string s = p.cast<std::string>();
      py::gil_scoped_release nogil;
      return linalg_cond(a, s);
    }
    std::optional<double> d;
    if (!p.is_none()) d = p.cast<double>();
    py::gil_scoped_release nogil;
    return linalg_cond(a, d);
  }, py::arg("A"), py::arg("p") = py::none());

  // ---- composite
  m.def("linalg_matrix_power", [](const Tensor& a, int64_t n) { return linalg_matrix_power(a, n); }, py::arg("A"),
        py::arg("n"), nogil());
  def_both(m, "matrix_power", [](const Tensor& a, int64_t n) { return linalg_matrix_power(a, n); }, py::arg("n"), nogil());
  m.def("linalg_matrix_exp", [](const Tensor& a) { return linalg_matrix_exp(a); }, py::arg("A"), nogil());
  def_both(m, "matrix_exp", [](const Tensor& a) { return linalg_matrix_exp(a); }, nogil());
  m.def("linalg_multi_dot", [](const TensorList& ts) { return linalg_multi_dot(ts); }, py::arg("tensors"), nogil());
  m.def("linalg_householder_product", [](const Tensor& a, const Tensor& tau) {
    return linalg_householder_product(a, tau);
  }, py::arg("A"), py::arg("tau"), nogil());
  def_both(m, "orgqr", [](const Tensor& a, const Tensor& tau) { return linalg_householder_product(a, tau); },
           py::arg("input2"), nogil());
  def_both(m, "geqrf", [](const Tensor& a) {
    auto r = released([&] { return geqrf(a); });
    return named("geqrf", r.first, r.second);
  });
  def_both(m, "ormqr", [](const Tensor& a, const Tensor& tau, const Tensor& other, bool left, bool transpose) {
    return ormqr(a, tau, other, left, transpose);
  }, py::arg("input2"), py::arg("input3"), py::arg("left") = true, py::arg("transpose") = false, nogil());
  m.def("linalg_vander", [](const Tensor& x, std::optional<int64_t> n) { return linalg_vander(x, n); }, py::arg("x"),
        py::kw_only(), py::arg("N") = py::none(), nogil());
  m.def("linalg_tensorinv", [](const Tensor& a, int64_t ind) { return linalg_tensorinv(a, ind); }, py::arg("A"),
        py::kw_only(), py::arg("ind") = 2, nogil());
  m.def("linalg_tensorsolve", [](const Tensor& a, const Tensor& b, std::optional<IntList> dims) {
    std::optional<Dims> d;
    if (dims) d = Dims(dims->begin(), dims->end());
    return linalg_tensorsolve(a, b, d);
  }, py::arg("A"), py::arg("B"), py::arg("dims") = py::none(), nogil());
}

}  // namespace ember::py
