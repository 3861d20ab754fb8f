"""Helpers shared by test_conv.py and test_pool.py: gradients through both
libraries, and finite-difference checks of ember's first and second derivatives."""
import numpy as np
import torch

import ember
from oracle import check, to_numpy


def egrad(outputs, inputs, grad_outputs, create_graph=False):
    """ember.autograd.grad: gradients of outputs w.r.t. inputs (None where unused)."""
    auto = getattr(ember, "autograd", None)
    if auto is not None and hasattr(auto, "grad"):
        return auto.grad(outputs, inputs, grad_outputs, create_graph=create_graph, allow_unused=True)
    return ember._C._run_grad(list(outputs), list(inputs), list(grad_outputs), None, create_graph, True)


def both(a, dtype="float64", requires_grad=True):
    """The same numpy array as an ember and a torch tensor."""
    e = ember.tensor(a.copy())
    t = torch.tensor(a.copy())
    if dtype == "bfloat16":
        e, t = e.to(ember.bfloat16), t.to(torch.bfloat16)
    elif dtype != str(a.dtype):
        e, t = e.to(getattr(ember, dtype)), t.to(getattr(torch, dtype))
    if requires_grad:
        e.requires_grad_(True)
        t.requires_grad_(True)
    return e, t


def rand(rng, shape, dtype="float32", low=-1.0, high=1.0):
    return rng.uniform(low, high, size=shape).astype("float32" if dtype == "bfloat16" else dtype)


def compare_fn(fe, ft, arrays, dtype="float32", rtol=None, atol=None, grads=True, rng=None, msg=""):
    """Run fe on ember tensors and ft on torch tensors made from `arrays` (None passes through);
    compare outputs, then gradients of a random projection of the output w.r.t. every input."""
    rng = rng or np.random.default_rng(1)
    pairs = [both(a, dtype, requires_grad=grads) if a is not None else (None, None) for a in arrays]
    ein = [p[0] for p in pairs]
    tin = [p[1] for p in pairs]
    ye, yt = fe(*ein), ft(*tin)
    check(ye, yt, rtol=rtol, atol=atol, msg=msg)
    if not grads:
        return ye, yt
    g = rng.uniform(-1, 1, size=tuple(yt.shape)).astype("float32" if dtype == "bfloat16" else dtype)
    ge, gt = both(g, dtype, requires_grad=False)
    live = [i for i, t in enumerate(tin) if t is not None]
    te = torch.autograd.grad([yt], [tin[i] for i in live], [gt], allow_unused=True)
    ee = egrad([ye], [ein[i] for i in live], [ge])
    for k, i in enumerate(live):
        if te[k] is None:
            assert ee[k] is None, f"{msg}: input {i} has a gradient in ember but not in torch"
        else:
            assert ee[k] is not None, f"{msg}: input {i} has no gradient in ember"
            check(ee[k], te[k], rtol=rtol, atol=atol, msg=f"{msg} grad[{i}]")
    return ye, yt


def numeric_check(fn, arrays, eps=1e-6, tol=1e-6, second_order=True, seed=0):
    """Finite differences in float64 on ember alone, along random directions:
    <u, (f(x + e v) - f(x - e v)) / 2e> must equal <J^T u, v> (first derivative), and the same
    for the map x -> <J^T(x) u, w> (second derivative) when second_order is set."""
    rng = np.random.default_rng(seed)
    xs = [ember.tensor(a.astype("float64")).requires_grad_(True) for a in arrays]
    y = fn(*xs)
    u = ember.tensor(rng.standard_normal(tuple(y.shape)))
    vs = [rng.standard_normal(a.shape) for a in arrays]

    def proj(arrs):
        out = fn(*[ember.tensor(a) for a in arrs])
        return float((to_numpy(out) * to_numpy(u)).sum())

    def directional(f, base, dirs):
        plus = [b + eps * d for b, d in zip(base, dirs)]
        minus = [b - eps * d for b, d in zip(base, dirs)]
        return (f(plus) - f(minus)) / (2 * eps)

    base = [a.astype("float64") for a in arrays]
    grads = egrad([y], xs, [u], create_graph=second_order)
    analytic = sum(float((to_numpy(g) * v).sum()) for g, v in zip(grads, vs) if g is not None)
    numeric = directional(proj, base, vs)
    assert abs(analytic - numeric) <= tol * max(1.0, abs(numeric)), f"first derivative {analytic} vs numeric {numeric}"
    if not second_order:
        return
    ws = [rng.standard_normal(a.shape) for a in arrays]
    live = [(g, ember.tensor(w)) for g, w in zip(grads, ws) if g is not None and g.requires_grad]
    if not live:
        return
    hv = egrad([g for g, _ in live], xs, [w for _, w in live])
    analytic2 = sum(float((to_numpy(h) * v).sum()) for h, v in zip(hv, vs) if h is not None)

    def grad_proj(arrs):
        ins = [ember.tensor(a).requires_grad_(True) for a in arrs]
        gs = egrad([fn(*ins)], ins, [u])
        return sum(float((to_numpy(g) * w).sum()) for g, w in zip(gs, ws) if g is not None)

    numeric2 = directional(grad_proj, base, vs)
    assert abs(analytic2 - numeric2) <= 1e3 * tol * max(1.0, abs(numeric2)), \
        f"second derivative {analytic2} vs numeric {numeric2}"
