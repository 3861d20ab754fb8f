"""ember.jit: tracing, the graph, passes, saving and loading, running saved models
from C++ without Python, and every op of the registry traced and replayed."""
import io
import json
import os
import shutil
import subprocess
import time
import warnings

import numpy as np
import pytest
import torch

import ember
import ember.nn as nn
import ember.nn.functional as F
from ember import _C
from small_models import CNN

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("EMBER_BUILD_DIR", os.path.join(ROOT, "build"))
EMBER_RUN = os.path.join(BUILD if os.path.isabs(BUILD) else os.path.join(ROOT, BUILD), "ember_run")
LIBDIR = os.path.join(ROOT, "python", "ember")


def available(fn):
    """False when an op the test needs is not written yet in this build."""
    try:
        fn()
        return True
    except NotImplementedError as e:
        if "not supported yet" in str(e):
            return False
        raise
    except AttributeError:  # a function or method of a family not merged yet
        return False
    except TypeError as e:
        if "subscriptable" in str(e) or "item assignment" in str(e):  # indexing not merged yet
            return False
        raise


def need(fn, what):
    if not available(fn):
        pytest.skip(f"{what} is not available in this build yet")


def rand(*shape, seed=0, low=-2.0, high=2.0, dtype="float32"):
    return ember.tensor(np.random.default_rng(seed).uniform(low, high, size=shape).astype(dtype))


def close(a, b, tol=1e-5):
    if a.dtype == ember.bfloat16:
        a, b = a.float(), b.float()
    a = a.detach().double().numpy() if a.is_floating_point() else a.detach().numpy()
    b = b.detach().double().numpy() if b.is_floating_point() else b.detach().numpy()
    assert a.shape == b.shape, (a.shape, b.shape)
    np.testing.assert_allclose(a, b, rtol=tol, atol=tol, equal_nan=True)


def node_ops(graph):
    ops = []
    for n in graph.nodes():
        ops.append(n.op)
        if n.body is not None:
            ops += node_ops(n.body)
    return ops


def quiet_trace(fn, inputs, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ember.jit.TracerWarning)
        return ember.jit.trace(fn, inputs, **kw)


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 8)
        self.act = nn.ReLU()
        self.fc2 = nn.Linear(8, 3)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x))).tanh()


def has_linear():
    """nn.Linear needs linear and, for its initialisation, the random fills."""
    if not hasattr(ember.Tensor, "uniform_"):
        return False
    return available(lambda: F.linear(ember.ones(1, 2), ember.ones(3, 2)))


# ---------------------------------------------------------------- tracing basics

def test_graph_is_readable_and_names_parameters():
    if not has_linear():
        pytest.skip("linear is not available in this build yet")
    ember.manual_seed(0) if hasattr(ember, "manual_seed") else None
    m = MLP()
    x = rand(2, 4)
    t = ember.jit.trace(m, x)
    text = str(t.graph)
    assert "graph(%x : Float(2, 4))" in text
    assert "= linear(%x, %fc1.weight, %fc1.bias)" in text
    assert "return (" in text
    assert str(t.graph) == t.code
    close(t(x), m(x))
    assert [n for n, _ in t.named_parameters()] == ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
    # parameters are shared with the traced module
    assert t.fc1.weight is m.fc1.weight


def elementwise_model():
    class M(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(rand(5, seed=1))
            self.register_buffer("b", rand(5, seed=2))

        def forward(self, x, y):
            z = F.gelu(x * self.w + self.b) - y.sigmoid() / 3
            return z.view(-1), (z.T, y + 1)
    return M()


def test_trace_nested_outputs_and_new_values():
    m = elementwise_model()
    x, y = rand(3, 5, seed=3), rand(3, 5, seed=4)
    t = ember.jit.trace(m, (x, y))
    x2, y2 = rand(3, 5, seed=5), rand(3, 5, seed=6)
    got, want = t(x2, y2), m(x2, y2)
    assert isinstance(got, tuple) and isinstance(got[1], tuple)
    close(got[0], want[0])
    close(got[1][0], want[1][0])
    close(got[1][1], want[1][1])
    # the chain of elementwise ops became one fused node
    assert "fused_elementwise" in [n.op for n in t.graph.nodes()]


def test_inputs_may_change_shape_where_ops_allow():
    m = elementwise_model()
    t = ember.jit.trace(m, (rand(3, 5), rand(3, 5)))
    x, y = rand(7, 5, seed=8), rand(7, 5, seed=9)
    close(t(x, y)[0], m(x, y)[0])


def test_list_and_dict_outputs_need_strict_false():
    def f(x):
        return [x + 1, {"a": x * 2}]
    with pytest.raises(RuntimeError, match="strict=False"):
        ember.jit.trace(f, rand(3))
    t = ember.jit.trace(f, rand(3), strict=False)
    out = t(ember.ones(3))
    assert isinstance(out, list) and isinstance(out[1], dict)
    close(out[1]["a"], ember.full((3,), 2.0))


def test_functions_and_repeated_inputs():
    def f(a, b):
        return a * b + a
    x = rand(4)
    t = ember.jit.trace(f, (x, x))
    assert [v.name for v in t.graph.inputs()] == ["a", "b"]
    a, b = rand(4, seed=1), rand(4, seed=2)
    close(t(a, b), f(a, b))


def test_tracer_warnings_where_values_leave_the_graph():
    def uses_item(x):
        return x * x.select(0, 0).item()

    def uses_bool(x):
        return x + 1 if bool((x.select(0, 0) > 0)) else x - 1

    def uses_if(x):
        return x + 1 if x.select(0, 1) > 0 else x - 1

    def uses_int(x):
        return x * int(x.select(0, 0))

    def uses_float(x):
        return x * float(x.select(0, 0))

    def uses_len(x):
        return x * len(x)

    def uses_tolist(x):
        return x * x.tolist()[0]

    def uses_numpy(x):
        return x * float(x.numpy()[0])

    for fn in (uses_item, uses_bool, uses_if, uses_int, uses_float, uses_len, uses_tolist, uses_numpy):
        with pytest.warns(ember.jit.TracerWarning):
            ember.jit.trace(fn, ember.full((2,), 2.0), check_trace=False)


def test_no_warning_for_a_clean_trace():
    with warnings.catch_warnings():
        warnings.simplefilter("error", ember.jit.TracerWarning)
        ember.jit.trace(lambda x: (x * 2).exp(), rand(3))


def test_unsupported_ops_fail_clearly():
    def rebuilds_from_data(x):
        return ember.tensor(x) + 1

    def assigns_data(x):
        y = x * 2
        y.data = x
        return y

    for fn in (rebuilds_from_data, assigns_data):
        with pytest.raises(RuntimeError, match="ember.jit.trace: .* is not supported by the tracer"):
            ember.jit.trace(fn, rand(3))
    assert not ember.jit.is_tracing()  # a failed trace leaves no state behind
    with pytest.raises(NotImplementedError, match="ember.jit.script"):
        ember.jit.script(MLP)


def test_random_factories_are_refused():
    if not available(lambda: ember.randn(2)):
        pytest.skip("random factories are not available in this build yet")
    with pytest.raises(RuntimeError, match="randn is not supported by the tracer: random ops cannot be traced"):
        ember.jit.trace(lambda x: x + ember.randn(3), rand(3))
    gen = ember.Generator().manual_seed(1)
    refused = {
        "rand": lambda x: x + ember.rand(3, generator=gen),
        "randn_like": lambda x: x + ember.randn_like(x),
        "rand_like": lambda x: ember.rand_like(x) * x,
        "randint": lambda x: x + ember.randint(0, 5, (3,)),
        "randperm": lambda x: x[ember.randperm(3)],
        "normal": lambda x: x + ember.normal(0.0, 1.0, (3,)),
        "bernoulli": lambda x: ember.bernoulli(x.sigmoid()),
        "multinomial": lambda x: ember.multinomial(x.abs() + 0.1, 2),
    }
    for name, fn in refused.items():
        with pytest.raises(RuntimeError, match=f"{name} is not supported by the tracer"):
            ember.jit.trace(fn, rand(3))
        assert not ember.jit.is_tracing()


def test_check_trace_warns_on_mismatch():
    calls = []

    def data_dependent(x):  # the trace freezes the Python branch taken
        calls.append(1)
        return x * 2 if len(calls) == 1 else x * 3

    with pytest.warns(ember.jit.TracerWarning, match="does not match"):
        ember.jit.trace(data_dependent, rand(3), check_inputs=[(rand(3, seed=1),)])


def test_constants_are_captured_and_folded():
    def f(x):
        c = ember.tensor([1.0, 2.0, 3.0])
        return x * (c.exp() * 2) + ember.ones(3)

    t = ember.jit.trace(f, rand(3))
    ops = node_ops(t.graph)
    assert "exp" not in ops and "ones" not in ops  # folded into constants
    assert len(t.graph.constants()) >= 1
    x = rand(3, seed=5)
    close(t(x), f(x))


def test_dead_code_is_removed():
    def f(x):
        unused = (x * 5).exp()  # noqa: F841
        return x + 1

    t = ember.jit.trace(f, rand(3))
    assert "exp" not in node_ops(t.graph)
    raw = ember.jit.trace(f, rand(3), optimize=False)
    assert "exp" in node_ops(raw.graph)


def test_inplace_ops_and_input_mutation():
    def f(x, y):
        z = x.clone()
        z.mul_(2).relu_()
        z += y
        y.add_(1)  # mutates the caller's tensor, as eager does
        return z

    x, y = rand(4), rand(4, seed=1)
    t = ember.jit.trace(f, (x.clone(), y.clone()))
    y1, y2 = y.clone(), y.clone()
    close(t(x, y1), f(x, y2))
    close(y1, y2)


def test_constant_mutated_in_place_starts_fresh_each_call():
    def f(x):
        acc = ember.zeros(3)
        acc.add_(x)
        return acc * 2

    t = ember.jit.trace(f, rand(3))
    x = ember.ones(3)
    for _ in range(3):
        close(t(x), ember.full((3,), 2.0))


def test_getitem_becomes_view_ops():
    need(lambda: ember.ones(3)[1], "indexing")

    def f(x, idx, mask):
        a = x[0] + x[:, 1:3].sum() if available(lambda: ember.ones(1).sum()) else x[0]
        b = x[..., None, -1]
        c = x[idx]
        d = x[mask]
        e = x[1:, ::2]
        return a, b, c, d, e

    x = rand(4, 5)
    idx = ember.tensor([2, 0])
    mask = ember.tensor([True, False, True, False])
    t = ember.jit.trace(f, (x, idx, mask), check_trace=False)
    ops = node_ops(t.graph)
    assert "select" in ops and "slice" in ops and "unsqueeze" in ops and "index" in ops
    x2 = rand(4, 5, seed=7)
    idx2 = ember.tensor([3, 1])
    for g, w in zip(t(x2, idx2, mask), f(x2, idx2, mask)):
        close(g, w)


def test_setitem_is_recorded():
    need(lambda: ember.ones(3)[1], "indexing")

    def f(x):
        y = x.clone()
        y[0] = 5.0
        y[:, 1] = x[:, 2]
        return y * 2

    t = ember.jit.trace(f, rand(3, 4))
    x = rand(3, 4, seed=3)
    close(t(x), f(x))


def test_traced_module_state_dict_and_load_state_dict():
    m = elementwise_model()
    t = ember.jit.trace(m, (rand(3, 5), rand(3, 5)))
    sd = t.state_dict()
    assert set(sd) == {"w", "b"}
    new = {"w": ember.full((5,), 0.5), "b": ember.zeros(5)}
    t.load_state_dict(new)
    x, y = rand(3, 5, seed=1), rand(3, 5, seed=2)
    m.load_state_dict(new)
    close(t(x, y)[0], m(x, y)[0])


def test_traced_module_runs_autograd():
    w = nn.Parameter(rand(4, seed=1))

    def f(x):
        return (x * w).tanh() * 3

    t = ember.jit.trace(f, rand(4))
    x = rand(4, seed=2)
    y = t(x)
    y.backward(ember.ones(4))
    g_traced = w.grad.clone()
    w.grad = None
    f(x).backward(ember.ones(4))
    close(g_traced, w.grad, 1e-6)


# ---------------------------------------------------------------- saving and loading

def test_save_load_path_and_file_object(tmp_path):
    m = elementwise_model()
    x, y = rand(3, 5), rand(3, 5, seed=1)
    t = ember.jit.trace(m, (x, y))
    p = tmp_path / "m.ejit"
    t.save(str(p))
    a = ember.jit.load(str(p))
    buf = io.BytesIO()
    ember.jit.save(t, buf)
    buf.seek(0)
    b = ember.jit.load(buf)
    assert str(a.graph) == str(t.graph) == str(b.graph)
    for loaded in (a, b):
        out = loaded(x, y)
        close(out[0], t(x, y)[0])
        close(out[1][1], t(x, y)[1][1])
        assert set(loaded.state_dict()) == {"w", "b"}
    assert p.read_bytes() == buf.getvalue()


def test_damaged_files_raise_clear_errors(tmp_path):
    t = ember.jit.trace(elementwise_model(), (rand(3, 5), rand(3, 5)))
    good = io.BytesIO()
    t.save(good)
    data = good.getvalue()
    with pytest.raises(RuntimeError, match="cannot open"):
        ember.jit.load(str(tmp_path / "missing.ejit"))
    cases = [b"", b"hello world", data[:10], data[:40], data[: len(data) // 2], data[:-1], data + b"\0"]
    rng = np.random.default_rng(0)
    for pos in rng.integers(0, len(data), size=24):
        bad = bytearray(data)
        bad[pos] ^= 0xA5
        cases.append(bytes(bad))
    for bad in cases:
        p = tmp_path / "bad.ejit"
        p.write_bytes(bad)
        with pytest.raises(RuntimeError, match="ember.jit.load"):
            ember.jit.load(str(p))


# ---------------------------------------------------------------- running saved models without Python

def run_tool(model_path, inputs, tmp_path):
    """Runs ember_run on .npy inputs with an environment that has nothing of Python."""
    assert os.path.exists(EMBER_RUN), f"{EMBER_RUN} was not built"
    names = []
    for i, x in enumerate(inputs):
        p = tmp_path / f"in{i}.npy"
        np.save(p, x.detach().numpy())
        names.append(str(p))
    prefix = str(tmp_path / "out")
    for old in tmp_path.glob("out*.npy"):  # outputs of an earlier run in the same folder
        old.unlink()
    env = {"LD_LIBRARY_PATH": LIBDIR}
    r = subprocess.run([EMBER_RUN, str(model_path), *names, "-o", prefix], env=env, capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    outs = []
    i = 0
    while os.path.exists(f"{prefix}{i}.npy"):
        outs.append(ember.tensor(np.load(f"{prefix}{i}.npy")))
        i += 1
    return outs


def test_ember_run_links_no_python():
    assert os.path.exists(EMBER_RUN), f"{EMBER_RUN} was not built"
    out = subprocess.run(["ldd", EMBER_RUN], capture_output=True, text=True).stdout
    assert "libember" in out
    assert "libpython" not in out


def _flat_tensors(obj):
    if isinstance(obj, (tuple, list)):
        return [y for x in obj for y in _flat_tensors(x)]
    return [obj]


def check_model_everywhere(model, inputs, tmp_path, tol=1e-5):
    """Traced == eager in Python, the reloaded file == eager, and the saved file run
    by ember_run (C++ ember::jit::load, no Python) == eager too. Inputs and outputs
    may be nested tuples (an LSTM's (h, c)); ember_run sees them flat."""
    model.eval()
    with ember.no_grad():
        want = _flat_tensors(model(*inputs))
    traced = quiet_trace(model, tuple(inputs))
    with ember.no_grad():
        got = _flat_tensors(traced(*inputs))
    assert len(got) == len(want)
    for g, w in zip(got, want):
        close(g, w, tol)
    path = tmp_path / "model.ejit"
    traced.save(str(path))
    loaded = ember.jit.load(str(path))
    with ember.no_grad():
        again = _flat_tensors(loaded(*inputs))
    for a, w in zip(again, want):
        close(a, w, tol)
    outs = run_tool(path, _flat_tensors(inputs), tmp_path)
    assert len(outs) == len(want)
    for o, w in zip(outs, want):
        close(o, w, tol)
    return traced


def test_mlp_everywhere_and_against_torch(tmp_path):
    if not has_linear():
        pytest.skip("linear is not available in this build yet")
    m = MLP()
    x = rand(5, 4)
    check_model_everywhere(m, [x], tmp_path)
    tm = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3), torch.nn.Tanh())
    with torch.no_grad():
        for i, name in ((0, "fc1"), (2, "fc2")):
            tm[i].weight.copy_(torch.tensor(getattr(m, name).weight.detach().numpy()))
            tm[i].bias.copy_(torch.tensor(getattr(m, name).bias.detach().numpy()))
    t = ember.jit.trace(m, x)
    close(t(x), ember.tensor(tm(torch.tensor(x.numpy())).detach().numpy()))


def test_cnn_everywhere(tmp_path):
    if not hasattr(ember, "conv2d") or not has_linear():
        pytest.skip("convolution is not available in this build yet")
    need(lambda: F.conv2d(ember.ones(1, 1, 3, 3), ember.ones(1, 1, 2, 2)), "conv2d")
    need(lambda: F.max_pool2d(ember.ones(1, 1, 4, 4), 2), "max_pool2d")

    traced = check_model_everywhere(CNN(), [rand(2, 1, 8, 8)], tmp_path, tol=1e-4)
    assert "conv2d" in node_ops(traced.graph)


def test_lstm_everywhere(tmp_path):
    if not has_linear():
        pytest.skip("linear is not available in this build yet")
    need(lambda: ember.ones(3, 2)[1], "indexing")
    need(lambda: nn.LSTM(3, 4)(ember.ones(2, 1, 3)), "LSTM's ops")
    lstm = nn.LSTM(3, 4, num_layers=2, batch_first=True)
    check_model_everywhere(lstm, [rand(2, 5, 3)], tmp_path, tol=1e-5)


def test_lstm_with_state_and_gru_everywhere(tmp_path):
    if not has_linear():
        pytest.skip("linear is not available in this build yet")
    need(lambda: nn.GRU(3, 4)(ember.ones(2, 1, 3)), "GRU's ops")
    ember.manual_seed(0)
    lstm = nn.LSTM(3, 4, bidirectional=True)
    check_model_everywhere(lstm, [rand(5, 2, 3), (rand(2, 2, 4, seed=1), rand(2, 2, 4, seed=2))], tmp_path)
    gru = nn.GRU(3, 4, num_layers=2, bidirectional=True, batch_first=True)
    check_model_everywhere(gru, [rand(2, 5, 3)], tmp_path)


def test_rnn_layer_op_matches_the_modules():
    """_rnn_layer (the one-node layer ONNX export uses) computes what nn.LSTM and nn.GRU compute."""
    ember.manual_seed(0)
    for mod, x in ((nn.LSTM(3, 4, bidirectional=True), rand(5, 2, 3)), (nn.GRU(3, 4, bidirectional=True), rand(5, 2, 3))):
        h0 = rand(2, 2, 4, seed=3)
        with ember.no_grad():
            want = mod(x, (h0, h0 * 0.5)) if mod.mode == "LSTM" else mod(x, h0)
            w = [getattr(mod, f"{n}_l0{s}") for s in ("", "_reverse") for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
            got = _C._rnn_layer(mod.mode, x, h0, h0 * 0.5 if mod.mode == "LSTM" else None, w)
        close(got[0], want[0], 1e-6)
        close(got[1], want[1][0] if mod.mode == "LSTM" else want[1], 1e-6)
        if mod.mode == "LSTM":
            close(got[2], want[1][1], 1e-6)
    with pytest.raises(ValueError, match="rnn_layer"):
        _C._rnn_layer("RNN", rand(5, 2, 3), None, None, w)
    with pytest.raises(ValueError, match="h0 must be"):
        _C._rnn_layer("GRU", rand(5, 2, 3), rand(1, 2, 4), None, w)


def test_transformer_encoder_everywhere(tmp_path):
    """The full encoder stack (cloned layers, a final norm), pre-norm and post-norm."""
    if not has_linear():
        pytest.skip("linear is not available in this build yet")
    ember.manual_seed(0)
    layer = nn.TransformerEncoderLayer(d_model=8, nhead=2, dim_feedforward=16, batch_first=True, norm_first=True)
    enc = nn.TransformerEncoder(layer, num_layers=2, norm=nn.LayerNorm(8))
    traced = check_model_everywhere(enc, [rand(2, 5, 8)], tmp_path)
    assert "layers.1.linear2.weight" in [n for n, _ in traced.named_parameters()]
    layer = nn.TransformerEncoderLayer(d_model=8, nhead=2, dim_feedforward=16, activation="gelu")
    check_model_everywhere(nn.TransformerEncoder(layer, num_layers=2), [rand(5, 2, 8)], tmp_path)


def test_transformer_encoder_layer_everywhere(tmp_path):
    if not has_linear():
        pytest.skip("linear is not available in this build yet")
    layer = nn.TransformerEncoderLayer(d_model=8, nhead=2, dim_feedforward=16, dropout=0.1, batch_first=True)
    need(lambda: layer.eval()(ember.ones(1, 2, 8)), "the transformer's ops")
    check_model_everywhere(layer, [rand(2, 5, 8)], tmp_path, tol=1e-5)


# ---------------------------------------------------------------- fusion pays

def test_fused_elementwise_model_keeps_up_with_eager():
    """A model dominated by elementwise work: the fused graph reads and writes memory once."""
    w, b = rand(1024, seed=1), rand(1024, seed=2)

    def f(x):
        y = x * w + b
        y = y * ember.sigmoid(y)               # silu
        y = (y - 0.5).clamp(-3.0, 3.0) * 0.25
        return F.leaky_relu(y, 0.1) + x.abs()

    x = rand(1024, 1024, seed=3)
    eager, traced = _time_fused(f, x)
    speedup = min(eager) / min(traced)
    print(f"\nelementwise model 1024x1024: eager {min(eager) * 1e3:.2f} ms, traced {min(traced) * 1e3:.2f} ms, "
          f"speedup {speedup:.2f}x")
    # How much fusion wins depends on the machine: with vectorized eager kernels and a large cache
    # (this 1M-float model stays cache-resident) the two are close; bench/RESULTS.md has the
    # numbers. The test guards against the fused kernel falling far behind (a scalar fallback).
    assert speedup > 0.8


def _time_fused(f, x):
    # CPU time of this thread on one ember thread: the work done, not the wall clock, which a
    # loaded machine (a shared CI runner) stretches for both sides alike and so pushes the ratio to 1.
    saved = ember.get_num_threads()
    ember.set_num_threads(1)
    try:
        with ember.no_grad():
            t = ember.jit.trace(f, x)
            assert [n.op for n in t.graph.nodes()] == ["fused_elementwise"]
            close(t(x), f(x), 1e-6)

            def best(fn, n=5):
                times = []
                for _ in range(n):
                    s = time.thread_time()
                    fn(x)
                    times.append(time.thread_time() - s)
                return min(times)
            eager, traced = [], []
            for _ in range(6):  # interleaved, so machine load hits both alike
                eager.append(best(f))
                traced.append(best(t))
    finally:
        ember.set_num_threads(saved)
    return eager, traced


# ---------------------------------------------------------------- every registered op, traced and replayed
#
# Each case is (op name as recorded, function, input makers). The function is
# traced on one set of inputs and the traced module run on fresh ones; the
# result must equal eager on the fresh inputs, and the raw graph must hold a
# node for the op (so it was recorded, not frozen into a constant).

def f32(*shape, low=-2.0, high=2.0):
    return lambda seed: rand(*shape, seed=seed, low=low, high=high)


def pos(*shape):
    return f32(*shape, low=0.2, high=3.0)


def unit(*shape):
    return f32(*shape, low=0.1, high=0.9)


def i64(*shape, low=0, high=4):
    return lambda seed: ember.tensor(np.random.default_rng(seed).integers(low, high, size=shape).astype("int64"))


def boolean(*shape):
    return lambda seed: ember.tensor(np.random.default_rng(seed).random(shape) > 0.5)


def fixed(t):
    return lambda seed: t


UNARY_DOMAIN = {
    "log": pos, "log2": pos, "log10": pos, "log1p": pos, "sqrt": pos, "rsqrt": pos, "lgamma": pos, "digamma": pos,
    "asin": unit, "acos": unit, "atanh": unit, "erfinv": unit, "logit": unit, "acosh": lambda *s: f32(*s, low=1.1, high=3.0),
    "reciprocal": pos,
}
UNARY = ["neg", "abs", "sign", "exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sqrt", "rsqrt", "sin", "cos",
         "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "asinh", "acosh", "atanh", "sigmoid", "erf", "erfc",
         "erfinv", "floor", "ceil", "trunc", "frac", "reciprocal", "square", "relu", "silu", "mish", "hardsigmoid",
         "hardswish", "selu", "relu6", "sgn", "positive", "logit", "lgamma", "digamma", "sinc", "deg2rad", "rad2deg"]

CASES = []
for _n in UNARY:
    _mk = UNARY_DOMAIN.get(_n, f32)(3, 4)
    CASES.append((_n, (lambda n: lambda x: getattr(ember, n)(x))(_n), [_mk]))
    CASES.append((_n + "_", (lambda n: lambda x: getattr(x.clone(), n + "_")())(_n), [_mk]))
CASES += [
    ("logical_not", lambda x: ember.logical_not(x), [f32(3, 4)]),
    ("logical_not_", lambda x: (x > 0).logical_not_(), [f32(3, 4)]),
    ("bitwise_not", lambda x: ember.bitwise_not(x), [i64(5, low=-9, high=9)]),
    ("bitwise_not_", lambda x: x.clone().bitwise_not_(), [i64(5, low=-9, high=9)]),
    ("__invert__", lambda x, y: (~x, ~(y > 0)), [i64(5), f32(5)]),
    # binary, tensor and number operands, operators and methods
    ("add", lambda x, y: (x + y, ember.add(x, y, alpha=2), 1.5 + x), [f32(3, 4), f32(4)]),
    ("sub", lambda x, y: (x - y, x.sub(y, alpha=0.5), 2 - x), [f32(3, 4), f32(4)]),
    ("rsub", lambda x, y: ember.rsub(x, y, alpha=3), [f32(3, 4), f32(3, 4)]),
    ("mul", lambda x, y: (x * y, x * 3), [f32(3, 4), f32(3, 1)]),
    ("div", lambda x, y: (x / y, x.div(y, rounding_mode="floor"), 1 / y), [f32(3, 4), pos(4)]),
    ("floor_divide", lambda x, y: x // y, [f32(3, 4), pos(4)]),
    ("remainder", lambda x, y: x % y, [f32(3, 4), pos(4)]),
    ("fmod", lambda x, y: ember.fmod(x, y), [f32(3, 4), pos(4)]),
    ("atan2", lambda x, y: ember.atan2(x, y), [f32(3, 4), f32(4)]),
    ("hypot", lambda x, y: ember.hypot(x, y), [f32(3, 4), f32(4)]),
    ("pow", lambda x, y: (x ** y, x ** 2, 2 ** x, x.pow(0.5)), [pos(3, 4), f32(4)]),
    ("float_power", lambda x, y: ember.float_power(x, y), [pos(3, 4), f32(4)]),
    ("maximum", lambda x, y: ember.maximum(x, y), [f32(3, 4), f32(4)]),
    ("minimum", lambda x, y: ember.minimum(x, y), [f32(3, 4), f32(4)]),
    ("fmax", lambda x, y: ember.fmax(x, y), [f32(3, 4), f32(4)]),
    ("fmin", lambda x, y: ember.fmin(x, y), [f32(3, 4), f32(4)]),
    ("xlogy", lambda x, y: ember.xlogy(x, y), [f32(3, 4), pos(4)]),
    ("eq", lambda x, y: (x == y, x.eq(0.5)), [i64(3, 4), i64(4)]),
    ("ne", lambda x, y: x != y, [i64(3, 4), i64(4)]),
    ("lt", lambda x, y: x < y, [f32(3, 4), f32(4)]),
    ("le", lambda x, y: x <= y, [f32(3, 4), f32(4)]),
    ("gt", lambda x, y: x > y, [f32(3, 4), f32(4)]),
    ("ge", lambda x, y: x >= y, [f32(3, 4), f32(4)]),
    ("logical_and", lambda x, y: ember.logical_and(x, y), [f32(3, 4), f32(4)]),
    ("logical_or", lambda x, y: ember.logical_or(x, y), [f32(3, 4), f32(4)]),
    ("logical_xor", lambda x, y: ember.logical_xor(x, y), [f32(3, 4), f32(4)]),
    ("bitwise_and", lambda x, y: x & y, [i64(3, 4, high=16), i64(4, high=16)]),
    ("bitwise_or", lambda x, y: x | y, [i64(3, 4, high=16), i64(4, high=16)]),
    ("bitwise_xor", lambda x, y: x ^ y, [i64(3, 4, high=16), i64(4, high=16)]),
    ("bitwise_left_shift", lambda x, y: x << y, [i64(3, 4, high=16), i64(4, high=3)]),
    ("bitwise_right_shift", lambda x, y: x >> y, [i64(3, 4, high=16), i64(4, high=3)]),
    ("where", lambda c, x, y: (ember.where(c, x, y), ember.where(c, x, 0.5)), [boolean(3, 4), f32(3, 4), f32(4)]),
    ("lerp", lambda x, y: ember.lerp(x, y, 0.3), [f32(3, 4), f32(3, 4)]),
    ("lerp_", lambda x, y: x.clone().lerp_(y, 0.3), [f32(3, 4), f32(3, 4)]),
    ("addcmul", lambda x, y, z: ember.addcmul(x, y, z, value=0.5), [f32(3, 4), f32(3, 4), f32(4)]),
    ("addcdiv", lambda x, y, z: ember.addcdiv(x, y, z, value=0.5), [f32(3, 4), f32(3, 4), pos(4)]),
    ("addcmul_", lambda x, y, z: x.clone().addcmul_(y, z), [f32(3, 4), f32(3, 4), f32(4)]),
    ("addcdiv_", lambda x, y, z: x.clone().addcdiv_(y, z), [f32(3, 4), f32(3, 4), pos(4)]),
    ("clamp", lambda x, lo: (x.clamp(-0.5, 0.5), x.clamp(min=0.1), ember.clamp(x, lo, None)), [f32(3, 4), f32(4)]),
    ("clamp_", lambda x: x.clone().clamp_(-0.5, 0.5), [f32(3, 4)]),
    ("clamp_min", lambda x: x.clamp_min(0.2), [f32(3, 4)]),
    ("clamp_max", lambda x: x.clamp_max(0.2), [f32(3, 4)]),
    ("round", lambda x: (x.round(), x.round(decimals=1)), [f32(3, 4)]),
    ("round_", lambda x: x.clone().round_(), [f32(3, 4)]),
    ("isnan", lambda x: (x / x).isnan(), [f32(3, 4)]),
    ("isinf", lambda x: (1 / (x > 0).float()).isinf(), [f32(3, 4)]),
    ("isposinf", lambda x: (1 / (x > 0).float()).isposinf(), [f32(3, 4)]),
    ("isneginf", lambda x: (-1 / (x > 0).float()).isneginf(), [f32(3, 4)]),
    ("isfinite", lambda x: (1 / (x > 0).float()).isfinite(), [f32(3, 4)]),
    ("isreal", lambda x: x.isreal(), [f32(3, 4)]),
    ("signbit", lambda x: x.signbit(), [f32(3, 4)]),
    ("nan_to_num", lambda x: (x.log()).nan_to_num(nan=0.5, neginf=-7.0), [f32(3, 4)]),
    ("nan_to_num_", lambda x: x.log().nan_to_num_(nan=0.5), [f32(3, 4)]),
    ("logit", lambda x: x.logit(eps=0.2), [unit(3, 4)]),
    ("gelu", lambda x: (F.gelu(x), F.gelu(x, approximate="tanh")), [f32(3, 4)]),
    ("softplus", lambda x: F.softplus(x, beta=2, threshold=1), [f32(3, 4)]),
    ("elu", lambda x: F.elu(x, 0.7), [f32(3, 4)]),
    ("elu_", lambda x: F.elu(x.clone(), 0.7, inplace=True), [f32(3, 4)]),
    ("celu", lambda x: F.celu(x, 0.7), [f32(3, 4)]),
    ("leaky_relu", lambda x: F.leaky_relu(x, 0.2), [f32(3, 4)]),
    ("leaky_relu_", lambda x: F.leaky_relu(x.clone(), 0.2, inplace=True), [f32(3, 4)]),
    ("hardtanh", lambda x: F.hardtanh(x, -0.5, 0.7), [f32(3, 4)]),
    ("hardtanh_", lambda x: F.hardtanh(x.clone(), -0.5, 0.7, inplace=True), [f32(3, 4)]),
    ("logsigmoid", lambda x: F.logsigmoid(x), [f32(3, 4)]),
    ("hardshrink", lambda x: F.hardshrink(x, 0.3), [f32(3, 4)]),
    ("softshrink", lambda x: F.softshrink(x, 0.3), [f32(3, 4)]),
    ("tanhshrink", lambda x: F.tanhshrink(x), [f32(3, 4)]),
    ("softsign", lambda x: F.softsign(x), [f32(3, 4)]),
    ("threshold", lambda x: F.threshold(x, 0.1, -1.0), [f32(3, 4)]),
    ("prelu", lambda x, w: F.prelu(x, w), [f32(2, 3, 4), pos(3)]),
    ("glu", lambda x: F.glu(x, 1), [f32(3, 4)]),
]
for _n in ["floor_divide", "remainder", "fmod", "atan2", "hypot", "logical_and", "logical_or", "logical_xor"]:
    CASES.append((_n + "_", (lambda n: lambda x, y: getattr(x.clone(), n + "_")(y))(_n), [f32(3, 4), pos(4)]))
for _n in ["eq", "ne", "lt", "le", "gt", "ge"]:
    CASES.append((_n + "_", (lambda n: lambda x, y: getattr(x.clone(), n + "_")(y))(_n), [f32(3, 4), f32(4)]))
for _n, _op in [("bitwise_and", "__iand__"), ("bitwise_or", "__ior__"), ("bitwise_xor", "__ixor__"),
                ("bitwise_left_shift", "__ilshift__"), ("bitwise_right_shift", "__irshift__")]:
    CASES.append((_n + "_", (lambda o: lambda x, y: getattr(x.clone(), o)(y))(_op), [i64(3, 4, high=16), i64(4, high=3)]))
for _n, _op in [("add_", "__iadd__"), ("sub_", "__isub__"), ("mul_", "__imul__"), ("div_", "__itruediv__"),
                ("pow_", "__ipow__")]:
    CASES.append((_n, (lambda o: lambda x, y: getattr(x.clone(), o)(y))(_op), [pos(3, 4), pos(4)]))

CASES += [
    # views and shapes
    ("view", lambda x: (x.view(4, 3), x.view(-1), x.view((2, 6)), x.view(ember.int32)), [f32(3, 4)]),
    ("view_as", lambda x, y: x.view_as(y), [f32(3, 4), f32(12)]),
    ("reshape", lambda x: (x.reshape(2, 6), ember.reshape(x, (12,))), [f32(3, 4)]),
    ("logaddexp", lambda x, y: (ember.logaddexp(x, y), x.logaddexp(y * 10)), [f32(3, 4), f32(4)]),
    ("logaddexp2", lambda x, y: ember.logaddexp2(x, y), [f32(3, 4), f32(3, 1)]),
    ("isclose", lambda x, y: (ember.isclose(x, y, atol=1.0), x.isclose(x + 1e-7)), [f32(3, 4), f32(3, 4)]),
    ("reshape_as", lambda x, y: x.reshape_as(y), [f32(3, 4), f32(6, 2)]),
    ("flatten", lambda x: (x.flatten(), ember.flatten(x, 1)), [f32(2, 3, 4)]),
    ("unflatten", lambda x: x.unflatten(1, (2, 2)), [f32(3, 4)]),
    ("ravel", lambda x: x.t().ravel(), [f32(3, 4)]),
    ("squeeze", lambda x: (x.squeeze(), x.squeeze(1)), [f32(3, 1, 4)]),
    ("unsqueeze", lambda x: x.unsqueeze(-1), [f32(3, 4)]),
    ("transpose", lambda x: (x.transpose(0, 2), ember.swapaxes(x, 0, 1)), [f32(2, 3, 4)]),
    ("t", lambda x: x.t(), [f32(3, 4)]),
    ("T", lambda x: x.T, [f32(2, 3, 4)]),
    ("mT", lambda x: (x.mT, x.mH), [f32(2, 3, 4)]),
    ("H", lambda x: x.H, [f32(3, 4)]),
    ("permute", lambda x: (x.permute(2, 0, 1), ember.permute(x, (1, 0, 2))), [f32(2, 3, 4)]),
    ("movedim", lambda x: ember.movedim(x, 0, -1), [f32(2, 3, 4)]),
    ("expand", lambda x: x.expand(3, -1, 4), [f32(1, 2, 4)]),
    ("expand_as", lambda x, y: x.expand_as(y), [f32(1, 4), f32(3, 4)]),
    ("broadcast_to", lambda x: ember.broadcast_to(x, (2, 3, 4)), [f32(3, 1)]),
    ("broadcast_tensors", lambda x, y: ember.broadcast_tensors(x, y), [f32(3, 1), f32(4)]),
    ("as_strided", lambda x: x.as_strided((2, 2), (1, 2), 1), [f32(3, 4)]),
    ("narrow", lambda x: x.narrow(1, 1, 2), [f32(3, 4)]),
    ("select", lambda x: x.select(1, -1), [f32(3, 4)]),
    ("diagonal", lambda x: x.diagonal(1), [f32(3, 4)]),
    ("unfold", lambda x: x.unfold(1, 2, 1), [f32(3, 4)]),
    ("split", lambda x: (x.split(1), ember.split(x, [1, 3], 1)), [f32(3, 4)]),
    ("split_with_sizes", lambda x: x.split_with_sizes([1, 2]), [f32(3, 4)]),
    ("tensor_split", lambda x: (x.tensor_split(2, 1), x.tensor_split([1, 3], 1)), [f32(3, 4)]),
    ("chunk", lambda x: x.chunk(2, 1), [f32(3, 4)]),
    ("hsplit", lambda x: (ember.hsplit(x, 2), x.hsplit([1, 3])), [f32(3, 4)]),
    ("vsplit", lambda x: (ember.vsplit(x, [1]), x.vsplit(2)), [f32(4, 3)]),
    ("dsplit", lambda x: (ember.dsplit(x, 2), x.dsplit([1])), [f32(2, 3, 4)]),
    ("diff", lambda x, y: (ember.diff(x), x.diff(2, 0, prepend=y, append=y)), [f32(3, 4), f32(1, 4)]),
    ("squeeze_", lambda x: (x.clone().squeeze_(), x.clone().squeeze_(1)), [f32(3, 1, 4)]),
    ("unsqueeze_", lambda x: x.clone().unsqueeze_(-1) * 2, [f32(3, 4)]),
    ("transpose_", lambda x: (x.clone().transpose_(0, 2), x.clone().swapaxes_(0, 1), x.clone().swapdims_(1, 2)),
     [f32(2, 3, 4)]),
    ("t_", lambda x: x.clone().t_() + 1, [f32(3, 4)]),
    ("resize_", lambda x: (x.clone().resize_(2, 6), x.clone().resize_((5,))), [f32(3, 4)]),
    ("resize_as_", lambda x, y: x.clone().resize_as_(y), [f32(3, 4), f32(6, 2)]),
    ("unbind", lambda x: x.unbind(1), [f32(3, 4)]),
    ("atleast_1d", lambda x: ember.atleast_1d(x.select(0, 0).select(0, 1)), [f32(3, 4)]),
    ("atleast_2d", lambda x: ember.atleast_2d(x.select(0, 1)), [f32(3, 4)]),
    ("atleast_3d", lambda x, y: ember.atleast_3d(x, y), [f32(3, 4), f32(4)]),
    ("meshgrid", lambda x, y: ember.meshgrid(x, y, indexing="xy"), [f32(3), f32(4)]),
    ("cat", lambda x, y: ember.cat([x, y], 1), [f32(3, 4), f32(3, 2)]),
    ("stack", lambda x, y: ember.stack([x, y], -1), [f32(3, 4), f32(3, 4)]),
    ("hstack", lambda x, y: ember.hstack([x, y]), [f32(3, 4), f32(3, 2)]),
    ("vstack", lambda x, y: ember.vstack([x, y]), [f32(3, 4), f32(2, 4)]),
    ("dstack", lambda x, y: ember.dstack([x, y]), [f32(3, 4), f32(3, 4)]),
    ("column_stack", lambda x, y: ember.column_stack([x, y]), [f32(3), f32(3, 2)]),
    ("repeat", lambda x: x.repeat(2, 1, 3), [f32(3, 4)]),
    ("tile", lambda x: (x.tile(2, 1), ember.tile(x, (1, 2))), [f32(3, 4)]),
    ("repeat_interleave", lambda x, r: (x.repeat_interleave(2, 0), x.repeat_interleave(r, 1)),
     [f32(3, 4), fixed(ember.tensor([1, 0, 2, 1]))]),
    ("flip", lambda x: (x.flip(0), ember.flip(x, [0, 1])), [f32(3, 4)]),
    ("fliplr", lambda x: x.fliplr(), [f32(3, 4)]),
    ("flipud", lambda x: x.flipud(), [f32(3, 4)]),
    ("roll", lambda x: (x.roll(1, 0), x.roll(2)), [f32(3, 4)]),
    ("rot90", lambda x: x.rot90(1, [0, 1]), [f32(3, 4)]),
    ("tril", lambda x: x.tril(-1), [f32(3, 4)]),
    ("triu", lambda x: x.triu(1), [f32(3, 4)]),
    ("tril_", lambda x: x.clone().tril_(), [f32(3, 4)]),
    ("triu_", lambda x: x.clone().triu_(), [f32(3, 4)]),
    ("diag", lambda x, v: (x.diag(), v.diag(1)), [f32(3, 4), f32(3)]),
    ("diag_embed", lambda x: x.diag_embed(), [f32(2, 3)]),
    ("trace", lambda x: x.trace(), [f32(3, 4)]),
    ("_pad", lambda x: (F.pad(x, (1, 2)), F.pad(x, (1, 1, 0, 1), mode="constant", value=0.5)), [f32(3, 4)]),
    # t[...] and indexing
    ("slice", lambda x: x[1:, ::2], [f32(3, 4)]),
    ("index", lambda x, i: x[:, i], [f32(3, 4), i64(5, high=4)]),
    ("index_put_", lambda x, i, v: x.clone().index_put_((i,), v), [f32(4, 3), fixed(ember.tensor([0, 2])), f32(2, 3)]),
    ("index_put", lambda x, i, v: x.index_put((i,), v, accumulate=True), [f32(4, 3), i64(5, high=4), f32(3)]),
    ("gather", lambda x, i: x.gather(1, i), [f32(3, 4), i64(3, 2, high=4)]),
    ("take_along_dim", lambda x, i: ember.take_along_dim(x, i, 1), [f32(3, 4), i64(3, 2, high=4)]),
    ("scatter", lambda x, i, s: (x.scatter(1, i, s), x.scatter(1, i, 0.5)), [f32(3, 4), fixed(ember.tensor([[0], [3], [1]])), f32(3, 1)]),
    ("scatter_", lambda x, i, s: x.clone().scatter_(1, i, s), [f32(3, 4), fixed(ember.tensor([[0], [3], [1]])), f32(3, 1)]),
    ("scatter_add", lambda x, i, s: x.scatter_add(1, i, s), [f32(3, 4), i64(3, 2, high=4), f32(3, 2)]),
    ("scatter_add_", lambda x, i, s: x.clone().scatter_add_(1, i, s), [f32(3, 4), i64(3, 2, high=4), f32(3, 2)]),
    ("scatter_reduce", lambda x, i, s: x.scatter_reduce(1, i, s, "amax"), [f32(3, 4), i64(3, 2, high=4), f32(3, 2)]),
    ("index_select", lambda x, i: x.index_select(1, i), [f32(3, 4), i64(5, high=4)]),
    ("index_add", lambda x, i, s: x.index_add(0, i, s, alpha=2), [f32(3, 4), fixed(ember.tensor([0, 2])), f32(2, 4)]),
    ("index_add_", lambda x, i, s: x.clone().index_add_(0, i, s), [f32(3, 4), fixed(ember.tensor([0, 2])), f32(2, 4)]),
    ("index_copy", lambda x, i, s: x.index_copy(0, i, s), [f32(3, 4), fixed(ember.tensor([2, 0])), f32(2, 4)]),
    ("index_fill", lambda x, i: x.index_fill(1, i, -1.0), [f32(3, 4), i64(2, high=4)]),
    ("take", lambda x, i: x.take(i), [f32(3, 4), i64(5, high=12)]),
    ("masked_fill", lambda x, m: x.masked_fill(m, -2.0), [f32(3, 4), boolean(3, 4)]),
    ("masked_fill_", lambda x, m: x.clone().masked_fill_(m, -2.0), [f32(3, 4), boolean(3, 4)]),
    ("masked_select", lambda x, m: x.masked_select(m), [f32(3, 4), fixed(ember.tensor([True, False, True, True]))]),
    ("masked_scatter", lambda x, m, s: x.masked_scatter(m, s), [f32(3, 4), boolean(3, 4), f32(12)]),
    ("nonzero", lambda x: ((x > 10).nonzero(), (x > 10).nonzero(as_tuple=True)), [f32(3, 4)]),
    ("argwhere", lambda x: (x > 10).argwhere(), [f32(3, 4)]),
    ("sort", lambda x: x.sort(1, descending=True), [f32(3, 4)]),
    ("argsort", lambda x: x.argsort(0), [f32(3, 4)]),
    ("msort", lambda x: x.msort(), [f32(3, 4)]),
    ("topk", lambda x: x.topk(2, 1), [f32(3, 4)]),
    ("kthvalue", lambda x: x.kthvalue(2, 1), [f32(3, 4)]),
    ("one_hot", lambda i: F.one_hot(i, 5), [i64(4, high=5)]),
    # conversions and copies
    ("contiguous", lambda x: x.t().contiguous(), [f32(3, 4)]),
    ("clone", lambda x: x.clone(), [f32(3, 4)]),
    ("detach", lambda x: (x.detach(), x.data), [f32(3, 4)]),
    ("copy_", lambda x, y: x.clone().copy_(y), [f32(3, 4), f32(4)]),
    ("to", lambda x, y: (x.to(ember.float64), x.to("cpu", ember.int32), x.to(y), x.to(ember.float32, copy=True)),
     [f32(3, 4), i64(2)]),
    ("type", lambda x: x.type(ember.float64), [f32(3, 4)]),
    ("type_as", lambda x, y: x.type_as(y), [f32(3, 4), i64(2)]),
] + [(_n, (lambda n: lambda x: getattr(x, n)())(_n), [f32(3, 4)])
     for _n in ["float", "double", "half", "bfloat16", "char", "short", "int", "long", "byte", "bool"]] + [
    # creation from traced sizes and values
    ("zeros", lambda x: x + ember.zeros(3, 4), [f32(3, 4)]),
    ("ones", lambda x: x + ember.ones((3, 4), dtype=ember.float64), [f32(3, 4)]),
    ("full", lambda x: x + ember.full((3, 4), 0.5), [f32(3, 4)]),
    ("zeros_like", lambda x: ember.zeros_like(x) + x, [f32(3, 4)]),
    ("ones_like", lambda x: ember.ones_like(x, dtype=ember.int64), [f32(3, 4)]),
    ("full_like", lambda x: ember.full_like(x, 7), [f32(3, 4)]),
    ("new_zeros", lambda x: x.new_zeros(2, 3), [f32(3, 4)]),
    ("new_ones", lambda x: x.new_ones((2, 3)), [f32(3, 4)]),
    ("new_full", lambda x: x.new_full((2, 3), 1.5), [f32(3, 4)]),
    ("arange", lambda x: (x * ember.arange(4), x + ember.arange(4, dtype=ember.float64),
                          x - ember.arange(1, 9, 2), x * ember.arange(0.5, 2.5, 0.5)), [f32(3, 4)]),
    ("linspace", lambda x: x * ember.linspace(0, 1, 4), [f32(3, 4)]),
    ("logspace", lambda x: x * ember.logspace(0, 1, 4), [f32(3, 4)]),
    ("eye", lambda x: x * ember.eye(3, 4), [f32(3, 4)]),
    ("scalar_tensor", lambda x: x * ember.scalar_tensor(2.5), [f32(3, 4)]),
    ("fill_", lambda x, v: (x.clone().fill_(3.0), x.clone().fill_(v)), [f32(3, 4), f32()]),
    ("zero_", lambda x: x.clone().zero_(), [f32(3, 4)]),
    # reductions
    ("sum", lambda x: (x.sum(), x.sum(1), x.sum((0, 1), keepdim=True), x.sum(dtype=ember.float64)), [f32(3, 4)]),
    ("mean", lambda x: (x.mean(), x.mean(0, keepdim=True)), [f32(3, 4)]),
    ("nansum", lambda x: ember.nansum(x, 1), [f32(3, 4)]),
    ("nanmean", lambda x: ember.nanmean(x, 1), [f32(3, 4)]),
    ("amax", lambda x: x.amax(1), [f32(3, 4)]),
    ("amin", lambda x: x.amin((0, 1)), [f32(3, 4)]),
    ("logsumexp", lambda x: x.logsumexp(1), [f32(3, 4)]),
    ("count_nonzero", lambda x: (x > 0).count_nonzero(1), [f32(3, 4)]),
    ("prod", lambda x: (x.prod(), x.prod(1)), [f32(3, 4)]),
    ("max", lambda x, y: (x.max(), x.max(1), ember.max(x, y)), [f32(3, 4), f32(4)]),
    ("min", lambda x, y: (x.min(), x.min(1, keepdim=True), ember.min(x, y)), [f32(3, 4), f32(4)]),
    ("argmax", lambda x: (x.argmax(), x.argmax(1)), [f32(3, 4)]),
    ("argmin", lambda x: x.argmin(0, keepdim=True), [f32(3, 4)]),
    ("var", lambda x: (x.var(), x.var(1, unbiased=False)), [f32(3, 4)]),
    ("std", lambda x: (x.std(), x.std(0, keepdim=True)), [f32(3, 4)]),
    ("var_mean", lambda x: ember.var_mean(x, 1), [f32(3, 4)]),
    ("std_mean", lambda x: ember.std_mean(x, 1), [f32(3, 4)]),
    ("norm", lambda x: (x.norm(), x.norm(1, 1), x.norm("fro", (0, 1), True), ember.norm(x, float("inf"), 0),
                        x.norm(dim=1), x.norm(3, dtype=ember.float64)), [f32(3, 4)]),
    ("all", lambda x: ((x > 0).all(), (x > 0).all(1)), [f32(3, 4)]),
    ("any", lambda x: ((x > 0).any(), (x > 0).any(0)), [f32(3, 4)]),
    ("cumsum", lambda x: x.cumsum(1), [f32(3, 4)]),
    ("cumprod", lambda x: x.cumprod(0), [f32(3, 4)]),
    ("cummax", lambda x: x.cummax(1), [f32(3, 4)]),
    ("cummin", lambda x: x.cummin(1), [f32(3, 4)]),
    ("logcumsumexp", lambda x: x.logcumsumexp(1), [f32(3, 4)]),
    ("softmax", lambda x: (F.softmax(x, 1), x.softmax(0)), [f32(3, 4)]),
    ("log_softmax", lambda x: F.log_softmax(x, -1), [f32(3, 4)]),
    ("median", lambda x: (x.median(), x.median(1)), [f32(3, 4)]),
    ("mode", lambda x: ember.mode(x.round(), 1), [f32(3, 4)]),
    # layers
    ("batch_norm", lambda x, m, v, w, b: F.batch_norm(x, m, v, w, b, False), [f32(2, 3, 4), f32(3), pos(3), f32(3), f32(3)]),
    ("instance_norm", lambda x, w, b: F.instance_norm(x, weight=w, bias=b), [f32(2, 3, 4), f32(3), f32(3)]),
    ("layer_norm", lambda x, w, b: F.layer_norm(x, (4,), w, b), [f32(2, 3, 4), f32(4), f32(4)]),
    ("group_norm", lambda x, w, b: F.group_norm(x, 2, w, b), [f32(2, 4, 3), f32(4), f32(4)]),
    ("nll_loss", lambda x, t: F.nll_loss(F.log_softmax(x, 1), t), [f32(3, 4), i64(3, high=4)]),
    ("cross_entropy", lambda x, t: F.cross_entropy(x, t, label_smoothing=0.1), [f32(3, 4), i64(3, high=4)]),
    ("mse_loss", lambda x, y: F.mse_loss(x, y), [f32(3, 4), f32(3, 4)]),
    ("binary_cross_entropy", lambda x, y: F.binary_cross_entropy(x, y), [unit(3, 4), unit(3, 4)]),
    ("binary_cross_entropy_with_logits", lambda x, y: F.binary_cross_entropy_with_logits(x, y), [f32(3, 4), unit(3, 4)]),
    ("ctc_loss", lambda lp, t: F.ctc_loss(F.log_softmax(lp, 2), t, [6, 6], [2, 2]),
     [f32(6, 2, 4), fixed(ember.tensor([[1, 2], [3, 1]]))]),
    ("dropout", lambda x: _C.dropout(x, 0.3, False), [f32(3, 4)]),
    ("feature_dropout", lambda x: _C.feature_dropout(x, 0.3, False), [f32(3, 4)]),
    ("alpha_dropout", lambda x: _C.alpha_dropout(x, 0.3, False), [f32(3, 4)]),
    ("feature_alpha_dropout", lambda x: _C.feature_alpha_dropout(x, 0.3, False), [f32(3, 4)]),
    ("embedding", lambda i, w: F.embedding(i, w), [i64(2, 3, high=5), f32(5, 4)]),
    ("embedding_bag", lambda i, w: F.embedding_bag(i, w, mode="sum"), [i64(2, 3, high=5), f32(5, 4)]),
    ("embedding_renorm_", lambda i, w: F.embedding(i, w.clone(), max_norm=1.0), [i64(2, 3, high=5), f32(5, 4)]),
    # one LSTM/GRU layer as one op (weights as inputs, so the replay sees new ones too)
    ("_rnn_layer", lambda x, wi, wh, bi, bh, h0: (_C._rnn_layer("LSTM", x, None, None, [wi, wh, bi, bh]),
                                                  _C._rnn_layer("LSTM", x, h0, h0 * 2, [wi, wh, bi, bh] * 2)),
     [f32(5, 2, 3, low=-1, high=1), f32(16, 3, low=-0.5, high=0.5), f32(16, 4, low=-0.5, high=0.5), f32(16),
      f32(16), f32(2, 2, 4, low=-1, high=1)]),
    # linear algebra
    ("linear", lambda x, w, b: (F.linear(x, w, b), F.linear(x, w)), [f32(3, 4), f32(5, 4), f32(5)]),
    ("matmul", lambda x, y: (x @ y, ember.matmul(x, y)), [f32(2, 3, 4), f32(4, 5)]),
    ("mm", lambda x, y: ember.mm(x, y), [f32(3, 4), f32(4, 5)]),
    ("bmm", lambda x, y: ember.bmm(x, y), [f32(2, 3, 4), f32(2, 4, 5)]),
    ("mv", lambda x, y: ember.mv(x, y), [f32(3, 4), f32(4)]),
    ("dot", lambda x, y: ember.dot(x, y), [f32(4), f32(4)]),
    ("vdot", lambda x, y: ember.vdot(x, y), [f32(4), f32(4)]),
    ("outer", lambda x, y: ember.outer(x, y), [f32(3), f32(4)]),
    ("kron", lambda x, y: ember.kron(x, y), [f32(2, 2), f32(2, 3)]),
    ("cross", lambda x, y: ember.cross(x, y, dim=1), [f32(2, 3), f32(2, 3)]),
    ("linalg_cross", lambda x, y: ember.linalg.cross(x, y), [f32(2, 3), f32(2, 3)]),
    ("addmm", lambda s, x, y: ember.addmm(s, x, y, beta=0.5, alpha=2), [f32(5), f32(3, 4), f32(4, 5)]),
    ("addmv", lambda s, x, y: ember.addmv(s, x, y), [f32(3), f32(3, 4), f32(4)]),
    ("baddbmm", lambda s, x, y: ember.baddbmm(s, x, y, alpha=0.5), [f32(3, 5), f32(2, 3, 4), f32(2, 4, 5)]),
    ("addbmm", lambda s, x, y: ember.addbmm(s, x, y), [f32(3, 5), f32(2, 3, 4), f32(2, 4, 5)]),
    ("einsum", lambda x, y: (ember.einsum("ij,jk->ik", x, y), ember.einsum("ij,jk", [x, y])), [f32(3, 4), f32(4, 5)]),
    ("tensordot", lambda x, y: (ember.tensordot(x, y, 1), ember.tensordot(x, y, ([1], [0]))), [f32(3, 4), f32(4, 5)]),
    # random fills: checked by shape (nondeterministic)
    ("uniform_", lambda x: x.clone().uniform_(-1, 1), [f32(3, 4)]),
    ("normal_", lambda x: x.clone().normal_(), [f32(3, 4)]),
    ("exponential_", lambda x: x.clone().exponential_(), [f32(3, 4)]),
    ("bernoulli_", lambda x: x.clone().bernoulli_(0.5), [f32(3, 4)]),
    ("empty", lambda x: ember.empty(3, 4) * 0 + x, [f32(3, 4)]),
    ("empty_like", lambda x: ember.empty_like(x), [f32(3, 4)]),
    ("new_empty", lambda x: x.new_empty(2, 3), [f32(3, 4)]),
]
# the tensor-API tail (registry_tensorapi.cpp)
for _n, _mk in [("copysign", [f32(3, 4), f32(4)]), ("heaviside", [f32(3, 4), f32(4)]), ("ldexp", [f32(3, 4), i64(4)]),
                ("nextafter", [f32(3, 4), f32(4)]), ("gcd", [i64(3, 4, high=30), i64(4, high=30)]),
                ("lcm", [i64(3, 4, high=30), i64(4, high=30)])]:
    CASES.append((_n, (lambda n: lambda x, y: getattr(ember, n)(x, y))(_n), _mk))
    CASES.append((_n + "_", (lambda n: lambda x, y: getattr(x.clone(), n + "_")(y))(_n), _mk))
CASES += [
    ("frexp", lambda x: tuple(ember.frexp(x)), [f32(3, 4)]),
    ("xlogy_", lambda x, y: x.clone().xlogy_(y), [f32(3, 4), pos(4)]),
    ("float_power_", lambda x, y: x.double().float_power_(y), [pos(3, 4), f32(4)]),
    ("clamp_min_", lambda x, y: (x.clone().clamp_min_(0.2), x.clone().clamp_min_(y)), [f32(3, 4), f32(4)]),
    ("clamp_max_", lambda x, y: (x.clone().clamp_max_(0.2), x.clone().clamp_max_(y)), [f32(3, 4), f32(4)]),
    ("angle", lambda x: ember.angle(x), [f32(3, 4)]),
    ("select_scatter", lambda x, y: ember.select_scatter(x, y, 0, 1), [f32(3, 4), f32(4)]),
    ("slice_scatter", lambda x, y: ember.slice_scatter(x, y, 1, 0, 4, 2), [f32(3, 4), f32(3, 2)]),
    ("diagonal_scatter", lambda x, y: ember.diagonal_scatter(x, y, 1), [f32(3, 4), f32(3)]),
    ("as_strided_scatter", lambda x, y: ember.as_strided_scatter(x, y, (2, 2), (1, 2), 1), [f32(3, 4), f32(2, 2)]),
    ("index_reduce", lambda x, y: ember.index_reduce(x, 0, ember.tensor([1, 0, 1]), y, "amax", include_self=False),
     [f32(3, 4), f32(3, 4)]),
    ("index_reduce_", lambda x, y: x.clone().index_reduce_(0, ember.tensor([1, 0, 1]), y, "mean"), [f32(3, 4), f32(3, 4)]),
    ("put", lambda x, y: ember.put(x, ember.tensor([0, 5, 5]), y, accumulate=True), [f32(3, 4), f32(3)]),
    ("put_", lambda x, y: x.clone().put_(ember.tensor([0, 5, 11]), y), [f32(3, 4), f32(3)]),
    ("diagflat", lambda x: ember.diagflat(x, 1), [f32(2, 2)]),
    ("narrow_copy", lambda x: ember.narrow_copy(x, 1, 1, 2), [f32(3, 4)]),
    ("dist", lambda x, y: (ember.dist(x, y), ember.dist(x, y, 3)), [f32(3, 4), f32(4)]),
    ("cov", lambda x, w: (ember.cov(x), ember.cov(x, correction=0, aweights=w)), [f32(3, 4), pos(4)]),
    ("corrcoef", lambda x: ember.corrcoef(x), [f32(3, 4)]),
    ("renorm", lambda x: ember.renorm(x, 2, 0, 1.0), [f32(3, 4)]),
    ("renorm_", lambda x: x.clone().renorm_(1, 1, 0.5), [f32(3, 4)]),
    ("cdist", lambda x, y: (ember.cdist(x, y), ember.cdist(x, y, 1.0)), [f32(3, 4), f32(5, 4)]),
    ("pdist", lambda x: ember.pdist(x), [f32(4, 3)]),
    ("cosine_similarity", lambda x, y: ember.cosine_similarity(x, y), [f32(3, 4), f32(3, 4)]),
    ("pairwise_distance", lambda x, y: ember.pairwise_distance(x, y, 3.0, keepdim=True), [f32(3, 4), f32(3, 4)]),
    ("addr", lambda s, x, y: ember.addr(s, x, y, beta=0.5, alpha=2), [f32(3, 4), f32(3), f32(4)]),
    ("addr_", lambda s, x, y: s.clone().addr_(x, y), [f32(3, 4), f32(3), f32(4)]),
    ("vander", lambda x: ember.vander(x, 3, increasing=True), [f32(4)]),
    ("trapezoid", lambda y, x: (ember.trapezoid(y, x), ember.trapezoid(y, dx=0.5, dim=0), ember.trapz(y, dx=2)),
     [f32(3, 4), pos(4)]),
    ("cumulative_trapezoid", lambda y, x: (ember.cumulative_trapezoid(y, x), ember.cumulative_trapezoid(y, dim=0)),
     [f32(3, 4), pos(4)]),
    ("nanquantile", lambda x: (ember.nanquantile(x, 0.3), ember.nanquantile(x, 0.5, dim=1, keepdim=True)), [f32(3, 4)]),
    ("threshold_", lambda x: ember.threshold_(x.clone(), 0.1, -1.0), [f32(3, 4)]),
    ("celu_", lambda x: ember.celu_(x.clone(), 0.7), [f32(3, 4)]),
    ("fill", lambda x, v: (ember.fill(x, 2.5), ember.fill(x, v)), [f32(3, 4), f32()]),
    ("fill_diagonal_", lambda x: x.clone().fill_diagonal_(3.0, wrap=True), [f32(7, 3)]),
    ("view_copy", lambda x: (ember.view_copy(x, (4, 3)), ember.view_copy(x, ember.int32)), [f32(3, 4)]),
    ("permute_copy", lambda x: ember.permute_copy(x, (2, 0, 1)), [f32(2, 3, 4)]),
    ("transpose_copy", lambda x: ember.transpose_copy(x, 0, 1), [f32(3, 4)]),
    ("t_copy", lambda x: ember.t_copy(x), [f32(3, 4)]),
    ("squeeze_copy", lambda x: (ember.squeeze_copy(x), ember.squeeze_copy(x, 1)), [f32(3, 1, 4)]),
    ("unsqueeze_copy", lambda x: ember.unsqueeze_copy(x, 1), [f32(3, 4)]),
    ("expand_copy", lambda x: ember.expand_copy(x, (3, 4)), [f32(1, 4)]),
    ("select_copy", lambda x: ember.select_copy(x, 1, 2), [f32(3, 4)]),
    ("slice_copy", lambda x: ember.slice_copy(x, 1, 1, 4, 2), [f32(3, 4)]),
    ("diagonal_copy", lambda x: ember.diagonal_copy(x, 1), [f32(3, 4)]),
    ("as_strided_copy", lambda x: ember.as_strided_copy(x, (2, 2), (1, 2), 1), [f32(3, 4)]),
    ("unfold_copy", lambda x: ember.unfold_copy(x, 0, 2, 1), [f32(3, 4)]),
    ("unbind_copy", lambda x: ember.unbind_copy(x, 1), [f32(3, 4)]),
    ("split_copy", lambda x: ember.split_copy(x, 2), [f32(5, 4)]),
    ("split_with_sizes_copy", lambda x: ember.split_with_sizes_copy(x, [1, 3], 1), [f32(5, 4)]),
    ("detach_copy", lambda x: ember.detach_copy(x), [f32(3, 4)]),
    ("alias_copy", lambda x: ember.alias_copy(x), [f32(3, 4)]),
    ("tril_indices", lambda x: x + ember.tril_indices(3, 4, 1).sum(), [f32(2)]),
    ("triu_indices", lambda x: x + ember.triu_indices(4, 3, -1, dtype=ember.int32).sum(), [f32(2)]),
    ("range", lambda x: x + ember.range(0, 1, 0.25), [f32(5)]),
    ("combinations", lambda x: (ember.combinations(x), ember.combinations(x, 3, True)), [f32(4)]),
    ("bartlett_window", lambda x: x * ember.bartlett_window(5), [f32(5)]),
    ("blackman_window", lambda x: x * ember.blackman_window(5, False), [f32(5)]),
    ("hann_window", lambda x: x * ember.hann_window(5), [f32(5)]),
    ("hamming_window", lambda x: x * ember.hamming_window(5, True, 0.5, 0.4), [f32(5)]),
    ("kaiser_window", lambda x: x * ember.kaiser_window(5, beta=3.0), [f32(5)]),
    ("gradient", lambda x, c: (ember.gradient(x), ember.gradient(x, spacing=2.0, dim=1),
                               ember.gradient(x, spacing=[0.5, 2.0], edge_order=2),
                               ember.gradient(x, spacing=(c.sort().values,), dim=1)), [f32(3, 4), f32(4)]),
    ("block_diag", lambda x, y: ember.block_diag(x, y, x), [f32(2, 3), f32(2)]),
    ("cartesian_prod", lambda x, y: ember.cartesian_prod(x, y), [f32(2), f32(3)]),
    ("histogram", lambda x, e: (tuple(ember.histogram(x, 4)), tuple(ember.histogram(x, 3, range=(-1.0, 1.0))),
                                tuple(ember.histogram(x, e.sort().values, density=True))), [f32(20), f32(4)]),
    ("empty_strided", lambda x: ember.empty_strided((2, 3), (1, 2)) * 0 + x, [f32(2, 3)]),
    ("new_empty_strided", lambda x: x.new_empty_strided((2, 3), (1, 2)), [f32(3, 4)]),
    ("sum_to_size", lambda x: (x.sum_to_size(1, 4), x.sum_to_size((3, 1))), [f32(3, 4)]),
]
SHAPE_ONLY = {"uniform_", "normal_", "exponential_", "bernoulli_", "empty", "empty_like", "new_empty", "empty_strided",
              "new_empty_strided"}
CONV_CASES = [
    ("conv1d", lambda x, w, b: (F.conv1d(x, w, b, padding=1), F.conv1d(x, w, padding="same")), [f32(2, 3, 8), f32(4, 3, 3), f32(4)]),
    ("conv2d", lambda x, w, b: (F.conv2d(x, w, b, stride=2), F.conv2d(x, w, padding="same", dilation=2)),
     [f32(2, 3, 8, 8), f32(4, 3, 2, 2), f32(4)]),
    ("conv3d", lambda x, w: F.conv3d(x, w, padding=1), [f32(1, 2, 4, 4, 4), f32(3, 2, 3, 3, 3)]),
    ("conv_transpose1d", lambda x, w: F.conv_transpose1d(x, w, stride=2), [f32(2, 3, 5), f32(3, 4, 3)]),
    ("conv_transpose2d", lambda x, w, b: F.conv_transpose2d(x, w, b, padding=1), [f32(2, 3, 5, 5), f32(3, 4, 3, 3), f32(4)]),
    ("conv_transpose3d", lambda x, w: F.conv_transpose3d(x, w), [f32(1, 2, 3, 3, 3), f32(2, 2, 2, 2, 2)]),
    ("max_pool1d", lambda x: F.max_pool1d(x, 2), [f32(2, 3, 8)]),
    ("max_pool2d", lambda x: (F.max_pool2d(x, 2), F.max_pool2d(x, 3, 1, 1, return_indices=True)), [f32(2, 3, 6, 6)]),
    ("max_pool3d", lambda x: F.max_pool3d(x, 2), [f32(1, 2, 4, 4, 4)]),
    ("max_pool1d_with_indices", lambda x: _C.max_pool1d_with_indices(x, 3, 2, 1), [f32(2, 3, 8)]),
    ("max_pool2d_with_indices", lambda x: _C.max_pool2d_with_indices(x, 2), [f32(2, 3, 6, 6)]),
    ("max_pool3d_with_indices", lambda x: _C.max_pool3d_with_indices(x, 2, ceil_mode=True), [f32(1, 2, 5, 4, 4)]),
    ("avg_pool1d", lambda x: F.avg_pool1d(x, 2), [f32(2, 3, 8)]),
    ("avg_pool2d", lambda x: F.avg_pool2d(x, 3, 2, 1, count_include_pad=False), [f32(2, 3, 6, 6)]),
    ("avg_pool3d", lambda x: F.avg_pool3d(x, 2), [f32(1, 2, 4, 4, 4)]),
    ("adaptive_avg_pool1d", lambda x: F.adaptive_avg_pool1d(x, 3), [f32(2, 3, 8)]),
    ("adaptive_avg_pool2d", lambda x: (F.adaptive_avg_pool2d(x, (2, None)), F.adaptive_avg_pool2d(x, 1)), [f32(2, 3, 6, 6)]),
    ("adaptive_avg_pool3d", lambda x: F.adaptive_avg_pool3d(x, 2), [f32(1, 2, 4, 4, 4)]),
    ("adaptive_max_pool1d", lambda x: F.adaptive_max_pool1d(x, 3), [f32(2, 3, 8)]),
    ("adaptive_max_pool2d", lambda x: F.adaptive_max_pool2d(x, (3, 2), return_indices=True), [f32(2, 3, 6, 6)]),
    ("adaptive_max_pool3d", lambda x: _C.adaptive_max_pool3d(x, 2), [f32(1, 2, 4, 4, 4)]),
    ("interpolate", lambda x: (F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False),
                               F.interpolate(x, size=(3, 5), mode="nearest")), [f32(2, 3, 4, 4)]),
    ("pixel_shuffle", lambda x: F.pixel_shuffle(x, 2), [f32(1, 8, 3, 3)]),
    ("pixel_unshuffle", lambda x: F.pixel_unshuffle(x, 2), [f32(1, 2, 4, 4)]),
]
if hasattr(_C, "conv2d"):
    CASES += CONV_CASES
from jit_linalg_cases import LINALG_CASES  # noqa: E402  (the LAPACK-backed linalg ops)
CASES += LINALG_CASES


def _flat(out):
    if isinstance(out, (tuple, list)):
        return [y for x in out for y in _flat(x)]
    return [out]


def _eager_logit_is_right():
    x = np.array([0.3, 0.6, 0.9], dtype="float32")
    return np.allclose(ember.logit(ember.tensor(x)).numpy(), torch.logit(torch.tensor(x)).numpy(), atol=1e-5)


@pytest.mark.parametrize("name,fn,makers", CASES, ids=[c[0] for c in CASES])
def test_registered_op_traces_and_replays(name, fn, makers):
    if name in ("logit", "logit_") and not _eager_logit_is_right():
        pytest.skip("eager ember.logit disagrees with torch in this build; nothing to compare the trace with")
    a = [m(1) for m in makers]
    b = [m(2) for m in makers]
    try:
        with ember.no_grad():
            want = fn(*[x.clone() for x in b])
            again = fn(*[x.clone() for x in b])
    except NotImplementedError as e:
        if "not supported yet" in str(e):
            pytest.skip(f"{name}: {e}")
        raise
    except TypeError as e:
        if "subscriptable" in str(e) or "does not support item assignment" in str(e):
            pytest.skip(f"{name}: indexing is not available in this build yet")
        raise
    except AttributeError as e:  # bound by a family not merged yet
        pytest.skip(f"{name}: {e}")
    except RuntimeError as e:  # the eager op itself is broken in this build: nothing to compare with
        pytest.skip(f"{name}: eager call fails: {e}")
    if name not in SHAPE_ONLY:
        for w1, w2 in zip(_flat(want), _flat(again)):
            n1, n2 = (w.detach().float().numpy() if w.dtype == ember.bfloat16 else w.detach().numpy() for w in (w1, w2))
            if not np.array_equal(n1, n2, equal_nan=w1.is_floating_point()):
                pytest.skip(f"{name}: the eager op gives different results on the same input in this build")
    raw = quiet_trace(fn, tuple(x.clone() for x in a), optimize=False, check_trace=False, strict=False)
    assert name in node_ops(raw.graph), f"{name} was not recorded:\n{raw.graph}"
    for traced in (raw, quiet_trace(fn, tuple(x.clone() for x in a), check_trace=False, strict=False)):
        with ember.no_grad():
            got = traced(*[x.clone() for x in b])
        got, exp = _flat(got), _flat(want)
        assert len(got) == len(exp)
        for g, w in zip(got, exp):
            if name in SHAPE_ONLY:
                assert tuple(g.shape) == tuple(w.shape) and g.dtype == w.dtype
            else:
                assert g.dtype == w.dtype, (g.dtype, w.dtype)
                close(g, w, 1e-5 if w.dtype != ember.float16 and w.dtype != ember.bfloat16 else 1e-2)


def test_every_registered_op_has_a_case():
    covered = {c[0] for c in CASES} | {c[0] for c in CONV_CASES}
    runnable = {n for n in _C._jit_registered_ops() if _C._jit_op_info(n)["runnable"]}
    missing = sorted(runnable - covered)
    assert not missing, f"registered ops without a test case: {missing}"
    if hasattr(_C, "conv2d"):  # the convolution family is in this build: its entries must be registered
        assert {c[0] for c in CONV_CASES} <= runnable
