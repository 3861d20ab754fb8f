"""Shared helpers of the LAPACK-backed linalg tests (test_linalg_decomp.py,
test_linalg_spectral.py): well-conditioned random matrices, the same data as
ember and torch tensors in several memory layouts, comparisons of results and
gradients with torch, and ember's own gradchecks in float64."""
import numpy as np
import torch

import ember


def gen(shape, kind="general", seed=0):
    """float64 test matrices. general: square ones have singular values in [1, 3] (well conditioned,
    yet LU still pivots); spd: symmetric positive definite; rhs: standard normal."""
    rng = np.random.default_rng(seed)
    shape = tuple(shape)
    if 0 in shape:
        return np.zeros(shape)
    if kind == "rhs" or len(shape) < 2 or (kind == "general" and shape[-1] != shape[-2]):
        return rng.standard_normal(shape)
    n = shape[-1]
    batch = shape[:-2]
    if kind == "general":
        q1 = np.linalg.qr(rng.standard_normal(batch + (n, n)))[0]
        q2 = np.linalg.qr(rng.standard_normal(batch + (n, n)))[0]
        s = rng.uniform(1.0, 3.0, batch + (n,))
        return (q1 * s[..., None, :]) @ q2
    if kind == "spd":
        x = rng.standard_normal(batch + (n, n))
        return x @ np.swapaxes(x, -1, -2) + n * np.eye(n)
    if kind == "sym":
        x = rng.standard_normal(batch + (n, n))
        return x + np.swapaxes(x, -1, -2)
    raise ValueError(kind)


def singular_batch():
    """(2, 3, 3): the identity, then a singular matrix."""
    return np.array([np.eye(3), [[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 1.0, 1.0]]])


def both(a, dtype="float64", layout="contiguous"):
    """The same values as (ember, torch) tensors of `dtype`, laid out as asked: contiguous,
    transposed (matrix dims stored the other way round) or sliced (every other element)."""
    a = np.asarray(a, dtype=dtype)
    if layout == "transposed" and a.ndim >= 2:
        store = np.ascontiguousarray(np.swapaxes(a, -1, -2))
        return ember.tensor(store.copy()).mT, torch.tensor(store.copy()).mT
    if layout == "sliced" and a.ndim >= 1:
        big = np.zeros(a.shape[:-1] + (2 * a.shape[-1],), dtype=dtype)
        big[..., ::2] = a
        return ember.tensor(big.copy())[..., ::2], torch.tensor(big.copy())[..., ::2]
    return ember.tensor(a.copy()), torch.tensor(a.copy())


def tol(dtype_name):
    return (2e-4, 2e-4) if dtype_name == "float32" else (1e-9, 1e-9)


def _np(x):
    return x.detach().numpy()


def close(e, t, rtol=None, atol=None, msg=""):
    """Same structure, shapes, dtypes and values (within the dtype's tolerance)."""
    if isinstance(t, (tuple, list)):
        assert isinstance(e, (tuple, list)) and len(e) == len(t), f"{msg}: {e!r} vs {t!r}"
        for i, (a, b) in enumerate(zip(e, t)):
            close(a, b, rtol, atol, f"{msg}[{i}]")
        return
    assert isinstance(e, ember.Tensor), f"{msg}: expected a tensor, got {type(e)}"
    assert tuple(e.shape) == tuple(t.shape), f"{msg}: shape {tuple(e.shape)} != {tuple(t.shape)}"
    dn = str(t.dtype).split(".")[-1]
    assert str(e.dtype).split(".")[-1] == dn, f"{msg}: dtype {e.dtype} != {t.dtype}"
    r, a = tol(dn)
    a_np, b_np = _np(e), _np(t)
    if a_np.dtype.kind == "f":
        np.testing.assert_allclose(a_np, b_np, rtol=rtol or r, atol=atol or a, equal_nan=True, err_msg=msg)
    else:
        np.testing.assert_array_equal(a_np, b_np, err_msg=msg)


def _outputs(out):
    return list(out) if isinstance(out, (tuple, list)) else [out]


def compare_grads(fn, arrays, dtype="float64", rtol=None, atol=None, seed=7):
    """fn (written against either library) gives the same outputs and the same input gradients
    for the same random output gradients in ember and torch."""
    arrays = arrays if isinstance(arrays, list) else [arrays]
    e_in, t_in = [], []
    for a in arrays:
        e, t = both(a, dtype)
        e_in.append(e.requires_grad_(True))
        t_in.append(t.requires_grad_(True))
    e_out, t_out = _outputs(fn(*e_in)), _outputs(fn(*t_in))
    close(e_out, t_out, rtol, atol, "outputs")
    rng = np.random.default_rng(seed)
    ge, gt, eo, to = [], [], [], []
    for a, b in zip(e_out, t_out):
        if not b.requires_grad:
            continue
        g = rng.standard_normal(tuple(b.shape))
        ge.append(ember.tensor(g).to(a.dtype))
        gt.append(torch.tensor(g).to(b.dtype))
        eo.append(a)
        to.append(b)
    egs = ember.autograd.grad(eo, e_in, ge, allow_unused=True)
    tgs = torch.autograd.grad(to, t_in, gt, allow_unused=True)
    for i, (a, b) in enumerate(zip(egs, tgs)):
        if b is None:
            assert a is None or not np.any(_np(a)), f"grad[{i}]: torch has none"
            continue
        close(a, b, rtol, atol, f"grad[{i}]")


def egradcheck(fn, arrays, second_order=False):
    """ember's finite-difference gradcheck (and gradgradcheck) in float64."""
    arrays = arrays if isinstance(arrays, list) else [arrays]
    inputs = tuple(ember.tensor(np.asarray(a, dtype="float64")).requires_grad_(True) for a in arrays)
    assert ember.autograd.gradcheck(fn, inputs)
    if second_order:
        assert ember.autograd.gradgradcheck(fn, inputs)


def raises_both(fn_e, fn_t, linalg_error=False):
    """Both raise the same kind of exception (LinAlgError in both when asked); returns ember's."""
    try:
        fn_t()
    except Exception as exc:  # noqa: BLE001
        t_exc = exc
    else:
        raise AssertionError("torch did not raise")
    try:
        fn_e()
    except Exception as exc:  # noqa: BLE001
        e_exc = exc
    else:
        raise AssertionError(f"ember did not raise (torch raised {type(t_exc).__name__}: {t_exc})")
    t_linalg = isinstance(t_exc, torch.linalg.LinAlgError)
    assert t_linalg == linalg_error, f"torch raised {type(t_exc).__name__}: {t_exc}"
    assert isinstance(e_exc, ember.linalg.LinAlgError) == t_linalg, f"ember raised {type(e_exc).__name__}: {e_exc}"
    for base in (IndexError, ValueError, TypeError, NotImplementedError, RuntimeError):
        if isinstance(t_exc, base):
            assert isinstance(e_exc, base), f"ember raised {type(e_exc).__name__}: {e_exc}; torch {type(t_exc).__name__}"
            break
    return e_exc
