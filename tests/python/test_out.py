"""out= on the ember namespace, against torch: values, identity, dtype rules, resizing, errors."""
import warnings

import numpy as np
import pytest
import torch

import ember
from ember._out import OUT_FUNCTIONS

X = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)
Y = np.random.default_rng(1).uniform(0.5, 2.0, (3, 4)).astype(np.float32)

CASES = {
    "add": lambda L, x, y: (x, y), "mul": lambda L, x, y: (x, y), "div": lambda L, x, y: (x, y),
    "pow": lambda L, x, y: (y, x), "atan2": lambda L, x, y: (x, y), "maximum": lambda L, x, y: (x, y),
    "exp": lambda L, x, y: (x,), "sqrt": lambda L, x, y: (y,), "sigmoid": lambda L, x, y: (x,),
    "clamp": lambda L, x, y: (x, -0.5, 0.5), "sum": lambda L, x, y: (x, 1), "mean": lambda L, x, y: (x, 0),
    "cumsum": lambda L, x, y: (x, 1), "logsumexp": lambda L, x, y: (x, 1), "matmul": lambda L, x, y: (x, y.T),
    "mm": lambda L, x, y: (x, y.T), "cat": lambda L, x, y: ([x, y],), "stack": lambda L, x, y: ([x, y], 1),
    "where": lambda L, x, y: (x > 0, x, y), "prod": lambda L, x, y: (y, 1), "argmax": lambda L, x, y: (x, 1), "gather": lambda L, x, y: (x, 1, L.tensor([[0, 1], [2, 3], [1, 1]])),
    "index_select": lambda L, x, y: (x, 0, L.tensor([2, 0])), "tril": lambda L, x, y: (x,),
    "eq": lambda L, x, y: (x, x), "nonzero": lambda L, x, y: (x > 0,),
}


@pytest.mark.parametrize("name", [n for n, c in CASES.items() if c])
def test_out_matches_torch(name):
    res = []
    for L in (torch, ember):
        x, y = L.tensor(X), L.tensor(Y)
        args = CASES[name](L, x, y)
        want = getattr(L, name)(*args)
        out = L.empty(0, dtype=want.dtype)
        got = getattr(L, name)(*args, out=out)
        assert got is out
        res.append(out.numpy().copy())
    np.testing.assert_allclose(res[1], res[0], rtol=1e-6, atol=1e-6)


def test_out_tuple_and_namedtuple():
    for L in (torch, ember):
        v, i = L.empty(0), L.empty(0, dtype=L.int64)
        r = L.max(L.tensor(X), 1, out=(v, i))
        assert r.values is v and r.indices is i and tuple(v.shape) == (3,)
        v2, i2 = L.empty(0), L.empty(0, dtype=L.int64)
        L.sort(L.tensor(X), 1, out=(v2, i2))
        assert tuple(i2.shape) == (3, 4)
    np.testing.assert_array_equal(
        ember.sort(ember.tensor(X), 1)[1].numpy(), torch.sort(torch.tensor(X), 1)[1].numpy())


def test_creation_takes_out_dtype():
    for L in (torch, ember):
        o = L.zeros(5, dtype=L.int64)
        assert L.arange(5, out=o) is o and o.dtype == L.int64 and o.tolist() == [0, 1, 2, 3, 4]
        f = L.empty(0, dtype=L.float64)
        L.ones(2, 2, out=f)
        assert f.dtype == L.float64 and f.tolist() == [[1.0, 1.0], [1.0, 1.0]]


def test_out_rules_like_torch():
    for L in (torch, ember):
        x = L.tensor(X)
        with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired output type Long"):
            L.add(x, x, out=L.empty(3, 4, dtype=L.int64))
        r = L.add(L.tensor([1, 2]), 1, out=L.empty(2))  # int result into a float out: allowed
        assert r.tolist() == [2.0, 3.0]
        with pytest.raises(RuntimeError, match="don't support automatic differentiation"):
            L.mul(L.tensor(X, requires_grad=True), 2.0, out=L.empty(3, 4))
        with L.no_grad():
            L.mul(L.tensor(X, requires_grad=True), 2.0, out=L.empty(3, 4))
        small = L.zeros(2)
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            L.exp(x, out=small)
        assert tuple(small.shape) == (3, 4) and any("was resized" in str(m.message) for m in w)
        same = L.tensor(X.copy())
        L.add(same, same, out=same)  # out aliasing an input
        np.testing.assert_allclose(same.numpy(), 2 * X)


def test_resize_like_torch():
    for L in (torch, ember):
        t = L.arange(6.0).view(2, 3)
        assert t.resize_(3, 2) is t and tuple(t.stride()) == (2, 1) and t.flatten().tolist() == list(range(6))
        t.resize_(4, 4)
        assert t.numel() == 16 and t.flatten()[:6].tolist() == list(range(6))
        t.resize_as_(L.empty(1))
        assert tuple(t.shape) == (1,)
        with pytest.raises(RuntimeError):
            t.resize_(-1)
        with pytest.raises(RuntimeError):
            L.ones(2, requires_grad=True).resize_(3)


def test_every_listed_function_exists_in_torch():
    assert all(hasattr(torch, n) for n in OUT_FUNCTIONS)


def test_isclose_allclose_like_torch():
    inf, nan = float("inf"), float("nan")
    a = [1.0, inf, nan, 2.0, -inf, 0.0, 1e-9]
    b = [1.0 + 1e-9, inf, nan, 2.1, inf, 1e-8, 0.0]
    cases = [((a, b), {}), ((a, b), {"equal_nan": True}), ((a, b), {"rtol": 0.1}), ((a, b), {"rtol": 0, "atol": 0}),
             (([1, 2, 3], [1, 3, 4]), {"rtol": 0.4, "atol": 0}), (([True, False], [True, True]), {})]
    for (x, y), kw in cases:
        res = []
        for L in (torch, ember):
            tx, ty = L.tensor(x), L.tensor(y)
            r = L.isclose(tx, ty, **kw)
            assert r.dtype == L.bool
            res.append((r.tolist(), tx.isclose(ty, **kw).tolist(), L.allclose(tx[:1], ty[:1], **kw), tx.allclose(ty, **kw)))
        assert res[0] == res[1], (x, kw)
    for L in (torch, ember):
        with pytest.raises(RuntimeError, match="Float did not match Double"):
            L.isclose(L.ones(2), L.ones(2, dtype=L.float64))
        with pytest.raises(RuntimeError, match="rtol must be greater than or equal to zero"):
            L.isclose(L.ones(2), L.ones(2), rtol=-1)
        r = L.isclose(L.ones(2, 3), L.ones(3))  # broadcasts
        assert tuple(r.shape) == (2, 3)


def test_logaddexp_diff_splits_like_torch():
    inf, nan = float("inf"), float("nan")
    a = [1.0, inf, -inf, inf, 0.0, -3.0, 700.0]
    b = [2.0, inf, -inf, -inf, nan, -3.0, 1.0]
    for name in ("logaddexp", "logaddexp2"):
        got, want = getattr(ember, name)(ember.tensor(a), ember.tensor(b)), getattr(torch, name)(torch.tensor(a), torch.tensor(b))
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6)
        ea = ember.tensor(a[:2] + [0.5], dtype=ember.float64, requires_grad=True)
        ta = torch.tensor(a[:2] + [0.5], dtype=torch.float64, requires_grad=True)
        getattr(ember, name)(ea, ember.tensor([2.0, 1.0, -1.0], dtype=ember.float64)).sum().backward()
        getattr(torch, name)(ta, torch.tensor([2.0, 1.0, -1.0], dtype=torch.float64)).sum().backward()
        np.testing.assert_allclose(ea.grad.numpy()[[0, 2]], ta.grad.numpy()[[0, 2]], rtol=1e-9)
        for L in (torch, ember):
            with pytest.raises(RuntimeError, match="not implemented for 'Long'"):
                getattr(L, name)(L.tensor([1, 2]), L.tensor([1, 2]))
    m = np.arange(12).reshape(3, 4) ** 2
    for args, kw in [((m,), {}), ((m,), {"n": 2}), ((m,), {"dim": 0}), ((m,), {"n": 5}), ((m,), {"n": 0}),
                     ((m.astype(bool),), {}), ((m.astype(np.float32),), {"dim": 0, "prepend": "p", "append": "a"})]:
        res = []
        for L in (torch, ember):
            kw2 = dict(kw)
            if "prepend" in kw2:
                kw2["prepend"], kw2["append"] = L.zeros(1, 4), L.ones(2, 4)
            r = L.diff(L.tensor(args[0]), **kw2)
            res.append((r.numpy().tolist(), str(r.dtype).split(".")[-1]))
        assert res[0] == res[1], kw
    for L in (torch, ember):
        with pytest.raises(RuntimeError, match="at least one-dimensional"):
            L.diff(L.tensor(1.0))
    x = np.arange(24.0).reshape(2, 3, 4)
    for name, ios in [("hsplit", 3), ("hsplit", [1, 2]), ("vsplit", 2), ("vsplit", [1]), ("dsplit", 2), ("dsplit", [1, 3])]:
        te, tt = getattr(ember, name)(ember.tensor(x), ios), getattr(torch, name)(torch.tensor(x), ios)
        assert [p.numpy().tolist() for p in te] == [p.numpy().tolist() for p in tt], (name, ios)
        assert [p.numpy().tolist() for p in getattr(ember.tensor(x), name)(ios)] == [p.numpy().tolist() for p in tt]
    for L in (torch, ember):
        with pytest.raises(RuntimeError, match="not divisible by the split_size 2"):
            L.hsplit(L.tensor(x), 2)
        with pytest.raises(RuntimeError, match="requires a tensor with at least 2 dimension"):
            L.vsplit(L.arange(6.0), 2)


def test_wrapped_functions_keep_their_identity_and_skip_python_without_out():
    import sys
    assert ember.add.__name__ == "add" and ember.add.__wrapped__ is ember._C.add
    assert "add(" in ember.add.__doc__
    a, b = ember.ones(3), ember.full((3,), 2.0)
    assert ember.add(a, b, out=None).tolist() == [3.0, 3.0, 3.0]
    assert ember.add(a, b, alpha=2).tolist() == [5.0, 5.0, 5.0]
    # without out=, no Python function runs between the call and the binding
    frames = []
    sys.setprofile(lambda frame, event, arg: frames.append(frame.f_code.co_name) if event == "call" else None)
    try:
        ember.add(a, b)
        ember.cat([a, b])
    finally:
        sys.setprofile(None)
    assert frames == [], frames
    with pytest.raises(TypeError):
        ember.add(a, b, out=5)
    import pickle
    assert pickle.loads(pickle.dumps(ember.add)) is ember.add  # by name, like torch's built-ins
