"""Helpers to compare ember with real PyTorch (the test oracle).

    from oracle import ember, torch, pair, check, LAYOUTS
    for layout in LAYOUTS:
        e, t = pair((3, 4), "float32", layout)       # same values, same layout, in both libraries
        check(ember.exp(e), torch.exp(t))            # shape, dtype and values must match

Layouts: contiguous, transposed (non-contiguous, same logical shape), sliced (a strided
view with steps), expanded (stride-0 broadcast view). 0-d and empty shapes are just shapes.
"""
import numpy as np
import torch  # the oracle: Debian's python3-torch
import ember

DTYPES = ["float32", "float64", "float16", "bfloat16", "int8", "int16", "int32", "int64", "uint8", "bool"]
FLOAT_DTYPES = ["float32", "float64", "float16", "bfloat16"]
INT_DTYPES = ["int8", "int16", "int32", "int64", "uint8"]
LAYOUTS = ["contiguous", "transposed", "sliced", "expanded"]


def edt(name):
    return getattr(ember, name)


def tdt(name):
    return getattr(torch, name)


def dtype_name(d):
    return str(d).split(".")[-1]


def to_numpy(x):
    """ember or torch tensor -> numpy (bfloat16 goes through float32)."""
    if isinstance(x, torch.Tensor):
        x = x.detach()
        if x._is_zerotensor():  # torch's lazily-zero gradients have no readable memory
            x = torch.zeros(x.shape, dtype=x.dtype)
        if x.dtype == torch.bfloat16:
            x = x.float()
        return x.numpy()
    x = x.detach()
    if x.dtype == ember.bfloat16:
        x = x.float()
    return x.numpy()


def random_array(shape, dtype, rng=None, low=-3.0, high=3.0):
    rng = rng or np.random.default_rng(0)
    if dtype == "bool":
        return rng.random(shape) > 0.5
    if dtype in INT_DTYPES:
        lo, hi = (0, 10) if dtype == "uint8" else (-8, 9)
        return rng.integers(lo, hi, size=shape).astype(dtype)
    a = rng.uniform(low, high, size=shape)
    return a.astype("float32" if dtype == "bfloat16" else dtype)


def from_numpy_both(a, dtype):
    e = ember.tensor(a.copy())
    t = torch.tensor(a.copy())
    if dtype == "bfloat16":
        e, t = e.to(ember.bfloat16), t.to(torch.bfloat16)
    return e, t


def pair(shape, dtype="float32", layout="contiguous", rng=None, low=-3.0, high=3.0, requires_grad=False):
    """The same data as an ember tensor and a torch tensor, with the given memory layout."""
    shape = tuple(shape)
    if layout == "contiguous" or len(shape) == 0:
        e, t = from_numpy_both(random_array(shape, dtype, rng, low, high), dtype)
    elif layout == "transposed":
        # build the reversed shape, then permute back: same logical shape, reversed strides
        a = random_array(shape[::-1], dtype, rng, low, high)
        e, t = from_numpy_both(a, dtype)
        perm = list(range(len(shape)))[::-1]
        e, t = e.permute(*perm), t.permute(*perm)
    elif layout == "sliced":
        big = tuple(s * 2 for s in shape)
        e, t = from_numpy_both(random_array(big, dtype, rng, low, high), dtype)
        idx = tuple(slice(None, None, 2) for _ in shape)
        e, t = e[idx], t[idx]
    elif layout == "expanded":
        small = (1,) + tuple(shape[1:]) if len(shape) > 0 else ()
        e, t = from_numpy_both(random_array(small, dtype, rng, low, high), dtype)
        e, t = e.expand(*shape), t.expand(*shape)
    else:
        raise ValueError(layout)
    if requires_grad:
        e = e.detach().requires_grad_(True)
        t = t.detach().requires_grad_(True)
    return e, t


def check(e, t, rtol=None, atol=None, check_dtype=True, equal_nan=True, msg=""):
    """Assert an ember result equals a torch result: type, shape, dtype and values."""
    if isinstance(t, (tuple, list)):
        assert isinstance(e, (tuple, list)) and len(e) == len(t), f"{msg}: expected {len(t)} results, got {e!r}"
        for i, (a, b) in enumerate(zip(e, t)):
            check(a, b, rtol, atol, check_dtype, equal_nan, f"{msg}[{i}]")
        return
    if not isinstance(t, torch.Tensor):
        assert not isinstance(e, ember.Tensor), f"{msg}: expected a Python value, got a tensor"
        if isinstance(t, float):
            np.testing.assert_allclose(e, t, rtol=rtol or 1e-6, atol=atol or 1e-6, err_msg=msg)
        else:
            assert e == t, f"{msg}: {e!r} != {t!r}"
        return
    assert isinstance(e, ember.Tensor), f"{msg}: expected a tensor, got {type(e)}"
    assert tuple(e.shape) == tuple(t.shape), f"{msg}: shape {tuple(e.shape)} != {tuple(t.shape)}"
    if check_dtype:
        assert dtype_name(e.dtype) == dtype_name(t.dtype), f"{msg}: dtype {e.dtype} != {t.dtype}"
    a, b = to_numpy(e), to_numpy(t)
    if rtol is None:
        rtol = {"float16": 1e-3, "bfloat16": 1e-2, "float32": 1e-5}.get(dtype_name(t.dtype), 1e-7)
    if atol is None:
        atol = {"float16": 1e-3, "bfloat16": 1e-2, "float32": 1e-5}.get(dtype_name(t.dtype), 1e-7)
    if a.dtype.kind in "fc":
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan, err_msg=msg)
    else:
        np.testing.assert_array_equal(a, b, err_msg=msg)


def check_grads(e_inputs, t_inputs, rtol=None, atol=None, msg=""):
    """After backward in both libraries: compare .grad of corresponding inputs."""
    for i, (a, b) in enumerate(zip(e_inputs, t_inputs)):
        if b.grad is None:
            assert a.grad is None, f"{msg}: input {i} has a grad in ember but not in torch"
        else:
            assert a.grad is not None, f"{msg}: input {i} has no grad in ember"
            check(a.grad, b.grad, rtol, atol, msg=f"{msg} grad[{i}]")


def raises_like(fn_e, fn_t):
    """Both calls raise, with the same exception type; returns ember's exception."""
    try:
        fn_t()
    except Exception as te:
        ttype = type(te)
    else:
        raise AssertionError("torch did not raise")
    try:
        fn_e()
    except Exception as ee:
        assert isinstance(ee, ttype), f"ember raised {type(ee).__name__}: {ee}; torch raised {ttype.__name__}"
        return ee
    raise AssertionError(f"ember did not raise (torch raised {ttype.__name__})")


def check_same(fn_e, fn_t, **kw):
    """fn_e() and fn_t() give the same result (compared with check), or raise the same exception type."""
    try:
        want = fn_t()
    except Exception:  # noqa: BLE001 - the type is what we compare
        raises_like(fn_e, fn_t)
        return
    check(fn_e(), want, **kw)
