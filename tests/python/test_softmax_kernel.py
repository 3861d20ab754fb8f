"""softmax / log_softmax backward through the fused kernel: gradients against
torch along every dim (rows and column tiles), with masked (-inf) entries,
broadcast incoming gradients and float64; create_graph takes the ops path."""
import numpy as np
import pytest
import torch

import ember
import ember.nn.functional as F


@pytest.mark.parametrize("log", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape,dim", [((4, 37), 1), ((3, 33, 5), 1), ((1030, 3), 0), ((2, 3, 1100), -1), ((5,), 0)])
def test_gradients_match_torch(log, dtype, shape, dim):
    rng = np.random.default_rng(0)
    x = (rng.standard_normal(shape) * 4).astype(dtype)
    x[..., 0] = -np.inf if not log else x[..., 0]  # masked entries (softmax: a zero probability)
    g = rng.standard_normal(shape).astype(dtype)
    fe = F.log_softmax if log else F.softmax
    ft = torch.nn.functional.log_softmax if log else torch.nn.functional.softmax
    xe, xt = ember.from_numpy(x.copy()).requires_grad_(True), torch.from_numpy(x.copy()).requires_grad_(True)
    fe(xe, dim=dim).backward(ember.from_numpy(g))
    ft(xt, dim=dim).backward(torch.from_numpy(g))
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy(), rtol=tol, atol=tol)


def test_broadcast_incoming_gradient():
    x = np.random.default_rng(1).standard_normal((6, 9)).astype(np.float32)
    xe, xt = ember.from_numpy(x).requires_grad_(True), torch.from_numpy(x).requires_grad_(True)
    (F.softmax(xe, dim=1) * ember.arange(9.0)).sum().backward()
    (torch.softmax(xt, dim=1) * torch.arange(9.0)).sum().backward()
    np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("log", [False, True])
def test_double_backward(log):
    x = ember.from_numpy(np.random.default_rng(2).standard_normal((3, 4))).requires_grad_(True)
    fn = (lambda t: F.log_softmax(t, dim=1)) if log else (lambda t: F.softmax(t, dim=0))
    assert ember.autograd.gradcheck(fn, (x,))
    assert ember.autograd.gradgradcheck(fn, (x,))
