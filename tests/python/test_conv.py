"""Convolutions (conv1d/2d/3d, conv_transpose1d/2d/3d, convolution) and unfold/fold
(im2col/col2im) against real PyTorch: values, dtypes, shapes, gradients of input,
weight and bias, finite-difference first and second derivatives in float64, and
torch's exception types for bad arguments."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

import ember
from conv_helpers import both, compare_fn, egrad, numeric_check, rand
from oracle import check, raises_like

RNG = np.random.default_rng(0)


def conv_arrays(nd, n, cin, cout, spatial, k, groups, bias, dtype, transposed=False):
    x = rand(RNG, ((n,) if n is not None else ()) + (cin,) + spatial, dtype)
    if transposed:
        w = rand(RNG, (cin, cout // groups) + k, dtype)
    else:
        w = rand(RNG, (cout, cin // groups) + k, dtype)
    b = rand(RNG, (cout,), dtype) if bias else None
    return [x, w, b]


def econv(nd):
    return getattr(ember, f"conv{nd}d")


def tconv(nd):
    return getattr(torch, f"conv{nd}d")


# (input spatial, kernel, stride, padding, dilation, groups, cin, cout, bias)
CONV2D_CASES = [
    ((5, 5), (3, 3), 1, 0, 1, 1, 3, 4, True),
    ((6, 7), (3, 2), 2, 1, 1, 1, 2, 3, False),
    ((7, 6), (3, 3), (2, 1), (1, 2), (2, 1), 1, 2, 2, True),
    ((6, 6), (1, 1), 1, 0, 1, 1, 4, 3, True),       # pointwise: no column matrix
    ((5, 6), (1, 1), 2, 0, 1, 2, 4, 6, True),       # 1x1 but strided
    ((6, 6), (3, 3), 1, 1, 1, 2, 4, 6, True),       # groups
    ((6, 5), (3, 3), 1, 1, 1, 4, 4, 4, False),      # depthwise
    ((4, 4), (4, 4), 1, 0, 1, 1, 2, 3, True),       # kernel = input
    ((3, 3), (3, 3), 3, 2, 2, 1, 1, 2, True),       # big padding and dilation
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", CONV2D_CASES)
def test_conv2d_matches_torch(case, dtype):
    sp, k, s, p, d, g, cin, cout, bias = case
    arrays = conv_arrays(2, 2, cin, cout, sp, k, g, bias, dtype)
    compare_fn(lambda x, w, b: ember.conv2d(x, w, b, s, p, d, g),
               lambda x, w, b: torch.conv2d(x, w, b, s, p, d, g), arrays, dtype, msg=str(case))


@pytest.mark.parametrize("case", [
    ((9,), (3,), 1, 0, 1, 1, 2, 3, True),
    ((10,), (3,), 2, 1, 2, 2, 4, 6, True),
    ((8,), (1,), 1, 0, 1, 1, 3, 2, False),
    ((7,), (4,), 3, 2, 1, 1, 2, 2, True),
])
def test_conv1d_matches_torch(case):
    sp, k, s, p, d, g, cin, cout, bias = case
    arrays = conv_arrays(1, 3, cin, cout, sp, k, g, bias, "float64")
    compare_fn(lambda x, w, b: ember.conv1d(x, w, b, s, p, d, g),
               lambda x, w, b: torch.conv1d(x, w, b, s, p, d, g), arrays, "float64", msg=str(case))


@pytest.mark.parametrize("case", [
    ((4, 5, 4), (2, 3, 2), 1, 0, 1, 1, 2, 3, True),
    ((5, 4, 5), (3, 2, 3), (2, 1, 2), (1, 0, 1), (1, 2, 1), 2, 2, 4, False),
])
def test_conv3d_matches_torch(case):
    sp, k, s, p, d, g, cin, cout, bias = case
    arrays = conv_arrays(3, 2, cin, cout, sp, k, g, bias, "float64")
    compare_fn(lambda x, w, b: ember.conv3d(x, w, b, s, p, d, g),
               lambda x, w, b: torch.conv3d(x, w, b, s, p, d, g), arrays, "float64", msg=str(case))


@pytest.mark.parametrize("transposed", [False, True])
def test_large_batch_in_chunks_matches_torch_at_any_thread_count(transposed):
    # 37 samples: the kernels walk the batch in fixed, uneven chunks (oneDNN or im2col on each,
    # split over threads); values and all three gradients must match torch, and be bitwise the
    # same at 1, 2 and 3 threads.
    arrays = conv_arrays(2, 37, 6, 8, (9, 8), (3, 3), 2, True, "float32", transposed=transposed)
    if transposed:
        fe = lambda x, w, b: ember.conv_transpose2d(x, w, b, 2, 1, 1, 2)
        ft = lambda x, w, b: torch.conv_transpose2d(x, w, b, 2, 1, 1, 2)
    else:
        fe = lambda x, w, b: ember.conv2d(x, w, b, 1, 1, 1, 2)
        ft = lambda x, w, b: torch.conv2d(x, w, b, 1, 1, 1, 2)
    saved = ember.get_num_threads()
    try:
        seen = None
        for n in (1, 2, 3):
            ember.set_num_threads(n)
            pairs = [both(a, "float32") for a in arrays]
            ye = fe(*[p[0] for p in pairs])
            ge = egrad([ye], [p[0] for p in pairs], [ember.ones_like(ye)])
            got = [ye.detach().numpy().copy()] + [g.numpy().copy() for g in ge]
            if seen is None:
                seen = got
                compare_fn(fe, ft, arrays, "float32", rtol=1e-4, atol=1e-4)
            else:
                for a, b in zip(seen, got):
                    assert a.tobytes() == b.tobytes(), f"differs with {n} threads"
    finally:
        ember.set_num_threads(saved)


@pytest.mark.parametrize("nd", [1, 2, 3])
def test_unbatched_conv(nd):
    sp = (5,) * nd
    arrays = conv_arrays(nd, None, 2, 3, sp, (3,) * nd, 1, True, "float64")
    ye, yt = compare_fn(lambda x, w, b: econv(nd)(x, w, b, 1, 1),
                        lambda x, w, b: tconv(nd)(x, w, b, 1, 1), arrays, "float64")
    assert tuple(ye.shape) == (3,) + sp


@pytest.mark.parametrize("nd", [1, 2, 3])
@pytest.mark.parametrize("mode", ["same", "valid"])
def test_string_padding(nd, mode):
    # even kernels make 'same' pad one more on the right, like torch
    for k, d in [(3, 1), (4, 1), (2, 2), (4, 3)]:
        sp = (10,) * nd
        arrays = conv_arrays(nd, 2, 2, 2, sp, (k,) * nd, 1, True, "float64")
        ye, _ = compare_fn(lambda x, w, b: econv(nd)(x, w, b, padding=mode, dilation=d),
                           lambda x, w, b: tconv(nd)(x, w, b, padding=mode, dilation=d), arrays, "float64",
                           msg=f"k={k} d={d}")
        if mode == "same":
            assert tuple(ye.shape[2:]) == sp


TRANSPOSED_CASES = [
    # nd, spatial, k, stride, padding, output_padding, groups, dilation, cin, cout
    (2, (4, 4), (3, 3), 1, 0, 0, 1, 1, 2, 3),
    (2, (4, 5), (3, 3), 2, 1, 1, 1, 1, 3, 2),
    (2, (3, 3), (2, 3), (2, 3), (0, 1), (1, 2), 2, 1, 4, 6),
    (2, (4, 3), (3, 3), 2, 1, 1, 1, 2, 2, 2),   # output_padding < dilation
    (1, (6,), (4,), 3, 1, 2, 1, 1, 2, 3),
    (1, (5,), (3,), 1, 2, 0, 2, 2, 2, 4),
    (3, (3, 2, 3), (2, 2, 2), 2, 0, 1, 1, 1, 2, 2),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", TRANSPOSED_CASES)
def test_conv_transpose_matches_torch(case, dtype):
    nd, sp, k, s, p, op, g, d, cin, cout = case
    arrays = conv_arrays(nd, 2, cin, cout, sp, k, g, True, dtype, transposed=True)
    fe = getattr(ember, f"conv_transpose{nd}d")
    ft = getattr(torch, f"conv_transpose{nd}d")
    compare_fn(lambda x, w, b: fe(x, w, b, s, p, op, g, d), lambda x, w, b: ft(x, w, b, s, p, op, g, d),
               arrays, dtype, msg=str(case))


def test_conv_transpose_unbatched_and_keywords():
    arrays = conv_arrays(2, None, 4, 2, (3, 4), (3, 3), 1, False, "float64", transposed=True)
    compare_fn(lambda x, w: ember.conv_transpose2d(x, w, stride=2, output_padding=1, dilation=1),
               lambda x, w: torch.conv_transpose2d(x, w, stride=2, output_padding=1, dilation=1),
               arrays[:2], "float64")


def test_convolution_generic_entry():
    x, w, b = conv_arrays(2, 2, 2, 3, (5, 5), (3, 3), 1, True, "float64")
    compare_fn(lambda x, w, b: ember.convolution(x, w, b, [2, 1], [1, 0], [1, 1], False, [0, 0], 1),
               lambda x, w, b: torch.convolution(x, w, b, [2, 1], [1, 0], [1, 1], False, [0, 0], 1),
               [x, w, b], "float64")
    xt, wt, bt = conv_arrays(2, 2, 3, 2, (3, 3), (3, 3), 1, True, "float64", transposed=True)
    compare_fn(lambda x, w, b: ember.convolution(x, w, b, [2, 2], [1, 1], [1, 1], True, [1, 0], 1),
               lambda x, w, b: torch.convolution(x, w, b, [2, 2], [1, 1], [1, 1], True, [1, 0], 1),
               [xt, wt, bt], "float64")


def test_dtypes():
    x, w, b = conv_arrays(2, 1, 2, 3, (5, 5), (3, 3), 1, True, "float32")
    # bfloat16 runs (computed in float32, rounded like torch's within bfloat16 precision)
    compare_fn(lambda x, w, b: ember.conv2d(x, w, b, padding=1), lambda x, w, b: torch.conv2d(x, w, b, padding=1),
               [x, w, b], "bfloat16", rtol=2e-2, atol=5e-2, grads=False)
    # integers are computed exactly
    xi = RNG.integers(-5, 6, size=(2, 2, 5, 5)).astype("int64")
    wi = RNG.integers(-3, 4, size=(3, 2, 3, 3)).astype("int64")
    check(ember.conv2d(ember.tensor(xi), ember.tensor(wi), stride=2, padding=1),
          torch.conv2d(torch.tensor(xi), torch.tensor(wi), stride=2, padding=1))
    check(ember.conv_transpose2d(ember.tensor(xi[:, :, :3, :3]), ember.tensor(wi[:2]), stride=2),
          torch.conv_transpose2d(torch.tensor(xi[:, :, :3, :3]), torch.tensor(wi[:2]), stride=2))
    xe, xt = both(x, requires_grad=False)
    we, wt = both(w, requires_grad=False)
    raises_like(lambda: ember.conv2d(xe.half(), we.half()), lambda: torch.conv2d(xt.half(), wt.half()))


def test_strided_inputs():
    # non-contiguous input, weight and grad: transposed and sliced numpy views
    xa = rand(RNG, (5, 5, 3, 2), "float64").transpose(3, 2, 1, 0)  # (2, 3, 5, 5), non-contiguous
    wa = rand(RNG, (8, 3, 6, 6), "float64")[::2, :, ::2, ::2]       # (4, 3, 3, 3), strided
    xe, xt = ember.from_numpy(xa), torch.from_numpy(xa)
    we, wt = ember.from_numpy(wa), torch.from_numpy(wa)
    assert not xe.is_contiguous() and not we.is_contiguous()
    check(ember.conv2d(xe, we, None, 1, 1), torch.conv2d(xt, wt, None, 1, 1))


def test_empty_inputs():
    w = rand(RNG, (4, 3, 3, 3), "float64")
    b = rand(RNG, (4,), "float64")
    x = rand(RNG, (0, 3, 5, 5), "float64")
    compare_fn(lambda x, w, b: ember.conv2d(x, w, b), lambda x, w, b: torch.conv2d(x, w, b), [x, w, b], "float64")
    # zero input channels: the output is the bias (torch 1.13 returns a (2, 0, 3, 3) tensor here,
    # which does not match the weight's 4 output channels, so this is checked against the definition)
    y = ember.conv2d(ember.zeros((2, 0, 5, 5), dtype=ember.float64), ember.zeros((4, 0, 3, 3), dtype=ember.float64),
                     ember.tensor(b))
    assert tuple(y.shape) == (2, 4, 3, 3)
    np.testing.assert_array_equal(y.numpy(), np.broadcast_to(b[None, :, None, None], (2, 4, 3, 3)))


def test_bias_grad_and_partial_requires_grad():
    x, w, b = conv_arrays(2, 2, 2, 3, (4, 4), (3, 3), 1, True, "float64")
    xe = ember.tensor(x)
    we = ember.tensor(w).requires_grad_(True)
    be = ember.tensor(b)
    y = ember.conv2d(xe, we, be)
    assert y.requires_grad and y.grad_fn is not None
    (gw,) = egrad([y], [we], [ember.ones_like(y)])
    tw = torch.tensor(w, requires_grad=True)
    (tgw,) = torch.autograd.grad([torch.conv2d(torch.tensor(x), tw, torch.tensor(b))], [tw],
                                 [torch.ones(tuple(y.shape), dtype=torch.float64)])
    check(gw, tgw)


@pytest.mark.parametrize("fn,arrays", [
    (lambda x, w, b: ember.conv2d(x, w, b, 2, 1, 1, 2), conv_arrays(2, 2, 4, 2, (4, 5), (3, 2), 2, True, "float64")),
    (lambda x, w, b: ember.conv1d(x, w, b, 1, "same", 2), conv_arrays(1, 2, 2, 3, (6,), (3,), 1, True, "float64")),
    (lambda x, w, b: ember.conv_transpose2d(x, w, b, 2, 1, 1), conv_arrays(2, 1, 2, 3, (3, 3), (3, 3), 1, True,
                                                                         "float64", transposed=True)),
    (lambda x, w, b: ember.conv3d(x, w, b, 1, 1), conv_arrays(3, 1, 2, 2, (3, 3, 3), (2, 2, 2), 1, True, "float64")),
    (lambda x, w, b: ember.conv2d(x, w, b, 1, 1), conv_arrays(2, None, 2, 2, (4, 4), (3, 3), 1, True, "float64")),
])
def test_numeric_first_and_second_derivatives(fn, arrays):
    numeric_check(fn, arrays)


def test_double_backward_matches_torch():
    x, w, b = conv_arrays(2, 2, 2, 3, (5, 5), (3, 3), 1, True, "float64")
    (xe, xt), (we, wt), (be, bt) = both(x), both(w), both(b)
    ye, yt = ember.conv2d(xe, we, be, 2, 1), torch.conv2d(xt, wt, bt, 2, 1)
    g = RNG.uniform(-1, 1, size=tuple(yt.shape))
    ge, gt = both(g)  # the output gradient itself requires grad too
    de = egrad([ye], [xe, we, be], [ge], create_graph=True)
    dt = torch.autograd.grad([yt], [xt, wt, bt], [gt], create_graph=True)
    v = [RNG.uniform(-1, 1, size=tuple(t.shape)) for t in dt]
    he = egrad(list(de), [xe, we, ge], [ember.tensor(a) for a in v])
    ht = torch.autograd.grad(list(dt), [xt, wt, gt], [torch.tensor(a) for a in v], allow_unused=True)
    for a, bb in zip(he, ht):
        check(a, bb)


def test_grad_fn_names():
    x, w, b = conv_arrays(2, 1, 2, 3, (4, 4), (3, 3), 1, True, "float32")
    xe, _ = both(x, "float32")
    we, _ = both(w, "float32")
    assert ember.conv2d(xe, we).grad_fn.name() == "ConvolutionBackward0"
    wte, _ = both(rand(RNG, (2, 3, 3, 3), "float32"), "float32")
    assert ember.conv_transpose2d(xe, wte).grad_fn.name() == "ConvolutionBackward0"


def _bad_conv_cases():
    x = np.zeros((1, 3, 5, 5), "float32")
    w = np.zeros((8, 3, 3, 3), "float32")
    return [
        ("channels", lambda m, T: m.conv2d(T(np.zeros((1, 4, 5, 5), "float32")), T(w))),
        ("groups not dividing", lambda m, T: m.conv2d(T(np.zeros((1, 6, 5, 5), "float32")), T(np.zeros((9, 3, 3, 3), "float32")), groups=2)),
        ("groups channels", lambda m, T: m.conv2d(T(np.zeros((1, 6, 5, 5), "float32")), T(w), groups=4)),
        ("groups 0", lambda m, T: m.conv2d(T(x), T(w), groups=0)),
        ("kernel too big", lambda m, T: m.conv2d(T(np.zeros((1, 3, 2, 2), "float32")), T(w))),
        ("negative padding", lambda m, T: m.conv2d(T(x), T(w), padding=-1)),
        ("zero stride", lambda m, T: m.conv2d(T(x), T(w), stride=0)),
        ("zero dilation", lambda m, T: m.conv2d(T(x), T(w), dilation=0)),
        ("2d input", lambda m, T: m.conv2d(T(np.zeros((5, 5), "float32")), T(w))),
        ("5d input", lambda m, T: m.conv2d(T(np.zeros((1, 1, 3, 5, 5), "float32")), T(w))),
        ("3d weight", lambda m, T: m.conv2d(T(x), T(np.zeros((8, 3, 3), "float32")))),
        ("stride length", lambda m, T: m.conv2d(T(x), T(w), stride=(1, 1, 1))),
        ("padding length", lambda m, T: m.conv2d(T(x), T(w), padding=(1, 1, 1))),
        ("bias size", lambda m, T: m.conv2d(T(x), T(w), T(np.zeros(7, "float32")))),
        ("bias dtype", lambda m, T: m.conv2d(T(x), T(w), T(np.zeros(8, "float64")))),
        ("weight dtype", lambda m, T: m.conv2d(T(x), T(w.astype("float64")))),
        ("same strided", lambda m, T: m.conv2d(T(x), T(w), padding="same", stride=2)),
        ("bad padding string", lambda m, T: m.conv2d(T(x), T(w), padding="foo")),
        ("transposed channels", lambda m, T: m.conv_transpose2d(T(x), T(np.zeros((4, 2, 3, 3), "float32")))),
        ("output_padding too big", lambda m, T: m.conv_transpose2d(T(np.zeros((1, 4, 5, 5), "float32")),
                                                                   T(np.zeros((4, 2, 3, 3), "float32")), stride=2,
                                                                   output_padding=2)),
        ("transposed output too small", lambda m, T: m.conv_transpose2d(T(np.zeros((1, 4, 1, 1), "float32")),
                                                                        T(np.zeros((4, 2, 1, 1), "float32")), padding=2)),
        ("conv1d on 4d", lambda m, T: m.conv1d(T(x), T(np.zeros((8, 3, 3), "float32")))),
    ]


@pytest.mark.parametrize("name,fn", _bad_conv_cases(), ids=[c[0] for c in _bad_conv_cases()])
def test_bad_arguments_raise_like_torch(name, fn):
    e = raises_like(lambda: fn(ember, ember.tensor), lambda: fn(torch, torch.tensor))
    assert str(e)


def test_error_messages_name_shapes():
    x = ember.zeros((1, 4, 5, 5))
    w = ember.zeros((8, 3, 3, 3))
    with pytest.raises(RuntimeError, match=r"weight of size \[8, 3, 3, 3\], expected input\[1, 4, 5, 5\] to have 3 "
                                           r"channels, but got 4 channels instead"):
        ember.conv2d(x, w)
    with pytest.raises(RuntimeError, match="Kernel size can't be greater than actual input size"):
        ember.conv2d(ember.zeros((1, 3, 2, 2)), w)
    with pytest.raises(RuntimeError, match="negative padding is not supported"):
        ember.conv2d(ember.zeros((1, 3, 5, 5)), w, padding=-1)


# ---------------------------------------------------------------- unfold / fold
@pytest.mark.parametrize("case", [
    ((1, 2, 5, 5), 3, 1, 0, 1),
    ((2, 3, 6, 5), (2, 3), (1, 2), (1, 0), (2, 1)),
    ((3, 5, 4), 2, 1, 1, 2),  # unbatched
])
def test_im2col_col2im(case):
    shape, k, d, p, s = case
    x = rand(RNG, shape, "float64")
    ye, yt = compare_fn(lambda a: ember.im2col(a, k, d, p, s), lambda a: torch._C._nn.im2col(a, *map(_pair, (k, d, p, s))),
                        [x], "float64")
    cols = rand(RNG, tuple(yt.shape), "float64")
    compare_fn(lambda a: ember.col2im(a, shape[-2:], k, d, p, s),
               lambda a: torch._C._nn.col2im(a, shape[-2:], *map(_pair, (k, d, p, s))), [cols], "float64")
    numeric_check(lambda a: ember.im2col(a, k, d, p, s), [x])
    numeric_check(lambda a: ember.col2im(a, shape[-2:], k, d, p, s), [cols])


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def test_fold_unfold_errors():
    raises_like(lambda: ember.im2col(ember.zeros((1, 2, 5, 5)), 7), lambda: F.unfold(torch.zeros(1, 2, 5, 5), 7))
    raises_like(lambda: ember.col2im(ember.zeros((1, 17, 9)), (5, 5), 3), lambda: F.fold(torch.zeros(1, 17, 9), (5, 5), 3))
    raises_like(lambda: ember.col2im(ember.zeros((1, 18, 8)), (5, 5), 3), lambda: F.fold(torch.zeros(1, 18, 8), (5, 5), 3))
    raises_like(lambda: ember.im2col(ember.zeros((1, 2, 5, 5), dtype=ember.int64), 3),
                lambda: F.unfold(torch.zeros(1, 2, 5, 5, dtype=torch.int64), 3))
