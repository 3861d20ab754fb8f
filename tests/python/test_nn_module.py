"""The nn.Module API and containers against torch: registration, iteration order and names,
state_dict round trips and errors, modes, dtype conversion, hooks, printed trees."""
import copy
import pickle
from collections import OrderedDict

import numpy as np
import pytest
import torch

import ember
from nn_helpers import compare_module, copy_state, randn as R
from oracle import check, raises_like


def same_text(e_text, t_text):
    """ember's text equals torch's with the library name swapped."""
    assert e_text == t_text.replace("torch.", "ember."), f"\nember: {e_text}\ntorch: {t_text}"


def make_net(nn):
    lib = torch if nn is torch.nn else ember

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(2, 3, 3, padding=1)
            self.bn = nn.BatchNorm2d(3)
            self.register_buffer("scale", lib.ones(3))
            self.register_buffer("cache", lib.zeros(2), persistent=False)

        def forward(self, x):
            return self.bn(self.conv(x)).relu() * self.scale.view(1, 3, 1, 1)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.features = nn.Sequential(Block(), nn.MaxPool2d(2))
            self.alpha = nn.Parameter(lib.tensor([0.5]))
            self.register_parameter("unused", None)
            self.heads = nn.ModuleDict({"a": nn.Linear(12, 4), "b": nn.Linear(12, 2, bias=False)})
            self.extra = nn.ModuleList([nn.Identity(), nn.Flatten()])
            self.plist = nn.ParameterList([nn.Parameter(lib.ones(2)), nn.Parameter(lib.zeros(1, 2))])
            self.pdict = nn.ParameterDict({"w": nn.Parameter(lib.ones(3))})
            self.shared = self.heads["a"]  # the same module twice: listed once

        def forward(self, x):
            h = self.extra[1](self.features(x)) * self.alpha
            return self.heads["a"](h), self.heads["b"](h)

    return Net()


def both_nets():
    tm = make_net(torch.nn)
    em = make_net(ember.nn)
    copy_state(em, tm)
    return em, tm


def test_iteration_names_and_order():
    em, tm = both_nets()
    for fn in ["named_parameters", "named_buffers", "named_modules", "named_children"]:
        en = [n for n, _ in getattr(em, fn)()]
        tn = [n for n, _ in getattr(tm, fn)()]
        assert en == tn, fn
    assert [n for n, _ in em.named_modules(remove_duplicate=False)] == \
           [n for n, _ in tm.named_modules(remove_duplicate=False)]
    assert [n for n, _ in em.named_parameters(prefix="model", recurse=False)] == \
           [n for n, _ in tm.named_parameters(prefix="model", recurse=False)]
    assert [n for n, _ in em.features.named_buffers(prefix="f")] == \
           [n for n, _ in tm.features.named_buffers(prefix="f")]
    assert len(list(em.parameters())) == len(list(tm.parameters()))
    assert len(list(em.buffers())) == len(list(tm.buffers()))
    assert [type(m).__name__ for m in em.modules()] == [type(m).__name__ for m in tm.modules()]
    assert [type(m).__name__ for m in em.children()] == [type(m).__name__ for m in tm.children()]
    assert em.get_submodule("features.0.bn") is em.features[0].bn
    assert em.get_parameter("features.0.conv.weight") is em.features[0].conv.weight
    raises_like(lambda: em.get_submodule("features.7"), lambda: tm.get_submodule("features.7"))


def test_state_dict_keys_values_and_forward():
    em, tm = both_nets()
    esd, tsd = em.state_dict(), tm.state_dict()
    assert list(esd) == list(tsd)
    for k in tsd:
        check(esd[k], tsd[k], msg=k)
        assert not esd[k].requires_grad
    assert "features.0.cache" not in esd  # non-persistent buffer
    assert list(esd._metadata) == list(tsd._metadata)
    x = R(2, 2, 4, 4).astype("float32")
    tm.eval(), em.eval()
    check(em(ember.tensor(x)), tm(torch.tensor(x)))
    kv = em.state_dict(keep_vars=True)
    assert kv["alpha"] is em.alpha
    assert list(em.state_dict(prefix="m.")) == list(tm.state_dict(prefix="m."))


def test_load_state_dict_strict_errors():
    em, tm = both_nets()
    sd = OrderedDict((k, v.numpy()) for k, v in tm.state_dict().items())
    del sd["alpha"], sd["features.0.bn.running_mean"]
    sd["bogus"] = np.zeros(1, dtype="float32")
    sd["heads.a.extra_w"] = np.zeros(1, dtype="float32")
    te = raises_like(lambda: em.load_state_dict({k: ember.tensor(v) for k, v in sd.items()}),
                     lambda: tm.load_state_dict({k: torch.tensor(v) for k, v in sd.items()}))
    try:
        tm.load_state_dict({k: torch.tensor(v) for k, v in sd.items()})
    except RuntimeError as t_err:
        same_text(str(te), str(t_err))
    # non-strict: the same key lists, nothing raised
    er = em.load_state_dict({k: ember.tensor(v) for k, v in sd.items()}, strict=False)
    tr = tm.load_state_dict({k: torch.tensor(v) for k, v in sd.items()}, strict=False)
    assert er.missing_keys == tr.missing_keys and er.unexpected_keys == tr.unexpected_keys
    assert repr(em.load_state_dict(em.state_dict())) == repr(tm.load_state_dict(tm.state_dict()))


def test_load_state_dict_shape_mismatch():
    em, tm = both_nets()
    sd = {k: v.numpy() for k, v in tm.state_dict().items()}
    sd["heads.a.weight"] = np.zeros((4, 5), dtype="float32")
    for strict in (True, False):  # shape mismatch is an error even when not strict
        e = raises_like(lambda: em.load_state_dict({k: ember.tensor(v) for k, v in sd.items()}, strict=strict),
                        lambda: tm.load_state_dict({k: torch.tensor(v) for k, v in sd.items()}, strict=strict))
        try:
            tm.load_state_dict({k: torch.tensor(v) for k, v in sd.items()}, strict=strict)
        except RuntimeError as t_err:
            same_text(str(e), str(t_err))
        assert "heads.a.weight" in str(e) and "[4, 5]" in str(e) and "[4, 12]" in str(e)


def test_load_state_dict_copies_in_place_and_dtype():
    em = ember.nn.Linear(3, 2)
    w = em.weight
    em.load_state_dict({"weight": ember.ones(2, 3, dtype=ember.float64), "bias": ember.zeros(2)})
    assert em.weight is w and em.weight.dtype == ember.float32
    np.testing.assert_array_equal(w.detach().numpy(), np.ones((2, 3)))
    raises_like(lambda: em.load_state_dict([1, 2]), lambda: torch.nn.Linear(3, 2).load_state_dict([1, 2]))


def test_train_eval():
    em, tm = both_nets()
    assert em.training and all(m.training for m in em.modules())
    em.eval()
    assert not any(m.training for m in em.modules())
    em.features.train()
    assert em.features[0].bn.training and not em.training
    raises_like(lambda: em.train("yes"), lambda: tm.train("yes"))


@pytest.mark.parametrize("conv", ["double", "half", "float", "to_double", "to_half"])
def test_dtype_conversion(conv):
    em, tm = both_nets()
    apply = {"double": lambda m: m.double(), "half": lambda m: m.half(), "float": lambda m: m.double().float(),
             "to_double": lambda m, lib=None: m.to(ember.float64 if isinstance(m, ember.nn.Module) else torch.float64),
             "to_half": lambda m: m.to(dtype=ember.float16 if isinstance(m, ember.nn.Module) else torch.float16)}[conv]
    alpha = em.alpha
    assert apply(em) is em
    apply(tm)
    assert em.alpha is alpha  # parameters converted in place: optimizers keep working
    for (en, ev), (tn, tv) in zip(em.state_dict().items(), tm.state_dict().items()):
        assert en == tn and str(ev.dtype).split(".")[-1] == str(tv.dtype).split(".")[-1], en
    for (en, ep), (tn, tp) in zip(em.named_parameters(), tm.named_parameters()):
        assert isinstance(ep, ember.nn.Parameter) and ep.requires_grad and ep.is_leaf
    raises_like(lambda: em.to(ember.int32), lambda: tm.to(torch.int32))


def test_to_keeps_int_buffers_and_grads():
    em = ember.nn.BatchNorm1d(3)
    em.weight.grad = ember.ones(3)
    em.double()
    assert em.num_batches_tracked.dtype == ember.int64
    assert em.weight.grad.dtype == ember.float64


def test_apply_zero_grad_requires_grad():
    em, tm = both_nets()
    seen_e, seen_t = [], []
    em.apply(lambda m: seen_e.append(type(m).__name__))
    tm.apply(lambda m: seen_t.append(type(m).__name__))
    assert seen_e == seen_t
    x = R(2, 2, 4, 4).astype("float32")
    a, b = em(ember.tensor(x))
    (a.sum() + b.sum()).backward()
    assert em.features[0].conv.weight.grad is not None
    em.zero_grad()
    assert all(p.grad is None or not p.grad.numpy().any() for p in em.parameters())
    assert em.alpha.grad is not None  # set_to_none=False by default in torch 1.13
    em.zero_grad(set_to_none=True)
    assert all(p.grad is None for p in em.parameters())
    em.requires_grad_(False)
    assert not any(p.requires_grad for p in em.parameters())
    em.features.requires_grad_()
    assert [n for n, p in em.named_parameters() if p.requires_grad] == \
           [n for n, _ in tm.features.named_parameters(prefix="features")]


def test_forward_hooks():
    em = ember.nn.Linear(3, 2)
    calls = []

    def pre(mod, args):
        calls.append("pre")
        return (args[0] * 2,)

    def post(mod, args, out):
        calls.append("post")
        return out + 1

    h1 = em.register_forward_pre_hook(pre)
    h2 = em.register_forward_hook(post)
    x = ember.ones(1, 3)
    expected = ember.nn.functional.linear(x * 2, em.weight, em.bias) + 1
    check(em(x).detach(), torch.tensor(expected.detach().numpy()))
    assert calls == ["pre", "post"]
    h1.remove(), h2.remove()
    check(em(x).detach(), torch.tensor(ember.nn.functional.linear(x, em.weight, em.bias).detach().numpy()))
    assert calls == ["pre", "post"]


def test_register_errors_like_torch():
    em, tm = ember.nn.Linear(2, 2), torch.nn.Linear(2, 2)
    for fn in [lambda m, lib: m.register_buffer("a.b", lib.zeros(1)),
               lambda m, lib: m.register_buffer("weight", lib.zeros(1)),
               lambda m, lib: m.register_buffer("x", [1]),
               lambda m, lib: m.register_parameter("p", lib.zeros(1)),
               lambda m, lib: m.register_parameter("", None),
               lambda m, lib: m.add_module("weight", lib.nn.ReLU()),
               lambda m, lib: m.add_module("r", 3),
               lambda m, lib: setattr(m, "weight", lib.zeros(2, 2)),
               lambda m, lib: m.register_parameter("q", lib.nn.Parameter(lib.zeros(1)) * 2)]:
        raises_like(lambda: fn(em, ember), lambda: fn(tm, torch))
    raises_like(lambda: em.nonexistent, lambda: tm.nonexistent)


def test_attribute_reassignment():
    em = ember.nn.Linear(2, 2)
    em.weight = None
    assert [n for n, _ in em.named_parameters()] == ["bias"]
    em.register_buffer("buf", ember.zeros(2))
    em.buf = ember.ones(2)
    assert "buf" in em.state_dict()
    del em.buf
    assert "buf" not in em.state_dict()
    em.sub = ember.nn.ReLU()
    assert "sub" in dict(em.named_children())


def test_repr_trees():
    def cbr(nn):
        return nn.Sequential(nn.Conv2d(3, 8, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(8),
                             nn.ReLU(inplace=True),
                             nn.MaxPool2d(2), nn.Dropout(0.2), nn.Flatten(), nn.Linear(8, 4))
    models = [cbr,
              lambda nn: nn.LSTM(10, 20, num_layers=2, batch_first=True, bidirectional=True),
              lambda nn: nn.TransformerEncoderLayer(16, 4, dim_feedforward=32, batch_first=True),
              lambda nn: nn.Transformer(16, 2, 1, 1, 32),
              lambda nn: nn.Sequential(OrderedDict([("emb", nn.Embedding(10, 3, padding_idx=0)),
                                                    ("gru", nn.GRU(3, 4)),
                                                    ("ln", nn.LayerNorm(4)), ("gn", nn.GroupNorm(2, 4)),
                                                    ("up", nn.Upsample(scale_factor=2, mode="nearest")),
                                                    ("ps", nn.PixelShuffle(2)), ("ct", nn.ConvTranspose2d(2, 3, 2)),
                                                    ("ap", nn.AdaptiveAvgPool2d((1, 1))),
                                                    ("c1", nn.Conv1d(2, 4, 3, padding="same", dilation=2, groups=2)),
                                                    ("c3", nn.Conv3d(2, 4, 3, padding_mode="reflect", padding=1)),
                                                    ("ebag", nn.EmbeddingBag(5, 2, mode="max")),
                                                    ("in", nn.InstanceNorm2d(3)), ("bil", nn.Bilinear(2, 3, 4)),
                                                    ("unf", nn.Unflatten(1, (2, 2))),
                                                    ("avg", nn.AvgPool2d(3, 2, 1)), ("mp1", nn.MaxPool1d(2)),
                                                    ("mha", nn.MultiheadAttention(8, 2, kdim=4, vdim=4)),
                                                    ("ce", nn.CrossEntropyLoss(label_smoothing=0.1)),
                                                    ("cell", nn.LSTMCell(3, 4))])),
              lambda nn: nn.ModuleList([nn.Linear(2, 2), nn.ModuleDict({"x": nn.ReLU()})]),
              lambda nn: nn.Sequential(*[nn.Linear(4, 4) for _ in range(3)])]
    for make in models:
        same_text(repr(make(ember.nn)), repr(make(torch.nn)))


def test_parameter_containers_repr():
    e = ember.nn.ParameterList([ember.nn.Parameter(ember.zeros(2, 3)), ember.nn.Parameter(ember.zeros(4).double())])
    t = torch.nn.ParameterList([torch.nn.Parameter(torch.zeros(2, 3)), torch.nn.Parameter(torch.zeros(4).double())])
    same_text(repr(e), repr(t))
    e = ember.nn.ParameterDict({"a": ember.nn.Parameter(ember.zeros(2)), "b": ember.nn.Parameter(ember.zeros(1, 1))})
    t = torch.nn.ParameterDict({"a": torch.nn.Parameter(torch.zeros(2)), "b": torch.nn.Parameter(torch.zeros(1, 1))})
    same_text(repr(e), repr(t))


def test_sequential_indexing_slicing_append():
    def build(nn):
        return nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 5), nn.Tanh())
    es, ts = build(ember.nn), build(torch.nn)
    copy_state(es, ts)
    assert type(es[0]).__name__ == "Linear" and type(es[-1]).__name__ == "Tanh"
    sub_e, sub_t = es[1:3], ts[1:3]
    assert isinstance(sub_e, ember.nn.Sequential) and list(sub_e._modules) == list(sub_t._modules)
    assert list(es[::2]._modules) == list(ts[::2]._modules)
    assert len(es) == 4
    es.append(ember.nn.Sigmoid())
    ts.append(torch.nn.Sigmoid())
    assert list(es.state_dict()) == list(ts.state_dict())
    x = R(2, 3).astype("float32")
    check(es(ember.tensor(x)), ts(torch.tensor(x)))
    del es[1]
    del ts[1]
    assert list(es._modules) == list(ts._modules)
    es[0] = ember.nn.Identity()
    assert isinstance(es[0], ember.nn.Identity)
    raises_like(lambda: es[10], lambda: ts[10])
    raises_like(lambda: es["a"], lambda: ts["a"])
    es.insert(1, ember.nn.ReLU())
    ts.insert(1, torch.nn.ReLU())
    assert [type(m).__name__ for m in es][1:] == [type(m).__name__ for m in ts][1:]
    e2 = ember.nn.Sequential(OrderedDict([("first", ember.nn.ReLU())]))
    assert list(e2._modules) == ["first"] and isinstance(e2.first, ember.nn.ReLU)


def test_module_list_and_dict():
    el = ember.nn.ModuleList([ember.nn.ReLU(), ember.nn.Tanh()])
    tl = torch.nn.ModuleList([torch.nn.ReLU(), torch.nn.Tanh()])
    el.append(ember.nn.Sigmoid()), tl.append(torch.nn.Sigmoid())
    el.extend([ember.nn.Identity()]), tl.extend([torch.nn.Identity()])
    el.insert(0, ember.nn.ELU()), tl.insert(0, torch.nn.ELU())
    assert [type(m).__name__ for m in el] == [type(m).__name__ for m in tl]
    assert [type(m).__name__ for m in el[1:3]] == [type(m).__name__ for m in tl[1:3]]
    assert isinstance(el[1:3], ember.nn.ModuleList)
    assert type(el[-1]).__name__ == "Identity"
    del el[0], tl[0]
    assert list(el._modules) == list(tl._modules)  # renumbered
    assert type(el.pop(1)).__name__ == type(tl.pop(1)).__name__
    raises_like(lambda: el[7], lambda: tl[7])
    raises_like(lambda: el.append(3), lambda: tl.append(3))
    ed = ember.nn.ModuleDict({"b": ember.nn.ReLU(), "a": ember.nn.Tanh()})
    td = torch.nn.ModuleDict({"b": torch.nn.ReLU(), "a": torch.nn.Tanh()})
    ed.update([("c", ember.nn.Sigmoid())]), td.update([("c", torch.nn.Sigmoid())])
    ed["d"] = ember.nn.Identity()
    td["d"] = torch.nn.Identity()
    assert list(ed.keys()) == list(td.keys()) and "a" in ed and len(ed) == 4
    assert type(ed.pop("a")).__name__ == type(td.pop("a")).__name__
    assert list(ed) == list(td)
    raises_like(lambda: ed["zz"], lambda: td["zz"])


def test_parameter_list_and_dict():
    el = ember.nn.ParameterList([ember.nn.Parameter(ember.ones(2))])
    el.append(ember.nn.Parameter(ember.zeros(3)))
    el.extend([ember.nn.Parameter(ember.zeros(1))])
    assert [n for n, _ in el.named_parameters()] == ["0", "1", "2"]
    assert tuple(el[1].shape) == (3,) and len(el) == 3
    assert isinstance(el[0], ember.nn.Parameter)
    ed = ember.nn.ParameterDict({"w": ember.nn.Parameter(ember.ones(2))})
    ed["v"] = ember.nn.Parameter(ember.zeros(1))
    ed.update({"u": ember.nn.Parameter(ember.zeros(1))})
    assert [n for n, _ in ed.named_parameters()] == ["w", "v", "u"]
    assert list(ed.keys()) == ["w", "v", "u"] and "v" in ed
    ed.pop("v")
    assert list(ed) == ["w", "u"]
    m = ember.nn.Module()
    m.pl = el
    assert [n for n, _ in m.named_parameters()] == ["pl.0", "pl.1", "pl.2"]


def test_parameter_basics():
    p = ember.nn.Parameter(ember.ones(2, 2))
    t = torch.nn.Parameter(torch.ones(2, 2))
    assert p.requires_grad and p.is_leaf
    same_text(repr(p), repr(t))
    q = ember.nn.Parameter(ember.ones(2), requires_grad=False)
    assert not q.requires_grad
    assert isinstance(p.detach(), ember.Tensor)
    import copy
    c = copy.deepcopy(ember.nn.Linear(2, 2))
    assert isinstance(c.weight, ember.nn.Parameter)


def test_state_dict_round_trip_through_torch():
    """A model trained a step in ember loads into torch and gives torch's outputs."""
    em, tm = both_nets()
    x = R(2, 2, 4, 4).astype("float32")
    em.train()
    a, b = em(ember.tensor(x))
    (a.sum() + b.sum()).backward()
    with ember.no_grad():
        for p in em.parameters():
            if p.grad is not None:
                p -= 0.1 * p.grad
    tm.load_state_dict({k: torch.tensor(v.numpy()) for k, v in em.state_dict().items()})
    em.eval(), tm.eval()
    check(em(ember.tensor(x)), tm(torch.tensor(x)), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("input_grad", [True, False])
def test_full_backward_hook(input_grad):
    """hook(module, grad_input, grad_output) sees the gradients w.r.t. the module's own inputs and outputs."""
    records = {}

    def run(lib):
        lib.manual_seed(0)
        m = lib.nn.Bilinear(3, 4, 2).double()
        if lib is ember:
            copy_state(m, records["torch_model"])
        else:
            records["torch_model"] = m
        seen = []

        def hook(mod, grad_input, grad_output):
            assert mod is m
            seen.append((grad_input, grad_output))
            if grad_input[0] is not None:
                return (grad_input[0] * 2, grad_input[1])
            return None

        handle = m.register_full_backward_hook(hook)
        x1 = lib.tensor(R(5, 3), requires_grad=input_grad)
        x2 = lib.tensor(R(5, 4, seed=1))
        out = m(x1, x2)
        (out * lib.tensor(R(5, 2, seed=2))).sum().backward()
        handle.remove()
        out2 = m(x1, x2)  # removed: no more calls
        out2.sum().backward()
        return seen, x1, m

    t_seen, tx, tm = run(torch)
    e_seen, ex, em = run(ember)
    assert len(e_seen) == len(t_seen) == 1
    for e_part, t_part in zip(e_seen[0], t_seen[0]):
        assert len(e_part) == len(t_part)
        for a, b in zip(e_part, t_part):
            assert (a is None) == (b is None)
            if b is not None:
                check(a, b)
    if input_grad:
        check(ex.grad, tx.grad)  # the doubled grad_input from the first call reached x1
    check(em.weight.grad, tm.weight.grad)


def test_backward_hook_on_sequential_child():
    grads = {}
    for lib in (torch, ember):
        lib.manual_seed(0)
        seq = lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.Tanh(), lib.nn.Linear(4, 1)).double()
        if lib is ember:
            copy_state(seq, grads["tseq"])
        else:
            grads["tseq"] = seq
        got = []
        seq[1].register_full_backward_hook(lambda m, gi, go: got.append((gi[0], go[0])))
        seq(lib.tensor(R(2, 3))).sum().backward()
        grads[lib.__name__] = got
    assert len(grads["ember"]) == 1
    check(grads["ember"][0][0], grads["torch"][0][0])
    check(grads["ember"][0][1], grads["torch"][0][1])


def _old_bn_state(L):
    m = L.nn.BatchNorm1d(2)
    sd = m.state_dict()
    del sd["num_batches_tracked"]
    sd._metadata[""]["version"] = 1  # checkpoints from before num_batches_tracked existed
    return m.load_state_dict(sd), m.num_batches_tracked


def _missing_bn_counter(L):
    m = L.nn.BatchNorm1d(2)
    sd = m.state_dict()
    del sd["num_batches_tracked"]
    return m.load_state_dict(sd)


def _extra_state(L):
    class M(L.nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = L.nn.Linear(2, 2)
            self.k = 3

        def get_extra_state(self):
            return {"k": self.k}

        def set_extra_state(self, state):
            self.k = state["k"] + 1

    m = M()
    sd = m.state_dict()
    m.load_state_dict(sd)
    missing = M().load_state_dict({k: v for k, v in sd.items() if k != "_extra_state"}, strict=False)
    unexpected = L.nn.Linear(2, 2).load_state_dict({"_extra_state": 1, **L.nn.Linear(2, 2).state_dict()},
                                                   strict=False)
    return list(sd.keys()), m.k, missing, unexpected


def _shared_parameter(L):
    a, b = L.nn.Linear(2, 2), L.nn.Linear(2, 2)
    b.weight = a.weight
    s = L.nn.Sequential(a, b)
    return [n for n, _ in s.named_parameters()], list(s.state_dict())


def _pickled(L):
    import pickle
    m = pickle.loads(pickle.dumps(L.nn.Sequential(L.nn.Linear(2, 2), L.nn.BatchNorm1d(2)).eval()))
    return [n for n, _ in m.named_parameters()], m.training, m[1].training


# Each call runs on torch and on ember: the same result (repr, with the library name swapped)
# or the same exception type and message.
API_CASES = [
    lambda L: dict(L.nn.Sequential(L.nn.BatchNorm1d(2), L.nn.Linear(2, 2)).state_dict()._metadata),
    _old_bn_state, _missing_bn_counter, _extra_state, _shared_parameter, _pickled,
    lambda L: dict(L.nn.Sequential(L.nn.BatchNorm1d(2), L.nn.Linear(2,2)).state_dict()._metadata),
    lambda L: L.nn.Linear(2,2).to("cpu").weight.dtype,
    lambda L: L.nn.Linear(2,2).to(L.zeros(1, dtype=L.float64)).weight.dtype,
    lambda L: L.nn.Linear(2,2).to("cpu", L.float64).weight.dtype,
    lambda L: L.nn.Linear(2,2).to(device="cpu", dtype=L.float64, non_blocking=True).weight.dtype,
    lambda L: L.nn.Linear(2,2).type(L.float64).weight.dtype,
    lambda L: type(copy.deepcopy(L.nn.Sequential(L.nn.Linear(2,2)))[0].weight).__name__,
    lambda L: L.nn.Sequential(L.nn.Linear(2,2))[5],
    lambda L: L.nn.ModuleList([L.nn.Linear(2,2)])[-3],
    lambda L: L.nn.ModuleDict({"a": L.nn.ReLU()})["b"],
    lambda L: L.nn.ParameterList([L.nn.Parameter(L.zeros(1))])[4],
    lambda L: L.nn.Linear(2,2).foo,
    lambda L: L.nn.Module()(1),
    lambda L: L.nn.Sequential(L.nn.ReLU()) + L.nn.Sequential(L.nn.Tanh()),
    lambda L: list(L.nn.Sequential(L.nn.ReLU(), L.nn.Tanh()).named_children()),
    lambda L: L.nn.Linear(2,2).get_parameter("foo"),
    lambda L: L.nn.Linear(2,2).get_buffer("weight"),
    lambda L: L.nn.Linear(3,2).extra_repr(),
    lambda L: L.nn.Conv2d(3,2,(1,3),stride=2, dilation=(1,2), padding_mode="zeros", bias=False).extra_repr(),
    lambda L: L.nn.ConvTranspose2d(3,2,3,stride=2,output_padding=1).extra_repr(),
    lambda L: L.nn.BatchNorm2d(3, momentum=None, affine=False).extra_repr(),
    lambda L: L.nn.Embedding(4,2, max_norm=1.0, sparse=True, scale_grad_by_freq=True).extra_repr(),
    lambda L: L.nn.MaxPool2d((2,3), return_indices=True, ceil_mode=True),
    lambda L: L.nn.AvgPool1d(3),
    lambda L: L.nn.AdaptiveMaxPool2d((2,None)),
    lambda L: L.nn.Dropout2d(0.3, inplace=True),
    lambda L: L.nn.Softmax(dim=1),
    lambda L: L.nn.LogSoftmax(),
    lambda L: L.nn.Hardtanh(-2, 2),
    lambda L: L.nn.ReLU6(inplace=True),
    lambda L: L.nn.LeakyReLU(0.2, True),
    lambda L: L.nn.ELU(alpha=2.0),
    lambda L: L.nn.Softplus(beta=2),
    lambda L: L.nn.Threshold(0.1, 2.0),
    lambda L: L.nn.GELU(approximate="tanh"),
    lambda L: L.nn.PReLU(3),
    lambda L: L.nn.RReLU(0.1, 0.3),
    lambda L: L.nn.Hardshrink(),
    lambda L: L.nn.CELU(0.5),
    lambda L: L.nn.GLU(),
    lambda L: L.nn.Flatten(0, 2),
    lambda L: L.nn.Upsample(size=(3,4), mode="bilinear", align_corners=True),
    lambda L: L.nn.Upsample(scale_factor=(2.0, 3.0)),
    lambda L: L.nn.PixelUnshuffle(2),
    lambda L: L.nn.ConstantPad2d((1,2,3,4), 1.5),
    lambda L: L.nn.ReflectionPad1d(2),
    lambda L: L.nn.ZeroPad2d(1),
    lambda L: L.nn.CosineSimilarity(),
    lambda L: L.nn.PairwiseDistance(),
    lambda L: L.nn.Fold((4,5),(2,2)),
    lambda L: L.nn.Unfold(3),
    lambda L: L.nn.LocalResponseNorm(3),
    lambda L: L.nn.GroupNorm(2,4,affine=False),
    lambda L: L.nn.LayerNorm([2,3], elementwise_affine=False),
    lambda L: L.nn.InstanceNorm1d(3, affine=True),
    lambda L: L.nn.EmbeddingBag(4,2,mode="sum", padding_idx=1),
    lambda L: L.nn.TransformerDecoderLayer(8,2,16),
    lambda L: L.nn.TransformerEncoder(L.nn.TransformerEncoderLayer(8,2,16), 2),
    lambda L: L.nn.MultiheadAttention(8,2,bias=False,add_bias_kv=True),
    lambda L: L.nn.RNNCell(3,4,bias=False,nonlinearity="relu"),
    lambda L: L.nn.LSTM(3,4,proj_size=2),
    lambda L: L.nn.SmoothL1Loss(beta=0.5),
    lambda L: L.nn.TripletMarginLoss(),
    lambda L: L.nn.Identity(3),
    lambda L: L.nn.Bilinear(2,3,4,bias=False),
    lambda L: L.nn.Unflatten(1, (2,3)),
    lambda L: L.nn.MaxPool1d(2),
    lambda L: L.nn.LPPool2d(2, 3),
    lambda L: L.nn.ChannelShuffle(2),
    lambda L: L.nn.Softmax2d(),
    lambda L: L.nn.AlphaDropout(0.2),
    # containers and Parameter
    lambda L: list(L.nn.ParameterDict({"b": L.nn.Parameter(L.ones(1)), "a": L.nn.Parameter(L.ones(1))}).keys()),
    lambda L: L.nn.ParameterDict(3),
    lambda L: L.nn.ParameterDict([("a", 1, 2)]),
    lambda L: L.nn.Parameter(L.tensor([1, 2]), requires_grad=False),
    lambda L: type(L.nn.Parameter(L.nn.Parameter(L.ones(2)))).__name__,
    lambda L: (lambda p: (setattr(p, "data", L.zeros(3)), p)[1])(L.nn.Parameter(L.ones(2))),
    lambda L: (lambda p: (setattr(p, "grad", L.ones(2)), copy.deepcopy(p).grad)[1])(L.nn.Parameter(L.ones(2))),
    lambda L: pickle.loads(pickle.dumps(L.nn.Parameter(L.ones(2), requires_grad=False))),
    lambda L: type(L.nn.Parameter(L.ones(2)) * 2).__name__,
    lambda L: type(L.nn.Parameter(L.ones(2)).detach()).__name__,
    lambda L: type(L.nn.Parameter(L.ones(2)).clone()).__name__,
    lambda L: isinstance(L.nn.Parameter(L.ones(2)), L.Tensor),
    lambda L: type(L.nn.Parameter(L.ones(2)).view(2)).__name__,
    lambda L: L.nn.Parameter(),
    lambda L: type(L.nn.Parameter(L.ones(2)).double()).__name__,
    lambda L: L.nn.Parameter(L.ones(2)) == L.ones(2),
    lambda L: L.nn.ParameterList([L.nn.Parameter(L.ones(2)), L.ones(3)]),
    lambda L: type(L.nn.ParameterDict({"a": L.ones(2)})["a"]).__name__,
    lambda L: L.nn.ParameterDict({"a": L.ones(2), "b": L.nn.Parameter(L.ones(1))}),
    lambda L: L.nn.ParameterList([L.nn.Parameter(L.ones(2)), L.nn.Parameter(L.ones(3))])[1:],
    lambda L: list(L.nn.ParameterDict().fromkeys(["a", "b"], L.nn.Parameter(L.ones(1))).keys()),
    lambda L: L.nn.ParameterDict().setdefault("a", L.nn.Parameter(L.ones(1))).shape,
    lambda L: list((L.nn.ParameterDict({"a": L.nn.Parameter(L.ones(1))})
                    | L.nn.ParameterDict({"b": L.nn.Parameter(L.ones(1))})).keys()),
    lambda L: list(L.nn.ParameterDict({"a": L.nn.Parameter(L.ones(1))}).copy().keys()),
    lambda L: L.nn.ParameterDict({"a": L.nn.Parameter(L.ones(1))}).popitem()[0],
    lambda L: L.nn.ParameterDict().get("x", 3),
    lambda L: list(reversed(L.nn.ParameterDict({"a": L.nn.Parameter(L.ones(1)), "b": L.nn.Parameter(L.ones(1))}))),
    lambda L: (lambda pl: (pl.__setitem__(0, L.ones(4)), type(pl[0]).__name__, pl[0].shape))(
        L.nn.ParameterList([L.nn.Parameter(L.ones(2))])),
    lambda L: L.nn.ModuleDict({1: L.nn.ReLU()}),
    lambda L: len((lambda ml: (ml.__iadd__([L.nn.ReLU()]), ml)[1])(L.nn.ModuleList([L.nn.ReLU()]))),
    lambda L: L.nn.Sequential(L.nn.ReLU()) * 2,
    lambda L: L.nn.Sequential(L.nn.ReLU(), L.nn.Tanh()).pop(0),
    lambda L: L.nn.Sequential(L.nn.ReLU()).extend(L.nn.Sequential(L.nn.Tanh())),
    lambda L: (lambda s: (s.__iadd__(L.nn.Sequential(L.nn.Tanh())), s)[1])(L.nn.Sequential(L.nn.ReLU())),
    lambda L: L.nn.Sequential(L.nn.ReLU(), L.nn.Tanh()).insert(-1, L.nn.Sigmoid()),
    lambda L: (lambda s: (s.__setitem__(slice(0, 1), L.nn.Tanh()), s)[1])(L.nn.Sequential(L.nn.ReLU(), L.nn.Tanh())),
    lambda L: (lambda s: (s.__delitem__(slice(0, 2)), s)[1])(
        L.nn.ModuleList([L.nn.ReLU(), L.nn.Tanh(), L.nn.Sigmoid()])),
    lambda L: (lambda s: (s.__delitem__(slice(0, 2)), s)[1])(
        L.nn.Sequential(L.nn.ReLU(), L.nn.Tanh(), L.nn.Sigmoid())),
    lambda L: L.nn.Sequential(L.nn.ReLU())(L.ones(1), L.ones(1)),
    lambda L: "0" in dir(L.nn.Sequential(L.nn.ReLU())),
    lambda L: type(L.nn.ModuleDict({"a": L.nn.ReLU()}).keys()).__name__,
]


@pytest.mark.parametrize("case", API_CASES)
def test_module_api_matches_torch(case):
    out = []
    for lib in (torch, ember):
        try:
            out.append(repr(case(lib)).replace("torch.", "ember."))
        except Exception as e:
            out.append(f"{type(e).__name__}: {e}".replace("torch.", "ember."))
    assert out[1] == out[0]


def _simple_net(nn):
    class SimpleNet(nn.Module):
        def __init__(self):
            super(SimpleNet, self).__init__()
            self.flatten = nn.Flatten()
            self.fc1 = nn.Linear(8 * 8, 16)
            self.relu = nn.ReLU()
            self.fc2 = nn.Linear(16, 10)

        def forward(self, x):
            return self.fc2(self.relu(self.fc1(self.flatten(x))))
    return SimpleNet()


def _cnn(nn):
    return nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Dropout(0.25), nn.Flatten(), nn.Linear(4 * 4 * 4, 10))


@pytest.mark.parametrize("make", [_simple_net, _cnn])
def test_training_trajectory_matches_torch(make):
    """The seed example's loop with plain SGD: same seeded initial weights, losses and weights after each
    step (train mode, dropout included, since ember draws torch's random numbers)."""
    rng = np.random.default_rng(0)
    data = [(rng.standard_normal((8, 1, 8, 8)).astype("float32"), rng.integers(0, 10, 8)) for _ in range(3)]
    runs = {}
    for lib in (torch, ember):
        lib.manual_seed(0)
        model = make(lib.nn)
        criterion = lib.nn.CrossEntropyLoss()
        losses = []
        for x, y in data:
            loss = criterion(model(lib.tensor(x)), lib.tensor(y))
            model.zero_grad()
            loss.backward()
            with lib.no_grad():
                for p in model.parameters():
                    p -= 0.1 * p.grad
            losses.append(loss.item())
        runs[lib.__name__] = (losses, model.state_dict())
    np.testing.assert_allclose(runs["ember"][0], runs["torch"][0], rtol=1e-5)
    for k, v in runs["torch"][1].items():
        check(runs["ember"][1][k], v, rtol=1e-4, atol=1e-5, msg=k)


def _params(fn):
    import inspect
    return [p for p in inspect.signature(fn).parameters.values()]


def _compatible(t_params, e_params):
    """ember's signature accepts every call torch's accepts: the same names in the same positions with
    the same defaults (ember may add trailing parameters, or give a default where torch has none)."""
    import inspect
    if [p.kind for p in e_params[1:]] == [inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD]:
        return len(t_params) <= 1 or t_params[1].kind == inspect.Parameter.VAR_POSITIONAL
    if t_params and t_params[-1].kind == inspect.Parameter.VAR_KEYWORD and len(t_params) == 2:
        return True  # torch's own (*args, **kwargs) wrappers
    for i, tp in enumerate(t_params):
        if tp.kind in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD):
            continue
        if i >= len(e_params) or e_params[i].name != tp.name:
            return False
        td, ed = tp.default, e_params[i].default
        if td is not inspect.Parameter.empty:
            if callable(td):
                td, ed = td.__name__, getattr(ed, "__name__", ed)
            if td != ed:
                return False
    return True


def test_module_and_functional_signatures_accept_torch_calls():
    bad = []
    for name in dir(torch.nn):
        t, e = getattr(torch.nn, name), getattr(ember.nn, name, None)
        if e is None or not isinstance(t, type) or not issubclass(t, torch.nn.Module):
            continue
        for meth in ("__init__", "forward"):
            if not _compatible(_params(getattr(t, meth)), _params(getattr(e, meth))):
                bad.append(f"{name}.{meth}")
    for name in dir(torch.nn.functional):
        t, e = getattr(torch.nn.functional, name), getattr(ember.nn.functional, name, None)
        if name.startswith("_") or e is None or not callable(t):
            continue
        try:
            tps = _params(t)
        except (ValueError, TypeError):
            continue
        if not _compatible(tps, _params(e)):
            bad.append(f"F.{name}")
    assert not bad, bad


def test_data_parallel_and_sync_batchnorm_on_cpu():
    """Without GPUs torch's DataParallel just runs the module; checkpoints carry the "module." prefix."""
    tm = torch.nn.DataParallel(torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.BatchNorm1d(2)))
    em = ember.nn.parallel.DataParallel(ember.nn.Sequential(ember.nn.Linear(3, 2), ember.nn.BatchNorm1d(2)))
    copy_state(em, tm)
    same_text(repr(em), repr(tm))
    x = R(4, 3).astype("float32")
    check(em(ember.tensor(x)), tm(torch.tensor(x)))
    es = ember.nn.SyncBatchNorm.convert_sync_batchnorm(em)
    ts = torch.nn.SyncBatchNorm.convert_sync_batchnorm(tm)
    same_text(repr(es), repr(ts))
    assert es.module[1].running_mean is em.module[1].running_mean  # state shared, not copied
    raises_like(lambda: es(ember.tensor(x)), lambda: ts(torch.tensor(x)))



def _resnet(nn):
    lib = torch if nn is torch.nn else ember
    class BasicBlock(nn.Module):
        expansion = 1
        def __init__(self, inplanes, planes, stride=1, downsample=None):
            super().__init__()
            self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(planes)
            self.relu = nn.ReLU(inplace=True)
            self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(planes)
            self.downsample = downsample
        def forward(self, x):
            identity = x
            out = self.relu(self.bn1(self.conv1(x)))
            out = self.bn2(self.conv2(out))
            if self.downsample is not None:
                identity = self.downsample(x)
            out += identity
            out = self.relu(out)
            return out
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(3, 4, 3, 1, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(4)
            self.relu = nn.ReLU(inplace=True)
            self.maxpool = nn.MaxPool2d(3, 2, 1)
            down = nn.Sequential(nn.Conv2d(4, 8, 1, 2, bias=False), nn.BatchNorm2d(8))
            self.layer1 = nn.Sequential(BasicBlock(4, 4), BasicBlock(4, 8, 2, down))
            self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
            self.fc = nn.Linear(8, 5)
            for m in self.modules():
                if isinstance(m, nn.Conv2d):
                    nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                elif isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)):
                    nn.init.constant_(m.weight, 1)
                    nn.init.constant_(m.bias, 0)
        def forward(self, x):
            x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
            x = self.layer1(x)
            x = lib.flatten(self.avgpool(x), 1)
            return self.fc(x)
    return Net()


def test_resnet_block_model_train_mode():
    """A torchvision-style ResNet (in-place ReLU and +=, kaiming init loop over modules()) in train mode:
    outputs, gradients and updated batch-norm statistics equal torch's."""
    em, tm, _, _ = compare_module(_resnet, [R(2, 3, 8, 8)], train=True)
    tb = dict(tm.named_buffers())
    for n, b in em.named_buffers():
        check(b, tb[n], msg=n)


def test_load_state_dict_post_hook_and_global_backward_hook():
    results = {}
    for lib in (torch, ember):
        m = lib.nn.Sequential(lib.nn.Linear(2, 2), lib.nn.Linear(2, 1))
        calls = []

        def post(module, keys, calls=calls):
            calls.append((type(module).__name__, list(keys.missing_keys)))
            if "1.bias" in keys.missing_keys:
                keys.missing_keys.remove("1.bias")  # a hook may forgive a key

        m.register_load_state_dict_post_hook(post)
        m[0].register_load_state_dict_post_hook(post)
        sd = m.state_dict()
        del sd["1.bias"]
        r = m.load_state_dict(sd)  # strict, but the hook removed the only missing key
        seen = []
        handle = lib.nn.modules.module.register_module_full_backward_hook(
            lambda mod, gi, go: seen.append(type(mod).__name__))
        try:
            m(lib.ones(3, 2, requires_grad=True)).sum().backward()
        finally:
            handle.remove()
        m(lib.ones(3, 2, requires_grad=True)).sum().backward()  # removed: no more calls
        results[lib.__name__] = (calls, list(r.missing_keys), seen)
    assert results["ember"] == results["torch"]


def test_to_empty_and_call_impl():
    m = ember.nn.Linear(3, 2)
    w = m.weight
    assert m.to_empty(device="cpu") is m and m.weight is w and tuple(m.weight.shape) == (3, 2)[::-1]
    x = ember.ones(1, 3)
    check(m._call_impl(x).detach(), torch.tensor(m(x).detach().numpy()))
