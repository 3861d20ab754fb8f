"""LAPACK-backed linear algebra against real PyTorch, part 2: QR, eigh, SVD and what
builds on them (pinv, matrix_rank, lstsq, cond), and the composite ops (matrix_power,
matrix_exp, multi_dot, householder_product, vander, diagonal, tensorinv, tensorsolve).
Decompositions are compared up to the signs of their vectors (which torch does not
define); gradients use losses that do not depend on those signs."""
import math

import numpy as np
import pytest
import torch

import ember
from linalg_helpers import both, close, compare_grads, egradcheck, gen, raises_both, tol

LAYOUTS = ["contiguous", "transposed", "sliced"]


def lib(x):
    return ember if isinstance(x, ember.Tensor) else torch


def col_signs(x):
    """Sign of the largest-magnitude entry of each column of x (..., m, k), as (..., 1, k)."""
    if x.shape[-1] == 0 or x.shape[-2] == 0:
        return np.ones(x.shape[:-2] + (1, x.shape[-1]))
    idx = np.abs(x).argmax(-2)[..., None, :]
    s = np.sign(np.take_along_axis(x, idx, -2))
    s[s == 0] = 1
    return s


def near(a, b, dtype):
    r, t = tol(dtype)
    np.testing.assert_allclose(a, b, rtol=r * 10, atol=t * 10)


def same_meta(e, t):
    assert tuple(e.shape) == tuple(t.shape), (tuple(e.shape), tuple(t.shape))
    assert str(e.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]


# ---------------------------------------------------------------- QR
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_qr_values(dtype):
    for shape in [(4, 3), (3, 4), (3, 3), (2, 5, 3), (2, 1, 3, 5), (0, 3, 2), (3, 0), (0, 2)]:
        for layout in LAYOUTS:
            e, t = both(gen(shape, "rhs", 1), dtype, layout)
            for mode in ("reduced", "complete", "r"):
                (eq, er), (tq, tr) = ember.linalg.qr(e, mode=mode), torch.linalg.qr(t, mode=mode)
                same_meta(eq, tq), same_meta(er, tr)
                k = min(shape[-2:])
                # R's rows and Q's columns up to a common sign per index
                d = np.sign(np.diagonal(tr.numpy()[..., :k, :], 0, -2, -1))[..., :, None]
                de = np.sign(np.diagonal(er.numpy()[..., :k, :], 0, -2, -1))[..., :, None]
                d[d == 0], de[de == 0] = 1, 1
                near(er.numpy()[..., :k, :] * de, tr.numpy()[..., :k, :] * d, dtype)
                if mode != "r":
                    near(eq.numpy()[..., :k] * np.swapaxes(de, -1, -2), tq.numpy()[..., :k] * np.swapaxes(d, -1, -2), dtype)
                    q = eq.numpy()
                    near(np.swapaxes(q, -1, -2) @ q, np.broadcast_to(np.eye(q.shape[-1]), q.shape[:-2] + (q.shape[-1],) * 2), dtype)
                    near(q @ er.numpy(), e.numpy(), dtype)
    r = ember.qr(e)
    assert type(r).__name__ == "qr"
    same_meta(r.Q, torch.qr(t).Q)
    same_meta(e.qr(some=False)[0], t.qr(some=False)[0])


def test_qr_grads():
    for shape in [(4, 3), (3, 3), (3, 5), (2, 4, 2)]:
        compare_grads(lambda m: [x * x for x in lib(m).linalg.qr(m)], gen(shape, "rhs", 2), "float64")
        egradcheck(lambda m: tuple(x * x for x in ember.linalg.qr(m)), gen(shape, "rhs", 3), second_order=shape == (4, 3))
    compare_grads(lambda m: [x * x for x in lib(m).linalg.qr(m, mode="complete")], gen((3, 4), "rhs", 4), "float64")
    for mode, shape in [("r", (3, 3)), ("complete", (4, 3))]:
        e, t = both(gen(shape, "rhs", 5))
        e.requires_grad_(True), t.requires_grad_(True)
        raises_both(lambda: ember.linalg.qr(e, mode=mode)[1].sum().backward(),
                    lambda: torch.linalg.qr(t, mode=mode)[1].sum().backward())


# ---------------------------------------------------------------- eigh
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_eigh_values(dtype):
    for shape in [(3, 3), (2, 4, 4), (2, 1, 3, 3), (0, 3, 3), (2, 0, 0)]:
        for layout in LAYOUTS:
            e, t = both(gen(shape, "sym", 6), dtype, layout)
            for uplo in ("L", "U"):
                (el, ev), (tl, tv) = ember.linalg.eigh(e, UPLO=uplo), torch.linalg.eigh(t, UPLO=uplo)
                close(el, tl)
                same_meta(ev, tv)
                near(ev.numpy() * col_signs(ev.numpy()), tv.numpy() * col_signs(tv.numpy()), dtype)
                close(ember.linalg.eigvalsh(e, UPLO=uplo), torch.linalg.eigvalsh(t, UPLO=uplo))
    # only the named triangle is read
    a = gen((3, 3), "sym", 7)
    a[0, 2] = 100.0
    e, t = both(a, dtype)
    close(ember.linalg.eigvalsh(e), torch.linalg.eigvalsh(t))
    close(ember.linalg.eigvalsh(e, "U"), torch.linalg.eigvalsh(t, "U"))
    assert type(ember.linalg.eigh(e)).__name__ == "linalg_eigh"


def test_eigh_grads_and_errors():
    fn = lambda m: (lambda r: [r[0], r[1] * r[1]])(lib(m).linalg.eigh(m + m.mT))  # noqa: E731
    compare_grads(fn, gen((2, 3, 3), "rhs", 8), "float64")
    compare_grads(lambda m: lib(m).linalg.eigvalsh(m + m.mT), gen((3, 3), "rhs", 9), "float64")
    egradcheck(lambda m: (lambda r: (r[0], r[1] * r[1]))(ember.linalg.eigh(m + m.mT)), gen((3, 3), "rhs", 10),
               second_order=True)
    egradcheck(lambda m: ember.linalg.eigvalsh(m + m.mT), gen((2, 3, 3), "rhs", 11), second_order=True)
    e, t = both(np.ones((3, 4)))
    raises_both(lambda: ember.linalg.eigh(e), lambda: torch.linalg.eigh(t))
    e, t = both(np.eye(3))
    raises_both(lambda: ember.linalg.eigh(e, UPLO="X"), lambda: torch.linalg.eigh(t, UPLO="X"))


# ---------------------------------------------------------------- SVD
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_svd_values(dtype):
    for shape in [(4, 3), (3, 4), (3, 3), (2, 5, 3), (2, 1, 3, 4), (0, 3, 2), (3, 0), (2, 0, 0)]:
        for layout in LAYOUTS:
            e, t = both(gen(shape, "rhs", 12), dtype, layout)
            k = min(shape[-2:])
            for full in (True, False):
                (eu, es, ev), (tu, ts, tv) = ember.linalg.svd(e, full_matrices=full), torch.linalg.svd(t, full_matrices=full)
                close(es, ts)
                same_meta(eu, tu), same_meta(ev, tv)
                se, st = col_signs(eu.numpy()[..., :k]), col_signs(tu.numpy()[..., :k])
                near(eu.numpy()[..., :k] * se, tu.numpy()[..., :k] * st, dtype)
                near(ev.numpy()[..., :k, :] * np.swapaxes(se, -1, -2), tv.numpy()[..., :k, :] * np.swapaxes(st, -1, -2), dtype)
                u = eu.numpy()
                near(np.swapaxes(u, -1, -2) @ u, np.broadcast_to(np.eye(u.shape[-1]), u.shape[:-2] + (u.shape[-1],) * 2), dtype)
            close(ember.linalg.svdvals(e), torch.linalg.svdvals(t))
            for some in (True, False):
                er, tr = ember.svd(e, some=some), torch.svd(t, some=some)
                assert type(er).__name__ == "svd"
                close(er.S, tr.S)
                same_meta(er.U, tr.U), same_meta(er.V, tr.V)
            close(tuple(e.svd(compute_uv=False)), tuple(t.svd(compute_uv=False)))


def test_svd_grads():
    for shape in [(4, 3), (3, 4), (3, 3), (2, 3, 2)]:
        k = min(shape)
        for full in (False, True):
            fn = lambda m: (lambda r: [r[0][..., :k] ** 2, r[1], r[2][..., :k, :] ** 2])(  # noqa: E731
                lib(m).linalg.svd(m, full_matrices=full))
            compare_grads(fn, gen(shape, "rhs", 13), "float64")
        egradcheck(lambda m: (lambda r: (r[0] ** 2, r[1], r[2] ** 2))(ember.linalg.svd(m, full_matrices=False)),
                   gen(shape, "rhs", 14), second_order=shape == (3, 3))
    compare_grads(lambda m: lib(m).linalg.svdvals(m), gen((2, 4, 3), "rhs", 15), "float64")
    egradcheck(lambda m: ember.linalg.svdvals(m), gen((3, 4), "rhs", 16), second_order=True)
    compare_grads(lambda m: lib(m).svd(m)[1], gen((4, 3), "rhs", 17), "float64")


# ---------------------------------------------------------------- pinv, matrix_rank, cond
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_pinv_rank_cond(dtype):
    low_rank = gen((2, 4, 2), "rhs", 18) @ gen((2, 2, 3), "rhs", 19)
    for a in [gen((4, 3), "rhs", 20), gen((2, 3, 5), "rhs", 21), low_rank, np.zeros((0, 3, 2))]:
        for layout in LAYOUTS:
            e, t = both(a, dtype, layout)
            close(ember.linalg.pinv(e), torch.linalg.pinv(t), rtol=1e-3 if dtype == "float32" else None)
            close(ember.pinverse(e), torch.pinverse(t), rtol=1e-3 if dtype == "float32" else None)
            close(ember.linalg.matrix_rank(e), torch.linalg.matrix_rank(t))
            close(ember.linalg.matrix_rank(e, atol=1.0, rtol=0.1), torch.linalg.matrix_rank(t, atol=1.0, rtol=0.1))
            close(ember.linalg.matrix_rank(e, tol=2.0), torch.linalg.matrix_rank(t, tol=2.0))
            close(ember.linalg.pinv(e, atol=0.5), torch.linalg.pinv(t, atol=0.5), rtol=1e-3 if dtype == "float32" else None)
    for layout in LAYOUTS:
        e, t = both(gen((2, 3, 3), "sym", 22), dtype, layout)
        close(ember.linalg.pinv(e, hermitian=True), torch.linalg.pinv(t, hermitian=True), rtol=1e-3)
        close(ember.linalg.matrix_rank(e, hermitian=True), torch.linalg.matrix_rank(t, hermitian=True))
        e, t = both(gen((2, 3, 3), "general", 23), dtype, layout)
        for p in [None, 2, -2, 1, -1, math.inf, -math.inf, "fro", "nuc"]:
            close(ember.linalg.cond(e, p), torch.linalg.cond(t, p), rtol=1e-3 if dtype == "float32" else 1e-7)
    e, t = both(np.array([[1.0, 2.0], [2.0, 4.0]]), dtype)
    close(ember.linalg.cond(e, 1), torch.linalg.cond(t, 1))  # singular: inf


def test_pinv_cond_grads():
    compare_grads(lambda m: lib(m).linalg.pinv(m), gen((2, 4, 3), "rhs", 24), "float64")
    compare_grads(lambda m: lib(m).linalg.pinv(m + m.mT, hermitian=True), gen((3, 3), "rhs", 25), "float64")
    compare_grads(lambda m: lib(m).linalg.cond(m), gen((3, 3), "general", 26), "float64")
    egradcheck(lambda m: ember.linalg.pinv(m), gen((3, 4), "rhs", 27), second_order=True)


# ---------------------------------------------------------------- lstsq
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_lstsq(dtype):
    cases = [((5, 3), (5, 2)), ((3, 5), (3, 2)), ((2, 4, 3), (2, 4, 1)), ((2, 4, 3), (2, 4)), ((2, 4, 3), (1, 4, 2)),
             ((4, 3), (4,)), ((0, 4, 3), (0, 4, 2))]
    for sa, sb in cases:
        for layout in ("contiguous", "transposed"):
            (ea, ta), (eb, tb) = both(gen(sa, "rhs", 28), dtype, layout), both(gen(sb, "rhs", 29), dtype)
            for driver in (None, "gelsy", "gels", "gelsd", "gelss"):
                er, tr = ember.linalg.lstsq(ea, eb, driver=driver), torch.linalg.lstsq(ta, tb, driver=driver)
                assert type(er).__name__ == "linalg_lstsq"
                close(tuple(er), tuple(tr), rtol=1e-3 if dtype == "float32" else None,
                      atol=1e-3 if dtype == "float32" else None)
    low_rank = gen((5, 2), "rhs", 30) @ gen((2, 3), "rhs", 31)
    (ea, ta), (eb, tb) = both(low_rank, dtype), both(gen((5, 2), "rhs", 32), dtype)
    for driver in ("gelsy", "gelsd", "gelss"):
        er, tr = ember.linalg.lstsq(ea, eb, driver=driver), torch.linalg.lstsq(ta, tb, driver=driver)
        close(er.rank, tr.rank)
        close(er.solution, tr.solution, rtol=1e-3, atol=1e-3)
        close(er.residuals, tr.residuals)
    raises_both(lambda: ember.linalg.lstsq(ea, eb, driver="foo"), lambda: torch.linalg.lstsq(ta, tb, driver="foo"))


def test_lstsq_grads():
    compare_grads(lambda a, b: lib(a).linalg.lstsq(a, b).solution, [gen((5, 3), "rhs", 33), gen((5, 2), "rhs", 34)])
    egradcheck(lambda a, b: ember.linalg.lstsq(a, b).solution, [gen((4, 3), "rhs", 35), gen((4, 2), "rhs", 36)])


# ---------------------------------------------------------------- composite ops
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_matrix_power_exp(dtype):
    for shape in [(3, 3), (2, 4, 4), (0, 3, 3), (2, 0, 0)]:
        e, t = both(gen(shape, "general", 37) * 0.7, dtype, "transposed")
        for n in [-3, -1, 0, 1, 2, 3, 5, 6]:
            close(ember.linalg.matrix_power(e, n), torch.linalg.matrix_power(t, n), rtol=1e-3 if dtype == "float32" else None)
        close(e.matrix_power(4), t.matrix_power(4), rtol=1e-4 if dtype == "float32" else None)
        for scale in (0.01, 1.0, 6.0):
            e2, t2 = both(gen(shape, "rhs", 38) * scale, dtype, "sliced")
            close(ember.linalg.matrix_exp(e2), torch.linalg.matrix_exp(t2), rtol=1e-4 if dtype == "float32" else 1e-9)
            close(e2.matrix_exp(), t2.matrix_exp(), rtol=1e-4 if dtype == "float32" else 1e-9)
    ei, ti = ember.tensor([[1, 2], [3, 4]]), torch.tensor([[1, 2], [3, 4]])
    close(ember.linalg.matrix_power(ei, 3), torch.linalg.matrix_power(ti, 3))


def test_composite_grads():
    compare_grads(lambda m: lib(m).linalg.matrix_power(m, -2), gen((2, 3, 3), "general", 39))
    compare_grads(lambda m: lib(m).linalg.matrix_power(m, 5), gen((3, 3), "general", 40) * 0.5)
    compare_grads(lambda m: lib(m).linalg.matrix_exp(m), gen((2, 3, 3), "rhs", 41), rtol=1e-7, atol=1e-9)
    egradcheck(lambda m: ember.linalg.matrix_exp(m), gen((3, 3), "rhs", 42), second_order=True)
    egradcheck(lambda m: ember.linalg.matrix_power(m, -2), gen((3, 3), "general", 43), second_order=True)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_multi_dot_householder_vander(dtype):
    for shapes in [[(3,), (3, 4), (4,)], [(2, 3), (3, 4)], [(2, 3), (3, 5), (5, 1), (1, 4)], [(3,), (3, 2), (2, 6)],
                   [(0, 2), (2, 3), (3, 2)]]:
        pairs = [both(gen(s, "rhs", i), dtype) for i, s in enumerate(shapes)]
        close(ember.linalg.multi_dot([p[0] for p in pairs]), torch.linalg.multi_dot([p[1] for p in pairs]))
    compare_grads(lambda a, b, c: lib(a).linalg.multi_dot([a, b, c]),
                  [gen((3,), "rhs", 1), gen((3, 4), "rhs", 2), gen((4, 2), "rhs", 3)])
    for shape in [(4, 3), (2, 5, 3), (3, 3)]:
        ta, ttau = torch.geqrf(torch.tensor(gen(shape, "rhs", 44)).to(getattr(torch, dtype)))
        k = ttau.shape[-1]
        for kk in (k, k - 1):
            ea, etau = ember.tensor(ta.numpy()), ember.tensor(ttau[..., :kk].numpy())
            close(ember.linalg.householder_product(ea, etau), torch.linalg.householder_product(ta, ttau[..., :kk]))
        close(ember.orgqr(ea, ember.tensor(ttau.numpy())), torch.orgqr(ta, ttau))
    a, tau = torch.geqrf(torch.tensor(gen((4, 3), "rhs", 45)))
    compare_grads(lambda x, t: lib(x).linalg.householder_product(x, t), [a.numpy(), tau.numpy()])
    egradcheck(lambda x, t: ember.linalg.householder_product(x, t), [a.numpy(), tau.numpy()])
    for x in [gen((4,), "rhs", 46), gen((2, 3), "rhs", 47)]:
        e, t = both(x, dtype)
        close(ember.linalg.vander(e), torch.linalg.vander(t))
        close(ember.linalg.vander(e, N=5), torch.linalg.vander(t, N=5))
    ei, ti = ember.tensor([1, 2, 3], dtype=ember.int32), torch.tensor([1, 2, 3], dtype=torch.int32)
    close(ember.linalg.vander(ei), torch.linalg.vander(ti))
    compare_grads(lambda x: lib(x).linalg.vander(x, N=4), gen((3,), "rhs", 48))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_diagonal_tensorinv_tensorsolve(dtype):
    e, t = both(gen((2, 3, 4), "rhs", 49), dtype, "transposed")
    close(ember.linalg.diagonal(e), torch.linalg.diagonal(t))
    close(ember.linalg.diagonal(e, offset=1, dim1=0, dim2=2), torch.linalg.diagonal(t, offset=1, dim1=0, dim2=2))
    a = gen((6, 6), "general", 50).reshape(6, 2, 3)
    e, t = both(a, dtype)
    close(ember.linalg.tensorinv(e, ind=1), torch.linalg.tensorinv(t, ind=1), rtol=1e-3 if dtype == "float32" else None)
    a = gen((6, 6), "general", 51).reshape(2, 3, 6)
    e, t = both(a, dtype)
    close(ember.linalg.tensorinv(e), torch.linalg.tensorinv(t), rtol=1e-3 if dtype == "float32" else None)
    (ea, ta), (eb, tb) = both(gen((6, 6), "general", 52).reshape(2, 3, 6), dtype), both(gen((2, 3), "rhs", 53), dtype)
    close(ember.linalg.tensorsolve(ea, eb), torch.linalg.tensorsolve(ta, tb), rtol=1e-3 if dtype == "float32" else None)
    (ea, ta) = both(gen((6, 6), "general", 54).reshape(6, 2, 3), dtype)
    close(ember.linalg.tensorsolve(ea, eb, dims=(0,)), torch.linalg.tensorsolve(ta, tb, dims=(0,)),
          rtol=1e-3 if dtype == "float32" else None)
    e, t = both(np.ones((2, 3, 4)), dtype)
    raises_both(lambda: ember.linalg.tensorinv(e), lambda: torch.linalg.tensorinv(t))


def test_eig_not_supported():
    e = ember.tensor(gen((3, 3), "general", 55))
    for fn in (ember.linalg.eig, ember.linalg.eigvals):
        with pytest.raises(NotImplementedError, match="complex"):
            fn(e)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_geqrf_ormqr(dtype):
    for shape in [(4, 3), (3, 4), (2, 3, 3)]:
        e, t = both(gen(shape, "rhs", 56), dtype, "transposed")
        er, tr = ember.geqrf(e), torch.geqrf(t)
        assert type(er).__name__ == "geqrf"
        close(tuple(er), tuple(tr))
        m = shape[-2]
        ec, tc = both(gen(shape[:-2] + (m, 2), "rhs", 57), dtype)
        for left in (True, False):
            for transpose in (False, True):
                ecc, tcc = (ec, tc) if left else (ec.mT, tc.mT)
                close(ember.ormqr(er.a, er.tau, ecc, left, transpose), torch.ormqr(tr.a, tr.tau, tcc, left, transpose))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_matrix_norms_from_singular_values(dtype):
    e, t = both(gen((2, 3, 4), "rhs", 58), dtype, "transposed")
    for ord in ("nuc", 2, -2):
        for dim, keepdim in [((-2, -1), False), ((0, 2), True), ((2, 1), False)]:
            close(ember.linalg.matrix_norm(e, ord, dim=dim, keepdim=keepdim),
                  torch.linalg.matrix_norm(t, ord, dim=dim, keepdim=keepdim))
        close(ember.linalg.norm(e, ord, dim=(1, 2)), torch.linalg.norm(t, ord, dim=(1, 2)))
    compare_grads(lambda m: lib(m).linalg.matrix_norm(m, "nuc"), gen((2, 3, 4), "rhs", 59))
    compare_grads(lambda m: lib(m).linalg.matrix_norm(m, 2, dim=(0, 1)), gen((3, 4, 2), "rhs", 60))


def test_traced_graph_runs_linalg_ops():
    """The linalg ops are in the JIT's op registry: a traced graph replays them on new inputs."""
    rng = np.random.default_rng(61)
    x = ember.tensor(rng.standard_normal((2, 3, 3)) + 3 * np.eye(3))
    b = ember.tensor(rng.standard_normal((2, 3, 2)))

    def f(x, b):
        q, r = ember.linalg.qr(x)
        l = ember.linalg.cholesky(x @ x.mT)
        lu, piv = ember.linalg.lu_factor(x)
        y = (ember.linalg.solve(x, b) + ember.linalg.inv(x) @ b + q @ r @ b + ember.cholesky_solve(b, l)
             + ember.linalg.pinv(x, atol=1e-3) @ b + ember.linalg.lu_solve(lu, piv, b) + ember.linalg.matrix_exp(x) @ b)
        return y, ember.det(x) + ember.linalg.svdvals(x).sum(-1) + ember.linalg.eigvalsh(x).sum(-1)

    traced = ember.jit.trace(f, (x, b))
    assert "linalg_qr" in str(traced.graph)
    x2 = ember.tensor(rng.standard_normal((2, 3, 3)) + 3 * np.eye(3))
    for a, c in zip(traced(x2, b), f(x2, b)):
        np.testing.assert_allclose(a.numpy(), c.numpy(), rtol=1e-12, atol=1e-12)


def test_float32_grads():
    rt = dict(rtol=3e-3, atol=3e-3)
    compare_grads(lambda m: lib(m).linalg.inv(m), gen((2, 3, 3), "general", 62), "float32", **rt)
    compare_grads(lambda m: lib(m).linalg.cholesky(m @ m.mT + 3 * lib(m).eye(3)), gen((3, 3), "rhs", 63), "float32", **rt)
    compare_grads(lambda m: [x * x for x in lib(m).linalg.qr(m)], gen((4, 3), "rhs", 64), "float32", **rt)
    compare_grads(lambda m: lib(m).linalg.svdvals(m), gen((2, 4, 3), "rhs", 65), "float32", **rt)
    compare_grads(lambda m: lib(m).linalg.eigvalsh(m + m.mT), gen((3, 3), "rhs", 66), "float32", **rt)


def test_same_results_whatever_the_thread_count():
    e = ember.tensor(gen((64, 5, 5), "general", 67))
    threads = ember.get_num_threads()
    results = []
    try:
        for n in (1, 2):
            ember.set_num_threads(n)
            results.append([ember.linalg.inv(e), ember.linalg.svd(e)[1], ember.linalg.eigh(e @ e.mT)[0],
                            ember.linalg.qr(e)[1], ember.linalg.cholesky(e @ e.mT), ember.linalg.det(e)])
    finally:
        ember.set_num_threads(threads)
    for a, b in zip(*results):
        assert np.array_equal(a.numpy(), b.numpy())


EMPTY_CASES = [
    lambda L, z: tuple(L.linalg.lstsq(z(0, 3), z(0, 2))),
    lambda L, z: tuple(L.linalg.lstsq(z(3, 0), z(3, 2), driver="gelsd")),
    lambda L, z: L.linalg.pinv(z(0, 0)),
    lambda L, z: L.linalg.matrix_exp(z(2, 0, 0)),
    lambda L, z: L.linalg.matrix_power(z(0, 0), -2),
    lambda L, z: L.linalg.cond(z(0, 0)),
    lambda L, z: L.linalg.cond(z(2, 0, 0), "fro"),
    lambda L, z: L.linalg.matrix_rank(z(2, 0, 0)),
    lambda L, z: L.linalg.householder_product(z(3, 2), z(0)),
    lambda L, z: L.linalg.multi_dot([z(2, 0), z(0, 3)]),
    lambda L, z: tuple(L.linalg.lu(z(0, 3))),
    lambda L, z: tuple(L.lu_unpack(*L.linalg.lu_factor(z(3, 0)))),
    lambda L, z: tuple(L.linalg.qr(z(0, 3), mode="complete")),
    lambda L, z: tuple(L.linalg.svd(z(0, 3))),
    lambda L, z: L.cholesky_inverse(z(0, 0)),
]


@pytest.mark.parametrize("i", range(len(EMPTY_CASES)))
def test_empty_inputs(i):
    fn = EMPTY_CASES[i]
    close(fn(ember, lambda *s: ember.zeros(*s, dtype=ember.float64)), fn(torch, lambda *s: torch.zeros(*s, dtype=torch.float64)))
