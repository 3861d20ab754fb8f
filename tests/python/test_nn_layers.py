"""Every nn layer against torch: same weights in, same outputs, input and parameter gradients."""
import numpy as np
import pytest
import torch

import ember
from nn_helpers import compare_module, randn, seeded_forward
from oracle import check, raises_like

R = randn

# (id, constructor taking the nn namespace, inputs)
LAYER_CASES = [
    ("linear", lambda nn: nn.Linear(5, 3), [R(4, 5)]),
    ("linear_nobias_3d", lambda nn: nn.Linear(5, 3, bias=False), [R(2, 4, 5)]),
    ("linear_1d_input", lambda nn: nn.Linear(5, 3), [R(5)]),
    ("bilinear", lambda nn: nn.Bilinear(3, 4, 2), [R(5, 3), R(5, 4, seed=1)]),
    ("identity", lambda nn: nn.Identity(3, foo=1), [R(2, 3)]),
    ("flatten", lambda nn: nn.Flatten(), [R(2, 3, 4)]),
    ("flatten_dims", lambda nn: nn.Flatten(0, 1), [R(2, 3, 4)]),
    ("unflatten", lambda nn: nn.Unflatten(1, (2, 3)), [R(4, 6)]),
    ("conv1d", lambda nn: nn.Conv1d(3, 4, 3, stride=2, padding=1), [R(2, 3, 9)]),
    ("conv1d_same_dil", lambda nn: nn.Conv1d(2, 4, 3, padding="same", dilation=2, groups=2), [R(2, 2, 8)]),
    ("conv1d_reflect", lambda nn: nn.Conv1d(2, 3, 3, padding=1, padding_mode="reflect"), [R(1, 2, 6)]),
    ("conv1d_circular", lambda nn: nn.Conv1d(2, 3, 3, padding=2, padding_mode="circular"), [R(1, 2, 6)]),
    ("conv2d", lambda nn: nn.Conv2d(3, 4, (3, 2), stride=(2, 1), padding=(1, 0)), [R(2, 3, 7, 6)]),
    ("conv2d_same_even", lambda nn: nn.Conv2d(2, 2, 4, padding="same", bias=False), [R(1, 2, 5, 6)]),
    ("conv2d_groups_dil", lambda nn: nn.Conv2d(4, 6, 3, dilation=2, groups=2, padding=2), [R(2, 4, 7, 7)]),
    ("conv2d_valid", lambda nn: nn.Conv2d(2, 3, 3, padding="valid"), [R(2, 2, 5, 5)]),
    ("conv2d_replicate", lambda nn: nn.Conv2d(2, 3, 3, padding=1, padding_mode="replicate"), [R(1, 2, 5, 4)]),
    ("conv2d_unbatched", lambda nn: nn.Conv2d(2, 3, 3), [R(2, 5, 5)]),
    ("conv3d", lambda nn: nn.Conv3d(2, 3, 2, stride=(1, 2, 1), padding=1), [R(1, 2, 4, 5, 3)]),
    ("convT1d", lambda nn: nn.ConvTranspose1d(3, 2, 3, stride=2, padding=1, output_padding=1), [R(2, 3, 5)]),
    ("convT2d", lambda nn: nn.ConvTranspose2d(4, 2, 3, stride=2, padding=1, groups=2, dilation=1), [R(2, 4, 4, 3)]),
    ("convT2d_dil_nobias", lambda nn: nn.ConvTranspose2d(2, 3, (2, 3), dilation=2, bias=False), [R(1, 2, 3, 4)]),
    ("maxpool1d", lambda nn: nn.MaxPool1d(3, stride=2, padding=1), [R(2, 3, 9)]),
    ("maxpool2d", lambda nn: nn.MaxPool2d(2), [R(2, 3, 6, 5)]),
    ("maxpool2d_ceil_dil", lambda nn: nn.MaxPool2d(3, stride=2, padding=1, dilation=1, ceil_mode=True),
     [R(1, 2, 6, 7)]),
    ("avgpool1d", lambda nn: nn.AvgPool1d(3, stride=2, padding=1, count_include_pad=False), [R(2, 3, 8)]),
    ("avgpool2d", lambda nn: nn.AvgPool2d((2, 3), stride=1, padding=1, ceil_mode=True), [R(2, 3, 5, 6)]),
    ("avgpool2d_divisor", lambda nn: nn.AvgPool2d(2, divisor_override=3), [R(1, 2, 4, 4)]),
    ("adaptiveavg1d", lambda nn: nn.AdaptiveAvgPool1d(4), [R(2, 3, 10)]),
    ("adaptiveavg2d", lambda nn: nn.AdaptiveAvgPool2d((3, None)), [R(2, 3, 7, 5)]),
    ("adaptiveavg2d_1", lambda nn: nn.AdaptiveAvgPool2d(1), [R(2, 3, 7, 5)]),
    ("adaptivemax2d", lambda nn: nn.AdaptiveMaxPool2d((2, 3)), [R(2, 3, 7, 5)]),
    ("layernorm", lambda nn: nn.LayerNorm([3, 4]), [R(2, 3, 4)]),
    ("layernorm_noaffine", lambda nn: nn.LayerNorm(4, eps=1e-3, elementwise_affine=False), [R(2, 3, 4)]),
    ("groupnorm", lambda nn: nn.GroupNorm(2, 4), [R(3, 4, 5)]),
    ("groupnorm_2d", lambda nn: nn.GroupNorm(3, 6, affine=False), [R(2, 6, 3, 2)]),
    ("instancenorm2d", lambda nn: nn.InstanceNorm2d(3), [R(2, 3, 4, 5)]),
    ("instancenorm2d_affine", lambda nn: nn.InstanceNorm2d(3, affine=True), [R(2, 3, 4, 5)]),
    ("embedding", lambda nn: nn.Embedding(10, 3), [np.array([[1, 2, 4], [4, 3, 9]])]),
    ("embedding_pad", lambda nn: nn.Embedding(10, 3, padding_idx=4), [np.array([[1, 2, 4], [4, 3, 9]])]),
    ("embedding_maxnorm", lambda nn: nn.Embedding(10, 3, max_norm=1.0), [np.array([1, 2, 1, 7])]),
    ("embeddingbag_mean", lambda nn: nn.EmbeddingBag(10, 3), [np.array([[1, 2, 4], [4, 3, 9]])]),
    ("embeddingbag_sum_offsets", lambda nn: nn.EmbeddingBag(10, 3, mode="sum"),
     [np.array([1, 2, 4, 5, 4, 3, 2, 9]), np.array([0, 2, 2, 5])]),
    ("embeddingbag_max", lambda nn: nn.EmbeddingBag(10, 3, mode="max"),
     [np.array([1, 2, 4, 5, 4, 3, 2, 9]), np.array([0, 3, 5])]),
    ("upsample_nearest", lambda nn: nn.Upsample(scale_factor=2), [R(1, 2, 3, 4)]),
    ("upsample_bilinear", lambda nn: nn.Upsample(size=(5, 7), mode="bilinear"), [R(1, 2, 3, 4)]),
    ("upsample_bilinear_ac", lambda nn: nn.Upsample(scale_factor=2, mode="bilinear", align_corners=True),
     [R(1, 2, 3, 4)]),
    ("upsample_linear1d", lambda nn: nn.Upsample(scale_factor=1.5, mode="linear"), [R(1, 2, 4)]),
    ("pixelshuffle", lambda nn: nn.PixelShuffle(2), [R(2, 8, 3, 2)]),
    ("pixelunshuffle", lambda nn: nn.PixelUnshuffle(2), [R(2, 2, 4, 6)]),
    ("dropout_eval", lambda nn: nn.Dropout(0.5), [R(3, 4)]),
    ("dropout2d_eval", lambda nn: nn.Dropout2d(0.5), [R(2, 3, 4, 4)]),
]


@pytest.mark.parametrize("name,make,inputs", LAYER_CASES, ids=[c[0] for c in LAYER_CASES])
def test_layer_matches_torch(name, make, inputs):
    compare_module(make, inputs)


# more options and layer variants: (id, constructor, inputs, compare_module options)
MORE_CASES = [
    ("conv2d_circular", lambda nn: nn.Conv2d(2,3,3,padding=(1,2),padding_mode="circular"), [R(1,2,5,6)], {}),
    ("convT2d_outsize", lambda nn: nn.ConvTranspose2d(2,3,3,stride=2),
     [R(1,2,4,4)], dict(forward=lambda m,x: m(x, output_size=[10,10]))),
    ("convT3d", lambda nn: nn.ConvTranspose3d(2,2,2,stride=2), [R(1,2,2,3,2)], {}),
    ("convT1d_unbatched", lambda nn: nn.ConvTranspose1d(2,2,3), [R(2,5)], {}),
    ("maxpool2d_idx", lambda nn: nn.MaxPool2d(2, return_indices=True), [R(1,2,4,5)], {}),
    ("maxunpool", lambda nn: nn.MaxUnpool2d(2), [R(1,2,2,2), np.array([[[[0,3],[9,14]],[[1,2],[8,15]]]])], {}),
    ("adaptivemax1d_idx", lambda nn: nn.AdaptiveMaxPool1d(3, return_indices=True), [R(2,3,7)], {}),
    ("adaptivemax2d_idx", lambda nn: nn.AdaptiveMaxPool2d(3, return_indices=True), [R(2,3,7,5)], {}),
    ("avgpool1d_ceil", lambda nn: nn.AvgPool1d(3, stride=2, ceil_mode=True), [R(2,3,8)], {}),
    ("maxpool1d_dil", lambda nn: nn.MaxPool1d(2, stride=1, dilation=2), [R(2,3,8)], {}),
    ("maxpool3d", lambda nn: nn.MaxPool3d(2), [R(1,2,4,4,4)], {}),
    ("avgpool3d", lambda nn: nn.AvgPool3d(2, stride=1), [R(1,2,3,4,4)], {}),
    ("adaptiveavg3d", lambda nn: nn.AdaptiveAvgPool3d((2,1,3)), [R(1,2,3,4,5)], {}),
    ("lppool2d", lambda nn: nn.LPPool2d(2, 2), [R(1,2,4,4)], {}),
    ("lppool1d", lambda nn: nn.LPPool1d(3, 2, stride=1), [R(1,2,5)], {}),
    ("bicubic", lambda nn: nn.Upsample(scale_factor=2, mode="bicubic"), [R(1,2,3,4)], {}),
    ("bicubic_ac", lambda nn: nn.Upsample(size=(5,5), mode="bicubic", align_corners=True), [R(1,2,3,4)], {}),
    ("trilinear", lambda nn: nn.Upsample(scale_factor=(2,1,1.5), mode="trilinear"), [R(1,2,2,3,4)], {}),
    ("nearest1d", lambda nn: nn.Upsample(size=7), [R(1,2,3)], {}),
    ("nearest_exact", lambda nn: nn.Upsample(scale_factor=1.7, mode="nearest-exact"), [R(1,2,3,4)], {}),
    ("upnearest2d", lambda nn: nn.UpsamplingNearest2d(scale_factor=2), [R(1,2,3,4)], {}),
    ("upbilinear2d", lambda nn: nn.UpsamplingBilinear2d(size=(4,6)), [R(1,2,3,4)], {}),
    ("embbag_pad", lambda nn: nn.EmbeddingBag(10,3,mode="sum",padding_idx=2),
     [np.array([1,2,4,2,4,3]), np.array([0,2,4])], {}),
    ("embbag_last", lambda nn: nn.EmbeddingBag(10,3,mode="mean",include_last_offset=True),
     [np.array([1,2,4,2,4,3]), np.array([0,2,4,6])], {}),
    ("groupnorm_2dinput", lambda nn: nn.GroupNorm(2,4), [R(3,4)], {}),
    ("instancenorm1d", lambda nn: nn.InstanceNorm1d(3, track_running_stats=True), [R(2,3,5)], dict(train=True)),
    ("instancenorm1d_eval", lambda nn: nn.InstanceNorm1d(3, affine=True), [R(2,3,5)], {}),
    ("instancenorm3d", lambda nn: nn.InstanceNorm3d(2), [R(2,2,3,2,2)], {}),
    ("batchnorm3d", lambda nn: nn.BatchNorm3d(2), [R(2,2,3,2,2)], dict(train=True)),
    ("lrn", lambda nn: nn.LocalResponseNorm(3), [R(2,5,3,3)], {}),
    ("fold", lambda nn: nn.Fold((4,5),(2,2)), [R(2,12,12)], {}),
    ("unfold", lambda nn: nn.Unfold((2,3), dilation=1, padding=1, stride=2), [R(2,3,5,5)], {}),
    ("channelshuffle", lambda nn: nn.ChannelShuffle(2), [R(1,4,2,2)], dict(backward=False)),
    ("pairwise", lambda nn: nn.PairwiseDistance(p=3, keepdim=True), [R(4,5), R(4,5,seed=1)], {}),
    ("cosine", lambda nn: nn.CosineSimilarity(dim=1), [R(4,5), R(4,5,seed=1)], {}),
    ("reflectpad2d", lambda nn: nn.ReflectionPad2d((1,2,0,1)), [R(1,2,4,4)], {}),
    ("reppad1d", lambda nn: nn.ReplicationPad1d(2), [R(1,2,4)], {}),
    ("reppad3d", lambda nn: nn.ReplicationPad3d(1), [R(1,1,2,3,3)], {}),
    ("constpad3d", lambda nn: nn.ConstantPad3d((1,0,1,0,0,1), 2.5), [R(1,1,2,3,3)], {}),
    ("zeropad2d", lambda nn: nn.ZeroPad2d(1), [R(1,1,2,3)], {}),
    ("reflectpad3d", lambda nn: nn.ReflectionPad3d(1), [R(1,1,2,3,3)], {}),
    ("softmax_nodim", lambda nn: nn.Softmax(), [R(3,4)], {}),
    ("logsoftmax3d", lambda nn: nn.LogSoftmax(dim=None), [R(2,3,4)], {}),
    ("alphadropout_eval", lambda nn: nn.AlphaDropout(0.3), [R(3,4)], {}),
    ("dropout1d_eval", lambda nn: nn.Dropout1d(0.3), [R(2,3,4)], {}),
    ("dropout3d_eval", lambda nn: nn.Dropout3d(0.3), [R(2,3,2,2,2)], {}),
    ("flatten_neg", lambda nn: nn.Flatten(-2, -1), [R(2,3,4)], {}),
    ("unflatten_neg", lambda nn: nn.Unflatten(-1, (2, -1)), [R(2,3,4)], {}),
    ("bilinear_nobias", lambda nn: nn.Bilinear(3,4,2,bias=False), [R(2,5,3), R(2,5,4,seed=1)], {}),
    ("hardtanh_inplace", lambda nn: nn.Sequential(nn.Linear(3,3), nn.Hardtanh(inplace=True)), [R(2,3)], {}),
    ("relu_inplace_chain", lambda nn: nn.Sequential(nn.Linear(3,3), nn.ReLU(inplace=True), nn.Linear(3,2)),
     [R(2,3)], {}),
    ("elu_inplace", lambda nn: nn.Sequential(nn.Linear(3,3), nn.ELU(inplace=True)), [R(2,3)], {}),
    ("leaky_inplace", lambda nn: nn.Sequential(nn.Linear(3,3), nn.LeakyReLU(inplace=True)), [R(2,3)], {}),
    ("silu_inplace", lambda nn: nn.Sequential(nn.Linear(3,3), nn.SiLU(inplace=True)), [R(2,3)], {}),
    ("threshold_inplace", lambda nn: nn.Sequential(nn.Linear(3,3), nn.Threshold(0.1, -1.0, inplace=True)),
     [R(2,3)], {}),
    ("prelu_1d", lambda nn: nn.PReLU(3), [R(4,3)], {}),
    ("prelu_scalar_input", lambda nn: nn.PReLU(), [R(5)], {}),
    ("softplus_default", lambda nn: nn.Softplus(), [R(3,4)*10], {}),
    ("gelu_big", lambda nn: nn.GELU(), [R(3,4)*5], {}),
    ("celu_default", lambda nn: nn.CELU(), [R(3,4)], {}),
    ("mha_dropout_eval", lambda nn: nn.MultiheadAttention(8,2,dropout=0.5),
     [R(3,2,8), R(3,2,8,seed=1), R(3,2,8,seed=2)], {}),
    ("linear_0batch", lambda nn: nn.Linear(3,2), [R(0,3)], {}),
    ("conv_0batch", lambda nn: nn.Conv2d(2,3,3), [R(0,2,4,4)], {}),
    ("lstm_T1", lambda nn: nn.LSTM(3,2), [R(1,2,3)], {}),
    ("bn_1d_train_2d", lambda nn: nn.BatchNorm1d(3, affine=False, momentum=0.5), [R(6,3)], dict(train=True)),
    ("layernorm_3d_shape", lambda nn: nn.LayerNorm((2,3,4)), [R(2,2,3,4)], {}),
    ("embedding_scale", lambda nn: nn.Embedding(10,3,scale_grad_by_freq=True), [np.array([1,1,2,3,1])], {}),
]


@pytest.mark.parametrize("name,make,inputs,opts", MORE_CASES, ids=[c[0] for c in MORE_CASES])
def test_layer_variants_match_torch(name, make, inputs, opts):
    compare_module(make, inputs, **opts)


ACTIVATIONS = [
    ("relu", lambda nn: nn.ReLU()),
    ("relu6", lambda nn: nn.ReLU6()),
    ("leakyrelu", lambda nn: nn.LeakyReLU(0.2)),
    ("prelu", lambda nn: nn.PReLU()),
    ("prelu_channels", lambda nn: nn.PReLU(4, init=0.1)),
    ("elu", lambda nn: nn.ELU(alpha=0.7)),
    ("selu", lambda nn: nn.SELU()),
    ("celu", lambda nn: nn.CELU(alpha=1.3)),
    ("gelu", lambda nn: nn.GELU()),
    ("gelu_tanh", lambda nn: nn.GELU(approximate="tanh")),
    ("silu", lambda nn: nn.SiLU()),
    ("mish", lambda nn: nn.Mish()),
    ("softplus", lambda nn: nn.Softplus(beta=2, threshold=3)),
    ("softsign", lambda nn: nn.Softsign()),
    ("tanh", lambda nn: nn.Tanh()),
    ("sigmoid", lambda nn: nn.Sigmoid()),
    ("hardtanh", lambda nn: nn.Hardtanh(-0.5, 1.5)),
    ("hardsigmoid", lambda nn: nn.Hardsigmoid()),
    ("hardswish", lambda nn: nn.Hardswish()),
    ("hardshrink", lambda nn: nn.Hardshrink(0.3)),
    ("softshrink", lambda nn: nn.Softshrink(0.3)),
    ("logsigmoid", lambda nn: nn.LogSigmoid()),
    ("softmax", lambda nn: nn.Softmax(dim=1)),
    ("logsoftmax", lambda nn: nn.LogSoftmax(dim=-1)),
    ("softmin", lambda nn: nn.Softmin(dim=0)),
    ("softmax2d", lambda nn: nn.Softmax2d()),
    ("tanhshrink", lambda nn: nn.Tanhshrink()),
    ("threshold", lambda nn: nn.Threshold(0.1, 20.0)),
    ("glu", lambda nn: nn.GLU(dim=1)),
]


@pytest.mark.parametrize("name,make", ACTIVATIONS, ids=[a[0] for a in ACTIVATIONS])
def test_activation_matches_torch(name, make):
    x = R(2, 4, 3, 2) * 2
    x[0, 0, 0, 0] = 0.0  # the kink of the piecewise functions
    compare_module(make, [x])


def test_activation_inplace_and_repr():
    for name, make in ACTIVATIONS:
        assert repr(make(ember.nn)) == repr(make(torch.nn)), name
    e = ember.tensor(R(3, 4))
    t = torch.tensor(R(3, 4))
    out = ember.nn.ReLU(inplace=True)(e)
    torch.nn.ReLU(inplace=True)(t)
    assert out is e
    check(e, t)
    assert repr(ember.nn.ReLU(inplace=True)) == repr(torch.nn.ReLU(inplace=True))


def test_rrelu_eval_is_leaky_with_mean_slope():
    compare_module(lambda nn: nn.RReLU(0.1, 0.3), [R(3, 4)])


def test_rrelu_train_slopes_in_range():
    x = ember.tensor(-np.ones((2000,)))
    y = ember.nn.RReLU(0.1, 0.3).train()(x).numpy()
    assert (-y >= 0.1 - 1e-7).all() and (-y <= 0.3 + 1e-7).all() and y.std() > 0.03


# ---------------------------------------------------------------- batch norm
@pytest.mark.parametrize("make,shape", [
    (lambda nn: nn.BatchNorm1d(3), (4, 3)),
    (lambda nn: nn.BatchNorm1d(3, momentum=0.3), (4, 3, 5)),
    (lambda nn: nn.BatchNorm2d(3), (2, 3, 4, 2)),
    (lambda nn: nn.BatchNorm2d(3, affine=False, eps=1e-3), (2, 3, 4, 2)),
    (lambda nn: nn.BatchNorm2d(3, momentum=None), (2, 3, 4, 2)),
])
def test_batchnorm_train_updates_running_stats(make, shape):
    em, tm, _, _ = compare_module(make, [R(*shape)], train=True)
    # a second step exercises the momentum update (and the cumulative average for momentum=None)
    x2 = R(*shape, seed=5)
    check(em(ember.tensor(x2)), tm(torch.tensor(x2)).detach())
    for name, tb in tm.named_buffers():
        check(dict(em.named_buffers())[name], tb, msg=name)
    em.eval(), tm.eval()
    x3 = R(*shape, seed=6)
    check(em(ember.tensor(x3)), tm(torch.tensor(x3)).detach())


def test_batchnorm_eval_and_no_running_stats():
    compare_module(lambda nn: nn.BatchNorm2d(3), [R(2, 3, 4, 2)], train=False)
    # without running stats, eval still normalises with batch statistics
    compare_module(lambda nn: nn.BatchNorm1d(3, track_running_stats=False), [R(5, 3)], train=False)


def test_batchnorm_wrong_dim():
    e = raises_like(lambda: ember.nn.BatchNorm2d(3)(ember.zeros(2, 3)),
                    lambda: torch.nn.BatchNorm2d(3)(torch.zeros(2, 3)))
    assert "4D" in str(e)


# ---------------------------------------------------------------- dropout in training mode
def test_dropout_train_scale_and_fraction():
    ember.manual_seed(0)
    x = ember.ones(200, 100)
    y = ember.nn.Dropout(0.3).train()(x).numpy()
    zeros = (y == 0).mean()
    assert abs(zeros - 0.3) < 0.02
    np.testing.assert_allclose(y[y != 0], 1 / 0.7, rtol=1e-6)
    assert (ember.nn.Dropout(0.0)(x).numpy() == 1).all()
    assert (ember.nn.Dropout(1.0)(x).numpy() == 0).all()


def test_dropout2d_train_zeroes_whole_channels():
    ember.manual_seed(0)
    y = ember.nn.Dropout2d(0.5).train()(ember.ones(40, 50, 3, 3)).numpy()
    per_channel = y.reshape(40, 50, 9)
    assert ((per_channel == 0).all(-1) | (per_channel == 2).all(-1)).all()
    assert abs((per_channel[..., 0] == 0).mean() - 0.5) < 0.05


def test_dropout_bad_p():
    raises_like(lambda: ember.nn.Dropout(1.5), lambda: torch.nn.Dropout(1.5))


# ---------------------------------------------------------------- embedding details
def test_embedding_padding_idx_grad_zero():
    em, tm, _, _ = compare_module(lambda nn: nn.Embedding(6, 3, padding_idx=2), [np.array([2, 2, 1, 5])])
    assert not em.weight.grad.numpy()[2].any()
    # padding row initialised to zero
    assert not ember.nn.Embedding(6, 3, padding_idx=-1).weight.detach().numpy()[5].any()


def test_embedding_from_pretrained():
    w = R(4, 3)
    e = ember.nn.Embedding.from_pretrained(ember.tensor(w))
    t = torch.nn.Embedding.from_pretrained(torch.tensor(w))
    assert e.weight.requires_grad == t.weight.requires_grad
    check(e(ember.tensor([3, 0])), t(torch.tensor([3, 0])))


def test_embeddingbag_per_sample_weights():
    compare_module(lambda nn: nn.EmbeddingBag(10, 3, mode="sum"),
                   [np.array([1, 2, 4, 5, 4, 3]), np.array([0, 2]), None, R(6)],
                   forward=lambda m, i, o, _, w: m(i, o, per_sample_weights=w))


# ---------------------------------------------------------------- parameter names, shapes and init
INIT_CASES = [
    (lambda nn: nn.Linear(200, 300), ["weight", "bias"]),
    (lambda nn: nn.Conv2d(16, 32, 3), ["weight", "bias"]),
    (lambda nn: nn.Conv1d(8, 12, 5, groups=4), ["weight", "bias"]),
    (lambda nn: nn.ConvTranspose2d(16, 8, 3, groups=2), ["weight", "bias"]),
    (lambda nn: nn.Bilinear(20, 30, 40), ["weight", "bias"]),
    (lambda nn: nn.Embedding(300, 64), ["weight"]),
    (lambda nn: nn.LSTM(64, 64, num_layers=2, bidirectional=True), None),
    (lambda nn: nn.GRUCell(64, 96), None),
    (lambda nn: nn.MultiheadAttention(64, 4), None),
]


@pytest.mark.parametrize("make,names", INIT_CASES)
def test_default_init_statistics(make, names):
    """Default initialisation follows torch's fan rules: same bounds, mean and std."""
    ember.manual_seed(0)
    torch.manual_seed(0)
    em, tm = make(ember.nn), make(torch.nn)
    tparams = dict(tm.named_parameters())
    for name, ep in em.named_parameters():
        tp = tparams[name].detach().numpy().ravel()
        a = ep.detach().numpy().ravel()
        assert a.shape == tp.shape and ep.dtype == ember.float32
        if tp.std() == 0:
            np.testing.assert_array_equal(a, tp, err_msg=name)
            continue
        lo, hi = tp.min(), tp.max()
        span = hi - lo
        assert a.min() >= lo - 0.05 * span and a.max() <= hi + 0.05 * span, name
        if a.size >= 64:
            assert abs(a.std() - tp.std()) < 0.15 * tp.std(), name
            assert abs(a.mean() - tp.mean()) < 0.2 * tp.std() + 1e-3, name


def test_batchnorm_init_and_buffers():
    em, tm = ember.nn.BatchNorm2d(4), torch.nn.BatchNorm2d(4)
    for (en, ev), (tn, tv) in zip(em.state_dict().items(), tm.state_dict().items()):
        assert en == tn
        check(ev, tv, msg=en)


# ---------------------------------------------------------------- bad input
def test_linear_wrong_in_features():
    e = raises_like(lambda: ember.nn.Linear(4, 3)(ember.zeros(2, 5)), lambda: torch.nn.Linear(4, 3)(torch.zeros(2, 5)))
    assert "2x5" in str(e) and "4x3" in str(e)


def test_conv2d_channel_mismatch():
    e = raises_like(lambda: ember.nn.Conv2d(3, 4, 3)(ember.zeros(1, 2, 5, 5)),
                    lambda: torch.nn.Conv2d(3, 4, 3)(torch.zeros(1, 2, 5, 5)))
    msg = str(e)
    assert "[4, 3, 3, 3]" in msg and "[1, 2, 5, 5]" in msg and "3 channels" in msg


def test_conv2d_wrong_rank_and_too_small():
    raises_like(lambda: ember.nn.Conv2d(3, 4, 3)(ember.zeros(1, 1, 3, 5, 5)),
                lambda: torch.nn.Conv2d(3, 4, 3)(torch.zeros(1, 1, 3, 5, 5)))
    raises_like(lambda: ember.nn.Conv2d(3, 4, 3)(ember.zeros(1, 3, 2, 2)),
                lambda: torch.nn.Conv2d(3, 4, 3)(torch.zeros(1, 3, 2, 2)))


def test_embedding_index_out_of_range():
    raises_like(lambda: ember.nn.Embedding(4, 2)(ember.tensor([4])),
                lambda: torch.nn.Embedding(4, 2)(torch.tensor([4])))


def test_layernorm_shape_mismatch():
    e = raises_like(lambda: ember.nn.LayerNorm(4)(ember.zeros(2, 3)), lambda: torch.nn.LayerNorm(4)(torch.zeros(2, 3)))
    assert "[4]" in str(e) and "[2, 3]" in str(e)


def test_norm_channel_mismatch():
    e = raises_like(lambda: ember.nn.InstanceNorm2d(3, affine=True)(ember.zeros(2, 4, 3, 3)),
                    lambda: torch.nn.InstanceNorm2d(3, affine=True)(torch.zeros(2, 4, 3, 3)))
    assert "InstanceNorm2d" in str(e) and "[2, 4, 3, 3]" in str(e)
    raises_like(lambda: ember.nn.BatchNorm2d(3)(ember.zeros(2, 4, 2, 2)),
                lambda: torch.nn.BatchNorm2d(3)(torch.zeros(2, 4, 2, 2)))
    raises_like(lambda: ember.nn.GroupNorm(2, 4)(ember.zeros(2, 6, 3)),
                lambda: torch.nn.GroupNorm(2, 4)(torch.zeros(2, 6, 3)))


def test_groupnorm_bad_groups():
    raises_like(lambda: ember.nn.GroupNorm(3, 4), lambda: torch.nn.GroupNorm(3, 4))


def test_conv_bad_options():
    raises_like(lambda: ember.nn.Conv2d(3, 4, 3, groups=2), lambda: torch.nn.Conv2d(3, 4, 3, groups=2))
    raises_like(lambda: ember.nn.Conv2d(3, 4, 3, padding="same", stride=2),
                lambda: torch.nn.Conv2d(3, 4, 3, padding="same", stride=2))
    raises_like(lambda: ember.nn.Conv2d(3, 4, 3, padding="full"), lambda: torch.nn.Conv2d(3, 4, 3, padding="full"))


def test_float32_modules_match():
    """The default dtype path (float32) also agrees, with float32 tolerance."""
    compare_module(lambda nn: nn.Sequential(nn.Conv2d(2, 3, 3, padding=1), nn.BatchNorm2d(3), nn.ReLU(),
                                            nn.MaxPool2d(2), nn.Flatten(), nn.Linear(12, 5)),
                   [R(2, 2, 4, 4).astype("float32")], dtype="float32", train=True, rtol=1e-4, atol=1e-5)


def test_gradcheck_functional_composites():
    F = ember.nn.functional
    x = ember.tensor(R(2, 3, 4), requires_grad=True)
    w = ember.tensor(R(4), requires_grad=True)
    b = ember.tensor(R(4, seed=2), requires_grad=True)
    assert ember.autograd.gradcheck(lambda x, w, b: F.layer_norm(x, (4,), w, b), (x, w, b))
    assert ember.autograd.gradcheck(lambda x: F.group_norm(x, 3), (ember.tensor(R(2, 3, 4), requires_grad=True),))
    assert ember.autograd.gradcheck(lambda x: F.gelu(x, approximate="tanh"), (x,))
    assert ember.autograd.gradcheck(lambda x: F.mish(x), (x,))
    assert ember.autograd.gradcheck(lambda x: F.log_softmax(x, 1), (x,))
    q = ember.tensor(R(2, 3, 4), requires_grad=True)
    assert ember.autograd.gradcheck(lambda q: F.softmax(q @ q.transpose(-1, -2), -1) @ q, (q,))
    assert ember.autograd.gradgradcheck(lambda x: F.silu(x).sum(), (x,))


INPLACE = [
    ("celu", lambda F, y: F.celu(y, 1.3, inplace=True)),
    ("rrelu_eval", lambda F, y: F.rrelu(y, inplace=True)),
    ("hardtanh", lambda F, y: F.hardtanh(y, -0.5, 0.5, inplace=True)),
    ("relu6", lambda F, y: F.relu6(y, inplace=True)),
    ("hardsigmoid", lambda F, y: F.hardsigmoid(y, inplace=True)),
    ("hardswish", lambda F, y: F.hardswish(y, inplace=True)),
    ("mish", lambda F, y: F.mish(y, inplace=True)),
    ("selu", lambda F, y: F.selu(y, inplace=True)),
    ("elu", lambda F, y: F.elu(y, inplace=True)),
    ("leaky_relu", lambda F, y: F.leaky_relu(y, 0.1, inplace=True)),
    ("silu", lambda F, y: F.silu(y, inplace=True)),
    ("relu", lambda F, y: F.relu(y, inplace=True)),
    ("threshold", lambda F, y: F.threshold(y, 0.2, -3.0, inplace=True)),
    ("dropout_eval", lambda F, y: F.dropout(y, 0.5, False, inplace=True)),
]


@pytest.mark.parametrize("name,fn", INPLACE, ids=[c[0] for c in INPLACE])
def test_inplace_functional_gradients(name, fn):
    """inplace=True on a non-leaf: same values and gradients as torch, and the same object back."""
    x = R(4, 6) * 3
    res = []
    for lib in (torch, ember):
        leaf = lib.tensor(x, requires_grad=True)
        y = leaf * 1.0
        out = fn(lib.nn.functional, y)
        assert out is y
        (out * lib.tensor(R(4, 6, seed=1))).sum().backward()
        res.append((out.detach(), leaf.grad))
    check(res[1][0], res[0][0])
    check(res[1][1], res[0][1])


@pytest.mark.parametrize("fn", [lambda F, y: F.dropout(y, 0.4, True, inplace=True),
                                lambda F, y: F.dropout2d(y, 0.4, True, inplace=True),
                                lambda F, y: F.alpha_dropout(y, 0.4, True, inplace=True),
                                lambda F, y: F.rrelu(y, 0.1, 0.3, training=True, inplace=True)])
def test_inplace_random_gradients(fn):
    """Random in-place ops: the gradient is out / in elementwise for these (piecewise linear) maps."""
    ember.manual_seed(0)
    x = np.abs(R(40, 30, 2)) + 0.5
    x[::2] *= -1
    leaf = ember.tensor(x, requires_grad=True)
    y = leaf * 1.0
    out = fn(ember.nn.functional, y)
    assert out is y
    out.sum().backward()
    o = out.detach().numpy()
    if "alpha_dropout" not in fn.__code__.co_names:
        np.testing.assert_allclose(leaf.grad.numpy(), o / x, rtol=1e-10)
    else:  # alpha dropout: a*x*mask + b, gradient a*mask
        g = leaf.grad.numpy()
        assert set(np.round(np.unique(g), 8)) <= {0.0, np.round(g.max(), 8)} and g.max() > 0


def _pool_then_unpool(n):
    def fwd(m, x):
        lib = torch if isinstance(x, torch.Tensor) else ember
        pool = getattr(lib.nn.functional, f"max_pool{n}d_with_indices")
        out, idx = pool(x, 2)
        return m(out, idx, output_size=list(x.shape[2:]))
    return fwd


@pytest.mark.parametrize("n,shape", [(1, (2, 3, 7)), (2, (1, 2, 5, 4)), (3, (1, 2, 4, 5, 4))])
def test_max_unpool(n, shape):
    compare_module(lambda nn: getattr(nn, f"MaxUnpool{n}d")(2), [R(*shape)], forward=_pool_then_unpool(n))
    assert repr(getattr(ember.nn, f"MaxUnpool{n}d")(3, 2)) == repr(getattr(torch.nn, f"MaxUnpool{n}d")(3, 2))


def test_adaptive_max_pool3d_and_with_indices():
    compare_module(lambda nn: nn.AdaptiveMaxPool3d((2, 3, 1), return_indices=True), [R(1, 2, 4, 5, 3)])
    x = R(2, 3, 6, 5)
    for name, args in [("max_pool1d_with_indices", (R(2, 3, 7), 3)), ("max_pool2d_with_indices", (x, 2)),
                       ("max_pool3d_with_indices", (R(1, 2, 4, 4, 4), 2)),
                       ("adaptive_max_pool1d_with_indices", (R(2, 3, 7), 3)),
                       ("adaptive_max_pool2d_with_indices", (x, (2, 3))),
                       ("adaptive_max_pool3d_with_indices", (R(1, 2, 4, 4, 4), 2))]:
        e = getattr(ember.nn.functional, name)(ember.tensor(args[0]), *args[1:])
        t = getattr(torch.nn.functional, name)(torch.tensor(args[0]), *args[1:])
        check(e, t, msg=name)


def test_channel_shuffle():
    x = R(2, 6, 2, 3)
    check(ember.nn.functional.channel_shuffle(ember.tensor(x), 3), torch.nn.functional.channel_shuffle(
        torch.tensor(x), 3))
    raises_like(lambda: ember.nn.ChannelShuffle(4)(ember.tensor(x)),
                lambda: torch.nn.ChannelShuffle(4)(torch.tensor(x)))


def test_underscore_functional_variants():
    x = R(3, 4)
    for name, args in [("selu_", ()), ("celu_", (0.7,)), ("rrelu_", (0.1, 0.3, False))]:
        e, t = ember.tensor(x), torch.tensor(x)
        assert getattr(ember.nn.functional, name)(e, *args) is e
        getattr(torch.nn.functional, name)(t, *args)
        check(e, t, msg=name)


LAZY = [
    (lambda nn: nn.LazyLinear(3), (4, 5)),
    (lambda nn: nn.LazyLinear(3, bias=False), (2, 4, 5)),
    (lambda nn: nn.LazyConv1d(4, 3, stride=2, groups=2), (2, 6, 9)),
    (lambda nn: nn.LazyConv2d(4, 3, padding=1), (2, 3, 6, 5)),
    (lambda nn: nn.LazyConv2d(4, 3), (3, 6, 5)),  # unbatched
    (lambda nn: nn.LazyConv3d(2, 2, bias=False), (1, 2, 3, 4, 4)),
    (lambda nn: nn.LazyConvTranspose1d(4, 3, stride=2), (2, 3, 5)),
    (lambda nn: nn.LazyConvTranspose2d(4, 3, groups=2, output_padding=1, stride=2), (2, 4, 3, 3)),
    (lambda nn: nn.LazyConvTranspose3d(2, 2), (1, 2, 2, 3, 3)),
    (lambda nn: nn.LazyBatchNorm1d(), (4, 3)),
    (lambda nn: nn.LazyBatchNorm2d(momentum=0.3), (2, 3, 4, 4)),
    (lambda nn: nn.LazyBatchNorm3d(affine=False), (2, 3, 2, 2, 2)),
    (lambda nn: nn.LazyInstanceNorm1d(affine=True, track_running_stats=True), (2, 3, 5)),
    (lambda nn: nn.LazyInstanceNorm2d(affine=True), (2, 3, 4, 4)),
    (lambda nn: nn.LazyInstanceNorm3d(), (2, 3, 2, 3, 2)),
]


@pytest.mark.parametrize("make,shape", LAZY)
def test_lazy_modules(make, shape):
    """Shapes inferred from the first input, same seeded initialisation as torch, then the eager class."""
    res = {}
    for lib in (torch, ember):
        lib.manual_seed(0)
        m = make(lib.nn).double()
        before = (repr(m), [(n, type(p).__name__) for n, p in m.named_parameters()], list(m.state_dict()))
        m.train()
        x = lib.tensor(R(*shape), requires_grad=True)
        out = m(x)
        out.pow(2).sum().backward()
        res[lib.__name__] = (before, repr(m), type(m).__name__, out, x.grad, m.state_dict(),
                             {n: p.grad for n, p in m.named_parameters()})
    e, t = res["ember"], res["torch"]
    assert e[0] == t[0] and e[1] == t[1] and e[2] == t[2]
    check(e[3], t[3].detach())
    check(e[4], t[4])
    for k, v in t[5].items():
        check(e[5][k], v, msg=k)
    for k, v in t[6].items():
        check(e[6][k], v, msg=k)


def test_lazy_load_state_dict_and_uninitialized_parameter():
    tm = torch.nn.Linear(5, 3)
    ember_sd = {k: ember.tensor(v.numpy()) for k, v in tm.state_dict().items()}
    for lib, src in ((torch, tm.state_dict()), (ember, ember_sd)):
        m = lib.nn.LazyLinear(3)
        assert m.has_uninitialized_params()
        m.load_state_dict(src)  # materialises from the checkpoint's shapes
        assert not m.has_uninitialized_params() and tuple(m.weight.shape) == (3, 5)
        if lib is ember:
            check(m(lib.ones(2, 5)).detach(), tm(torch.ones(2, 5)).detach())
    p = ember.nn.UninitializedParameter()
    assert repr(p) == repr(torch.nn.UninitializedParameter()) == "<UninitializedParameter>"
    raises_like(lambda: p.shape, lambda: torch.nn.UninitializedParameter().shape)
    p.materialize((2, 3))
    assert type(p) is ember.nn.Parameter and tuple(p.shape) == (2, 3) and p.requires_grad
    b = ember.nn.UninitializedBuffer()
    b.materialize(4)
    assert type(b) is ember.Tensor and tuple(b.shape) == (4,) and not b.requires_grad
    raises_like(lambda: ember.nn.LazyConv2d(4, 3, groups=2)(ember.ones(1, 3, 5, 5)),
                lambda: torch.nn.LazyConv2d(4, 3, groups=2)(torch.ones(1, 3, 5, 5)))


PADS = ("zeros", "border", "reflection")
GRID_CASES = [(mode, pad, ac) for mode in ("bilinear", "nearest", "bicubic") for pad in PADS for ac in (False, True)]


@pytest.mark.parametrize("mode,pad,align", GRID_CASES)
def test_grid_sample_2d(mode, pad, align):
    grid = np.random.default_rng(3).uniform(-1.3, 1.3, (2, 3, 6, 2))  # some points fall outside
    compare_module(lambda nn: nn.Identity(), [R(2, 3, 4, 5), grid],
                   forward=lambda m, x, g: (torch if isinstance(x, torch.Tensor) else ember).nn.functional.grid_sample(
                       x, g, mode=mode, padding_mode=pad, align_corners=align))


@pytest.mark.parametrize("mode,pad", [(m, p) for m in ("bilinear", "nearest") for p in PADS])
def test_grid_sample_3d(mode, pad):
    grid = np.random.default_rng(4).uniform(-1.2, 1.2, (1, 2, 3, 2, 3))
    compare_module(lambda nn: nn.Identity(), [R(1, 2, 3, 4, 5), grid],
                   forward=lambda m, x, g: (torch if isinstance(x, torch.Tensor) else ember).nn.functional.grid_sample(
                       x, g, mode=mode, padding_mode=pad, align_corners=False))


@pytest.mark.parametrize("size", [[2, 3, 4, 5], [2, 3, 4, 5, 2], [1, 1, 1, 3]])
@pytest.mark.parametrize("align", [False, True])
def test_affine_grid(size, align):
    theta = R(size[0], 2, 3) if len(size) == 4 else R(size[0], 3, 4)
    compare_module(lambda nn: nn.Identity(), [theta],
                   forward=lambda m, th: (torch if isinstance(th, torch.Tensor) else ember).nn.functional.affine_grid(
                       th, size, align_corners=align))


def test_spatial_transformer_gradcheck_and_errors():
    F, TF = ember.nn.functional, torch.nn.functional
    theta = ember.tensor(R(1, 2, 3) * 0.5, requires_grad=True)
    x = ember.tensor(R(1, 2, 3, 4), requires_grad=True)
    assert ember.autograd.gradcheck(
        lambda x, th: F.grid_sample(x, F.affine_grid(th, [1, 2, 3, 3], align_corners=False), align_corners=False),
        (x, theta))
    with pytest.warns(UserWarning, match="align_corners=False since 1.3.0"):
        F.grid_sample(ember.zeros(1, 1, 2, 2), ember.zeros(1, 1, 1, 2))
    # ember names grid_sampler and both dtypes where torch says "expected scalar type Float but found Double"
    raises_like(lambda: F.grid_sample(ember.zeros(1, 1, 2, 2), ember.zeros(1, 1, 1, 2, dtype=ember.float64),
                                      align_corners=True),
                lambda: TF.grid_sample(torch.zeros(1, 1, 2, 2), torch.zeros(1, 1, 1, 2, dtype=torch.float64),
                                       align_corners=True))
    for bad in [lambda L: L.nn.functional.grid_sample(L.zeros(1, 1, 2, 2), L.zeros(1, 1, 1, 3), align_corners=True),
                lambda L: L.nn.functional.grid_sample(L.zeros(1, 1, 2, 2), L.zeros(2, 1, 1, 2), align_corners=True),
                lambda L: L.nn.functional.grid_sample(L.zeros(1, 1, 2, 2), L.zeros(1, 1, 1, 2), mode="cubic"),
                lambda L: L.nn.functional.grid_sample(L.zeros(1, 1, 2, 2, 2), L.zeros(1, 1, 1, 1, 3),
                                                      mode="bicubic", align_corners=True),
                lambda L: L.nn.functional.affine_grid(L.zeros(1, 2, 3), [1, 1, 2], align_corners=True),
                lambda L: L.nn.functional.affine_grid(L.zeros(1, 3, 3), [1, 1, 2, 2], align_corners=True),
                lambda L: L.nn.functional.affine_grid(L.zeros(1, 2, 3, dtype=L.int64), [1, 1, 2, 2])]:
        e = raises_like(lambda: bad(ember), lambda: bad(torch))
        try:
            bad(torch)
        except Exception as t:
            assert str(e) == str(t).replace("torch.", "ember."), (str(e), str(t))



def T_(*shape, seed=0):
    return ember.tensor(np.random.default_rng(seed).standard_normal(shape), requires_grad=True)


_LAB = ember.tensor([0, 2, 1])
F_ = ember.nn.functional
# float64 functional ops: numerical gradients, and double backward (the derivatives are ember ops)
GRADCHECK_CASES = {
    "conv2d": (lambda x, w: F_.conv2d(x, w, padding=1, stride=2), (T_(1, 2, 4, 4), T_(3, 2, 3, 3, seed=1))),
    "conv_transpose2d": (lambda x, w: F_.conv_transpose2d(x, w, stride=2), (T_(1, 2, 3, 3), T_(2, 3, 2, 2, seed=1))),
    "batch_norm_train": (lambda x, w, b: F_.batch_norm(x, None, None, w, b, training=True),
                (T_(4, 3), T_(3, seed=1), T_(3, seed=2))),
    "layer_norm": (lambda x, w: F_.layer_norm(x, (3,), w), (T_(2, 3), T_(3, seed=1))),
    "group_norm": (lambda x, w: F_.group_norm(x, 2, w), (T_(2, 4, 2), T_(4, seed=1))),
    "instance_norm": (lambda x: F_.instance_norm(x), (T_(2, 3, 4),)),
    "cross_entropy_ls": (lambda x: F_.cross_entropy(x, _LAB, label_smoothing=0.2), (T_(3, 4),)),
    "cross_entropy_prob": (lambda x, p: F_.cross_entropy(x, p.softmax(1)), (T_(3, 4), T_(3, 4, seed=1))),
    "nll_weight": (lambda x: F_.nll_loss(x, _LAB, weight=ember.tensor([1., 2., 3., 4.], dtype=ember.float64)),
                (T_(3, 4),)),
    "mse": (lambda x, y: F_.mse_loss(x, y), (T_(3, 4), T_(3, 4, seed=1))),
    "smooth_l1": (lambda x, y: F_.smooth_l1_loss(x, y, beta=0.5), (T_(3, 4), T_(3, 4, seed=1))),
    "huber": (lambda x, y: F_.huber_loss(x, y, delta=0.5), (T_(3, 4), T_(3, 4, seed=1))),
    "bce_logits": (lambda x, y: F_.binary_cross_entropy_with_logits(
        x, y.sigmoid(), pos_weight=ember.tensor([1., 2., 3., .5], dtype=ember.float64)),
                (T_(3, 4), T_(3, 4, seed=1))),
    "bce": (lambda x: F_.binary_cross_entropy(x.sigmoid(), ember.tensor(np.random.default_rng(5).random((3, 4)))),
                (T_(3, 4),)),
    "kl_div": (lambda x, y: F_.kl_div(x, y, reduction="batchmean", log_target=True), (T_(3, 4), T_(3, 4, seed=1))),
    "cosine_emb": (lambda a, b: F_.cosine_embedding_loss(a, b, ember.tensor([1., -1., 1.], dtype=ember.float64)),
                (T_(3, 4), T_(3, 4, seed=1))),
    "triplet": (lambda a, p, n: F_.triplet_margin_loss(a, p, n), (T_(3, 4), T_(3, 4, seed=1), T_(3, 4, seed=2))),
    "softplus": (lambda x: F_.softplus(x, beta=2), (T_(3, 4),)),
    "elu": (lambda x: F_.elu(x), (T_(3, 4),)),
    "selu": (lambda x: F_.selu(x), (T_(3, 4),)),
    "hardswish": (lambda x: F_.hardswish(x), (T_(3, 4),)),
    "prelu": (lambda x, w: F_.prelu(x, w), (T_(3, 4), T_(4, seed=1))),
    "gelu": (lambda x: F_.gelu(x), (T_(3, 4),)),
    "logsigmoid": (lambda x: F_.logsigmoid(x), (T_(3, 4),)),
    "softmin": (lambda x: F_.softmin(x, 1), (T_(3, 4),)),
    "embedding": (lambda w: F_.embedding(ember.tensor([1, 0, 1]), w), (T_(3, 2),)),
    "embedding_bag": (lambda w: F_.embedding_bag(ember.tensor([1, 0, 1, 2]), w, ember.tensor([0, 2]), mode="mean"),
                (T_(3, 2),)),
    "max_pool2d": (lambda x: F_.max_pool2d(x, 2), (T_(1, 1, 4, 4),)),
    "avg_pool2d": (lambda x: F_.avg_pool2d(x, 2, padding=1), (T_(1, 1, 4, 4),)),
    "adaptive_avg": (lambda x: F_.adaptive_avg_pool2d(x, (3, 2)), (T_(1, 1, 4, 5),)),
    "adaptive_max": (lambda x: F_.adaptive_max_pool2d(x, (3, 2)), (T_(1, 1, 4, 5),)),
    "interp_bilinear": (lambda x: F_.interpolate(x, scale_factor=2, mode="bilinear"), (T_(1, 1, 3, 3),)),
    "interp_bicubic": (lambda x: F_.interpolate(x, size=(4, 5), mode="bicubic"), (T_(1, 1, 3, 3),)),
    "pixel_shuffle": (lambda x: F_.pixel_shuffle(x, 2), (T_(1, 4, 2, 2),)),
    "pad_reflect": (lambda x: F_.pad(x, (1, 2), mode="reflect"), (T_(1, 2, 4),)),
    "normalize": (lambda x: F_.normalize(x, dim=1), (T_(3, 4),)),
    "cosine_sim": (lambda a, b: F_.cosine_similarity(a, b), (T_(3, 4), T_(3, 4, seed=1))),
    "pairwise": (lambda a, b: F_.pairwise_distance(a, b), (T_(3, 4), T_(3, 4, seed=1))),
    "bilinear": (lambda a, b, w: F_.bilinear(a, b, w), (T_(3, 2), T_(3, 3, seed=1), T_(2, 2, 3, seed=2))),
    "linear": (lambda x, w, b: F_.linear(x, w, b), (T_(3, 2), T_(4, 2, seed=1), T_(4, seed=2))),
    "mha": (lambda q, w: F_.multi_head_attention_forward(q, q, q, 4, 2, w, None, None, None, False, 0.0,
                                                         ember.eye(4, dtype=ember.float64), None,
                                                         need_weights=False)[0],
                (T_(2, 1, 4), T_(12, 4, seed=1))),
    "unfold": (lambda x: F_.unfold(x, 2), (T_(1, 2, 3, 3),)),
    "fold": (lambda x: F_.fold(x, (3, 3), 2), (T_(1, 8, 4),)),
    "local_response_norm": (lambda x: F_.local_response_norm(x, 2), (T_(1, 3, 2, 2),)),
    "glu": (lambda x: F_.glu(x), (T_(3, 4),)),
    "multi_margin": (lambda x: F_.multi_margin_loss(x, _LAB), (T_(3, 4),)),
    "poisson_nll": (lambda x, y: F_.poisson_nll_loss(x, y.abs()), (T_(3, 4), T_(3, 4, seed=1))),
    "gaussian_nll": (lambda x, y, v: F_.gaussian_nll_loss(x, y, v.abs() + 0.1),
                (T_(3, 4), T_(3, 4, seed=1), T_(3, 4, seed=2))),
    "grid_sample": (lambda x, g: F_.grid_sample(x, g.tanh(), align_corners=False),
                (T_(1, 1, 3, 3), T_(1, 2, 2, 2, seed=1))),
}


@pytest.mark.parametrize("name", list(GRADCHECK_CASES))
def test_gradcheck_and_gradgradcheck(name):
    fn, args = GRADCHECK_CASES[name]
    assert ember.autograd.gradcheck(fn, args)
    assert ember.autograd.gradgradcheck(fn, args)


def test_ctc_gradcheck_and_no_double_backward():
    lp = T_(4, 1, 3)
    fn = lambda lp: F_.ctc_loss(lp.log_softmax(2), ember.tensor([[1, 2]]), ember.tensor([4]), ember.tensor([2]))  # noqa
    assert ember.autograd.gradcheck(fn, (lp,))
    with pytest.raises(RuntimeError, match="not supported yet"):  # torch has no double backward for it either
        ember.autograd.gradgradcheck(fn, (lp,))



# Edge cases (empty, 0-d, extreme values, bad arguments): the same values, or the same exception and message
EDGE_CASES = [
    ("ce_empty", lambda L: L.nn.functional.cross_entropy(L.zeros(0, 3), L.zeros(0, dtype=L.int64))),
    ("ce_empty_sum", lambda L: L.nn.functional.cross_entropy(L.zeros(0, 3), L.zeros(0, dtype=L.int64),
                                                             reduction="sum")),
    ("nll_zero_w", lambda L: L.nn.functional.nll_loss(L.zeros(2, 3), L.tensor([0, 1]), weight=L.zeros(3))),
    ("bn_one", lambda L: L.nn.BatchNorm1d(3)(L.zeros(1, 3))),
    ("bn_one_eval", lambda L: L.nn.BatchNorm1d(3).eval()(L.ones(1, 3))),
    ("ln_empty", lambda L: L.nn.functional.layer_norm(L.zeros(0, 3), (3,))),
    ("emb_empty", lambda L: L.nn.functional.embedding(L.zeros(0, dtype=L.int64), L.ones(3, 2))),
    ("ctc_zero_target", lambda L: L.nn.functional.ctc_loss(L.full((5, 2, 4), -1.3862943611198906),
                                                           L.tensor([[1, 2], [0, 0]]), L.tensor([5, 5]),
                                                           L.tensor([2, 0]))),
    ("mse_empty", lambda L: L.nn.functional.mse_loss(L.zeros(0), L.zeros(0))),
    ("l1_0d", lambda L: L.nn.functional.l1_loss(L.tensor(1.0), L.tensor(3.0))),
    ("bce_0d", lambda L: L.nn.functional.binary_cross_entropy(L.tensor(0.3), L.tensor(1.0))),
    ("ce_ignore_all_sum", lambda L: L.nn.functional.cross_entropy(L.zeros(2, 3), L.tensor([-100, -100]),
                                                                  reduction="sum")),
    ("ce_prob_ls_K", lambda L: L.nn.functional.cross_entropy(L.ones(2, 3, 2), L.ones(2, 3, 2) / 3,
                                                             label_smoothing=0.3)),
    ("softmax_empty", lambda L: L.zeros(0, 3).softmax(0)),
    ("linear_0d_in", lambda L: L.nn.Linear(1, 2)(L.tensor(1.0))),
    ("flatten_0d", lambda L: L.nn.Flatten(0)(L.tensor(1.0))),
    ("dropout_0d", lambda L: L.nn.functional.dropout(L.tensor(1.0), 0.0)),
    ("gn_empty", lambda L: L.nn.GroupNorm(1, 2)(L.zeros(0, 2, 3))),
    ("maxpool_idx_neg", lambda L: L.nn.functional.max_pool1d(L.tensor([[[-1.0, -5.0, -2.0, float("nan")]]]), 2)),
    ("adaptive_avg_big", lambda L: L.nn.functional.adaptive_avg_pool1d(L.arange(3.0)[None, None], 5)),
    ("interp_nearest_down", lambda L: L.nn.functional.interpolate(L.arange(10.0)[None, None], size=3)),
    ("pad_neg", lambda L: L.nn.functional.pad(L.arange(6.0).view(1, 6), (-1, -2))),
    ("pad_circ", lambda L: L.nn.functional.pad(L.arange(6.0).view(1, 1, 6), (2, 3), mode="circular")),
    ("one_hot", lambda L: L.nn.functional.one_hot(L.tensor([0, 2, 1]))),
    ("one_hot_bad", lambda L: L.nn.functional.one_hot(L.tensor([0, 3]), 3)),
    ("normalize0", lambda L: L.nn.functional.normalize(L.zeros(2, 3))),
    ("cos_sim_zero", lambda L: L.nn.functional.cosine_similarity(L.zeros(2, 3), L.ones(2, 3))),
    ("pdist", lambda L: L.nn.functional.pdist(L.arange(6.0).view(3, 2))),
    ("pdist_p1", lambda L: L.nn.functional.pdist(L.tensor([[0.0, 1.0], [2.0, 5.0], [1.0, 1.0], [3.0, 0.0]]), 1)),
    ("pdist_one_row", lambda L: L.nn.functional.pdist(L.ones(1, 3))),
    ("gumbel", lambda L: L.nn.functional.gumbel_softmax(L.zeros(2, 3), hard=True).sum(1)),
    ("softmax_dtype", lambda L: L.nn.functional.softmax(L.ones(2, 3), 1, dtype=L.float64)),
    ("log_softmax_int", lambda L: L.nn.functional.log_softmax(L.ones(2, 3, dtype=L.int64), 1)),
    ("hardtanh_bad", lambda L: L.nn.Hardtanh(1.0, -1.0)),
    ("elu_neg_alpha", lambda L: L.nn.functional.elu(L.tensor([-1.0]), alpha=-1.0)),
    ("leaky_int", lambda L: L.nn.functional.relu(L.tensor([-1, 2]))),
    ("mish_big", lambda L: L.nn.functional.mish(L.tensor([-100.0, 100.0, 0.0]))),
    ("softplus_thr", lambda L: L.nn.functional.softplus(L.tensor([-30.0, 30.0]), beta=-1)),
    ("group_norm_1d", lambda L: L.nn.GroupNorm(1, 2)(L.ones(2))),
    ("glu_dim", lambda L: L.nn.functional.glu(L.ones(2, 4), dim=0)),
    ("smooth_l1_neg_beta", lambda L: L.nn.functional.smooth_l1_loss(L.ones(2), L.zeros(2), beta=-1.0)),
    ("huber_neg_delta", lambda L: L.nn.functional.huber_loss(L.ones(2), L.zeros(2), delta=-1.0)),
    ("kl_batchmean_0d", lambda L: L.nn.functional.kl_div(L.tensor(0.5), L.tensor(0.2), reduction="batchmean")),
    ("triplet_swap_1d", lambda L: L.nn.functional.triplet_margin_loss(L.ones(3), L.zeros(3), L.ones(3) * 2, swap=True)),
    ("margin_ranking_0d", lambda L: L.nn.functional.margin_ranking_loss(L.tensor(1.0), L.tensor(2.0), L.tensor(1.0))),
    ("cos_emb_bad_target", lambda L: L.nn.functional.cosine_embedding_loss(L.ones(2, 3), L.ones(2, 3), L.ones(2, 1))),
    ("ctc_bad_blank", lambda L: L.nn.functional.ctc_loss(L.zeros(5, 1, 4), L.tensor([[1, 2]]), L.tensor([5]),
                                                         L.tensor([2]), blank=4)),
]


def _run_edge(fn, lib):
    try:
        r = fn(lib)
    except Exception as e:
        return type(e).__name__, str(e).replace("torch.", "ember.")
    return "ok", [np.asarray(t.detach().numpy()) for t in (r if isinstance(r, tuple) else (r,))]


@pytest.mark.parametrize("name,fn", EDGE_CASES, ids=[c[0] for c in EDGE_CASES])
def test_functional_edge_cases_match_torch(name, fn):
    (tk, tr), (ek, er) = _run_edge(fn, torch), _run_edge(fn, ember)
    assert ek == tk, (er, tr)
    if tk == "ok":
        for a, b in zip(er, tr):
            assert a.shape == b.shape
            np.testing.assert_allclose(a, b, atol=1e-6, equal_nan=True)


@pytest.mark.parametrize("make,shape", [
    (lambda nn: nn.Dropout(0.3), (4, 5)), (lambda nn: nn.Dropout2d(0.3), (2, 4, 3, 3)),
    (lambda nn: nn.Dropout1d(0.3), (2, 4, 3)), (lambda nn: nn.Dropout3d(0.3), (2, 4, 2, 2, 2)),
    (lambda nn: nn.AlphaDropout(0.3), (4, 5)), (lambda nn: nn.FeatureAlphaDropout(0.3), (2, 4, 3, 3)),
    (lambda nn: nn.RReLU(0.1, 0.4), (4, 5))])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_random_layers_train_mode_same_draws(make, shape, dtype):
    """With the same seed, train-mode random layers give torch's exact outputs and gradients."""
    compare_module(make, [R(*shape).astype(dtype)], forward=seeded_forward, train=True, dtype=dtype,
                   rtol=1e-6 if dtype == "float64" else 1e-5, atol=1e-7 if dtype == "float64" else 1e-6)


AA_CASES = [dict(scale_factor=0.5, mode="bilinear"), dict(scale_factor=0.3, mode="bicubic"),
            dict(size=(3, 11), mode="bilinear"), dict(size=(4, 4), mode="bicubic", align_corners=True),
            dict(scale_factor=(0.6, 1.7), mode="bilinear"), dict(scale_factor=2.0, mode="bicubic"),
            dict(scale_factor=0.45, mode="bilinear", recompute_scale_factor=True), dict(size=(1, 1), mode="bilinear")]


@pytest.mark.parametrize("kw", AA_CASES)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_interpolate_antialias(kw, dtype):
    tol = dict(rtol=1e-6, atol=1e-8) if dtype == "float64" else dict(rtol=1e-4, atol=1e-5)
    compare_module(lambda nn: nn.Identity(), [R(2, 3, 9, 10).astype(dtype)], dtype=dtype, **tol,
                   forward=lambda m, x: (torch if isinstance(x, torch.Tensor) else ember).nn.functional.interpolate(
                       x, antialias=True, **kw))


def test_interpolate_antialias_bad_mode():
    e = raises_like(lambda: ember.nn.functional.interpolate(ember.zeros(1, 1, 4), scale_factor=0.5, mode="linear",
                                                            antialias=True),
                    lambda: torch.nn.functional.interpolate(torch.zeros(1, 1, 4), scale_factor=0.5, mode="linear",
                                                            antialias=True))
    assert "Anti-alias" in str(e)


FRACTIONAL = [
    (lambda nn: nn.FractionalMaxPool2d(3, output_size=(5, 4), return_indices=True), (2, 3, 11, 9)),
    (lambda nn: nn.FractionalMaxPool2d((2, 3), output_ratio=0.5), (2, 3, 10, 12)),
    (lambda nn: nn.FractionalMaxPool2d(2, output_size=3, return_indices=True), (3, 8, 7)),
    (lambda nn: nn.FractionalMaxPool3d(2, output_size=(3, 4, 2), return_indices=True), (2, 2, 7, 8, 5)),
    (lambda nn: nn.FractionalMaxPool3d((2, 2, 3), output_ratio=(0.5, 0.6, 0.4)), (1, 2, 8, 9, 10)),
]


@pytest.mark.parametrize("make,shape", FRACTIONAL)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_fractional_max_pool(make, shape, dtype):
    """Same seed, same random windows as torch: values, indices and gradients."""
    tol = dict(rtol=1e-6, atol=1e-8) if dtype == "float64" else dict(rtol=1e-5, atol=1e-6)
    compare_module(make, [R(*shape).astype(dtype)], forward=seeded_forward, dtype=dtype, **tol)


def test_fractional_max_pool_given_samples_and_errors():
    samples = np.random.default_rng(0).random((2, 3, 2))
    compare_module(lambda nn: nn.Identity(), [R(2, 3, 9, 9), samples], no_grad=(1,),
                   forward=lambda m, x, s: (torch if isinstance(x, torch.Tensor) else ember).nn.functional
                   .fractional_max_pool2d(x, 2, output_size=4, _random_samples=s))
    for bad in [lambda L: L.nn.FractionalMaxPool2d(2),
                lambda L: L.nn.FractionalMaxPool2d(2, output_size=2, output_ratio=0.5),
                lambda L: L.nn.FractionalMaxPool2d(2, output_ratio=1.5),
                lambda L: L.nn.functional.fractional_max_pool2d(L.ones(1, 1, 4, 4), 3, output_size=3)]:
        e = raises_like(lambda: bad(ember), lambda: bad(torch))
        try:
            bad(torch)
        except Exception as t:
            assert str(e) == str(t).replace("torch.", "ember."), (str(e), str(t))
    raises_like(lambda: ember.nn.functional.fractional_max_pool2d(ember.ones(4, 4), 2, output_size=2),
                lambda: torch.nn.functional.fractional_max_pool2d(torch.ones(4, 4), 2, output_size=2))



def _noncontiguous(kind):
    """Forward on views with the same values: reversed strides, steps, or a stride-0 broadcast."""
    def fwd(m, *xs):
        lib = torch if isinstance(xs[0], torch.Tensor) else ember
        out = []
        for x in xs:
            if not (isinstance(x, (torch.Tensor, ember.Tensor)) and x.is_floating_point()):
                out.append(x); continue
            nd = x.dim()
            if kind == "transposed":
                perm = list(range(nd))[::-1]
                y = x.permute(*perm).contiguous().permute(*perm)      # same values, reversed strides
            elif kind == "sliced":
                big = lib.zeros(*[s * 2 for s in x.shape], dtype=x.dtype)
                big[tuple(slice(None, None, 2) for _ in range(nd))] = x
                y = big[tuple(slice(None, None, 2) for _ in range(nd))]
            else:  # expanded: broadcast view along dim 0 of the first row, added to keep values
                y = x[:1].expand(*x.shape) + (x - x[:1])
            out.append(y)
        return m(*out)
    return fwd


LAYOUT_CASES = [
    ("linear", lambda nn: nn.Linear(5, 3), [R(4, 5)]),
    ("conv2d", lambda nn: nn.Conv2d(3, 4, 3, padding=1, stride=2), [R(2, 3, 7, 6)]),
    ("conv1d_groups", lambda nn: nn.Conv1d(4, 4, 3, groups=2), [R(2, 4, 9)]),
    ("convT2d", lambda nn: nn.ConvTranspose2d(3, 2, 3, stride=2), [R(2, 3, 4, 5)]),
    ("bn2d_train", lambda nn: nn.BatchNorm2d(3).train(), [R(2, 3, 4, 5)]),
    ("ln", lambda nn: nn.LayerNorm(5), [R(3, 4, 5)]),
    ("gn", lambda nn: nn.GroupNorm(2, 4), [R(2, 4, 3, 3)]),
    ("maxpool", lambda nn: nn.MaxPool2d(2), [R(2, 3, 6, 6)]),
    ("avgpool", lambda nn: nn.AvgPool2d(3, 2, 1), [R(2, 3, 6, 6)]),
    ("adaptive", lambda nn: nn.AdaptiveAvgPool2d((2, 3)), [R(2, 3, 7, 5)]),
    ("lstm", lambda nn: nn.LSTM(4, 5, batch_first=True), [R(3, 6, 4)]),
    ("gru_bi", lambda nn: nn.GRU(4, 5, bidirectional=True), [R(6, 3, 4)]),
    ("mha", lambda nn: nn.MultiheadAttention(8, 2), [R(4, 2, 8), R(5, 2, 8, seed=1), R(5, 2, 8, seed=2)]),
    ("tel", lambda nn: nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0), [R(5, 2, 8)]),
    ("ce", lambda nn: nn.CrossEntropyLoss(label_smoothing=0.1), [R(6, 5), np.array([0, 1, 2, 3, 4, 0])]),
    ("bcel", lambda nn: nn.BCEWithLogitsLoss(), [R(4, 5), np.random.default_rng(0).random((4, 5))]),
    ("upsample", lambda nn: nn.Upsample(scale_factor=2, mode="bilinear"), [R(2, 3, 4, 5)]),
    ("pixelshuffle", lambda nn: nn.PixelShuffle(2), [R(2, 8, 3, 3)]),
    ("softmax", lambda nn: nn.Softmax(dim=1), [R(3, 4, 5)]),
    ("gelu", lambda nn: nn.GELU(), [R(3, 4, 5)]),
    ("instnorm", lambda nn: nn.InstanceNorm2d(3, affine=True), [R(2, 3, 4, 5)]),
    ("bilinear", lambda nn: nn.Bilinear(3, 4, 2), [R(5, 3), R(5, 4, seed=1)]),
    ("ctc", lambda nn: nn.CTCLoss(), [np.log(np.random.default_rng(1).dirichlet(np.ones(5), (8, 3))),
                                      np.array([[1, 2], [3, 4], [1, 1]]), np.array([8, 7, 6]), np.array([2, 2, 2])]),
]


@pytest.mark.parametrize("kind", ["transposed", "sliced", "expanded"])
@pytest.mark.parametrize("name,make,inputs", LAYOUT_CASES, ids=[c[0] for c in LAYOUT_CASES])
def test_layers_on_noncontiguous_inputs(kind, name, make, inputs):
    compare_module(make, inputs, forward=_noncontiguous(kind), train=name.endswith("train"))


@pytest.mark.parametrize("size", [2, 3, 4, 5, 7])
@pytest.mark.parametrize("channels", [1, 3, 6])
def test_cross_map_lrn2d(size, channels):
    """The legacy layer with torch's window quirk and hand-written gradient."""
    em, tm, _, _ = compare_module(lambda nn: nn.CrossMapLRN2d(size, alpha=0.5, beta=0.7, k=1.5),
                                  [R(2, channels, 3, 2)])
    assert repr(em) == repr(tm)


@pytest.mark.parametrize("n,in_shape,w_shape,kw", [
    (1, (2, 4, 9), (6, 2, 3), dict(stride=2, padding=1, groups=2)),
    (2, (2, 3, 7, 6), (4, 3, 3, 2), dict(stride=(2, 1), padding=(1, 0), dilation=(1, 2))),
    (3, (1, 2, 4, 5, 4), (3, 2, 2, 2, 2), dict(padding=1)),
])
def test_nn_grad_conv_input_and_weight(n, in_shape, w_shape, kw):
    x, w = R(*in_shape), R(*w_shape, seed=1)
    tout = getattr(torch.nn.functional, f"conv{n}d")(torch.tensor(x), torch.tensor(w), **kw)
    g = R(*tout.shape, seed=2)
    for name, args_t, args_e in [
            (f"conv{n}d_input", (list(in_shape), torch.tensor(w), torch.tensor(g)),
             (list(in_shape), ember.tensor(w), ember.tensor(g))),
            (f"conv{n}d_weight", (torch.tensor(x), list(w_shape), torch.tensor(g)),
             (ember.tensor(x), list(w_shape), ember.tensor(g)))]:
        check(getattr(ember.nn.grad, name)(*args_e, **kw), getattr(torch.nn.grad, name)(*args_t, **kw), msg=name)


def test_conv_tbc():
    compare_module(lambda nn: nn.Identity(), [R(7, 2, 3), R(3, 3, 4, seed=1), R(4, seed=2)],
                   forward=lambda m, x, w, b: (torch if isinstance(x, torch.Tensor) else ember).nn.functional.conv_tbc(
                       x, w, b, 1))


def test_functional_fixes_against_torch():
    import warnings
    import torch
    import torch.nn.functional as TF
    import ember.nn.functional as EF
    x = np.random.default_rng(3).standard_normal((2, 3)).astype("float32")
    for lib, F_ in ((torch, TF), (ember, EF)):
        o = lib.empty(2, 3)
        r = F_.normalize(lib.tensor(x), dim=1, out=o)
        assert r is o
        np.testing.assert_allclose(o.numpy(), x / np.linalg.norm(x, axis=1, keepdims=True), rtol=1e-6)
    for name in ("upsample", "upsample_nearest", "upsample_bilinear"):
        got = []
        for F_, lib in ((TF, torch), (EF, ember)):
            with warnings.catch_warnings(record=True) as w:
                warnings.simplefilter("always")
                y = getattr(F_, name)(lib.ones(1, 1, 2, 2), scale_factor=2)
            got.append(([str(m.message) for m in w], tuple(y.shape)))
        assert got[0] == got[1], name
    for shape in ((2, 3, 4), (3, 2, 2, 2), (2, 3, 2, 2, 2)):
        msgs = []
        for F_, lib in ((TF, torch), (EF, ember)):
            with warnings.catch_warnings(record=True) as w:
                warnings.simplefilter("always")
                y = F_.dropout3d(lib.ones(*shape), 0.5, training=True)
            assert tuple(y.shape) == shape
            msgs.append([str(m.message) for m in w])
        assert msgs[0] == msgs[1], shape
    with pytest.raises(RuntimeError, match="Linear: ember was built without CUDA"):
        ember.nn.Linear(2, 2, device="cuda")
    assert ember.nn.Conv2d(1, 2, 3, device="cpu").weight.shape == (2, 1, 3, 3)
