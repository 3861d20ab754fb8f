"""LAPACK-backed linear algebra against real PyTorch, part 1: determinants, inverse,
solve, LU, Cholesky and triangular solves. Values, shapes and dtypes on batched,
empty and non-contiguous inputs; gradients against torch's; gradchecks in float64
(first and second order); torch's error types (LinAlgError for singular input)."""
import re

import numpy as np
import pytest
import torch

import ember
from linalg_helpers import both, close, compare_grads, egradcheck, gen, raises_both, singular_batch

SHAPES = [(3, 3), (2, 4, 4), (2, 1, 3, 3), (0, 3, 3), (2, 0, 0)]
LAYOUTS = ["contiguous", "transposed", "sliced"]


# ---------------------------------------------------------------- det / slogdet / logdet
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape", SHAPES)
def test_det_slogdet_values(dtype, shape):
    for layout in LAYOUTS:
        e, t = both(gen(shape, "general", 0), dtype, layout)
        close(ember.linalg.det(e), torch.linalg.det(t))
        close(ember.det(e), torch.det(t))
        close(e.det(), t.det())
        close(tuple(ember.linalg.slogdet(e)), tuple(torch.linalg.slogdet(t)))
        close(tuple(e.slogdet()), tuple(t.slogdet()))
        close(ember.logdet(e), torch.logdet(t))
        close(e.logdet(), t.logdet())


def test_det_special_values():
    a = np.array([[[1.0, 2.0], [2.0, 4.0]], [[0.0, 1.0], [1.0, 0.0]], [[2.0, 0.0], [0.0, 3.0]]])
    e, t = both(a, "float64")
    close(ember.linalg.det(e), torch.linalg.det(t))
    close(tuple(ember.linalg.slogdet(e)), tuple(torch.linalg.slogdet(t)))
    close(ember.logdet(e), torch.logdet(t))  # -inf, nan, log 6
    r = ember.linalg.slogdet(e)
    assert type(r).__name__ == "linalg_slogdet" and r.sign is r[0] and r.logabsdet is r[1]
    # gradients there: inf for a singular matrix, zero where logdet is nan (negative determinant)
    e.requires_grad_(True), t.requires_grad_(True)
    ember.logdet(e).sum().backward()
    torch.logdet(t).sum().backward()
    close(e.grad, t.grad)


def test_det_grads():
    for shape in [(3, 3), (2, 4, 4)]:
        compare_grads(lambda m: m.det(), gen(shape, "general", 1), "float64")
        compare_grads(lambda m: m.slogdet()[1], gen(shape, "general", 2), "float64")
        compare_grads(lambda m: m.logdet(), gen(shape, "spd", 3), "float64")
    compare_grads(lambda m: m.det(), gen((2, 3, 3), "general", 1), "float32", rtol=1e-3, atol=1e-4)
    # a singular matrix still has a gradient: the cofactor matrix (torch's first-order formula gives 0 there,
    # its create_graph one the cofactors; ember always gives the cofactors)
    a = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]])
    cof = np.array([[(-1) ** (i + j) * np.linalg.det(np.delete(np.delete(a, i, 0), j, 1)) for j in range(3)]
                    for i in range(3)])
    e = ember.tensor(a).requires_grad_(True)
    ember.linalg.det(e).backward()
    np.testing.assert_allclose(e.grad.numpy(), cof, atol=1e-12)
    t = torch.tensor(a).requires_grad_(True)
    (g,) = torch.autograd.grad(torch.linalg.det(t), t, create_graph=True)
    np.testing.assert_allclose(g.detach().numpy(), cof, atol=1e-12)
    egradcheck(lambda m: ember.linalg.det(m), gen((2, 3, 3), "general", 4), second_order=True)
    egradcheck(lambda m: ember.linalg.slogdet(m)[1], gen((3, 3), "general", 5), second_order=True)


# ---------------------------------------------------------------- inverse
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape", SHAPES)
def test_inv_values(dtype, shape):
    for layout in LAYOUTS:
        e, t = both(gen(shape, "general", 6), dtype, layout)
        close(ember.linalg.inv(e), torch.linalg.inv(t))
        close(ember.inverse(e), torch.inverse(t))
        close(e.inverse(), t.inverse())
        close(tuple(ember.linalg.inv_ex(e)), tuple(torch.linalg.inv_ex(t)))


def test_inv_grads_and_errors():
    compare_grads(lambda m: m.inverse(), gen((2, 3, 3), "general", 7), "float64")
    egradcheck(lambda m: ember.linalg.inv(m), gen((2, 3, 3), "general", 8), second_order=True)
    e, t = both(singular_batch(), "float32")
    err = raises_both(lambda: ember.linalg.inv(e), lambda: torch.linalg.inv(t), linalg_error=True)
    # the element named is LAPACK's first zero pivot, which depends on the storage order torch factors in
    assert re.fullmatch(r"linalg\.inv: \(Batch element 1\): The diagonal element \d is zero, the inversion could not "
                        r"be completed because the input matrix is singular\.", str(err)), str(err)
    raises_both(lambda: ember.inverse(e[1]), lambda: torch.inverse(t[1]), linalg_error=True)
    info = ember.linalg.inv_ex(e).info
    close(info, torch.linalg.inv_ex(t).info)
    # shape and dtype errors name the op
    for bad in [np.ones((3, 4)), np.ones(3)]:
        e, t = both(bad, "float32")
        err = raises_both(lambda: ember.linalg.inv(e), lambda: torch.linalg.inv(t))
        assert "linalg.inv" in str(err)
    ei, ti = ember.ones(3, 3, dtype=ember.int64), torch.ones(3, 3, dtype=torch.int64)
    raises_both(lambda: ember.linalg.inv(ei), lambda: torch.linalg.inv(ti))


# ---------------------------------------------------------------- solve
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_solve_values(dtype):
    cases = [((3, 3), (3, 2)), ((3, 3), (3,)), ((2, 3, 3), (2, 3)), ((2, 3, 3), (3, 4)), ((3, 3), (2, 3, 1)),
             ((2, 1, 3, 3), (4, 3, 2)), ((0, 3, 3), (0, 3, 2)), ((2, 0, 0), (2, 0, 3)), ((3, 3), (3, 0))]
    for sa, sb in cases:
        for layout in LAYOUTS:
            (ea, ta), (eb, tb) = both(gen(sa, "general", 9), dtype, layout), both(gen(sb, "rhs", 10), dtype, layout)
            close(ember.linalg.solve(ea, eb), torch.linalg.solve(ta, tb))
            close(tuple(ember.linalg.solve_ex(ea, eb)), tuple(torch.linalg.solve_ex(ta, tb)))
    (ea, ta), (eb, tb) = both(gen((2, 3, 3), "general", 11), dtype), both(gen((2, 4, 3), "rhs", 12), dtype)
    close(ember.linalg.solve(ea, eb, left=False), torch.linalg.solve(ta, tb, left=False))


def test_solve_grads_and_errors():
    compare_grads(lambda a, b: torch_like_solve(a, b), [gen((2, 3, 3), "general", 13), gen((2, 3, 2), "rhs", 14)], "float64")
    compare_grads(lambda a, b: torch_like_solve(a, b), [gen((2, 3, 3), "general", 13), gen((3,), "rhs", 14)], "float64")
    compare_grads(lambda a, b: torch_like_solve(a, b, left=False),
                  [gen((3, 3), "general", 15), gen((2, 3), "rhs", 16)], "float64")
    egradcheck(lambda a, b: ember.linalg.solve(a, b), [gen((2, 3, 3), "general", 17), gen((3, 2), "rhs", 18)],
               second_order=True)
    e, t = both(singular_batch(), "float64")
    eb, tb = both(np.ones((2, 3, 1)), "float64")
    err = raises_both(lambda: ember.linalg.solve(e, eb), lambda: torch.linalg.solve(t, tb), linalg_error=True)
    assert "singular" in str(err)
    ea, ta = both(gen((3, 3), "general", 0), "float64")
    eb, tb = both(np.ones((4, 2)), "float64")
    err = raises_both(lambda: ember.linalg.solve(ea, eb), lambda: torch.linalg.solve(ta, tb))
    assert "linalg.solve" in str(err) and "3x3" in str(err) and "4x2" in str(err)
    eb32, tb32 = both(np.ones((3, 2)), "float32")
    raises_both(lambda: ember.linalg.solve(ea, eb32), lambda: torch.linalg.solve(ta, tb32))


def torch_like_solve(a, b, left=True):
    return (ember if isinstance(a, ember.Tensor) else torch).linalg.solve(a, b, left=left)


# ---------------------------------------------------------------- LU
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_lu_factor_and_unpack(dtype):
    for shape in [(3, 3), (2, 4, 3), (3, 5), (2, 1, 4, 4), (0, 3, 3), (2, 0, 3)]:
        for layout in LAYOUTS:
            e, t = both(gen(shape, "general", 19), dtype, layout)
            el, tl = ember.linalg.lu_factor(e), torch.linalg.lu_factor(t)
            close(tuple(el), tuple(tl))
            assert type(el).__name__ == "linalg_lu_factor"
            close(tuple(ember.linalg.lu_factor_ex(e)), tuple(torch.linalg.lu_factor_ex(t)))
            close(tuple(ember.linalg.lu(e)), tuple(torch.linalg.lu(t)))
            close(tuple(ember.lu_unpack(*el)), tuple(torch.lu_unpack(*tl)))
            close(tuple(ember.lu(e)), tuple(torch.lu(t)))
            close(tuple(e.lu(get_infos=True)), tuple(t.lu(get_infos=True)))
    e, t = both(gen((3, 3), "general", 20), dtype)
    el, tl = ember.linalg.lu_factor(e), torch.linalg.lu_factor(t)
    close(tuple(ember.lu_unpack(*el, unpack_data=False)[:1]), tuple(torch.lu_unpack(*tl, unpack_data=False)[:1]))
    close(tuple(ember.lu_unpack(*el, unpack_pivots=False)[1:]), tuple(torch.lu_unpack(*tl, unpack_pivots=False)[1:]))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_lu_solve(dtype):
    for sa, sb in [((3, 3), (3, 2)), ((2, 4, 4), (2, 4, 3)), ((2, 4, 4), (4, 1)), ((0, 3, 3), (0, 3, 2))]:
        (ea, ta), (eb, tb) = both(gen(sa, "general", 21), dtype), both(gen(sb, "rhs", 22), dtype, "transposed")
        el, tl = ember.linalg.lu_factor(ea), torch.linalg.lu_factor(ta)
        for left in (True, False):
            for adjoint in (False, True):
                ebb, tbb = (eb, tb) if left else (eb.mT, tb.mT)
                close(ember.linalg.lu_solve(*el, ebb, left=left, adjoint=adjoint),
                      torch.linalg.lu_solve(*tl, tbb, left=left, adjoint=adjoint))
        close(ember.lu_solve(eb, *el), torch.lu_solve(tb, *tl))
        close(eb.lu_solve(*el), tb.lu_solve(*tl))


def test_lu_grads_and_errors():
    a = gen((3, 3), "general", 23)
    def lu_solve_fn(lu, b, lib_pivots=None):
        lib = ember if isinstance(lu, ember.Tensor) else torch
        piv = lib.linalg.lu_factor(lib.tensor(a))[1]
        return lib.linalg.lu_solve(lu, piv, b)
    lu_np = torch.linalg.lu_factor(torch.tensor(a))[0].numpy()
    compare_grads(lu_solve_fn, [lu_np, gen((3, 2), "rhs", 24)], "float64")
    compare_grads(lambda lu: (ember if isinstance(lu, ember.Tensor) else torch).lu_unpack(
        lu, (ember if isinstance(lu, ember.Tensor) else torch).tensor([2, 2, 3], dtype=(ember if isinstance(lu, ember.Tensor) else torch).int32))[1],
        lu_np, "float64")
    e, t = both(singular_batch(), "float64")
    err = raises_both(lambda: ember.linalg.lu_factor(e), lambda: torch.linalg.lu_factor(t))
    assert "U[3,3] is zero" in str(err)
    close(ember.linalg.lu_factor_ex(e).info, torch.linalg.lu_factor_ex(t).info)
    raises_both(lambda: ember.linalg.lu_factor(e, pivot=False), lambda: torch.linalg.lu_factor(t, pivot=False))


# ---------------------------------------------------------------- Cholesky
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape", SHAPES)
def test_cholesky_values(dtype, shape):
    for layout in LAYOUTS:
        e, t = both(gen(shape, "spd", 25), dtype, layout)
        for upper in (False, True):
            close(ember.linalg.cholesky(e, upper=upper), torch.linalg.cholesky(t, upper=upper))
            close(tuple(ember.linalg.cholesky_ex(e, upper=upper)), tuple(torch.linalg.cholesky_ex(t, upper=upper)))
            close(ember.cholesky(e, upper), torch.cholesky(t, upper))
            el, tl = ember.linalg.cholesky(e, upper=upper), torch.linalg.cholesky(t, upper=upper)
            close(ember.cholesky_inverse(el, upper), torch.cholesky_inverse(tl, upper))
            eb, tb = both(gen(shape[:-1] + (2,), "rhs", 26), dtype, layout)
            close(ember.cholesky_solve(eb, el, upper), torch.cholesky_solve(tb, tl, upper))
            close(eb.cholesky_solve(el, upper=upper), tb.cholesky_solve(tl, upper=upper))


def test_cholesky_grads_and_errors():
    for upper in (False, True):
        compare_grads(lambda m: (ember if isinstance(m, ember.Tensor) else torch).linalg.cholesky(m @ m.mT, upper=upper),
                      gen((2, 3, 3), "general", 27), "float64")
        egradcheck(lambda m: ember.linalg.cholesky(m @ m.mT, upper=upper), gen((3, 3), "general", 28), second_order=True)
    # Gradients with respect to the factor: torch's formulas treat it as a full matrix, while only its
    # triangle is read; ember's are those of the function computed (zero on the other side). Compare the triangle.
    for upper in (False, True):
        l_np = np.linalg.cholesky(gen((3, 3), "spd", 29))
        l_np = l_np.T.copy() if upper else l_np
        mask = np.triu(np.ones((3, 3))) if upper else np.tril(np.ones((3, 3)))
        for fn in (lambda lib, l, b: lib.cholesky_solve(b, l, upper), lambda lib, l, b: lib.cholesky_inverse(l, upper)):
            el, tl = both(l_np)
            eb, tb = both(gen((3, 2), "rhs", 30))
            el.requires_grad_(True), tl.requires_grad_(True), eb.requires_grad_(True), tb.requires_grad_(True)
            eo, to = fn(ember, el, eb), fn(torch, tl, tb)
            close(eo, to)
            go = np.random.default_rng(1).standard_normal(tuple(to.shape))
            eo.backward(ember.tensor(go)), to.backward(torch.tensor(go))
            np.testing.assert_allclose(el.grad.numpy() * mask, tl.grad.numpy() * mask, atol=1e-10)
            np.testing.assert_allclose(el.grad.numpy() * (1 - mask), 0)
            if tb.grad is not None:
                close(eb.grad, tb.grad)
    egradcheck(lambda l, b: ember.cholesky_solve(b, l), [np.linalg.cholesky(gen((3, 3), "spd", 31)), gen((3, 2), "rhs", 32)],
               second_order=True)
    a = gen((2, 3, 3), "spd", 32)
    a[1, 2, 2] = -5.0
    e, t = both(a, "float32")
    err = raises_both(lambda: ember.linalg.cholesky(e), lambda: torch.linalg.cholesky(t), linalg_error=True)
    assert str(err) == str(torch_error(lambda: torch.linalg.cholesky(t)))
    close(ember.linalg.cholesky_ex(e).info, torch.linalg.cholesky_ex(t).info)
    e2, t2 = both(np.ones((3, 4)), "float32")
    raises_both(lambda: ember.linalg.cholesky(e2), lambda: torch.linalg.cholesky(t2))


def torch_error(fn):
    try:
        fn()
    except Exception as exc:  # noqa: BLE001
        return exc
    raise AssertionError("no error")


# ---------------------------------------------------------------- triangular solves
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_solve_triangular_values(dtype):
    for sa, sb in [((3, 3), (3, 2)), ((2, 4, 4), (2, 4, 3)), ((2, 1, 3, 3), (4, 3, 1)), ((0, 3, 3), (0, 3, 2))]:
        for layout in LAYOUTS:
            (ea, ta), (eb, tb) = both(gen(sa, "general", 33), dtype, layout), both(gen(sb, "rhs", 34), dtype, layout)
            for upper in (False, True):
                for unit in (False, True):
                    close(ember.linalg.solve_triangular(ea, eb, upper=upper, unitriangular=unit),
                          torch.linalg.solve_triangular(ta, tb, upper=upper, unitriangular=unit))
                    close(ember.linalg.solve_triangular(ea, eb.mT, upper=upper, left=False, unitriangular=unit),
                          torch.linalg.solve_triangular(ta, tb.mT, upper=upper, left=False, unitriangular=unit))
                    for transpose in (False, True):
                        r = ember.triangular_solve(eb, ea, upper, transpose, unit)
                        close(tuple(r), tuple(torch.triangular_solve(tb, ta, upper, transpose, unit)))
                        assert type(r).__name__ == "triangular_solve"


def test_solve_triangular_grads():
    for upper in (False, True):
        for unit in (False, True):
            fn = lambda a, b: (ember if isinstance(a, ember.Tensor) else torch).linalg.solve_triangular(  # noqa: E731
                a, b, upper=upper, unitriangular=unit)
            compare_grads(fn, [gen((2, 3, 3), "general", 35), gen((3, 2), "rhs", 36)], "float64")
            egradcheck(lambda a, b: ember.linalg.solve_triangular(a, b, upper=upper, unitriangular=unit),
                       [gen((3, 3), "general", 37), gen((3, 2), "rhs", 38)], second_order=True)
    fn = lambda a, b: (ember if isinstance(a, ember.Tensor) else torch).triangular_solve(b, a, True, True)[0]  # noqa: E731
    compare_grads(fn, [gen((3, 3), "general", 39), gen((3, 2), "rhs", 40)], "float64")
    ea, ta = both(gen((3, 3), "general", 0), "float64")
    eb, tb = both(np.ones((4, 2)), "float64")
    err = raises_both(lambda: ember.linalg.solve_triangular(ea, eb, upper=True),
                      lambda: torch.linalg.solve_triangular(ta, tb, upper=True))
    assert "solve_triangular" in str(err)


def test_linalg_error_is_runtime_error():
    assert issubclass(ember.linalg.LinAlgError, RuntimeError)
    assert ember.linalg.LinAlgError.__name__ == torch.linalg.LinAlgError.__name__


def test_lu_factor_grads():
    """Gradients through the factorization itself (square, wide and tall), and through lu_solve to A."""
    for shape in [(3, 3), (2, 3, 3), (3, 5), (5, 3)]:
        compare_grads(lambda m: list((ember if isinstance(m, ember.Tensor) else torch).linalg.lu(m))[1:],
                      gen(shape, "rhs", 41), "float64")
        compare_grads(lambda m: (ember if isinstance(m, ember.Tensor) else torch).linalg.lu_factor(m)[0],
                      gen(shape, "rhs", 42), "float64")
        egradcheck(lambda m: tuple(ember.linalg.lu(m))[1:], gen(shape, "rhs", 43), second_order=shape == (3, 5))
    def solve_via_lu(a, b):
        lib = ember if isinstance(a, ember.Tensor) else torch
        return lib.linalg.lu_solve(*lib.linalg.lu_factor(a), b)
    compare_grads(solve_via_lu, [gen((2, 3, 3), "general", 44), gen((3, 2), "rhs", 45)], "float64")
    egradcheck(solve_via_lu, [gen((3, 3), "general", 46), gen((3, 2), "rhs", 47)], second_order=True)


def test_out_arguments():
    e, t = both(gen((2, 3, 3), "spd", 48))
    eo, to = ember.empty(0, dtype=ember.float64), torch.empty(0, dtype=torch.float64)
    r = ember.linalg.det(e, out=eo)
    assert r is eo
    close(eo, torch.linalg.det(t, out=to))
    eq, er = ember.empty(0, dtype=ember.float64), ember.empty(0, dtype=ember.float64)
    tq, tr = torch.empty(0, dtype=torch.float64), torch.empty(0, dtype=torch.float64)
    r = ember.linalg.qr(e, out=(eq, er))
    assert type(r).__name__ == "linalg_qr" and r.Q is eq
    close((eq, er), tuple(torch.linalg.qr(t, out=(tq, tr))))
    el = ember.empty(2, 3, 3, dtype=ember.float64)
    close(ember.linalg.cholesky(e, out=el), torch.linalg.cholesky(t))
    e.requires_grad_(True)
    with pytest.raises(RuntimeError, match="out="):
        ember.linalg.inv(e, out=el)
