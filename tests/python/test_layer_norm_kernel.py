"""layer_norm's fused kernel and its backward: values and all three gradients
against torch, over shapes that exercise the row blocks, odd lengths, missing
affine parameters, strided inputs and 16-bit types; gradcheck and gradgradcheck
in float64 (the second derivative comes from the ops path)."""
import numpy as np
import pytest
import torch

import ember
import ember.nn.functional as F


def pair(shape, seed, dtype=np.float32, scale=1.0, shift=0.0):
    a = (np.random.default_rng(seed).standard_normal(shape) * scale + shift).astype(dtype)
    return ember.from_numpy(a.copy()), torch.from_numpy(a.copy())


CASES = [
    ((2, 3, 8), (8,), True, True),
    ((33, 17), (17,), True, True),          # rows across two row blocks, odd length
    ((70, 1000), (1000,), True, False),     # long rows, weight only
    ((4, 5, 6), (5, 6), False, True),       # two normalized dims, bias only
    ((3, 40), (40,), False, False),
    ((7,), (7,), True, True),               # one row
]


@pytest.mark.parametrize("shape,norm,has_w,has_b", CASES)
def test_values_and_gradients_match_torch(shape, norm, has_w, has_b):
    xe, xt = pair(shape, 1, scale=3.0, shift=2.0)
    we, wt = pair(norm, 2) if has_w else (None, None)
    be, bt = pair(norm, 3) if has_b else (None, None)
    ge, gt = pair(shape, 4)
    leaves_e = [t for t in (xe, we, be) if t is not None]
    leaves_t = [t for t in (xt, wt, bt) if t is not None]
    for t in leaves_e + leaves_t:
        t.requires_grad_(True)
    ye = F.layer_norm(xe, norm, we, be, 1e-5)
    yt = torch.nn.functional.layer_norm(xt, norm, wt, bt, 1e-5)
    np.testing.assert_allclose(ye.detach().numpy(), yt.detach().numpy(), rtol=1e-5, atol=1e-5)
    ye.backward(ge)
    yt.backward(gt)
    for a, b in zip(leaves_e, leaves_t):
        assert a.grad.shape == tuple(b.grad.shape)
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-4, atol=1e-4)


def test_strided_input_and_partial_requires_grad():
    base_e, base_t = pair((16, 12), 5)
    xe, xt = base_e.t().requires_grad_(True), base_t.t().requires_grad_(True)  # 12 x 16, not contiguous
    we, wt = pair((16,), 6)                                                     # weight without grad
    ye = F.layer_norm(xe, (16,), we, None)
    yt = torch.nn.functional.layer_norm(xt, (16,), wt, None)
    np.testing.assert_allclose(ye.detach().numpy(), yt.detach().numpy(), rtol=1e-5, atol=1e-5)
    ye.sum().backward()
    yt.sum().backward()
    np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy(), rtol=1e-4, atol=1e-4)
    assert we.grad is None


@pytest.mark.parametrize("dtype", [ember.float16, ember.bfloat16])
def test_16bit_inputs_compute_in_float(dtype):
    xe, _ = pair((9, 24), 7)
    we, _ = pair((24,), 8)
    x16, w16 = xe.to(dtype).requires_grad_(True), we.to(dtype).requires_grad_(True)
    y = F.layer_norm(x16, (24,), w16, None)
    assert y.dtype == dtype
    ref = F.layer_norm(x16.detach().float(), (24,), w16.detach().float(), None)
    np.testing.assert_allclose(y.detach().float().numpy(), ref.numpy(), rtol=1e-2, atol=1e-2)
    y.sum().backward()
    assert x16.grad.dtype == dtype and w16.grad.dtype == dtype


def test_empty_batch():
    x = ember.zeros(0, 5, requires_grad=True)
    w = ember.ones(5, requires_grad=True)
    y = F.layer_norm(x, (5,), w, None)
    assert tuple(y.shape) == (0, 5)
    y.sum().backward()
    assert tuple(x.grad.shape) == (0, 5)
    np.testing.assert_array_equal(w.grad.numpy(), np.zeros(5, np.float32))


def test_gradcheck_and_gradgradcheck_float64():
    rng = np.random.default_rng(9)
    x = ember.from_numpy(rng.standard_normal((3, 4, 5))).requires_grad_(True)
    w = ember.from_numpy(rng.standard_normal((4, 5))).requires_grad_(True)
    b = ember.from_numpy(rng.standard_normal((4, 5))).requires_grad_(True)
    fn = lambda x, w, b: F.layer_norm(x, (4, 5), w, b, 1e-5)
    assert ember.autograd.gradcheck(fn, (x, w, b))
    assert ember.autograd.gradgradcheck(fn, (x, w, b))


def test_results_do_not_depend_on_the_thread_count():
    xe, _ = pair((300, 64), 10)
    we, _ = pair((64,), 11)
    grads, before = [], ember.get_num_threads()
    for threads in (1, 2):
        ember.set_num_threads(threads)
        x, w = xe.clone().requires_grad_(True), we.clone().requires_grad_(True)
        F.layer_norm(x, (64,), w, None).pow(2).sum().backward()
        grads.append((x.grad.numpy(), w.grad.numpy()))
    ember.set_num_threads(before)
    np.testing.assert_array_equal(grads[0][0], grads[1][0])
    np.testing.assert_array_equal(grads[0][1], grads[1][1])
