"""The indexing ops against real torch: gather/scatter, index_*, masked_*,
take, nonzero, sort/topk/kthvalue, unique, bincount, searchsorted, histc,
one_hot, isin. Values, dtypes, shapes, gradients (vs torch and by finite
differences in float64) and the exception types of bad input."""
import numpy as np
import pytest
import torch

import ember
from oracle import check, raises_like


def _works(fn):
    try:
        fn()
        return True
    except (NotImplementedError, AttributeError):  # not bound, or bound but not written yet
        return False


HAVE_SUM = _works(lambda: ember.ones(2).sum())
HAVE_PERMUTE = _works(lambda: ember.ones(2, 3).permute(1, 0))
needs_sum = pytest.mark.skipif(not HAVE_SUM, reason="needs ember.sum (reduce family)")

rng = np.random.default_rng(0)
FLOATS = ["float32", "float64", "float16", "bfloat16"]
ALL = FLOATS + ["int8", "int16", "int32", "int64", "uint8", "bool"]
HAVE_EXPAND = _works(lambda: ember.ones(1, 3).expand(2, 3))
LAYOUTS = ["contiguous", "sliced"] + (["transposed"] if HAVE_PERMUTE else []) + (["expanded"] if HAVE_EXPAND else [])


def arr(shape, dtype="float64", low=-5, high=5, seed=None):
    r = np.random.default_rng(seed) if seed is not None else rng
    if dtype == "bool":
        return r.random(shape) > 0.5
    if dtype in ("int8", "int16", "int32", "int64", "uint8"):
        return r.integers(0 if dtype == "uint8" else low, high, size=shape).astype(dtype)
    a = r.uniform(low, high, size=shape)
    return a.astype("float32" if dtype == "bfloat16" else dtype)


def both(a, dtype=None, layout="contiguous", requires_grad=False):
    """The same values as an ember and a torch tensor, in a given memory layout."""
    a = np.asarray(a)
    if layout == "sliced" and a.ndim:
        big = np.zeros(tuple(2 * s for s in a.shape), dtype=a.dtype)
        big[tuple(slice(None, None, 2) for _ in a.shape)] = a
        e, t = ember.tensor(big), torch.tensor(big)
        sl = tuple(slice(None, None, 2) for _ in a.shape)
        e, t = e[sl], t[sl]
    elif layout == "transposed" and a.ndim > 1:
        perm = list(range(a.ndim))[::-1]
        b = np.ascontiguousarray(a.transpose(perm))
        e, t = ember.tensor(b).permute(*perm), torch.tensor(b).permute(*perm)
    elif layout == "expanded" and a.ndim:  # the first row repeated with stride 0 (read-only)
        e, t = ember.tensor(a[:1].copy()).expand(*a.shape), torch.tensor(a[:1].copy()).expand(*a.shape)
    else:
        e, t = ember.tensor(a.copy()), torch.tensor(a.copy())
    if dtype is not None:
        e, t = e.to(getattr(ember, dtype)), t.to(getattr(torch, dtype))
    if requires_grad:
        e, t = e.detach().requires_grad_(True), t.detach().requires_grad_(True)
    return e, t


def idx(values):
    return ember.tensor(values, dtype=ember.int64), torch.tensor(values, dtype=torch.int64)


def grad(outputs, inputs, grads, create_graph=False):
    """torch.autograd.grad in whichever library the outputs come from."""
    if isinstance(outputs[0], torch.Tensor):
        return torch.autograd.grad(outputs, inputs, grads, create_graph=create_graph, allow_unused=True)
    return ember._C._run_grad(outputs, inputs, grads, None, create_graph, True)


def compare_grads(fe, ft, arrays, msg="", seed=0):
    """fe/ft map ember/torch float64 tensors to one output; compares output and input gradients."""
    es = [ember.tensor(a, requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    ye, yt = fe(*es), ft(*ts)
    check(ye, yt, msg=msg)
    g = np.random.default_rng(seed).standard_normal(tuple(yt.shape))
    ge = grad([ye], es, [ember.tensor(g)])
    gt = grad([yt], ts, [torch.tensor(g)])
    for i, (a, b) in enumerate(zip(ge, gt)):
        if b is None:
            assert a is None or not np.any(a.numpy()), f"{msg}: grad[{i}]"
        else:
            check(a, b, msg=f"{msg} grad[{i}]")


def gradcheck(fn, arrays, eps=1e-6, atol=1e-5, seed=0):
    """Finite differences in float64: the analytic vector-Jacobian product matches the numeric one."""
    inputs = [ember.tensor(a, requires_grad=True) for a in arrays]
    y = fn(*inputs)
    g = np.random.default_rng(seed).standard_normal(tuple(y.shape))
    analytic = grad([y], inputs, [ember.tensor(g)])
    for k, a in enumerate(arrays):
        num = np.zeros_like(a)
        for pos in np.ndindex(a.shape):
            vals = []
            for d in (eps, -eps):
                b = [x.copy() for x in arrays]
                b[k][pos] += d
                vals.append(fn(*[ember.tensor(x) for x in b]).detach().numpy())
            num[pos] = np.sum(g * (vals[0] - vals[1])) / (2 * eps)
        got = np.zeros_like(a) if analytic[k] is None else analytic[k].numpy()
        np.testing.assert_allclose(got, num, atol=atol, rtol=1e-4)


# ---------------------------------------------------------------- gather / scatter
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("dtype", ALL)
def test_gather(dtype, layout):
    e, t = both(arr((3, 4, 5), dtype), layout=layout)
    for dim, shape in [(0, (2, 4, 5)), (1, (3, 6, 2)), (2, (1, 2, 7)), (-1, (3, 4, 1))]:
        size = t.shape[dim]
        ie, it = idx(rng.integers(0, size, size=shape))
        check(ember.gather(e, dim, ie), torch.gather(t, dim, it))
        check(e.gather(dim, ie), t.gather(dim, it))


def test_gather_edge_cases():
    e, t = both(np.array(3.0))
    check(e.gather(0, ember.tensor(0)), t.gather(0, torch.tensor(0)))
    check(e.gather(0, ember.tensor([0, 0])), t.gather(0, torch.tensor([0, 0])))
    e, t = both(arr((3, 4)))
    check(e.gather(1, ember.zeros(3, 0, dtype=ember.int64)), t.gather(1, torch.zeros(3, 0, dtype=torch.int64)))
    e, t = both(np.zeros((0, 4)))
    check(e.gather(1, ember.zeros(0, 2, dtype=ember.int64)), t.gather(1, torch.zeros(0, 2, dtype=torch.int64)))


def test_gather_errors():
    e, t = both(arr((3, 4)))
    for args in [(0, [[5]]), (1, [[-1]]), (0, [[0]], "int32"), (0, [0]), (1, [[0], [1], [2], [1]]), (2, [[0]])]:
        dt = args[2] if len(args) > 2 else "int64"
        ie, it = ember.tensor(args[1], dtype=getattr(ember, dt)), torch.tensor(args[1], dtype=getattr(torch, dt))
        raises_like(lambda: e.gather(args[0], ie), lambda: t.gather(args[0], it))


def test_gather_grad():
    ie, it = idx([[0, 1, 2, 0], [2, 2, 1, 0]])
    compare_grads(lambda x: x.gather(0, ie), lambda x: x.gather(0, it), [arr((3, 4))])
    gradcheck(lambda x: x.gather(1, ember.tensor([[0, 0], [3, 1], [2, 2]])), [arr((3, 4))])


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("dtype", ALL)
def test_scatter_family(dtype, layout):
    e, t = both(arr((3, 4), dtype), layout=layout)
    se, st = both(arr((3, 5), dtype))
    ie, it = idx([[0, 1, 2, 0], [2, 2, 1, 0]])
    check(e.scatter(0, ie, se), t.scatter(0, it, st))
    check(ember.scatter(e, 0, ie, 2), torch.scatter(t, 0, it, 2))
    check(e.scatter_add(0, ie, se), t.scatter_add(0, it, st))
    if dtype != "bool":
        check(e.scatter(0, ie, se, reduce="add"), t.scatter(0, it, st, reduce="add"))
        check(e.scatter(0, ie, se, reduce="multiply"), t.scatter(0, it, st, reduce="multiply"))
        check(e.scatter(1, ie, 3, reduce="add"), t.scatter(1, it, 3, reduce="add"))
    ce, ct = e.clone(), t.clone()
    ce.scatter_(1, ie, se)
    ct.scatter_(1, it, st)
    check(ce, ct)
    ce.scatter_add_(1, ie, se)
    ct.scatter_add_(1, it, st)
    check(ce, ct)
    ce.scatter_(1, ie, 1)
    ct.scatter_(1, it, 1)
    check(ce, ct)


def test_scatter_add_duplicates_accumulate():
    e = ember.zeros(3).scatter_add(0, ember.tensor([1, 1, 1, 2]), ember.tensor([1.0, 2.0, 3.0, 4.0]))
    assert e.tolist() == [0.0, 6.0, 4.0]


def test_scatter_edge_cases():
    e, t = both(np.array(3.0))
    check(e.scatter(0, ember.tensor(0), 5.0), t.scatter(0, torch.tensor(0), 5.0))
    e, t = both(arr((3, 4)))
    empty_e, empty_t = ember.zeros(0, 4, dtype=ember.int64), torch.zeros(0, 4, dtype=torch.int64)
    check(e.scatter(0, empty_e, 1.0), t.scatter(0, empty_t, 1.0))


def test_scatter_errors():
    e, t = both(arr((3, 4)), "float32")
    cases = [
        lambda L, x, i: x.scatter(1, i([[0, 9]]), L.ones(1, 5, dtype=x.dtype)),
        lambda L, x, i: x.scatter(1, i([[0, 1]]), L.ones(1, 1, dtype=x.dtype)),
        lambda L, x, i: x.scatter(1, i([[0, 1]]), L.ones(1, 5, dtype=L.float64)),
        lambda L, x, i: x.scatter(0, i([[1]]).int(), 1.0),
        lambda L, x, i: x.scatter(0, i([[1]]), 2.0, reduce="bad"),
        lambda L, x, i: x.scatter_add(1, i([[0, 9]]), L.ones(1, 5, dtype=x.dtype)),
        lambda L, x, i: x.scatter_reduce(0, i([[0]]), L.ones(1, 1, dtype=x.dtype), "bad"),
        lambda L, x, i: x.scatter(0, i([0, 1]), 1.0),
    ]
    for c in cases:
        raises_like(lambda: c(ember, e, lambda v: ember.tensor(v)), lambda: c(torch, t, lambda v: torch.tensor(v)))


def test_scatter_grads():
    ie, it = idx([[0, 1, 2, 0], [2, 2, 1, 0]])
    compare_grads(lambda x, s: x.scatter(0, ie, s), lambda x, s: x.scatter(0, it, s), [arr((3, 4)), arr((2, 4))])
    compare_grads(lambda x: x.scatter(1, ie, 2.0), lambda x: x.scatter(1, it, 2.0), [arr((3, 4))])
    compare_grads(lambda x, s: x.scatter_add(0, ie, s), lambda x, s: x.scatter_add(0, it, s), [arr((3, 4)), arr((2, 4))])
    # src larger than index: torch 1.13 fails in backward; its unread elements get zero gradient here
    x, s = ember.zeros(3, 4, requires_grad=True), ember.ones(2, 5, requires_grad=True)
    gx, gs = grad([x.scatter_add(0, ie, s)], [x, s], [ember.ones(3, 4)])
    assert gs.shape == (2, 5) and gs.tolist() == [[1, 1, 1, 1, 0], [1, 1, 1, 1, 0]]
    gradcheck(lambda x, s: x.scatter(1, ember.tensor([[0, 2], [3, 1]]), s), [arr((2, 4)), arr((3, 3))])
    gradcheck(lambda x, s: x.scatter_add(1, ember.tensor([[0, 0], [3, 1]]), s), [arr((2, 4)), arr((2, 3))])
    x = ember.zeros(3, 4, requires_grad=True)
    y = x.scatter(0, ie, 1.0, reduce="add")
    with pytest.raises(RuntimeError):
        grad([y], [x], [ember.ones(3, 4)])


REDUCES = ["sum", "prod", "mean", "amax", "amin"]


@pytest.mark.parametrize("reduce", REDUCES)
@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("dtype", ["float32", "float64", "int32", "int64", "float16"])
def test_scatter_reduce(reduce, include_self, dtype):
    e, t = both(arr((4, 3), dtype, low=-3, high=4))
    se, st = both(arr((5, 3), dtype, low=-3, high=4))
    ie, it = idx([[0, 1, 0], [0, 3, 1], [3, 3, 1], [0, 1, 0], [1, 0, 2]])
    check(e.scatter_reduce(0, ie, se, reduce, include_self=include_self),
          t.scatter_reduce(0, it, st, reduce, include_self=include_self), msg=reduce)
    ce, ct = e.clone(), t.clone()
    je, jt = idx([[0, 1], [2, 2], [2, 0], [1, 1]])
    ce.scatter_reduce_(1, je, se[:4], reduce, include_self=include_self)
    ct.scatter_reduce_(1, jt, st[:4], reduce, include_self=include_self)
    check(ce, ct, msg=reduce)


def test_scatter_reduce_nan_propagates():
    e, t = both(np.array([1.0, 2.0, 3.0]))
    se, st = both(np.array([np.nan, 5.0]))
    ie, it = idx([0, 1])
    for r in ["amax", "amin"]:
        check(e.scatter_reduce(0, ie, se, r), t.scatter_reduce(0, it, st, r))


@pytest.mark.parametrize("reduce", REDUCES)
@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce_grad(reduce, include_self):
    # ties in amax/amin and zeros in prod exercise the special cases of the formula
    x = np.array([[1.0, 2.0, 0.0], [3.0, 3.0, 1.0], [2.0, -1.0, 4.0]])
    s = np.array([[3.0, 2.0, 0.0], [1.0, 3.0, 2.0], [0.5, 3.0, 4.0], [2.0, 0.0, -2.0]])
    ie, it = idx([[1, 0, 0], [1, 1, 0], [0, 1, 2], [2, 0, 2]])
    compare_grads(lambda a, b: a.scatter_reduce(0, ie, b, reduce, include_self=include_self),
                  lambda a, b: a.scatter_reduce(0, it, b, reduce, include_self=include_self), [x, s], msg=reduce)


def test_scatter_reduce_gradcheck():
    x, s = arr((2, 3), seed=1), arr((3, 3), seed=2)
    i = ember.tensor([[0, 1, 1], [1, 1, 0], [0, 0, 0]])
    for r in ["sum", "prod", "mean", "amax"]:
        gradcheck(lambda a, b: a.scatter_reduce(0, i, b, r), [x, s])


# ---------------------------------------------------------------- index_select / index_add / index_copy / index_fill
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("dtype", ALL)
def test_index_select(dtype, layout):
    e, t = both(arr((3, 4, 5), dtype), layout=layout)
    for dim in [0, 1, 2, -1]:
        for values in [[0, 2, 2], [1], []]:
            ie, it = idx(values)
            check(e.index_select(dim, ie), t.index_select(dim, it))
            check(ember.index_select(e, dim, ie.int()), torch.index_select(t, dim, it.int()))
    check(e.index_select(1, ember.tensor(2)), t.index_select(1, torch.tensor(2)))
    e0, t0 = both(np.array(4.0))
    check(e0.index_select(0, ember.tensor([0])), t0.index_select(0, torch.tensor([0])))


def test_index_select_errors():
    e, t = both(arr((3, 4)))
    for v, dt in [([5], "int64"), ([[0]], "int64"), ([0.0], "float32"), ([3], "int32")]:
        ie, it = ember.tensor(v, dtype=getattr(ember, dt)), torch.tensor(v, dtype=getattr(torch, dt))
        raises_like(lambda: e.index_select(0, ie), lambda: t.index_select(0, it))
    raises_like(lambda: e.index_select(2, ember.tensor([0])), lambda: t.index_select(2, torch.tensor([0])))


def test_index_select_grad():
    ie, it = idx([2, 0, 2])
    compare_grads(lambda x: x.index_select(1, ie), lambda x: x.index_select(1, it), [arr((3, 4))])
    gradcheck(lambda x: x.index_select(0, ember.tensor([1, 1, 0])), [arr((2, 3))])


@pytest.mark.parametrize("dtype", ["float32", "float64", "bfloat16", "int32", "int64", "uint8"])
def test_index_add_copy_fill(dtype):
    e, t = both(arr((3, 4), dtype))
    se, st = both(arr((3, 2), dtype))
    ie, it = idx([3, 0])
    check(e.index_add(1, ie, se), t.index_add(1, it, st))
    check(e.index_add(1, ie, se, alpha=2), t.index_add(1, it, st, alpha=2))
    check(ember.index_add(e, 1, ie.int(), se), torch.index_add(t, 1, it.int(), st))
    dup_e, dup_t = idx([1, 1])
    check(e.index_add(1, dup_e, se), t.index_add(1, dup_t, st))
    check(e.index_copy(1, ie, se), t.index_copy(1, it, st))
    check(e.index_fill(1, ie, 7), t.index_fill(1, it, 7))
    check(e.index_fill(1, idx([-1])[0], 2), t.index_fill(1, idx([-1])[1], 2))
    check(e.index_fill(0, idx([1])[0], ember.tensor(3)), t.index_fill(0, idx([1])[1], torch.tensor(3)))
    for name in ["index_add_", "index_copy_"]:
        ce, ct = e.clone(), t.clone()
        getattr(ce, name)(1, ie, se)
        getattr(ct, name)(1, it, st)
        check(ce, ct, msg=name)
    ce, ct = e.clone(), t.clone()
    ce.index_fill_(0, idx([0, 2])[0], 1)
    ct.index_fill_(0, idx([0, 2])[1], 1)
    check(ce, ct)


def test_index_add_float_alpha_on_ints_truncates():
    e, t = both(np.arange(12).reshape(3, 4))
    check(e.index_add(0, idx([1])[0], ember.ones(1, 4, dtype=ember.int64), alpha=2.5),
          t.index_add(0, idx([1])[1], torch.ones(1, 4, dtype=torch.int64), alpha=2.5))


def test_index_add_copy_fill_errors():
    e, t = both(arr((3, 4)), "float32")
    cases = [
        lambda L, x, i: x.index_add(0, i([3]), L.ones(1, 4, dtype=x.dtype)),
        lambda L, x, i: x.index_add(0, i([1]), L.ones(1, 3, dtype=x.dtype)),
        lambda L, x, i: x.index_add(0, i([1]), L.ones(1, 4, dtype=L.float64)),
        lambda L, x, i: x.index_add(0, i([1]), L.ones(4, dtype=x.dtype)),
        lambda L, x, i: x.index_copy(0, i([3]), L.ones(1, 4, dtype=x.dtype)),
        lambda L, x, i: x.index_copy(0, i([1]).int(), L.ones(1, 4, dtype=x.dtype)),
        lambda L, x, i: x.index_copy(0, i([1]), L.ones(4, dtype=x.dtype)),
        lambda L, x, i: x.index_fill(0, i([3]), 1),
        lambda L, x, i: x.index_fill(0, i([1]).int(), 1),
        lambda L, x, i: x.index_fill(0, i([[1]]), 1),
        lambda L, x, i: x.index_fill(0, i([1]), L.tensor([1.0])),
    ]
    for c in cases:
        raises_like(lambda: c(ember, e, lambda v: ember.tensor(v)), lambda: c(torch, t, lambda v: torch.tensor(v)))


def test_index_add_copy_fill_grads():
    ie, it = idx([2, 0])
    compare_grads(lambda x, s: x.index_add(1, ie, s, alpha=3), lambda x, s: x.index_add(1, it, s, alpha=3),
                  [arr((3, 4)), arr((3, 2))])
    compare_grads(lambda x, s: x.index_copy(1, ie, s), lambda x, s: x.index_copy(1, it, s), [arr((3, 4)), arr((3, 2))])
    compare_grads(lambda x: x.index_fill(0, ie, 1.5), lambda x: x.index_fill(0, it, 1.5), [arr((3, 4))])
    gradcheck(lambda x, s: x.index_add(0, ember.tensor([1, 1]), s), [arr((2, 3)), arr((2, 3))])


# ---------------------------------------------------------------- index / index_put
def test_index_put_accumulate_duplicates():
    for dtype in ["float32", "float64", "int64", "int32", "bfloat16"]:
        e, t = both(np.zeros((4, 3)), dtype)
        ie, it = idx([1, 1, 3, 1])
        ve, vt = both(arr((4, 3), dtype, seed=3), dtype)
        check(e.index_put((ie,), ve, accumulate=True), t.index_put((it,), vt, accumulate=True), msg=dtype)
        check(e.index_put((ie,), ve), t.index_put((it,), vt), msg=dtype)  # last write wins
        check(ember.index_put(e, (idx([0, 0])[0], idx([2, 2])[0]), ember.ones(1, dtype=e.dtype), True),
              torch.index_put(t, (idx([0, 0])[1], idx([2, 2])[1]), torch.ones(1, dtype=t.dtype), True))
        # None keeps a dim whole (torch's Python binding does not take None here; its C++ op does)
        check(ember.index_put(e, (None, idx([0, 0])[0]), ember.ones(1, dtype=e.dtype), True),
              torch.index_put(t.t(), (idx([0, 0])[1],), torch.ones(1, dtype=t.dtype), True).t())
        ce, ct = e.clone(), t.clone()
        ce.index_put_((ie, idx([0, 1, 2, 0])[0]), ve[:, 0], accumulate=True)
        ct.index_put_((it, idx([0, 1, 2, 0])[1]), vt[:, 0], accumulate=True)
        check(ce, ct, msg=dtype)


def test_index_put_errors():
    e, t = both(arr((3, 4)), "float32")
    cases = [
        lambda L, x, i: x.index_put((i([3]),), L.tensor(1.0, dtype=x.dtype)),
        lambda L, x, i: x.index_put((i([0, 1]),), L.ones(3, dtype=x.dtype)),
        lambda L, x, i: x.index_put((i([0, 1]),), L.ones(4, dtype=L.float64)),
        lambda L, x, i: x.index_put((i([0]), i([0]), i([0])), L.tensor(1.0, dtype=x.dtype)),
    ]
    for c in cases:
        raises_like(lambda: c(ember, e, lambda v: ember.tensor(v)), lambda: c(torch, t, lambda v: torch.tensor(v)))


def test_index_put_grads():
    ie, it = idx([2, 0, 2])
    for acc in [True, False]:
        compare_grads(lambda x, v: x.index_put((ie,), v, accumulate=acc), lambda x, v: x.index_put((it,), v, accumulate=acc),
                      [arr((3, 4)), arr((3, 4))], msg=f"accumulate={acc}")
    gradcheck(lambda x, v: x.index_put((ember.tensor([1, 1]),), v, accumulate=True), [arr((2, 3)), arr((2, 3))])


# ---------------------------------------------------------------- masks
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("dtype", ALL)
def test_masked_fill(dtype, layout):
    e, t = both(arr((3, 4), dtype), layout=layout)
    me, mt = both(arr((3, 4), "bool", seed=4))
    row_e, row_t = both(np.array([True, False, True, False]))
    for value in [2, 0.5, True]:
        check(e.masked_fill(me, value), t.masked_fill(mt, value), msg=str(value))
        check(ember.masked_fill(e, row_e, value), torch.masked_fill(t, row_t, value), msg=str(value))
    check(e.masked_fill(me, ember.tensor(3)), t.masked_fill(mt, torch.tensor(3)))
    check(e.masked_fill(me, ember.tensor(1.5)), t.masked_fill(mt, torch.tensor(1.5)))
    check(e.masked_fill(me.byte(), 1), t.masked_fill(mt.byte(), 1))
    ce, ct = e.clone(), t.clone()
    ce.masked_fill_(row_e, 1)
    ct.masked_fill_(row_t, 1)
    check(ce, ct)


def test_masked_fill_broadcasts_self():
    e, t = both(np.ones((1, 4)))
    me, mt = both(np.array([[True], [False]]))
    check(e.masked_fill(me, 0.0), t.masked_fill(mt, 0.0))


def test_masked_fill_errors():
    e, t = both(arr((3, 4)))
    me, mt = both(np.array([True, False, True, False]))
    raises_like(lambda: e.masked_fill(me, ember.tensor([1.0])), lambda: t.masked_fill(mt, torch.tensor([1.0])))
    raises_like(lambda: e.masked_fill(ember.tensor([True, False]), 1.0), lambda: t.masked_fill(torch.tensor([True, False]), 1.0))
    with pytest.raises(RuntimeError):
        e.masked_fill(ember.tensor([1, 0, 1, 0]), 1.0)  # torch 1.13 silently misreads int64 masks
    raises_like(lambda: e.masked_fill_(ember.tensor([[True]] * 5), 1.0), lambda: t.masked_fill_(torch.tensor([[True]] * 5), 1.0))


def test_masked_fill_grad():
    me, mt = both(arr((3, 4), "bool", seed=5))
    compare_grads(lambda x: x.masked_fill(me, 2.0), lambda x: x.masked_fill(mt, 2.0), [arr((3, 4))])


@needs_sum
def test_masked_fill_value_grad():
    me, mt = both(arr((3, 4), "bool", seed=5))
    compare_grads(lambda x, v: x.masked_fill(me, v), lambda x, v: x.masked_fill(mt, v), [arr((3, 4)), np.array(2.0)])


@pytest.mark.parametrize("dtype", ALL)
def test_masked_select_scatter(dtype):
    e, t = both(arr((3, 4), dtype))
    me, mt = both(arr((3, 4), "bool", seed=6))
    row_e, row_t = both(np.array([True, False, True, True]))
    check(e.masked_select(me), t.masked_select(mt))
    check(ember.masked_select(e, row_e), torch.masked_select(t, row_t))
    check(e[0].masked_select(me), t[0].masked_select(mt))  # self broadcast to the mask
    check(e.masked_select(me.byte()), t.masked_select(mt.byte()))
    se, st = both(arr((4, 5), dtype, seed=7))
    check(e.masked_scatter(me, se), t.masked_scatter(mt, st))
    check(e[0].masked_scatter(me, se), t[0].masked_scatter(mt, st))
    ce, ct = e.clone(), t.clone()
    ce.masked_scatter_(row_e, se)
    ct.masked_scatter_(row_t, st)
    check(ce, ct)


def test_masked_select_scatter_errors():
    e, t = both(arr((3, 4)))
    raises_like(lambda: e.masked_select(ember.tensor([1, 0, 1, 0])), lambda: t.masked_select(torch.tensor([1, 0, 1, 0])))
    raises_like(lambda: e.masked_scatter(ember.ones(3, 4, dtype=ember.bool), ember.ones(5)),
                lambda: t.masked_scatter(torch.ones(3, 4, dtype=torch.bool), torch.ones(5)))
    raises_like(lambda: e.masked_scatter(ember.ones(3, 4, dtype=ember.bool), ember.ones(12, dtype=ember.int64)),
                lambda: t.masked_scatter(torch.ones(3, 4, dtype=torch.bool), torch.ones(12, dtype=torch.int64)))


def test_masked_select_scatter_grads():
    me, mt = both(arr((3, 4), "bool", seed=8))
    compare_grads(lambda x: x.masked_select(me), lambda x: x.masked_select(mt), [arr((3, 4))])
    compare_grads(lambda x, s: x.masked_scatter(me, s), lambda x, s: x.masked_scatter(mt, s), [arr((3, 4)), arr((2, 7))])
    gradcheck(lambda x, s: x.masked_scatter(me, s), [arr((3, 4)), arr((13,))])


# ---------------------------------------------------------------- take / take_along_dim
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("dtype", ["float32", "float16", "int64", "uint8", "bool"])
def test_take(dtype, layout):
    e, t = both(arr((3, 4), dtype), layout=layout)
    for v in [[0, 11, -1, 5], [[1, 2], [3, -12]], [], 7]:
        ie, it = idx(v)
        check(e.take(ie), t.take(it))
        check(ember.take(e, ie), torch.take(t, it))
    raises_like(lambda: e.take(ember.tensor([12])), lambda: t.take(torch.tensor([12])))
    raises_like(lambda: e.take(ember.tensor([1], dtype=ember.int32)), lambda: t.take(torch.tensor([1], dtype=torch.int32)))


def test_take_along_dim():
    e, t = both(arr((3, 4)))
    for ind, dim in [([[0], [1], [2]], 1), ([[0, 1, 2, 0]], 0), ([[3, 1]] * 3, 1), ([5, 1, 11], None), ([[2]], 0)]:
        ie, it = idx(ind)
        check(ember.take_along_dim(e, ie, dim), torch.take_along_dim(t, it, dim), msg=str(ind))
        check(e.take_along_dim(ie, dim=dim), t.take_along_dim(it, dim=dim))
    for ind, dim in [([[0], [1]], 1), ([0], 1), ([[0]], 2)]:
        ie, it = idx(ind)
        raises_like(lambda: ember.take_along_dim(e, ie, dim), lambda: torch.take_along_dim(t, it, dim))


def test_take_grads():
    ie, it = idx([[0, 5], [5, -1]])
    compare_grads(lambda x: x.take(ie), lambda x: x.take(it), [arr((2, 3))])
    ae, at = idx([[0, 2], [1, 1]])
    compare_grads(lambda x: x.take_along_dim(ae, 1), lambda x: x.take_along_dim(at, 1), [arr((2, 3))])
    gradcheck(lambda x: x.take(ember.tensor([1, 1, 4])), [arr((2, 3))])
    gradcheck(lambda x: x.take(ember.tensor([0, 0])), [np.array(1.5)])


@needs_sum
def test_take_along_dim_broadcast_grad():
    ae, at = idx([[0], [1], [2]])
    compare_grads(lambda x: x.take_along_dim(ae, 1), lambda x: x.take_along_dim(at, 1), [arr((1, 4))])


# ---------------------------------------------------------------- nonzero
@pytest.mark.parametrize("dtype", ALL)
def test_nonzero(dtype):
    a = arr((3, 4, 2), dtype, low=-1, high=2)
    for layout in LAYOUTS:
        e, t = both(a, layout=layout)
        check(e.nonzero(), t.nonzero())
        check(ember.nonzero(e, as_tuple=True), torch.nonzero(t, as_tuple=True))
        check(ember.argwhere(e), torch.argwhere(t))
    for v in [np.array(5.0), np.array(0.0), np.zeros((0, 3)), np.array([np.nan, 0.0])]:
        e, t = both(v)
        check(e.nonzero(), t.nonzero())
        check(e.nonzero(as_tuple=True), t.nonzero(as_tuple=True))
    check(ember.where(ember.tensor([0, 1, 1])), torch.where(torch.tensor([0, 1, 1])))


# ---------------------------------------------------------------- sort / topk / kthvalue
@pytest.mark.parametrize("dtype", ALL)
def test_sort_values_and_stable_indices(dtype):
    a = arr((4, 9), dtype, low=-3, high=3)  # many ties
    for layout in LAYOUTS:
        e, t = both(a, layout=layout)
        for dim in [0, 1, -1]:
            for desc in [False, True]:
                re_ = e.sort(dim=dim, descending=desc, stable=True)
                rt = t.sort(dim=dim, descending=desc, stable=True)
                check(re_.values, rt.values)
                check(re_.indices, rt.indices)
                check(e.argsort(dim, descending=desc, stable=True), torch.argsort(t, dim=dim, descending=desc, stable=True))
                check(ember.sort(e, dim, desc).values, torch.sort(t, dim, desc).values)
    check(ember.msort(e), torch.msort(t))


def test_sort_nan_order_and_special_shapes():
    a = np.array([3.0, np.nan, -np.inf, 1.0, np.nan, np.inf, 1.0])
    e, t = both(a)
    for desc in [False, True]:
        re_, rt = e.sort(descending=desc, stable=True), t.sort(descending=desc, stable=True)
        check(re_.values, rt.values)
        check(re_.indices, rt.indices)
    v, i = ember.sort(ember.tensor(2.0))
    check(v, torch.tensor(2.0))
    check(i, torch.tensor(0))
    e, t = both(np.zeros((0, 3)))
    check(tuple(e.sort(0)), tuple(t.sort(0)))
    assert type(e.sort()).__name__ == "sort" and e.sort()._fields == ("values", "indices")


def test_sort_grads():
    compare_grads(lambda x: x.sort(1).values, lambda x: x.sort(1).values, [arr((3, 5))])
    compare_grads(lambda x: x.sort(0, descending=True)[0], lambda x: x.sort(0, descending=True)[0], [arr((3, 5))])
    gradcheck(lambda x: x.sort(1)[0], [arr((2, 4))])


@pytest.mark.parametrize("dtype", ["float32", "float64", "bfloat16", "int32", "int64", "uint8"])
def test_topk(dtype):
    a = rng.permutation(60).reshape(3, 4, 5).astype("float32" if dtype == "bfloat16" else dtype)  # distinct values
    if dtype in ("float16", "bfloat16"):
        a = a / 4
    e, t = both(a, dtype if dtype == "bfloat16" else None)
    for k, dim, largest in [(2, -1, True), (1, 0, False), (4, 1, True), (0, 2, True), (5, 2, False)]:
        re_, rt = e.topk(k, dim, largest=largest), t.topk(k, dim, largest=largest)
        check(re_.values, rt.values)
        check(re_.indices, rt.indices)
        rs = ember.topk(e, k, dim, largest, sorted=False)
        ts = torch.topk(t, k, dim, largest, sorted=False)
        check(rs.values.sort(dim)[0], ts.values.sort(dim)[0])
    raises_like(lambda: e.topk(6, 2), lambda: t.topk(6, 2))
    raises_like(lambda: e.topk(-1), lambda: t.topk(-1))
    e0, t0 = both(np.array(3.0))
    check(tuple(e0.topk(1)), tuple(t0.topk(1)))
    en, tn = both(np.array([1.0, np.nan, 3.0]))
    check(en.topk(2).values, tn.topk(2).values)


def test_topk_grads():
    a = rng.permutation(20).reshape(4, 5).astype("float64")
    compare_grads(lambda x: x.topk(2, 1).values, lambda x: x.topk(2, 1).values, [a])
    compare_grads(lambda x: x.topk(3, 0, largest=False)[0], lambda x: x.topk(3, 0, largest=False)[0], [a])
    gradcheck(lambda x: x.topk(2)[0], [a[:2]])


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "int16"])
def test_kthvalue(dtype):
    a = rng.permutation(60).reshape(3, 4, 5).astype(dtype)
    e, t = both(a)
    for k, dim, keepdim in [(1, -1, False), (3, 0, True), (4, 1, False), (5, 2, True)]:
        re_, rt = e.kthvalue(k, dim, keepdim), t.kthvalue(k, dim, keepdim=keepdim)
        check(re_.values, rt.values)
        check(re_.indices, rt.indices)
    raises_like(lambda: e.kthvalue(6, 2), lambda: t.kthvalue(6, 2))
    raises_like(lambda: e.kthvalue(0), lambda: t.kthvalue(0))
    e0, t0 = both(np.array(3.0))
    check(tuple(e0.kthvalue(1)), tuple(t0.kthvalue(1)))
    check(tuple(ember.kthvalue(ember.tensor([[3.0]]), 1)), tuple(torch.kthvalue(torch.tensor([[3.0]]), 1)))


def test_kthvalue_grads():
    a = rng.permutation(20).reshape(4, 5).astype("float64")
    for keepdim in [False, True]:
        compare_grads(lambda x: x.kthvalue(2, 1, keepdim).values, lambda x: x.kthvalue(2, 1, keepdim=keepdim).values, [a])
    gradcheck(lambda x: x.kthvalue(2, 0)[0], [a[:3, :2]])


# ---------------------------------------------------------------- unique
@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "int8", "uint8", "bool", "bfloat16"])
def test_unique(dtype):
    a = arr((4, 6), dtype, low=-3, high=3)
    for layout in LAYOUTS:
        e, t = both(a, dtype if dtype == "bfloat16" else None, layout=layout)
        check(ember.unique(e), torch.unique(t))
        check(e.unique(return_inverse=True, return_counts=True), t.unique(return_inverse=True, return_counts=True))
        check(ember.unique(e, return_counts=True), torch.unique(t, return_counts=True))
        check(ember.unique(e, sorted=False, return_inverse=True)[0].sort()[0], torch.unique(t, sorted=False).sort()[0])
        check(ember.unique_consecutive(e, return_inverse=True, return_counts=True),
              torch.unique_consecutive(t, return_inverse=True, return_counts=True))


def test_unique_dim():
    a = np.array([[1, 2, 1], [0, 5, 0], [1, 2, 1], [0, 5, 1]])
    e, t = both(a)
    for dim in [0, 1, -1]:
        check(ember.unique(e, dim=dim, return_inverse=True, return_counts=True),
              torch.unique(t, dim=dim, return_inverse=True, return_counts=True), msg=str(dim))
        check(ember.unique_consecutive(e, dim=dim, return_inverse=True, return_counts=True),
              torch.unique_consecutive(t, dim=dim, return_inverse=True, return_counts=True), msg=str(dim))
    e, t = both(np.zeros((0, 3)))
    check(ember.unique(e, dim=0, return_inverse=True, return_counts=True),
          torch.unique(t, dim=0, return_inverse=True, return_counts=True))
    raises_like(lambda: ember.unique(ember.zeros(3, 0), dim=0), lambda: torch.unique(torch.zeros(3, 0), dim=0))
    raises_like(lambda: ember.unique(ember.tensor(3.0), dim=0), lambda: torch.unique(torch.tensor(3.0), dim=0))


def test_unique_special():
    e, t = both(np.array(3.0))
    check(ember.unique(e, return_inverse=True, return_counts=True), torch.unique(t, return_inverse=True, return_counts=True))
    check(ember.unique_consecutive(e, return_inverse=True, return_counts=True),
          torch.unique_consecutive(t, return_inverse=True, return_counts=True))
    e, t = both(np.zeros((0,)))
    check(ember.unique(e, return_inverse=True, return_counts=True), torch.unique(t, return_inverse=True, return_counts=True))
    # NaN equals nothing, so each NaN is its own value (torch's own answer here is inconsistent)
    v, inv, cnt = ember.unique(ember.tensor([np.nan, 1.0, np.nan, 1.0]), return_inverse=True, return_counts=True)
    assert np.isnan(v.numpy()[1:]).all() and v.numpy()[0] == 1.0
    assert inv.tolist() == [1, 0, 2, 0] and cnt.tolist() == [2, 1, 1]
    check(ember.unique_consecutive(ember.tensor([np.nan, np.nan, 1.0, 1.0]), return_inverse=True, return_counts=True),
          torch.unique_consecutive(torch.tensor([np.nan, np.nan, 1.0, 1.0]), return_inverse=True, return_counts=True))


# ---------------------------------------------------------------- bincount / searchsorted / bucketize / histc / one_hot / isin
def test_bincount():
    for dtype in ["int64", "int32", "int8", "uint8", "int16"]:
        e, t = both(np.array([0, 3, 1, 3, 3]), dtype)
        check(e.bincount(), t.bincount())
        check(ember.bincount(e, minlength=7), torch.bincount(t, minlength=7))
        for wdt in ["float32", "float64", "float16", "int64"]:
            we, wt = both(np.array([0.5, 1.0, 2.0, -1.0, 3.0]), wdt)
            check(e.bincount(we), t.bincount(wt), msg=wdt)
    check(ember.bincount(ember.tensor([], dtype=ember.int64)), torch.bincount(torch.tensor([], dtype=torch.int64)))
    check(ember.bincount(ember.tensor([], dtype=ember.int64), minlength=3), torch.bincount(torch.tensor([], dtype=torch.int64), minlength=3))
    for v, kw in [([0, -1], {}), ([[0, 1]], {}), ([0.0, 1.0], {}), ([True], {}), ([1, 2], {"minlength": -1}),
                  ([1, 2], {"weights": [1.0]})]:
        def run(L):
            w = L.tensor(kw["weights"]) if "weights" in kw else None
            return L.bincount(L.tensor(v), w, minlength=kw.get("minlength", 0))
        raises_like(lambda: run(ember), lambda: run(torch))


def test_searchsorted_bucketize():
    se, st = both(np.array([1, 3, 5, 7]))
    ve, vt = both(np.array([[0, 3, 4], [7, 8, 5]]))
    for right in [False, True]:
        check(ember.searchsorted(se, ve, right=right), torch.searchsorted(st, vt, right=right))
        check(ember.bucketize(ve, se, right=right), torch.bucketize(vt, st, right=right))
    check(ember.searchsorted(se, ve, out_int32=True), torch.searchsorted(st, vt, out_int32=True))
    check(ember.searchsorted(se, ve, side="right"), torch.searchsorted(st, vt, side="right"))
    check(ember.searchsorted(se, 4), torch.searchsorted(st, 4))
    check(ember.bucketize(4, se), torch.bucketize(4, st))
    fe, ft = both(np.array([0.5, 3.0, 9.0, np.nan]))
    check(ember.searchsorted(se, fe), torch.searchsorted(st, ft))
    check(ember.searchsorted(fe[:3], fe), torch.searchsorted(ft[:3], ft))
    me, mt = both(np.array([[1, 3, 5], [2, 4, 6]]))
    qe, qt = both(np.array([[2, 5], [2, 7]]))
    check(ember.searchsorted(me, qe, right=True), torch.searchsorted(mt, qt, right=True))
    ue, ut = both(np.array([5, 1, 3]))
    oe, ot = both(np.array([1, 2, 0]))
    check(ember.searchsorted(ue, ve, sorter=oe), torch.searchsorted(ut, vt, sorter=ot))
    be, bt = both(np.array([[1, 2]] * 3))
    raises_like(lambda: ember.searchsorted(me, be), lambda: torch.searchsorted(mt, bt))
    raises_like(lambda: ember.searchsorted(ember.tensor(1), ve), lambda: torch.searchsorted(torch.tensor(1), vt))
    raises_like(lambda: ember.searchsorted(se, ve, side="left", right=True), lambda: torch.searchsorted(st, vt, side="left", right=True))
    raises_like(lambda: ember.bucketize(ve, me), lambda: torch.bucketize(vt, mt))


def test_histc():
    for dtype in ["float32", "float64"]:
        e, t = both(arr((50,), dtype, seed=9))
        check(e.histc(), t.histc())
        check(ember.histc(e, bins=7, min=-2, max=3), torch.histc(t, bins=7, min=-2, max=3))
        check(ember.histc(e, bins=4, min=1, max=1), torch.histc(t, bins=4, min=1, max=1))
        check(ember.histc(ember.tensor([2.0, 2.0]), bins=4), torch.histc(torch.tensor([2.0, 2.0]), bins=4))
        check(ember.histc(ember.tensor([]), bins=3), torch.histc(torch.tensor([]), bins=3))
        edges_e, edges_t = both(np.array([0.0, 0.25, 0.5, 0.75, 1.0]), dtype)
        check(ember.histc(edges_e, bins=4, min=0, max=1), torch.histc(edges_t, bins=4, min=0, max=1))
    for call in [lambda L: L.histc(L.tensor([1, 2, 3])), lambda L: L.histc(L.tensor([1.0]), bins=0),
                 lambda L: L.histc(L.tensor([1.0]), bins=3, min=3, max=1), lambda L: L.histc(L.tensor([1.0, float("nan")]))]:
        raises_like(lambda: call(ember), lambda: call(torch))


def test_one_hot():
    for v, n in [([0, 2, 1], -1), ([[0, 1], [3, 3]], 5), (2, 3), ([], 3)]:
        e, t = both(np.array(v, dtype="int64"))
        check(ember.one_hot(e, n), torch.nn.functional.one_hot(t, n))
    for v, n, dt in [([0, 2], -1, "int32"), ([-1, 2], -1, "int64"), ([0, 2], 2, "int64"), ([], -1, "int64")]:
        e, t = both(np.array(v, dtype=dt))
        raises_like(lambda: ember.one_hot(e, n), lambda: torch.nn.functional.one_hot(t, n))


def test_isin():
    e, t = both(np.array([[1, 2, 3], [4, 5, 6]]))
    te, tt = both(np.array([2, 6, 9]))
    check(ember.isin(e, te), torch.isin(t, tt))
    check(ember.isin(e, te, invert=True), torch.isin(t, tt, invert=True))
    check(ember.isin(e, 2), torch.isin(t, 2))
    check(ember.isin(2, te), torch.isin(2, tt))
    fe, ft = both(np.array([2.0, 2.5, np.nan]))
    check(ember.isin(e, fe), torch.isin(t, ft))
    check(ember.isin(fe, fe), torch.isin(ft, ft))
    check(ember.isin(ember.zeros(0), te), torch.isin(torch.zeros(0), tt))


# ---------------------------------------------------------------- gradients of gradients
DOUBLE_BACKWARD = {
    "gather": lambda L, x: x.gather(1, L.tensor([[0, 0, 3], [2, 1, 1], [3, 3, 0]])),
    "index_select": lambda L, x: x.index_select(1, L.tensor([2, 0, 2])),
    "index": lambda L, x: x[L.tensor([0, 2, 0])],
    "masked_fill": lambda L, x: x.masked_fill(x.detach() > 0, 1.0),
    "take": lambda L, x: x.take(L.tensor([[0, 5], [11, 5]])),
    "sort": lambda L, x: x.sort(1).values,
    "topk": lambda L, x: x.topk(2, 0).values,
    "kthvalue": lambda L, x: x.kthvalue(2, 1).values,
    "scatter_add": lambda L, x: L.zeros(4, 4, dtype=x.dtype).scatter_add(0, L.tensor([[0, 1, 1, 3], [3, 3, 0, 1]]), x[:2]),
    "index_put": lambda L, x: L.zeros(5, 4, dtype=x.dtype).index_put((L.tensor([1, 1, 4]),), x, accumulate=True),
    "masked_select": lambda L, x: x.masked_select(x.detach() < 0),
}


@pytest.mark.parametrize("name", sorted(DOUBLE_BACKWARD))
def test_double_backward(name):
    """The backward formulas are ember ops, so the gradient of a gradient matches torch."""
    fn = DOUBLE_BACKWARD[name]
    a = np.random.default_rng(11).permutation(12).reshape(3, 4) - 5.5
    e, t = ember.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    ye, yt = fn(ember, e), fn(torch, t)
    g = np.random.default_rng(12).standard_normal(tuple(yt.shape))
    ge_in, gt_in = ember.tensor(g, requires_grad=True), torch.tensor(g, requires_grad=True)
    (ge,) = grad([ye], [e], [ge_in], create_graph=True)
    (gt,) = grad([yt], [t], [gt_in], create_graph=True)
    check(ge, gt, msg=name)
    h = np.random.default_rng(13).standard_normal(a.shape)
    (gge,) = grad([ge], [ge_in], [ember.tensor(h)])
    (ggt,) = grad([gt], [gt_in], [torch.tensor(h)])
    check(gge, ggt, msg=name)


# ---------------------------------------------------------------- 0-d and empty inputs
ZERO_D_AND_EMPTY = [
    lambda L: L.tensor(2.0).index_add(0, L.tensor([0]), L.tensor([3.0])),
    lambda L: L.tensor(2.0).index_copy(0, L.tensor([0]), L.tensor(3.0)),
    lambda L: L.tensor(2.0).index_fill(0, L.tensor(0), 5.0),
    lambda L: L.tensor(2.0).masked_fill(L.tensor(True), 5.0),
    lambda L: L.tensor(2.0).masked_fill(L.tensor([True, False]), 5.0),
    lambda L: L.tensor(2.0).masked_select(L.tensor(True)),
    lambda L: L.tensor(2.0).masked_scatter(L.tensor(True), L.tensor([7.0, 8.0])),
    lambda L: L.tensor(2.0).take(L.tensor([0, -1])),
    lambda L: L.tensor(2.0).scatter_add(0, L.tensor(0), L.tensor(3.0)),
    lambda L: L.tensor(2.0).scatter_reduce(0, L.tensor(0), L.tensor(3.0), "amax"),
    lambda L: L.tensor(2.0).kthvalue(1)[0],
    lambda L: L.zeros(0, 3).index_select(0, L.tensor([], dtype=L.int64)),
    lambda L: L.zeros(2, 0).index_select(1, L.tensor([], dtype=L.int64)),
    lambda L: L.zeros(0, 3).index_add(0, L.tensor([], dtype=L.int64), L.zeros(0, 3)),
    lambda L: L.zeros(0, 3).masked_fill(L.zeros(0, 3, dtype=L.bool), 1.0),
    lambda L: L.zeros(0, 3).masked_select(L.zeros(0, 3, dtype=L.bool)),
    lambda L: L.zeros(2, 3).masked_scatter(L.zeros(2, 3, dtype=L.bool), L.zeros(0)),
    lambda L: L.zeros(0, 3).take(L.tensor([], dtype=L.int64)),
    lambda L: L.zeros(0, 3).gather(1, L.zeros(0, 3, dtype=L.int64)),
    lambda L: L.zeros(0, 3).scatter(1, L.zeros(0, 3, dtype=L.int64), 1.0),
    lambda L: L.zeros(0, 3).scatter_reduce(1, L.zeros(0, 3, dtype=L.int64), L.zeros(0, 3), "mean"),
    lambda L: tuple(L.zeros(0, 3).topk(0, 0)),
    lambda L: tuple(L.zeros(2, 0).sort(1)),
    lambda L: L.zeros(0, 3).argsort(0),
    lambda L: L.zeros(0, 3).nonzero(),
    lambda L: L.searchsorted(L.tensor([1.0, 2.0]), L.zeros(0)),
    lambda L: L.bucketize(L.zeros(2, 0), L.tensor([1.0])),
    lambda L: L.isin(L.tensor([1, 2]), L.tensor([], dtype=L.int64)),
    lambda L: L.zeros(0, 3).index_put((L.tensor([], dtype=L.int64),), L.tensor(1.0)),
    lambda L: L.zeros(3, 2).index_put((L.tensor([], dtype=L.int64),), L.tensor(1.0), accumulate=True),
    lambda L: L.unique_consecutive(L.zeros(0)),
]


@pytest.mark.parametrize("case", range(len(ZERO_D_AND_EMPTY)))
def test_zero_dim_and_empty(case):
    fn = ZERO_D_AND_EMPTY[case]
    check(fn(ember), fn(torch), msg=str(case))
