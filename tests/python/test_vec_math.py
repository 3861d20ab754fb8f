"""The vectorized float32 math (src/ember/ops/cpu/vec_math.h): each function swept
over a dense grid of float32 values (every exponent, both signs, denormals,
infinities, NaN and the edges of each function's intervals) against float64,
with a bound on the error in float32 ulps; then the activations built on them,
the 16-bit and strided paths, softmax, and the JIT's fused kernel."""
import math

import numpy as np
import pytest
import torch

import ember
import ember.nn.functional as F

F32 = np.float32


def grid():
    """About 1.1M float32 values: a stride through all bit patterns of each sign,
    plus the edges where the functions switch method or saturate."""
    pos = np.arange(0, 0x7F800000, 4093, dtype=np.uint32).view(np.float32)
    edges = [0.0, 1.0, 2.0, 0.5, 0.625, 4.0, 0.34657359, 9.0, 9.1, 20.0, 80.0, 87.33654, 88.0, 88.37626,
             88.72283, 88.72284, 89.0, 103.97, 103.98, 104.0, 3.92, 0.70710678, 1.41421356, 1e-8, 2.0**-24,
             2.0**-25, 1.17549435e-38, 1.4e-45, 1e-40, 3.4028235e38, 1e30, 2.0**24, 0.99999994]
    e = np.array(edges, dtype=np.float32)
    with np.errstate(over="ignore"):
        e = np.concatenate([e, np.nextafter(e, F32(0)), np.nextafter(e, F32(np.inf))])
    e = e[np.isfinite(e)]
    base = np.concatenate([pos, e, np.linspace(-12, 12, 200001, dtype=np.float32)])
    special = np.array([np.inf, np.nan], dtype=np.float32)
    x = np.concatenate([base, -base, special, -special])
    return x


X = grid()


def ulp_error(got, want):
    """|got - want| in units of the float32 ulp at want (the denormal ulp below FLT_MIN).
    Where want overflows float32 or is NaN, got must be the same infinity / NaN (else inf)."""
    got = got.astype(np.float64)
    err = np.zeros(want.shape)
    nan = np.isnan(want)
    err[nan] = np.where(np.isnan(got[nan]), 0, np.inf)
    over = ~nan & (np.abs(want) > np.finfo(np.float32).max * (1 + 2.0**-25))
    err[over] = np.where(got[over] == np.sign(want[over]) * np.inf, 0, np.inf)
    rest = ~nan & ~over
    w = want[rest]
    _, ex = np.frexp(np.abs(w))
    ulp = np.maximum(np.ldexp(1.0, ex - 24), 2.0**-149)
    with np.errstate(invalid="ignore"):
        d = np.abs(got[rest] - w)
    d[np.isnan(d)] = np.inf
    d[got[rest] == w] = 0  # equal infinities
    err[rest] = d / ulp
    return err


def run(fn, x):
    return fn(ember.from_numpy(x)).numpy()


def reference(name, x):
    t = torch.from_numpy(x.astype(np.float64))
    return getattr(torch, name)(t).numpy()


# max ulp error allowed per function (measured on this grid; see the report in the test output)
BOUNDS = {"exp": 1.0, "expm1": 1.5, "log": 1.0, "log1p": 1.0, "tanh": 1.0, "sigmoid": 2.5, "erf": 1.5}


@pytest.mark.parametrize("name", list(BOUNDS))
def test_ulp_error_over_the_float32_range(name):
    got = run(getattr(ember, name), X)
    err = ulp_error(got, reference(name, X))
    worst = int(np.argmax(err))
    print(f"\n{name}: max {err[worst]:.3f} ulp at x={X[worst]!r} (got {got[worst]!r})")
    assert err[worst] <= BOUNDS[name], (name, X[worst], got[worst])


@pytest.mark.parametrize("name", list(BOUNDS))
def test_special_values_match_the_c_library(name):
    x = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, -np.nan, 1e-45, -1e-45, 1e-41, -1e-41], dtype=np.float32)
    got = run(getattr(ember, name), x)
    want = reference(name, x).astype(np.float32)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    ok = ~np.isnan(want)
    np.testing.assert_array_equal(got[ok], want[ok])
    # signed zeros keep their sign where the function is odd or passes x through
    np.testing.assert_array_equal(np.signbit(got[ok]), np.signbit(want[ok]))


ACTIVATIONS = {
    "gelu": (lambda m, x: m.nn.functional.gelu(x), None),
    "gelu_tanh": (lambda m, x: m.nn.functional.gelu(x, approximate="tanh"), None),
    "silu": (lambda m, x: m.nn.functional.silu(x), None),
    "mish": (lambda m, x: m.nn.functional.mish(x), None),
    "softplus": (lambda m, x: m.nn.functional.softplus(x, 2.0, 15.0), None),
    "elu": (lambda m, x: m.nn.functional.elu(x, 0.7), None),
    "selu": (lambda m, x: m.nn.functional.selu(x), None),
    "celu": (lambda m, x: m.nn.functional.celu(x, 1.3), None),
    "logsigmoid": (lambda m, x: m.nn.functional.logsigmoid(x), None),
    "tanhshrink": (lambda m, x: m.nn.functional.tanhshrink(x), None),
}


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_activations_against_float64(name):
    """Against the same formula in float64: within a few float32 ulps of the result or,
    where the formula cancels (gelu, elu near 0), of x. torch's float64 kernels are
    themselves off by ~1e-16 around 0 (elu uses exp(x) - 1, which is 0 below 1e-16), hence
    the absolute term; exp and expm1 themselves are swept above."""
    fn = ACTIVATIONS[name][0]
    x = np.concatenate([np.linspace(-30, 30, 300001, dtype=np.float32), X[np.abs(X) < 1e6]])
    got = fn(ember, ember.from_numpy(x)).numpy().astype(np.float64)
    want = fn(torch, torch.from_numpy(x.astype(np.float64))).numpy()
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    ok = ~np.isnan(want)
    tol = 4 * 2.0**-24 * np.maximum(np.abs(want[ok]), np.abs(x[ok].astype(np.float64)) * 2.0**-1) + 2.0**-50
    assert np.all(np.abs(got[ok] - want[ok]) <= tol)
    # and torch's float32 results at the usual tolerance
    t32 = fn(torch, torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(got, t32, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("dtype", [ember.float16, ember.bfloat16])
def test_16bit_types_compute_in_float(dtype):
    x = ember.linspace(-8, 8, 1001).to(dtype)
    for name in ("exp", "tanh", "sigmoid", "erf", "log1p"):
        got = getattr(ember, name)(x)
        want = getattr(ember, name)(x.float()).to(dtype)
        assert got.dtype == dtype
        np.testing.assert_array_equal(got.float().numpy(), want.float().numpy(), err_msg=name)


def test_strided_and_offset_inputs_give_the_contiguous_results():
    x = ember.from_numpy(np.linspace(-5, 5, 37 * 29, dtype=np.float32).reshape(37, 29))
    for name in ("exp", "tanh", "sigmoid", "erf", "log1p", "expm1"):
        fn = getattr(ember, name)
        np.testing.assert_array_equal(fn(x.t()).numpy(), fn(x.t().contiguous()).numpy(), err_msg=name)
        np.testing.assert_array_equal(fn(x[:, 3:]).numpy(), fn(x).numpy()[:, 3:], err_msg=name)
    for name in ("exp", "tanh", "sigmoid", "erf", "log1p", "expm1"):  # in place
        y = x.clone()
        getattr(y, name + "_")()
        np.testing.assert_array_equal(y.numpy(), getattr(ember, name)(x).numpy(), err_msg=name)


def test_softmax_reaches_denormals_and_keeps_nan():
    x = np.array([[0.0, -90.0, -100.0, -200.0, float("-inf")] * 4,
                  [0.0, float("nan"), 1.0, 2.0, 3.0] * 4], dtype=np.float32)
    got = F.softmax(ember.from_numpy(x), dim=1).numpy()
    want = torch.softmax(torch.from_numpy(x.astype(np.float64)), 1).numpy()
    assert np.all(np.isnan(got[1]))
    err = ulp_error(got[0], want[0])
    assert err.max() <= 2, err
    # down a column (the tiled path) too
    got_t = F.softmax(ember.from_numpy(np.ascontiguousarray(x.T)), dim=0).numpy()
    np.testing.assert_array_equal(got_t.T[0], got[0])


def test_fused_kernel_matches_eager_bit_for_bit():
    def f(x):
        y = F.gelu(x) + ember.tanh(x) * ember.sigmoid(x) - ember.erf(x)
        y = y + F.silu(x) + F.softplus(x) + F.elu(x) + F.mish(x)
        return y + ember.exp(-x.abs()) + ember.log1p(x.abs()) + ember.expm1(x * 0.1) + ember.log(x.abs())
    x = ember.from_numpy(np.linspace(-9, 9, 5003, dtype=np.float32))
    with ember.no_grad():
        t = ember.jit.trace(f, x)
        assert "fused_elementwise" in [n.op for n in t.graph.nodes()]
        np.testing.assert_array_equal(t(x).numpy(), f(x).numpy())


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_backward_kernel(approximate):
    """The fused backward (no create_graph) against torch's float64 gradient; 16-bit and
    strided inputs; and the composite path that double backward takes."""
    x = np.concatenate([np.linspace(-12, 12, 100001, dtype=np.float32), np.array([0.0, -0.0, 50.0, -50.0], np.float32)])
    g = np.cos(x * 3).astype(np.float32)

    def grad_of(lib, xv, gv):
        t = lib.from_numpy(xv).requires_grad_(True) if lib is ember else torch.from_numpy(xv).requires_grad_(True)
        y = lib.nn.functional.gelu(t, approximate=approximate)
        y.backward(lib.from_numpy(gv) if lib is ember else torch.from_numpy(gv))
        return t.grad.numpy()
    got = grad_of(ember, x, g)
    want = grad_of(torch, x.astype(np.float64), g.astype(np.float64))
    # (torch's own float32 gradient is off by up to 9e-7 here: the tanh form cancels around |x| = 5)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    for dtype in (ember.float16, ember.bfloat16):
        t = ember.from_numpy(x[:2001]).to(dtype).requires_grad_(True)
        ember.nn.functional.gelu(t, approximate=approximate).backward(ember.from_numpy(g[:2001]).to(dtype))
        assert t.grad.dtype == dtype
        ref = ember.from_numpy(x[:2001]).to(dtype).float().requires_grad_(True)
        ember.nn.functional.gelu(ref, approximate=approximate).backward(ember.from_numpy(g[:2001]).to(dtype).float())
        np.testing.assert_array_equal(t.grad.float().numpy(), ref.grad.to(dtype).float().numpy())
    # a transposed input: the gradient keeps the layout and the values
    base = ember.from_numpy(x[:100 * 37].reshape(100, 37))
    t = base.t().requires_grad_(True)
    ember.nn.functional.gelu(t, approximate=approximate).backward(ember.ones(37, 100))
    tt = torch.from_numpy(x[:100 * 37].reshape(100, 37).astype(np.float64)).t().requires_grad_(True)
    torch.nn.functional.gelu(tt, approximate=approximate).backward(torch.ones(37, 100, dtype=torch.float64))
    assert t.grad.stride() == t.stride()
    np.testing.assert_allclose(t.grad.numpy(), tt.grad.numpy(), rtol=1e-5, atol=1e-6)
    # create_graph: the derivative is differentiable again
    xd = ember.from_numpy(np.linspace(-3, 3, 7)).requires_grad_(True)
    assert ember.autograd.gradgradcheck(lambda v: ember.nn.functional.gelu(v, approximate=approximate), (xd,))
