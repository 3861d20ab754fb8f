"""More of torch's surface against real PyTorch: fill, fill_diagonal_, angle and the
real-tensor identities (real, imag, conj, conj_physical), nanquantile, gradient, as_strided_,
new_empty_strided, unsafe_chunk/unsafe_split(_with_sizes) and torch.index_put_."""
import numpy as np
import pytest
import torch

import ember
from oracle import LAYOUTS, check, check_grads, check_same, pair, raises_like

pytestmark = pytest.mark.filterwarnings("ignore:The given NumPy array is not writable")


def same(fn, *args, **kw):
    """fn(library, *args) in both libraries, pairs (ember, torch) split: same result or same exception type."""
    def side(k):
        return [a[k] if isinstance(a, tuple) and len(a) == 2 and isinstance(a[1], torch.Tensor) else a for a in args]
    check_same(lambda: fn(ember, *side(0), **kw), lambda: fn(torch, *side(1), **kw))


def test_fill():
    for d in ("float32", "int64", "bool", "float16"):
        for layout in LAYOUTS:
            x = pair((3, 4), d, layout)
            for v in (2.5, 3, True):
                same(lambda L, t: L.fill(t, v), x)
            same(lambda L, t: L.fill(t, L.tensor(7.0)), x)
    same(lambda L: L.fill(L.ones(3), L.ones(2)))
    v = ember.tensor(2.0, requires_grad=True)
    (ember.fill(ember.ones(3, 2), v) * ember.arange(6.0).view(3, 2)).sum().backward()
    assert v.grad.item() == 15.0


def test_fill_diagonal_():
    for shape in ((3, 4), (4, 3), (7, 3), (3, 3, 3), (2, 3, 4), (5,), (1, 1), (0, 3)):
        for wrap in (False, True):
            for d in ("float32", "int64", "bool"):
                same(lambda L, t: t.clone().fill_diagonal_(1, wrap), pair(shape, d))
    same(lambda L, t: t.clone().fill_diagonal_(2.5, True), pair((7, 3), "float32", "transposed"))
    x = pair((4, 4), "float64", requires_grad=True)
    ye, yt = x[0] * 1, x[1] * 1
    ye.fill_diagonal_(0)
    yt.fill_diagonal_(0)
    (ye * ye).sum().backward()
    (yt * yt).sum().backward()
    check_grads([x[0]], [x[1]])


def test_angle_and_identities():
    vals = [1.0, -2.0, 0.0, -0.0, float("nan"), float("-inf")]
    for d in ("float32", "float64", "float16", "int64", "int8", "bool", "uint8"):
        e, t = ember.tensor(vals).to(getattr(ember, d)), torch.tensor(vals).to(getattr(torch, d))
        same(lambda L, x: L.angle(x), (e, t))
        same(lambda L, x: x.angle(), (e, t))
        same(lambda L, x: L.imag(x), (e, t))
        for name in ("real", "conj", "conj_physical"):
            assert getattr(ember, name)(e) is e and getattr(e, name)() is e
        assert ember.conj_physical_(e) is e and e.conj_physical_() is e
    x = pair((3, 4), "float64", requires_grad=True)
    ember.angle(x[0]).sum().backward()
    torch.angle(x[1]).sum().backward()
    check_grads([x[0]], [x[1]])


def test_nanquantile():
    a = np.random.default_rng(3).uniform(-3, 3, (4, 6)).astype("float32")
    a[0, 1] = a[2, :] = a[3, 0] = a[3, 5] = np.nan
    for d in ("float32", "float64"):
        x = (ember.tensor(a).to(getattr(ember, d)), torch.tensor(a).to(getattr(torch, d)))
        for q in (0.0, 0.3, 0.5, 1.0):
            for interp in ("linear", "lower", "higher", "midpoint", "nearest"):
                same(lambda L, t: L.nanquantile(t, q, interpolation=interp), x)
                for dim in (0, 1, -1):
                    same(lambda L, t: L.nanquantile(t, q, dim, True, interpolation=interp), x)
                    same(lambda L, t: t.nanquantile(q, dim=dim, interpolation=interp), x)
        qs = (ember.tensor([0.1, 0.9]).to(x[0].dtype), torch.tensor([0.1, 0.9]).to(x[1].dtype))
        same(lambda L, t, qq: L.nanquantile(t, qq, dim=1), x, qs)
        same(lambda L, t, qq: L.quantile(t, qq, dim=1), x, qs)  # quantile keeps NaN lines NaN
    for bad in (lambda L: L.nanquantile(L.tensor([]), 0.5), lambda L: L.nanquantile(L.ones(3, dtype=L.int64), 0.5),
                lambda L: L.nanquantile(L.ones(3), 1.5), lambda L: L.nanquantile(L.ones(3), 0.5, interpolation="x")):
        same(bad)
    x = pair((4, 5), "float64", requires_grad=True)
    ember.nanquantile(x[0], 0.3, dim=1).sum().backward()
    torch.nanquantile(x[1], 0.3, dim=1).sum().backward()
    check_grads([x[0]], [x[1]])


def test_gradient():
    for d in ("float32", "float64", "int64"):
        for layout in ("contiguous", "transposed"):
            x = pair((4, 5), d, layout)
            for edge in (1, 2):
                same(lambda L, t: L.gradient(t, edge_order=edge), x)
                for spacing in (2.0, 3, [0.5, 2.0]):
                    same(lambda L, t: L.gradient(t, spacing=spacing, edge_order=edge), x)
                for dim in (0, -1, [1, 0], (1,)):
                    same(lambda L, t: L.gradient(t, dim=dim, edge_order=edge), x)
                    same(lambda L, t: L.gradient(t, spacing=1.5, dim=dim, edge_order=edge), x)
                c0, c1 = pair((4,), "float64", low=0, high=9), pair((5,), "float64", low=0, high=9)
                same(lambda L, t, a, b: L.gradient(t, spacing=[a.sort().values, b.sort().values], edge_order=edge),
                     x, c0, c1)
                same(lambda L, t, b: L.gradient(t, spacing=(b.sort().values,), dim=1, edge_order=edge), x, c1)
    same(lambda L: L.gradient(L.tensor(3.0)))
    for bad in (lambda L: L.gradient(L.ones(4, dtype=L.uint8)), lambda L: L.gradient(L.ones(2), edge_order=2),
                lambda L: L.gradient(L.ones(3, 3), spacing=[1.0, 2, 3]),
                lambda L: L.gradient(L.ones(3, 3), dim=[0, 1], spacing=[1.0]),
                lambda L: L.gradient(L.ones(3, 3), edge_order=3), lambda L: L.gradient(L.ones(3, 3), dim=2),
                lambda L: L.gradient(L.ones(3, 3), spacing=[L.ones(3, 1)], dim=0)):
        same(bad)
    x = pair((4, 5), "float64", requires_grad=True)
    c = pair((5,), "float64", requires_grad=True, low=0, high=9)
    for edge in (1, 2):
        for v in (x, c):
            v[0].grad = v[1].grad = None
        ge = ember.gradient(x[0], spacing=[c[0].sort().values], dim=1, edge_order=edge)[0]
        gt = torch.gradient(x[1], spacing=[c[1].sort().values], dim=1, edge_order=edge)[0]
        (ge * ge).sum().backward()
        (gt * gt).sum().backward()
        check_grads([x[0], c[0]], [x[1], c[1]], rtol=1e-6, atol=1e-6)
    assert ember.autograd.gradcheck(lambda t: ember.gradient(t, spacing=0.5, edge_order=2)[1], (x[0].detach().requires_grad_(),))


def test_as_strided_and_new_empty_strided():
    for args in (((2, 2), (1, 2)), ((3,), (4,), 1), ((2, 3), (3, 1), 0)):
        same(lambda L, t: t.clone().as_strided_(*args), pair((3, 4)))
        same(lambda L, t: L.as_strided_(t.clone(), *args), pair((3, 4)))
    x = ember.arange(12.0)
    r = x.as_strided_((2, 3), (3, 1), 2)
    assert r is x and x.shape == (2, 3) and x.stride() == (3, 1) and x.storage_offset() == 2
    # autograd follows the new geometry
    a = pair((12,), "float64", requires_grad=True)
    ye, yt = a[0] * 1, a[1] * 1
    ye.as_strided_((2, 3), (1, 2), 1)
    yt.as_strided_((2, 3), (1, 2), 1)
    (ye * ye).sum().backward()
    (yt * yt).sum().backward()
    check_grads([a[0]], [a[1]])
    e, t = pair((2, 2), "float64")
    for kw in ({}, {"dtype": "int32"}):
        re = e.new_empty_strided((2, 3), (1, 2), **{k: getattr(ember, v) for k, v in kw.items()})
        rt = t.new_empty_strided((2, 3), (1, 2), **{k: getattr(torch, v) for k, v in kw.items()})
        assert tuple(re.shape) == tuple(rt.shape) and re.stride() == rt.stride()
        assert str(re.dtype).split(".")[-1] == str(rt.dtype).split(".")[-1]


def test_unsafe_splits_and_index_put_():
    x = pair((5, 4), "float32", "transposed")
    same(lambda L, t: L.unsafe_chunk(t, 2, 1), x)
    same(lambda L, t: t.unsafe_chunk(3), x)
    same(lambda L, t: L.unsafe_split(t, 2), x)
    same(lambda L, t: t.unsafe_split(3, dim=1), x)
    same(lambda L, t: L.unsafe_split_with_sizes(t, [1, 4]), x)
    same(lambda L, t: t.unsafe_split_with_sizes([3, 1], 1), x)

    def put(L, t):
        t = t.clone()
        r = L.index_put_(t, (L.tensor([0, 2]), L.tensor([1, 3])), L.tensor([7.0, 8.0]), accumulate=True)
        assert r is t
        return t
    same(put, x)


def test_out_arguments():
    # the tail's functions that take out= in torch write into it the same way
    x = pair((3, 4), "float32", low=0.5)
    i = pair((3, 4), "int64", low=1)
    cases = [
        ("copysign", lambda L, a, **o: L.copysign(a, -1.0, **o)), ("heaviside", lambda L, a, **o: L.heaviside(a, a, **o)),
        ("ldexp", lambda L, a, **o: L.ldexp(a, a, **o)), ("nextafter", lambda L, a, **o: L.nextafter(a, a * 2, **o)),
        ("renorm", lambda L, a, **o: L.renorm(a, 2, 0, 1.0, **o)), ("angle", lambda L, a, **o: L.angle(a, **o)),
        ("addr", lambda L, a, **o: L.addr(a, a[:, 0], a[0], **o)), ("nanquantile", lambda L, a, **o: L.nanquantile(a, 0.5, **o)),
        ("index_reduce", lambda L, a, **o: L.index_reduce(a, 0, L.tensor([0]), a[:1], "amax", **o)),
        ("narrow_copy", lambda L, a, **o: L.narrow_copy(a, 1, 1, 2, **o)),
        ("conj_physical", lambda L, a, **o: L.conj_physical(a, **o)),
    ]
    for name, fn in cases:
        oe, ot = ember.empty(0), torch.empty(0)
        assert fn(ember, x[0], out=oe) is oe
        fn(torch, x[1], out=ot)
        check(oe, ot, msg=name)
    for name in ("gcd", "lcm"):
        oe, ot = ember.empty(0, dtype=ember.int64), torch.empty(0, dtype=torch.int64)
        getattr(ember, name)(i[0], i[0] + 2, out=oe)
        getattr(torch, name)(i[1], i[1] + 2, out=ot)
        check(oe, ot, msg=name)
    me, ee = ember.empty(0), ember.empty(0, dtype=ember.int32)
    mt, et = torch.empty(0), torch.empty(0, dtype=torch.int32)
    ember.frexp(x[0], out=(me, ee))
    torch.frexp(x[1], out=(mt, et))
    check((me, ee), (mt, et))
    he, be = ember.empty(0), ember.empty(0)
    ht, bt = torch.empty(0), torch.empty(0)
    ember.histogram(x[0], 3, out=(he, be))
    torch.histogram(x[1], 3, out=(ht, bt))
    check((he, be), (ht, bt))
    oe, ot = ember.empty(0, dtype=ember.int64), torch.empty(0, dtype=torch.int64)
    with pytest.warns(UserWarning):
        ember.range(0, 4, out=oe)
    torch.range(0, 4, out=ot)
    check(oe, ot)
