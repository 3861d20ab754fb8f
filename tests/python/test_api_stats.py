"""Statistics, distances and small constructors against real PyTorch: dist, cov, corrcoef,
renorm, cdist, pdist, cosine_similarity, pairwise_distance, cartesian_prod, combinations,
block_diag, tril/triu_indices, vander, trapezoid/trapz/cumulative_trapezoid, range,
empty_strided, addr, histogram and the window functions."""
import warnings

import numpy as np
import pytest
import torch

import ember
from oracle import LAYOUTS, check, check_grads, check_same, pair, raises_like

pytestmark = [pytest.mark.filterwarnings("ignore:The given NumPy array is not writable"),
              pytest.mark.filterwarnings("ignore:torch.range is deprecated"),
              pytest.mark.filterwarnings("ignore:cov")]


def call(fn, *args, **kw):
    """fn(library, *args) in both libraries; pairs (ember, torch) in args are split."""
    def side(k):
        return [a[k] if isinstance(a, tuple) and len(a) == 2 and isinstance(a[1], torch.Tensor) else a for a in args]
    return (lambda: fn(ember, *side(0), **kw)), (lambda: fn(torch, *side(1), **kw))


def same(fn, *args, tol=None, **kw):
    fe, ft = call(fn, *args, **kw)
    if any(isinstance(a, tuple) and len(a) == 2 and isinstance(a[1], torch.Tensor) and a[1].dtype == torch.float16
           for a in args):
        # torch 1.13 lacks many CPU float16 kernels; ember computes them: the reference is
        # torch's float32 result rounded to float16
        def side32(a):
            if isinstance(a, tuple) and len(a) == 2 and isinstance(a[1], torch.Tensor) and a[1].dtype == torch.float16:
                return a[1].float()
            return a[1] if isinstance(a, tuple) and len(a) == 2 and isinstance(a[1], torch.Tensor) else a

        def ft():
            r = fn(torch, *[side32(a) for a in args], **kw)
            return r.half() if isinstance(r, torch.Tensor) and r.dtype == torch.float32 else r
        tol = tol or 1e-2
    tols = {} if tol is None else {"rtol": tol, "atol": tol}
    check_same(fe, ft, **tols)


def grads_match(fn, inputs, tol=None, gradcheck=True):
    """sum(fn(x) * w) backward in both libraries, then a float64 gradcheck of ember's fn."""
    es = [e for e, _ in inputs]
    ts = [t for _, t in inputs]
    oe, ot = fn(ember, *es), fn(torch, *ts)
    w = np.random.default_rng(11).uniform(-1, 1, tuple(ot.shape))
    (oe * ember.tensor(w).to(oe.dtype)).sum().backward()
    (ot * torch.tensor(w).to(ot.dtype)).sum().backward()
    tols = {} if tol is None else {"rtol": tol, "atol": tol}
    check_grads(es, ts, **tols)
    if gradcheck:
        det = [e.detach().requires_grad_() for e in es]
        assert ember.autograd.gradcheck(lambda *xs: fn(ember, *xs), tuple(det))


# ---------------------------------------------------------------- dist, cov, corrcoef, renorm
def test_dist():
    for p in (2, 1, 3, 0, float("inf"), 0.5):
        for (sa, sb) in (((3, 4), (3, 4)), ((3, 4), (4,)), ((), (2, 2)), ((0, 3), (3,))):
            for d in ("float32", "float64", "int64"):
                a, b = pair(sa, d, "transposed"), pair(sb, d, rng=np.random.default_rng(2))
                same(lambda L, x, y: L.dist(x, y, p), a, b)
                same(lambda L, x, y: x.dist(y, p=p), a, b)
    a, b = pair((3, 4), "float64", requires_grad=True), pair((4,), "float64", requires_grad=True)
    for p in (2, 3, 1):
        a[0].grad = a[1].grad = b[0].grad = b[1].grad = None
        grads_match(lambda L, x, y: L.dist(x, y, p), [a, b])


def test_cov_corrcoef():
    for shape in ((2, 5), (5,), (3, 1), (1, 4), (2, 0), ()):
        for d in ("float32", "float64", "int64", "int32", "bool", "float16"):
            x = pair(shape, d, "transposed")
            same(lambda L, t: L.cov(t), x)
            same(lambda L, t: L.corrcoef(t), x)
            same(lambda L, t: t.cov(correction=0), x)
    x = pair((3, 5), "float64")
    fw = (ember.tensor([1, 2, 0, 3, 1]), torch.tensor([1, 2, 0, 3, 1]))
    aw = pair((5,), "float64", low=0.1, high=2.0)
    for corr in (0, 1, 2):
        same(lambda L, t, f, a: L.cov(t, correction=corr, fweights=f, aweights=a), x, fw, aw)
        same(lambda L, t, f: L.cov(t, correction=corr, fweights=f), x, fw)
        same(lambda L, t, a: L.cov(t, correction=corr, aweights=a), x, aw)
    bad = [lambda L, t: L.cov(L.ones(2, 2, 2)), lambda L, t: L.cov(t, fweights=L.ones(5)),
           lambda L, t: L.cov(t, fweights=L.tensor([1, -2, 1, 1, 1])), lambda L, t: L.cov(t, aweights=L.tensor([1, 2, 1, 1, 1])),
           lambda L, t: L.cov(t, aweights=-L.ones(5, dtype=L.float64)), lambda L, t: L.cov(t, fweights=L.ones(4, dtype=L.int64)),
           lambda L, t: L.cov(t, fweights=L.ones(1, 5, dtype=L.int64)), lambda L, t: L.cov(t, fweights=L.zeros(5, dtype=L.int64)),
           lambda L, t: L.corrcoef(L.ones(2, 2, 2))]
    for b in bad:
        same(b, x)
    x = pair((3, 5), "float64", requires_grad=True)
    aw = pair((5,), "float64", low=0.1, high=2.0, requires_grad=True)
    grads_match(lambda L, t, a: L.cov(t, aweights=a, fweights=L.tensor([1, 2, 1, 3, 1])), [x, aw])
    x[0].grad = x[1].grad = None
    grads_match(lambda L, t: L.corrcoef(t), [x])


def test_renorm():
    for d in ("float32", "float64", "float16", "bfloat16", "int64"):
        for layout in LAYOUTS:
            x = pair((3, 4, 2), d, layout)
            for p, dim, maxnorm in ((2, 0, 2.0), (1, 1, 1.5), (3, -1, 0.5), (2.5, 2, 100.0), (1, 0, 0)):
                same(lambda L, t: L.renorm(t, p, dim, maxnorm), x)
                same(lambda L, t: t.renorm(p, dim, maxnorm), x)
                fe, ft = call(lambda L, t: t.clone().renorm_(p, dim, maxnorm), x)
                check_same(fe, ft)
    x = pair((3, 4), "float32")
    for args in ((0, 0, 1.0), (-1, 0, 1.0), (2, 0, -1.0), (2, 2, 1.0)):
        same(lambda L, t: L.renorm(t, *args), x)
    same(lambda L: L.renorm(L.ones(3), 2, 0, 1.0))
    x = pair((3, 4), "float64", requires_grad=True)
    grads_match(lambda L, t: L.renorm(t, 2, 0, 1.5), [x])
    assert ember.autograd.gradgradcheck(lambda t: ember.renorm(t, 3, 1, 1.0), (x[0],))


# ---------------------------------------------------------------- distances
def test_cdist():
    for p in (2.0, 1.0, 0.0, 3.0, float("inf"), 0.7):
        for s1, s2 in (((4, 3), (5, 3)), ((2, 1, 4, 3), (3, 5, 3)), ((0, 3), (2, 3)), ((3, 0), (2, 0)), ((30, 3), (4, 3))):
            for d in ("float32", "float64"):
                a, b = pair(s1, d, "transposed"), pair(s2, d, rng=np.random.default_rng(3))
                same(lambda L, x, y: L.cdist(x, y, p), a, b, tol=1e-4)
    a, b = pair((30, 4), "float64"), pair((28, 4), "float64", rng=np.random.default_rng(4))
    for mode in ("use_mm_for_euclid_dist", "donot_use_mm_for_euclid_dist", "use_mm_for_euclid_dist_if_necessary"):
        same(lambda L, x, y: L.cdist(x, y, compute_mode=mode), a, b)
    bad = [lambda L, x, y: L.cdist(x.long(), y.long()), lambda L, x, y: L.cdist(x[0], y),
           lambda L, x, y: L.cdist(x, y[:, :2]), lambda L, x, y: L.cdist(x, y, -1.0),
           lambda L, x, y: L.cdist(x, y, compute_mode="foo"), lambda L, x, y: L.cdist(x.float(), y),
           lambda L, x, y: L.cdist(x.half(), y.half())]
    for f in bad:
        same(f, a, b)


@pytest.mark.parametrize("p", [2.0, 1.0, 3.0])
def test_cdist_grad(p):
    for s1, s2 in (((4, 3), (5, 3)), ((30, 3), (4, 3)), ((2, 3, 2), (1, 4, 2))):
        a = pair(s1, "float64", requires_grad=True)
        b = pair(s2, "float64", requires_grad=True, rng=np.random.default_rng(6))
        grads_match(lambda L, x, y: L.cdist(x, y, p), [a, b], tol=1e-6)
    # a zero distance has a zero gradient (both the direct and the matrix-product forms)
    for mode in ("use_mm_for_euclid_dist", "donot_use_mm_for_euclid_dist"):
        x = ember.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=ember.float64, requires_grad=True)
        tx = torch.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=torch.float64, requires_grad=True)
        ember.cdist(x, x.detach(), compute_mode=mode).sum().backward()
        torch.cdist(tx, tx.detach(), compute_mode=mode).sum().backward()
        check(x.grad, tx.grad)


def test_pdist():
    for p in (2.0, 1.0, 0.0, float("inf"), 3.0):
        for shape in ((5, 3), (1, 3), (0, 3), (4, 0)):
            for d in ("float32", "float64"):
                same(lambda L, x: L.pdist(x, p), pair(shape, d, "transposed"), tol=1e-5)
    x = pair((4, 3), "float32")
    for f in (lambda L, t: L.pdist(t[0]), lambda L, t: L.pdist(t.long()), lambda L, t: L.pdist(t, -1)):
        same(f, x)
    x = pair((5, 3), "float64", requires_grad=True)
    grads_match(lambda L, t: L.pdist(t), [x])
    x[0].grad = x[1].grad = None
    grads_match(lambda L, t: L.pdist(t, 3.0), [x])


def test_cosine_similarity_and_pairwise_distance():
    for s1, s2, dim in (((4, 3), (4, 3), 1), ((4, 3), (3,), -1), ((2, 3, 4), (2, 1, 4), 0), ((3,), (3,), 0)):
        for d1, d2 in (("float32", "float32"), ("float64", "float32"), ("int64", "float32"), ("int64", "int64")):
            a, b = pair(s1, d1, "transposed"), pair(s2, d2, rng=np.random.default_rng(5))
            same(lambda L, x, y: L.cosine_similarity(x, y, dim), a, b)
            same(lambda L, x, y: L.cosine_similarity(x, y, dim, 10.0), a, b)
            for p in (2.0, 1.0, 3.0):
                same(lambda L, x, y: L.pairwise_distance(x, y, p), a, b)
                same(lambda L, x, y: L.pairwise_distance(x, y, p, 1e-3, True), a, b)
    same(lambda L: L.pairwise_distance(L.tensor(1.0), L.tensor(3.0)))
    same(lambda L: L.cosine_similarity(L.ones(4, 3), L.ones(5, 3)))
    same(lambda L: L.pairwise_distance(L.ones(4, 3), L.ones(5, 3)))
    a = pair((4, 3), "float64", requires_grad=True)
    b = pair((4, 3), "float64", requires_grad=True, rng=np.random.default_rng(12))
    grads_match(lambda L, x, y: L.cosine_similarity(x, y), [a, b])
    a[0].grad = a[1].grad = b[0].grad = b[1].grad = None
    grads_match(lambda L, x, y: L.pairwise_distance(x, y, 3.0), [a, b])


# ---------------------------------------------------------------- products, combinations, blocks
def test_cartesian_prod_and_combinations():
    for d in ("float32", "int64", "bool"):
        a, b, c = pair((2,), d), pair((3,), d), pair((0,), d)
        same(lambda L, x, y: L.cartesian_prod(x, y), a, b)
        same(lambda L, x, y: L.cartesian_prod(x, y, x), a, b)
        same(lambda L, x: L.cartesian_prod(x), a)
        same(lambda L, x, y: L.cartesian_prod(x, y), a, c)
        x = pair((4,), d)
        for r in (0, 1, 2, 3, 4, 5):
            for rep in (False, True):
                same(lambda L, t: L.combinations(t, r, rep), x)
    same(lambda L: L.cartesian_prod(L.ones(2, 2)))
    same(lambda L: L.cartesian_prod(L.ones(2), L.ones(2, dtype=L.int64)))
    same(lambda L: L.combinations(L.ones(2, 2)))
    same(lambda L: L.combinations(L.ones(3), -1))
    x = pair((4,), "float64", requires_grad=True)
    grads_match(lambda L, t: L.combinations(t, 3, True), [x])
    y = pair((3,), "float64", requires_grad=True)
    x[0].grad = x[1].grad = None
    grads_match(lambda L, s, t: L.cartesian_prod(s, t), [x, y])


def test_block_diag():
    cases = [((), (2,), (2, 2)), ((3, 2),), ((0, 2), (2, 0)), ((1, 3), (2, 2), ())]
    for shapes in cases:
        for dts in (("float32",) * len(shapes), ("int64",) + ("float64",) * (len(shapes) - 1), ("bool",) * len(shapes)):
            ps = [pair(s, d) for s, d in zip(shapes, dts)]
            same(lambda L, *xs: L.block_diag(*xs), *ps)
    same(lambda L: L.block_diag())
    same(lambda L: L.block_diag(L.ones(2, 2, 2)))
    a, b = pair((2, 3), "float64", requires_grad=True), pair((2,), "float64", requires_grad=True)
    grads_match(lambda L, x, y: L.block_diag(x, y, x), [a, b])


def test_tri_indices():
    for fn in ("tril_indices", "triu_indices"):
        for row, col in ((3, 4), (4, 3), (0, 3), (3, 0), (1, 1), (5, 5)):
            for offset in (0, 1, -1, 3, -5):
                same(lambda L: getattr(L, fn)(row, col, offset))
        same(lambda L: getattr(L, fn)(3, 3, dtype=L.int32))
        same(lambda L: getattr(L, fn)(3, 3, dtype=L.float32))
        same(lambda L: getattr(L, fn)(-1, 3))
        same(lambda L: getattr(L, fn)(3, -1))


def test_vander():
    for d in ("float32", "float64", "int8", "int32", "int64", "bool", "uint8"):
        x = pair((4,), d, "sliced", low=-2, high=2)
        for n in (None, 0, 1, 3, 6):
            for inc in (False, True):
                same(lambda L, t: L.vander(t, n, inc), x, tol=1e-4)
                same(lambda L, t: L.vander(t, N=n, increasing=inc), x, tol=1e-4)
    same(lambda L: L.vander(L.ones(2, 2)))
    same(lambda L: L.vander(L.ones(2), -1))
    # torch 1.13's vander cannot be differentiated (its cumprod runs in place): the reference is x ** k
    x = pair((4,), "float64", requires_grad=True)
    w = torch.rand(4, 5, dtype=torch.float64)
    (ember.vander(x[0], 5) * ember.tensor(w.numpy())).sum().backward()
    ((x[1][:, None] ** torch.arange(4, -1, -1)) * w).sum().backward()
    check_grads([x[0]], [x[1]])
    assert ember.autograd.gradcheck(lambda t: ember.vander(t, 4, True), (x[0].detach().requires_grad_(),))


# ---------------------------------------------------------------- integration
def test_trapezoid():
    for d in ("float32", "float64", "int64", "float16"):
        for layout in ("contiguous", "transposed"):
            y = pair((3, 5), d, layout)
            for dim in (-1, 0, 1):
                for fn in ("trapezoid", "trapz", "cumulative_trapezoid"):
                    same(lambda L, t: getattr(L, fn)(t, dim=dim), y)
                    same(lambda L, t: getattr(L, fn)(t, dx=2, dim=dim), y)
                    same(lambda L, t: getattr(L, fn)(t, dx=0.5, dim=dim), y)
                    n = 5 if dim != 0 else 3
                    xs = pair((n,), d, low=0, high=5)
                    same(lambda L, t, x: getattr(L, fn)(t, x.sort().values, dim=dim), y, xs)
                    full = pair((3, 5), d, low=0, high=5)
                    same(lambda L, t, x: getattr(L, fn)(t, x, dim=dim), y, full)
                    same(lambda L, t, x: getattr(L, fn)(t, x[:1], dim=dim), y, full)
    for fn in ("trapezoid", "cumulative_trapezoid"):
        same(lambda L: getattr(L, fn)(L.ones(2, 0)))
        same(lambda L: getattr(L, fn)(L.ones(2, 3, dtype=L.bool)))
        same(lambda L: getattr(L, fn)(L.ones(2, 3), L.ones(2)))
        same(lambda L: getattr(L, fn)(L.tensor(1.0)))
        same(lambda L: getattr(L, fn)(L.ones(2, 3), dim=2))
    y = pair((3, 5), "float64", requires_grad=True)
    x = pair((5,), "float64", requires_grad=True, low=0, high=5)
    grads_match(lambda L, t, s: L.trapezoid(t, s), [y, x])
    for v in (y, x):
        v[0].grad = v[1].grad = None
    grads_match(lambda L, t, s: L.cumulative_trapezoid(t, s, dim=1), [y, x])
    y[0].grad = y[1].grad = None
    grads_match(lambda L, t: L.trapezoid(t, dx=0.3, dim=0), [y])


# ---------------------------------------------------------------- creation
def test_range():
    for args in ((1, 4), (1, 4, 0.5), (4, 1, -1.5), (1.0, 1), (0, 1, 0.1), (-3, 7, 3), (0, 10, 0.3)):
        for kw in ({}, {"dtype": "float64"}, {"dtype": "int64"}, {"dtype": "int32"}):
            k = {key: (getattr(ember, v), getattr(torch, v)) for key, v in kw.items()}
            same(lambda L: L.range(*args, **{key: v[0 if L is ember else 1] for key, v in k.items()}))
    for args in ((1, 4, 0), (4, 1), (1, 4, -1)):
        same(lambda L: L.range(*args))
    with pytest.warns(UserWarning, match="deprecated"):
        ember.range(0, 3)
    assert ember.range(0, 3, requires_grad=True).requires_grad


def test_empty_strided():
    for size, stride in (((2, 3), (1, 2)), ((2, 3), (3, 1)), ((0, 3), (3, 1)), ((2, 3), (0, 1)), ((), ())):
        for dtype in (None, "int32", "float64"):
            e = ember.empty_strided(size, stride, **({"dtype": getattr(ember, dtype)} if dtype else {}))
            t = torch.empty_strided(size, stride, **({"dtype": getattr(torch, dtype)} if dtype else {}))
            assert tuple(e.shape) == tuple(t.shape) and e.stride() == t.stride()
            assert str(e.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
    same(lambda L: L.empty_strided((2,), (1, 2)))
    same(lambda L: L.empty_strided((2, -1), (1, 2)))
    assert ember.empty_strided((2, 2), (2, 1), requires_grad=True).requires_grad


def test_addr():
    cases = [("float32", "float32", "float32"), ("int64", "int64", "int64"), ("float32", "int64", "float64"),
             ("bool", "bool", "bool"), ("int32", "int64", "int64")]
    for dm, d1, d2 in cases:
        for ms in ((2, 3), (3,), (1, 1), ()):
            m, v1, v2 = pair(ms, dm, "transposed"), pair((2,), d1), pair((3,), d2)
            for kw in ({}, {"beta": 2, "alpha": 3}, {"beta": 0}, {"alpha": 0.5}, {"beta": 0.5}, {"beta": False},
                       {"alpha": True}):
                same(lambda L, a, b, c: L.addr(a, b, c, **kw), m, v1, v2)
                same(lambda L, a, b, c: a.addr(b, c, **kw), m, v1, v2)
                if ms == (2, 3):
                    same(lambda L, a, b, c: a.clone().addr_(b, c, **kw), m, v1, v2)
    nan = (ember.full((2, 3), float("nan")), torch.full((2, 3), float("nan")))
    same(lambda L, a, b, c: L.addr(a, b, c, beta=0), nan, pair((2,)), pair((3,)))
    same(lambda L, a, b, c: L.addr(a, b[None], c), pair((2, 3)), pair((2,)), pair((3,)))
    same(lambda L, a, b, c: a.addr_(b, c), pair((1, 3)), pair((2,)), pair((3,)))
    same(lambda L, a, b, c: L.addr(a, b, c), pair((3, 3)), pair((2,)), pair((3,)))
    m, v1, v2 = (pair(s, "float64", requires_grad=True) for s in ((2, 3), (2,), (3,)))
    grads_match(lambda L, a, b, c: L.addr(a, b, c, beta=0.5, alpha=2), [m, v1, v2])


def test_histogram():
    for d in ("float32", "float64"):
        for layout in LAYOUTS:
            x = pair((4, 5), d, layout)
            for bins in (1, 3, 10):
                same(lambda L, t: L.histogram(t, bins), x)
                same(lambda L, t: L.histogram(t, bins, range=(-1.0, 2.0)), x)
                same(lambda L, t: t.histogram(bins=bins, density=True), x)
                w = pair((4, 5), d, low=0, high=2)
                same(lambda L, t, ww: L.histogram(t, bins, weight=ww), x, w)
                same(lambda L, t, ww: L.histogram(t, bins, weight=ww, density=True, range=(0.0, 1.0)), x, w)
            edges = pair((4,), d)
            same(lambda L, t, e: L.histogram(t, e.sort().values), x, edges)
            same(lambda L, t, e: L.histogram(t, e.sort().values, density=True), x, edges)
    exact = (ember.tensor([0.0, 1, 2, 3, 1, 1]), torch.tensor([0.0, 1, 2, 3, 1, 1]))  # values on the edges
    for bins in (1, 3, 6):
        same(lambda L, t: L.histogram(t, bins), exact)
        same(lambda L, t: L.histogram(t, bins, range=(0.0, 1.0)), exact)
    same(lambda L: L.histogram(L.ones(3), 2))
    same(lambda L: L.histogram(L.ones(0), 2))
    same(lambda L: L.histogram(L.ones(3), L.tensor([0.5])))
    bad = [lambda L: L.histogram(L.ones(3, dtype=L.int64), 2), lambda L: L.histogram(L.ones(3), 0),
           lambda L: L.histogram(L.ones(3), 3, range=(4.0, 1.0)), lambda L: L.histogram(L.ones(3, dtype=L.float16), 2),
           lambda L: L.histogram(L.tensor([1.0, float("nan")]), 2), lambda L: L.histogram(L.tensor([1.0, float("inf")]), 2),
           lambda L: L.histogram(L.ones(3), 3, weight=L.ones(2)),
           lambda L: L.histogram(L.ones(3, dtype=L.float64), L.tensor([0.0, 1.0]))]
    for b in bad:
        same(b)
    r = ember.histogram(ember.ones(3), 2)
    assert type(r).__name__ == "histogram" and r.hist is r[0] and r.bin_edges is r[1]


# ---------------------------------------------------------------- windows
@pytest.mark.parametrize("name", ["bartlett_window", "blackman_window", "hamming_window", "hann_window", "kaiser_window"])
def test_windows(name):
    for n in (0, 1, 2, 5, 8, 33):
        for periodic in (True, False):
            for dtype in (None, "float64"):
                kw = {"dtype": dtype} if dtype else {}
                same(lambda L: getattr(L, name)(n, periodic, **{k: getattr(L, v) for k, v in kw.items()}), tol=1e-5)
            # bfloat16: the float32 window rounded once (torch 1.13 computes kaiser's Bessel terms in
            # bfloat16 and is off by several percent)
            check(getattr(ember, name)(n, periodic, dtype=ember.bfloat16),
                  getattr(torch, name)(n, periodic).to(torch.bfloat16))
    same(lambda L: getattr(L, name)(5, dtype=L.int64))
    same(lambda L: getattr(L, name)(-1))
    assert getattr(ember, name)(4, requires_grad=True).requires_grad
    if name == "hamming_window":
        same(lambda L: L.hamming_window(7, True, 0.5, 0.4))
        same(lambda L: L.hamming_window(7, False, 0.6))
    if name == "kaiser_window":
        for beta in (0.0, 3.0, 20.0):
            same(lambda L: L.kaiser_window(9, False, beta), tol=1e-5)


def test_histogramdd():
    def both(fn):
        def norm(r):  # (hist, tuple of edges) -> flat list for check
            return [r.hist, *r.bin_edges]
        def ember_side():
            r = fn(ember)
            assert type(r).__name__ == "histogramdd" and isinstance(r.bin_edges, tuple)
            return norm(r)
        check_same(ember_side, lambda: norm(fn(torch)))
    for d in ("float32", "float64"):
        for shape in ((10, 2), (4, 3, 3), (0, 2), (6, 1)):
            e, t = pair(shape, d, "transposed" if len(shape) == 2 else "contiguous")
            n = shape[-1]
            w = pair(shape[:-1], d, low=0, high=2)
            both(lambda L: L.histogramdd(e if L is ember else t, bins=3))
            both(lambda L: L.histogramdd(e if L is ember else t, bins=[2] * (n - 1) + [4], density=True))
            both(lambda L: L.histogramdd(e if L is ember else t, bins=2, range=[-1.0, 1.0] * n,
                                         weight=w[0] if L is ember else w[1]))
            edges = [L_sorted for L_sorted in (np.sort(np.random.default_rng(k).uniform(-3, 3, 4)) for k in range(n))]
            both(lambda L: L.histogramdd(e if L is ember else t, bins=[L.tensor(x).to(e.dtype if L is ember else t.dtype)
                                                                         for x in edges], density=True))
    x = pair((5, 2), "float32")
    for bad in (lambda L, t: L.histogramdd(t[0], bins=2), lambda L, t: L.histogramdd(t, bins=[2]),
                lambda L, t: L.histogramdd(t, bins=2, range=[0.0, 1.0]), lambda L, t: L.histogramdd(t.long(), bins=2),
                lambda L, t: L.histogramdd(t, bins=2, weight=L.ones(4)),
                lambda L, t: L.histogramdd(t, bins=2, range=[1.0, 0.0, 0.0, 1.0])):
        raises_like(lambda: bad(ember, x[0]), lambda: bad(torch, x[1]))


def test_double_backward():
    # derivatives are written with ember ops, so second derivatives work (float64 gradgradcheck)
    gg = ember.autograd.gradgradcheck
    x = ember.rand(30, 3, dtype=ember.float64, requires_grad=True)  # > 25 rows: cdist's matrix-product form
    y = ember.rand(4, 3, dtype=ember.float64, requires_grad=True)
    a = ember.rand(3, 5, dtype=ember.float64, requires_grad=True)
    b = ember.rand(3, 5, dtype=ember.float64, requires_grad=True)
    u = ember.rand(3, dtype=ember.float64, requires_grad=True)
    v = ember.rand(5, dtype=ember.float64, requires_grad=True)
    coords = ember.tensor([0.0, 1, 3, 4, 7], dtype=ember.float64)
    assert gg(lambda s, t: ember.cdist(s, t), (x, y))
    assert gg(lambda t: ember.cov(t), (a,))
    assert gg(lambda t: ember.corrcoef(t), (a,))
    assert gg(lambda s, t: ember.cosine_similarity(s, t), (a, b))
    assert gg(lambda t: ember.pdist(t), (a,))
    assert gg(lambda t: ember.cumulative_trapezoid(t, coords), (a,))
    assert gg(lambda m, p, q: ember.addr(m, p, q, beta=0.5, alpha=2), (a, u, v))


def test_cov_degrees_of_freedom_warning():
    cases = [lambda L: L.cov(L.ones(2, 1)), lambda L: L.cov(L.ones(2, 3), correction=3),
             lambda L: L.cov(L.ones(2, 3), correction=2), lambda L: L.corrcoef(L.ones(3, 1)),
             lambda L: L.cov(L.ones(2, 3), correction=1, aweights=L.tensor([1.0, 0.0, 0.0])),
             lambda L: L.cov(L.ones(2, 3), fweights=L.tensor([1, 1, 0]), correction=2)]
    warned = 0
    for k, case in enumerate(cases):
        with warnings.catch_warnings(record=True) as we:
            warnings.simplefilter("always")
            case(ember)
        with warnings.catch_warnings(record=True) as wt:
            warnings.simplefilter("always")
            case(torch)
        got = [str(w.message) for w in we if "degrees of freedom" in str(w.message)]
        want = [str(w.message) for w in wt if "degrees of freedom" in str(w.message)]
        assert len(got) == len(want), (k, got, want)
        warned += len(want)
    assert warned >= 3  # the cases above that run out of degrees of freedom
