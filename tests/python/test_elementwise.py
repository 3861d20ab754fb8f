"""Elementwise ops (unary, activations, binary, ternary) against real PyTorch.

Each op has one table entry: its torch spelling, ember's (when it differs), the input
domain, the dtypes torch accepts and whether it is differentiable. The drivers below run
every entry over dtypes, memory layouts (contiguous, transposed, sliced, expanded), 0-d
and empty shapes, broadcast pairs and Python scalars, and compare values, dtypes, shapes
and gradients with torch; dtypes torch refuses must raise torch's exception type.

torch 1.13 has no CPU float16 (and a few bfloat16) kernels for many ops; ember computes
16-bit floats in float32 for every floating op, so there the reference is torch's float32
result rounded to the 16-bit type.
"""
import math
from dataclasses import dataclass, field

import numpy as np
import pytest
import torch

import ember
from oracle import DTYPES, FLOAT_DTYPES, INT_DTYPES, check, raises_like, to_numpy

pytestmark = pytest.mark.filterwarnings("ignore:The given NumPy array is not writable")

ALL = tuple(DTYPES)
NUM = tuple(d for d in DTYPES if d != "bool")           # every dtype but bool
FLOAT = tuple(FLOAT_DTYPES)
INTEGRAL = tuple(INT_DTYPES) + ("bool",)
SIGNED = tuple(d for d in NUM if d != "uint8")
LAYOUTS = ("contiguous", "transposed", "sliced", "expanded")
SHAPES = {"2d": (3, 4), "0d": (), "empty": (0, 3), "1d": (5,)}


# ---------------------------------------------------------------- inputs
def _values(shape, dtype, rng, low, high):
    if dtype == "bool":
        return rng.random(shape) > 0.5
    if dtype in INT_DTYPES:
        lo = max(math.ceil(low), 0 if dtype == "uint8" else -100)
        hi = min(math.floor(high), 100)
        return rng.integers(lo, hi + 1, size=shape).astype(dtype)
    a = rng.uniform(low, high, size=shape)
    return a.astype("float32" if dtype == "bfloat16" else dtype)


def _layout(base, layout):
    """A NumPy view of `base` with the requested memory layout and `base`'s logical shape."""
    if layout == "contiguous" or base.ndim == 0:
        return base
    if layout == "transposed":
        return np.ascontiguousarray(base.T).T
    if layout == "sliced":
        big = np.zeros(tuple(2 * s for s in base.shape), base.dtype)
        view = big[tuple(slice(None, None, 2) for _ in base.shape)]
        view[...] = base
        return view
    if layout == "expanded":  # stride 0 along dim 0
        return np.broadcast_to(base[:1], base.shape)
    raise ValueError(layout)


def make(shape, dtype, layout="contiguous", low=-3.0, high=3.0, seed=0, requires_grad=False, values=None):
    """(ember tensor, torch tensor) with equal values and the same memory layout."""
    rng = np.random.default_rng(seed)
    base = np.asarray(values, dtype="float32" if dtype == "bfloat16" else dtype) if values is not None \
        else _values(tuple(shape), dtype, rng, low, high)
    base = np.asarray(base)
    # separate memory for the two libraries, same strides
    e, t = ember.from_numpy(_layout(base.copy(), layout)), torch.from_numpy(_layout(base.copy(), layout))
    if dtype == "bfloat16":
        e, t = e.to(ember.bfloat16), t.to(torch.bfloat16)
    if requires_grad:
        e.requires_grad_(True)
        t.requires_grad_(True)
    return e, t


def resolve(lib, name):
    """'exp' -> lib.exp; 'F.gelu' -> lib.nn.functional.gelu; '.hardshrink' -> the method."""
    if name.startswith("."):
        return lambda x, *a, **k: getattr(x, name[1:])(*a, **k)
    if name.startswith("F."):
        if lib is torch:
            return getattr(torch.nn.functional, name[2:])
        functional = getattr(getattr(ember, "nn", None), "functional", None)
        return getattr(functional, name[2:], None) or getattr(ember, name[2:])
    return getattr(lib, name)


REDUCED = (torch.float16, torch.bfloat16)


def torch_reference(fn, args):
    """torch's result, or for 16-bit float kernels torch lacks on CPU, its float32 result
    rounded to the 16-bit result type. Returns (result, None) or (None, exception)."""
    try:
        return fn(*args), None
    except Exception as exc:  # noqa: BLE001 - the oracle's own error is the expected behaviour
        if "'Half'" not in str(exc) and "'BFloat16'" not in str(exc):
            return None, exc
        tensors = [a for a in args if isinstance(a, torch.Tensor)]
        out_dtype = tensors[0].dtype if len(args) == 1 else torch.result_type(*args[:2])
        for a in args[2:]:
            out_dtype = torch.promote_types(out_dtype, a.dtype) if isinstance(a, torch.Tensor) else out_dtype
        up = [a.float() if isinstance(a, torch.Tensor) and a.dtype in REDUCED else a for a in args]
        try:
            r = fn(*up)
        except Exception:  # noqa: BLE001 - not a 16-bit gap: torch refuses floats altogether
            return None, exc
        return (r.to(out_dtype) if r.dtype == torch.float32 and out_dtype in REDUCED else r), None


def compare(e_fn, t_fn, e_args, t_args, dtype, msg, **tol):  # noqa: ARG001 - dtype documents the case
    """Run both; values must match, or both must raise the same exception type. True if torch ran."""
    expected, exc = torch_reference(t_fn, t_args)
    if exc is not None:
        raises_like(lambda: e_fn(*e_args), lambda: t_fn(*t_args))
        return False
    check(e_fn(*e_args), expected, msg=msg, **tol)
    return True


# ---------------------------------------------------------------- autograd helpers
def e_backward(y, g):
    if hasattr(y, "backward"):
        y.backward(g)
    else:
        ember._C._run_backward([y], [g])


def e_grad(outputs, inputs, grads, create_graph=False):
    autograd = getattr(ember, "autograd", None)
    if autograd is not None and hasattr(autograd, "grad"):
        return autograd.grad(outputs, inputs, grads, create_graph=create_graph, allow_unused=True)
    return ember._C._run_grad(outputs, inputs, grads, None, create_graph, True)


def _dot(y, v):
    return float(np.sum(to_numpy(y).astype(np.float64) * v))


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, seed=1):
    """Finite differences in float64: for a random v, the vector-Jacobian product v^T J from
    backward must equal d(v . fn(x))/dx from central differences, for every input."""
    inputs = [x.detach().requires_grad_(True) for x in inputs]
    y = fn(*inputs)
    v = np.random.default_rng(seed).standard_normal(tuple(y.shape))
    # an output that does not require grad is constant in the inputs (a linear op's backward)
    grads = e_grad([y], inputs, [ember.from_numpy(v.copy())]) if y.requires_grad else [None] * len(inputs)
    for k, x in enumerate(inputs):
        base = to_numpy(x).astype(np.float64)
        num = np.zeros(base.shape)
        for idx in np.ndindex(*base.shape):
            vals = []
            for sgn in (1, -1):
                pert = base.copy()
                pert[idx] += sgn * eps
                args = [ember.from_numpy(pert) if j == k else inputs[j].detach() for j in range(len(inputs))]
                vals.append(_dot(fn(*args), v))
            num[idx] = (vals[0] - vals[1]) / (2 * eps)
        ana = np.zeros(base.shape) if grads[k] is None else to_numpy(grads[k])
        np.testing.assert_allclose(ana, num, atol=atol, rtol=rtol, err_msg=f"gradient of input {k}")


def gradgradcheck(fn, inputs, seed=2):
    """gradcheck of the backward pass itself (built with create_graph=True)."""
    inputs = [x.detach().requires_grad_(True) for x in inputs]
    shape = tuple(fn(*inputs).shape)
    v = ember.from_numpy(np.random.default_rng(seed).standard_normal(shape))

    def vjp(*xs):
        xs = [x if x.requires_grad else x.detach().requires_grad_(True) for x in xs]
        gs = e_grad([fn(*xs)], list(xs), [v], create_graph=True)
        out = gs[0]
        for g in gs[1:]:  # fold all input gradients into one output (same shape: inputs share it here)
            out = out + g
        return out

    gradcheck(vjp, inputs, atol=1e-4, rtol=1e-3, seed=seed + 1)


def has_reductions():
    try:
        ember.sum(ember.ones(2))
        return True
    except Exception:  # noqa: BLE001
        return False


REDUCE = has_reductions()
needs_reduce = pytest.mark.skipif(not REDUCE, reason="gradients of broadcast inputs need the reduction family (sum_to)")


# ---------------------------------------------------------------- unary table
@dataclass
class Unary:
    name: str                      # torch spelling: "exp", "F.gelu" (torch.nn.functional), ".hardshrink" (method)
    ember: str = None              # ember's spelling when different
    low: float = -3.0              # input domain
    high: float = 3.0
    dtypes: tuple = FLOAT          # dtypes torch accepts (float16: see module docstring)
    grad: bool = True              # differentiable
    smooth: bool = True            # second derivative checked (gradgradcheck)
    kwargs: dict = field(default_factory=dict)
    label: str = None
    inplace: bool = True           # has a Tensor.name_ variant

    @property
    def id(self):
        return self.label or self.name.lstrip(".").replace("F.", "")


U = Unary
UNARY = [
    U("neg", dtypes=NUM, smooth=False), U("abs", dtypes=NUM, smooth=False),
    U("sign", dtypes=ALL, smooth=False), U("sgn", dtypes=ALL, smooth=False),
    U("positive", dtypes=NUM, smooth=False, inplace=False),
    U("exp", dtypes=ALL), U("exp2", dtypes=ALL), U("expm1", dtypes=ALL),
    U("log", low=0.1, dtypes=ALL), U("log2", low=0.1, dtypes=ALL), U("log10", low=0.1, dtypes=ALL),
    U("log1p", low=-0.9, dtypes=ALL),
    U("sqrt", low=0.1, dtypes=ALL), U("rsqrt", low=0.1, dtypes=ALL),
    U("sin", dtypes=ALL), U("cos", dtypes=ALL), U("tan", low=-1.4, high=1.4, dtypes=ALL),
    U("asin", low=-0.9, high=0.9, dtypes=ALL), U("acos", low=-0.9, high=0.9, dtypes=ALL), U("atan", dtypes=ALL),
    U("sinh", dtypes=ALL), U("cosh", dtypes=ALL), U("tanh", dtypes=ALL),
    U("asinh", dtypes=ALL), U("acosh", low=1.1, high=4, dtypes=ALL), U("atanh", low=-0.9, high=0.9, dtypes=ALL),
    U("sigmoid", dtypes=ALL), U("erf", dtypes=ALL), U("erfc", dtypes=ALL),
    U("erfinv", low=-0.9, high=0.9, dtypes=ALL),
    U("floor", dtypes=NUM, smooth=False), U("ceil", dtypes=NUM, smooth=False), U("trunc", dtypes=NUM, smooth=False),
    U("frac", dtypes=FLOAT, smooth=False),
    U("reciprocal", low=0.2, dtypes=ALL), U("square", dtypes=ALL),
    U("logical_not", dtypes=ALL, grad=False), U("bitwise_not", dtypes=INTEGRAL, grad=False),
    U("relu", dtypes=NUM, smooth=False), U("F.relu6", ember="relu6", dtypes=NUM, smooth=False, inplace=False),
    U("F.silu", ember="silu", dtypes=FLOAT, inplace=False), U("F.mish", ember="mish", dtypes=FLOAT, inplace=False),
    U("F.hardsigmoid", ember="hardsigmoid", low=-4, high=4, dtypes=FLOAT, smooth=False, inplace=False),
    U("F.hardswish", ember="hardswish", low=-4, high=4, dtypes=FLOAT, smooth=False, inplace=False),
    U("selu", dtypes=FLOAT, smooth=False, inplace=False),
    U("logit", low=0.05, high=0.95, dtypes=ALL),
    U("logit", low=0.05, high=0.95, dtypes=ALL, kwargs={"eps": 0.2}, label="logit_eps", smooth=False, inplace=False),
    U("lgamma", low=0.2, high=5, dtypes=ALL), U("digamma", low=0.2, high=5, dtypes=ALL, smooth=False),
    U("sinc", dtypes=ALL), U("deg2rad", dtypes=ALL, smooth=False), U("rad2deg", dtypes=ALL, smooth=False),
    U("round", dtypes=NUM, smooth=False), U("round", dtypes=FLOAT, kwargs={"decimals": 2}, label="round_dec2",
                                               smooth=False),
    U("round", low=-300, high=300, dtypes=FLOAT, kwargs={"decimals": -1}, label="round_dec-1", smooth=False),
    U("isnan", dtypes=ALL, grad=False, inplace=False), U("isinf", dtypes=ALL, grad=False, inplace=False),
    U("isposinf", dtypes=ALL, grad=False, inplace=False), U("isneginf", dtypes=ALL, grad=False, inplace=False),
    U("isfinite", dtypes=ALL, grad=False, inplace=False), U("signbit", dtypes=ALL, grad=False, inplace=False),
    U("nan_to_num", dtypes=ALL, smooth=False),
    U("nan_to_num", dtypes=ALL, kwargs={"nan": 1.5, "posinf": 9.0, "neginf": -9.0}, label="nan_to_num_args",
      smooth=False),
    U("F.gelu", ember="gelu", dtypes=FLOAT, inplace=False),
    U("F.gelu", ember="gelu", dtypes=FLOAT, kwargs={"approximate": "tanh"}, label="gelu_tanh", inplace=False),
    U("F.softplus", ember="softplus", dtypes=FLOAT, inplace=False),
    U("F.softplus", ember="softplus", dtypes=FLOAT, kwargs={"beta": 2.0, "threshold": 1.5}, label="softplus_args",
      smooth=False, inplace=False),
    U("F.elu", ember="elu", dtypes=FLOAT, smooth=False, inplace=False),
    U("F.elu", ember="elu", dtypes=FLOAT, kwargs={"alpha": 0.5}, label="elu_alpha", smooth=False, inplace=False),
    U("F.celu", ember="celu", dtypes=FLOAT, kwargs={"alpha": 2.0}, smooth=False, inplace=False),
    U("F.leaky_relu", ember="leaky_relu", dtypes=FLOAT, kwargs={"negative_slope": 0.2}, smooth=False, inplace=False),
    U("F.hardtanh", ember="hardtanh", dtypes=NUM, kwargs={"min_val": -0.5, "max_val": 2.0}, smooth=False,
      inplace=False),
    U("F.hardtanh", ember="hardtanh", dtypes=NUM, kwargs={"min_val": 1.5, "max_val": 0.5}, label="hardtanh_crossed",
      smooth=False, inplace=False),
    U("F.logsigmoid", ember="logsigmoid", dtypes=FLOAT, inplace=False),
    U("F.hardshrink", ember="hardshrink", dtypes=FLOAT, kwargs={"lambd": 0.7}, smooth=False, inplace=False),
    U("F.softshrink", ember="softshrink", dtypes=FLOAT, kwargs={"lambd": 0.7}, smooth=False, inplace=False),
    U("F.tanhshrink", ember="tanhshrink", dtypes=NUM, inplace=False),
    U("F.softsign", ember="softsign", dtypes=NUM, inplace=False),
    U("F.threshold", ember="threshold", dtypes=SIGNED, kwargs={"threshold": 0.5, "value": -2.0}, smooth=False,
      inplace=False),  # uint8 cannot hold the value -2: torch refuses it
]
UNARY_IDS = [u.id for u in UNARY]
assert len(set(UNARY_IDS)) == len(UNARY_IDS)


def unary_fns(op):
    t_fn, e_fn = resolve(torch, op.name), resolve(ember, op.ember or op.name)
    return (lambda x: e_fn(x, **op.kwargs)), (lambda x: t_fn(x, **op.kwargs))


def unary_values(op, dtype):
    low, high = op.low, op.high
    if dtype in INT_DTYPES:  # integers: keep the domain but make it wide enough to hold a few values
        low, high = math.floor(low), max(math.ceil(high), math.floor(low) + 3)
    return low, high


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("op", UNARY, ids=UNARY_IDS)
def test_unary_values(op, dtype):
    e_fn, t_fn = unary_fns(op)
    low, high = unary_values(op, dtype)
    ran = []
    for sname, shape in SHAPES.items():
        for layout in LAYOUTS if sname == "2d" else ("contiguous",):
            e, t = make(shape, dtype, layout, low, high)
            ran.append(compare(e_fn, t_fn, [e], [t], dtype, f"{op.id} {dtype} {sname} {layout}"))
    # the table's dtype list is torch's: it accepts exactly those
    assert all(ran) == (dtype in op.dtypes) and any(ran) == all(ran), f"{op.id}: dtype table wrong for {dtype}"


SPECIAL = [0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -2.5, 3.0, 1e-30, -1e-30, 1e30, -1e30, math.inf, -math.inf, math.nan]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("op", [u for u in UNARY if "float32" in u.dtypes], ids=[u.id for u in UNARY if "float32" in u.dtypes])
def test_unary_special_values(op, dtype):
    """Zeros of both signs, infinities, NaN, huge and tiny values: same results as torch."""
    e_fn, t_fn = unary_fns(op)
    e, t = make((len(SPECIAL),), dtype, values=SPECIAL)
    with np.errstate(all="ignore"):
        compare(e_fn, t_fn, [e], [t], dtype, f"{op.id} special values", rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("op", [u for u in UNARY if u.inplace], ids=[u.id for u in UNARY if u.inplace])
def test_unary_inplace(op):
    """t.op_() writes into t (also a strided view), bumps nothing else; integer inputs that would
    need a float result raise torch's error."""
    name = (op.ember or op.name).replace("F.", "").lstrip(".")
    for dtype in ("float32", "int64"):
        for layout in ("contiguous", "transposed"):
            e, t = make((3, 4), dtype, layout, *unary_values(op, dtype))
            t_fn = lambda x: getattr(x, name + "_")(**op.kwargs)  # noqa: E731
            e_fn = lambda x: getattr(x, name + "_")(**op.kwargs)  # noqa: E731
            if dtype == "float32" or dtype in op.dtypes:
                try:
                    t_fn(t)
                except RuntimeError:
                    raises_like(lambda: e_fn(e), lambda: t_fn(t.clone()))
                    continue
                r = e_fn(e)
                assert r is e, "in-place op must return self"
                check(e, t, msg=f"{op.id}_ {dtype} {layout}")


def _grad_case(op, dtype, layout, shape=(3, 4)):
    e, t = make(shape, dtype, layout, op.low, op.high, requires_grad=True)
    e_fn, t_fn = unary_fns(op)
    ye, yt = e_fn(e), t_fn(t)
    g = np.random.default_rng(5).standard_normal(tuple(yt.shape)).astype(dtype)
    e_backward(ye, ember.from_numpy(g.copy()))
    yt.backward(torch.from_numpy(g.copy()))
    check(e.grad, t.grad, msg=f"grad {op.id} {dtype} {layout}")
    assert ye.grad_fn is not None and ye.requires_grad


GRAD_UNARY = [u for u in UNARY if u.grad]


@pytest.mark.parametrize("op", GRAD_UNARY, ids=[u.id for u in GRAD_UNARY])
def test_unary_grad(op):
    for dtype in ("float32", "float64"):
        for layout in LAYOUTS:
            _grad_case(op, dtype, layout)
    _grad_case(op, "float64", "contiguous", shape=())
    e, _ = make((3, 4), "float64", low=op.low, high=op.high)
    e_fn, _ = unary_fns(op)
    # keep finite differences away from kinks: shift points within eps of a breakpoint
    gradcheck(e_fn, [e])
    if op.smooth:
        gradgradcheck(e_fn, [e])


def test_unary_no_grad_for_integers_and_predicates():
    e, _ = make((3,), "float32", requires_grad=True)
    for fn in (ember.isnan, ember.signbit, ember.logical_not):
        assert not fn(e).requires_grad
    assert ember.floor(e).requires_grad  # differentiable, zero gradient


def test_unary_errors_name_the_op():
    e, t = make((3,), "int64")
    err = raises_like(lambda: ember.frac(e), lambda: torch.frac(t))
    assert "frac" in str(err)
    e, t = make((3,), "float32")
    err = raises_like(lambda: ember.bitwise_not(e), lambda: torch.bitwise_not(t))
    assert "bitwise_not" in str(err)
    raises_like(lambda: ember.neg(ember.ones(2, dtype=ember.bool)), lambda: torch.neg(torch.ones(2, dtype=torch.bool)))
    eu, tu = make((3,), "uint8")
    raises_like(lambda: ember.hardtanh(eu, -1.0, 1.0), lambda: torch.nn.functional.hardtanh(tu, -1.0, 1.0))
    raises_like(lambda: ember.threshold(eu, 0.5, -2.0), lambda: torch.nn.functional.threshold(tu, 0.5, -2.0))
    raises_like(lambda: ember.gelu(ember.ones(2), approximate="x"), lambda: torch.nn.functional.gelu(torch.ones(2), approximate="x"))
    raises_like(lambda: ember.sqrt_(ember.ones(2, dtype=ember.int64)), lambda: torch.ones(2, dtype=torch.int64).sqrt_())
    raises_like(lambda: ember.round(ember.ones(2, dtype=ember.int64), decimals=1),
                lambda: torch.round(torch.ones(2, dtype=torch.int64), decimals=1))


@pytest.mark.skipif(not hasattr(ember, "reshape"), reason="prelu and glu need the shape family")
def test_prelu_and_glu():
    e, t = make((2, 3, 4), "float64", requires_grad=True)
    we, wt = make((3,), "float64", low=0.1, high=0.5, requires_grad=True)
    check(ember.prelu(e, we), torch.prelu(t, wt))
    check(resolve(ember, "F.glu")(e, -1), torch.nn.functional.glu(t, -1))
    gradcheck(lambda x, w: ember.prelu(x, w), [e, we])


# ---------------------------------------------------------------- binary table
@dataclass
class Binary:
    name: str
    ember: str = None
    low: float = -3.0              # domain of the first input
    high: float = 3.0
    low2: float = -3.0             # domain of the second input
    high2: float = 3.0
    nonzero2: bool = False         # second input kept away from zero (integer divisions)
    dtypes: tuple = ALL
    grad: bool = True
    smooth: bool = True
    kwargs: dict = field(default_factory=dict)
    label: str = None
    scalar: bool = True            # torch.name(tensor, number) is allowed
    inplace: bool = True
    tol: dict = field(default_factory=dict)

    @property
    def id(self):
        return self.label or self.name


B = Binary
BINARY = [
    B("add", smooth=False), B("add", kwargs={"alpha": 2}, label="add_alpha", smooth=False),
    B("sub", dtypes=NUM, smooth=False), B("sub", kwargs={"alpha": 3}, label="sub_alpha", dtypes=NUM, smooth=False),
    B("mul"), B("div", nonzero2=True, low2=0.3),
    B("div", kwargs={"rounding_mode": "trunc"}, label="div_trunc", nonzero2=True, dtypes=NUM, smooth=False),
    B("div", kwargs={"rounding_mode": "floor"}, label="div_floor", nonzero2=True, dtypes=NUM, smooth=False),
    B("floor_divide", nonzero2=True, dtypes=NUM, grad=False),
    B("remainder", nonzero2=True, dtypes=NUM, smooth=False),
    B("fmod", nonzero2=True, dtypes=NUM, smooth=False),
    B("pow", low=0.2, low2=0, high2=3, dtypes=NUM, tol={"rtol": 1e-4}), B("atan2", dtypes=ALL, scalar=False),
    B("maximum", smooth=False, scalar=False, inplace=False), B("minimum", smooth=False, scalar=False, inplace=False),
    B("hypot", dtypes=FLOAT, scalar=False), B("xlogy", low2=0.1, inplace=False),
    B("eq", grad=False), B("ne", grad=False), B("lt", grad=False), B("le", grad=False),
    B("gt", grad=False), B("ge", grad=False),
    B("logical_and", grad=False), B("logical_or", grad=False), B("logical_xor", grad=False),
    B("bitwise_and", dtypes=INTEGRAL, grad=False), B("bitwise_or", dtypes=INTEGRAL, grad=False),
    B("bitwise_xor", dtypes=INTEGRAL, grad=False),
    B("bitwise_left_shift", low2=0, high2=6, dtypes=INT_DTYPES, grad=False),
    B("bitwise_right_shift", low2=0, high2=6, dtypes=INT_DTYPES, grad=False),
]
BINARY_IDS = [b.id for b in BINARY]
assert len(set(BINARY_IDS)) == len(BINARY_IDS)


def binary_fns(op):
    t_fn, e_fn = resolve(torch, op.name), resolve(ember, op.ember or op.name)
    return (lambda a, b: e_fn(a, b, **op.kwargs)), (lambda a, b: t_fn(a, b, **op.kwargs))


def binary_pair(op, shape_a, shape_b, dtype_a, dtype_b, layout_a="contiguous", layout_b="contiguous", grad=False):
    a = make(shape_a, dtype_a, layout_a, op.low, op.high, seed=1, requires_grad=grad)
    b = make(shape_b, dtype_b, layout_b, op.low2, op.high2, seed=2, requires_grad=grad)
    if op.nonzero2:  # integer divisors: replace zeros (floats come from a continuous range)
        eb, tb = b
        if dtype_b not in FLOAT and dtype_b != "bool":
            v = to_numpy(tb)
            v = np.where(v == 0, 1, v).astype(v.dtype)
            b = make(shape_b, dtype_b, layout_b, values=v, requires_grad=grad)
    return a, b


BROADCASTS = [((3, 4), (3, 4)), ((3, 1), (1, 4)), ((4,), (3, 4)), ((), (3, 4)), ((3, 4), ()), ((2, 1, 4), (3, 1)),
              ((0, 4), (1, 4)), ((), ())]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("op", BINARY, ids=BINARY_IDS)
def test_binary_values(op, dtype):
    e_fn, t_fn = binary_fns(op)
    ran = []
    for la in LAYOUTS:
        for lb in ("contiguous", "transposed") if la == "contiguous" else (la,):
            (ea, ta), (eb, tb) = binary_pair(op, (3, 4), (3, 4), dtype, dtype, la, lb)
            ran.append(compare(e_fn, t_fn, [ea, eb], [ta, tb], dtype, f"{op.id} {dtype} {la}/{lb}", **op.tol))
    for sa, sb in BROADCASTS:
        (ea, ta), (eb, tb) = binary_pair(op, sa, sb, dtype, dtype)
        ran.append(compare(e_fn, t_fn, [ea, eb], [ta, tb], dtype, f"{op.id} {dtype} {sa}/{sb}", **op.tol))
    assert all(ran) == (dtype in op.dtypes) and any(ran) == all(ran), f"{op.id}: dtype table wrong for {dtype}"


MIXED = [("int32", "float16"), ("uint8", "int8"), ("bool", "int16"), ("float16", "bfloat16"), ("int64", "float32"),
         ("float32", "float64"), ("bool", "float32"), ("uint8", "bool"), ("bfloat16", "int64")]


@pytest.mark.parametrize("op", BINARY, ids=BINARY_IDS)
def test_binary_mixed_dtypes(op):
    """Promotion between tensors (and 0-d tensors, which only count by category)."""
    e_fn, t_fn = binary_fns(op)
    for da, db in MIXED:
        for sa, sb in (((3, 4), (3, 4)), ((3, 4), ()), ((), (3, 4))):
            (ea, ta), (eb, tb) = binary_pair(op, sa, sb, da, db)
            compare(e_fn, t_fn, [ea, eb], [ta, tb], da, f"{op.id} {da}{sa} {db}{sb}", **op.tol)


SCALARS = [2, -3, 1.5, -0.25, True, False, 0]


@pytest.mark.parametrize("op", [b for b in BINARY if b.scalar], ids=[b.id for b in BINARY if b.scalar])
def test_binary_python_scalar(op):
    """torch.op(tensor, number): the number is a weak (wrapped) 0-d operand."""
    e_fn, t_fn = binary_fns(op)
    for dtype in ("float32", "float16", "bfloat16", "float64", "int32", "uint8", "bool"):
        (ea, ta), _ = binary_pair(op, (3, 4), (), dtype, dtype)
        refused = dtype in FLOAT and dtype not in op.dtypes  # torch refuses every number alike
        for s in SCALARS[:2] if refused else SCALARS:
            if op.nonzero2 and s == 0 and dtype not in FLOAT:
                continue
            if "shift" in op.name and s < 0:  # negative shift counts are undefined behaviour in torch
                continue
            compare(e_fn, t_fn, [ea, s], [ta, s], dtype, f"{op.id} {dtype} with {s!r}", **op.tol)


OPERATORS = {
    "+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b, "/": lambda a, b: a / b,
    "//": lambda a, b: a // b, "%": lambda a, b: a % b, "**": lambda a, b: a ** b,
    "&": lambda a, b: a & b, "|": lambda a, b: a | b, "^": lambda a, b: a ^ b,
    "<<": lambda a, b: a << b, ">>": lambda a, b: a >> b,
    "==": lambda a, b: a == b, "!=": lambda a, b: a != b, "<": lambda a, b: a < b, "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b, ">=": lambda a, b: a >= b,
}


@pytest.mark.parametrize("sym", list(OPERATORS))
def test_operators_with_scalars_on_either_side(sym):
    """2 - t, 2 ** t, t / 3, int tensor + 1.5, float16 tensor * 2.0, bool tensor + 1, ..."""
    f = OPERATORS[sym]
    for dtype in ("float32", "float16", "bfloat16", "float64", "int64", "int16", "uint8", "bool"):
        e, t = make((2, 3), dtype, low=0.5, high=4)
        refused = sym in ("&", "|", "^", "<<", ">>") and dtype in FLOAT  # torch refuses every case alike
        for s in (2, 3, 1.5, -2, 0.5, True)[:1 if refused else None]:
            if sym in ("//", "%") and dtype not in FLOAT and s is True:
                continue
            if sym in ("<<", ">>") and (isinstance(s, float) or s < 0):
                continue
            compare(lambda x: f(x, s), lambda x: f(x, s), [e], [t], dtype, f"t {sym} {s!r} ({dtype})")
            compare(lambda x: f(s, x), lambda x: f(s, x), [e], [t], dtype, f"{s!r} {sym} t ({dtype})")
        e2, t2 = make((2, 3), dtype, low=0.5, high=4, seed=3)
        compare(f, f, [e, e2], [t, t2], dtype, f"t {sym} t ({dtype})")


def test_reduced_float_scalar_rounding_matches_torch():
    """A float16/bfloat16 tensor with a Python float: torch 1.13 (the oracle) rounds the number to
    the tensor's dtype before the op, for every binary op, the operators and the in-place forms."""
    for dtype in ("float16", "bfloat16"):
        e, t = make((64,), dtype, low=-50, high=50)
        for s in (0.3331, 1.0001, -2.7183, 1e-3):
            for sym in ("+", "-", "*", "/", "%", "//"):
                f = OPERATORS[sym]
                check(f(e, s), f(t, s), rtol=0, atol=0, msg=f"{dtype} t {sym} {s}")
                check(f(s, e), f(s, t), rtol=0, atol=0, msg=f"{dtype} {s} {sym} t")
            check(e.clone().mul_(s), t.clone().mul_(s), rtol=0, atol=0)
            check(ember.add(e, e, alpha=s), torch.add(t, t, alpha=s), rtol=0, atol=0)
            # number arguments that are not operands (lerp weight, addcmul value) stay in float32
            check(ember.lerp(e, e * 0 + 1, s), torch.lerp(t, t * 0 + 1, s), rtol=0, atol=0) if dtype == "bfloat16" else None
            check(ember.addcmul(e, e, e, value=s), torch.addcmul(t, t, t, value=s), rtol=0, atol=0) \
                if dtype == "bfloat16" else None


@pytest.mark.parametrize("op", [b for b in BINARY if b.inplace], ids=[b.id for b in BINARY if b.inplace])
def test_binary_inplace(op):
    name = (op.ember or op.name) + "_"
    for dtype in ("float32", "int32", "bool"):
        for layout in ("contiguous", "transposed", "sliced"):
            (ea, ta), (eb, tb) = binary_pair(op, (3, 4), (1, 4), dtype, dtype, layout)
            t_fn = lambda x, y: getattr(x, name)(y, **op.kwargs)  # noqa: E731
            try:
                t_fn(ta.clone(), tb)
            except (RuntimeError, TypeError):
                raises_like(lambda: t_fn(ea, eb), lambda: t_fn(ta, tb))
                continue
            r = t_fn(ea, eb)
            t_fn(ta, tb)
            assert r is ea
            check(ea, ta, msg=f"{name} {dtype} {layout}", **op.tol)
        # with a Python number
        (ea, ta), _ = binary_pair(op, (3, 4), (), dtype, dtype)
        compare(lambda x: getattr(x, name)(2, **op.kwargs), lambda x: getattr(x, name)(2, **op.kwargs),
                [ea], [ta], dtype, f"{name} {dtype} 2")


def test_inplace_errors():
    """int += 1.5 (result type can't be cast), broadcasting into a smaller self, bool -= ."""
    ei, ti = make((3,), "int64")
    err = raises_like(lambda: ei.add_(1.5), lambda: ti.add_(1.5))
    assert "result type Float can't be cast to the desired output type Long" in str(err)

    def iadd(x):
        x += 1.5
    raises_like(lambda: iadd(ei), lambda: iadd(ti))
    es, ts = make((3,), "float32")
    eb, tb = make((2, 3), "float32")
    err = raises_like(lambda: es.add_(eb), lambda: ts.add_(tb))
    assert "[3]" in str(err) and "[2, 3]" in str(err)
    raises_like(lambda: es.mul_(eb), lambda: ts.mul_(tb))
    # in place into a lower float type is allowed (same category)
    eh, th = make((3,), "float16")
    check(eh.add_(ember.ones(3, dtype=ember.float64)), th.add_(torch.ones(3, dtype=torch.float64)))
    ebool, tbool = make((3,), "bool")
    raises_like(lambda: ebool.add_(1), lambda: tbool.add_(1))
    raises_like(lambda: ebool.sub_(ebool), lambda: tbool.sub_(tbool))
    e, t = make((3,), "float32", requires_grad=True)
    raises_like(lambda: e.add_(1), lambda: t.add_(1))  # leaf that requires grad


def test_inplace_overlap_rules():
    """Writing into self while reading an overlapping view: torch refuses a partial overlap
    (x.add_(x.t())) and a self whose elements alias (an expanded view); x.add_(x) is fine."""
    base = np.arange(9, dtype=np.float32).reshape(3, 3)
    arr = base.copy()
    e, et = ember.from_numpy(arr), ember.from_numpy(arr.T)  # two views of one buffer
    t = torch.from_numpy(base.copy())
    err = raises_like(lambda: e.add_(et), lambda: t.add_(t.t()))
    assert "single memory location" in str(err)
    raises_like(lambda: e.mul_(et), lambda: t.mul_(t.t()))
    check(e.add_(e), t.add_(t))
    ex = ember.from_numpy(np.broadcast_to(np.ones((1, 3), np.float32), (2, 3)))
    tx = torch.ones(1, 3).expand(2, 3)
    raises_like(lambda: ex.add_(1), lambda: tx.add_(1))
    raises_like(lambda: ember.exp_(ex), lambda: tx.exp_())


def test_division_and_modulo_rules():
    """Sign rules of remainder (divisor's sign) and fmod (dividend's sign), rounding modes, zero divisors."""
    a = [7, -7, 7, -7, 0, 5, -5]
    b = [2, 2, -2, -2, 3, 5, 5]
    for dtype in ("int8", "int32", "int64", "float32", "float64", "float16", "bfloat16"):
        ea, ta = make((7,), dtype, values=a)
        eb, tb = make((7,), dtype, values=b)
        for fn in ("remainder", "fmod", "floor_divide"):
            check(getattr(ember, fn)(ea, eb), getattr(torch, fn)(ta, tb), msg=f"{fn} {dtype}")
        for mode in ("trunc", "floor", None):
            check(ember.div(ea, eb, rounding_mode=mode), torch.div(ta, tb, rounding_mode=mode), msg=f"div {mode} {dtype}")
        check(ea % -3, ta % -3)
        check(-7 % eb, -7 % tb)
    # float zero divisors give inf/nan like torch
    for dtype in ("float32", "float64"):
        ea, ta = make((4,), dtype, values=[1.0, -1.0, 0.0, 2.5])
        ez, tz = make((4,), dtype, values=[0.0, 0.0, 0.0, -0.0])
        for fn in ("remainder", "fmod", "floor_divide", "div"):
            check(getattr(ember, fn)(ea, ez), getattr(torch, fn)(ta, tz), msg=f"{fn} by zero {dtype}")
        for mode in ("trunc", "floor"):
            check(ember.div(ea, ez, rounding_mode=mode), torch.div(ta, tz, rounding_mode=mode))
    # integer zero divisors raise
    ea, ta = make((3,), "int64", values=[1, 2, 3])
    ez, tz = make((3,), "int64", values=[1, 0, 1])
    for fn in ("remainder", "fmod", "floor_divide"):
        err = raises_like(lambda: getattr(ember, fn)(ea, ez), lambda: getattr(torch, fn)(ta, tz))
        assert "ZeroDivisionError" in str(err)
    raises_like(lambda: ember.div(ea, ez, rounding_mode="trunc"), lambda: torch.div(ta, tz, rounding_mode="trunc"))
    check(ember.div(ea, ez), torch.div(ta, tz))  # true division of ints by zero: inf
    raises_like(lambda: ember.div(ea, ez, rounding_mode="round"), lambda: torch.div(ta, tz, rounding_mode="round"))


def test_pow_rules():
    """Integer powers, negative exponents, 0 ** 0, int tensor ** float, number ** tensor."""
    ei, ti = make((6,), "int64", values=[-3, -1, 0, 1, 2, 5])
    for p in (0, 1, 2, 3, 7):
        check(ei ** p, ti ** p)
        check(ember.pow(ei, p), torch.pow(ti, p))
    err = raises_like(lambda: ei ** -1, lambda: ti ** -1)
    assert "negative" in str(err)
    check(ei ** -1.0, ti ** -1.0)
    check(ei ** 0.5, ti ** 0.5)
    ee, te = make((6,), "int64", values=[0, 1, 2, -1, -2, 3])
    check(ei ** ee, ti ** te)  # tensor exponents: negative powers give 0 except for bases 1 and -1
    check(2 ** ee, 2 ** te)
    check(2.5 ** ee, 2.5 ** te)
    check(ember.pow(2, ee), torch.pow(2, te))
    ef, tf = make((6,), "float32", values=[-2.0, -0.5, 0.0, 0.0, 1.5, math.nan])
    for p in (2, 3, 0.5, -1, -2, 0, 1, -0.5, 1.7, math.inf, -math.inf, math.nan):
        check(ef ** p, tf ** p, msg=f"float ** {p}")
        check(p ** ef, p ** tf, msg=f"{p} ** float")
    eu, tu = make((4,), "uint8", values=[0, 1, 2, 16])
    check(eu ** 2, tu ** 2)
    eb, tb = make((3,), "bool", values=[True, False, True])
    check(eb ** 2, tb ** 2)
    raises_like(lambda: eb ** eb, lambda: tb ** tb)
    raises_like(lambda: eb ** -1, lambda: tb ** -1)


def test_maximum_minimum_nan_and_fmax():
    vals_a = [1.0, math.nan, 3.0, math.nan, -math.inf, 2.0]
    vals_b = [math.nan, 2.0, 1.0, math.nan, 0.0, 2.0]
    for dtype in ("float32", "float64", "bfloat16"):
        ea, ta = make((6,), dtype, values=vals_a)
        eb, tb = make((6,), dtype, values=vals_b)
        for fn in ("maximum", "minimum", "fmax", "fmin"):
            check(getattr(ember, fn)(ea, eb), getattr(torch, fn)(ta, tb), msg=f"{fn} {dtype}")
    ea, ta = make((4,), "float64", values=[1.0, 2.0, 3.0, 2.0], requires_grad=True)
    eb, tb = make((4,), "float64", values=[0.0, 2.0, 5.0, 2.0], requires_grad=True)
    for fn in ("maximum", "minimum"):
        ye, yt = getattr(ember, fn)(ea, eb), getattr(torch, fn)(ta, tb)
        g = np.array([1.0, 2.0, 3.0, 4.0])
        e_backward(ye, ember.from_numpy(g.copy()))
        yt.backward(torch.from_numpy(g.copy()))
        check(ea.grad, ta.grad, msg=fn)  # ties split the gradient in half
        check(eb.grad, tb.grad, msg=fn)
        ea.grad = None
        eb.grad = None
        ta.grad = None
        tb.grad = None


def test_xlogy_and_hypot_special():
    ea, ta = make((6,), "float64", values=[0.0, 0.0, 1.0, 2.0, math.nan, 0.0])
    eb, tb = make((6,), "float64", values=[0.0, math.nan, -1.0, math.inf, 1.0, math.inf])
    check(ember.xlogy(ea, eb), torch.xlogy(ta, tb))
    check(ember.xlogy(ea, 3.0), torch.xlogy(ta, 3.0))
    check(ember.hypot(ea, eb), torch.hypot(ta, tb))
    check(ember.atan2(ea, eb), torch.atan2(ta, tb))


def test_binary_errors():
    e1, t1 = make((2, 3), "float32")
    e2, t2 = make((4,), "float32")
    err = raises_like(lambda: e1 + e2, lambda: t1 + t2)
    assert "[2, 3]" in str(err) and "[4]" in str(err)
    eb, tb = make((3,), "bool")
    raises_like(lambda: eb - eb, lambda: tb - tb)
    raises_like(lambda: -eb, lambda: -tb)
    ef, tf = make((3,), "float32")
    raises_like(lambda: ef & ef, lambda: tf & tf)
    raises_like(lambda: ef << 1, lambda: tf << 1)
    ei, ti = make((3,), "int32")
    raises_like(lambda: ember.add(ei, ei, alpha=1.5), lambda: torch.add(ti, ti, alpha=1.5))
    raises_like(lambda: ember.add(ei, "x"), lambda: torch.add(ti, "x"))
    with pytest.raises(TypeError):
        ei + "x"
    with pytest.raises(TypeError):
        ei + [1, 2]  # torch raises TypeError too


def _binary_grad_case(op, dtype, la, lb, sa, sb):
    (ea, ta), (eb, tb) = binary_pair(op, sa, sb, dtype, dtype, la, lb, grad=True)
    e_fn, t_fn = binary_fns(op)
    ye, yt = e_fn(ea, eb), t_fn(ta, tb)
    g = np.random.default_rng(5).standard_normal(tuple(yt.shape)).astype(dtype)
    e_backward(ye, ember.from_numpy(g.copy()))
    yt.backward(torch.from_numpy(g.copy()))
    check(ea.grad, ta.grad, msg=f"{op.id} grad a {dtype} {la}")
    check(eb.grad, tb.grad, msg=f"{op.id} grad b {dtype} {lb}")


GRAD_BINARY = [b for b in BINARY if b.grad]


@pytest.mark.parametrize("op", GRAD_BINARY, ids=[b.id for b in GRAD_BINARY])
def test_binary_grad(op):
    for dtype in ("float32", "float64"):
        for la, lb in (("contiguous", "contiguous"), ("transposed", "sliced"), ("expanded", "contiguous")):
            _binary_grad_case(op, dtype, la, lb, (3, 4), (3, 4))
    (ea, _), (eb, _) = binary_pair(op, (3, 4), (3, 4), "float64", "float64")
    e_fn, _ = binary_fns(op)
    gradcheck(e_fn, [ea, eb])
    if op.smooth:
        gradgradcheck(e_fn, [ea, eb])
    if not op.scalar:
        return
    # a Python number operand gets no gradient, the tensor does
    e, t = make((3, 4), "float64", low=op.low, high=op.high, requires_grad=True)
    s = 1.5 if not op.nonzero2 else 2.0
    ye, yt = e_fn(e, s), binary_fns(op)[1](t, s)
    g = np.ones(tuple(yt.shape))
    e_backward(ye, ember.from_numpy(g.copy()))
    yt.backward(torch.from_numpy(g.copy()))
    check(e.grad, t.grad, msg=f"{op.id} with scalar")


@needs_reduce
@pytest.mark.parametrize("op", GRAD_BINARY, ids=[b.id for b in GRAD_BINARY])
def test_binary_grad_broadcast(op):
    for sa, sb in (((3, 1), (1, 4)), ((4,), (3, 4)), ((), (3, 4))):
        _binary_grad_case(op, "float64", "contiguous", "contiguous", sa, sb)


# ---------------------------------------------------------------- ternary ops
def test_where():
    for dtype in DTYPES:
        ec, tc = make((3, 4), "bool", seed=7)
        ea, ta = make((3, 4), dtype, "transposed", seed=1)
        eb, tb = make((1, 4), dtype, seed=2)
        check(ember.where(ec, ea, eb), torch.where(tc, ta, tb), msg=dtype)
        check(ember.where(ec, ea, 2.5), torch.where(tc, ta, 2.5), msg=dtype)
        check(ember.where(ec, 1, ea), torch.where(tc, 1, ta), msg=dtype)
        check(ea.where(ec, eb), ta.where(tc, tb), msg=dtype)
    ea, ta = make((3, 4), "int32")
    eb, tb = make((3, 4), "float16")
    ec, tc = make((3, 4), "bool", seed=3)
    check(ember.where(ec, ea, eb), torch.where(tc, ta, tb))
    eu, tu = make((3, 4), "uint8", low=0, high=1)
    check(ember.where(eu, ea, eb), torch.where(tu, ta, tb))
    ef, tf = make((3, 4), "float32")
    raises_like(lambda: ember.where(ef, ea, eb), lambda: torch.where(tf, ta, tb))
    raises_like(lambda: ember.where(ec, ea, ember.ones(5)), lambda: torch.where(tc, ta, torch.ones(5)))
    # gradients flow to both branches
    ea, ta = make((3, 4), "float64", requires_grad=True)
    eb, tb = make((3, 4), "float64", requires_grad=True, seed=4)
    gradcheck(lambda x, y: ember.where(ec, x, y), [ea, eb])
    ye, yt = ember.where(ec, ea, eb), torch.where(tc, ta, tb)
    g = np.arange(12.0).reshape(3, 4)
    e_backward(ye, ember.from_numpy(g.copy()))
    yt.backward(torch.from_numpy(g.copy()))
    check(ea.grad, ta.grad)
    check(eb.grad, tb.grad)


def test_clamp():
    vals = [-5.0, -1.0, 0.0, 0.5, 1.0, 7.0, math.nan, math.inf, -math.inf]
    for dtype in ("float32", "float64", "bfloat16", "int32", "int64", "uint8", "int8"):
        if dtype in FLOAT:
            e, t = make((9,), dtype, values=vals)
        else:
            e, t = make((9,), dtype, values=[v if math.isfinite(v) and v >= 0 else 3 for v in vals])
        for lo, hi in ((0, 1), (-1.5, 2.5), (None, 1), (0.5, None), (2, 1), (math.nan, 1), (0, math.nan)):
            if dtype not in FLOAT and (isinstance(lo, float) or isinstance(hi, float)):
                compare(lambda x: ember.clamp(x, lo, hi), lambda x: torch.clamp(x, lo, hi), [e], [t], dtype,
                        f"clamp {dtype} {lo} {hi}")
                continue
            check(ember.clamp(e, lo, hi), torch.clamp(t, lo, hi), msg=f"clamp {dtype} {lo} {hi}")
            check(e.clip(lo, hi), t.clip(lo, hi))
        # tensor bounds, broadcast, NaN bounds
        elo, tlo = make((9,), dtype, values=[0, 0, 1, 0, 0, 0, 0, 0, 0] if dtype not in FLOAT else
                        [0.0, math.nan, 1.0, 0.0, 0.0, -1.0, 0.0, 0.0, 0.0])
        ehi, thi = make((1,), dtype, values=[2])
        check(ember.clamp(e, elo, ehi), torch.clamp(t, tlo, thi), msg=f"clamp tensors {dtype}")
        check(ember.clamp(e, min=elo), torch.clamp(t, min=tlo))
        check(ember.clamp(e, max=ehi), torch.clamp(t, max=thi))
        check(ember.clamp_min(e, 1), torch.clamp_min(t, 1))
        check(ember.clamp_max(e, 1), torch.clamp_max(t, 1))
        e2, t2 = e.clone(), t.clone()
        check(e2.clamp_(0, 1), t2.clamp_(0, 1))
        e2, t2 = e.clone(), t.clone()
        check(e2.clamp_(elo, ehi), t2.clamp_(tlo, thi))
    raises_like(lambda: ember.clamp(ember.ones(2)), lambda: torch.clamp(torch.ones(2)))
    ei, ti = make((3,), "int32")
    raises_like(lambda: ei.clamp_(0.5, 1.5), lambda: ti.clamp_(0.5, 1.5))
    # gradient: 1 inside [min, max], to the bound tensors where they clip
    e, t = make((3, 4), "float64", requires_grad=True)
    gradcheck(lambda x: ember.clamp(x, -1.0, 1.0), [e])
    elo, tlo = make((3, 4), "float64", low=-2, high=0, requires_grad=True, seed=8)
    ehi, thi = make((3, 4), "float64", low=0, high=2, requires_grad=True, seed=9)
    ye, yt = ember.clamp(e, elo, ehi), torch.clamp(t, tlo, thi)
    g = np.ones((3, 4))
    e_backward(ye, ember.from_numpy(g.copy()))
    yt.backward(torch.from_numpy(g.copy()))
    for a, b in ((e, t), (elo, tlo), (ehi, thi)):
        check(a.grad, b.grad)


def test_lerp():
    for dtype in ("float32", "float64", "bfloat16", "float16"):
        ea, ta = make((3, 4), dtype, "transposed")
        eb, tb = make((3, 4), dtype, seed=3)
        ew, tw = make((4,), dtype, low=0, high=1, seed=4)
        for w in (0.3, 0.75, 2.0, -0.5):
            compare(lambda a, b: ember.lerp(a, b, w), lambda a, b: torch.lerp(a, b, w), [ea, eb], [ta, tb], dtype,
                    f"lerp {dtype} {w}")
        compare(ember.lerp, torch.lerp, [ea, eb, ew], [ta, tb, tw], dtype, f"lerp tensor weight {dtype}")
        compare(lambda x, y: x.clone().lerp_(y, 0.3), lambda x, y: x.clone().lerp_(y, 0.3), [ea, eb], [ta, tb], dtype,
                "lerp_")
    ei, ti = make((3,), "int32")
    raises_like(lambda: ember.lerp(ei, ei, 0.5), lambda: torch.lerp(ti, ti, 0.5))
    ef, tf = make((3,), "float32")
    ed, td = make((3,), "float64")
    raises_like(lambda: ember.lerp(ef, ed, 0.5), lambda: torch.lerp(tf, td, 0.5))
    es, ts = make((3, 4), "float64", requires_grad=True)
    ee, te = make((3, 4), "float64", requires_grad=True, seed=5)
    ew, tw = make((3, 4), "float64", low=0, high=1, requires_grad=True, seed=6)
    gradcheck(ember.lerp, [es, ee, ew])
    gradgradcheck(lambda a, b: ember.lerp(a, b, 0.3), [es, ee])


def test_addcmul_addcdiv():
    for dtype in ("float32", "float64", "bfloat16", "int32", "int64", "float16"):
        ea, ta = make((3, 4), dtype)
        e1, t1 = make((3, 1), dtype, seed=2)
        e2, t2 = make((4,), dtype, low=0.5, high=3, seed=3)
        for v in (1, 0.5, -2):
            compare(lambda a, b, c: ember.addcmul(a, b, c, value=v), lambda a, b, c: torch.addcmul(a, b, c, value=v),
                    [ea, e1, e2], [ta, t1, t2], dtype, f"addcmul {dtype} {v}")
            compare(lambda a, b, c: ember.addcdiv(a, b, c, value=v), lambda a, b, c: torch.addcdiv(a, b, c, value=v),
                    [ea, e1, e2], [ta, t1, t2], dtype, f"addcdiv {dtype} {v}")
            compare(lambda a, b, c: a.clone().addcmul_(b, c, value=v),
                    lambda a, b, c: a.clone().addcmul_(b, c, value=v), [ea, e1, e2], [ta, t1, t2], dtype, "addcmul_")
            compare(lambda a, b, c: a.clone().addcdiv_(b, c, value=v),
                    lambda a, b, c: a.clone().addcdiv_(b, c, value=v), [ea, e1, e2], [ta, t1, t2], dtype, "addcdiv_")
    ea, ta = make((3, 4), "float64", requires_grad=True)
    e1, t1 = make((3, 4), "float64", requires_grad=True, seed=2)
    e2, t2 = make((3, 4), "float64", low=0.5, high=2, requires_grad=True, seed=3)
    gradcheck(lambda a, b, c: ember.addcmul(a, b, c, value=0.5), [ea, e1, e2])
    gradcheck(lambda a, b, c: ember.addcdiv(a, b, c, value=-2), [ea, e1, e2])
    gradgradcheck(lambda a, b, c: ember.addcdiv(a, b, c, value=0.5), [ea, e1, e2])


def test_nan_to_num_and_round_special():
    vals = [math.nan, math.inf, -math.inf, 1.5, -0.0, 2.5, -2.5, 0.125, 1234.5678, 3e38]
    for dtype in ("float32", "float64", "float16", "bfloat16"):
        e, t = make((10,), dtype, values=vals)
        check(ember.nan_to_num(e), torch.nan_to_num(t), msg=dtype)
        check(ember.nan_to_num(e, nan=0.5, posinf=1.0), torch.nan_to_num(t, nan=0.5, posinf=1.0), msg=dtype)
        e2, t2 = e.clone(), t.clone()
        check(e2.nan_to_num_(neginf=-7.0), t2.nan_to_num_(neginf=-7.0))
        if dtype in ("float32", "float64"):
            for d in (0, 1, 2, -1, -2):
                check(ember.round(e, decimals=d), torch.round(t, decimals=d), msg=f"round {d} {dtype}")
    ei, ti = make((3,), "int64", values=[1, -2, 3])
    check(ember.nan_to_num(ei), torch.nan_to_num(ti))
    check(ember.round(ei), torch.round(ti))


# ---------------------------------------------------------------- names torch has for the same ops
ALIASES = [("negative", 1), ("absolute", 1), ("arcsin", 1), ("arccos", 1), ("arctan", 1), ("arcsinh", 1),
           ("arccosh", 1), ("arctanh", 1), ("fix", 1), ("multiply", 2), ("divide", 2), ("true_divide", 2),
           ("subtract", 2), ("greater", 2), ("greater_equal", 2), ("less", 2), ("less_equal", 2), ("not_equal", 2),
           ("arctan2", 2), ("clip", 1), ("fmax", 2), ("fmin", 2), ("float_power", 2), ("rsub", 2)]


@pytest.mark.parametrize("name,arity", ALIASES, ids=[a[0] for a in ALIASES])
def test_aliases_and_extra_binary_forms(name, arity):
    for dtype in ("float32", "int64"):
        low, high = (1.1, 3.0) if name == "arccosh" else (-0.9, 0.9) if name.startswith("arc") else (0.5, 3.0)
        ea, ta = make((3, 4), dtype, low=low, high=high)
        eb, tb = make((3, 4), dtype, low=0.5, high=3.0, seed=4)
        args_e, args_t = ([ea], [ta]) if arity == 1 else ([ea, eb], [ta, tb])
        kw = {"min": 0.7, "max": 2.0} if name == "clip" else {}
        compare(lambda *a: getattr(ember, name)(*a, **kw), lambda *a: getattr(torch, name)(*a, **kw), args_e, args_t,
                dtype, f"{name} {dtype}")
        if hasattr(torch.Tensor, name):  # the method form too
            compare(lambda x, *a: getattr(x, name)(*a, **kw), lambda x, *a: getattr(x, name)(*a, **kw), args_e,
                    args_t, dtype, f"Tensor.{name} {dtype}")


def test_number_first_forms():
    """torch.pow(2, t), torch.xlogy(2.0, t), torch.rsub(t, 2): a number in the first place."""
    e, t = make((3, 4), "float64", low=0.5, high=3.0)
    check(ember.pow(2, e), torch.pow(2, t))
    check(ember.xlogy(2.0, e), torch.xlogy(2.0, t))
    check(ember.rsub(e, 2), torch.rsub(t, 2))
    check(ember.float_power(e, 2), torch.float_power(t, 2))
    ei, ti = make((3,), "int32", values=[1, 2, 3])
    check(ember.float_power(ei, 0.5), torch.float_power(ti, 0.5))
    check(ember.float_power(2, ei), torch.float_power(2, ti))


def test_equal():
    e, t = make((3, 4), "float32")
    e2, t2 = make((3, 4), "float32", seed=3)
    assert ember.equal(e, e.clone()) == torch.equal(t, t.clone()) is True
    assert ember.equal(e, e2) == torch.equal(t, t2) is False
    assert ember.equal(e, ember.ones(4)) is False


def test_mul_by_bool_mask_matches_torch():
    # float * bool runs without a float copy of the mask; the values must be those of the cast
    # (-0.0, NaN for inf * False), for broadcast masks, both operand orders and every float dtype
    import torch
    x = np.array([[-1.5, 0.0, -0.0, np.nan, np.inf, -np.inf, 2.0]], dtype=np.float64).repeat(3, 0)
    m = np.array([[True], [False], [True]])
    for dt in ("float32", "float64", "float16", "bfloat16"):
        e, t = ember, torch
        xe, xt = e.tensor(x).to(getattr(e, dt)), t.tensor(x).to(getattr(t, dt))
        me, mt = e.tensor(m), t.tensor(m)
        for ye, yt in ((xe * me, xt * mt), (me * xe, mt * xt), (xe.t() * me.t(), xt.t() * mt.t())):
            assert ye.dtype == getattr(e, dt) and tuple(ye.shape) == tuple(yt.shape)
            a, b = ye.double().numpy(), yt.double().numpy()
            num = ~np.isnan(b)  # a NaN's sign bit carries no meaning
            assert np.array_equal(a, b, equal_nan=True) and np.array_equal(np.signbit(a[num]), np.signbit(b[num]))
    g = ember.tensor([1.0, -2.0, 3.0], requires_grad=True)
    (g * ember.tensor([True, False, True])).sum().backward()
    assert g.grad.tolist() == [1.0, 0.0, 1.0]
