"""Random sampling: with the same seed, ember draws torch's numbers bit for bit.

Every stream test seeds both libraries, runs the same calls and compares values
exactly, together with the generator state afterwards (so the number of draws
matches too, not only the values kept).
"""
import contextlib

import numpy as np
import pytest
import torch

import ember
from oracle import raises_like

FLOATS = ["float32", "float64", "float16", "bfloat16"]
INTS = ["int8", "int16", "int32", "int64", "uint8"]
SIZES = [0, 1, 5, 15, 16, 17, 33, 100]


def as_numpy(x):
    if isinstance(x, torch.Tensor):
        return (x.float() if x.dtype == torch.bfloat16 else x).detach().numpy()
    return (x.float() if x.dtype == ember.bfloat16 else x).detach().numpy()


def assert_same(e, t, msg=""):
    assert str(e.dtype).split(".")[-1] == str(t.dtype).split(".")[-1], f"{msg}: dtype {e.dtype} != {t.dtype}"
    a, b = as_numpy(e), as_numpy(t)
    assert a.shape == b.shape, f"{msg}: shape {a.shape} != {b.shape}"
    np.testing.assert_array_equal(a, b, err_msg=msg)


def assert_same_state(msg=""):
    e = ember.get_rng_state().numpy().tobytes()
    t = torch.get_rng_state().numpy().tobytes()
    assert e == t, f"{msg}: generator states differ after the call"


def same_stream(fe, ft, seed=0, msg=""):
    """Seed both default generators, run both calls, compare results and states."""
    torch.manual_seed(seed)
    ember.manual_seed(seed)
    t = ft()
    e = fe()
    if isinstance(t, torch.Tensor):
        assert_same(e, t, msg)
    else:
        assert e == t, msg
    assert_same_state(msg)
    return e


@contextlib.contextmanager
def default_dtype(name):
    old_e, old_t = ember.get_default_dtype(), torch.get_default_dtype()
    ember.set_default_dtype(getattr(ember, name))
    torch.set_default_dtype(getattr(torch, name))
    try:
        yield
    finally:
        ember.set_default_dtype(old_e)
        torch.set_default_dtype(old_t)


def np_buffers(make):
    """The same fresh NumPy buffer twice, viewed as an ember and a torch tensor (any strides)."""
    return ember.from_numpy(make()), torch.from_numpy(make())


# Non-contiguous destinations built from NumPy views (same strides in both libraries).
LAYOUTS = {
    "contiguous": lambda dt: np.zeros((4, 9), dt),
    "transposed": lambda dt: np.zeros((9, 4), dt).T,
    "sliced": lambda dt: np.zeros((8, 18), dt)[::2, 1::2],
    "column": lambda dt: np.zeros((40, 3), dt)[:, 1],
    "permuted3d": lambda dt: np.zeros((3, 4, 5), dt).transpose(1, 2, 0),
    "size1_dims": lambda dt: np.zeros((5, 1, 4), dt).transpose(2, 1, 0),
    "zero_d": lambda dt: np.zeros((), dt),
    "empty": lambda dt: np.zeros((0, 3), dt),
}


# ---------------------------------------------------------------- the generator
def test_default_seed_and_generator_basics():
    g = ember.Generator()
    assert g.initial_seed() == torch.Generator().initial_seed() == 67280421310721
    assert g.manual_seed(7) is g
    assert g.initial_seed() == 7
    assert str(g.device) == "cpu"
    assert ember.manual_seed(3) is ember.default_generator
    assert ember.initial_seed() == 3
    assert ember.random.initial_seed() == 3


@pytest.mark.parametrize("seed", [0, 1, 2**32 + 5, 2**63 - 1, 2**64 - 1, -1, -2**63])
def test_seed_values_like_torch(seed):
    ge, gt = ember.Generator().manual_seed(seed), torch.Generator().manual_seed(seed)
    assert ge.initial_seed() == gt.initial_seed()
    assert ge.get_state().numpy().tobytes() == gt.get_state().numpy().tobytes()
    assert_same(ember.rand(20, generator=ge), torch.rand(20, generator=gt))


def test_seed_conversions_and_errors():
    # torch.manual_seed takes anything int() takes; Generator.manual_seed only ints
    assert ember.manual_seed(1.5).initial_seed() == torch.manual_seed(1.5).initial_seed() == 1
    assert ember.manual_seed("3").initial_seed() == torch.manual_seed("3").initial_seed() == 3
    raises_like(lambda: ember.Generator().manual_seed(2**64), lambda: torch.Generator().manual_seed(2**64))
    raises_like(lambda: ember.Generator().manual_seed(1.5), lambda: torch.Generator().manual_seed(1.5))


def test_seed_reseeds_nondeterministically():
    s = ember.seed()
    assert isinstance(s, int) and ember.initial_seed() == s
    g = ember.Generator()
    s2 = g.seed()
    assert g.initial_seed() == s2
    assert ember.seed() != ember.seed()  # 64 random bits: equal only by a 2^-64 chance


def test_state_bytes_are_torchs():
    ember.manual_seed(123)
    torch.manual_seed(123)
    assert_same_state("after seeding")
    ember.randn(3)  # serial Box-Muller leaves a cached normal in the state
    torch.randn(3)
    assert_same_state("with a cached normal")
    ember.randn(1, dtype=ember.float64)
    torch.randn(1, dtype=torch.float64)
    assert_same_state("cache consumed")
    st = ember.get_rng_state()
    assert st.dtype == ember.uint8 and tuple(st.shape) == (5056,)


def test_state_round_trip_and_exchange_with_torch():
    ember.manual_seed(5)
    ember.randn(7)  # leaves a cached value: it must survive the round trip
    saved = ember.get_rng_state()
    a = ember.randn(40)
    ember.set_rng_state(saved)
    assert_same(ember.randn(40), a)
    # A torch state continues torch's stream in ember.
    torch.manual_seed(11)
    torch.randn(5)
    ember.set_rng_state(ember.tensor(torch.get_rng_state().numpy()))
    assert_same(ember.randn(21), torch.randn(21))
    assert_same_state("after exchange")
    # Generator objects as well, and set_state returns the generator.
    g = ember.Generator()
    assert g.set_state(saved) is g
    assert g.get_state().numpy().tobytes() == saved.numpy().tobytes()


def test_legacy_state_size_accepted():
    torch.manual_seed(9)
    torch.randn(1, dtype=torch.float64)  # cache a value: the legacy layout stores (x, rho) instead
    legacy = torch.get_rng_state()[:5048].clone()
    ember.set_rng_state(ember.tensor(legacy.numpy()))
    torch.set_rng_state(legacy)
    assert_same(ember.rand(10), torch.rand(10))


def test_state_errors():
    raises_like(lambda: ember.set_rng_state(ember.zeros(10, dtype=ember.uint8)),
                lambda: torch.set_rng_state(torch.zeros(10, dtype=torch.uint8)))
    raises_like(lambda: ember.set_rng_state(ember.zeros(5056, dtype=ember.uint8)),
                lambda: torch.set_rng_state(torch.zeros(5056, dtype=torch.uint8)))
    raises_like(lambda: ember.set_rng_state(ember.zeros(5056)), lambda: torch.set_rng_state(torch.zeros(5056)))
    raises_like(lambda: ember.Generator().set_state(ember.zeros(5056)),
                lambda: torch.Generator().set_state(torch.zeros(5056)))


def test_generator_isolation():
    ember.manual_seed(0)
    before = ember.get_rng_state().numpy().tobytes()
    g = ember.Generator().manual_seed(42)
    gt = torch.Generator().manual_seed(42)
    assert_same(ember.rand(5, generator=g), torch.rand(5, generator=gt))
    assert_same(ember.randn(20, generator=g), torch.randn(20, generator=gt))
    assert_same(ember.randperm(9, generator=g), torch.randperm(9, generator=gt))
    assert ember.get_rng_state().numpy().tobytes() == before, "a private generator advanced the default one"
    # two generators with one seed are independent copies of one stream
    g1, g2 = ember.Generator().manual_seed(1), ember.Generator().manual_seed(1)
    x = ember.rand(3, generator=g1)
    ember.rand(100, generator=g2)
    assert_same(ember.rand(3, generator=ember.Generator().manual_seed(1)), x)


def test_fork_rng_restores_state():
    ember.manual_seed(3)
    with ember.random.fork_rng():
        ember.rand(10)
    torch.manual_seed(3)
    assert_same(ember.rand(4), torch.rand(4))
    with ember.random.fork_rng(enabled=False):
        ember.rand(1)
    with pytest.raises(RuntimeError):
        with ember.random.fork_rng(devices=[0]):
            pass


def test_generator_keyword_everywhere():
    """Each sampler takes generator= and leaves the default generator alone."""
    ex, tx = ember.tensor([[0.2, 0.5, 0.3], [0.6, 0.1, 0.3]]), torch.tensor([[0.2, 0.5, 0.3], [0.6, 0.1, 0.3]])
    calls = [
        (lambda L, x, g: L.rand(4, generator=g)),
        (lambda L, x, g: L.randn(4, generator=g)),
        (lambda L, x, g: L.randint(0, 9, (4,), generator=g)),
        (lambda L, x, g: L.randint(9, (4,), generator=g)),
        (lambda L, x, g: L.randperm(6, generator=g)),
        (lambda L, x, g: L.rand_like(x, generator=g) if L is ember else L.rand(x.shape, generator=g)),
        (lambda L, x, g: L.normal(x, x, generator=g)),
        (lambda L, x, g: L.normal(x, 2.0, generator=g)),
        (lambda L, x, g: L.normal(1.0, x, generator=g)),
        (lambda L, x, g: L.normal(1.0, 2.0, (3,), generator=g)),
        (lambda L, x, g: L.bernoulli(x, generator=g)),
        (lambda L, x, g: L.bernoulli(x, 0.3, generator=g)),
        (lambda L, x, g: x.bernoulli(generator=g)),
        (lambda L, x, g: L.multinomial(x, 2, generator=g)),
        (lambda L, x, g: L.multinomial(x, 5, True, generator=g)),
        (lambda L, x, g: L.poisson(x, generator=g)),
        (lambda L, x, g: x.clone().uniform_(generator=g)),
        (lambda L, x, g: x.clone().normal_(generator=g)),
        (lambda L, x, g: x.clone().bernoulli_(0.5, generator=g)),
        (lambda L, x, g: x.clone().bernoulli_(x, generator=g)),
        (lambda L, x, g: x.clone().random_(generator=g)),
        (lambda L, x, g: x.clone().random_(3, generator=g)),
        (lambda L, x, g: x.clone().random_(1, 3, generator=g)),
        (lambda L, x, g: x.clone().exponential_(generator=g)),
        (lambda L, x, g: x.clone().cauchy_(generator=g)),
        (lambda L, x, g: x.clone().log_normal_(generator=g)),
        (lambda L, x, g: x.clone().geometric_(0.5, generator=g)),
    ]
    for i, call in enumerate(calls):
        ember.manual_seed(0)
        before = ember.get_rng_state().numpy().tobytes()
        e = call(ember, ex, ember.Generator().manual_seed(i))
        t = call(torch, tx, torch.Generator().manual_seed(i))
        assert_same(e, t, f"call {i}")
        assert ember.get_rng_state().numpy().tobytes() == before, f"call {i} advanced the default generator"
    ember.randint_like(ex, 5, generator=ember.Generator())
    ember.randn_like(ex, generator=ember.Generator())


# ---------------------------------------------------------------- rand / randn / uniform_ / normal_
@pytest.mark.parametrize("dtype", FLOATS)
def test_rand_randn_streams(dtype):
    ed, td = getattr(ember, dtype), getattr(torch, dtype)
    for n in SIZES + [1000]:
        same_stream(lambda: ember.rand(n, dtype=ed), lambda: torch.rand(n, dtype=td), msg=f"rand({n})")
        same_stream(lambda: ember.randn(n, dtype=ed), lambda: torch.randn(n, dtype=td), msg=f"randn({n})")
    # several calls in a row: the cached normal carries over between calls
    same_stream(lambda: [ember.randn(3, dtype=ed), ember.randn(5, dtype=ed), ember.randn(17, dtype=ed)][-1],
                lambda: [torch.randn(3, dtype=td), torch.randn(5, dtype=td), torch.randn(17, dtype=td)][-1])


def test_readme_example():
    torch.manual_seed(0)
    ember.manual_seed(0)
    assert ember.randn(5).tolist() == torch.randn(5).tolist()
    assert ember.rand(5).tolist() == torch.rand(5).tolist()
    assert ember.randint(0, 10, (5,)).tolist() == torch.randint(0, 10, (5,)).tolist()
    assert ember.randperm(5).tolist() == torch.randperm(5).tolist()


def test_large_normal_exact():
    # 10^5 floats exercise every branch of the vectorized log/sincos emulation
    same_stream(lambda: ember.randn(100003), lambda: torch.randn(100003), seed=7)
    same_stream(lambda: ember.empty(100003).normal_(0.37, 1.3), lambda: torch.empty(100003).normal_(0.37, 1.3), seed=8)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_inplace_float_samplers_any_layout(dtype, layout):
    npdt = "float32" if dtype == "bfloat16" else dtype
    ops = [
        ("uniform_", lambda x: x.uniform_()),
        ("uniform_(-0.37, 2.9)", lambda x: x.uniform_(-0.37, 2.9)),
        ("normal_(0.3, 1.7)", lambda x: x.normal_(0.3, 1.7)),
        ("exponential_(2.5)", lambda x: x.exponential_(2.5)),
        ("cauchy_(0.5, 1.3)", lambda x: x.cauchy_(0.5, 1.3)),
        ("log_normal_(0.2, 0.7)", lambda x: x.log_normal_(0.2, 0.7)),
        ("geometric_(0.3)", lambda x: x.geometric_(0.3)),
        ("random_()", lambda x: x.random_()),
        ("random_(-7, 100)", lambda x: x.random_(-7, 100)),
        ("random_(7)", lambda x: x.random_(7)),
        ("random_(-7, None)", lambda x: x.random_(-7, None)),
    ]
    if dtype != "float16":
        ops += [("bernoulli_(0.3)", lambda x: x.bernoulli_(0.3)),
                ("random_(full range)", lambda x: x.random_(-2**63, None))]
    for name, op in ops:
        e, t = np_buffers(lambda: LAYOUTS[layout](npdt))
        if dtype == "bfloat16":  # NumPy has no bfloat16: sample a bfloat16 copy with the same strides
            e, t = e.to(ember.bfloat16), t.to(torch.bfloat16)
        same_stream(lambda: op(e), lambda: op(t), msg=f"{name} on {layout} {dtype}")


@pytest.mark.parametrize("dtype", INTS + ["bool"])
def test_integer_samplers(dtype):
    ed, td = getattr(ember, dtype), getattr(torch, dtype)
    hi = 2 if dtype in ("bool",) else 100
    for n in [1, 17, 50]:
        same_stream(lambda: ember.empty(n, dtype=ed).random_(), lambda: torch.empty(n, dtype=td).random_())
        same_stream(lambda: ember.empty(n, dtype=ed).random_(0, hi), lambda: torch.empty(n, dtype=td).random_(0, hi))
        same_stream(lambda: ember.empty(n, dtype=ed).random_(0, None), lambda: torch.empty(n, dtype=td).random_(0, None))
        same_stream(lambda: ember.empty(n, dtype=ed).bernoulli_(0.3), lambda: torch.empty(n, dtype=td).bernoulli_(0.3))
        if dtype != "bool":
            same_stream(lambda: ember.empty(n, dtype=ed).geometric_(0.3), lambda: torch.empty(n, dtype=td).geometric_(0.3))
    for layout in ["transposed", "sliced"]:
        e, t = np_buffers(lambda: LAYOUTS[layout](dtype))
        same_stream(lambda: e.random_(0, hi), lambda: t.random_(0, hi), msg=layout)


@pytest.mark.filterwarnings("ignore")  # torch warns about ranges beyond a float's exact integers
def test_random_wide_ranges():
    cases = [("int64", -2**40, 2**41), ("int64", -2**62, 2**62), ("float32", -2**30, 2**40),
             ("float64", -2**30, 2**40), ("bfloat16", -2**30, 2**40), ("float16", -1000, 2000),
             ("int32", -2**31, 2**31 - 1)]
    for dtype, lo, hi in cases:
        ed, td = getattr(ember, dtype), getattr(torch, dtype)
        same_stream(lambda: ember.empty(40, dtype=ed).random_(lo, hi),
                    lambda: torch.empty(40, dtype=td).random_(lo, hi), msg=f"{dtype} [{lo}, {hi})")
    same_stream(lambda: ember.empty(40, dtype=ember.int64).random_(-2**63, None),
                lambda: torch.empty(40, dtype=torch.int64).random_(-2**63, None))


@pytest.mark.filterwarnings("ignore")
def test_random_errors_like_torch():
    bad = [
        lambda L: L.empty(3).random_(5, 3),
        lambda L: L.empty(3).random_(5, 5),
        lambda L: L.empty(3, dtype=L.int8).random_(0, 1000),
        lambda L: L.empty(3, dtype=L.uint8).random_(-1, 5),
        lambda L: L.empty(3, dtype=L.bool).random_(0, 3),
        lambda L: L.empty(3, dtype=L.float16).random_(0, 100000),
        lambda L: L.empty(3, dtype=L.int32).random_(-2**63, None),
        lambda L: L.empty(3, dtype=L.int32).random_(-2**63),
        lambda L: L.empty(3).random_(1.5),
    ]
    for f in bad:
        raises_like(lambda: f(ember), lambda: f(torch))


def test_randint():
    same_stream(lambda: ember.randint(3, 10, (4, 5)), lambda: torch.randint(3, 10, (4, 5)))
    same_stream(lambda: ember.randint(10, (4, 5)), lambda: torch.randint(10, (4, 5)))
    same_stream(lambda: ember.randint(low=2, high=5, size=(7,)), lambda: torch.randint(low=2, high=5, size=(7,)))
    same_stream(lambda: ember.randint(high=5, size=(7,)), lambda: torch.randint(high=5, size=(7,)))
    same_stream(lambda: ember.randint(-2**62, 2**62, (10,)), lambda: torch.randint(-2**62, 2**62, (10,)))
    same_stream(lambda: ember.randint(0, 5, (7,), dtype=ember.float32), lambda: torch.randint(0, 5, (7,), dtype=torch.float32))
    same_stream(lambda: ember.randint(0, 5, ()), lambda: torch.randint(0, 5, ()))
    with default_dtype("float64"):  # randint stays int64
        same_stream(lambda: ember.randint(0, 5, (3,)), lambda: torch.randint(0, 5, (3,)))
    raises_like(lambda: ember.randint(5, 3, (2,)), lambda: torch.randint(5, 3, (2,)))
    raises_like(lambda: ember.randint(0, 3.5, (2,)), lambda: torch.randint(0, 3.5, (2,)))
    raises_like(lambda: ember.randint(0, 3, (2,), dtype=ember.bool), lambda: torch.randint(0, 3, (2,), dtype=torch.bool))


@pytest.mark.parametrize("dtype", ["int64", "int32", "int16", "float32", "float64", "float16", "bfloat16"])
def test_randperm(dtype):
    ed, td = getattr(ember, dtype), getattr(torch, dtype)
    for n in [0, 1, 2, 5, 100, 1000]:
        same_stream(lambda: ember.randperm(n, dtype=ed), lambda: torch.randperm(n, dtype=td), msg=f"randperm({n})")
    p = ember.randperm(200, dtype=ed)  # every value up to 200 is exact even in bfloat16
    assert sorted(float(v) for v in p.tolist()) == list(range(200))


def test_randperm_errors():
    for f in [lambda L: L.randperm(-1), lambda L: L.randperm(3000, dtype=L.float16),
              lambda L: L.randperm(129, dtype=L.int8), lambda L: L.randperm(5, dtype=L.bool)]:
        raises_like(lambda: f(ember), lambda: f(torch))
    assert tuple(ember.randperm(2049, dtype=ember.float16).shape) == (2049,)


def test_factory_arguments():
    same_stream(lambda: ember.rand(2, 3), lambda: torch.rand(2, 3))
    same_stream(lambda: ember.rand((2, 3)), lambda: torch.rand((2, 3)))
    same_stream(lambda: ember.rand([2, 3]), lambda: torch.rand([2, 3]))
    same_stream(lambda: ember.rand(size=(2, 3)), lambda: torch.rand(size=(2, 3)))
    same_stream(lambda: ember.rand(()), lambda: torch.rand(()))
    same_stream(lambda: ember.randn(ember.Size([4])), lambda: torch.randn(torch.Size([4])))
    same_stream(lambda: ember.rand(0, 3), lambda: torch.rand(0, 3))
    x = ember.rand(3, requires_grad=True)
    assert x.requires_grad and x.is_leaf
    assert ember.randn(2, dtype=ember.float64, requires_grad=True).requires_grad
    with default_dtype("float64"):
        same_stream(lambda: ember.rand(5), lambda: torch.rand(5))
        same_stream(lambda: ember.randn(20), lambda: torch.randn(20))
        same_stream(lambda: ember.normal(0.0, 1.0, (4,)), lambda: torch.normal(0.0, 1.0, (4,)))
    raises_like(lambda: ember.rand(2, 3.0), lambda: torch.rand(2, 3.0))
    raises_like(lambda: ember.rand(-1), lambda: torch.rand(-1))
    raises_like(lambda: ember.rand(3, dtype=ember.int64), lambda: torch.rand(3, dtype=torch.int64))
    raises_like(lambda: ember.randn(3, dtype=ember.int32), lambda: torch.randn(3, dtype=torch.int32))
    # out=: the result lands in the given tensor
    o, ot = ember.empty(4), torch.empty(4)
    same_stream(lambda: ember.rand(4, out=o), lambda: torch.rand(4, out=ot))
    assert_same(o, ot)
    m, mt = ember.zeros(3), torch.zeros(3)
    for fe, ft in [(lambda o: ember.normal(m, 1.0, out=o), lambda o: torch.normal(mt, 1.0, out=o)),
                   (lambda o: ember.normal(m, m + 1, out=o), lambda o: torch.normal(mt, mt + 1, out=o)),
                   (lambda o: ember.bernoulli(m + 0.5, out=o), lambda o: torch.bernoulli(mt + 0.5, out=o)),
                   (lambda o: ember.randint(0, 5, (3,), out=o), lambda o: torch.randint(0, 5, (3,), out=o))]:
        dt = "int64" if "randint" in fe.__code__.co_names else "float32"
        o, ot = ember.empty(3, dtype=getattr(ember, dt)), torch.empty(3, dtype=getattr(torch, dt))
        r = same_stream(lambda: fe(o), lambda: ft(ot))
        assert r is o
        assert_same(o, ot)
    o, ot = ember.empty(2, dtype=ember.int64), torch.empty(2, dtype=torch.int64)
    same_stream(lambda: ember.multinomial(ember.ones(4), 2, out=o), lambda: torch.multinomial(torch.ones(4), 2, out=ot))
    assert_same(o, ot)


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "int32", "int64", "uint8"])
def test_like_factories(dtype):
    make = lambda: np.zeros((3, 7), dtype).T  # noqa: E731  (a transposed input: results keep its layout)
    if dtype.startswith("float"):
        same_stream(lambda: ember.rand_like(ember.from_numpy(make())), lambda: torch.rand_like(torch.from_numpy(make())))
        same_stream(lambda: ember.randn_like(ember.from_numpy(make())), lambda: torch.randn_like(torch.from_numpy(make())))
    else:
        raises_like(lambda: ember.rand_like(ember.from_numpy(make())), lambda: torch.rand_like(torch.from_numpy(make())))
        same_stream(lambda: ember.randn_like(ember.from_numpy(make()), dtype=ember.float64),
                    lambda: torch.randn_like(torch.from_numpy(make()), dtype=torch.float64))
    same_stream(lambda: ember.randint_like(ember.from_numpy(make()), 3, 9),
                lambda: torch.randint_like(torch.from_numpy(make()), 3, 9))
    same_stream(lambda: ember.randint_like(ember.from_numpy(make()), 9),
                lambda: torch.randint_like(torch.from_numpy(make()), 9))


# ---------------------------------------------------------------- bernoulli, multinomial, normal, poisson
def test_bernoulli():
    rng = np.random.default_rng(0)
    for layout in ["contiguous", "transposed", "sliced", "column", "permuted3d"]:
        base = LAYOUTS[layout]("float32")
        p = rng.random(base.shape).astype("float32")
        p_t = np.ascontiguousarray(p.T).T  # p with the opposite memory order
        same_stream(lambda: ember.bernoulli(ember.from_numpy(p_t)), lambda: torch.bernoulli(torch.from_numpy(p_t)))
        same_stream(lambda: ember.bernoulli(ember.from_numpy(p.astype("float64"))),
                    lambda: torch.bernoulli(torch.from_numpy(p.astype("float64"))))
        e, t = np_buffers(lambda: LAYOUTS[layout]("float32"))
        same_stream(lambda: e.bernoulli_(ember.from_numpy(p_t)), lambda: t.bernoulli_(torch.from_numpy(p_t)))
        e, t = np_buffers(lambda: LAYOUTS[layout]("int64"))
        same_stream(lambda: e.bernoulli_(ember.from_numpy(p)), lambda: t.bernoulli_(torch.from_numpy(p)))
    pv = rng.random(5).astype("float32")  # broadcast over rows
    same_stream(lambda: ember.zeros(4, 5).bernoulli_(ember.from_numpy(pv)),
                lambda: torch.zeros(4, 5).bernoulli_(torch.from_numpy(pv)))
    same_stream(lambda: ember.bernoulli(ember.zeros(5, 3), 0.3), lambda: torch.bernoulli(torch.zeros(5, 3), 0.3))
    same_stream(lambda: ember.full((20,), 0.3).bernoulli(), lambda: torch.full((20,), 0.3).bernoulli())
    same_stream(lambda: ember.zeros(20, dtype=ember.bfloat16).bernoulli_(0.5),
                lambda: torch.zeros(20, dtype=torch.bfloat16).bernoulli_(0.5))
    bad = [lambda L: L.empty(3).bernoulli_(1.5), lambda L: L.empty(3).bernoulli_(float("nan")),
           lambda L: L.empty(3).bernoulli_(L.tensor([0.5, 1.5, 0.2])),
           lambda L: L.empty(3).bernoulli_(L.tensor([0.5, 1, 0.2], dtype=L.float16)),
           lambda L: L.empty(3, dtype=L.float16).bernoulli_(0.5),
           lambda L: L.bernoulli(L.tensor([0, 1, 1])),
           lambda L: L.empty(3).bernoulli_(L.rand(4))]
    for f in bad:
        raises_like(lambda: f(ember), lambda: f(torch))


@pytest.mark.parametrize("dtype", ["float32", "float64", "bfloat16"])
def test_multinomial(dtype):
    rng = np.random.default_rng(1)
    ed, td = getattr(ember, dtype), getattr(torch, dtype)
    p1 = rng.random(10).astype("float32")
    p1[3] = 0
    p2 = rng.random((4, 10)).astype("float32")
    wide = rng.random((2, 700)).astype("float32")  # 64 * k <= n: the partial-sort path
    for p in [p1, p2, wide]:
        E, T = lambda: ember.tensor(p).to(ed), lambda: torch.tensor(p).to(td)  # noqa: E731
        for n, rep in [(1, False), (1, True), (3, False), (9, False), (5, True), (100, True)]:
            same_stream(lambda: ember.multinomial(E(), n, rep), lambda: torch.multinomial(T(), n, rep),
                        msg=f"{p.shape} n={n} replacement={rep}")
    pt = rng.random((10, 4)).astype("float32").T
    same_stream(lambda: ember.multinomial(ember.from_numpy(pt), 7, True), lambda: torch.multinomial(torch.from_numpy(pt), 7, True))
    same_stream(lambda: ember.from_numpy(pt).multinomial(3), lambda: torch.from_numpy(pt).multinomial(3))


def test_multinomial_ties_follow_torch():
    # bfloat16 ratios tie often; torch's selection order decides which index comes first
    rng = np.random.default_rng(0)
    for seed in range(20):
        p = rng.random((3, 12)).astype("float32")
        same_stream(lambda: ember.multinomial(ember.tensor(p).to(ember.bfloat16), 6),
                    lambda: torch.multinomial(torch.tensor(p).to(torch.bfloat16), 6), seed=seed)


def test_multinomial_errors():
    bad = [lambda L: L.multinomial(L.tensor([0.5, -1]), 1), lambda L: L.multinomial(L.tensor([0., 0]), 1),
           lambda L: L.multinomial(L.tensor([1., 1]), 3), lambda L: L.multinomial(L.tensor([1., 1]), 0),
           lambda L: L.multinomial(L.ones(1, 1, 2), 1), lambda L: L.multinomial(L.tensor([1, 1]), 1),
           lambda L: L.multinomial(L.tensor(1.), 1), lambda L: L.multinomial(L.tensor([1., float("inf")]), 1),
           lambda L: L.multinomial(L.tensor([1., float("nan")]), 2, True),
           lambda L: L.multinomial(L.ones(2, 3, dtype=L.float16), 2, True),
           lambda L: L.multinomial(L.ones(3, 0), 2, True)]
    for f in bad:
        raises_like(lambda: f(ember), lambda: f(torch))
    assert tuple(ember.multinomial(ember.ones(0, 3), 2, True).shape) == (0, 2)


def test_normal_with_tensors():
    rng = np.random.default_rng(2)
    m = rng.random((3, 4)).astype("float32")
    s = rng.random((3, 4)).astype("float64")
    big = rng.random((5, 8)).astype("float32")
    same_stream(lambda: ember.normal(ember.tensor(m), ember.tensor(s)), lambda: torch.normal(torch.tensor(m), torch.tensor(s)))
    same_stream(lambda: ember.normal(ember.tensor(s), ember.tensor(m)), lambda: torch.normal(torch.tensor(s), torch.tensor(m)))
    same_stream(lambda: ember.normal(ember.tensor(big), ember.tensor(big)), lambda: torch.normal(torch.tensor(big), torch.tensor(big)))
    same_stream(lambda: ember.normal(ember.tensor(m), 2.5), lambda: torch.normal(torch.tensor(m), 2.5))
    same_stream(lambda: ember.normal(ember.tensor(big), 0.3), lambda: torch.normal(torch.tensor(big), 0.3))
    same_stream(lambda: ember.normal(0.5, ember.tensor(s)), lambda: torch.normal(0.5, torch.tensor(s)))
    same_stream(lambda: ember.normal(0.3, ember.tensor(big)), lambda: torch.normal(0.3, torch.tensor(big)))
    same_stream(lambda: ember.normal(0.5, 2.0, (20,)), lambda: torch.normal(0.5, 2.0, (20,)))
    same_stream(lambda: ember.normal(2, 3, (2,)), lambda: torch.normal(2, 3, (2,)))
    same_stream(lambda: ember.normal(0.5, 2.0, (20,), dtype=ember.float64), lambda: torch.normal(0.5, 2.0, (20,), dtype=torch.float64))
    same_stream(lambda: ember.normal(ember.tensor(m[:, :1]), ember.tensor(s[0])), lambda: torch.normal(torch.tensor(m[:, :1]), torch.tensor(s[0])))
    mean = ember.zeros(3, requires_grad=True)
    assert ember.normal(mean, ember.ones(3)).requires_grad
    bad = [lambda L: L.normal(L.zeros(3), -L.ones(3)), lambda L: L.normal(L.zeros(3, dtype=L.int64), 1.0),
           lambda L: L.normal(L.zeros(3), -1.0), lambda L: L.empty(3).normal_(0, -1),
           lambda L: L.empty(3, dtype=L.int64).normal_(), lambda L: L.normal(L.zeros(3), L.ones(4))]
    for f in bad:
        raises_like(lambda: f(ember), lambda: f(torch))


def test_poisson():
    rates = np.tile(np.array([0.0, 0.5, 3.0, 9.99, 10.0, 17.3, 150.0, 1e4]), 500)
    for dtype in ["float32", "float64", "bfloat16"]:
        same_stream(lambda: ember.poisson(ember.tensor(rates).to(getattr(ember, dtype))),
                    lambda: torch.poisson(torch.tensor(rates).to(getattr(torch, dtype))))
    rt = np.random.default_rng(0).uniform(1, 20, (6, 7)).T
    same_stream(lambda: ember.poisson(ember.from_numpy(rt)), lambda: torch.poisson(torch.from_numpy(rt)))
    for f in [lambda L: L.poisson(L.tensor([1., -1])), lambda L: L.poisson(L.tensor([1, 2])),
              lambda L: L.poisson(L.tensor([1., 2], dtype=L.float16))]:
        raises_like(lambda: f(ember), lambda: f(torch))


def test_sampler_argument_errors():
    bad = [lambda L: L.empty(3).uniform_(2, 1), lambda L: L.empty(0).uniform_(2, 1),
           lambda L: L.empty(3, dtype=L.int64).uniform_(), lambda L: L.empty(3).uniform_(-1e39, 1),
           lambda L: L.empty(3).uniform_(-3e38, 3e38), lambda L: L.empty(3).exponential_(-1),
           lambda L: L.empty(3, dtype=L.int64).exponential_(), lambda L: L.empty(3).geometric_(0),
           lambda L: L.empty(3).geometric_(1.5), lambda L: L.empty(3, dtype=L.bool).geometric_(0.5),
           lambda L: L.empty(3).log_normal_(0, -1), lambda L: L.empty(3, dtype=L.int32).cauchy_()]
    for f in bad:
        raises_like(lambda: f(ember), lambda: f(torch))


@pytest.mark.filterwarnings("ignore")
def test_overlapping_destination_rejected():
    # a stride-0 view: several elements share one memory location
    for op in [lambda x: x.uniform_(), lambda x: x.normal_(), lambda x: x.bernoulli_(), lambda x: x.random_()]:
        raises_like(lambda: op(ember.from_numpy(np.broadcast_to(np.zeros((3, 1), np.float32), (3, 4)))),
                    lambda: op(torch.from_numpy(np.broadcast_to(np.zeros((3, 1), np.float32), (3, 4)))))


def backward(t, grad):
    if isinstance(t, torch.Tensor) or hasattr(t, "backward"):
        t.backward(grad)
    else:  # the engine's entry point, for builds without Tensor.backward bound yet
        ember._C._run_backward([t], [grad])


def test_inplace_autograd_rules():
    leaf = ember.rand(2, 3, requires_grad=True)
    raises_like(lambda: leaf.uniform_(), lambda: torch.rand(2, 3, requires_grad=True).uniform_())
    # a sampler bumps the version: a tensor saved for backward and then resampled is refused
    def resampled_after_save(L):
        a = L.ones(3, requires_grad=True)
        b = a * 1
        c = b * b  # saves b
        b.normal_()
        backward(c, L.ones(3))
    raises_like(lambda: resampled_after_save(ember), lambda: resampled_after_save(torch))
    # on a non-leaf the sampler joins the graph with a zero gradient
    def grad_through(L):
        a = L.ones(3, requires_grad=True)
        b = a * 2
        b.uniform_()
        backward(b * 3, L.ones(3))
        return a.grad
    assert_same(grad_through(ember), grad_through(torch))


# ---------------------------------------------------------------- statistics
def test_distribution_statistics():
    ember.manual_seed(1234)
    n = 200000
    u = ember.rand(n).numpy()
    assert u.min() >= 0 and u.max() < 1 and abs(u.mean() - 0.5) < 0.005
    z = ember.randn(n, dtype=ember.float64).numpy()
    assert abs(z.mean()) < 0.01 and abs(z.std() - 1) < 0.01
    w = ember.empty(n).normal_(3.0, 0.5).numpy()
    assert abs(w.mean() - 3) < 0.01 and abs(w.std() - 0.5) < 0.01
    e = ember.empty(n, dtype=ember.float64).exponential_(4.0).numpy()
    assert e.min() >= 0 and abs(e.mean() - 0.25) < 0.005
    b = ember.empty(n).bernoulli_(0.3).numpy()
    assert set(np.unique(b)) <= {0.0, 1.0} and abs(b.mean() - 0.3) < 0.005
    r = ember.randint(-3, 4, (n,)).numpy()
    assert r.min() == -3 and r.max() == 3 and abs(r.mean()) < 0.02
    g = ember.empty(n, dtype=ember.float64).geometric_(0.25).numpy()
    assert g.min() >= 1 and abs(g.mean() - 4) < 0.05
    ln = np.log(ember.empty(n, dtype=ember.float64).log_normal_(0.5, 0.2).numpy())
    assert abs(ln.mean() - 0.5) < 0.005 and abs(ln.std() - 0.2) < 0.005
    c = ember.empty(n, dtype=ember.float64).cauchy_(1.0, 2.0).numpy()
    assert abs(np.median(c) - 1.0) < 0.05
    po = ember.poisson(ember.full((n,), 25.0)).numpy()
    assert abs(po.mean() - 25) < 0.1 and abs(po.var() - 25) < 0.5
    probs = np.array([0.1, 0.2, 0.3, 0.4])
    m = ember.multinomial(ember.tensor(probs), n, True).numpy()
    np.testing.assert_allclose(np.bincount(m, minlength=4) / n, probs, atol=0.005)
    first = ember.multinomial(ember.tensor([probs] * 4000), 1).numpy()
    np.testing.assert_allclose(np.bincount(first.ravel(), minlength=4) / 4000, probs, atol=0.03)
    perm = ember.randperm(1000).numpy()
    assert sorted(perm.tolist()) == list(range(1000))
    no_rep = ember.multinomial(ember.ones(2, 50), 50).numpy()
    assert all(sorted(row.tolist()) == list(range(50)) for row in no_rep)
