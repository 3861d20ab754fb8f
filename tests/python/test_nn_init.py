"""nn.init against torch: gains and fans exact, distributions statistically, exact initialisers exactly."""
import math

import numpy as np
import pytest
import torch

import ember
from oracle import check, raises_like

einit, tinit = ember.nn.init, torch.nn.init


@pytest.mark.parametrize("name,param", [
    ("linear", None), ("conv1d", None), ("conv2d", None), ("conv3d", None), ("conv_transpose1d", None),
    ("conv_transpose2d", None), ("conv_transpose3d", None), ("sigmoid", None), ("tanh", None), ("relu", None),
    ("leaky_relu", None), ("leaky_relu", 0.2), ("leaky_relu", 1), ("selu", None),
])
def test_calculate_gain(name, param):
    e, t = einit.calculate_gain(name, param), tinit.calculate_gain(name, param)
    assert e == t and type(e) is type(t)


def test_calculate_gain_errors():
    raises_like(lambda: einit.calculate_gain("softmax"), lambda: tinit.calculate_gain("softmax"))
    raises_like(lambda: einit.calculate_gain("leaky_relu", "x"), lambda: tinit.calculate_gain("leaky_relu", "x"))


@pytest.mark.parametrize("shape", [(5, 7), (4, 3, 2), (6, 2, 3, 3), (2, 3, 1, 2, 2)])
def test_fans(shape):
    assert einit._calculate_fan_in_and_fan_out(ember.empty(shape)) == tinit._calculate_fan_in_and_fan_out(
        torch.empty(shape))


def test_fan_errors():
    raises_like(lambda: einit.xavier_uniform_(ember.empty(5)), lambda: tinit.xavier_uniform_(torch.empty(5)))
    raises_like(lambda: einit.kaiming_normal_(ember.empty(3, 4), mode="fan_avg"),
                lambda: tinit.kaiming_normal_(torch.empty(3, 4), mode="fan_avg"))


SHAPE = (256, 64, 3)  # fan_in = 192, fan_out = 768: large enough for tight statistics

# (name, call on the init module and tensor, expected bound (uniform) or None, expected std)
fan_in, fan_out = 64 * 3, 256 * 3
STAT_CASES = [
    ("uniform", lambda I, x: I.uniform_(x, -0.3, 0.7), (-0.3, 0.7), 1.0 / math.sqrt(12), 0.2),
    ("normal", lambda I, x: I.normal_(x, 0.5, 2.0), None, 2.0, 0.5),
    ("trunc_normal", lambda I, x: I.trunc_normal_(x, 0.0, 1.0, -1.0, 1.5), (-1.0, 1.5), None, None),
    ("xavier_uniform", lambda I, x: I.xavier_uniform_(x, gain=2.0),
     (-2.0 * math.sqrt(6 / (fan_in + fan_out)),) * 2, 2.0 * math.sqrt(2 / (fan_in + fan_out)), 0.0),
    ("xavier_normal", lambda I, x: I.xavier_normal_(x, gain=0.5), None, 0.5 * math.sqrt(2 / (fan_in + fan_out)), 0.0),
    ("kaiming_uniform", lambda I, x: I.kaiming_uniform_(x, a=math.sqrt(5)),
     (-math.sqrt(6 / 6 / fan_in),) * 2, math.sqrt(2 / 6 / fan_in), 0.0),
    ("kaiming_uniform_fan_out_relu", lambda I, x: I.kaiming_uniform_(x, mode="fan_out", nonlinearity="relu"),
     (-math.sqrt(6 / fan_out),) * 2, math.sqrt(2 / fan_out), 0.0),
    ("kaiming_normal", lambda I, x: I.kaiming_normal_(x, nonlinearity="relu"), None, math.sqrt(2 / fan_in), 0.0),
    ("kaiming_normal_fan_out", lambda I, x: I.kaiming_normal_(x, a=0.1, mode="fan_out"),
     None, math.sqrt(2 / (1 + 0.01)) / math.sqrt(fan_out), 0.0),
]


@pytest.mark.parametrize("name,fn,bounds,std,mean", STAT_CASES, ids=[c[0] for c in STAT_CASES])
def test_random_initialisers_statistics(name, fn, bounds, std, mean):
    ember.manual_seed(1)
    x = ember.empty(SHAPE)
    out = fn(einit, x)
    assert out is x
    a = x.numpy().ravel()
    if bounds is not None:
        lo, hi = bounds
        if lo == hi:  # symmetric bound given once
            lo, hi = -abs(lo), abs(lo)
        assert a.min() >= lo and a.max() <= hi, (a.min(), a.max(), lo, hi)
        assert a.min() < lo + 0.01 * (hi - lo) and a.max() > hi - 0.01 * (hi - lo)  # fills the range
    if std is not None:
        assert abs(a.std() - std) < 0.02 * std, (a.std(), std)
    if mean is not None:
        assert abs(a.mean() - mean) < 0.02 * (std or 1), (a.mean(), mean)
    # torch's initialiser from the same seed gives the same numbers
    torch.manual_seed(1)
    t = fn(tinit, torch.empty(SHAPE))
    np.testing.assert_allclose(a, t.numpy().ravel(), rtol=1e-5, atol=1e-6)


def test_trunc_normal_shape_of_distribution():
    ember.manual_seed(0)
    a = einit.trunc_normal_(ember.empty(100000), std=1.0, a=-2.0, b=2.0).numpy()
    # a standard normal truncated to [-2, 2] has std 0.8796
    assert abs(a.std() - 0.8796) < 0.01 and a.min() >= -2 and a.max() <= 2


def test_exact_initialisers():
    for shape in [(3, 4), (2, 5, 3)]:
        check(einit.constant_(ember.empty(shape), 0.25), tinit.constant_(torch.empty(shape), 0.25))
        check(einit.zeros_(ember.empty(shape)), tinit.zeros_(torch.empty(shape)))
        check(einit.ones_(ember.empty(shape)), tinit.ones_(torch.empty(shape)))
    for shape in [(3, 5), (5, 3), (4, 4)]:
        check(einit.eye_(ember.empty(shape)), tinit.eye_(torch.empty(shape)))
    for shape, groups in [((4, 3, 3), 1), ((6, 4, 3, 3), 2), ((4, 2, 2, 3, 3), 1), ((2, 5, 3, 3), 1)]:
        check(einit.dirac_(ember.empty(shape), groups), tinit.dirac_(torch.empty(shape), groups))
    raises_like(lambda: einit.eye_(ember.empty(2, 3, 4)), lambda: tinit.eye_(torch.empty(2, 3, 4)))
    raises_like(lambda: einit.dirac_(ember.empty(2, 3)), lambda: tinit.dirac_(torch.empty(2, 3)))
    raises_like(lambda: einit.dirac_(ember.empty(5, 2, 3), 2), lambda: tinit.dirac_(torch.empty(5, 2, 3), 2))


def test_initialisers_keep_leaf_and_no_grad():
    p = ember.nn.Parameter(ember.empty(4, 5))
    einit.kaiming_uniform_(p)
    assert p.grad_fn is None and p.requires_grad and p.is_leaf


@pytest.mark.parametrize("shape", [(6, 4), (4, 6), (3, 2, 2), (5, 5)])
def test_orthogonal(shape):
    ember.manual_seed(0)
    x = einit.orthogonal_(ember.empty(shape), gain=2.0).numpy().reshape(shape[0], -1)
    rows, cols = x.shape
    if rows <= cols:  # orthogonal rows
        np.testing.assert_allclose(x @ x.T, 4.0 * np.eye(rows), atol=1e-5)
    else:  # orthogonal columns
        np.testing.assert_allclose(x.T @ x, 4.0 * np.eye(cols), atol=1e-5)
    raises_like(lambda: einit.orthogonal_(ember.empty(3)), lambda: tinit.orthogonal_(torch.empty(3)))


def test_sparse():
    ember.manual_seed(0)
    x = einit.sparse_(ember.empty(200, 30), sparsity=0.3, std=0.5).numpy()
    zeros_per_col = (x == 0).sum(0)
    assert (zeros_per_col == math.ceil(0.3 * 200)).all()
    nz = x[x != 0]
    assert abs(nz.std() - 0.5) < 0.05
    raises_like(lambda: einit.sparse_(ember.empty(2, 3, 4), 0.1), lambda: tinit.sparse_(torch.empty(2, 3, 4), 0.1))


def test_deprecated_aliases():
    for name in ["uniform", "normal", "constant", "xavier_uniform", "xavier_normal", "kaiming_uniform",
                 "kaiming_normal", "orthogonal", "sparse"]:
        assert hasattr(einit, name) == hasattr(tinit, name), name
    with pytest.warns(UserWarning, match="nn.init.constant is now deprecated in favor of nn.init.constant_"):
        out = einit.constant(ember.empty(2), 3.0)
    check(out, torch.full((2,), 3.0))


def test_zero_element_tensor_warns_and_returns():
    with pytest.warns(UserWarning):
        tinit.kaiming_uniform_(torch.empty(0, 3))
    with pytest.warns(UserWarning):
        out = einit.kaiming_uniform_(ember.empty(0, 3))
    assert tuple(out.shape) == (0, 3)


SEEDED_MODULES = {
    "linear": lambda nn: nn.Linear(5, 3), "bilinear": lambda nn: nn.Bilinear(2, 3, 4),
    "conv1d": lambda nn: nn.Conv1d(4, 6, 3, groups=2), "conv2d": lambda nn: nn.Conv2d(3, 4, 3),
    "conv3d": lambda nn: nn.Conv3d(2, 3, 2), "convT1d": lambda nn: nn.ConvTranspose1d(4, 2, 3),
    "convT2d": lambda nn: nn.ConvTranspose2d(4, 6, 3, groups=2), "bn": lambda nn: nn.BatchNorm2d(3),
    "ln": lambda nn: nn.LayerNorm(4), "gn": lambda nn: nn.GroupNorm(2, 4),
    "emb": lambda nn: nn.Embedding(10, 3, padding_idx=2), "ebag": lambda nn: nn.EmbeddingBag(10, 3),
    "rnn": lambda nn: nn.RNN(3, 4, 2), "lstm": lambda nn: nn.LSTM(3, 4, 2, bidirectional=True, proj_size=2),
    "gru": lambda nn: nn.GRU(3, 4), "rnncell": lambda nn: nn.RNNCell(3, 4), "lstmcell": lambda nn: nn.LSTMCell(3, 4),
    "grucell": lambda nn: nn.GRUCell(3, 4), "mha": lambda nn: nn.MultiheadAttention(8, 2),
    "mha_kv": lambda nn: nn.MultiheadAttention(8, 2, kdim=3, vdim=5, add_bias_kv=True),
    "encoder_layer": lambda nn: nn.TransformerEncoderLayer(8, 2, 16),
    "decoder_layer": lambda nn: nn.TransformerDecoderLayer(8, 2, 16),
    "encoder": lambda nn: nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16), 2),
    "transformer": lambda nn: nn.Transformer(8, 2, 1, 1, 16), "prelu": lambda nn: nn.PReLU(3),
    "instancenorm_affine": lambda nn: nn.InstanceNorm2d(3, affine=True),
}


@pytest.mark.parametrize("name", list(SEEDED_MODULES))
def test_default_init_equals_torch_with_same_seed(name):
    """ember's initialisers draw torch's random streams in torch's order: a seeded model starts
    from exactly torch's weights (besides matching torch's distributions)."""
    torch.manual_seed(3)
    ember.manual_seed(3)
    t, e = SEEDED_MODULES[name](torch.nn), SEEDED_MODULES[name](ember.nn)
    esd = e.state_dict()
    for k, v in t.state_dict().items():
        check(esd[k], v, msg=k)
