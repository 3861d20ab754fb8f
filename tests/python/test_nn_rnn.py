"""RNN, LSTM, GRU and their cells against torch, including packed sequences."""
import numpy as np
import pytest
import torch

import ember
from nn_helpers import compare_module, randn as R, seeded_forward, to_ember
from oracle import check, raises_like

T, B, F_IN, H = 5, 3, 4, 6


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("opts", [
    {},
    {"num_layers": 2, "bidirectional": True},
    {"batch_first": True, "bias": False},
    {"num_layers": 2, "dropout": 0.5},  # dropout is inactive in eval mode
])
def test_rnn_layers(kind, opts):
    shape = (B, T, F_IN) if opts.get("batch_first") else (T, B, F_IN)
    compare_module(lambda nn: getattr(nn, kind)(F_IN, H, **opts), [R(*shape)])


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_rnn_initial_states_bidirectional_two_layers(kind):
    layers = 2 * 2
    h0 = R(layers, B, H, seed=3)
    if kind == "LSTM":
        c0 = R(layers, B, H, seed=4)
        compare_module(lambda nn: nn.LSTM(F_IN, H, num_layers=2, bidirectional=True, batch_first=True),
                       [R(B, T, F_IN), h0, c0], forward=lambda m, x, h, c: m(x, (h, c)))
    else:
        compare_module(lambda nn: getattr(nn, kind)(F_IN, H, num_layers=2, bidirectional=True, batch_first=True),
                       [R(B, T, F_IN), h0])


def test_rnn_relu_nonlinearity_and_unbatched():
    compare_module(lambda nn: nn.RNN(F_IN, H, nonlinearity="relu"), [R(T, B, F_IN)])
    compare_module(lambda nn: nn.LSTM(F_IN, H, num_layers=2), [R(T, F_IN)])
    compare_module(lambda nn: nn.GRU(F_IN, H), [R(T, F_IN), R(1, H, seed=2)])


def test_lstm_proj_size():
    compare_module(lambda nn: nn.LSTM(F_IN, H, proj_size=2, num_layers=2, bidirectional=True), [R(T, B, F_IN)])


@pytest.mark.parametrize("kind", ["RNNCell", "LSTMCell", "GRUCell"])
def test_cells(kind):
    make = lambda nn: getattr(nn, kind)(F_IN, H)  # noqa: E731
    compare_module(make, [R(B, F_IN)])
    if kind == "LSTMCell":
        compare_module(make, [R(B, F_IN), R(B, H, seed=2), R(B, H, seed=3)], forward=lambda m, x, h, c: m(x, (h, c)))
    else:
        compare_module(make, [R(B, F_IN), R(B, H, seed=2)])
    compare_module(make, [R(F_IN)])  # unbatched
    compare_module(lambda nn: getattr(nn, kind)(F_IN, H, bias=False), [R(B, F_IN)])


def test_rnn_repr():
    for make in [lambda nn: nn.LSTM(4, 6, num_layers=2, batch_first=True, dropout=0.1, bidirectional=True),
                 lambda nn: nn.GRU(4, 6, bias=False), lambda nn: nn.RNN(3, 2, nonlinearity="relu"),
                 lambda nn: nn.LSTMCell(3, 2), lambda nn: nn.RNNCell(3, 2, nonlinearity="relu")]:
        assert repr(make(ember.nn)) == repr(make(torch.nn))


def test_rnn_bad_input():
    e = raises_like(lambda: ember.nn.LSTM(4, 6)(ember.zeros(5, 3, 5)),
                    lambda: torch.nn.LSTM(4, 6)(torch.zeros(5, 3, 5)))
    assert "4" in str(e) and "5" in str(e)
    raises_like(lambda: ember.nn.GRU(4, 6)(ember.zeros(5, 3, 4), ember.zeros(2, 3, 6)),
                lambda: torch.nn.GRU(4, 6)(torch.zeros(5, 3, 4), torch.zeros(2, 3, 6)))
    raises_like(lambda: ember.nn.RNN(4, 6, nonlinearity="sigmoid"), lambda: torch.nn.RNN(4, 6, nonlinearity="sigmoid"))
    raises_like(lambda: ember.nn.LSTM(4, 6)(ember.zeros(5, 3, 4, 1)),
                lambda: torch.nn.LSTM(4, 6)(torch.zeros(5, 3, 4, 1)))


# (constructor and call on a library, whether ember's message must equal torch's exactly)
BAD_STATES = [
    (lambda L: L.nn.LSTM(4, 6)(L.zeros(5, 3, 4), (L.zeros(1, 2, 6), L.zeros(1, 3, 6))), True),
    (lambda L: L.nn.LSTM(4, 6)(L.zeros(5, 3, 4), (L.zeros(1, 3, 6), L.zeros(1, 3, 5))), True),
    (lambda L: L.nn.LSTM(4, 6)(L.zeros(5, 3, 4), (L.zeros(3, 6), L.zeros(3, 6))), True),
    (lambda L: L.nn.GRU(4, 6)(L.zeros(5, 3, 4), L.zeros(2, 3, 6)), True),
    (lambda L: L.nn.GRU(4, 6)(L.zeros(5, 4), L.zeros(1, 3, 6)), True),
    (lambda L: L.nn.RNN(4, 6, num_layers=2, bidirectional=True)(L.zeros(5, 3, 4), L.zeros(2, 3, 6)), True),
    (lambda L: L.nn.LSTMCell(4, 6)(L.zeros(3, 5)), True),
    (lambda L: L.nn.GRUCell(4, 6)(L.zeros(3, 4), L.zeros(2, 6)), True),
    (lambda L: L.nn.GRUCell(4, 6)(L.zeros(3, 4), L.zeros(3, 5)), True),
    (lambda L: L.nn.RNNCell(4, 6)(L.zeros(5, 3, 4)), True),
    (lambda L: L.nn.LSTMCell(4, 6)(L.zeros(3, 4), (L.zeros(3, 6), L.zeros(3, 5))), False),  # torch says hidden0
]


@pytest.mark.parametrize("call,exact", BAD_STATES)
def test_rnn_bad_states_messages(call, exact):
    e = raises_like(lambda: call(ember), lambda: call(torch))
    try:
        call(torch)
    except Exception as t:
        if exact:
            assert str(e) == str(t), (str(e), str(t))


def test_rnn_dropout_train_between_layers():
    ember.manual_seed(0)
    m = ember.nn.GRU(F_IN, H, num_layers=2, dropout=0.5).train()
    x = ember.tensor(R(T, B, F_IN).astype("float32"))
    out1, _ = m(x)
    out2, _ = m(x)
    assert not np.allclose(out1.detach().numpy(), out2.detach().numpy())
    m.eval()
    np.testing.assert_array_equal(m(x)[0].detach().numpy(), m(x)[0].detach().numpy())


# ---------------------------------------------------------------- packed sequences
def _packed_pair(lengths, enforce_sorted=True, batch_first=False):
    x = R(max(lengths), len(lengths), F_IN)
    if batch_first:
        x = x.transpose(1, 0, 2).copy()
    tx = torch.tensor(x, requires_grad=True)
    ex = ember.tensor(x, requires_grad=True)
    tp = torch.nn.utils.rnn.pack_padded_sequence(tx, torch.tensor(lengths), batch_first=batch_first,
                                                 enforce_sorted=enforce_sorted)
    ep = ember.nn.utils.rnn.pack_padded_sequence(ex, ember.tensor(lengths), batch_first=batch_first,
                                                 enforce_sorted=enforce_sorted)
    return ex, tx, ep, tp


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "RNN"])
@pytest.mark.parametrize("sorted_", [True, False])
def test_packed_sequence_through_rnn(kind, sorted_):
    lengths = [5, 3, 2] if sorted_ else [2, 5, 3]
    ex, tx, ep, tp = _packed_pair(lengths, enforce_sorted=sorted_, batch_first=True)
    check(ep.data, tp.data)
    check(ep.batch_sizes, tp.batch_sizes)
    if not sorted_:
        check(ep.sorted_indices, tp.sorted_indices)
        check(ep.unsorted_indices, tp.unsorted_indices)
    tm = getattr(torch.nn, kind)(F_IN, H, num_layers=2, bidirectional=True, batch_first=True).double()
    em = getattr(ember.nn, kind)(F_IN, H, num_layers=2, bidirectional=True, batch_first=True).double()
    em.load_state_dict({k: to_ember(v) for k, v in tm.state_dict().items()})
    tout, th = tm(tp)
    eout, eh = em(ep)
    check(eout.data, tout.data)
    check(eh, th)
    te, tl = torch.nn.utils.rnn.pad_packed_sequence(tout, batch_first=True)
    ee, el = ember.nn.utils.rnn.pad_packed_sequence(eout, batch_first=True)
    check(ee, te)
    check(el, tl)
    g = R(*te.shape, seed=9)
    h_last = th[0] if kind == "LSTM" else th
    (te * torch.tensor(g)).sum().add(h_last.sum()).backward()
    e_last = eh[0] if kind == "LSTM" else eh
    (ee * ember.tensor(g)).sum().add(e_last.sum()).backward()
    check(ex.grad, tx.grad)
    eparams = dict(em.named_parameters())
    for n, p in tm.named_parameters():
        check(eparams[n].grad, p.grad, msg=n)


def test_pad_packed_total_length_and_padding_value():
    _, _, ep, tp = _packed_pair([4, 2, 1])
    check(ember.nn.utils.rnn.pad_packed_sequence(ep, padding_value=-1.0, total_length=6)[0],
          torch.nn.utils.rnn.pad_packed_sequence(tp, padding_value=-1.0, total_length=6)[0].detach())


def test_pack_unsorted_raises_when_enforced():
    x = R(4, 3, 2)
    raises_like(lambda: ember.nn.utils.rnn.pack_padded_sequence(ember.tensor(x), ember.tensor([2, 4, 1])),
                lambda: torch.nn.utils.rnn.pack_padded_sequence(torch.tensor(x), torch.tensor([2, 4, 1])))


def test_pad_and_pack_sequence():
    seqs = [R(3, 2), R(5, 2, seed=1), R(1, 2, seed=2)]
    for bf in (False, True):
        check(ember.nn.utils.rnn.pad_sequence([ember.tensor(s) for s in seqs], batch_first=bf, padding_value=7.0),
              torch.nn.utils.rnn.pad_sequence([torch.tensor(s) for s in seqs], batch_first=bf, padding_value=7.0))
    ep = ember.nn.utils.rnn.pack_sequence([ember.tensor(s) for s in seqs], enforce_sorted=False)
    tp = torch.nn.utils.rnn.pack_sequence([torch.tensor(s) for s in seqs], enforce_sorted=False)
    check(ep.data, tp.data)
    check(ep.batch_sizes, tp.batch_sizes)


@pytest.mark.parametrize("make,shape", [
    (lambda nn: nn.LSTM(F_IN, H, num_layers=3, dropout=0.4, bidirectional=True), (T, B, F_IN)),
    (lambda nn: nn.GRU(F_IN, H, num_layers=2, dropout=0.4), (T, B, F_IN)),
    (lambda nn: nn.RNN(F_IN, H, num_layers=2, dropout=0.4, batch_first=True), (B, T, F_IN)),
])
def test_train_mode_dropout_between_layers_same_draws(make, shape):
    compare_module(make, [R(*shape)], forward=seeded_forward, train=True)


@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
def test_packed_unsorted_with_initial_state(kind):
    """Initial states follow the batch through enforce_sorted=False's permutation; gradients reach them."""
    x, lengths = R(5, 3, 4), [2, 5, 3]
    tm = getattr(torch.nn, kind)(4, 6, num_layers=2, bidirectional=True).double()
    em = getattr(ember.nn, kind)(4, 6, num_layers=2, bidirectional=True).double()
    em.load_state_dict({k: to_ember(v) for k, v in tm.state_dict().items()})
    h0, c0 = R(4, 3, 6, seed=1), R(4, 3, 6, seed=2)
    res = []
    for lib, m in ((torch, tm), (ember, em)):
        xi, hi, ci = (lib.tensor(a, requires_grad=True) for a in (x, h0, c0))
        packed = lib.nn.utils.rnn.pack_padded_sequence(xi, lib.tensor(lengths), enforce_sorted=False)
        out, h = m(packed, (hi, ci) if kind == "LSTM" else hi)
        pad, _ = lib.nn.utils.rnn.pad_packed_sequence(out)
        states = list(h) if kind == "LSTM" else [h]
        loss = (pad * lib.tensor(R(*pad.shape, seed=5))).sum()
        for i, s in enumerate(states):
            loss = loss + (s * lib.tensor(R(*s.shape, seed=6 + i))).sum()
        loss.backward()
        res.append([pad] + states + [xi.grad, hi.grad] + ([ci.grad] if kind == "LSTM" else []))
    for a, b in zip(res[1], res[0]):
        check(a, b.detach())


def test_packed_sequence_conversions():
    seqs = [R(3, 2), R(1, 2, seed=1)]
    ep = ember.nn.utils.rnn.pack_sequence([ember.tensor(s) for s in seqs])
    tp = torch.nn.utils.rnn.pack_sequence([torch.tensor(s) for s in seqs])
    for name in ["double", "float", "half", "long", "int", "short", "char", "byte", "cpu"]:
        e, t = getattr(ep, name)(), getattr(tp, name)()
        check(e.data, t.data, msg=name)
        check(e.batch_sizes, t.batch_sizes, msg=name)
    check(ep.to(ember.float32).data, tp.to(torch.float32).data)
    assert ep.is_pinned() == tp.is_pinned() and ep.is_cuda == tp.is_cuda
