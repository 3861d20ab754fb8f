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


def _pair_modules(make, seed=0):
    torch.manual_seed(seed)
    tm = make(torch.nn).double()
    em = make(ember.nn).double()
    em.load_state_dict({k: ember.tensor(v.detach().numpy().copy()) for k, v in tm.state_dict().items()})
    return em, tm


@pytest.mark.parametrize("make,dim", [(lambda nn: nn.Linear(4, 3), 0), (lambda nn: nn.Conv2d(2, 3, 3), 0),
                                      (lambda nn: nn.Conv1d(2, 3, 3), 2), (lambda nn: nn.Linear(4, 3), None),
                                      (lambda nn: nn.Conv2d(2, 3, 3), 1)])
def test_weight_norm(make, dim):
    em, tm = _pair_modules(make)
    ember.nn.utils.weight_norm(em, dim=dim)
    torch.nn.utils.weight_norm(tm, dim=dim)
    assert [n for n, _ in em.named_parameters()] == [n for n, _ in tm.named_parameters()]
    for (n, a), (_, b) in zip(em.named_parameters(), tm.named_parameters()):
        check(a, b, msg=n)
    shape = {torch.nn.Linear: (2, 4), torch.nn.Conv1d: (2, 2, 5), torch.nn.Conv2d: (2, 2, 5, 5)}[type(tm)]
    x = R(*shape)
    eo, to = em(ember.tensor(x)), tm(torch.tensor(x))
    check(eo, to)
    eo.pow(2).sum().backward()
    to.pow(2).sum().backward()
    for (n, a), (_, b) in zip(em.named_parameters(), tm.named_parameters()):
        check(a.grad, b.grad, msg=n)
    raises_like(lambda: ember.nn.utils.weight_norm(em, dim=dim), lambda: torch.nn.utils.weight_norm(tm, dim=dim))
    ember.nn.utils.remove_weight_norm(em)
    torch.nn.utils.remove_weight_norm(tm)
    assert [n for n, _ in em.named_parameters()] == [n for n, _ in tm.named_parameters()]
    check(em.weight, tm.weight)
    raises_like(lambda: ember.nn.utils.remove_weight_norm(em), lambda: torch.nn.utils.remove_weight_norm(tm))


@pytest.mark.parametrize("make,shape", [(lambda nn: nn.Linear(5, 4), (3, 5)),
                                        (lambda nn: nn.ConvTranspose2d(3, 2, 2), (1, 3, 3, 3))])
def test_spectral_norm(make, shape):
    em, tm = _pair_modules(make)
    torch.manual_seed(1)
    ember.manual_seed(1)
    ember.nn.utils.spectral_norm(em, n_power_iterations=2)
    torch.nn.utils.spectral_norm(tm, n_power_iterations=2)
    esd, tsd = em.state_dict(), tm.state_dict()
    assert list(esd) == list(tsd)
    assert esd._metadata == tsd._metadata
    for k in tsd:
        check(esd[k], tsd[k], msg=k)
    for step in range(2):  # training mode: power iteration updates u and v each call
        x = R(*shape, seed=step)
        eo, to = em(ember.tensor(x)), tm(torch.tensor(x))
        check(eo, to)
        eo.pow(2).sum().backward()
        to.pow(2).sum().backward()
    for (n, a), (_, b) in zip(em.named_parameters(), tm.named_parameters()):
        check(a.grad, b.grad, msg=n)
    for (n, a), (_, b) in zip(em.named_buffers(), tm.named_buffers()):
        check(a, b, msg=n)
    em.eval(), tm.eval()
    x = R(*shape, seed=5)
    check(em(ember.tensor(x)), tm(torch.tensor(x)).detach())
    # a state dict round trip restores the estimate
    em2, _ = _pair_modules(make)
    ember.nn.utils.spectral_norm(em2, n_power_iterations=2)
    em2.load_state_dict(em.state_dict())
    em2.eval()
    check(em2(ember.tensor(x)), tm(torch.tensor(x)).detach())
    ember.nn.utils.remove_spectral_norm(em)
    torch.nn.utils.remove_spectral_norm(tm)
    assert list(em.state_dict()) == list(tm.state_dict())
    check(em.weight, tm.weight)
    raises_like(lambda: ember.nn.utils.spectral_norm(ember.nn.Linear(2, 2), n_power_iterations=0),
                lambda: torch.nn.utils.spectral_norm(torch.nn.Linear(2, 2), n_power_iterations=0))


@pytest.mark.parametrize("transpose", [False, True])
def test_fuse_conv_bn(transpose):
    def make(nn):
        conv = nn.ConvTranspose2d(2, 3, 3) if transpose else nn.Conv2d(2, 3, 3, bias=False)
        return nn.Sequential(conv, nn.BatchNorm2d(3))
    em, tm = _pair_modules(make)
    for m, lib in ((em, ember), (tm, torch)):  # one training step: non-trivial running statistics
        m.train()
        m(lib.tensor(R(4, 2, 5, 5)))
        m.eval()
    ef = ember.nn.utils.fuse_conv_bn_eval(em[0], em[1], transpose=transpose)
    tf = torch.nn.utils.fuse_conv_bn_eval(tm[0], tm[1], transpose=transpose)
    check(ef.weight, tf.weight)
    check(ef.bias, tf.bias)
    x = R(2, 2, 5, 5, seed=3)
    # the fused layer computes what conv followed by batch norm computed
    np.testing.assert_allclose(ef(ember.tensor(x)).detach().numpy(), em(ember.tensor(x)).detach().numpy(), atol=1e-10)
    el, tl = _pair_modules(lambda nn: nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4)))
    for m, lib in ((el, ember), (tl, torch)):
        m.train()
        m(lib.tensor(R(6, 3)))
        m.eval()
    ef, tf = ember.nn.utils.fuse_linear_bn_eval(el[0], el[1]), torch.nn.utils.fusion.fuse_linear_bn_eval(tl[0], tl[1])
    check(ef.weight, tf.weight)
    check(ef.bias, tf.bias)
    raises_like(lambda: ember.nn.utils.fuse_conv_bn_eval(em[0].train(), em[1]),
                lambda: torch.nn.utils.fuse_conv_bn_eval(tm[0].train(), tm[1]))


def test_skip_init():
    m = ember.nn.utils.skip_init(ember.nn.Linear, 4, 3)
    assert isinstance(m, ember.nn.Linear) and tuple(m.weight.shape) == (3, 4)
    raises_like(lambda: ember.nn.utils.skip_init(int), lambda: torch.nn.utils.skip_init(int))


def test_unpad_unpack_invert_permutation():
    seqs = [R(3, 2), R(5, 2, seed=1), R(1, 2, seed=2)]
    for bf in (False, True):
        ep = ember.nn.utils.rnn.pad_sequence([ember.tensor(s) for s in seqs], batch_first=bf)
        tp = torch.nn.utils.rnn.pad_sequence([torch.tensor(s) for s in seqs], batch_first=bf)
        lens = [3, 5, 1]
        check(ember.nn.utils.rnn.unpad_sequence(ep, ember.tensor(lens), batch_first=bf),
              torch.nn.utils.rnn.unpad_sequence(tp, torch.tensor(lens), batch_first=bf))
    check(ember.nn.utils.rnn.unpack_sequence(ember.nn.utils.rnn.pack_sequence([ember.tensor(s) for s in seqs],
                                                                              enforce_sorted=False)),
          torch.nn.utils.rnn.unpack_sequence(torch.nn.utils.rnn.pack_sequence([torch.tensor(s) for s in seqs],
                                                                              enforce_sorted=False)))
    perm = [2, 0, 3, 1]
    check(ember.nn.utils.rnn.invert_permutation(ember.tensor(perm)),
          torch.nn.utils.rnn.invert_permutation(torch.tensor(perm)))
    assert ember.nn.utils.rnn.invert_permutation(None) is None


def _symmetric(nn):
    class Symmetric(nn.Module):
        def forward(self, x):
            return x.triu() + x.triu(1).transpose(-1, -2)

        def right_inverse(self, a):
            return a.triu()
    return Symmetric()


def _scale(nn):
    class Scale(nn.Module):
        def forward(self, x):
            return x * 2

        def right_inverse(self, a):
            return a / 2
    return Scale()


def _split(nn):
    class Split(nn.Module):  # the tensor is parametrized by two originals
        def forward(self, a, b):
            return a + b

        def right_inverse(self, x):
            return x * 0.25, x * 0.75
    return Split()


@pytest.mark.parametrize("chain", [[_symmetric], [_symmetric, _scale], [_split]])
def test_parametrize_register_forward_backward_remove(chain):
    em, tm = _pair_modules(lambda nn: nn.Linear(3, 3))
    for lib, m in ((ember, em), (torch, tm)):
        for make in chain:
            lib.nn.utils.parametrize.register_parametrization(m, "weight", make(lib.nn).double())
    assert type(em).__name__ == type(tm).__name__ == "ParametrizedLinear"
    assert [n for n, _ in em.named_parameters()] == [n for n, _ in tm.named_parameters()]
    assert list(em.state_dict()) == list(tm.state_dict())
    assert repr(em) == repr(tm)
    check(em.weight, tm.weight.detach())
    x = R(2, 3)
    eo, to = em(ember.tensor(x)), tm(torch.tensor(x))
    check(eo, to)
    eo.pow(2).sum().backward()
    to.pow(2).sum().backward()
    for (n, a), (_, b) in zip(em.named_parameters(), tm.named_parameters()):
        check(a.grad, b.grad, msg=n)
    with ember.nn.utils.parametrize.cached():
        assert em.weight is em.weight
    assert em.weight is not em.weight
    new = R(3, 3, seed=4)
    new = new + new.T
    em.weight = ember.tensor(new)  # goes through right_inverse
    tm.weight = torch.tensor(new)
    check(em.weight, tm.weight.detach())
    assert ember.nn.utils.parametrize.is_parametrized(em, "weight") and not \
        ember.nn.utils.parametrize.is_parametrized(em, "bias")
    assert ember.nn.utils.parametrize.type_before_parametrizations(em) is ember.nn.Linear
    ember.nn.utils.parametrize.remove_parametrizations(em, "weight")
    torch.nn.utils.parametrize.remove_parametrizations(tm, "weight")
    assert type(em) is ember.nn.Linear
    assert [n for n, _ in em.named_parameters()] == [n for n, _ in tm.named_parameters()]
    check(em.weight, tm.weight)


def test_parametrize_errors_like_torch():
    for fn in [lambda L: L.nn.utils.parametrize.register_parametrization(L.nn.Linear(2, 2), "nope", L.nn.Identity()),
               lambda L: L.nn.utils.parametrize.remove_parametrizations(L.nn.Linear(2, 2), "weight"),
               lambda L: L.nn.utils.parametrize.register_parametrization(L.nn.Linear(2, 3), "weight",
                                                                          L.nn.Flatten(0))]:
        e = raises_like(lambda: fn(ember), lambda: fn(torch))
        try:
            fn(torch)
        except Exception as t:
            assert str(e) == str(t).replace("torch.", "ember.")
    m = ember.nn.utils.parametrize.register_parametrization(ember.nn.Linear(2, 2), "weight", _split(ember.nn))
    with pytest.raises(ValueError, match="Cannot leave unparametrized"):
        ember.nn.utils.parametrize.remove_parametrizations(m, "weight", leave_parametrized=False)
    with pytest.raises(NotImplementedError, match="not supported yet"):
        ember.nn.utils.parametrizations.orthogonal(ember.nn.Linear(2, 2))


@pytest.mark.parametrize("make,shape", [(lambda nn: nn.Linear(5, 4), (3, 5)),
                                        (lambda nn: nn.ConvTranspose2d(3, 2, 2), (1, 3, 3, 3))])
def test_parametrizations_spectral_norm(make, shape):
    em, tm = _pair_modules(make)
    torch.manual_seed(1)
    ember.manual_seed(1)
    ember.nn.utils.parametrizations.spectral_norm(em, n_power_iterations=2)
    torch.nn.utils.parametrizations.spectral_norm(tm, n_power_iterations=2)
    esd, tsd = em.state_dict(), tm.state_dict()
    assert list(esd) == list(tsd)
    for k in tsd:
        check(esd[k], tsd[k], msg=k)
    for step in range(2):
        x = R(*shape, seed=step)
        eo, to = em(ember.tensor(x)), tm(torch.tensor(x))
        check(eo, to)
        eo.pow(2).sum().backward()
        to.pow(2).sum().backward()
    for (n, a), (_, b) in zip(em.named_parameters(), tm.named_parameters()):
        check(a.grad, b.grad, msg=n)
    em.eval(), tm.eval()
    check(em(ember.tensor(R(*shape, seed=5))), tm(torch.tensor(R(*shape, seed=5))).detach())


def test_stateless_functional_call():
    em, tm = _pair_modules(lambda nn: nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2)))
    new_w = R(4, 3, seed=7)
    x = R(5, 3)
    outs = []
    for lib, m in ((ember, em), (torch, tm)):
        w = lib.tensor(new_w, requires_grad=True)
        before = m[0].weight.detach().clone()
        mean = lib.ones(4, dtype=lib.float64)
        out = lib.nn.utils.stateless.functional_call(m, {"0.weight": w, "1.running_mean": mean}, (lib.tensor(x),))
        out.pow(2).sum().backward()
        assert type(m[0]) is lib.nn.Linear and m[0].weight.grad is None  # module restored, its weight untouched
        np.testing.assert_array_equal(m[0].weight.detach().numpy(), before.numpy())
        outs.append((out, w.grad, mean, m[1].running_mean))
    check(outs[0][0], outs[1][0].detach())
    check(outs[0][1], outs[1][1])
    check(outs[0][2], outs[1][2])  # the train-mode statistics update went to the replacement buffer
    check(outs[0][3], outs[1][3])
    assert not outs[0][3].numpy().any()  # and the module's own running mean is still zero


def test_convert_conv2d_weight_memory_format():
    m = ember.nn.Sequential(ember.nn.Conv2d(2, 3, 3), ember.nn.ReLU())
    w = m[0].weight.detach().clone()
    out = ember.nn.utils.convert_conv2d_weight_memory_format(m, ember.channels_last)
    assert out is m and m[0].weight.is_contiguous(memory_format=ember.channels_last)
    np.testing.assert_array_equal(m[0].weight.detach().numpy(), w.numpy())
