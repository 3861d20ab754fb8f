"""Reductions compared with real PyTorch: values, dtypes, shapes, errors, gradients,
gradchecks in float64, and bit-identical results whatever the thread count.

Inputs are built from one NumPy array shared by both libraries, so every layout
(contiguous, transposed, sliced, expanded) is exactly the same data in each.
"""
import math

import numpy as np
import pytest

from oracle import DTYPES, FLOAT_DTYPES, INT_DTYPES, check, ember, random_array, to_numpy, torch

LAYOUTS = ["contiguous", "transposed", "sliced", "expanded"]
# broadcast NumPy views are read-only; both libraries only read them here
pytestmark = pytest.mark.filterwarnings("ignore:The given NumPy array is not writable")


def make(shape, dtype="float32", layout="contiguous", seed=0, low=-3.0, high=3.0, array=None):
    """(ember, torch) tensors holding the same values with the same memory layout."""
    rng = np.random.default_rng(seed)
    shape = tuple(shape)
    if array is not None:
        a = array
    elif layout == "contiguous" or len(shape) == 0:
        a = random_array(shape, dtype, rng, low, high)
    elif layout == "transposed":
        a = np.ascontiguousarray(random_array(shape[::-1], dtype, rng, low, high)).transpose()
    elif layout == "sliced":
        big = random_array(tuple(2 * s for s in shape), dtype, rng, low, high)
        a = big[tuple(slice(None, None, 2) for _ in shape)]
    elif layout == "expanded":
        a = np.broadcast_to(random_array((1,) + shape[1:], dtype, rng, low, high), shape)
    else:
        raise ValueError(layout)
    e, t = ember.from_numpy(a), torch.from_numpy(a)
    if dtype == "bfloat16":
        e, t = e.to(ember.bfloat16), t.to(torch.bfloat16)
    return e, t


def leaf(e, t):
    """Copies that require grad (float64 keeps finite differences and comparisons tight)."""
    return e.detach().clone().requires_grad_(True), t.detach().clone().requires_grad_(True)


def tol(dtype):
    return {"float16": (3e-3, 3e-3), "bfloat16": (2e-2, 2e-2), "float32": (1e-5, 1e-5)}.get(dtype, (1e-7, 1e-7))


def _half(r, dtype):
    """A float32 reference result cast back to a 16-bit dtype (floating results only)."""
    if isinstance(r, tuple):
        items = [_half(x, dtype) for x in r]
        return type(r)(*items) if hasattr(r, "_fields") else tuple(items)
    return r.to(dtype) if r.is_floating_point() else r


def compare(fn, e, t, rtol=None, atol=None, msg=""):
    """fn(lib, x) on both libraries: same result, or the same exception type.
    Where torch has no float16/bfloat16 CPU kernel ember still computes: compare with torch in float32."""
    try:
        expected = fn(torch, t)
    except Exception as exc:  # noqa: BLE001 - the oracle decides what is an error
        if t.dtype in (torch.float16, torch.bfloat16) and "not implemented for" in str(exc):
            expected = _half(fn(torch, t.float()), t.dtype)
        else:
            with pytest.raises(type(exc)):
                fn(ember, e)
            return
    got = fn(ember, e)
    check(got, expected, rtol=rtol, atol=atol, msg=msg)
    return got, expected


def e_backward(out, grad):
    ember._C._run_backward([out], [grad])


def e_grad(outputs, inputs, grads, create_graph=False):
    return ember._C._run_grad(list(outputs), list(inputs), list(grads), None, create_graph, False)


def compare_grad(fn, shape=(3, 4, 5), layout="contiguous", dtype="float64", seed=1, rtol=1e-6, atol=1e-7, array=None,
                 msg=""):
    """Forward then backward with the same random output gradient in both libraries; compare input grads."""
    e, t = leaf(*make(shape, dtype, layout, seed=seed, array=array))
    te, tt = fn(ember, e), fn(torch, t)
    if isinstance(tt, tuple):
        te, tt = te[0], tt[0]
    g = np.random.default_rng(seed + 7).uniform(-1, 1, size=tuple(tt.shape)).astype(dtype)
    tt.backward(torch.from_numpy(g.copy()))
    e_backward(te, ember.from_numpy(g.copy()))
    check(e.grad, t.grad, rtol=rtol, atol=atol, msg=msg)


# ---------------------------------------------------------------- dims, keepdim, layouts
DIM_CASES = [None, 0, -1, (0, 2), [1, -1], [], (2, 0, 1)]


def call_dims(op, dim, keepdim):
    def fn(lib, x):
        if op == "count_nonzero":
            return x.count_nonzero() if dim is None else x.count_nonzero(dim=dim)
        if op == "logsumexp":
            return x.logsumexp(dim if dim is not None else (0, 1, 2), keepdim=keepdim)
        if op == "amax" or op == "amin":
            return getattr(x, op)(dim=() if dim is None else dim, keepdim=keepdim)
        if dim is None:
            return getattr(x, op)()
        return getattr(x, op)(dim=dim, keepdim=keepdim)
    return fn


@pytest.mark.parametrize("op", ["sum", "mean", "nansum", "nanmean", "amax", "amin", "logsumexp", "count_nonzero", "var",
                                "std", "norm"])
@pytest.mark.parametrize("layout", LAYOUTS)
def test_dims_and_layouts(op, layout):
    e, t = make((3, 4, 5), "float32", layout)
    for dim in DIM_CASES:
        if op == "logsumexp" and isinstance(dim, list) and not dim:
            continue  # torch 1.13 rejects an empty list there (a bug); ember reduces everything
        for keepdim in (False, True):
            compare(call_dims(op, dim, keepdim), e, t, msg=f"{op} dim={dim} keepdim={keepdim}")


def test_sum_to_broadcast_gradients():
    # sum_to is what the engine uses to undo broadcasting; check it through add's backward.
    for a_shape, b_shape in [((3, 1), (4, 3, 5)), ((1,), (2, 3)), ((), (2, 3)), ((5,), (4, 1, 5)), ((2, 1, 1), (2, 3, 4))]:
        ea, ta = leaf(*make(a_shape, "float64", seed=2))
        eb, tb = leaf(*make(b_shape, "float64", seed=3))
        te, tt = ember.add(ea, eb), torch.add(ta, tb)
        g = np.random.default_rng(0).uniform(-1, 1, size=tuple(tt.shape))
        tt.backward(torch.from_numpy(g.copy()))
        e_backward(te, ember.from_numpy(g.copy()))
        check(ea.grad, ta.grad, msg=f"{a_shape} + {b_shape}")
        check(eb.grad, tb.grad, msg=f"{a_shape} + {b_shape}")


# ---------------------------------------------------------------- dtypes
DTYPE_OPS = {
    "sum": lambda lib, x: x.sum(),
    "sum_dim": lambda lib, x: x.sum(1),
    "sum_dtype": lambda lib, x: x.sum(0, dtype=lib.float64),
    "mean": lambda lib, x: x.mean(1),
    "mean_dtype": lambda lib, x: x.mean(dtype=lib.float64),
    "nansum": lambda lib, x: x.nansum(0),
    "nanmean": lambda lib, x: x.nanmean(),
    "prod": lambda lib, x: x.prod(),
    "prod_dim": lambda lib, x: x.prod(1, keepdim=True),
    "prod_dtype": lambda lib, x: x.prod(0, dtype=lib.int32),
    "amax": lambda lib, x: x.amax(1),
    "amin": lambda lib, x: x.amin(),
    "max": lambda lib, x: x.max(),
    "min_dim": lambda lib, x: x.min(0),
    "argmax": lambda lib, x: x.argmax(),
    "argmin_dim": lambda lib, x: x.argmin(1),
    "var": lambda lib, x: x.var(0),
    "std": lambda lib, x: x.std(),
    "norm": lambda lib, x: x.norm(),
    "logsumexp": lambda lib, x: x.logsumexp(1),
    "all": lambda lib, x: x.all(),
    "any_dim": lambda lib, x: x.any(0),
    "count_nonzero": lambda lib, x: lib.count_nonzero(x, dim=1),
    "cumsum": lambda lib, x: x.cumsum(1),
    "cumsum_dtype": lambda lib, x: x.cumsum(0, dtype=lib.float64),
    "cumprod": lambda lib, x: x.cumprod(0),
    "cummax": lambda lib, x: x.cummax(1),
    "cummin": lambda lib, x: x.cummin(0),
    "logcumsumexp": lambda lib, x: x.logcumsumexp(1),
    "softmax": lambda lib, x: x.softmax(1),
    "softmax_dtype": lambda lib, x: x.softmax(0, dtype=lib.float64),
    "log_softmax": lambda lib, x: x.log_softmax(0),
    "median": lambda lib, x: x.median(),
    "median_dim": lambda lib, x: x.median(1),
    "mode": lambda lib, x: x.mode(0),
    "quantile": lambda lib, x: x.quantile(0.3),
    "aminmax": lambda lib, x: lib.aminmax(x, dim=1),
}


@pytest.mark.parametrize("dtype", DTYPES)
def test_result_dtypes(dtype):
    e, t = make((3, 4), dtype, low=0.5, high=2.0)
    rtol, atol = tol(dtype)
    for name, fn in DTYPE_OPS.items():
        compare(fn, e, t, rtol=rtol, atol=atol, msg=f"{name} {dtype}")


# ---------------------------------------------------------------- empty and 0-d inputs
SHAPE_OPS = {
    "sum": lambda lib, x: x.sum(), "sum0": lambda lib, x: x.sum(0), "sum_k": lambda lib, x: x.sum(-1, keepdim=True),
    "mean": lambda lib, x: x.mean(), "mean0": lambda lib, x: x.mean(0), "prod0": lambda lib, x: x.prod(0),
    "amax": lambda lib, x: x.amax(), "amax0": lambda lib, x: x.amax(0), "amin_last": lambda lib, x: x.amin(-1),
    "max": lambda lib, x: x.max(), "max0": lambda lib, x: x.max(0), "min_last": lambda lib, x: x.min(-1),
    "argmax": lambda lib, x: x.argmax(), "argmax0": lambda lib, x: x.argmax(0),
    "argmin_k": lambda lib, x: x.argmin(-1, keepdim=True),
    "var": lambda lib, x: x.var(), "var0": lambda lib, x: x.var(0), "std_last": lambda lib, x: x.std(-1),
    "norm": lambda lib, x: x.norm(), "logsumexp0": lambda lib, x: x.logsumexp(0),
    "all": lambda lib, x: x.all(), "any0": lambda lib, x: x.any(0), "cnz": lambda lib, x: lib.count_nonzero(x),
    "cumsum0": lambda lib, x: x.cumsum(0), "cumprod_last": lambda lib, x: x.cumprod(-1),
    "cummax0": lambda lib, x: x.cummax(0), "lcse0": lambda lib, x: x.logcumsumexp(0),
    "softmax0": lambda lib, x: x.softmax(0), "log_softmax_last": lambda lib, x: x.log_softmax(-1),
    "median": lambda lib, x: x.median(), "median0": lambda lib, x: x.median(0), "mode_last": lambda lib, x: x.mode(-1),
    "quantile": lambda lib, x: x.quantile(0.5), "quantile0": lambda lib, x: x.quantile(0.25, dim=0),
    "aminmax": lambda lib, x: lib.aminmax(x), "aminmax0": lambda lib, x: lib.aminmax(x, dim=0),
    "vnorm_inf": lambda lib, x: lib.linalg.vector_norm(x, ord=math.inf),
    "nansum": lambda lib, x: x.nansum(), "nanmean0": lambda lib, x: x.nanmean(0),
}


@pytest.mark.parametrize("shape", [(), (0,), (0, 3), (2, 0), (1,), (1, 1)])
def test_empty_and_scalar_inputs(shape):
    e, t = make(shape, "float32")
    for name, fn in SHAPE_OPS.items():
        compare(fn, e, t, msg=f"{name} {shape}")


# ---------------------------------------------------------------- values with indices
@pytest.mark.parametrize("layout", LAYOUTS)
def test_max_min_with_indices_and_ties(layout):
    # integers in a small range give many ties: indices must be the first occurrence, as in torch
    for dtype in ["int64", "float32", "uint8", "bool", "float64"]:
        e, t = make((4, 6, 5), dtype, layout, seed=4, low=-2, high=2)
        for dim in (0, 1, -1):
            for keepdim in (False, True):
                for op in ("max", "min"):
                    compare(lambda lib, x: getattr(x, op)(dim, keepdim), e, t, msg=f"{op} {dtype} {dim}")
                    compare(lambda lib, x: getattr(x, "arg" + op)(dim, keepdim), e, t, msg=f"arg{op} {dtype} {dim}")
        for op in ("argmax", "argmin"):
            compare(lambda lib, x: getattr(x, op)(), e, t)
            compare(lambda lib, x: getattr(x, op)(keepdim=True), e, t)


def test_nan_propagation():
    a = np.array([[1.0, np.nan, 3.0, np.nan], [2.0, -1.0, 5.0, 0.5], [np.nan, np.nan, np.nan, np.nan]], dtype="float32")
    e, t = make(a.shape, array=a)
    ops = [lambda lib, x: x.max(), lambda lib, x: x.amax(1), lambda lib, x: x.max(1), lambda lib, x: x.argmax(1),
           lambda lib, x: x.argmin(), lambda lib, x: x.amin(0), lambda lib, x: x.sum(1), lambda lib, x: x.nansum(1),
           lambda lib, x: x.nanmean(1), lambda lib, x: x.median(1), lambda lib, x: x.nanmedian(1),
           lambda lib, x: x.median(), lambda lib, x: x.nanmedian(), lambda lib, x: x.cummax(1), lambda lib, x: x.cummin(1),
           lambda lib, x: x.softmax(1), lambda lib, x: x.logsumexp(1), lambda lib, x: x.norm(dim=1),
           lambda lib, x: x.quantile(0.5, dim=1), lambda lib, x: x.mode(1), lambda lib, x: x.cumsum(1)]
    for i, fn in enumerate(ops):
        compare(fn, e, t, msg=f"op {i}")


def test_median_mode_ties_and_long_lines():
    for n in (5, 6, 17, 40, 101):
        a = np.random.default_rng(n).integers(-3, 4, size=(3, n)).astype("int64")
        e, t = make(a.shape, array=a)
        for fn in [lambda lib, x: x.median(1), lambda lib, x: x.mode(1), lambda lib, x: x.median(0),
                   lambda lib, x: x.mode(0), lambda lib, x: x.median(), lambda lib, x: x.nanmedian(1)]:
            compare(fn, e, t, msg=f"n={n}")
        ef, tf = make(a.shape, array=a.astype("float32"))
        compare(lambda lib, x: x.mode(1), ef, tf, msg=f"mode float n={n}")


def test_quantile_variants():
    e, t = make((4, 7), "float64", seed=5)
    qs = [0.0, 0.3, 0.5, 1.0]
    for interp in ["linear", "lower", "higher", "midpoint", "nearest"]:
        for dim in (None, 0, 1, -1):
            for keepdim in (False, True):
                for q in qs:
                    compare(lambda lib, x: x.quantile(q, dim=dim, keepdim=keepdim, interpolation=interp), e, t)
                qe, qt = ember.tensor(qs, dtype=ember.float64), torch.tensor(qs, dtype=torch.float64)
                check(e.quantile(qe, dim=dim, keepdim=keepdim, interpolation=interp),
                      t.quantile(qt, dim=dim, keepdim=keepdim, interpolation=interp))
    compare(lambda lib, x: lib.quantile(x, 1.5), e, t)
    compare(lambda lib, x: x.quantile(0.5, interpolation="bogus"), e, t)
    compare(lambda lib, x: x.quantile(lib.tensor([[0.5]], dtype=lib.float64)), e, t)
    compare(lambda lib, x: x.quantile(lib.tensor([0.5], dtype=lib.float32)), e, t)


# ---------------------------------------------------------------- scans and softmax
@pytest.mark.parametrize("layout", LAYOUTS)
def test_scans(layout):
    for dtype in ["float32", "float64", "int32", "bool", "bfloat16"]:
        e, t = make((3, 4, 5), dtype, layout, seed=6, low=-1.5, high=1.5)
        rtol, atol = tol(dtype)
        for dim in (0, 1, -1):
            for name in ["cumsum", "cumprod", "cummax", "cummin", "logcumsumexp"]:
                compare(lambda lib, x: getattr(x, name)(dim), e, t, rtol=rtol, atol=atol, msg=f"{name} {dtype} {dim}")
            compare(lambda lib, x: lib.cumsum(x, dim, dtype=lib.float64), e, t, msg=f"cumsum dtype {dtype}")


def test_inplace_scans():
    for name in ("cumsum_", "cumprod_"):
        e, t = make((3, 4), "float64", seed=21)
        e, t = e.clone(), t.clone()
        re_, rt = getattr(e, name)(1), getattr(t, name)(1)
        assert re_ is e
        check(e, t, msg=name)
        check(re_, rt, msg=name)


def test_cummax_ties_take_the_later_index():
    a = np.array([[1, 3, 3, 2, 3, 5, 5], [0, 0, 0, 0, 0, 0, 0]], dtype="int64")
    e, t = make(a.shape, array=a)
    compare(lambda lib, x: x.cummax(1), e, t)
    compare(lambda lib, x: x.cummin(1), e, t)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_softmax(layout):
    for shape in [(3, 4, 5), (2, 37), (3, 1000), (130, 3)]:
        for dtype in ["float32", "float64", "bfloat16"]:
            e, t = make(shape, dtype, layout, seed=7, low=-10, high=10)
            rtol, atol = tol(dtype)
            for dim in range(-len(shape), len(shape)):
                for name in ("softmax", "log_softmax"):
                    compare(lambda lib, x: getattr(x, name)(dim), e, t, rtol=rtol, atol=atol, msg=f"{name} {shape} {dim}")
                    compare(lambda lib, x: getattr(lib, name)(x, dim, dtype=lib.float64), e, t, msg=f"{name} dtype")


def test_softmax_with_infinities():
    a = np.array([[0.0, -np.inf, 1.0, -np.inf], [-np.inf] * 4, [np.inf, 1.0, 2.0, 3.0], [88.0, -88.0, 0.0, 100.0]],
                 dtype="float32")
    a = np.concatenate([a] * 5, axis=1)  # rows of 20: vector lanes and a tail
    e, t = make(a.shape, array=a)
    for fn in [lambda lib, x: x.softmax(1), lambda lib, x: x.log_softmax(1), lambda lib, x: x.softmax(0),
               lambda lib, x: x.log_softmax(0), lambda lib, x: x.logsumexp(1), lambda lib, x: x.logcumsumexp(1)]:
        compare(fn, e, t)


# ---------------------------------------------------------------- var/std, norms, aminmax
def test_var_std_signatures():
    e, t = make((4, 5), "float64", seed=8)
    calls = [
        lambda lib, x: x.var(), lambda lib, x: x.var(False), lambda lib, x: x.var(unbiased=False),
        lambda lib, x: x.var(0), lambda lib, x: x.var(0, False), lambda lib, x: x.var(1, True, True),
        lambda lib, x: x.var(dim=1, correction=0), lambda lib, x: x.var(dim=(0, 1), correction=2, keepdim=True),
        lambda lib, x: x.std(1, keepdim=True), lambda lib, x: x.std(dim=0, correction=5),
        lambda lib, x: lib.var_mean(x), lambda lib, x: lib.var_mean(x, 1), lambda lib, x: lib.var_mean(x, 0, False, True),
        lambda lib, x: lib.std_mean(x, dim=1, correction=0), lambda lib, x: lib.std_mean(x, False),
        lambda lib, x: lib.var(x, 1, unbiased=True, correction=2),
    ]
    for i, fn in enumerate(calls):
        compare(fn, e, t, msg=f"call {i}")
    assert type(ember.var_mean(e)) is tuple  # torch 1.13 returns a plain tuple here


def test_norms():
    e, t = make((3, 4, 5), "float32", "transposed", seed=9)
    for ord in [2, 1, math.inf, -math.inf, 0, 3, 0.5, -1.5]:
        for dim in [None, 0, (1, 2), -1]:
            for keepdim in (False, True):
                compare(lambda lib, x: lib.linalg.vector_norm(x, ord, dim, keepdim), e, t, msg=f"ord {ord} dim {dim}")
        compare(lambda lib, x: x.norm(p=ord), e, t)
        compare(lambda lib, x: lib.norm(x, ord, dim=1, keepdim=True), e, t)
    compare(lambda lib, x: lib.linalg.vector_norm(x, dtype=lib.float64), e, t)
    compare(lambda lib, x: lib.linalg.vector_norm(x.double(), dtype=lib.float32), e, t)  # narrowing: an error
    compare(lambda lib, x: x.norm(p=3, dtype=lib.float64), e, t)
    compare(lambda lib, x: x.norm(dtype=lib.float64), e, t)  # not with 'fro': ValueError
    compare(lambda lib, x: x.norm(p="fro", dim=(0, 1)), e, t)
    for ord in ["fro", 1, -1, math.inf, -math.inf]:
        for dim in [(-2, -1), (0, 2), (2, 0)]:
            compare(lambda lib, x: lib.linalg.matrix_norm(x, ord, dim), e, t, msg=f"matrix ord {ord}")
            compare(lambda lib, x: lib.linalg.matrix_norm(x, ord, dim, keepdim=True), e, t)
    e2, t2 = make((4, 5), "float64", seed=10)
    for ord in [None, "fro", 1, math.inf, -1]:
        compare(lambda lib, x: lib.linalg.norm(x, ord), e2, t2, msg=f"linalg.norm {ord}")
        compare(lambda lib, x: lib.linalg.norm(x, ord, dim=(1, 0)), e2, t2)
    for ord in [None, 2, 3, math.inf]:
        compare(lambda lib, x: lib.linalg.norm(x, ord, dim=1), e2, t2)
    for ord in ["nuc", 2, -2]:  # from singular values (test_linalg_spectral.py tests them further)
        compare(lambda lib, x: lib.linalg.matrix_norm(x, ord), e2, t2, msg=f"matrix ord {ord}")
    compare(lambda lib, x: lib.linalg.norm(x, 2), e, t)  # ord without dim needs a 1-D or 2-D input


def test_aminmax_and_return_types():
    e, t = make((3, 4), "float32", seed=11)
    for kw in [{}, {"dim": 0}, {"dim": -1, "keepdim": True}, {"keepdim": True}]:
        compare(lambda lib, x: lib.aminmax(x, **kw), e, t, msg=str(kw))
    r = e.max(1)
    assert isinstance(r, tuple) and r._fields == ("values", "indices")
    assert r.values is r[0] and r.indices is r[1]
    assert repr(r).startswith("ember.return_types.max(\nvalues=")
    assert ember.aminmax(e)._fields == ("min", "max")
    assert isinstance(r, ember.return_types.max)
    values, indices = e.cummin(0)
    check(values, t.cummin(0).values)
    assert type(e.median(0)).__name__ == "median" and type(e.mode(0)).__name__ == "mode"
    check(ember.max(e, e * 2), torch.max(t, t * 2))
    check(e.min(other=e - 1), t.min(other=t - 1))


def test_all_any_keep_uint8():
    for dtype in DTYPES:
        e, t = make((3, 4), dtype, seed=12, low=-1, high=1)
        for fn in [lambda lib, x: x.all(), lambda lib, x: x.any(), lambda lib, x: x.all(1), lambda lib, x: x.any(0, True),
                   lambda lib, x: lib.all(x, dim=-1, keepdim=True)]:
            compare(fn, e, t, msg=dtype)


# ---------------------------------------------------------------- gradients against torch
GRAD_OPS = {
    "sum": lambda lib, x: x.sum(), "sum_dims": lambda lib, x: x.sum((0, 2), keepdim=True), "sum_neg": lambda lib, x: x.sum(-1),
    "mean": lambda lib, x: x.mean(), "mean_dims": lambda lib, x: x.mean([1, 2]),
    "nansum": lambda lib, x: x.nansum(1), "nanmean": lambda lib, x: x.nanmean(0),
    "prod": lambda lib, x: x.prod(), "prod_dim": lambda lib, x: x.prod(1), "prod_keep": lambda lib, x: x.prod(-1, True),
    "amax": lambda lib, x: x.amax((0, 1)), "amin": lambda lib, x: x.amin(-1, True),
    "max": lambda lib, x: x.max(), "min": lambda lib, x: x.min(), "max_dim": lambda lib, x: x.max(1),
    "min_dim_keep": lambda lib, x: x.min(0, True),
    "var": lambda lib, x: x.var(), "var_dim": lambda lib, x: x.var(1, keepdim=True),
    "var_corr": lambda lib, x: x.var((0, 2), correction=0), "std": lambda lib, x: x.std(0), "std_all": lambda lib, x: x.std(),
    "norm": lambda lib, x: x.norm(), "norm_dim": lambda lib, x: x.norm(dim=1),
    "norm1": lambda lib, x: x.norm(p=1, dim=2), "norm3": lambda lib, x: x.norm(p=3), "norm_half": lambda lib, x: x.norm(p=0.5),
    "norm_1_5": lambda lib, x: x.norm(p=1.5, dim=0), "norm_inf": lambda lib, x: x.norm(p=math.inf, dim=1),
    "norm_ninf": lambda lib, x: x.norm(p=-math.inf), "norm0": lambda lib, x: x.norm(p=0),
    "logsumexp": lambda lib, x: x.logsumexp(1), "logsumexp_all": lambda lib, x: x.logsumexp((0, 1, 2), keepdim=True),
    "cumsum": lambda lib, x: x.cumsum(1), "cumsum_dtype": lambda lib, x: x.cumsum(0, dtype=lib.float32),
    "cumprod": lambda lib, x: x.cumprod(2), "cummax": lambda lib, x: x.cummax(1), "cummin": lambda lib, x: x.cummin(-1),
    "logcumsumexp": lambda lib, x: x.logcumsumexp(0),
    "softmax": lambda lib, x: x.softmax(-1), "softmax0": lambda lib, x: x.softmax(0),
    "log_softmax": lambda lib, x: x.log_softmax(1), "log_softmax_dtype": lambda lib, x: x.log_softmax(2, dtype=lib.float32),
    "median": lambda lib, x: x.median(), "median_dim": lambda lib, x: x.median(1), "nanmedian": lambda lib, x: x.nanmedian(),
    "mode": lambda lib, x: x.mode(2), "quantile": lambda lib, x: x.quantile(0.3),
    "quantile_dim": lambda lib, x: x.quantile(lib.tensor([0.1, 0.75], dtype=lib.float64), dim=1, keepdim=True),
    "var_mean": lambda lib, x: lib.var_mean(x, 1)[1], "std_mean": lambda lib, x: lib.std_mean(x, 0)[0],
}


@pytest.mark.parametrize("name", list(GRAD_OPS))
def test_gradients_match_torch(name):
    fn = GRAD_OPS[name]
    for layout in ("contiguous", "transposed", "sliced"):
        rtol = 1e-5 if "dtype" in name else 1e-6
        compare_grad(fn, layout=layout, rtol=rtol, atol=1e-6, msg=f"{name} {layout}")


def test_gradients_with_ties_zeros_and_scalars():
    ties = np.array([[1.0, 3.0, 3.0, 0.0], [2.0, 2.0, 2.0, 2.0], [0.0, 0.0, 5.0, -1.0]])
    for fn in [lambda lib, x: x.amax(1), lambda lib, x: x.max(), lambda lib, x: x.amin(), lambda lib, x: x.max(1),
               lambda lib, x: x.prod(1), lambda lib, x: x.prod(), lambda lib, x: x.prod(0), lambda lib, x: x.cumprod(1),
               lambda lib, x: x.cumprod(0), lambda lib, x: x.norm(p=math.inf, dim=1), lambda lib, x: x.median(),
               lambda lib, x: x.cummax(1)]:
        compare_grad(fn, array=ties, shape=ties.shape)
    for fn in [lambda lib, x: x.sum(), lambda lib, x: x.sum(0), lambda lib, x: x.max(0), lambda lib, x: x.softmax(0),
               lambda lib, x: x.cumsum(0), lambda lib, x: x.var(0, correction=0), lambda lib, x: x.prod(0),
               lambda lib, x: x.logsumexp(0), lambda lib, x: x.median(0), lambda lib, x: x.cummax(0)]:
        compare_grad(fn, shape=())


# ---------------------------------------------------------------- gradcheck and double backward (float64)
def numeric_jacobian_check(fn, x_np, eps=1e-6, rtol=1e-5, atol=1e-6):
    """Finite differences against ember's own backward, for a random output direction."""
    x = ember.from_numpy(x_np.copy()).requires_grad_(True)
    out = fn(x)
    v = np.random.default_rng(3).uniform(-1, 1, size=tuple(out.shape))
    (gx,) = e_grad([out], [x], [ember.from_numpy(v.copy())])
    num = np.zeros_like(x_np)
    flat = x_np.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + eps
        fp = np.sum(to_numpy(fn(ember.from_numpy(x_np.copy()))) * v)
        flat[i] = old - eps
        fm = np.sum(to_numpy(fn(ember.from_numpy(x_np.copy()))) * v)
        flat[i] = old
        num.reshape(-1)[i] = (fp - fm) / (2 * eps)
    np.testing.assert_allclose(to_numpy(gx), num, rtol=rtol, atol=atol)


GRADCHECK_OPS = {
    "sum": lambda x: x.sum((0, 1)), "mean": lambda x: x.mean(1, keepdim=True), "prod": lambda x: x.prod(1),
    "amax": lambda x: x.amax(0), "max_dim": lambda x: x.max(1)[0], "var": lambda x: x.var(1), "std": lambda x: x.std(0),
    "norm3": lambda x: x.norm(p=3, dim=1), "norm2": lambda x: x.norm(), "logsumexp": lambda x: x.logsumexp(1),
    "cumsum": lambda x: x.cumsum(1), "cumprod": lambda x: x.cumprod(0), "cummin": lambda x: x.cummin(1)[0],
    "logcumsumexp": lambda x: x.logcumsumexp(1), "softmax": lambda x: x.softmax(1), "log_softmax": lambda x: x.log_softmax(0),
    "median": lambda x: x.median(1)[0], "quantile": lambda x: x.quantile(0.4, dim=1), "var_mean": lambda x: ember.var_mean(x, 0)[0],
}


@pytest.mark.parametrize("name", list(GRADCHECK_OPS))
def test_gradcheck_float64(name):
    x = np.random.default_rng(13).uniform(0.5, 2.0, size=(3, 4)) * np.where(np.arange(12).reshape(3, 4) % 3 == 0, -1, 1)
    numeric_jacobian_check(GRADCHECK_OPS[name], x)


DOUBLE_BACKWARD_OPS = {
    "sum": lambda lib, x: (x * x).sum(1), "mean": lambda lib, x: (x * x).mean(), "prod": lambda lib, x: x.prod(1),
    "prod_zero": lambda lib, x: x.prod(1), "prod_all_zero": lambda lib, x: x.prod(),
    "prod_dim0_zero": lambda lib, x: x.prod(0, keepdim=True), "amax": lambda lib, x: (x * x).amax(0),
    "var": lambda lib, x: x.var(1), "std": lambda lib, x: x.std(), "norm": lambda lib, x: x.norm(dim=1),
    "norm3": lambda lib, x: x.norm(p=3), "logsumexp": lambda lib, x: x.logsumexp(1), "cumsum": lambda lib, x: (x * x).cumsum(1),
    "cumprod": lambda lib, x: x.cumprod(1), "logcumsumexp": lambda lib, x: x.logcumsumexp(1),
    "softmax": lambda lib, x: x.softmax(1), "log_softmax": lambda lib, x: x.log_softmax(0),
    "max_dim": lambda lib, x: (x * x).max(1)[0], "median": lambda lib, x: (x * x).median(0)[0],
}


@pytest.mark.parametrize("name", list(DOUBLE_BACKWARD_OPS))
def test_double_backward_matches_torch(name):
    fn = DOUBLE_BACKWARD_OPS[name]
    a = np.random.default_rng(14).uniform(-2, 2, size=(3, 4))
    if name == "prod_all_zero":  # one zero: with more, torch 1.13 gives no second derivative at all
        a[0, 1] = 0.0
    elif name.endswith("_zero"):  # rows and columns with one and with two zeros
        a[0, 1] = a[2, 0] = a[2, 3] = 0.0
    e, t = leaf(*make(a.shape, "float64", array=a))
    oe, ot = fn(ember, e), fn(torch, t)
    v = np.random.default_rng(15).uniform(-1, 1, size=tuple(ot.shape))
    (gt,) = torch.autograd.grad(ot, t, torch.from_numpy(v.copy()), create_graph=True)
    (ge,) = e_grad([oe], [e], [ember.from_numpy(v.copy())], create_graph=True)
    check(ge, gt, msg="first derivative")
    w = np.random.default_rng(16).uniform(-1, 1, size=a.shape)
    (ggt,) = torch.autograd.grad(gt, t, torch.from_numpy(w.copy()))
    (gge,) = e_grad([ge], [e], [ember.from_numpy(w.copy())])
    check(gge, ggt, rtol=1e-6, atol=1e-7, msg="second derivative")


@pytest.mark.parametrize("zeros", [[(0, 1)], [(0, 1), (1, 2)], [(0, 0), (0, 1), (2, 2)]])
def test_prod_second_derivative_with_zeros(zeros):
    # exact to second order whatever the number of zeros: the Hessian-vector product
    # against central differences of the first derivative
    a = np.random.default_rng(19).uniform(0.5, 2.0, size=(3, 3))
    for ij in zeros:
        a[ij] = 0.0
    w = np.random.default_rng(20).uniform(-1, 1, size=a.shape)

    def first(arr, create_graph=False):
        x = ember.from_numpy(arr.copy()).requires_grad_(True)
        (g,) = e_grad([x.prod()], [x], [ember.ones([], dtype=ember.float64)], create_graph=create_graph)
        return x, g

    x, g = first(a, create_graph=True)
    (hw,) = e_grad([g], [x], [ember.from_numpy(w.copy())])
    eps = 1e-6
    numeric = np.zeros_like(a)
    for i in range(a.size):
        d = np.zeros(a.size)
        d[i] = eps
        gp = to_numpy(first(a + d.reshape(a.shape))[1])
        gm = to_numpy(first(a - d.reshape(a.shape))[1])
        numeric.reshape(-1)[i] = np.sum((gp - gm) / (2 * eps) * w)
    np.testing.assert_allclose(to_numpy(hw), numeric, rtol=1e-5, atol=1e-6)


# ---------------------------------------------------------------- determinism
def test_bit_identical_for_any_thread_count():
    rng = np.random.default_rng(17)
    big = rng.standard_normal((700, 517)).astype("float32")  # past every block size, odd tails
    long1d = rng.standard_normal(200_003).astype("float32")
    half = ember.from_numpy(big).to(ember.float16)
    ops = {
        "sum": lambda x, v: x.sum(), "sum0": lambda x, v: x.sum(0), "sum1": lambda x, v: x.sum(1),
        "sum01": lambda x, v: x.sum((0, 1)),
        "mean": lambda x, v: x.mean(), "norm": lambda x, v: x.norm(), "var": lambda x, v: x.var(0),
        "amax": lambda x, v: x.amax(0), "softmax": lambda x, v: x.softmax(1), "softmax0": lambda x, v: x.softmax(0),
        "logsumexp": lambda x, v: x.logsumexp(1), "argmax": lambda x, v: x.argmax(), "long_sum": lambda x, v: v.sum(),
        "long_argmin": lambda x, v: v.argmin(), "long_norm": lambda x, v: v.norm(p=3), "half_sum": lambda x, v: half.sum(0),
        "half_mean": lambda x, v: half.mean(), "cumsum": lambda x, v: x.cumsum(0),
    }
    x, v = ember.from_numpy(big), ember.from_numpy(long1d)
    saved = ember.get_num_threads()
    try:
        results = {}
        for n in (1, 2, 3):
            ember.set_num_threads(n)
            for name, fn in ops.items():
                r = fn(x, v)
                r = r.float() if r.dtype == ember.float16 else r
                r = r.numpy().copy()
                if name in results:
                    assert r.tobytes() == results[name].tobytes(), f"{name} differs with {n} threads"
                else:
                    results[name] = r
    finally:
        ember.set_num_threads(saved)
    # and the values are right
    np.testing.assert_allclose(results["sum0"], big.astype("float64").sum(0), rtol=1e-4, atol=1e-3)
    np.testing.assert_allclose(results["long_sum"], long1d.astype("float64").sum(), rtol=1e-4)


# ---------------------------------------------------------------- bad input
def test_bad_input_raises_like_torch():
    e, t = make((2, 3), "float32")
    ei, ti = make((2, 3), "int64")
    eb, tb = make((2, 3), "bool")
    ee, te = make((0, 3), "float32")
    cases = [
        (lambda lib, x: x.sum(2), e, t), (lambda lib, x: x.sum(-3), e, t), (lambda lib, x: x.sum((0, 0)), e, t),
        (lambda lib, x: x.sum((1, -1)), e, t), (lambda lib, x: x.amax((0, -2)), e, t), (lambda lib, x: x.mean(5), e, t),
        (lambda lib, x: x.mean(), ei, ti), (lambda lib, x: x.mean(0), eb, tb), (lambda lib, x: x.nanmean(), ei, ti),
        (lambda lib, x: x.var(), ei, ti), (lambda lib, x: x.std(0), eb, tb), (lambda lib, x: lib.var_mean(x), ei, ti),
        (lambda lib, x: x.norm(), ei, ti), (lambda lib, x: x.argmax(), eb, tb), (lambda lib, x: x.median(), eb, tb),
        (lambda lib, x: x.softmax(0), ei, ti), (lambda lib, x: x.log_softmax(1), eb, tb), (lambda lib, x: x.softmax(2), e, t),
        (lambda lib, x: x.logcumsumexp(0), ei, ti), (lambda lib, x: x.cumsum(3), e, t), (lambda lib, x: x.cummax(-3), e, t),
        (lambda lib, x: x.max(), ee, te), (lambda lib, x: x.amax(), ee, te), (lambda lib, x: x.amax(0), ee, te),
        (lambda lib, x: x.max(0), ee, te), (lambda lib, x: x.argmax(), ee, te), (lambda lib, x: x.argmin(0), ee, te),
        (lambda lib, x: x.median(0), ee, te), (lambda lib, x: x.mode(0), ee, te), (lambda lib, x: x.quantile(0.5), ee, te),
        (lambda lib, x: lib.aminmax(x), ee, te), (lambda lib, x: lib.aminmax(x, dim=0), ee, te),
        (lambda lib, x: x.quantile(0.5), ei, ti), (lambda lib, x: x.max(2), e, t), (lambda lib, x: x.median(4), e, t),
        (lambda lib, x: x.norm(p=math.inf), ee, te),
        (lambda lib, x: lib.linalg.vector_norm(x, -math.inf, 0), ee, te),
        (lambda lib, x: lib.linalg.matrix_norm(x.sum(0)), e, t),  # a 1-D input
        (lambda lib, x: x.norm(dim=(0, 1, 1)), e, t),
    ]
    for i, (fn, ex, tx) in enumerate(cases):
        compare(fn, ex, tx, msg=f"case {i}")
    with pytest.raises(IndexError, match="sum"):
        e.sum(7)  # the message names the op
    with pytest.raises(RuntimeError, match="appears multiple times"):
        e.sum((0, 0))


def test_threads_do_not_change_large_reductions_and_2_is_used():
    # the parallel paths run (more than one block per line and per column set) and agree with numpy
    a = np.random.default_rng(18).standard_normal((64, 40000)).astype("float32")
    x = ember.from_numpy(a)
    saved = ember.get_num_threads()
    try:
        ember.set_num_threads(2)
        np.testing.assert_allclose(x.sum(1).numpy(), a.astype("float64").sum(1), rtol=1e-4, atol=1e-2)
        np.testing.assert_allclose(x.sum(0).numpy(), a.astype("float64").sum(0), rtol=1e-4, atol=1e-3)
        np.testing.assert_allclose(x.amax(0).numpy(), a.max(0))
        assert int(x.argmax()) == int(a.argmax())
    finally:
        ember.set_num_threads(saved)
