"""torch's elementwise long tail against real PyTorch: copysign, heaviside, gcd, lcm, ldexp,
frexp, nextafter, the in-place forms and torch.* spellings of existing ops, and the small
predicates (is_nonzero, is_same_size, is_conj, ...)."""
import numpy as np
import pytest
import torch

import ember
from oracle import LAYOUTS, check, check_grads, check_same, pair, raises_like

pytestmark = pytest.mark.filterwarnings("ignore:The given NumPy array is not writable")

ALL = ["float32", "float64", "float16", "bfloat16", "int8", "int16", "int32", "int64", "uint8", "bool"]
SHAPES = [(3, 4), (), (0, 4)]


def both(fn_name, *args, **kw):
    """Call ember.<fn> and torch.<fn> on (ember, torch) argument pairs."""
    e_args = [a[0] if isinstance(a, tuple) else a for a in args]
    t_args = [a[1] if isinstance(a, tuple) else a for a in args]
    return getattr(ember, fn_name)(*e_args, **kw), getattr(torch, fn_name)(*t_args, **kw)


# ---------------------------------------------------------------- binary number ops over dtypes and layouts
BINARY = ["copysign", "heaviside", "gcd", "lcm", "ldexp", "nextafter"]


@pytest.mark.parametrize("op", BINARY)
@pytest.mark.parametrize("dtype", ALL)
def test_binary_dtypes(op, dtype):
    for shape in SHAPES:
        for layout in LAYOUTS:
            a = pair(shape, dtype, layout, rng=np.random.default_rng(1))
            b = pair(shape, dtype, layout, rng=np.random.default_rng(2))
            check_same(lambda: getattr(ember, op)(a[0], b[0]), lambda: getattr(torch, op)(a[1], b[1]),
                       msg=f"{op} {dtype} {shape} {layout}")


@pytest.mark.parametrize("op", BINARY)
def test_binary_broadcast_and_mixed(op):
    pairs = [(("float32", (3, 1)), ("float32", (4,))), (("int32", (2, 3)), ("int64", ())),
             (("float64", ()), ("float32", (5,))), (("int16", (4,)), ("float32", (2, 4)))]
    for (da, sa), (db, sb) in pairs:
        a = pair(sa, da, rng=np.random.default_rng(3))
        b = pair(sb, db, rng=np.random.default_rng(4))
        check_same(lambda: getattr(ember, op)(a[0], b[0]), lambda: getattr(torch, op)(a[1], b[1]),
                   msg=f"{op} {da}{sa} {db}{sb}")


def test_special_values():
    vals = [0.0, -0.0, 1.0, -1.5, float("inf"), float("-inf"), float("nan"), 1e-40, 3e38]
    a = torch.tensor(vals)
    ea = ember.tensor(vals)
    for b in (torch.tensor(vals[::-1]), torch.tensor(-2.0), torch.tensor(0.0)):
        eb = ember.tensor(b.numpy())
        for op in ("copysign", "nextafter", "heaviside"):
            check(getattr(ember, op)(ea, eb), getattr(torch, op)(a, b), rtol=0, atol=0, msg=op)
    m, e = ember.frexp(ea)
    tm, te = torch.frexp(a)
    check(m, tm, rtol=0, atol=0)
    check(e, te)
    ints = [0, 7, -7, 12, -18, 127, -128]
    for d in ("int8", "int64"):
        x = torch.tensor(ints, dtype=getattr(torch, d))
        y = torch.tensor(ints[::-1], dtype=getattr(torch, d))
        ex, ey = ember.tensor(x.numpy()), ember.tensor(y.numpy())
        check(ember.gcd(ex, ey), torch.gcd(x, y))
        check(ember.lcm(ex, ey), torch.lcm(x, y))


def test_python_number_operands():
    e, t = pair((3, 4), "float32")
    check(ember.copysign(e, -1), torch.copysign(t, -1))
    check(ember.copysign(e, 2.5), torch.copysign(t, 2.5))
    i = pair((5,), "int64")
    check(ember.copysign(i[0], -1.0), torch.copysign(i[1], -1.0))
    for op in ("heaviside", "gcd", "nextafter", "ldexp"):
        raises_like(lambda: getattr(ember, op)(e, 1), lambda: getattr(torch, op)(t, 1))


def test_frexp():
    for dtype in ALL:
        for shape in SHAPES:
            for layout in LAYOUTS:
                a = pair(shape, dtype, layout, low=-100, high=100)
                check_same(lambda: tuple(ember.frexp(a[0])), lambda: tuple(torch.frexp(a[1])),
                           msg=f"frexp {dtype} {shape} {layout}")
    e, t = pair((4,), "float32")
    r = e.frexp()
    assert type(r).__name__ == "frexp" and r.mantissa is r[0] and r.exponent.dtype == ember.int32


# ---------------------------------------------------------------- gradients
def test_copysign_grad():
    e, t = pair((3, 4), "float64", requires_grad=True)
    eo, to = pair((3, 4), "float64", requires_grad=True)
    ember.copysign(e, eo).sum().backward()
    torch.copysign(t, to).sum().backward()
    check_grads([e, eo], [t, to])
    assert ember.autograd.gradcheck(lambda x: ember.copysign(x, -1.0), (e.detach().requires_grad_(),))
    assert ember.autograd.gradgradcheck(lambda x, y: ember.copysign(x, y), (e, eo))


def test_ldexp_and_frexp_grad():
    e, t = pair((2, 3), "float64", requires_grad=True)
    ee = ember.tensor([[1, -2, 3], [0, 4, -1]])
    te = torch.tensor([[1, -2, 3], [0, 4, -1]])
    ember.ldexp(e, ee).sum().backward()
    torch.ldexp(t, te).sum().backward()
    check_grads([e], [t])
    assert ember.autograd.gradcheck(lambda x: ember.ldexp(x, ee), (e,))
    e.grad = t.grad = None
    (ember.frexp(e).mantissa * 3).sum().backward()
    (torch.frexp(t).mantissa * 3).sum().backward()
    check_grads([e], [t])
    assert not ember.frexp(e).exponent.requires_grad


@pytest.mark.parametrize("op", ["heaviside", "nextafter"])
def test_not_differentiable(op):
    e, t = pair((3,), "float32", requires_grad=True)
    eo, to = pair((3,), "float32")
    out_e, out_t = getattr(ember, op)(e, eo), getattr(torch, op)(t, to)
    assert out_e.requires_grad == out_t.requires_grad
    raises_like(lambda: out_e.sum().backward(), lambda: out_t.sum().backward())


# ---------------------------------------------------------------- in-place forms
INPLACE_BINARY = [("copysign_", "float32", "float32"), ("heaviside_", "float32", "float32"),
                  ("gcd_", "int64", "int32"), ("lcm_", "int32", "int32"), ("ldexp_", "float32", "int64"),
                  ("nextafter_", "float64", "float64"), ("xlogy_", "float32", "float32"),
                  ("copysign_", "int64", "float32"), ("xlogy_", "int64", "int64"), ("gcd_", "int8", "int64")]


@pytest.mark.parametrize("name,da,db", INPLACE_BINARY)
def test_inplace_binary(name, da, db):
    for sb in [(3, 4), (4,), ()]:
        a = pair((3, 4), da, "transposed", low=0.5)
        b = pair(sb, db, low=0.5)

        def run(lib, x, y):
            x = x.clone()
            r = getattr(x, name)(y)
            assert r is x
            return x
        check_same(lambda: run(ember, a[0], b[0]), lambda: run(torch, a[1], b[1]), msg=f"{name} {da} {db} {sb}")
    # the broadcast result must fit self
    a, b = pair((4,), da), pair((3, 4), db)
    raises_like(lambda: getattr(a[0].clone(), name)(b[0]), lambda: getattr(a[1].clone(), name)(b[1]))
    fn = getattr(torch, name, None)
    if fn is not None:  # torch.gcd_ etc. exist as functions too
        a, b = pair((3,), da, low=1), pair((3,), db, low=1)
        check_same(lambda: getattr(ember, name)(a[0].clone(), b[0]), lambda: fn(a[1].clone(), b[1]), msg=name)


def test_inplace_grad_through_clone():
    for name, other in [("xlogy_", 2.0), ("copysign_", -1.0), ("float_power_", 2)]:
        e, t = pair((3,), "float64", low=0.5, requires_grad=True)
        ye, yt = e.clone(), t.clone()
        getattr(ye, name)(other)
        getattr(yt, name)(other)
        (ye * ye).sum().backward()
        (yt * yt).sum().backward()
        check_grads([e], [t], msg=name)
        raises_like(lambda: getattr(e, name)(other), lambda: getattr(t, name)(other))  # leaf requiring grad


def test_float_power_():
    for d in ("float64", "float32", "int64"):
        e, t = pair((3,), d, low=0.5)
        check_same(lambda: e.clone().float_power_(2.5), lambda: t.clone().float_power_(2.5), msg=d)
        check_same(lambda: e.clone().float_power_(ember.tensor([1, 2, 3])),
                   lambda: t.clone().float_power_(torch.tensor([1, 2, 3])), msg=d)


# ---------------------------------------------------------------- torch.* spellings of in-place ops
UNARY_ALIASES = ["arccos_", "arcsin_", "arctan_", "arccosh_", "arcsinh_", "arctanh_", "negative_", "fix_", "zero_"]


@pytest.mark.parametrize("name", UNARY_ALIASES)
def test_unary_inplace_functions(name):
    low, high = (1.5, 3.0) if name == "arccosh_" else (-0.9, 0.9)
    for layout in ("contiguous", "transposed", "sliced"):
        e, t = pair((3, 4), "float32", layout, low=low, high=high)
        by_method = getattr(e.clone(), name)()
        assert getattr(ember, name)(e) is e
        getattr(torch, name)(t)
        check(e, t, msg=f"{name} {layout}")
        check(by_method, t, msg=f"{name} {layout} method")
    e, t = pair((3,), "int64")
    check_same(lambda: getattr(ember, name)(e.clone()), lambda: getattr(torch, name)(t.clone()), msg=f"{name} int")


def test_clamp_family_functions():
    for layout in LAYOUTS[:3]:
        e, t = pair((3, 4), "float32", layout)
        for kw in ({"min": -1.0}, {"max": 0.5}, {"min": -0.5, "max": 0.5}):
            for name in ("clamp_", "clip_"):
                ee, tt = e.clone(), t.clone()
                assert getattr(ember, name)(ee, **kw) is ee
                getattr(torch, name)(tt, **kw)
                check(ee, tt, msg=f"{name} {kw}")
        lo = pair((4,), "float32")
        for name, arg in (("clamp_min_", -0.5), ("clamp_max_", 0.5), ("clamp_min_", lo), ("clamp_max_", lo)):
            ea, ta = (arg, arg) if isinstance(arg, float) else arg
            ee, tt = e.clone(), t.clone()
            assert getattr(ee, name)(ea) is ee
            getattr(tt, name)(ta)
            check(ee, tt, msg=name)
            ee, tt = e.clone(), t.clone()
            getattr(ember, name)(ee, ea)
            getattr(torch, name)(tt, ta)
            check(ee, tt, msg=name)
    e, t = pair((3,), "int32")
    raises_like(lambda: ember.clamp_min_(e.clone(), 0.5), lambda: torch.clamp_min_(t.clone(), 0.5))
    raises_like(lambda: ember.clamp_(e.clone()), lambda: torch.clamp_(t.clone()))


@pytest.mark.parametrize("name", ["greater_", "greater_equal_", "less_", "less_equal_", "not_equal_"])
def test_comparison_inplace(name):
    for d in ("float32", "int64", "uint8"):
        e, t = pair((3, 4), d, "transposed")
        oe, ot = pair((4,), d)
        for a, b in ((oe, ot), (1, 1), (0.5, 0.5)):
            ee, tt = e.clone(), t.clone()
            assert getattr(ee, name)(a) is ee
            getattr(tt, name)(b)
            check(ee, tt, msg=f"{name} {d}")


def test_misc_inplace_functions():
    e, t = pair((3, 4), "float32")
    for fn, args in (("round_", ()), ("nan_to_num_", ()), ("threshold_", (0.1, 20.0)), ("celu_", ()),
                     ("celu_", (2.0,)), ("fill_", (3,)), ("fill_", (2.5,))):
        ee, tt = e.clone(), t.clone()
        assert getattr(ember, fn)(ee, *args) is ee
        getattr(torch, fn)(tt, *args)
        check(ee, tt, msg=fn)
    ee, tt = e.clone(), t.clone()
    ember.round_(ee, decimals=1)
    torch.round_(tt, decimals=1)
    check(ee, tt)
    ee, tt = e.clone(), t.clone()
    ember.fill_(ee, ember.tensor(7.0))
    torch.fill_(tt, torch.tensor(7.0))
    check(ee, tt)
    nan = torch.tensor([float("nan"), float("inf"), -float("inf"), 1.0])
    en = ember.tensor(nan.numpy())
    ember.nan_to_num_(en, nan=1.0, posinf=2.0)
    check(en, torch.nan_to_num_(nan.clone(), nan=1.0, posinf=2.0))
    i = pair((3,), "int64")
    raises_like(lambda: ember.celu_(i[0].clone()), lambda: torch.celu_(i[1].clone()))
    # detach_: the tensor leaves the graph in place
    x = ember.ones(2, requires_grad=True) * 2
    assert ember.detach_(x) is x and not x.requires_grad and x.grad_fn is None


def test_threshold_celu_inplace_grad():
    for fn, args in (("threshold_", (0.1, 20.0)), ("celu_", (1.5,))):
        e, t = pair((3, 4), "float64", requires_grad=True)
        ye, yt = e * 1, t * 1
        getattr(ember, fn)(ye, *args)
        getattr(torch, fn)(yt, *args)
        (ye * ye).sum().backward()
        (yt * yt).sum().backward()
        check_grads([e], [t], msg=fn)


# ---------------------------------------------------------------- predicates
def test_predicates():
    for vals in ([2.0], [[0]], [], [1, 2], 0.0, True):
        e, t = ember.tensor(vals), torch.tensor(vals)
        check_same(lambda: ember.is_nonzero(e), lambda: torch.is_nonzero(t), msg=str(vals))
        check_same(lambda: e.is_nonzero(), lambda: t.is_nonzero(), msg=str(vals))
    a, b, c = ember.zeros(2, 3), ember.ones(2, 3, dtype=ember.int64), ember.zeros(3, 2)
    assert ember.is_same_size(a, b) and a.is_same_size(b) and not ember.is_same_size(a, c)
    for d in ("uint8", "int8", "float16", "bool", "float64"):
        assert ember.is_signed(ember.zeros(1, dtype=getattr(ember, d))) == torch.is_signed(
            torch.zeros(1, dtype=getattr(torch, d)))
    x = ember.ones(3, requires_grad=True)
    for name in ("is_conj", "is_neg"):
        assert getattr(ember, name)(x) is False and getattr(x, name)() is False
    for name in ("resolve_conj", "resolve_neg"):
        assert getattr(ember, name)(x) is x and getattr(x, name)() is x


def test_is_inference():
    # an inference tensor is one made in inference mode; views share the answer of their base
    import numpy as np_

    for lib in (ember, torch):
        n = lib.ones(3)
        with lib.inference_mode():
            a = lib.ones(3)
            v = n[1:]
            f = lib.from_numpy(np_.ones(2))
            t = lib.tensor([1.0, 2.0])
            d = n.detach()
            c = n * 2
            n.add_(1)
            with lib.inference_mode(False):
                b = lib.ones(2)
        got = [a.is_inference(), a[1:].is_inference(), v.is_inference(), f.is_inference(), t.is_inference(),
               d.is_inference(), c.is_inference(), n.is_inference(), b.is_inference(), a.clone().is_inference(),
               lib.is_inference(a), lib.is_inference(n)]
        assert got == [True, True, False, True, True, False, True, False, False, False, True, False], (lib.__name__, got)
