"""ember.onnx.export: every exported model passes onnx.checker and runs in ONNX
Runtime (npm onnxruntime-node, through tests/onnx/run_ort.js) with the same
results as ember's eager run. All models of a test run in one node process."""
import io
import json
import math
import os
import shutil
import subprocess
import warnings

import numpy as np
import onnx
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F
from small_models import CNN

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RUN_ORT = os.path.join(ROOT, "tests", "onnx", "run_ort.js")
ORT_DIR = os.environ.get("EMBER_ORT_DIR", os.path.join(ROOT, "third_party", "ort"))


def rand(*shape, seed=0, low=-2.0, high=2.0):
    return ember.tensor(np.random.default_rng(seed).uniform(low, high, size=shape).astype("float32"))


def require_ort():
    """CI installs node and onnxruntime-node with scripts/install-deps.sh: their absence is a failure, not a skip."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not installed: run scripts/install-deps.sh")
    if not os.path.isdir(os.path.join(ORT_DIR, "node_modules", "onnxruntime-node")):
        pytest.fail(f"onnxruntime-node is not installed in {ORT_DIR}: run scripts/install-deps.sh")
    return node


def export_bytes(model, args, **kw):
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ember.jit.TracerWarning)
        ember.onnx.export(model, args, buf, **kw)
    return buf.getvalue()


def flat(out):
    if isinstance(out, (tuple, list)):
        return [y for x in out for y in flat(x)]
    return [out]


def run_in_ort(tmp_path, jobs):
    """jobs: [(model bytes, {input name: tensor})] -> [{output name: ndarray}] (or an error string)."""
    node = require_ort()
    specs = []
    for k, (data, inputs) in enumerate(jobs):
        d = tmp_path / f"job{k}"
        d.mkdir()
        (d / "model.onnx").write_bytes(data)
        ins = {}
        for name, t in inputs.items():
            a = np.ascontiguousarray(t.numpy())
            f = d / f"in_{name}.bin"
            f.write_bytes(a.tobytes())
            ins[name] = {"dtype": str(a.dtype), "shape": list(a.shape), "file": str(f)}
        specs.append({"model": str(d / "model.onnx"), "inputs": ins, "out_dir": str(d / "out")})
    (tmp_path / "jobs.json").write_text(json.dumps(specs))
    r = subprocess.run([node, RUN_ORT, str(tmp_path / "jobs.json")], capture_output=True, text=True, timeout=300,
                       env={**os.environ, "EMBER_ORT_DIR": ORT_DIR})
    assert r.returncode == 0, r.stderr
    results = []
    for s in specs:
        res = json.loads(open(os.path.join(s["out_dir"], "result.json")).read())
        if "error" in res:
            results.append(res["error"])
            continue
        outs = {}
        for name, o in res["outputs"].items():
            dt = {"float32": np.float32, "float64": np.float64, "int64": np.int64, "int32": np.int32,
                  "bool": np.bool_, "uint8": np.uint8, "int8": np.int8}[o["dtype"]]
            outs[name] = np.fromfile(o["file"], dtype=dt).reshape(o["shape"])
        results.append(outs)
    return results


# ---------------------------------------------------------------- the models

class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 8)
        self.act = nn.ReLU()
        self.fc2 = nn.Linear(8, 3)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x))).tanh()


class CNN1d(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(3, 8, 3, stride=2, padding=1)
        self.gn = nn.GroupNorm(2, 8)
        self.conv2 = nn.Conv1d(8, 8, 4, padding="same", groups=2, dilation=2)
        self.bn = nn.BatchNorm1d(8)
        self.head = nn.Linear(8, 2)

    def forward(self, x):
        x = F.leaky_relu(self.gn(self.conv(x)), 0.2)
        x = F.avg_pool1d(x, 2, ceil_mode=False, count_include_pad=True)
        x = F.silu(self.bn(self.conv2(x)))
        x = F.adaptive_avg_pool1d(x, 1)          # GlobalAveragePool
        return self.head(x.view(x.size(0), -1))


class Deconv(nn.Module):
    def __init__(self):
        super().__init__()
        self.up = nn.ConvTranspose2d(3, 4, 3, stride=2, padding=1, output_padding=1)
        self.conv = nn.Conv2d(4, 4, 4, padding="same")
        self.inorm = nn.InstanceNorm2d(4)

    def forward(self, x):
        y = F.elu(self.inorm(self.up(x)), 0.5)
        y = F.avg_pool2d(self.conv(y), 3, stride=1, padding=1, count_include_pad=False)
        return F.adaptive_max_pool2d(y, 1).flatten(1), F.pixel_shuffle(y, 2)


class Activations(nn.Module):
    def __init__(self):
        super().__init__()
        self.prelu = nn.PReLU(6)
        self.glu = nn.GLU(-1)

    def forward(self, x):
        acts = [torch_like(x) for torch_like in (
            ember.sigmoid, ember.tanh, F.relu6, F.selu, F.celu, F.logsigmoid, F.softsign, F.mish, F.hardsigmoid,
            F.hardswish, F.tanhshrink, lambda t: F.gelu(t, approximate="tanh"), lambda t: F.softplus(t, beta=2.0),
            lambda t: F.hardtanh(t, -0.5, 1.5), lambda t: F.softshrink(t, 0.3), lambda t: F.hardshrink(t, 0.4),
            lambda t: F.threshold(t, 0.1, -3.0), lambda t: F.elu(t), self.prelu)]
        return ember.cat(acts, 1), self.glu(x)


def arithmetic(x, y):
    a = (x * 2 + y) / (y.abs() + 1) - x ** 2
    b = ember.where(x > 0, x, y * 0.5).clamp(-1.0, 1.5) + ember.maximum(x, y) - ember.minimum(x, 1 - y)
    c = ember.exp(-x.abs()) + ember.log1p(y.abs()) + ember.sqrt(x.abs() + 1) * ember.rsqrt(y.abs() + 1)
    d = (x >= y).float() + (x != 0.5).float() - x.floor() + y.ceil() + ember.remainder(x, 0.7) + x.sin() * y.cos()
    e = ember.erf(x) + x.reciprocal().clamp(max=3.0) + 3 - x + ember.sign(y) + ember.log2(x.abs() + 2)
    return a, b, c, d, e


class Attention(nn.Module):
    """Causal single-head attention written from matmul, softmax and masked_fill."""

    def __init__(self, d=8):
        super().__init__()
        self.qkv = nn.Linear(d, 3 * d)
        self.out = nn.Linear(d, d)
        self.d = d

    def forward(self, x):
        q, k, v = self.qkv(x).chunk(3, dim=-1)
        s = q @ k.transpose(-2, -1) / math.sqrt(self.d)
        t = x.shape[1]
        mask = ember.triu(ember.ones(t, t), diagonal=1).bool()
        s = s.masked_fill(mask, float("-inf"))
        return self.out(ember.softmax(s, dim=-1) @ v), F.log_softmax(s[:, -1], dim=-1)


def shapes(x):
    a = x.reshape(2, 12).view(4, 6).t()
    b = x.permute(2, 0, 1).flatten(1)
    c = ember.cat([x, x * 2], dim=1)[:, 1:5, ::2]
    p, q = x.split([1, 2], dim=1)
    d = ember.stack([p.squeeze(1), q[:, 0]], dim=0).unsqueeze(-1)
    e = x[..., 0] + x[:, 2, :3] - x[1:, :, 1:2].sum()
    f = x.transpose(0, 1).contiguous().view(-1)
    g = x.unsqueeze(0).expand(2, 2, 3, 4).reshape(4, 12)
    return a, b, c, d, e, f, g, x.flip(0), x.repeat(1, 2, 1)


def reshapes(x):
    """Reshapes that merge and split the symbolic dims (batch b and width w) with fixed ones."""
    b = x.size(0)
    rows = x.reshape(-1, x.size(2))               # (b*3, w)
    back = rows.view(b, 3, -1).transpose(1, 2)   # (b, w, 3)
    merged = back.flatten(0, 1) * 2               # (b*w, 3)
    return merged.view(b, -1, 3).sum(1), rows.t().contiguous().view(-1)


def reductions(x):
    return (x.sum(), x.sum(1), x.mean((0, 2), keepdim=True), x.amax(-1), x.amin(0), x.var(1), x.std(), x.argmax(-1),
            x.max(1)[0], x.max(1)[1], x.min(), ember.logsumexp(x, 2), x.norm(), x.norm(1, 2), x.prod(1),
            x.cumsum(2))


def upsample(x):
    return (F.interpolate(x, scale_factor=2), F.interpolate(x, size=(5, 7), mode="nearest"),
            F.interpolate(x, size=(6, 3), mode="bilinear", align_corners=False),
            F.interpolate(x, scale_factor=(1.5, 2.0), mode="bilinear", align_corners=True),
            F.interpolate(x, size=(7, 9), mode="bicubic", align_corners=False),
            F.interpolate(x, scale_factor=0.75, mode="bicubic", align_corners=True),
            F.interpolate(x, scale_factor=1.7, mode="bilinear", recompute_scale_factor=True),
            F.interpolate(x, size=(5, 9), mode="nearest-exact"), F.interpolate(x, scale_factor=1.5, mode="nearest-exact"))


def upsample_1d_3d(x, v):
    return (F.interpolate(x, scale_factor=2.5, mode="linear"), F.interpolate(x, size=4, mode="nearest"),
            F.interpolate(v, size=(3, 4, 5), mode="trilinear"), F.interpolate(v, scale_factor=2, mode="nearest"))


class Embed(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(10, 6)
        self.drop = nn.Dropout(0.5)
        self.ln = nn.LayerNorm(6)
        self.fc = nn.Linear(6, 4)

    def forward(self, idx):
        return F.log_softmax(self.fc(self.drop(self.ln(self.emb(idx))).mean(1)), dim=-1)


def transformer():
    layer = nn.TransformerEncoderLayer(d_model=8, nhead=2, dim_feedforward=16, batch_first=True)
    return nn.TransformerEncoder(layer, num_layers=2, norm=nn.LayerNorm(8))


def seeded(make):
    ember.manual_seed(0)
    return make()


# (id, model maker, inputs, export kwargs, inputs for the exported model (default: the same))
CASES = [
    ("mlp", MLP, [rand(5, 4)], {}, None),
    ("mlp_opset13", MLP, [rand(5, 4)], {"opset_version": 13}, None),
    ("mlp_no_folding", MLP, [rand(5, 4)], {"do_constant_folding": False, "training": ember.onnx.TrainingMode.EVAL}, None),
    ("mlp_3d", MLP, [rand(2, 3, 4)], {"input_names": ["x"], "output_names": ["y"]}, None),
    ("mlp_dynamic_batch", MLP, [rand(5, 4)],
     {"input_names": ["x"], "output_names": ["y"], "dynamic_axes": {"x": {0: "batch"}, "y": {0: "batch"}}}, [rand(9, 4, seed=3)]),
    ("cnn", CNN, [rand(2, 1, 8, 8)], {}, None),
    ("cnn_dynamic_batch", CNN, [rand(2, 1, 8, 8)], {"input_names": ["img"], "dynamic_axes": {"img": [0], "output": [0]}},
     [rand(3, 1, 8, 8, seed=4)]),
    ("cnn1d", CNN1d, [rand(2, 3, 16)], {}, None),
    ("cnn1d_opset13_dynamic", CNN1d, [rand(2, 3, 16)], {"opset_version": 13, "dynamic_axes": {"x": {0: "n"}}},
     [rand(4, 3, 16, seed=5)]),
    ("deconv", Deconv, [rand(1, 3, 5, 5)], {}, None),
    ("activations", Activations, [rand(3, 6)], {}, None),
    ("activations_opset13", Activations, [rand(3, 6)], {"opset_version": 13}, None),
    ("arithmetic", lambda: arithmetic, [rand(3, 4, seed=1), rand(3, 4, seed=2)], {}, None),
    ("attention", Attention, [rand(2, 5, 8)], {}, None),
    ("transformer_encoder", transformer, [rand(2, 5, 8)], {}, None),
    ("transformer_encoder_opset13", transformer, [rand(2, 5, 8)], {"opset_version": 13}, None),
    ("transformer_dynamic_batch_and_length", transformer, [rand(2, 5, 8)],
     {"input_names": ["src"], "dynamic_axes": {"src": {0: "batch", 1: "time"}, "output": {0: "batch", 1: "time"}}},
     [rand(3, 7, 8, seed=8)]),
    ("attention_dynamic_batch", Attention, [rand(2, 5, 8)], {"dynamic_axes": {"x": [0]}}, [rand(4, 5, 8, seed=9)]),
    ("reshapes_dynamic", lambda: reshapes, [rand(2, 3, 4)], {"dynamic_axes": {"x": {0: "b", 2: "w"}}},
     [rand(5, 3, 6, seed=10)]),
    ("shapes", lambda: shapes, [rand(2, 3, 4)], {}, None),
    ("reductions", lambda: reductions, [rand(2, 3, 4)], {}, None),
    ("reductions_dynamic", lambda: reductions, [rand(2, 3, 4)], {"dynamic_axes": {"x": {0: "b", 2: "w"}}},
     [rand(4, 3, 6, seed=11)]),
    ("interpolate", lambda: upsample, [rand(2, 3, 4, 6)], {}, None),
    ("interpolate_dynamic_batch", lambda: upsample, [rand(2, 3, 4, 6)], {"dynamic_axes": {"x": {0: "b"}}},
     [rand(3, 3, 4, 6, seed=12)]),
    ("interpolate_1d_3d_opset13", lambda: upsample_1d_3d, [rand(2, 3, 5), rand(1, 2, 2, 3, 2)], {"opset_version": 13}, None),
    ("embedding", Embed, [ember.tensor([[1, 2, 3], [9, 0, 4]])], {}, None),
    ("lstm", lambda: nn.LSTM(3, 4, num_layers=2, batch_first=True), [rand(2, 5, 3)], {}, None),
    ("lstm_state_bidirectional", lambda: nn.LSTM(3, 4, bidirectional=True),
     [rand(5, 2, 3), (rand(2, 2, 4, seed=1), rand(2, 2, 4, seed=2))], {}, None),
    ("lstm_dynamic_batch_and_length", lambda: nn.LSTM(3, 4, num_layers=2, batch_first=True), [rand(2, 5, 3)],
     {"input_names": ["seq"], "dynamic_axes": {"seq": {0: "batch", 1: "time"}}}, [rand(3, 7, 3, seed=6)]),
    ("gru", lambda: nn.GRU(3, 4, bidirectional=True, num_layers=2), [rand(5, 2, 3)], {}, None),
    ("gru_unbatched_with_state", lambda: nn.GRU(3, 4), [rand(5, 3), rand(1, 4, seed=3)], {"opset_version": 13}, None),
]


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """Exports every case, checks it with onnx.checker, and runs them all in one ORT process."""
    tmp = tmp_path_factory.mktemp("onnx")
    jobs, expected, models = [], [], []
    for name, make, inputs, kw, run_inputs in CASES:
        model = seeded(make)
        if isinstance(model, nn.Module):
            model.eval()
        data = export_bytes(model, tuple(inputs), **kw)
        proto = onnx.load_from_string(data)
        run_inputs = run_inputs or inputs
        with ember.no_grad():
            want = [w.detach() for w in flat(model(*run_inputs))]
        names = [i.name for i in proto.graph.input]
        jobs.append((data, dict(zip(names, flat(list(run_inputs))))))
        expected.append(want)
        models.append(proto)
    results = run_in_ort(tmp, jobs)
    return {c[0]: (m, e, r) for c, m, e, r in zip(CASES, models, expected, results)}


@pytest.mark.parametrize("name", [c[0] for c in CASES])
def test_exported_model_is_valid_and_matches_eager(exported, name):
    proto, want, got = exported[name]
    onnx.checker.check_model(proto, full_check=True)
    assert not isinstance(got, str), f"ONNX Runtime failed on {name}: {got}"
    outs = [got[o.name] for o in proto.graph.output]
    assert len(outs) == len(want)
    for g, w in zip(outs, want):
        w = w.numpy()
        assert g.shape == w.shape, (g.shape, w.shape)
        if w.dtype == np.bool_ or np.issubdtype(w.dtype, np.integer):
            assert g.dtype == w.dtype
            np.testing.assert_array_equal(g, w)
        else:
            assert g.dtype == w.dtype, (g.dtype, w.dtype)
            np.testing.assert_allclose(g, w, rtol=1e-4, atol=1e-5)


def test_opset_and_names_in_the_file(exported):
    proto = exported["mlp_opset13"][0]
    assert [o.version for o in proto.opset_import if o.domain in ("", "ai.onnx")] == [13]
    proto = exported["mlp"][0]
    assert [o.version for o in proto.opset_import if o.domain in ("", "ai.onnx")] == [17]
    assert {"fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"} <= {i.name for i in proto.graph.initializer}
    proto = exported["mlp_3d"][0]
    assert [i.name for i in proto.graph.input] == ["x"] and [o.name for o in proto.graph.output] == ["y"]
    ops = {n.op_type for n in exported["transformer_encoder"][0].graph.node}
    assert "LayerNormalization" in ops and "Softmax" in ops
    ops13 = {n.op_type for n in exported["transformer_encoder_opset13"][0].graph.node}
    assert "LayerNormalization" not in ops13 and "ReduceMean" in ops13
    assert "GlobalAveragePool" in {n.op_type for n in exported["cnn1d"][0].graph.node}
    assert "Gather" in {n.op_type for n in exported["embedding"][0].graph.node}
    assert "Dropout" not in {n.op_type for n in exported["embedding"][0].graph.node}
    # recurrent layers are ONNX's own LSTM/GRU ops, one per layer (not unrolled steps)
    assert [n.op_type for n in exported["lstm"][0].graph.node].count("LSTM") == 2
    assert [n.op_type for n in exported["gru"][0].graph.node].count("GRU") == 2
    assert "Sigmoid" not in {n.op_type for n in exported["lstm"][0].graph.node}


def test_dynamic_axes_are_symbolic(exported):
    proto = exported["mlp_dynamic_batch"][0]
    dims = proto.graph.input[0].type.tensor_type.shape.dim
    assert dims[0].dim_param == "batch" and dims[1].dim_value == 4
    assert proto.graph.output[0].type.tensor_type.shape.dim[0].dim_param == "batch"
    proto = exported["cnn_dynamic_batch"][0]
    assert proto.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "img_dynamic_axes_1"
    proto = exported["transformer_dynamic_batch_and_length"][0]
    assert [d.dim_param for d in proto.graph.input[0].type.tensor_type.shape.dim] == ["batch", "time", ""]
    assert [d.dim_param for d in proto.graph.output[0].type.tensor_type.shape.dim] == ["batch", "time", ""]
    assert "Shape" in {n.op_type for n in proto.graph.node}  # reshapes sized at run time
    # without dynamic_axes every dim is fixed
    assert all(d.dim_value > 0 for d in exported["cnn"][0].graph.input[0].type.tensor_type.shape.dim)


def test_file_path_and_training_mode_restored(tmp_path):
    m = seeded(CNN)
    m.train()
    path = tmp_path / "cnn.onnx"
    ember.onnx.export(m, rand(1, 1, 8, 8), str(path))
    assert m.training and m.bn.training  # export ran in eval mode and restored the flags
    onnx.checker.check_model(onnx.load(str(path)))


def test_clear_errors():
    m = seeded(MLP)
    x = rand(2, 4)
    for bad in (12, 18, "17", 16.0):
        with pytest.raises(ValueError, match="opset_version"):
            ember.onnx.export(m, x, io.BytesIO(), opset_version=bad)
    with pytest.raises(ValueError, match="not an input or output name"):
        ember.onnx.export(m, x, io.BytesIO(), dynamic_axes={"nope": {0: "b"}})
    with pytest.raises(ValueError, match="input_names"):
        ember.onnx.export(m, x, io.BytesIO(), input_names=["a", "b"])
    with pytest.raises(NotImplementedError, match="mode='area'"):
        ember.onnx.export(lambda t: F.interpolate(t, size=3, mode="area"), rand(1, 1, 4), io.BytesIO())
    with pytest.raises(NotImplementedError, match="interpolate over a dim named in dynamic_axes"):
        ember.onnx.export(lambda t: F.interpolate(t, scale_factor=2), rand(1, 1, 2, 2), io.BytesIO(),
                          dynamic_axes={"t": {2: "h"}})
    with pytest.raises(NotImplementedError, match="max_pool2d.*return_indices"):
        ember.onnx.export(lambda t: F.max_pool2d(t, 2, return_indices=True), rand(1, 1, 4, 4), io.BytesIO())
    drop = nn.Sequential(nn.Linear(4, 4), nn.Dropout(0.5))
    with pytest.raises(NotImplementedError, match="dropout in training mode"):
        ember.onnx.export(drop, x, io.BytesIO(), training=ember.onnx.TrainingMode.TRAINING)
    with pytest.raises(NotImplementedError, match="adaptive pooling from size 5 to 2"):
        ember.onnx.export(lambda t: F.adaptive_avg_pool2d(t, 2), rand(1, 1, 5, 5), io.BytesIO())
    with pytest.raises(NotImplementedError, match=r"reshape from \(8, 3\) to \(2, 3, 4\) splits a dim named in dynamic_axes"):
        ember.onnx.export(lambda t: t.transpose(1, 2).reshape(-1, 3).view(t.shape), rand(2, 3, 4), io.BytesIO(),
                          dynamic_axes={"t": {2: "w"}})
    with pytest.raises(RuntimeError, match="randn is not supported by the tracer"):
        ember.onnx.export(lambda t: t + ember.randn(4), x, io.BytesIO())

    def mutates_input(t):
        t.relu_()
        return t * 2
    with pytest.raises(NotImplementedError, match="relu_.*cannot mutate inputs"):
        ember.onnx.export(mutates_input, x.clone(), io.BytesIO())


def test_inplace_activation_on_an_intermediate_exports(tmp_path):
    model = nn.Sequential(nn.Linear(4, 5), nn.ReLU(inplace=True), nn.Linear(5, 2))
    data = export_bytes(model, rand(3, 4))
    proto = onnx.load_from_string(data)
    onnx.checker.check_model(proto, full_check=True)
    assert "Relu" in {n.op_type for n in proto.graph.node}


def test_traced_module_exports_with_fused_nodes(tmp_path):
    """A jit-traced (fused) module exports too: fused bodies become their ONNX ops."""
    def f(x):
        return F.gelu(x * 2 + 1).sigmoid() - x.tanh()
    x = rand(3, 5)
    traced = ember.jit.trace(f, x)
    assert "fused_elementwise" in [n.op for n in traced.graph.nodes()]
    data = export_bytes(traced, x)
    proto = onnx.load_from_string(data)
    onnx.checker.check_model(proto, full_check=True)
    got = run_in_ort(tmp_path, [(data, {proto.graph.input[0].name: rand(3, 5, seed=7)})])[0]
    assert not isinstance(got, str), got
    np.testing.assert_allclose(got["output"], f(rand(3, 5, seed=7)).numpy(), rtol=1e-4, atol=1e-5)


def test_supported_ops_listed():
    ops = ember.onnx.supported_ops()
    for op in ("linear", "conv2d", "batch_norm", "layer_norm", "softmax", "embedding", "view", "cat", "gelu"):
        assert op in ops


def test_cpp_export_without_python(tmp_path):
    """ember_run converts a saved traced model to ONNX with no Python in its environment."""
    ember_run = os.path.join(ROOT, os.environ.get("EMBER_BUILD_DIR", "build"), "ember_run")
    assert os.path.exists(ember_run), f"{ember_run} was not built"
    m = seeded(CNN).eval()
    x = rand(2, 1, 8, 8)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ember.jit.TracerWarning)
        traced = ember.jit.trace(m, x)
    traced.save(str(tmp_path / "cnn.ejit"))
    out = tmp_path / "cnn.onnx"
    env = {"LD_LIBRARY_PATH": os.path.join(ROOT, "python", "ember")}
    r = subprocess.run([ember_run, str(tmp_path / "cnn.ejit"), "--export-onnx", str(out), "--opset", "13"], env=env,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    proto = onnx.load(str(out))
    onnx.checker.check_model(proto, full_check=True)
    got = run_in_ort(tmp_path, [(out.read_bytes(), {"x": x})])[0]
    assert not isinstance(got, str), got
    np.testing.assert_allclose(got["output"], m(x).detach().numpy(), rtol=1e-4, atol=1e-5)
    r = subprocess.run([ember_run, str(tmp_path / "cnn.ejit"), "--export-onnx", str(out), "--opset", "12"], env=env,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "--opset" in r.stderr


def test_export_params_false_and_initializers_as_inputs(tmp_path):
    m = seeded(MLP).eval()
    x = rand(5, 4)
    params = dict(m.named_parameters())
    bare = onnx.load_from_string(export_bytes(m, (x,), export_params=False, input_names=["x"]))
    onnx.checker.check_model(bare, full_check=True)
    assert [i.name for i in bare.graph.input] == ["x"] + list(params)  # parameters follow the inputs, no values
    assert not bare.graph.initializer
    assert [d.dim_value for d in bare.graph.input[1].type.tensor_type.shape.dim] == list(params["fc1.weight"].shape)
    listed = onnx.load_from_string(export_bytes(m, (x,), keep_initializers_as_inputs=True, input_names=["x"]))
    onnx.checker.check_model(listed, full_check=True)
    assert {i.name for i in listed.graph.input} == {"x"} | {t.name for t in listed.graph.initializer}
    with ember.no_grad():
        want = m(x).numpy()
    feeds = {"x": x, **{k: v.detach() for k, v in params.items()}}
    got = run_in_ort(tmp_path, [(bare.SerializeToString(), feeds), (listed.SerializeToString(), {"x": x})])
    for g in got:
        assert not isinstance(g, str), g
        np.testing.assert_allclose(g["output"], want, rtol=1e-5, atol=1e-6)


class Masked(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)

    def forward(self, x, mask=None, scale=1.0):
        y = self.fc(x) * scale
        return y if mask is None else y.masked_fill(mask, 0.0)


def test_keyword_inputs_in_args(tmp_path):
    m = seeded(Masked).eval()
    x, mask = rand(3, 4), rand(3, 4, seed=1) > 0
    proto = onnx.load_from_string(export_bytes(m, (x, {"mask": mask, "scale": 2.0})))
    onnx.checker.check_model(proto, full_check=True)
    assert [i.name for i in proto.graph.input] == ["x", "mask"]  # like torch: forward's names, then the keys
    assert "forward" not in m.__dict__
    fn = onnx.load_from_string(export_bytes(lambda a, b=None: a * 2 if b is None else a - b, (x, {"b": x * 3})))
    assert [i.name for i in fn.graph.input] == ["a", "b"]
    x2, mask2 = rand(3, 4, seed=5), rand(3, 4, seed=6) > 0
    with ember.no_grad():
        want = m(x2, mask=mask2, scale=2.0).numpy()
    got = run_in_ort(tmp_path, [(proto.SerializeToString(), {"x": x2, "mask": mask2}),
                                (fn.SerializeToString(), {"a": x2, "b": x2 * 0.5})])
    np.testing.assert_allclose(got[0]["output"], want, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got[1]["output"], (x2 * 0.5).numpy(), rtol=1e-6)
    traced = ember.jit.trace(m, (x,), check_trace=False)
    with pytest.raises(NotImplementedError, match="keyword inputs"):
        ember.onnx.export(traced, (x, {"mask": mask}), io.BytesIO())
