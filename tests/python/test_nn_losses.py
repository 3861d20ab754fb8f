"""Loss modules against torch: values and gradients (input and, where torch has one, target)."""
import numpy as np
import pytest
import torch

import ember
from nn_helpers import compare_module, randn as R
from oracle import check, raises_like

REDUCTIONS = ["mean", "sum", "none"]


def lib_of(nn):
    return torch if nn is torch.nn else ember


def T(a):
    """A constructor argument as a tensor of the library whose nn namespace is given."""
    return lambda nn: lib_of(nn).tensor(np.asarray(a))


def labels(shape, n, seed=0):
    return np.random.default_rng(seed).integers(0, n, size=shape)


W5 = np.array([0.5, 1.0, 2.0, 0.3, 1.5])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("opts", [
    {},
    {"weight": W5},
    {"ignore_index": 2},
    {"weight": W5, "ignore_index": 1},
    {"label_smoothing": 0.2},
    {"label_smoothing": 0.1, "weight": W5, "ignore_index": 3},
])
def test_cross_entropy_class_indices(reduction, opts):
    def make(nn):
        kw = dict(opts)
        if "weight" in kw:
            kw["weight"] = T(kw["weight"])(nn)
        return nn.CrossEntropyLoss(reduction=reduction, **kw)
    compare_module(make, [R(6, 5), labels(6, 5)])
    compare_module(make, [R(2, 5, 3, 2), labels((2, 3, 2), 5)])  # K-dim input


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("smoothing", [0.0, 0.25])
def test_cross_entropy_probabilities(reduction, smoothing):
    p = np.random.default_rng(0).random((4, 5))
    p /= p.sum(1, keepdims=True)
    compare_module(lambda nn: nn.CrossEntropyLoss(weight=T(W5)(nn), reduction=reduction, label_smoothing=smoothing),
                   [R(4, 5), p])
    p3 = np.random.default_rng(1).random((2, 5, 3))
    compare_module(lambda nn: nn.CrossEntropyLoss(reduction=reduction), [R(2, 5, 3), p3 / p3.sum(1, keepdims=True)])


def test_cross_entropy_unbatched_and_float32():
    compare_module(lambda nn: nn.CrossEntropyLoss(), [R(5), np.array(3)])
    compare_module(lambda nn: nn.CrossEntropyLoss(), [R(8, 10).astype("float32"), labels(8, 10)], dtype="float32",
                   rtol=1e-5, atol=1e-6)


def test_cross_entropy_all_ignored_is_nan():
    compare_module(lambda nn: nn.CrossEntropyLoss(ignore_index=1), [R(3, 4), np.array([1, 1, 1])], backward=False)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_nll_loss(reduction):
    compare_module(lambda nn: nn.NLLLoss(weight=T(W5)(nn), reduction=reduction, ignore_index=0),
                   [R(6, 5), labels(6, 5)])
    compare_module(lambda nn: nn.NLLLoss(reduction=reduction), [R(2, 5, 3), labels((2, 3), 5)])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("make", [
    lambda nn, r: nn.MSELoss(reduction=r),
    lambda nn, r: nn.L1Loss(reduction=r),
    lambda nn, r: nn.SmoothL1Loss(reduction=r),
    lambda nn, r: nn.SmoothL1Loss(reduction=r, beta=0.5),
    lambda nn, r: nn.SmoothL1Loss(reduction=r, beta=0.0),
    lambda nn, r: nn.HuberLoss(reduction=r),
    lambda nn, r: nn.HuberLoss(reduction=r, delta=0.4),
    lambda nn, r: nn.SoftMarginLoss(reduction=r),
    lambda nn, r: nn.KLDivLoss(reduction=r),
], ids=["mse", "l1", "smoothl1", "smoothl1_beta", "smoothl1_beta0", "huber", "huber_delta", "softmargin", "kldiv"])
def test_regression_losses(make, reduction):
    x, y = R(4, 3), R(4, 3, seed=1)
    y[0, 0] = x[0, 0]  # the kink of |x - y|
    no_grad = (1,) if "SoftMargin" in repr(make(torch.nn, reduction)) else ()  # torch has no target grad there
    if getattr(make(torch.nn, reduction), "beta", None) == 0.0:
        no_grad = (1,)  # at input == target torch gives -1 for both input and target grad: not reproduced
    compare_module(lambda nn: make(nn, reduction), [x, y], no_grad=no_grad)
    compare_module(lambda nn: make(nn, reduction), [R(4, 3), R(3, seed=2)], no_grad=no_grad)  # broadcast target


@pytest.mark.parametrize("reduction", REDUCTIONS + ["batchmean"])
def test_kldiv_log_target(reduction):
    compare_module(lambda nn: nn.KLDivLoss(reduction=reduction, log_target=True), [R(4, 3), R(4, 3, seed=1)])
    p = np.random.default_rng(0).random((4, 3))
    compare_module(lambda nn: nn.KLDivLoss(reduction=reduction), [R(4, 3), p])


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_loss(reduction):
    rng = np.random.default_rng(0)
    p, y = rng.uniform(0.05, 0.95, (4, 3)), (rng.random((4, 3)) > 0.5).astype("float64")
    compare_module(lambda nn: nn.BCELoss(reduction=reduction), [p, y], no_grad=(1,))
    compare_module(lambda nn: nn.BCELoss(weight=T(R(3, seed=4) ** 2)(nn), reduction=reduction), [p, y], no_grad=(1,))
    # log is clamped at -100: p = 0 and 1 stay finite
    compare_module(lambda nn: nn.BCELoss(reduction=reduction), [np.array([0.0, 1.0, 0.5]), np.array([1.0, 0.0, 1.0])],
                   no_grad=(1,), backward=False)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_with_logits(reduction):
    rng = np.random.default_rng(0)
    y = rng.random((4, 3))
    x = R(4, 3) * 5
    compare_module(lambda nn: nn.BCEWithLogitsLoss(reduction=reduction), [x, y])
    compare_module(lambda nn: nn.BCEWithLogitsLoss(pos_weight=T(np.array([1.0, 2.0, 0.5]))(nn),
                                                   weight=T(R(3, seed=3) ** 2)(nn), reduction=reduction), [x, y])
    compare_module(lambda nn: nn.BCEWithLogitsLoss(), [np.array([-200.0, 200.0]), np.array([1.0, 0.0])])


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_pair_losses(reduction):
    sign = np.array([1.0, -1.0, 1.0, -1.0])
    compare_module(lambda nn: nn.CosineEmbeddingLoss(margin=0.2, reduction=reduction),
                   [R(4, 5), R(4, 5, seed=1), sign])
    compare_module(lambda nn: nn.CosineEmbeddingLoss(reduction=reduction), [R(5), R(5, seed=1), np.array(-1.0)])
    compare_module(lambda nn: nn.MarginRankingLoss(margin=0.3, reduction=reduction), [R(4), R(4, seed=1), sign])
    compare_module(lambda nn: nn.HingeEmbeddingLoss(margin=0.5, reduction=reduction),
                   [R(4, 2), np.outer(sign, [1, -1])])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("opts", [{}, {"margin": 0.5, "p": 1.0}, {"swap": True}, {"p": 3.0, "eps": 1e-3}])
def test_triplet_margin_loss(reduction, opts):
    compare_module(lambda nn: nn.TripletMarginLoss(reduction=reduction, **opts),
                   [R(4, 6), R(4, 6, seed=1), R(4, 6, seed=2)])


def test_other_losses():
    compare_module(lambda nn: nn.MultiLabelSoftMarginLoss(), [R(3, 4), (R(3, 4, seed=1) > 0).astype("float64")])
    compare_module(lambda nn: nn.MultiMarginLoss(p=2, margin=0.7), [R(3, 4), labels(3, 4)])
    compare_module(lambda nn: nn.PoissonNLLLoss(), [R(3, 4), np.abs(R(3, 4, seed=1))])
    compare_module(lambda nn: nn.GaussianNLLLoss(), [R(3, 4), R(3, 4, seed=1), np.abs(R(3, 4, seed=2)) + 0.1])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("zero_infinity", [False, True])
def test_ctc_loss(reduction, zero_infinity):
    Tn, N, C = 8, 3, 5
    logits = R(Tn, N, C)
    log_probs = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    targets = np.array([[1, 2, 2, 0], [3, 1, 4, 4], [2, 0, 0, 0]])[:, :4] % (C - 1) + 1
    input_lengths = np.array([8, 7, 2])
    target_lengths = np.array([3, 4, 3])  # the last is infeasible in 2 steps: inf loss
    make = lambda nn: nn.CTCLoss(blank=0, reduction=reduction, zero_infinity=zero_infinity)  # noqa: E731
    if zero_infinity:
        compare_module(make, [log_probs, targets, input_lengths, target_lengths])
    else:
        compare_module(make, [log_probs, targets, input_lengths[:2], target_lengths[:2]],
                       forward=lambda m, lp, t, il, tl: m(lp[:, :2], t[:2], il, tl))
        compare_module(make, [log_probs, targets, input_lengths, target_lengths], backward=False)
    # concatenated 1-D targets, blank other than 0
    flat = np.array([1, 2, 2, 3, 1, 4, 0, 1])
    compare_module(lambda nn: nn.CTCLoss(blank=4, reduction=reduction),
                   [log_probs, flat % 4, np.array([8, 8, 6]), np.array([3, 3, 2])])


# ---------------------------------------------------------------- bad input
def test_cross_entropy_target_out_of_range():
    for fn in ("cross_entropy", "nll_loss"):
        e = raises_like(lambda: getattr(ember.nn.functional, fn)(ember.zeros(2, 3), ember.tensor([0, 3])),
                        lambda: getattr(torch.nn.functional, fn)(torch.zeros(2, 3), torch.tensor([0, 3])))
        assert "Target 3 is out of bounds" in str(e) and "[2, 3]" in str(e) and "[2]" in str(e), str(e)
        raises_like(lambda: getattr(ember.nn.functional, fn)(ember.zeros(2, 3), ember.tensor([0, -2])),
                    lambda: getattr(torch.nn.functional, fn)(torch.zeros(2, 3), torch.tensor([0, -2])))


def test_loss_shape_mismatch():
    e = raises_like(lambda: ember.nn.CrossEntropyLoss()(ember.zeros(2, 3), ember.tensor([0, 1, 2])),
                    lambda: torch.nn.CrossEntropyLoss()(torch.zeros(2, 3), torch.tensor([0, 1, 2])))
    assert "2" in str(e) and "3" in str(e)
    raises_like(lambda: ember.nn.NLLLoss()(ember.zeros(2, 3, 4), ember.zeros(2, 5, dtype=ember.int64)),
                lambda: torch.nn.NLLLoss()(torch.zeros(2, 3, 4), torch.zeros(2, 5, dtype=torch.int64)))
    raises_like(lambda: ember.nn.BCELoss()(ember.zeros(2, 3), ember.zeros(3, 2)),
                lambda: torch.nn.BCELoss()(torch.zeros(2, 3), torch.zeros(3, 2)))
    raises_like(lambda: ember.nn.BCEWithLogitsLoss()(ember.zeros(2, 3), ember.zeros(3, 2)),
                lambda: torch.nn.BCEWithLogitsLoss()(torch.zeros(2, 3), torch.zeros(3, 2)))
    raises_like(lambda: ember.nn.MSELoss()(ember.zeros(2, 3), ember.zeros(4, 3)),
                lambda: torch.nn.MSELoss()(torch.zeros(2, 3), torch.zeros(4, 3)))
    raises_like(lambda: ember.nn.CrossEntropyLoss()(ember.zeros(2, 3), ember.zeros(2, 3, dtype=ember.int32)),
                lambda: torch.nn.CrossEntropyLoss()(torch.zeros(2, 3), torch.zeros(2, 3, dtype=torch.int32)))


def test_bad_reduction():
    raises_like(lambda: ember.nn.MSELoss(reduction="avg")(ember.zeros(2), ember.zeros(2)),
                lambda: torch.nn.MSELoss(reduction="avg")(torch.zeros(2), torch.zeros(2)))


def test_loss_repr_and_buffers():
    for make in [lambda nn: nn.CrossEntropyLoss(weight=T(W5)(nn)), lambda nn: nn.BCEWithLogitsLoss(
            pos_weight=T(np.ones(3))(nn)), lambda nn: nn.MSELoss(), lambda nn: nn.CTCLoss()]:
        em, tm = make(ember.nn), make(torch.nn)
        assert repr(em) == repr(tm)
        assert list(em.state_dict()) == list(tm.state_dict())


def test_functional_losses_direct():
    F, TF = ember.nn.functional, torch.nn.functional
    x, y = R(4, 5), labels(4, 5)
    check(F.cross_entropy(ember.tensor(x), ember.tensor(y), reduction="sum", label_smoothing=0.1),
          TF.cross_entropy(torch.tensor(x), torch.tensor(y), reduction="sum", label_smoothing=0.1))
    check(F.smooth_l1_loss(ember.tensor(x), ember.tensor(x * 0.5), beta=2.0),
          TF.smooth_l1_loss(torch.tensor(x), torch.tensor(x * 0.5), beta=2.0))
    check(F.kl_div(ember.tensor(x), ember.tensor(np.abs(x)), reduction="batchmean"),
          TF.kl_div(torch.tensor(x), torch.tensor(np.abs(x)), reduction="batchmean"))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_multilabel_margin_loss(reduction):
    target = np.array([[3, 0, -1, 1], [1, 2, 3, -1], [-1, 1, 2, 0], [0, 1, 2, 3]])
    compare_module(lambda nn: nn.MultiLabelMarginLoss(reduction=reduction), [R(4, 4), target])
    compare_module(lambda nn: nn.MultiLabelMarginLoss(reduction=reduction), [R(4), np.array([2, 1, -1, 3])])
    raises_like(lambda: ember.nn.MultiLabelMarginLoss()(ember.zeros(2, 3), ember.zeros(2, 4, dtype=ember.int64)),
                lambda: torch.nn.MultiLabelMarginLoss()(torch.zeros(2, 3), torch.zeros(2, 4, dtype=torch.int64)))


def test_nllloss2d_alias():
    with pytest.warns(UserWarning):
        m = ember.nn.NLLLoss2d()
    x, y = R(2, 3, 4, 4), labels((2, 4, 4), 3)
    check(m(ember.tensor(x), ember.tensor(y)), torch.nn.NLLLoss()(torch.tensor(x), torch.tensor(y)))


_POS = np.abs(R(3, 1, 1)) + 0.5
_DIRICHLET = np.random.default_rng(0).dirichlet([1, 1, 1], (2, 4)).transpose(0, 2, 1)
_CTC_LOGP = np.log(np.random.default_rng(1).dirichlet(np.ones(5), (12, 3)))
MORE_LOSSES = [
    ("bce_logits_pos_weight_kdim", lambda nn: nn.BCEWithLogitsLoss(pos_weight=T(_POS)(nn)),
     [R(2, 3, 2, 2), np.random.default_rng(0).random((2, 3, 2, 2))], {}),
    ("poisson_full", lambda nn: nn.PoissonNLLLoss(log_input=False, full=True),
     [np.abs(R(3, 4)) + 0.1, np.abs(R(3, 4, seed=1)) * 3], {}),
    ("poisson_full_log_sum", lambda nn: nn.PoissonNLLLoss(full=True, reduction="sum"),
     [R(3, 4), np.abs(R(3, 4, seed=1)) * 3], {}),
    ("gaussian_full", lambda nn: nn.GaussianNLLLoss(full=True, eps=1e-3),
     [R(3, 4), R(3, 4, seed=1), np.abs(R(3, 1, seed=2))], {}),
    ("gaussian_var_1d", lambda nn: nn.GaussianNLLLoss(reduction="none"),
     [R(3, 4), R(3, 4, seed=1), np.abs(R(3, seed=2))], {}),
    ("triplet_distance_fn", lambda nn: nn.TripletMarginWithDistanceLoss(
        distance_function=lambda a, b: (a - b).abs().sum(-1), margin=0.5, swap=True),
     [R(3, 4), R(3, 4, seed=1), R(3, 4, seed=2)], {}),
    ("triplet_distance_default", lambda nn: nn.TripletMarginWithDistanceLoss(),
     [R(3, 4), R(3, 4, seed=1), R(3, 4, seed=2)], {}),
    ("multimargin_weight", lambda nn: nn.MultiMarginLoss(p=1, margin=0.5, weight=T([1., 2., 0.5, 3.])(nn)),
     [R(3, 4), np.array([0, 3, 1])], {}),
    ("multimargin_1d", lambda nn: nn.MultiMarginLoss(), [R(4), np.array(2)], {}),
    ("hinge_sum", lambda nn: nn.HingeEmbeddingLoss(margin=2.0, reduction="sum"), [R(3, 4), np.sign(R(3, 4, seed=1))],
     {"no_grad": (1,)}),
    ("softmargin_sum", lambda nn: nn.SoftMarginLoss(reduction="sum"), [R(3, 4), np.sign(R(3, 4, seed=1))],
     {"no_grad": (1,)}),
    ("multilabel_soft_weight", lambda nn: nn.MultiLabelSoftMarginLoss(weight=T([1., 2., 0.5, 3.])(nn)),
     [R(3, 4), (R(3, 4, seed=1) > 0).astype(float)], {}),
    ("kl_zero_target", lambda nn: nn.KLDivLoss(reduction="sum"), [R(3, 4), np.zeros((3, 4))], {}),
    ("nll_kdim_weight_ignore", lambda nn: nn.NLLLoss(weight=T([1., 2., 0.5])(nn), ignore_index=1),
     [R(2, 3, 4, 2), labels((2, 4, 2), 3)], {}),
    ("ce_kdim_probabilities_weight", lambda nn: nn.CrossEntropyLoss(weight=T([1., 2., 0.5])(nn), label_smoothing=0.1,
                                                                   reduction="sum"), [R(2, 3, 4), _DIRICHLET], {}),
    ("ctc_mean_longer", lambda nn: nn.CTCLoss(zero_infinity=True),
     [_CTC_LOGP, np.random.default_rng(2).integers(1, 5, (3, 6)), np.array([12, 10, 7]), np.array([6, 3, 4])], {}),
]


@pytest.mark.parametrize("name,make,inputs,opts", MORE_LOSSES, ids=[c[0] for c in MORE_LOSSES])
def test_more_losses(name, make, inputs, opts):
    compare_module(make, inputs, **opts)


@pytest.mark.parametrize("head_bias", [False, True])
def test_adaptive_log_softmax_with_loss(head_bias):
    make = lambda nn: nn.AdaptiveLogSoftmaxWithLoss(16, 20, [4, 10, 15], div_value=2.0, head_bias=head_bias)  # noqa
    target = np.array([0, 3, 5, 12, 19, 15, 9, 1])
    em, tm, _, _ = compare_module(make, [R(8, 16), target])
    x = R(8, 16, seed=3)
    check(em.log_prob(ember.tensor(x)), tm.log_prob(torch.tensor(x)).detach())
    check(em.predict(ember.tensor(x)), tm.predict(torch.tensor(x)))
    compare_module(make, [R(16), np.array(12)])  # unbatched
    assert repr(em) == repr(tm)
    raises_like(lambda: em(ember.tensor(x), ember.tensor([20] * 8)),
                lambda: tm(torch.tensor(x), torch.tensor([20] * 8)))
    raises_like(lambda: ember.nn.AdaptiveLogSoftmaxWithLoss(4, 10, [5, 3]),
                lambda: torch.nn.AdaptiveLogSoftmaxWithLoss(4, 10, [5, 3]))


def test_ctc_blank_inside_target_like_torch():
    """torch documents blank targets as invalid but computes them (blank is then an ordinary symbol that
    may be skipped to); ember gives the same loss. Gradients match while the last label is not blank
    (there torch's gradient overwrites instead of adding one term; ember keeps the exact gradient)."""
    lp = np.log(np.random.default_rng(1).dirichlet(np.ones(4), (6, 2)))
    compare_module(lambda nn: nn.CTCLoss(), [lp, np.array([[0, 2, 1], [1, 0, 3]]), np.array([6, 5]), np.array([3, 3])])
    compare_module(lambda nn: nn.CTCLoss(), [lp, np.array([[0, 2, 0], [1, 0, 0]]), np.array([6, 5]), np.array([3, 2])],
                   backward=False)
    # out-of-range labels: torch reads outside log_probs (garbage loss); ember refuses them
    with pytest.raises(IndexError, match="target label 4 is out of range for 4 classes"):
        ember.nn.functional.ctc_loss(ember.zeros(5, 1, 4), ember.tensor([[1, 4]]), [5], [2])
