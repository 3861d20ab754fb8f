"""Pooling (max, avg, adaptive, max_unpool, lp) and resampling (interpolate,
pixel_shuffle) against real PyTorch: values, indices, dtypes, gradients, numeric
first and second derivatives in float64, and torch's exception types."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

import ember
from conv_helpers import both, compare_fn, egrad, numeric_check, rand
from oracle import check, raises_like

RNG = np.random.default_rng(0)


def distinct(shape, dtype="float64"):
    """Values without ties, so max pooling has one answer (and finite differences stay on one side)."""
    n = int(np.prod(shape))
    return (RNG.permutation(n).astype(dtype) / n - 0.5).reshape(shape)


# ---------------------------------------------------------------- max pooling
MAX_CASES = [
    # nd, input shape, kernel, stride, padding, dilation, ceil_mode
    (2, (2, 3, 6, 6), 2, None, 0, 1, False),
    (2, (1, 2, 7, 5), (3, 2), (2, 1), (1, 1), 1, True),
    (2, (2, 2, 7, 7), 3, 2, 1, 2, False),
    (2, (2, 2, 8, 8), 3, 3, 1, 1, True),
    (2, (3, 5, 5), 2, 1, 0, 1, False),          # unbatched
    (1, (2, 3, 10), 3, 2, 1, 2, True),
    (1, (3, 9), 2, None, 1, 1, False),          # unbatched
    (3, (1, 2, 5, 4, 5), 2, (1, 2, 2), (1, 0, 1), 1, True),
    # full 2x2 / 3x3 windows run a fixed-size loop; the clipped ones at the edges do not
    (2, (2, 3, 9, 8), 3, 2, 1, 1, False),
    (2, (1, 2, 7, 9), 2, 2, 1, 1, True),
    (2, (2, 2, 6, 7), 2, 1, 0, 1, False),
    (2, (1, 1, 8, 10), 3, (1, 2), 1, 1, True),
    (2, (2, 2, 6, 37), 2, 2, 1, 1, True),           # 2x2 stride 2, 8 windows at a time, then the rest
    (2, (1, 3, 4, 40), 2, None, 0, 1, False),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", MAX_CASES)
def test_max_pool_matches_torch(case, dtype):
    nd, shape, k, s, p, d, ceil = case
    fe, ft = getattr(ember, f"max_pool{nd}d"), getattr(F, f"max_pool{nd}d")
    x = distinct(shape, dtype)
    compare_fn(lambda a: fe(a, k, s, p, d, ceil), lambda a: ft(a, k, s, p, d, ceil), [x], dtype, msg=str(case))
    xe, xt = both(x, dtype, requires_grad=False)
    ve, ie = fe(xe, k, s, p, d, ceil, return_indices=True)
    vt, it = ft(xt, k, s, p, d, ceil, return_indices=True)
    check(ve, vt)
    check(ie, it)


def test_max_pool_nan_and_ties():
    x = np.array([[[1.0, np.nan, 3.0, 3.0], [2.0, 2.0, np.nan, 0.0]]])
    for a in (x, -np.abs(x)):
        xe, xt = both(a, requires_grad=False)
        for k, s in [(2, 2), (3, 1), (4, 1)]:
            ve, ie = ember.max_pool1d(xe, k, s, return_indices=True)
            vt, it = F.max_pool1d(xt, k, s, return_indices=True)
            check(ve, vt)
            check(ie, it)
        for out in (1, 2, 3):
            check(ember.adaptive_max_pool1d(xe, out, return_indices=True),
                  F.adaptive_max_pool1d(xt, out, return_indices=True))


@pytest.mark.parametrize("k,s,p", [(2, 2, 0), (2, 1, 1), (3, 1, 1), (3, 2, 0)])
def test_max_pool2d_nan_ties_and_infinities(k, s, p):
    # NaN wins (the last one when several), ties keep the first, -inf windows give -inf
    x = RNG.choice([0.0, 1.0, np.nan, -np.inf, np.inf, -2.0], size=(2, 3, 7, 41), p=[.3, .3, .1, .1, .1, .1])
    x[1, 2] = -np.inf
    for dtype in ("float64", "float32"):  # float32 2x2 stride 2 runs 8 windows at a time
        xe, xt = both(x.astype(dtype), dtype, requires_grad=False)
        ve, ie = ember.max_pool2d(xe, k, s, p, return_indices=True)
        vt, it = F.max_pool2d(xt, k, s, p, return_indices=True)
        check(ve, vt)
        check(ie, it)


def test_max_pool_bfloat16_and_dtype_errors():
    x = distinct((1, 2, 4, 4), "float32")
    compare_fn(lambda a: ember.max_pool2d(a, 2), lambda a: F.max_pool2d(a, 2), [x], "bfloat16", grads=False)
    xi = np.ones((1, 2, 4, 4), "int64")
    raises_like(lambda: ember.max_pool2d(ember.tensor(xi), 2), lambda: F.max_pool2d(torch.tensor(xi), 2))
    raises_like(lambda: ember.max_pool2d(ember.tensor(x).half(), 2), lambda: F.max_pool2d(torch.tensor(x).half(), 2))


# ---------------------------------------------------------------- average pooling
AVG_CASES = [
    # nd, shape, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override
    (2, (2, 3, 6, 6), 2, None, 0, False, True, None),
    (2, (1, 2, 7, 5), (3, 2), (2, 1), (1, 1), True, True, None),
    (2, (1, 2, 7, 5), (3, 2), (2, 1), (1, 1), True, False, None),
    (2, (2, 2, 7, 7), 3, 2, 1, False, False, 5),
    (2, (3, 5, 5), 3, 2, 1, True, True, None),   # unbatched
    (1, (2, 3, 10), 3, 2, 1, True, False, None),
    (1, (3, 9), 4, 3, 2, False, True, None),
    (3, (1, 2, 5, 4, 5), 2, (1, 2, 2), (1, 0, 1), True, False, None),
    (3, (1, 2, 4, 4, 4), 3, 2, 1, False, True, 7),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", AVG_CASES)
def test_avg_pool_matches_torch(case, dtype):
    nd, shape, k, s, p, ceil, cip, div = case
    fe, ft = getattr(ember, f"avg_pool{nd}d"), getattr(F, f"avg_pool{nd}d")
    extra = () if nd == 1 else (div,)
    x = rand(RNG, shape, dtype)
    compare_fn(lambda a: fe(a, k, s, p, ceil, cip, *extra), lambda a: ft(a, k, s, p, ceil, cip, *extra), [x], dtype,
               msg=str(case))


def test_avg_pool_integers():
    x = RNG.integers(-20, 20, size=(1, 2, 5, 5)).astype("int64")
    check(ember.avg_pool2d(ember.tensor(x), 2, 2, 1), F.avg_pool2d(torch.tensor(x), 2, 2, 1))


# ---------------------------------------------------------------- adaptive pooling
ADAPTIVE_CASES = [
    (1, (2, 3, 10), 4),
    (1, (3, 7), 7),
    (2, (2, 3, 7, 9), (3, 4)),
    (2, (2, 3, 5, 5), (8, 7)),     # larger than the input: windows overlap
    (2, (3, 6, 6), 1),             # unbatched, global pooling
    (2, (1, 2, 6, 5), (None, 2)),  # None keeps that size
    (3, (1, 2, 5, 4, 6), (2, 3, 4)),
]


@pytest.mark.parametrize("case", ADAPTIVE_CASES)
def test_adaptive_avg_pool(case):
    nd, shape, out = case
    fe, ft = getattr(ember, f"adaptive_avg_pool{nd}d"), getattr(F, f"adaptive_avg_pool{nd}d")
    compare_fn(lambda a: fe(a, out), lambda a: ft(a, out), [rand(RNG, shape, "float64")], "float64")


@pytest.mark.parametrize("case", ADAPTIVE_CASES)
def test_adaptive_max_pool(case):
    nd, shape, out = case
    fe, ft = getattr(ember, f"adaptive_max_pool{nd}d"), getattr(F, f"adaptive_max_pool{nd}d")
    x = distinct(shape)
    compare_fn(lambda a: fe(a, out), lambda a: ft(a, out), [x], "float64")
    xe, xt = both(x, requires_grad=False)
    check(fe(xe, out, return_indices=True), ft(xt, out, return_indices=True))


def test_adaptive_dtype_errors():
    xi = np.ones((1, 2, 5, 5), "int64")
    raises_like(lambda: ember.adaptive_avg_pool2d(ember.tensor(xi), 2), lambda: F.adaptive_avg_pool2d(torch.tensor(xi), 2))
    raises_like(lambda: ember.adaptive_max_pool2d(ember.tensor(xi), 2), lambda: F.adaptive_max_pool2d(torch.tensor(xi), 2))
    check(ember.adaptive_avg_pool2d(ember.ones((1, 2, 5, 5)), 0), F.adaptive_avg_pool2d(torch.ones(1, 2, 5, 5), 0))


# ---------------------------------------------------------------- unpool, lp pool
@pytest.mark.parametrize("nd,shape,k,s,p,out", [
    (2, (2, 2, 6, 6), 2, None, 0, None),
    (2, (1, 2, 7, 7), 3, 2, 1, (7, 7)),
    (2, (1, 2, 7, 7), 3, 2, 1, (1, 2, 8, 8)),
    (1, (2, 3, 9), 3, 2, 0, None),
    (3, (1, 2, 4, 4, 4), 2, None, 0, None),
])
def test_max_unpool(nd, shape, k, s, p, out):
    x = distinct(shape)
    _, it = getattr(F, f"max_pool{nd}d")(torch.tensor(x), k, s, p, return_indices=True)
    v = rand(RNG, tuple(it.shape), "float64")
    ie = ember.tensor(it.numpy())
    compare_fn(lambda a: getattr(ember, f"max_unpool{nd}d")(a, ie, k, s, p, out),
               lambda a: getattr(F, f"max_unpool{nd}d")(a, it, k, s, p, out), [v], "float64")


def test_max_unpool_bad_output_size():
    x = torch.tensor(distinct((1, 1, 4, 4)))
    v, i = F.max_pool2d(x, 2, return_indices=True)
    ve, ie = ember.tensor(v.numpy()), ember.tensor(i.numpy())
    raises_like(lambda: ember.max_unpool2d(ve, ie, 2, output_size=(9, 9)), lambda: F.max_unpool2d(v, i, 2, output_size=(9, 9)))
    raises_like(lambda: ember.max_unpool2d(ve, ie, 2, output_size=(4,)), lambda: F.max_unpool2d(v, i, 2, output_size=(4,)))


@pytest.mark.parametrize("p", [1.0, 2.0, 3.0])
def test_lp_pool(p):
    x = rand(RNG, (2, 3, 6, 7), "float64", 0.1, 2.0)
    compare_fn(lambda a: ember.lp_pool2d(a, p, (2, 3), 2, True), lambda a: F.lp_pool2d(a, p, (2, 3), 2, True), [x], "float64")
    x1 = rand(RNG, (2, 3, 9), "float64", 0.1, 2.0)
    compare_fn(lambda a: ember.lp_pool1d(a, p, 3), lambda a: F.lp_pool1d(a, p, 3), [x1], "float64")


# ---------------------------------------------------------------- derivatives
@pytest.mark.parametrize("fn,shape", [
    (lambda a: ember.max_pool2d(a, 3, 2, 1, 1, True), (1, 2, 6, 5)),
    (lambda a: ember.max_pool1d(a, 2), (2, 7)),
    (lambda a: ember.avg_pool2d(a, 3, 2, 1, True, False), (1, 2, 6, 5)),
    (lambda a: ember.avg_pool3d(a, 2, 1, 1, False, True, 3), (1, 1, 3, 3, 3)),
    (lambda a: ember.adaptive_avg_pool2d(a, (4, 3)), (1, 2, 5, 7)),
    (lambda a: ember.adaptive_max_pool2d(a, (2, 3)), (1, 2, 5, 7)),
    (lambda a: ember.interpolate(a, scale_factor=2.5, mode="bilinear"), (1, 2, 3, 4)),
    (lambda a: ember.interpolate(a, size=(5, 3), mode="bicubic", align_corners=True), (1, 1, 4, 4)),
    (lambda a: ember.interpolate(a, size=7, mode="nearest"), (2, 2, 5)),
    (lambda a: ember.interpolate(a, scale_factor=(2, 1.5, 1), mode="trilinear"), (1, 1, 2, 2, 3)),
    (lambda a: ember.pixel_shuffle(a, 2), (1, 8, 2, 3)),
    (lambda a: ember.pixel_unshuffle(a, 2), (2, 4, 6)),
])
def test_numeric_derivatives(fn, shape):
    numeric_check(fn, [distinct(shape)])


def test_double_backward_matches_torch():
    x = distinct((1, 2, 6, 6))
    for fe, ft in [(lambda a: ember.max_pool2d(a, 2), lambda a: F.max_pool2d(a, 2)),
                   (lambda a: ember.avg_pool2d(a, 3, 2, 1), lambda a: F.avg_pool2d(a, 3, 2, 1)),
                   (lambda a: ember.interpolate(a, scale_factor=2, mode="bilinear"),
                    lambda a: F.interpolate(a, scale_factor=2, mode="bilinear"))]:
        xe, xt = both(x)
        ye, yt = fe(xe), ft(xt)
        ge, gt = both(RNG.uniform(-1, 1, size=tuple(yt.shape)))
        (de,) = egrad([ye * ye], [xe], [ge], create_graph=True)
        (dt,) = torch.autograd.grad([yt * yt], [xt], [gt], create_graph=True)
        v = RNG.uniform(-1, 1, size=x.shape)
        he = egrad([de], [xe, ge], [ember.tensor(v)])
        ht = torch.autograd.grad([dt], [xt, gt], [torch.tensor(v)])
        check(he, ht)


def test_pool_errors_like_torch():
    x = np.zeros((1, 2, 5, 5), "float32")
    cases = [
        lambda m, f: f.max_pool2d(m.tensor(x), 0),
        lambda m, f: f.max_pool2d(m.tensor(x), 2, padding=2),
        lambda m, f: f.max_pool2d(m.tensor(np.zeros((1, 2, 1, 1), "float32")), 3),
        lambda m, f: f.max_pool2d(m.tensor(np.zeros((5, 5), "float32")), 2),
        lambda m, f: f.avg_pool2d(m.tensor(x), 2, padding=2),
        lambda m, f: f.avg_pool2d(m.tensor(x), 2, divisor_override=0),
        lambda m, f: f.max_pool2d(m.tensor(x), (2, 2, 2)),
        lambda m, f: f.avg_pool1d(m.tensor(x), 2),
    ]
    for fn in cases:
        raises_like(lambda: fn(ember, ember), lambda: fn(torch, F))


# ---------------------------------------------------------------- interpolate
INTERP_CASES = [
    # shape, size, scale_factor, mode, align_corners, recompute
    ((1, 2, 5), 8, None, "nearest", None, None),
    ((1, 2, 5), None, 1.7, "nearest", None, None),
    ((1, 2, 6), None, 0.5, "nearest", None, None),
    ((2, 2, 4, 5), (7, 3), None, "nearest", None, None),
    ((2, 2, 4, 5), None, (2.0, 1.5), "nearest", None, None),
    ((1, 1, 4, 5), None, 2.3, "nearest", None, True),
    ((1, 1, 2, 3, 4), (3, 5, 2), None, "nearest", None, None),
    ((2, 2, 4, 5), (7, 3), None, "nearest-exact", None, None),
    ((1, 2, 5), 9, None, "linear", False, None),
    ((1, 2, 5), 9, None, "linear", True, None),
    ((1, 2, 5), None, 0.6, "linear", False, None),
    ((2, 2, 4, 5), (7, 3), None, "bilinear", False, None),
    ((2, 2, 4, 5), (7, 3), None, "bilinear", True, None),
    ((2, 2, 4, 5), None, 2.5, "bilinear", False, None),
    ((2, 2, 4, 5), None, 2.5, "bilinear", False, True),
    ((1, 1, 4, 4), (1, 1), None, "bilinear", True, None),
    ((1, 2, 4, 5), (7, 3), None, "bicubic", False, None),
    ((1, 2, 4, 5), None, 1.5, "bicubic", True, None),
    ((1, 1, 2, 3, 4), (3, 5, 2), None, "trilinear", False, None),
    ((1, 1, 2, 3, 4), None, 2.0, "trilinear", True, None),
    ((2, 2, 6, 5), (3, 2), None, "area", None, None),
    ((2, 2, 6, 5), None, 0.5, "area", None, None),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", INTERP_CASES)
def test_interpolate_matches_torch(case, dtype):
    shape, size, sf, mode, ac, rc = case
    x = rand(RNG, shape, dtype)
    compare_fn(lambda a: ember.interpolate(a, size, sf, mode, ac, rc),
               lambda a: F.interpolate(a, size, sf, mode, ac, rc), [x], dtype, msg=str(case))


def test_interpolate_errors_like_torch():
    x = np.zeros((1, 2, 5, 5), "float32")
    cases = [
        lambda m, f: f.interpolate(m.tensor(np.zeros((1, 2, 5), "float32")), scale_factor=2, mode="bilinear"),
        lambda m, f: f.interpolate(m.tensor(x), size=3, scale_factor=2),
        lambda m, f: f.interpolate(m.tensor(x)),
        lambda m, f: f.interpolate(m.tensor(x), scale_factor=2, align_corners=True),
        lambda m, f: f.interpolate(m.tensor(x), size=(3, 3, 3)),
        lambda m, f: f.interpolate(m.tensor(x), size=3, recompute_scale_factor=True),
        lambda m, f: f.interpolate(m.tensor(np.zeros((5, 5), "float32")), size=3),
        lambda m, f: f.interpolate(m.tensor(np.ones((1, 2, 5, 5), "int64")), scale_factor=2),
    ]
    for fn in cases:
        raises_like(lambda: fn(ember, ember), lambda: fn(torch, F))


# ---------------------------------------------------------------- pixel shuffle
@pytest.mark.parametrize("shape,r", [((1, 8, 2, 3), 2), ((2, 9, 2, 2), 3), ((4, 2, 3), 2), ((2, 1, 4, 2, 2), 1)])
def test_pixel_shuffle(shape, r):
    x = rand(RNG, shape, "float64")
    ye, _ = compare_fn(lambda a: ember.pixel_shuffle(a, r), lambda a: F.pixel_shuffle(a, r), [x], "float64")
    y = rand(RNG, tuple(ye.shape), "float64")
    compare_fn(lambda a: ember.pixel_unshuffle(a, r), lambda a: F.pixel_unshuffle(a, r), [y], "float64")
    xi = RNG.integers(0, 9, size=shape).astype("int64")
    check(ember.pixel_shuffle(ember.tensor(xi), r), F.pixel_shuffle(torch.tensor(xi), r))


def test_pixel_shuffle_errors():
    cases = [
        lambda m, f: f.pixel_shuffle(m.ones((1, 3, 5, 5)), 2),
        lambda m, f: f.pixel_shuffle(m.ones((4, 5)), 2),
        lambda m, f: f.pixel_shuffle(m.ones((1, 4, 5, 5)), 0),
        lambda m, f: f.pixel_unshuffle(m.ones((1, 1, 5, 4)), 2),
        lambda m, f: f.pixel_unshuffle(m.ones((1, 1, 4, 5)), 2),
    ]
    for fn in cases:
        raises_like(lambda: fn(ember, ember), lambda: fn(torch, F))
