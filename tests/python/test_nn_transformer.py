"""MultiheadAttention and the Transformer family against torch (eval mode or dropout=0)."""
import numpy as np
import pytest
import torch

import ember
from nn_helpers import compare_module, copy_state, randn as R, seeded_forward
from oracle import check, raises_like

E, HEADS, L, S, N = 8, 2, 4, 5, 3


def _bool_mask(shape, seed):
    m = np.random.default_rng(seed).random(shape) > 0.7
    m[..., 0] = False  # keep at least one visible key per row (no NaN rows)
    return m


def _mha_forward(**kw):
    def fwd(m, q, k, v, *masks):
        extra = dict(kw)
        for name, mask in zip(("key_padding_mask", "attn_mask"), masks):
            if mask is not None:
                extra[name] = mask
        return m(q, k, v, **extra)
    return fwd


def _t(a, lib):
    return lib.tensor(a)


@pytest.mark.parametrize("opts", [
    {},
    {"bias": False},
    {"add_bias_kv": True, "add_zero_attn": True},
    {"kdim": 6, "vdim": 7},
    {"batch_first": True},
])
@pytest.mark.parametrize("need_weights,average", [(True, True), (True, False), (False, True)])
def test_multihead_attention(opts, need_weights, average):
    kd, vd = opts.get("kdim", E), opts.get("vdim", E)
    bf = opts.get("batch_first", False)
    shp = (lambda n, t, d: (n, t, d)) if bf else (lambda n, t, d: (t, n, d))
    inputs = [R(*shp(N, L, E)), R(*shp(N, S, kd), seed=1), R(*shp(N, S, vd), seed=2)]
    compare_module(lambda nn: nn.MultiheadAttention(E, HEADS, **opts), inputs,
                   forward=_mha_forward(need_weights=need_weights, average_attn_weights=average))


@pytest.mark.parametrize("mask_kind", ["bool", "float"])
def test_multihead_attention_masks(mask_kind):
    kpm = _bool_mask((N, S), 3)
    am = _bool_mask((L, S), 4)
    if mask_kind == "float":  # float masks are additive (torch 1.13 mishandles both float at once)
        kpm = np.where(kpm, -np.inf, 0.0)
        am = None
    wrap = lambda lib: (lambda m, q, k, v: m(q, k, v, key_padding_mask=lib.tensor(kpm),  # noqa: E731
                                            attn_mask=None if am is None else lib.tensor(am)))
    q, k, v = R(L, N, E), R(S, N, E, seed=1), R(S, N, E, seed=2)
    compare_module(lambda nn: nn.MultiheadAttention(E, HEADS), [q, k, v],
                   forward=lambda m, *xs: wrap(torch if isinstance(xs[0], torch.Tensor) else ember)(m, *xs))
    # a 3-D per-head mask
    am3 = _bool_mask((N * HEADS, L, S), 5)
    compare_module(lambda nn: nn.MultiheadAttention(E, HEADS), [q, k, v],
                   forward=lambda m, q, k, v: m(q, k, v, attn_mask=(torch if isinstance(q, torch.Tensor) else ember)
                                                .tensor(am3)))


def test_multihead_attention_float_attn_mask():
    am = np.where(_bool_mask((L, S), 4), -np.inf, 0.0) + R(L, S, seed=7) * 0.1
    compare_module(lambda nn: nn.MultiheadAttention(E, HEADS), [R(L, N, E), R(S, N, E, seed=1), R(S, N, E, seed=2)],
                   forward=lambda m, q, k, v: m(q, k, v, attn_mask=_lib(q).tensor(am)))


def test_multihead_attention_self_and_unbatched():
    x = R(L, N, E)
    compare_module(lambda nn: nn.MultiheadAttention(E, HEADS), [x], forward=lambda m, x: m(x, x, x))
    compare_module(lambda nn: nn.MultiheadAttention(E, HEADS), [R(L, E), R(S, E, seed=1), R(S, E, seed=2)])


def test_multihead_attention_bad():
    raises_like(lambda: ember.nn.MultiheadAttention(7, 2), lambda: torch.nn.MultiheadAttention(7, 2))
    q = np.zeros((L, N, E))
    k = np.zeros((S, N + 1, E))
    raises_like(lambda: ember.nn.MultiheadAttention(E, HEADS)(*(ember.tensor(a) for a in (q, k, k))),
                lambda: torch.nn.MultiheadAttention(E, HEADS)(*(torch.tensor(a) for a in (q, k, k))))
    x = np.zeros((L, N, E), dtype="float32")
    bad = [
        dict(key_padding_mask=np.zeros((L, N), bool)),  # transposed padding mask
        dict(key_padding_mask=np.zeros((N, L), "int64")),
        dict(key_padding_mask=np.zeros((N, L, 1), bool)),
        dict(attn_mask=np.zeros((L + 1, L), bool)),
        dict(attn_mask=np.zeros((N * HEADS, L, L + 1), bool)),
        dict(attn_mask=np.zeros((L, L), "int32")),
        dict(attn_mask=np.zeros((1, 1, L, L), bool)),
    ]
    for kw in bad:
        def call(lib, kw=kw):
            m = lib.nn.MultiheadAttention(E, HEADS)
            t = lib.tensor(x)
            return m(t, t, t, **{k: lib.tensor(v) for k, v in kw.items()})
        e = raises_like(lambda: call(ember), lambda: call(torch))
        try:
            call(torch)
        except Exception as t_err:
            assert str(e) == str(t_err).replace("torch.", "ember."), (str(e), str(t_err))
    v = np.zeros((S + 1, N, E), dtype="float32")
    raises_like(lambda: ember.nn.MultiheadAttention(E, HEADS)(ember.tensor(x), ember.tensor(k[:, :N]), ember.tensor(v)),
                lambda: torch.nn.MultiheadAttention(E, HEADS)(torch.tensor(x), torch.tensor(k[:, :N]), torch.tensor(v)))
    raises_like(lambda: ember.nn.MultiheadAttention(E, HEADS)(ember.tensor(x), ember.tensor(x[0]), ember.tensor(x[0])),
                lambda: torch.nn.MultiheadAttention(E, HEADS)(torch.tensor(x), torch.tensor(x[0]), torch.tensor(x[0])))


def _lib(x):
    return torch if isinstance(x, torch.Tensor) else ember


@pytest.mark.parametrize("opts", [
    {},
    {"norm_first": True, "activation": "gelu"},
    {"batch_first": True, "layer_norm_eps": 1e-6},
])
def test_transformer_encoder_layer(opts):
    bf = opts.get("batch_first", False)
    x = R(N, S, E) if bf else R(S, N, E)
    make = lambda nn: nn.TransformerEncoderLayer(E, HEADS, dim_feedforward=16, dropout=0.0, **opts)  # noqa
    compare_module(make, [x])
    kpm = _bool_mask((N, S), 2)
    mask = _bool_mask((S, S), 3)
    compare_module(make, [x], forward=lambda m, x: m(x, src_mask=_lib(x).tensor(mask),
                                                     src_key_padding_mask=_lib(x).tensor(kpm)))


def test_transformer_encoder_stack_eval_with_norm():
    x = R(S, N, E)
    make = lambda nn: nn.TransformerEncoder(nn.TransformerEncoderLayer(E, HEADS, 16), 2, norm=nn.LayerNorm(E))  # noqa
    compare_module(make, [x])  # eval mode: dropout off
    kpm = _bool_mask((N, S), 2)
    compare_module(make, [x], forward=lambda m, x: m(x, src_key_padding_mask=_lib(x).tensor(kpm)))


@pytest.mark.parametrize("opts", [{}, {"norm_first": True, "activation": "gelu"}, {"batch_first": True}])
def test_transformer_decoder_layer(opts):
    bf = opts.get("batch_first", False)
    tgt = R(N, L, E) if bf else R(L, N, E)
    mem = R(N, S, E, seed=1) if bf else R(S, N, E, seed=1)
    causal = np.triu(np.full((L, L), -np.inf), 1)
    mkpm = _bool_mask((N, S), 4)
    compare_module(lambda nn: nn.TransformerDecoderLayer(E, HEADS, 16, dropout=0.0, **opts), [tgt, mem],
                   forward=lambda m, t, mm: m(t, mm, tgt_mask=_lib(t).tensor(causal),
                                              memory_key_padding_mask=_lib(t).tensor(mkpm)))


def test_transformer_decoder_stack():
    tgt, mem = R(L, N, E), R(S, N, E, seed=1)
    compare_module(lambda nn: nn.TransformerDecoder(nn.TransformerDecoderLayer(E, HEADS, 16), 2, norm=nn.LayerNorm(E)),
                   [tgt, mem])


def test_transformer_full():
    src, tgt = R(S, N, E), R(L, N, E, seed=1)
    mask = torch.nn.Transformer.generate_square_subsequent_mask(L)
    emask = ember.nn.Transformer.generate_square_subsequent_mask(L)
    np.testing.assert_array_equal(emask.numpy(), mask.numpy())
    make = lambda nn: nn.Transformer(E, HEADS, num_encoder_layers=2, num_decoder_layers=1, dim_feedforward=16)  # noqa
    compare_module(make, [src, tgt], forward=lambda m, s, t: m(s, t, tgt_mask=(mask if _lib(s) is torch else emask)
                                                               .double()))


def test_transformer_train_mode_dropout_zero():
    compare_module(lambda nn: nn.TransformerEncoderLayer(E, HEADS, 16, dropout=0.0), [R(S, N, E)], train=True)


@pytest.mark.parametrize("norm", [False, True])
@pytest.mark.parametrize("kpm_kind", ["right_padded", "not_left_aligned", "float"])
def test_transformer_encoder_inference_padding(norm, kpm_kind):
    """In eval mode without grad, torch gives 0 at right-padded positions (nested tensors)."""
    kpm = np.zeros((N, S), bool)
    kpm[0, 3:] = True
    kpm[2, 1:] = True
    if kpm_kind == "not_left_aligned":
        kpm[1, 1] = True
    kpm_arr = np.where(kpm, -np.inf, 0.0).astype("float32") if kpm_kind == "float" else kpm
    x = R(N, S, E).astype("float32")
    outs = []
    for lib in (torch, ember):
        if lib is torch:
            torch.manual_seed(0)
        m = lib.nn.TransformerEncoder(lib.nn.TransformerEncoderLayer(E, HEADS, 16, batch_first=True), 2,
                                      norm=lib.nn.LayerNorm(E) if norm else None).eval()
        if lib is ember:
            copy_state(m, outs[0][1])
        with lib.no_grad():
            outs.append((m(lib.tensor(x), src_key_padding_mask=lib.tensor(kpm_arr)), m))
    check(outs[1][0], outs[0][0], rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("make,inputs", [
    (lambda nn: nn.MultiheadAttention(E, HEADS, dropout=0.3), [R(L, N, E), R(S, N, E, seed=1), R(S, N, E, seed=2)]),
    (lambda nn: nn.TransformerEncoderLayer(E, HEADS, 16, dropout=0.3), [R(S, N, E)]),
    (lambda nn: nn.TransformerEncoderLayer(E, HEADS, 16, dropout=0.3, norm_first=True, batch_first=True),
     [R(N, S, E)]),
    (lambda nn: nn.TransformerDecoderLayer(E, HEADS, 16, dropout=0.3), [R(L, N, E), R(S, N, E, seed=1)]),
    (lambda nn: nn.Transformer(E, HEADS, 2, 2, 16, dropout=0.2), [R(S, N, E), R(L, N, E, seed=1)]),
])
def test_train_mode_dropout_same_draws(make, inputs):
    compare_module(make, inputs, forward=seeded_forward, train=True)


def test_multihead_attention_separate_projection_shape_error():
    def call(lib):
        return lib.nn.MultiheadAttention(4, 2, kdim=3, vdim=3)(lib.ones(2, 1, 4), lib.ones(2, 1, 5), lib.ones(2, 1, 3))
    e = raises_like(lambda: call(ember), lambda: call(torch))
    try:
        call(torch)
    except AssertionError as t:
        assert str(e) == str(t).replace("torch.", "ember.")
