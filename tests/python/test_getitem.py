"""Tensor.__getitem__ / __setitem__ against real torch: a table of index
expressions (basic, advanced, mixed, masks, lists, NumPy), views, errors and
gradients through indexing."""
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


# Ops of other families some tests lean on (the engine's sum_to for broadcast
# gradients, as_strided for in-place writes through views, permute for layouts).
HAVE_SUM = _works(lambda: ember.ones(2).sum())
HAVE_AS_STRIDED = _works(lambda: ember.as_strided(ember.ones(4), (2,), (1,)))
HAVE_PERMUTE = _works(lambda: ember.ones(2, 3).permute(1, 0))
needs_sum = pytest.mark.skipif(not HAVE_SUM, reason="needs ember.sum (reduce family)")
needs_as_strided = pytest.mark.skipif(not HAVE_AS_STRIDED, reason="needs as_strided (shape family)")


def grad(outputs, inputs, grads, create_graph=False):
    """torch.autograd.grad in whichever library the outputs come from."""
    if isinstance(outputs[0], torch.Tensor):
        return torch.autograd.grad(outputs, inputs, grads, create_graph=create_graph, allow_unused=True)
    return ember._C._run_grad(outputs, inputs, grads, None, create_graph, True)


def base_pair(shape=(3, 4, 5), dtype="float32", layout="contiguous"):
    """The same values in both libraries; 'sliced' is a strided view, 'transposed' a permuted one."""
    n = int(np.prod(shape))
    if layout == "contiguous":
        a = (np.arange(n) - n // 3).reshape(shape).astype(dtype)
        return ember.tensor(a), torch.tensor(a)
    if layout == "sliced":
        big = tuple(2 * s for s in shape)
        a = (np.arange(int(np.prod(big))) - 7).reshape(big).astype(dtype)
        sl = tuple(slice(1, None, 2) for _ in shape)
        return ember.tensor(a)[sl], torch.tensor(a)[sl]
    if layout == "transposed":
        a = (np.arange(n) - 5).reshape(shape[::-1]).astype(dtype)
        perm = list(range(len(shape)))[::-1]
        return ember.tensor(a).permute(*perm), torch.tensor(a).permute(*perm)
    if layout == "expanded":  # stride 0 along dim 0: readable, not writable
        a = (np.arange(n // shape[0]) - 5).reshape((1,) + tuple(shape[1:])).astype(dtype)
        return ember.tensor(a).expand(*shape), torch.tensor(a).expand(*shape)
    raise ValueError(layout)


HAVE_EXPAND = _works(lambda: ember.ones(1, 3).expand(2, 3))
LAYOUTS = ["contiguous", "sliced"] + (["transposed"] if HAVE_PERMUTE else [])
READ_LAYOUTS = LAYOUTS + (["expanded"] if HAVE_EXPAND else [])

# Index expressions over x of shape (3, 4, 5). `T` builds an index tensor in
# the library under test, `B` a bool tensor, `N` is numpy.
GET_CASES = [
    "x[0]", "x[-1]", "x[2, 3]", "x[-3, -4, -5]", "x[1, 2, 3]",
    "x[1:]", "x[:2]", "x[::2]", "x[1:3, ::3]", "x[:, 1:-1, ::2]", "x[-2:]", "x[5:]", "x[2:1]", "x[:100]",
    "x[-100:2]", "x[::7]", "x[..., 1]", "x[..., 1:3]", "x[1, ...]", "x[1, ..., 2]", "x[...]", "x[()]",
    "x[None]", "x[:, None]", "x[..., None]", "x[None, 1, None, ..., None]", "x[None, None]",
    "x[True]", "x[False]", "x[1, True]", "x[..., False]", "x[T(1)]", "x[T(-1), 2]", "x[B(True)]", "x[:, B(False)]",
    "x[T([0, 2])]", "x[T([-1, 0, 1, 1])]", "x[T([[0, 1], [2, 0]])]", "x[T([], dtype='int64')]",
    "x[:, T([1, 3])]", "x[..., T([4, 0])]", "x[T([0, 1]), T([1, 2])]", "x[T([0, 1]), :, T([1, 2])]",
    "x[T([0, 1]), T([[1], [2]])]", "x[1:, T([0, 3])]", "x[T([2, 0]), 1:3]", "x[T([2, 0]), 1]", "x[1, T([2, 0])]",
    "x[1, :, T([2, 0])]", "x[:, 1, T([2, 0])]", "x[T([0, 2]), 1, T([2, 0])]", "x[T([0, 2]), :, 1]",
    "x[None, T([0, 1]), None, T([1, 2])]", "x[T([[0], [1]]), :, T([[0, 1, 2]])]", "x[T([0, 1]), None]",
    "x[T([0, 1]), ..., T([1, 4])]", "x[..., T([[1]]), T([0, 2])]",
    "x[[0, 2]]", "x[[0, 2],]", "x[[[0, 1], [1, 2]]]", "x[[0, 1], [1, 2]]", "x[[True, False, True]]",
    "x[[0, [1]]]", "x[[slice(None), 1]]", "x[(0, 2), 1]", "x[((0, 1), (1, 2))]", "x[(((0, 1), (1, 2)),)]", "x[[None, 1]]", "x[[]]", "x[[1.7, 0.2]]",
    "x[N.array([0, 2])]", "x[N.array([[0, 1]])]", "x[N.array([[0, 1], [1, 2]])]", "x[..., ...]", "x[N.array([True, False, True])]", "x[N.int64(1)]",
    "x[N.array(1)]", "x[T(1):]", "x[:T(2)]",
    "x[B([True, False, True])]", "x[x > 3]", "x[x < -100]", "x[B([[True, False, True, False]] * 3)]",
    "x[:, B([True, False, True, False])]", "x[..., B([True, False, True, False, True])]",
    "x[1, B([True, False, True, False])]", "x[B([True, False, True]), 1:3]", "x[B([True, False, True]), :, T([0, 1])]",
    "x[T([1, 0, 1], dtype='uint8')]", "x[B([True, True, False]), T([1, 3])]",
]

ERROR_CASES = [
    "x[3]", "x[-4]", "x[0, 4]", "x[:, :, 5]", "x[0, 0, 0, 0]", "x[..., 0, 0, 0, 0]", "x[::-1]", "x[::0]", "x[1.5]",
    "x[T([3])]", "x[T([0, 1]), T([0, 1, 2])]", "x[T([1.0])]", "x[T([0], dtype='int32')]", "x[B([True, False])]",
    "x[T([0]), T([9])]", "x[B([[True]])]", "x[{1: 2}]", "x[0.0:2]",
]


def make_env(lib, x):
    if lib is ember:
        T = lambda v, dtype=None: ember.tensor(v, dtype=getattr(ember, dtype) if dtype else None)  # noqa: E731
        B = lambda v: ember.tensor(v, dtype=ember.bool)  # noqa: E731
    else:
        T = lambda v, dtype=None: torch.tensor(v, dtype=getattr(torch, dtype) if dtype else None)  # noqa: E731
        B = lambda v: torch.tensor(v, dtype=torch.bool)  # noqa: E731
    return {"x": x, "T": T, "B": B, "N": np}


@pytest.mark.parametrize("layout", READ_LAYOUTS)
@pytest.mark.parametrize("expr", GET_CASES)
def test_getitem_matches_torch(expr, layout):
    e, t = base_pair(layout=layout)
    re_ = eval(expr, make_env(ember, e))
    rt = eval(expr, make_env(torch, t))
    check(re_, rt, msg=expr)


@pytest.mark.parametrize("dtype", ["float64", "float16", "bfloat16", "int8", "int32", "int64", "uint8", "bool"])
def test_getitem_dtypes(dtype):
    a = np.arange(60).reshape(3, 4, 5) % 7
    e, t = ember.tensor(a).to(getattr(ember, dtype)), torch.tensor(a).to(getattr(torch, dtype))
    for expr in ["x[1]", "x[:, 1:3]", "x[T([2, 0])]", "x[x > 2]" if dtype != "bool" else "x[x]", "x[T([0, 1]), :, T([1, 2])]"]:
        check(eval(expr, make_env(ember, e)), eval(expr, make_env(torch, t)), msg=f"{dtype} {expr}")


def test_getitem_zero_dim_and_empty():
    e, t = ember.tensor(5.0), torch.tensor(5.0)
    for expr in ["x[None]", "x[...]", "x[True]", "x[False]", "x[B(True)]", "x[None, None, ...]", "x[x > 3]"]:
        check(eval(expr, make_env(ember, e)), eval(expr, make_env(torch, t)), msg=expr)
    for expr in ["x[0]", "x[[0]]"]:
        raises_like(lambda: eval(expr, make_env(ember, e)), lambda: eval(expr, make_env(torch, t)))
    e, t = ember.zeros(0, 3), torch.zeros(0, 3)
    for expr in ["x[:, 1]", "x[T([], dtype='int64')]", "x[:, T([0, 2])]", "x[x > 0]", "x[1:]"]:
        check(eval(expr, make_env(ember, e)), eval(expr, make_env(torch, t)), msg=expr)


@pytest.mark.parametrize("expr", ERROR_CASES)
def test_getitem_errors(expr):
    e, t = base_pair()
    err = raises_like(lambda: eval(expr, make_env(ember, e)), lambda: eval(expr, make_env(torch, t)))
    assert str(err)


def test_out_of_range_message():
    e = ember.zeros(3)
    with pytest.raises(IndexError, match="index 5 is out of bounds for dimension 0 with size 3"):
        e[5]
    with pytest.raises(IndexError, match="index 5 is out of bounds for dimension 0 with size 3"):
        e[ember.tensor([0, 5])]
    with pytest.raises(IndexError, match="out of bounds for dimension 1 with size 4"):
        ember.zeros(2, 4)[:, 7]


def test_basic_indexing_returns_views():
    e = ember.zeros(3, 4)
    for v in [e[1], e[1:], e[:, ::2], e[None], e[...], e[1, None, 2:], e[ember.tensor(1)]]:
        assert v._is_view() and v._base is e
        assert v.data_ptr() >= e.data_ptr()
    v = e[1:, ::2]
    v.fill_(7)
    assert e.tolist() == [[0] * 4, [7, 0, 7, 0], [7, 0, 7, 0]]
    assert e[1:, ::2].stride() == (4, 2) and e[1:, ::2].storage_offset() == 4
    adv = e[ember.tensor([0, 1])]
    assert not adv._is_view()
    adv.fill_(3)
    assert e[0].tolist() == [0] * 4  # advanced indexing copies


def test_view_of_view_shares_base():
    e = ember.arange(24.0)[1:]
    v = e[2:][::3]
    assert v._base is e._base
    assert v.tolist() == [3.0, 6.0, 9.0, 12.0, 15.0, 18.0, 21.0]


# ---------------------------------------------------------------- setitem
SET_CASES = [
    ("x[0]", "1.5"), ("x[-1]", "V([1, 2, 3, 4, 5])"), ("x[1, 2]", "V(9)"), ("x[1:, ::2]", "-1"),
    ("x[..., 1]", "V([[1], [2], [3]])"), ("x[None]", "4"), ("x[...]", "V(2)"), ("x[True]", "5"), ("x[False]", "5"),
    ("x[T([0, 2])]", "0"), ("x[T([0, 2])]", "V([1, 2, 3, 4, 5])"), ("x[T([0, 0])]", "V([[[1.0]], [[2.0]]])"),
    ("x[T([0, 1]), T([1, 2])]", "V([7, 8, 9, 10, 11])"), ("x[T([0, 1]), :, T([1, 2])]", "V([[1], [2]])"),
    ("x[x > 3]", "0"), ("x[x > 50]", "V(float(\"nan\"))"), ("x[1:, T([0, 3])]", "V([[10], [20]])"),
    ("x[B([True, False, True])]", "V([[[1, 2, 3, 4, 5]]])"), ("x[[0, 2], 1]", "V([[-5], [-6]])"),
    ("x[:, 1, [0, 1]]", "3"), ("x[T([[0], [2]]), T([1, 3])]", "V(1.25)"), ("x[0]", "V([[[1, 2, 3, 4, 5]]])"),
    ("x[T([0, 0, 0]), T([1, 1, 1]), T([2, 2, 2])]", "V([5, 6, 7])"), ("x[N.array([2, 1])]", "-2"),
    ("x[1]", "[1, 2, 3, 4, 5]"), ("x[T([1])]", "N.arange(5)"), ("x[0]", "True"),
]


def value_of(lib, expr, dtype):
    V = (lambda v: ember.tensor(v)) if lib is ember else (lambda v: torch.tensor(v))  # noqa: E731
    v = eval(expr, {"V": V, "N": np})
    return v


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("target,value", SET_CASES)
def test_setitem_matches_torch(target, value, layout):
    e, t = base_pair(layout=layout)
    ve, vt = value_of(ember, value, e.dtype), value_of(torch, value, t.dtype)
    if isinstance(vt, torch.Tensor):
        vt = vt.to(t.dtype)  # torch needs matching dtypes for index_put_; ember casts (checked below)
    elif isinstance(vt, (list, np.ndarray)):
        vt = torch.tensor(np.asarray(vt)).to(t.dtype)  # torch rejects lists; ember converts them
    env_e, env_t = make_env(ember, e), make_env(torch, t)
    env_e["__v"], env_t["__v"] = ve, vt
    exec(f"{target} = __v", env_e)
    exec(f"{target} = __v", env_t)
    check(e, t, msg=f"{target} = {value}")


def test_setitem_casts_and_broadcasts():
    e = ember.zeros(3, 4, dtype=ember.int64)
    e[ember.tensor([0, 2])] = ember.tensor([1.7, 2.2, 3.9, -4.5])
    assert e.tolist() == [[1, 2, 3, -4], [0] * 4, [1, 2, 3, -4]]
    e[1] = 2.9
    assert e[1].tolist() == [2, 2, 2, 2]
    b = ember.zeros(3, dtype=ember.bool)
    b[0] = 5
    assert b.tolist() == [True, False, False]
    f = ember.zeros(2, 3)
    f[:, ember.tensor([0, 2])] = ember.tensor([1, 2])
    assert f.tolist() == [[1, 0, 2], [1, 0, 2]]


def test_setitem_errors():
    for target, value in [("x[0]", "V([1.0, 2.0])"), ("x[T([0, 1])]", "V([1.0, 2.0, 3.0])"), ("x[5]", "1"),
                          ("x[T([5])]", "1"), ("x[x > 3]", "V([1.0, 2.0])"), ("x[0]", "'a'"), ("x[0]", "None"),
                          ("x[::-1]", "1"), ("x[0]", "2 ** 70")]:
        e, t = base_pair(shape=(3, 4))

        def run(lib, x):
            env = make_env(lib, x)
            env["V"] = ember.tensor if lib is ember else torch.tensor
            exec(f"{target} = {value}", env)

        raises_like(lambda: run(ember, e), lambda: run(torch, t))
    u = ember.zeros(2, dtype=ember.uint8)
    with pytest.raises(RuntimeError, match="overflow"):
        u[0] = 300


def test_setitem_duplicates_last_wins():
    e = ember.zeros(5)
    e[ember.tensor([1, 1, 1, 3])] = ember.tensor([1.0, 2.0, 3.0, 4.0])
    assert e.tolist() == [0, 3, 0, 4, 0]


def test_augmented_assignment_through_index():
    for make in [lambda lib, x: x > 0, lambda lib, x: lib.tensor([0, 2, 0]), lambda lib, x: slice(1, None)]:
        e, t = base_pair(shape=(3, 4))
        me, mt = make(ember, e), make(torch, t)
        e[me] += 1
        t[mt] += 1
        e[me] *= 2
        t[mt] *= 2
        check(e, t)


def test_setitem_value_aliasing_self():
    e, t = base_pair(shape=(4, 3))
    e[1:] = e[:-1].clone()
    t[1:] = t[:-1].clone()
    check(e, t)
    e, t = base_pair(shape=(4, 3))
    e[ember.tensor([1, 2, 3])] = e[ember.tensor([0, 1, 2])]
    t[torch.tensor([1, 2, 3])] = t[torch.tensor([0, 1, 2])]
    check(e, t)


# ---------------------------------------------------------------- gradients
GRAD_CASES = ["x[1]", "x[:, 1:3]", "x[::2, None, -1]", "x[...]", "x[T([0, 2, 0])]", "x[T([0, 1]), :, T([1, 1])]",
              "x[x > 0]", "x[1:, T([0, 3, 3])]", "x[True]", "x[T([[2, 2], [1, 0]])]"]


@pytest.mark.parametrize("expr", GRAD_CASES)
def test_getitem_grad(expr):
    a = np.random.default_rng(1).standard_normal((3, 4, 5))
    e = ember.tensor(a, requires_grad=True)
    t = torch.tensor(a, requires_grad=True)
    ye, yt = eval(expr, make_env(ember, e)), eval(expr, make_env(torch, t))
    g = np.random.default_rng(2).standard_normal(tuple(yt.shape))
    (ge,) = grad([ye], [e], [ember.tensor(g)])
    (gt,) = grad([yt], [t], [torch.tensor(g)])
    check(ge, gt, msg=expr)
    assert ye.grad_fn is not None


@pytest.mark.parametrize("expr", ["x[1]", "x[:, 1:3]", "x[None, 0]", "x[T([0, 2, 0])]", "x[x > 0]"])
def test_getitem_double_backward(expr):
    """Gradients of gradients: the backward of indexing is itself differentiable."""
    a = np.random.default_rng(3).standard_normal((3, 4, 5))
    e = ember.tensor(a, requires_grad=True)
    t = torch.tensor(a, requires_grad=True)
    ye, yt = eval(expr, make_env(ember, e)), eval(expr, make_env(torch, t))
    g = np.random.default_rng(4).standard_normal(tuple(yt.shape))
    ge_in, gt_in = ember.tensor(g, requires_grad=True), torch.tensor(g, requires_grad=True)
    (ge,) = grad([ye], [e], [ge_in], create_graph=True)
    (gt,) = grad([yt], [t], [gt_in], create_graph=True)
    h = np.random.default_rng(5).standard_normal(a.shape)
    (gge,) = grad([ge], [ge_in], [ember.tensor(h)])
    (ggt,) = grad([gt], [gt_in], [torch.tensor(h)])
    check(gge, ggt, msg=expr)


def test_getitem_grad_fn_names():
    e = ember.zeros(3, 4, requires_grad=True)
    assert e[0].grad_fn.name() == "SelectBackward0"
    assert e[0:2].grad_fn.name() == "SliceBackward0"
    assert e[None].grad_fn.name() == "UnsqueezeBackward0"
    assert e[...].grad_fn.name() == "AliasBackward0"
    assert e[ember.tensor([0])].grad_fn.name() == "IndexBackward0"


def test_setitem_on_leaf_requiring_grad_raises():
    e = ember.zeros(3, requires_grad=True)
    t = torch.zeros(3, requires_grad=True)

    def set_e():
        e[0] = 1.0

    def set_t():
        t[0] = 1.0

    raises_like(set_e, set_t)

    def set_e_adv():
        e[ember.tensor([0])] = 1.0

    def set_t_adv():
        t[torch.tensor([0])] = 1.0

    raises_like(set_e_adv, set_t_adv)


@pytest.mark.parametrize("target", ["y[T([0, 2])]", "y[y.detach() > 0]", "y[T([0, 0]), T([1, 2])]"])
def test_setitem_advanced_grad(target):
    a = np.random.default_rng(6).standard_normal((3, 4))
    e, t = ember.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    ye, yt = e.clone(), t.clone()
    env_e, env_t = make_env(ember, None), make_env(torch, None)
    env_e["y"], env_t["y"] = ye, yt
    n = eval(target, env_e).shape
    v = np.random.default_rng(7).standard_normal(tuple(n))
    ve, vt = ember.tensor(v, requires_grad=True), torch.tensor(v, requires_grad=True)
    env_e["v"], env_t["v"] = ve, vt
    exec(f"{target} = v", env_e)
    exec(f"{target} = v", env_t)
    g = np.random.default_rng(8).standard_normal(a.shape)
    gre = grad([ye], [e, ve], [ember.tensor(g)])
    grt = grad([yt], [t, vt], [torch.tensor(g)])
    check(list(gre), list(grt), msg=target)


@needs_as_strided
@pytest.mark.parametrize("target", ["y[1]", "y[:, ::2]", "y[1:, 2]"])
def test_setitem_basic_grad(target):
    a = np.random.default_rng(9).standard_normal((3, 4))
    e, t = ember.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    ye, yt = e.clone(), t.clone()
    env_e, env_t = {"y": ye}, {"y": yt}
    n = eval(target, env_t).shape
    v = np.random.default_rng(10).standard_normal(tuple(n))
    ve, vt = ember.tensor(v, requires_grad=True), torch.tensor(v, requires_grad=True)
    env_e["v"], env_t["v"] = ve * 2, vt * 2
    exec(f"{target} = v", env_e)
    exec(f"{target} = v", env_t)
    g = np.random.default_rng(11).standard_normal(a.shape)
    check(list(grad([ye], [e, ve], [ember.tensor(g)])), list(grad([yt], [t, vt], [torch.tensor(g)])), msg=target)


@needs_sum
def test_setitem_broadcast_value_grad():
    a = np.random.default_rng(12).standard_normal((3, 4))
    e, t = ember.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    ve = ember.tensor([1.0, 2.0, 3.0, 4.0], dtype=ember.float64, requires_grad=True)
    vt = torch.tensor([1.0, 2.0, 3.0, 4.0], dtype=torch.float64, requires_grad=True)
    ye, yt = e.clone(), t.clone()
    ye[ember.tensor([0, 2])] = ve
    yt[torch.tensor([0, 2])] = vt
    g = np.ones(a.shape)
    check(list(grad([ye], [e, ve], [ember.tensor(g)])), list(grad([yt], [t, vt], [torch.tensor(g)])), rtol=1e-6, atol=1e-6)


# ---------------------------------------------------------------- speed
def test_hot_paths_are_cheap():
    """x[idx] (a batch gather) and x[i:j] stay within a small factor of torch's per-call cost."""
    import time

    xe, xt = ember.zeros(1000, 16), torch.zeros(1000, 16)
    ie, it = ember.tensor(np.arange(0, 1000, 7)), torch.tensor(np.arange(0, 1000, 7))

    def best(fn, n=2000):
        times = []
        for _ in range(3):
            t0 = time.perf_counter()
            for _ in range(n):
                fn()
            times.append(time.perf_counter() - t0)
        return min(times) / n

    for fe, ft in [(lambda: xe[ie], lambda: xt[it]), (lambda: xe[3:50], lambda: xt[3:50]), (lambda: xe[5], lambda: xt[5])]:
        te, tt = best(fe), best(ft)
        assert te < 3 * tt + 2e-6, f"ember {te * 1e6:.2f}us vs torch {tt * 1e6:.2f}us"
