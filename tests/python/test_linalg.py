"""Linear algebra ops against real PyTorch: values, dtypes, shapes, gradients
(first and second order), finite-difference gradchecks in float64, and errors."""
import numpy as np
import pytest
import torch

import ember
from oracle import LAYOUTS, check, pair, raises_like, to_numpy


def rng(seed=0):
    return np.random.default_rng(seed)


def egrad(outputs, inputs, grad_outputs, create_graph=False):
    """Gradients of ember outputs with respect to inputs (None where unused)."""
    outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
    grad_outputs = grad_outputs if isinstance(grad_outputs, (list, tuple)) else [grad_outputs]
    return list(ember._C._run_grad(outputs, list(inputs), grad_outputs, None, create_graph, True))


def tgrad(outputs, inputs, grad_outputs, create_graph=False):
    return list(torch.autograd.grad(outputs, inputs, grad_outputs, create_graph=create_graph, allow_unused=True))


def same_grad_out(t_out, seed=1):
    """A random output gradient, as an (ember, torch) pair."""
    g = rng(seed).standard_normal(tuple(t_out.shape))
    return ember.tensor(np.asarray(g)).to(getattr(ember, str(t_out.dtype).split(".")[-1])), torch.tensor(g).to(t_out.dtype)


def compare(e_fn, t_fn, e_in, t_in, rtol=None, atol=None, grads=True):
    """Same result and same gradients (for inputs that require grad) in both libraries."""
    e_out, t_out = e_fn(*e_in), t_fn(*t_in)
    check(e_out, t_out, rtol, atol)
    if not grads or not t_out.requires_grad:
        return e_out
    ge, gt = same_grad_out(t_out)
    e_req = [x for x in e_in if isinstance(x, ember.Tensor) and x.requires_grad]
    t_req = [x for x in t_in if isinstance(x, torch.Tensor) and x.requires_grad]
    for i, (a, b) in enumerate(zip(egrad(e_out, e_req, ge), tgrad(t_out, t_req, gt))):
        assert (a is None) == (b is None), f"grad {i}: ember {a is not None}, torch {b is not None}"
        if b is not None:
            check(a, b, rtol, atol, msg=f"grad[{i}]")
    return e_out


def gradcheck(fn, arrays, eps=1e-6, rtol=1e-5, atol=1e-7, seed=2):
    """Central differences in float64 against autograd's vector-Jacobian product for a random vector."""
    arrays = [np.asarray(a, dtype=np.float64) for a in arrays]
    ins = [ember.tensor(a.copy()).requires_grad_() for a in arrays]
    out = fn(*ins)
    v = np.asarray(rng(seed).standard_normal(tuple(out.shape)))
    analytic = egrad(out, ins, ember.tensor(v.copy()))

    def value(args):
        return to_numpy(fn(*[ember.tensor(x) for x in args]))

    for k, a in enumerate(arrays):
        num = np.zeros_like(a)
        for idx in np.ndindex(*a.shape):
            plus = [x.copy() for x in arrays]
            minus = [x.copy() for x in arrays]
            plus[k][idx] += eps
            minus[k][idx] -= eps
            num[idx] = ((value(plus) - value(minus)) / (2 * eps) * v).sum()
        got = np.zeros_like(a) if analytic[k] is None else to_numpy(analytic[k])
        np.testing.assert_allclose(got, num, rtol=rtol, atol=atol, err_msg=f"input {k}")


def gradgradcheck(fn, arrays, seed=3):
    """gradcheck of w . grad(fn)(v): second derivatives through the backward formulas."""
    arrays = [np.asarray(a, dtype=np.float64) for a in arrays]
    r = rng(seed)
    probe = fn(*[ember.tensor(a.copy()) for a in arrays])
    v = ember.tensor(np.asarray(r.standard_normal(tuple(probe.shape))))
    ws = [ember.tensor(np.asarray(r.standard_normal(a.shape))) for a in arrays]

    def first_order(*ins):
        ins = [x if x.requires_grad else x.detach().requires_grad_() for x in ins]
        grads = egrad(fn(*ins), ins, v, create_graph=True)
        total = None
        for g, w in zip(grads, ws):
            term = (g * w).sum()
            total = term if total is None else total + term
        return total

    gradcheck(first_order, arrays, seed=seed + 1)


# ---------------------------------------------------------------- matmul: torch's broadcasting rules
MATMUL_SHAPES = [
    ((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)),
    ((4, 2, 3), (3,)), ((3,), (4, 3, 5)), ((4, 2, 3), (3, 5)), ((2, 3), (4, 3, 5)),
    ((4, 2, 3), (4, 3, 5)), ((2, 1, 2, 3), (3, 3, 4)), ((1, 2, 3), (4, 3, 2)), ((5, 1, 2, 3), (1, 3, 3, 1)),
    ((2, 2, 1, 3), (3,)), ((1, 3), (2, 3, 1)),
    # empty dims
    ((0, 3), (3, 4)), ((2, 0), (0, 4)), ((2, 3), (3, 0)), ((0, 2, 3), (3, 4)), ((3, 2, 0), (3, 0, 4)), ((0,), (0,)),
    ((0,), (0, 2)),
]


@pytest.mark.parametrize("sa,sb", MATMUL_SHAPES)
@pytest.mark.parametrize("layout", LAYOUTS)
def test_matmul_broadcasting_layouts_and_grads(sa, sb, layout):
    other = LAYOUTS[(LAYOUTS.index(layout) + 1) % len(LAYOUTS)]
    ea, ta = pair(sa, "float64", layout, rng(1), requires_grad=True)
    eb, tb = pair(sb, "float64", other, rng(2), requires_grad=True)
    compare(ember.matmul, torch.matmul, [ea, eb], [ta, tb])


def test_matmul_operator_method_and_linalg():
    ea, ta = pair((2, 3), "float32", rng=rng(3))
    eb, tb = pair((3, 4), "float32", rng=rng(4))
    check(ea @ eb, ta @ tb)
    check(ea.matmul(eb), ta.matmul(tb))
    check(ember.linalg.matmul(ea, eb), torch.linalg.matmul(ta, tb))


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "int32", "int16", "int8", "uint8"])
@pytest.mark.parametrize("sa,sb", [((2, 3), (3, 4)), ((4, 2, 3), (3, 5)), ((2, 3), (3,)), ((3,), (3, 4)),
                                   ((2, 1, 2, 3), (3, 3, 4)), ((5, 7), (7, 6))])
def test_matmul_dtypes(dtype, sa, sb):
    ea, ta = pair(sa, dtype, "transposed", rng(5))
    eb, tb = pair(sb, dtype, "contiguous", rng(6))
    check(ember.matmul(ea, eb), torch.matmul(ta, tb))
    if len(sa) == len(sb) == 1:
        check(ember.dot(ea, eb), torch.dot(ta, tb))


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
@pytest.mark.parametrize("sa,sb", [((2, 3), (3, 4)), ((4, 2, 3), (3, 5)), ((2, 3), (3,)), ((3,), (3,)), ((4, 2, 3), (4, 3, 2))])
def test_matmul_reduced_floats_compute_in_float32(dtype, sa, sb):
    # ember computes 16-bit products in float32 and rounds once (torch has none for float16 on CPU,
    # and rounds bfloat16 partial sums on some paths): compare with torch's float32 product, rounded.
    ea, ta = pair(sa, dtype, "transposed", rng(7))
    eb, tb = pair(sb, dtype, "sliced", rng(8))
    check(ember.matmul(ea, eb), torch.matmul(ta.float(), tb.float()).to(ta.dtype))


def test_int_dot_wraps_like_torch():
    ea, ta = ember.full((3,), 100, dtype=ember.int8), torch.full((3,), 100, dtype=torch.int8)
    check(ember.dot(ea, ea), torch.dot(ta, ta))
    check(ember.mm(ea.reshape(1, 3), ea.reshape(3, 1)), torch.mm(ta.reshape(1, 3), ta.reshape(3, 1)))


def test_large_products_match_torch():
    # big enough for BLAS's blocked and multithreaded paths, with transposed operands
    ea, ta = pair((300, 200), "float32", "transposed", rng(9))
    eb, tb = pair((200, 250), "float32", "contiguous", rng(10))
    check(ember.mm(ea, eb), torch.mm(ta, tb), rtol=1e-4, atol=1e-4)
    ea, ta = pair((6, 40, 64), "float32", "contiguous", rng(11))
    eb, tb = pair((6, 64, 50), "float32", "transposed", rng(12))
    check(ember.bmm(ea, eb), torch.bmm(ta, tb), rtol=1e-4, atol=1e-4)
    # medium products, several per thread: the batch is shared out over threads, one BLAS thread each
    ea, ta = pair((8, 64, 96), "float32", "contiguous", rng(13))
    eb, tb = pair((2, 1, 96, 80), "float32", "sliced", rng(14))
    check(ember.matmul(ea, eb), torch.matmul(ta, tb), rtol=1e-4, atol=1e-4)


def test_matmul_errors():
    for sa, sb, shapes in [((2, 3), (4, 5), "2x3 and 4x5"), ((2, 2, 3), (2, 4, 5), "2x2x3 and 2x4x5"),
                           ((3,), (4, 5), "3 and 4x5"), ((4, 2, 3), (4,), "4x2x3 and 4")]:
        ea, ta = pair(sa)
        eb, tb = pair(sb)
        e = raises_like(lambda: ember.matmul(ea, eb), lambda: torch.matmul(ta, tb))
        assert shapes in str(e), str(e)
    e = raises_like(lambda: ember.matmul(ember.zeros(2, 3), ember.zeros(3, 4, dtype=ember.float64)),
                    lambda: torch.matmul(torch.zeros(2, 3), torch.zeros(3, 4, dtype=torch.float64)))
    assert "expected scalar type Float but found Double" in str(e)
    raises_like(lambda: ember.matmul(ember.zeros(2, 2, 3), ember.zeros(3, 3, 4)),
                lambda: torch.matmul(torch.zeros(2, 2, 3), torch.zeros(3, 3, 4)))
    e = raises_like(lambda: ember.matmul(ember.tensor(1.0), ember.zeros(3)),
                    lambda: torch.matmul(torch.tensor(1.0), torch.zeros(3)))
    assert "at least 1D" in str(e)
    raises_like(lambda: ember.matmul(ember.zeros(2, 2, dtype=ember.bool), ember.zeros(2, 2, dtype=ember.bool)),
                lambda: torch.matmul(torch.zeros(2, 2, dtype=torch.bool), torch.zeros(2, 2, dtype=torch.bool)))


# ---------------------------------------------------------------- mm, bmm, mv, dot, vdot, inner, outer
@pytest.mark.parametrize("la", LAYOUTS)
@pytest.mark.parametrize("lb", LAYOUTS)
def test_mm_layouts(la, lb):
    ea, ta = pair((3, 4), "float64", la, rng(13), requires_grad=True)
    eb, tb = pair((4, 5), "float64", lb, rng(14), requires_grad=True)
    out = compare(ember.mm, torch.mm, [ea, eb], [ta, tb])
    assert out.grad_fn is not None
    check(ea.mm(eb), ta.mm(tb))


def test_mm_errors():
    e = raises_like(lambda: ember.mm(ember.zeros(2, 3), ember.zeros(4, 5)), lambda: torch.mm(torch.zeros(2, 3), torch.zeros(4, 5)))
    assert "mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)" in str(e)
    e = raises_like(lambda: ember.mm(ember.zeros(2, 3), ember.zeros(3, 5, dtype=ember.float64)),
                    lambda: torch.mm(torch.zeros(2, 3), torch.zeros(3, 5, dtype=torch.float64)))
    assert "expected scalar type Float but found Double" in str(e)
    e = raises_like(lambda: ember.mm(ember.zeros(2, 3, dtype=ember.int64), ember.zeros(3, 5)),
                    lambda: torch.mm(torch.zeros(2, 3, dtype=torch.int64), torch.zeros(3, 5)))
    assert "expected scalar type Long but found Float" in str(e)
    raises_like(lambda: ember.mm(ember.zeros(2, 3, 1), ember.zeros(3, 5)), lambda: torch.mm(torch.zeros(2, 3, 1), torch.zeros(3, 5)))
    raises_like(lambda: ember.mm(ember.zeros(2, 3), ember.zeros(3)), lambda: torch.mm(torch.zeros(2, 3), torch.zeros(3)))


@pytest.mark.parametrize("layout", LAYOUTS)
def test_bmm(layout):
    ea, ta = pair((3, 2, 4), "float64", layout, rng(15), requires_grad=True)
    eb, tb = pair((3, 4, 5), "float64", "transposed", rng(16), requires_grad=True)
    compare(ember.bmm, torch.bmm, [ea, eb], [ta, tb])
    check(ea.bmm(eb), ta.bmm(tb))
    e = raises_like(lambda: ember.bmm(ember.zeros(2, 2, 3), ember.zeros(2, 4, 4)),
                    lambda: torch.bmm(torch.zeros(2, 2, 3), torch.zeros(2, 4, 4)))
    assert "2x2x3 and 2x4x4" in str(e)
    e = raises_like(lambda: ember.bmm(ember.zeros(2, 2, 3), ember.zeros(3, 3, 4)),
                    lambda: torch.bmm(torch.zeros(2, 2, 3), torch.zeros(3, 3, 4)))
    assert "2x2x3 and 3x3x4" in str(e)
    raises_like(lambda: ember.bmm(ember.zeros(2, 3), ember.zeros(2, 3, 4)), lambda: torch.bmm(torch.zeros(2, 3), torch.zeros(2, 3, 4)))
    raises_like(lambda: ember.bmm(ember.zeros(2, 2, 3), ember.zeros(2, 3, 4, dtype=ember.float64)),
                lambda: torch.bmm(torch.zeros(2, 2, 3), torch.zeros(2, 3, 4, dtype=torch.float64)))


@pytest.mark.parametrize("layout", LAYOUTS)
def test_mv_dot_vdot_inner_outer(layout):
    ea, ta = pair((3, 4), "float64", layout, rng(17), requires_grad=True)
    ev, tv = pair((4,), "float64", layout, rng(18), requires_grad=True)
    ew, tw = pair((4,), "float64", "sliced", rng(19), requires_grad=True)
    ex, tx = pair((3,), "float64", "contiguous", rng(20), requires_grad=True)
    compare(ember.mv, torch.mv, [ea, ev], [ta, tv])
    compare(ember.dot, torch.dot, [ev, ew], [tv, tw])
    compare(ember.vdot, torch.vdot, [ev, ew], [tv, tw])
    compare(ember.outer, torch.outer, [ex, ev], [tx, tv])
    compare(ember.ger, torch.ger, [ex, ev], [tx, tv])
    compare(ember.inner, torch.inner, [ea, ev], [ta, tv])
    compare(ember.inner, torch.inner, [ev, ew], [tv, tw])
    check(ea.mv(ev), ta.mv(tv))
    check(ev.dot(ew), tv.dot(tw))
    check(ex.outer(ev), tx.outer(tv))
    check(ea.inner(ev), ta.inner(tv))


def test_inner_shapes_and_outer_promotion():
    ea, ta = pair((2, 3, 4), "float64", rng=rng(21))
    eb, tb = pair((5, 4), "float64", rng=rng(22))
    check(ember.inner(ea, eb), torch.inner(ta, tb))
    check(ember.inner(ember.tensor(2.0), eb), torch.inner(torch.tensor(2.0), tb))
    ei, ti = pair((3,), "int64", rng=rng(23))
    ef, tf = pair((4,), "float32", rng=rng(24))
    check(ember.outer(ei, ef), torch.outer(ti, tf))
    check(ember.dot(ei, ei), torch.dot(ti, ti))


def test_vector_product_errors():
    z = ember.zeros
    t = torch.zeros
    e = raises_like(lambda: ember.mv(z(2, 3), z(4)), lambda: torch.mv(t(2, 3), t(4)))
    assert "2x3" in str(e) and "4" in str(e)
    raises_like(lambda: ember.mv(z(2, 3), z(3, 1)), lambda: torch.mv(t(2, 3), t(3, 1)))
    raises_like(lambda: ember.mv(z(2, 3), z(3, dtype=ember.float64)), lambda: torch.mv(t(2, 3), t(3, dtype=torch.float64)))
    e = raises_like(lambda: ember.dot(z(3), z(4)), lambda: torch.dot(t(3), t(4)))
    assert "3" in str(e) and "4" in str(e)
    raises_like(lambda: ember.dot(z(3), z(3, dtype=ember.float64)), lambda: torch.dot(t(3), t(3, dtype=torch.float64)))
    raises_like(lambda: ember.dot(z(3, 1), z(3)), lambda: torch.dot(t(3, 1), t(3)))
    raises_like(lambda: ember.vdot(z(3), z(4)), lambda: torch.vdot(t(3), t(4)))
    raises_like(lambda: ember.outer(z(3, 1), z(4)), lambda: torch.outer(t(3, 1), t(4)))
    e = raises_like(lambda: ember.inner(z(2, 3), z(4, 2)), lambda: torch.inner(t(2, 3), t(4, 2)))
    assert "[2, 3]" in str(e) and "[4, 2]" in str(e)


# ---------------------------------------------------------------- addmm, addmv, baddbmm, addbmm
ADD_CASES = [
    ("addmm", (2, 4), (2, 3), (3, 4)), ("addmm", (4,), (2, 3), (3, 4)), ("addmm", (2, 1), (2, 3), (3, 4)),
    ("addmm", (), (2, 3), (3, 4)),
    ("addmv", (2,), (2, 3), (3,)), ("addmv", (1,), (2, 3), (3,)),
    ("baddbmm", (5, 2, 4), (5, 2, 3), (5, 3, 4)), ("baddbmm", (2, 4), (5, 2, 3), (5, 3, 4)),
    ("addbmm", (2, 4), (5, 2, 3), (5, 3, 4)), ("addbmm", (4,), (5, 2, 3), (5, 3, 4)), ("addbmm", (2, 4), (0, 2, 3), (0, 3, 4)),
]


def product(op, a, b):
    """The product part of an add* op, in torch."""
    return torch.matmul(a, b).sum(0) if op == "addbmm" else torch.matmul(a, b)


def torch_add_product(op, beta, alpha):
    if op == "baddbmm" and beta == 0:
        # torch 1.13's small-matrix baddbmm reads its uninitialised output when beta == 0 (NaN
        # at random): use the definition instead, with beta * self kept for the gradient.
        return lambda s, a, b: s * beta + alpha * product(op, a, b)
    return lambda s, a, b: getattr(torch, op)(s, a, b, beta=beta, alpha=alpha)


@pytest.mark.parametrize("op,ss,sa,sb", ADD_CASES)
@pytest.mark.parametrize("beta,alpha", [(1, 1), (0.5, 2.0), (0, 1.5), (2, 0)])
def test_add_products(op, ss, sa, sb, beta, alpha):
    es, ts = pair(ss, "float64", "contiguous", rng(25), requires_grad=True)
    ea, ta = pair(sa, "float64", "transposed", rng(26), requires_grad=True)
    eb, tb = pair(sb, "float64", "sliced", rng(27), requires_grad=True)
    compare(lambda s, a, b: getattr(ember, op)(s, a, b, beta=beta, alpha=alpha), torch_add_product(op, beta, alpha),
            [es, ea, eb], [ts, ta, tb])
    check(getattr(es, op)(ea, eb, beta=beta, alpha=alpha), torch_add_product(op, beta, alpha)(ts, ta, tb))


@pytest.mark.parametrize("op,ss,sa,sb", ADD_CASES)
def test_add_products_beta_zero_ignores_nan(op, ss, sa, sb):
    es = ember.full(ss, float("nan"))
    ea, ta = pair(sa, "float32", rng=rng(28))
    eb, tb = pair(sb, "float32", rng=rng(29))
    check(getattr(ember, op)(es, ea, eb, beta=0, alpha=2), 2 * product(op, ta, tb))


@pytest.mark.parametrize("op,ss,sa,sb", ADD_CASES[:7])
def test_add_products_in_place(op, ss, sa, sb):
    out_shape = getattr(torch, op)(torch.zeros(ss), torch.zeros(sa), torch.zeros(sb)).shape
    es, ts = pair(out_shape, "float32", rng=rng(30))
    ea, ta = pair(sa, "float32", rng=rng(31))
    eb, tb = pair(sb, "float32", rng=rng(32))
    r = getattr(es, op + "_")(ea, eb, beta=0.5, alpha=2)
    getattr(ts, op + "_")(ta, tb, beta=0.5, alpha=2)
    assert r is es
    check(es, ts)


def test_add_products_integer_scalars_truncate():
    for beta, alpha in [(0.5, 0.5), (2.5, 1.7), (3, 2)]:
        es, ts = pair((2, 2), "int64", rng=rng(33))
        ea, ta = pair((2, 3), "int64", rng=rng(34))
        eb, tb = pair((3, 2), "int64", rng=rng(35))
        check(ember.addmm(es, ea, eb, beta=beta, alpha=alpha), torch.addmm(ts, ta, tb, beta=beta, alpha=alpha))


def test_add_products_errors():
    z, t = ember.zeros, torch.zeros
    raises_like(lambda: ember.addmm(z(4), z(2, 3), z(3, 3)), lambda: torch.addmm(t(4), t(2, 3), t(3, 3)))
    raises_like(lambda: ember.addmm(z(3, dtype=ember.float64), z(2, 3), z(3, 3)),
                lambda: torch.addmm(t(3, dtype=torch.float64), t(2, 3), t(3, 3)))
    e = raises_like(lambda: ember.addmm(z(3), z(2, 3), z(4, 3)), lambda: torch.addmm(t(3), t(2, 3), t(4, 3)))
    assert "2x3 and 4x3" in str(e)
    raises_like(lambda: ember.addmv(z(3), z(2, 3), z(3)), lambda: torch.addmv(t(3), t(2, 3), t(3)))
    raises_like(lambda: ember.baddbmm(z(4), z(2, 2, 3), z(2, 3, 3)), lambda: torch.baddbmm(t(4), t(2, 2, 3), t(2, 3, 3)))
    e = raises_like(lambda: ember.addbmm(z(2, 3), z(2, 2, 3), z(3, 3, 3)), lambda: torch.addbmm(t(2, 3), t(2, 2, 3), t(3, 3, 3)))
    assert "2 and 3" in str(e)


# ---------------------------------------------------------------- linear
@pytest.mark.parametrize("xs", [(4,), (3, 4), (2, 3, 4), (0, 4), (2, 0, 4)])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("layout", ["contiguous", "transposed", "sliced"])
def test_linear(xs, bias, layout):
    ex, tx = pair(xs, "float64", layout, rng(36), requires_grad=True)
    ew, tw = pair((5, 4), "float64", "transposed" if layout == "contiguous" else "contiguous", rng(37), requires_grad=True)
    eb, tb = pair((5,), "float64", "contiguous", rng(38), requires_grad=True) if bias else (None, None)
    out = compare(lambda x, w, b: ember._C.linear(x, w, b), torch.nn.functional.linear, [ex, ew, eb], [tx, tw, tb])
    assert out.grad_fn is not None


def test_linear_float32_bias_broadcast_and_errors():
    ex, tx = pair((6, 4), "float32", rng=rng(39))
    ew, tw = pair((5, 4), "float32", rng=rng(40))
    eb, tb = pair((1,), "float32", rng=rng(41))
    check(ember._C.linear(ex, ew, eb), torch.nn.functional.linear(tx, tw, tb))
    check(ember._C.linear(ex, ew, bias=None), torch.nn.functional.linear(tx, tw))
    ev, tv = pair((4,), "float32", rng=rng(42))
    check(ember._C.linear(ex, ev), torch.nn.functional.linear(tx, tv))  # 1-D weight: a matrix-vector product
    F = torch.nn.functional
    e = raises_like(lambda: ember._C.linear(ex, ember.zeros(5, 3)), lambda: F.linear(tx, torch.zeros(5, 3)))
    assert "6x4 and 3x5" in str(e)
    e = raises_like(lambda: ember._C.linear(ex, ew.double()), lambda: F.linear(tx, tw.double()))
    assert "expected scalar type Float but found Double" in str(e)
    raises_like(lambda: ember._C.linear(ex, ew, eb.double()), lambda: F.linear(tx, tw, tb.double()))
    raises_like(lambda: ember._C.linear(ex, ew, ember.zeros(3)), lambda: F.linear(tx, tw, torch.zeros(3)))
    raises_like(lambda: ember._C.linear(ex, ev, eb), lambda: F.linear(tx, tv, tb))


def test_linear_integer():
    ex, tx = pair((3, 4), "int64", rng=rng(43))
    ew, tw = pair((2, 4), "int64", rng=rng(44))
    eb, tb = pair((2,), "int64", rng=rng(45))
    check(ember._C.linear(ex, ew, eb), torch.nn.functional.linear(tx, tw, tb))


# ---------------------------------------------------------------- einsum
EINSUM_CASES = [
    ("ij,jk->ik", [(2, 3), (3, 4)]),             # matrix product
    ("ij,jk", [(2, 3), (3, 4)]),                 # implicit output
    ("bij,bjk->bik", [(2, 2, 3), (2, 3, 4)]),    # batched
    ("ii->", [(3, 3)]), ("ii", [(3, 3)]),        # trace
    ("ii->i", [(3, 3)]), ("iij->ji", [(3, 3, 2)]), ("iji->ij", [(2, 3, 2)]),  # diagonals
    ("i,j->ij", [(3,), (4,)]),                   # outer
    ("ijk->", [(2, 3, 4)]), ("ijk->j", [(2, 3, 4)]), ("ijk->kj", [(2, 3, 4)]), ("ij->ji", [(2, 3)]),  # sums, permutes
    ("...ij,...jk->...ik", [(5, 2, 3), (3, 4)]), ("...ij->...ji", [(2, 3, 4)]), ("i...->...", [(2, 3, 4)]),
    ("...ij,...jk", [(2, 1, 2, 3), (4, 3, 2)]), ("...ij->ij", [(2, 3, 4)]), ("i...j,j...->...", [(2, 3, 4), (4, 3)]),
    (" b i d , b j d -> b i j ", [(2, 3, 4), (2, 5, 4)]),
    ("i,i->", [(5,), (5,)]), ("i,i->i", [(3,), (1,)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 5)]), ("bn,anm,bm->ba", [(2, 3), (4, 3, 5), (2, 5)]),
    ("iJ,Jk", [(2, 3), (3, 4)]), ("bi,Ai", [(3, 4), (5, 4)]), ("ijk,ik->j", [(2, 3, 4), (2, 4)]),
    ("ij,ij->ij", [(2, 3), (2, 3)]), ("ii,i->i", [(3, 3), (3,)]), ("ij,kl->", [(2, 3), (4, 5)]),
    ("ab,cd,bc->ad", [(2, 3), (4, 5), (3, 4)]), ("i,ij->", [(0,), (0, 3)]),
]


@pytest.mark.parametrize("eq,shapes", EINSUM_CASES)
def test_einsum(eq, shapes):
    pairs = [pair(s, "float64", "transposed" if i % 2 else "contiguous", rng(50 + i), requires_grad=True)
             for i, s in enumerate(shapes)]
    e_in, t_in = [p[0] for p in pairs], [p[1] for p in pairs]
    compare(lambda *x: ember.einsum(eq, *x), lambda *x: torch.einsum(eq, *x), e_in, t_in)


def test_einsum_forms_and_dtypes():
    ea, ta = pair((2, 3), "float32", rng=rng(60))
    eb, tb = pair((3, 4), "float32", rng=rng(61))
    check(ember.einsum("ij,jk->ik", [ea, eb]), torch.einsum("ij,jk->ik", [ta, tb]))
    check(ember.einsum(ea, [0, 1], eb, [1, 2]), torch.einsum(ta, [0, 1], tb, [1, 2]))
    check(ember.einsum(ea, [0, 1], eb, [1, 2], [2, 0]), torch.einsum(ta, [0, 1], tb, [1, 2], [2, 0]))
    ec, tc = pair((3, 2), "float32", rng=rng(64))
    check(ember.einsum(ea, [Ellipsis, 1], ec, [1, Ellipsis]), torch.einsum(ta, [Ellipsis, 1], tc, [1, Ellipsis]))
    ei, ti = pair((2, 3), "int64", rng=rng(62))
    ej, tj = pair((3, 4), "int64", rng=rng(63))
    check(ember.einsum("ij,jk->ik", ei, ej), torch.einsum("ij,jk->ik", ti, tj))
    check(ember.einsum("ij->j", ei), torch.einsum("ij->j", ti))


@pytest.mark.parametrize("eq,shapes", [
    ("ij,jk", [(2, 3), (4, 4)]), ("ij,jk", [(2, 3)]), ("i", [(3,), (3,)]), ("ijk,jk", [(2, 3), (3, 4)]),
    ("...ij", [(3,)]), ("ii->i", [(2, 3)]), ("i->j", [(2,)]), ("i->ii", [(2,)]), ("i1", [(2,)]), ("i.j", [(2, 2)]),
    ("i...j...", [(2, 2)]), ("...ij,...ij", [(2, 3, 4), (3, 3, 4)]),
])
def test_einsum_errors(eq, shapes):
    e_in = [ember.zeros(*s) for s in shapes]
    t_in = [torch.zeros(*s) for s in shapes]
    raises_like(lambda: ember.einsum(eq, *e_in), lambda: torch.einsum(eq, *t_in))


def test_einsum_error_details():
    e = raises_like(lambda: ember.einsum("ij,jk", ember.zeros(2, 3), ember.zeros(3, 4, dtype=ember.float64)),
                    lambda: torch.einsum("ij,jk", torch.zeros(2, 3), torch.zeros(3, 4, dtype=torch.float64)))
    assert "expected scalar type Float but found Double" in str(e)
    e = raises_like(lambda: ember.einsum("ij,jk", ember.zeros(2, 3), ember.zeros(4, 4)),
                    lambda: torch.einsum("ij,jk", torch.zeros(2, 3), torch.zeros(4, 4)))
    assert "subscript j" in str(e) and "4" in str(e) and "3" in str(e)
    raises_like(lambda: ember.einsum("i"), lambda: torch.einsum("i"))


# ---------------------------------------------------------------- tensordot, kron, cross
@pytest.mark.parametrize("sa,sb,dims", [
    ((2, 3, 4), (3, 4, 5), 2), ((2, 3), (3, 4), 1), ((2, 3), (4, 5), 0), ((3, 4, 5), (4, 3, 2), ([0, 1], [1, 0])),
    ((2, 3, 4), (4, 3), ([2, 1], [0, 1])), ((2, 3), (3, 2), ([1], [0])), ((2, 1), (4, 5), ([1], [0])),
])
def test_tensordot(sa, sb, dims):
    ea, ta = pair(sa, "float64", "transposed", rng(64), requires_grad=True)
    eb, tb = pair(sb, "float64", "contiguous", rng(65), requires_grad=True)
    compare(lambda a, b: ember.tensordot(a, b, dims=dims), lambda a, b: torch.tensordot(a, b, dims=dims), [ea, eb], [ta, tb])


def test_tensordot_errors():
    e = raises_like(lambda: ember.tensordot(ember.zeros(2, 3), ember.zeros(4, 5), dims=([1], [0])),
                    lambda: torch.tensordot(torch.zeros(2, 3), torch.zeros(4, 5), dims=([1], [0])))
    assert "3" in str(e) and "4" in str(e)
    raises_like(lambda: ember.tensordot(ember.zeros(2, 3), ember.zeros(3, 5, dtype=ember.float64), dims=1),
                lambda: torch.tensordot(torch.zeros(2, 3), torch.zeros(3, 5, dtype=torch.float64), dims=1))
    raises_like(lambda: ember.tensordot(ember.zeros(2, 3), ember.zeros(3, 5), dims=-1),
                lambda: torch.tensordot(torch.zeros(2, 3), torch.zeros(3, 5), dims=-1))
    raises_like(lambda: ember.tensordot(ember.zeros(2, 3), ember.zeros(2, 3), dims=(1, 1)),
                lambda: torch.tensordot(torch.zeros(2, 3), torch.zeros(2, 3), dims=(1, 1)))


@pytest.mark.parametrize("sa,sb", [((2, 3), (3, 2)), ((2,), (3,)), ((2, 3), (2,)), ((2,), (2, 2, 2)), ((1, 2), (3, 1)), ((0, 2), (2, 2))])
def test_kron(sa, sb):
    ea, ta = pair(sa, "float64", "transposed", rng(66), requires_grad=True)
    eb, tb = pair(sb, "float64", "contiguous", rng(67), requires_grad=True)
    # torch 1.13 kron rejects non-contiguous inputs (it views them): give it a contiguous copy
    compare(ember.kron, lambda a, b: torch.kron(a.contiguous(), b), [ea, eb], [ta, tb])
    ei, ti = pair(sa, "int64", rng=rng(68))
    check(ember.kron(ei, eb.detach()), torch.kron(ti, tb.detach()))
    check(ea.detach().kron(eb.detach()), ta.detach().contiguous().kron(tb.detach()))


@pytest.mark.parametrize("sa,sb,dim", [((3,), (3,), None), ((4, 3), (4, 3), None), ((4, 3), (4, 3), -1), ((3, 4), (3, 4), 0),
                                       ((4, 3), (1, 3), 1), ((2, 3, 5), (2, 3, 5), 1), ((3, 3), (3, 3), None)])
@pytest.mark.parametrize("layout", ["contiguous", "transposed", "sliced"])
def test_cross(sa, sb, dim, layout):
    ea, ta = pair(sa, "float64", layout, rng(69), requires_grad=True)
    eb, tb = pair(sb, "float64", "contiguous", rng(70), requires_grad=True)
    compare(lambda a, b: ember.cross(a, b, dim=dim), lambda a, b: torch.cross(a, b, dim=dim), [ea, eb], [ta, tb])
    if dim is not None:
        compare(lambda a, b: ember.linalg.cross(a, b, dim=dim), lambda a, b: torch.linalg.cross(a, b, dim=dim), [ea, eb], [ta, tb])


def test_cross_dtypes_and_errors():
    for dtype in ["float32", "int64", "int16", "bfloat16"]:
        ea, ta = pair((4, 3), dtype, rng=rng(71))
        eb, tb = pair((4, 3), dtype, rng=rng(72))
        check(ember.cross(ea, eb), torch.cross(ta, tb))
        check(ember.linalg.cross(ea, eb), torch.linalg.cross(ta, tb))
    z, t = ember.zeros, torch.zeros
    raises_like(lambda: ember.cross(z(3), z(3, dtype=ember.float64)), lambda: torch.cross(t(3), t(3, dtype=torch.float64)))
    raises_like(lambda: ember.cross(z(4, 3), z(4, 3), dim=0), lambda: torch.cross(t(4, 3), t(4, 3), dim=0))
    raises_like(lambda: ember.cross(z(4, 2), z(4, 2)), lambda: torch.cross(t(4, 2), t(4, 2)))
    raises_like(lambda: ember.cross(z(3), z(4, 3)), lambda: torch.cross(t(3), t(4, 3)))
    raises_like(lambda: ember.cross(z(3, dtype=ember.bool), z(3, dtype=ember.bool)),
                lambda: torch.cross(t(3, dtype=torch.bool), t(3, dtype=torch.bool)))


# ---------------------------------------------------------------- ember.linalg
def test_linalg_vecdot():
    ea, ta = pair((4, 3), "float64", "transposed", rng(73), requires_grad=True)
    eb, tb = pair((3,), "float64", "contiguous", rng(74), requires_grad=True)
    compare(ember.linalg.vecdot, torch.linalg.vecdot, [ea, eb], [ta, tb])
    compare(lambda a, b: ember.linalg.vecdot(a, b, dim=0), lambda a, b: torch.linalg.vecdot(a, b, dim=0),
            [ea, ea], [ta, ta])
    raises_like(lambda: ember.linalg.vecdot(ea, eb.float()), lambda: torch.linalg.vecdot(ta, tb.float()))


def test_linalg_norms_come_from_the_reductions():
    ea, ta = pair((3, 4), "float32", rng=rng(75))
    for name in ["vector_norm", "norm", "matrix_norm"]:
        if hasattr(ember._C, "linalg_" + name):
            check(getattr(ember.linalg, name)(ea), getattr(torch.linalg, name)(ta))
        else:
            with pytest.raises(NotImplementedError, match="not supported yet"):
                getattr(ember.linalg, name)(ea)


# ---------------------------------------------------------------- finite-difference gradchecks (float64)
def arrays(*shapes, seed=80):
    r = rng(seed)
    return [r.standard_normal(s) for s in shapes]


@pytest.mark.parametrize("name,fn,shapes", [
    ("mm", ember.mm, [(2, 3), (3, 2)]),
    ("matmul_broadcast", ember.matmul, [(2, 1, 2, 3), (3, 3, 2)]),
    ("matmul_vec_batch", ember.matmul, [(3,), (2, 3, 2)]),
    ("bmm", ember.bmm, [(2, 2, 3), (2, 3, 2)]),
    ("mv", ember.mv, [(2, 3), (3,)]),
    ("dot", ember.dot, [(4,), (4,)]),
    ("addmm", lambda s, a, b: ember.addmm(s, a, b, beta=0.5, alpha=2), [(2,), (2, 3), (3, 2)]),
    ("addmv", lambda s, a, b: ember.addmv(s, a, b, beta=0.5, alpha=2), [(2,), (2, 3), (3,)]),
    ("baddbmm", lambda s, a, b: ember.baddbmm(s, a, b, beta=0.5, alpha=2), [(2, 2), (2, 2, 3), (2, 3, 2)]),
    ("addbmm", lambda s, a, b: ember.addbmm(s, a, b, beta=0.5, alpha=2), [(2, 2), (2, 2, 3), (2, 3, 2)]),
    ("linear", lambda x, w, b: ember._C.linear(x, w, b), [(2, 2, 3), (2, 3), (2,)]),
    ("einsum", lambda a, b: ember.einsum("bij,jk->bki", a, b), [(2, 2, 3), (3, 2)]),
    ("einsum_diag", lambda a: ember.einsum("iij->j", a), [(2, 2, 3)]),
    ("tensordot", lambda a, b: ember.tensordot(a, b, dims=([1, 2], [0, 1])), [(2, 3, 2), (3, 2, 2)]),
    ("kron", ember.kron, [(2, 2), (2,)]),
    ("cross", lambda a, b: ember.cross(a, b, dim=1), [(2, 3), (2, 3)]),
])
def test_gradcheck(name, fn, shapes):
    gradcheck(fn, arrays(*shapes))


@pytest.mark.parametrize("name,fn,shapes", [
    ("mm", ember.mm, [(2, 3), (3, 2)]),
    ("matmul_broadcast", ember.matmul, [(2, 2, 3), (3,)]),
    ("bmm", ember.bmm, [(2, 2, 3), (2, 3, 2)]),
    ("addmm", lambda s, a, b: ember.addmm(s, a, b, beta=0.5, alpha=2), [(2, 2), (2, 3), (3, 2)]),
    ("linear", lambda x, w, b: ember._C.linear(x, w, b), [(2, 3), (2, 3), (2,)]),
    ("cross", lambda a, b: ember.cross(a, b, dim=0), [(3, 2), (3, 2)]),
])
def test_gradgradcheck(name, fn, shapes):
    gradgradcheck(fn, arrays(*shapes))


def test_mm_double_backward_matches_torch():
    ea, ta = pair((3, 4), "float64", "transposed", rng(90), requires_grad=True)
    eb, tb = pair((4, 2), "float64", "contiguous", rng(91), requires_grad=True)
    eg, tg = pair((3, 2), "float64", "contiguous", rng(92), requires_grad=True)
    ew0, tw0 = pair((3, 4), "float64", rng=rng(93))
    ew1, tw1 = pair((4, 2), "float64", rng=rng(94))
    ga = egrad(ember.mm(ea, eb), [ea, eb], eg, create_graph=True)
    gt = tgrad(torch.mm(ta, tb), [ta, tb], tg, create_graph=True)
    es = (ga[0] * ew0).sum() + (ga[1] * ew1).sum()
    ts = (gt[0] * tw0).sum() + (gt[1] * tw1).sum()
    for a, b in zip(egrad(es, [ea, eb, eg], ember.tensor(1.0, dtype=ember.float64)), tgrad(ts, [ta, tb, tg], torch.tensor(1.0, dtype=torch.float64))):
        if b is None:
            assert a is None or float(abs(a).sum()) == 0.0
        else:
            check(a, b)
