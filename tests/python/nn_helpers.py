"""Compare an ember.nn module with the torch.nn module of the same construction.

    compare_module(lambda nn: nn.Linear(3, 4), [x_np])

builds the module in both libraries, copies torch's weights into ember through numpy and
load_state_dict, checks parameter names/shapes, runs forward on the same inputs and backward
with the same output gradient, and compares outputs, input gradients and parameter gradients.
"""
import numpy as np
import torch

import ember
from oracle import check, to_numpy


def to_ember(t):
    return ember.tensor(to_numpy(t).copy())


def copy_state(em, tm):
    """Load torch's state_dict into the ember module (through numpy)."""
    sd = {k: ember.tensor(to_numpy(v).copy()) for k, v in tm.state_dict().items()}
    result = em.load_state_dict(sd)
    assert list(result.missing_keys) == [] and list(result.unexpected_keys) == []


def check_same_params(em, tm):
    """Parameter and buffer names, order and shapes equal torch's."""
    tn = [(k, tuple(v.shape)) for k, v in tm.named_parameters()]
    en = [(k, tuple(v.shape)) for k, v in em.named_parameters()]
    assert en == tn, f"parameters {en} != {tn}"
    tb = [(k, tuple(v.shape)) for k, v in tm.named_buffers()]
    eb = [(k, tuple(v.shape)) for k, v in em.named_buffers()]
    assert eb == tb, f"buffers {eb} != {tb}"
    assert list(em.state_dict().keys()) == list(tm.state_dict().keys())


def _flatten(out):
    if isinstance(out, (tuple, list)):
        res = []
        for o in out:
            res.extend(_flatten(o))
        return res
    if out is None:
        return []
    return [out]


def _leaf(a, lib, grad=True):
    t = lib.tensor(np.array(a).copy())
    if grad and t.is_floating_point():
        t.requires_grad_(True)
    return t


def compare_module(make, inputs, forward=None, dtype="float64", train=False, rtol=1e-6, atol=1e-8,
                   backward=True, copy=True, check_params=True, rng_seed=1, no_grad=()):
    """Run the same module in both libraries (inputs listed in no_grad get no gradient).

    Returns (ember module, torch module, ember outputs, torch outputs)."""
    forward = forward or (lambda m, *xs: m(*xs))
    tm = make(torch.nn)
    em = make(ember.nn)
    if dtype == "float64":
        tm, em = tm.double(), em.double()
    tm.train(train)
    em.train(train)
    if check_params:
        check_same_params(em, tm)
    if copy:
        copy_state(em, tm)
    tin = [_leaf(a, torch, i not in no_grad) if isinstance(a, np.ndarray) else a for i, a in enumerate(inputs)]
    ein = [_leaf(a, ember, i not in no_grad) if isinstance(a, np.ndarray) else a for i, a in enumerate(inputs)]
    tout = _flatten(forward(tm, *tin))
    eout = _flatten(forward(em, *ein))
    assert len(eout) == len(tout), f"{len(eout)} outputs, torch gives {len(tout)}"
    for i, (e, t) in enumerate(zip(eout, tout)):
        check(e, t, rtol=rtol, atol=atol, msg=f"output {i}")
    if not backward:
        return em, tm, eout, tout
    rng = np.random.default_rng(rng_seed)
    t_loss, e_loss = 0, 0
    for e, t in zip(eout, tout):
        if t.requires_grad:
            g = rng.standard_normal(tuple(t.shape)).astype(to_numpy(t).dtype)
            t_loss = t_loss + (t * torch.tensor(g)).sum()
            e_loss = e_loss + (e * ember.tensor(g)).sum()
    if isinstance(t_loss, int):
        return em, tm, eout, tout
    t_loss.backward()
    e_loss.backward()
    for i, (e, t) in enumerate(zip(ein, tin)):
        if isinstance(t, torch.Tensor) and t.requires_grad:
            assert (e.grad is None) == (t.grad is None), f"input {i} grad presence"
            if t.grad is not None:
                check(e.grad, t.grad, rtol=rtol, atol=atol, msg=f"input {i} grad")
    eparams = dict(em.named_parameters())
    for name, tp in tm.named_parameters():
        ep = eparams[name]
        if tp.grad is None:
            assert ep.grad is None or not to_numpy(ep.grad).any(), f"{name}: ember has a grad, torch none"
        else:
            assert ep.grad is not None, f"{name}: no grad in ember"
            check(ep.grad, tp.grad, rtol=rtol, atol=atol, msg=f"grad of {name}")
    return em, tm, eout, tout


def randn(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def seeded_forward(m, *xs):
    """Forward after seeding the input's library: ember draws the same random numbers as torch,
    so train-mode dropout and friends can be compared exactly."""
    lib = torch if isinstance(xs[0], torch.Tensor) else ember
    lib.manual_seed(7)
    return m(*xs)
