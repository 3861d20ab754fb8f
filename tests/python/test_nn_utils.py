"""nn.utils against torch: gradient clipping and parameter/vector conversion."""
import math

import numpy as np
import pytest
import torch

import ember
from nn_helpers import randn as R
from oracle import check, raises_like


def _params_with_grads(lib, dtype="float64"):
    ps = []
    for i, shape in enumerate([(3, 4), (5,), (2, 2, 2)]):
        p = lib.nn.Parameter(lib.tensor(R(*shape, seed=i).astype(dtype)))
        p.grad = lib.tensor(R(*shape, seed=10 + i).astype(dtype) * 3)
        ps.append(p)
    return ps


@pytest.mark.parametrize("norm_type", [2.0, 1, 3.5, math.inf, "inf", 0.5])
@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_clip_grad_norm(norm_type, max_norm):
    ep, tp = _params_with_grads(ember), _params_with_grads(torch)
    nt = float(norm_type)
    en = ember.nn.utils.clip_grad_norm_(ep, max_norm, norm_type=nt)
    tn = torch.nn.utils.clip_grad_norm_(tp, max_norm, norm_type=nt)
    check(en, tn)
    for a, b in zip(ep, tp):
        check(a.grad, b.grad)


def test_clip_grad_norm_single_tensor_float32_and_none_grads():
    ep, tp = _params_with_grads(ember, "float32"), _params_with_grads(torch, "float32")
    ep[1].grad, tp[1].grad = None, None
    check(ember.nn.utils.clip_grad_norm_(ep, 1.0), torch.nn.utils.clip_grad_norm_(tp, 1.0))
    check(ember.nn.utils.clip_grad_norm_(ep[0], 0.1), torch.nn.utils.clip_grad_norm_(tp[0], 0.1))
    for a, b in zip(ep, tp):
        if b.grad is not None:
            check(a.grad, b.grad)
    check(ember.nn.utils.clip_grad_norm_([], 1.0), torch.nn.utils.clip_grad_norm_([], 1.0))


def test_clip_grad_norm_nonfinite():
    ep, tp = _params_with_grads(ember), _params_with_grads(torch)
    ep[0].grad[0, 0] = float("inf")
    tp[0].grad[0, 0] = float("inf")
    raises_like(lambda: ember.nn.utils.clip_grad_norm_(ep, 1.0, error_if_nonfinite=True),
                lambda: torch.nn.utils.clip_grad_norm_(tp, 1.0, error_if_nonfinite=True))
    check(ember.nn.utils.clip_grad_norm_(ep, 1.0), torch.nn.utils.clip_grad_norm_(tp, 1.0))
    for a, b in zip(ep, tp):
        check(a.grad, b.grad)


def test_clip_grad_norm_generator_input():
    em, tm = ember.nn.Linear(4, 3), torch.nn.Linear(4, 3)
    em.load_state_dict({k: ember.tensor(v.numpy()) for k, v in tm.state_dict().items()})
    x = R(5, 4).astype("float32")
    em(ember.tensor(x)).pow(2).sum().backward()
    tm(torch.tensor(x)).pow(2).sum().backward()
    check(ember.nn.utils.clip_grad_norm_(em.parameters(), 0.3), torch.nn.utils.clip_grad_norm_(tm.parameters(), 0.3))
    check(em.weight.grad, tm.weight.grad)


@pytest.mark.parametrize("clip", [0.5, 2])
def test_clip_grad_value(clip):
    ep, tp = _params_with_grads(ember), _params_with_grads(torch)
    assert ember.nn.utils.clip_grad_value_(ep, clip) is None
    torch.nn.utils.clip_grad_value_(tp, clip)
    for a, b in zip(ep, tp):
        check(a.grad, b.grad)


def test_parameters_to_vector_and_back():
    ep, tp = _params_with_grads(ember), _params_with_grads(torch)
    ev, tv = ember.nn.utils.parameters_to_vector(ep), torch.nn.utils.parameters_to_vector(tp)
    check(ev, tv)
    new = R(tv.numel(), seed=42)
    ember.nn.utils.vector_to_parameters(ember.tensor(new), ep)
    torch.nn.utils.vector_to_parameters(torch.tensor(new), tp)
    for a, b in zip(ep, tp):
        check(a, b)
        assert isinstance(a, ember.nn.Parameter)
    raises_like(lambda: ember.nn.utils.vector_to_parameters([1.0], ep),
                lambda: torch.nn.utils.vector_to_parameters([1.0], tp))


def test_parameters_to_vector_is_differentiable():
    em = ember.nn.Linear(3, 2).double()
    v = ember.nn.utils.parameters_to_vector(em.parameters())
    (v * ember.arange(8).double()).sum().backward()
    np.testing.assert_array_equal(em.weight.grad.numpy().ravel(), np.arange(6))
    np.testing.assert_array_equal(em.bias.grad.numpy(), [6, 7])


def test_pad_sequence_trailing_dims_and_ints():
    seqs = [R(2, 3, 2), R(4, 3, 2, seed=1)]
    check(ember.nn.utils.rnn.pad_sequence([ember.tensor(s) for s in seqs]),
          torch.nn.utils.rnn.pad_sequence([torch.tensor(s) for s in seqs]))
    ints = [np.array([1, 2, 3]), np.array([4])]
    check(ember.nn.utils.rnn.pad_sequence([ember.tensor(s) for s in ints], batch_first=True, padding_value=-1),
          torch.nn.utils.rnn.pad_sequence([torch.tensor(s) for s in ints], batch_first=True, padding_value=-1))


def test_pad_sequence_gradient():
    a = ember.tensor(R(2, 3), requires_grad=True)
    b = ember.tensor(R(4, 3, seed=1), requires_grad=True)
    ta = torch.tensor(R(2, 3), requires_grad=True)
    tb = torch.tensor(R(4, 3, seed=1), requires_grad=True)
    g = R(4, 2, 3, seed=3)
    (ember.nn.utils.rnn.pad_sequence([a, b]) * ember.tensor(g)).sum().backward()
    (torch.nn.utils.rnn.pad_sequence([ta, tb]) * torch.tensor(g)).sum().backward()
    check(a.grad, ta.grad)
    check(b.grad, tb.grad)
