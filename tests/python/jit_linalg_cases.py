"""test_jit.py's trace-and-replay cases for the LAPACK-backed linalg ops: (op name as
recorded, function, input makers), each maker giving a fresh tensor for a seed."""
import numpy as np

import ember
from linalg_helpers import gen


def mk(shape, kind="rhs"):
    return lambda seed: ember.tensor(gen(shape, kind, seed))


def lu_of(shape):
    return lambda seed: ember.linalg.lu_factor(ember.tensor(gen(shape, "general", seed)))[0]


def piv(n):
    return lambda seed: ember.tensor(np.array([min(n, i + 1 + seed % 2) for i in range(n)], dtype="int32"))


SQ, SPD, B = mk((2, 3, 3), "general"), mk((2, 3, 3), "spd"), mk((2, 3, 2))
LOWER = lambda seed: ember.linalg.cholesky(ember.tensor(gen((2, 3, 3), "spd", seed)))  # noqa: E731
QR_INPUT = lambda seed: ember.geqrf(ember.tensor(gen((4, 3), "rhs", seed)))[0]  # noqa: E731
TAU = lambda seed: ember.geqrf(ember.tensor(gen((4, 3), "rhs", seed)))[1]  # noqa: E731

LINALG_CASES = [
    ("linalg_det", lambda a: (ember.linalg.det(a), ember.det(a), a.det()), [SQ]),
    ("logdet", lambda a: ember.logdet(a), [SPD]),
    ("linalg_slogdet", lambda a: (ember.linalg.slogdet(a), ember.slogdet(a)), [SQ]),
    ("linalg_inv", lambda a: (ember.linalg.inv(a), a.inverse()), [SQ]),
    ("linalg_inv_ex", lambda a: ember.linalg.inv_ex(a), [SQ]),
    ("linalg_solve", lambda a, b: (ember.linalg.solve(a, b), ember.linalg.solve(a, b.mT, left=False)), [SQ, mk((2, 3, 3))]),
    ("linalg_solve_ex", lambda a, b: ember.linalg.solve_ex(a, b), [SQ, B]),
    ("linalg_lu_factor", lambda a: ember.linalg.lu_factor(a), [SQ]),
    ("linalg_lu_factor_ex", lambda a: ember.linalg.lu_factor_ex(a), [mk((3, 4))]),
    ("linalg_lu", lambda a: ember.linalg.lu(a), [mk((4, 3))]),
    ("linalg_lu_solve", lambda lu, p, b: ember.linalg.lu_solve(lu, p, b, adjoint=True), [lu_of((3, 3)), piv(3), mk((3, 2))]),
    ("lu_solve", lambda b, lu, p: ember.lu_solve(b, lu, p), [mk((3, 2)), lu_of((3, 3)), piv(3)]),
    ("lu_unpack", lambda lu, p: ember.lu_unpack(lu, p), [lu_of((3, 3)), piv(3)]),
    ("lu", lambda a: (ember.lu(a), a.lu(get_infos=True)), [SQ]),
    ("linalg_cholesky", lambda a: (ember.linalg.cholesky(a), ember.cholesky(a, upper=True)), [SPD]),
    ("linalg_cholesky_ex", lambda a: ember.linalg.cholesky_ex(a), [SPD]),
    ("cholesky_solve", lambda b, l: ember.cholesky_solve(b, l), [B, LOWER]),
    ("cholesky_inverse", lambda l: ember.cholesky_inverse(l), [LOWER]),
    ("linalg_solve_triangular", lambda a, b: ember.linalg.solve_triangular(a, b, upper=True), [SQ, B]),
    ("triangular_solve", lambda b, a: ember.triangular_solve(b, a, upper=False, transpose=True), [B, SQ]),
    ("linalg_qr", lambda a: (ember.linalg.qr(a), ember.linalg.qr(a, mode="r")[1]), [mk((4, 3))]),
    ("qr", lambda a: a.qr(some=False), [mk((3, 4))]),
    ("linalg_eigh", lambda a: ember.linalg.eigh(a, UPLO="U")[0], [mk((2, 3, 3), "sym")]),
    ("linalg_eigvalsh", lambda a: ember.linalg.eigvalsh(a), [mk((2, 3, 3), "sym")]),
    ("linalg_svd", lambda a: ember.linalg.svd(a, full_matrices=False)[1], [mk((4, 3))]),
    ("linalg_svdvals", lambda a: ember.linalg.svdvals(a), [mk((2, 4, 3))]),
    ("svd", lambda a: ember.svd(a, compute_uv=False)[1], [mk((4, 3))]),
    ("linalg_pinv", lambda a: (ember.linalg.pinv(a), ember.linalg.pinv(a, atol=0.5), ember.linalg.pinv(a, 1e-3)),
     [mk((4, 3))]),
    ("pinverse", lambda a: a.pinverse(), [mk((4, 3))]),
    ("linalg_matrix_rank", lambda a: (ember.linalg.matrix_rank(a), ember.linalg.matrix_rank(a, tol=1.0)), [mk((4, 3))]),
    ("linalg_lstsq", lambda a, b: ember.linalg.lstsq(a, b, driver="gelsd"), [mk((5, 3)), mk((5, 2))]),
    ("linalg_cond", lambda a: (ember.linalg.cond(a), ember.linalg.cond(a, 1), ember.linalg.cond(a, "fro")), [SQ]),
    ("geqrf", lambda a: ember.geqrf(a), [mk((4, 3))]),
    ("ormqr", lambda a, t, c: ember.ormqr(a, t, c, transpose=True), [QR_INPUT, TAU, mk((4, 2))]),
    ("linalg_householder_product", lambda a, t: (ember.linalg.householder_product(a, t), ember.orgqr(a, t)),
     [QR_INPUT, TAU]),
    ("linalg_matrix_power", lambda a: (ember.linalg.matrix_power(a, -2), a.matrix_power(3)), [SQ]),
    ("linalg_matrix_exp", lambda a: (ember.linalg.matrix_exp(a), a.matrix_exp()), [mk((2, 3, 3))]),
    ("linalg_multi_dot", lambda a, b, c: ember.linalg.multi_dot([a, b, c]), [mk((3,)), mk((3, 4)), mk((4, 2))]),
    ("linalg_vander", lambda x: ember.linalg.vander(x, N=4), [mk((2, 3))]),
    ("linalg_tensorinv", lambda a: ember.linalg.tensorinv(a, ind=1), [lambda s: ember.tensor(gen((6, 6), "general", s).reshape(6, 2, 3))]),
    ("linalg_tensorsolve", lambda a, b: ember.linalg.tensorsolve(a, b),
     [lambda s: ember.tensor(gen((6, 6), "general", s).reshape(2, 3, 6)), mk((2, 3))]),
]
