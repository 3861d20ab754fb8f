"""Creation functions against torch: dtypes inferred, shapes, exact values,
keywords, memory sharing with NumPy, and the exceptions torch raises."""
import contextlib

import numpy as np
import pytest
import torch

import ember
from oracle import raises_like

# torch's own advice warnings (copy-constructing from tensors, lists of arrays) are expected here
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning", "ignore::DeprecationWarning")

DTYPES = ["float32", "float64", "float16", "bfloat16", "int8", "int16", "int32", "int64", "uint8", "bool"]


def name(d):
    return str(d).split(".")[-1]


def as_numpy(x):
    if isinstance(x, torch.Tensor):
        return (x.float() if x.dtype == torch.bfloat16 else x).detach().numpy()
    return (x.float() if x.dtype == ember.bfloat16 else x).detach().numpy()


def same(fn, msg=""):
    """fn(lib) built with ember and with torch: the same type, dtype, shape, exact values
    (NaN equal) and requires_grad; or both raise the same exception type."""
    try:
        t = fn(torch)
    except Exception:
        raises_like(lambda: fn(ember), lambda: fn(torch))
        return None
    e = fn(ember)
    if isinstance(t, torch.Tensor):
        assert isinstance(e, ember.Tensor), f"{msg}: got {type(e)}"
        assert name(e.dtype) == name(t.dtype), f"{msg}: dtype {e.dtype} != {t.dtype}"
        assert tuple(e.shape) == tuple(t.shape), f"{msg}: shape {tuple(e.shape)} != {tuple(t.shape)}"
        assert e.requires_grad == t.requires_grad, f"{msg}: requires_grad"
        np.testing.assert_array_equal(as_numpy(e), as_numpy(t), err_msg=msg)
    else:
        assert type(e) is type(t) and e == t, f"{msg}: {e!r} != {t!r}"
    return e


@contextlib.contextmanager
def default_dtype(dt):
    old_e, old_t = ember.get_default_dtype(), torch.get_default_dtype()
    ember.set_default_dtype(getattr(ember, dt))
    torch.set_default_dtype(getattr(torch, dt))
    try:
        yield
    finally:
        ember.set_default_dtype(old_e)
        torch.set_default_dtype(old_t)


# ---------------------------------------------------------------- constants
@pytest.mark.parametrize("dt", DTYPES)
def test_zeros_ones_full_empty(dt):
    same(lambda L: L.zeros(2, 3, dtype=getattr(L, dt)))
    same(lambda L: L.ones((2, 3), dtype=getattr(L, dt)))
    same(lambda L: L.full((2, 3), 1, dtype=getattr(L, dt)))
    same(lambda L: L.full((4,), -1, dtype=getattr(L, dt)))
    same(lambda L: L.full((2,), 2.5, dtype=getattr(L, dt)))
    same(lambda L: L.full((2,), True, dtype=getattr(L, dt)))
    for lib in (ember, torch):
        e = lib.empty(2, 0, 3, dtype=getattr(lib, dt))
        assert tuple(e.shape) == (2, 0, 3) and name(e.dtype) == dt


def test_constant_arguments():
    for f in [lambda L: L.zeros(2, 3), lambda L: L.zeros((2, 3)), lambda L: L.zeros([2, 3]),
              lambda L: L.zeros(size=(2, 3)), lambda L: L.ones(()), lambda L: L.ones([]), lambda L: L.zeros(0),
              lambda L: L.zeros(L.Size([2, 1])), lambda L: L.ones(np.int64(2), 3), lambda L: L.ones(L.tensor(2), 3),
              lambda L: L.ones(2, requires_grad=True), lambda L: L.zeros(2, dtype=L.float64, requires_grad=True),
              lambda L: L.zeros(-1), lambda L: L.zeros(2, -3), lambda L: L.zeros([2, 3.0]),
              lambda L: L.zeros((2,), (3,)), lambda L: L.ones(2, dtype=L.int64, requires_grad=True)]:
        same(f)
    for lib in (ember, torch):
        assert tuple(lib.empty(size=(2, 3)).shape) == (2, 3)
        assert lib.empty(4, 5, dtype=lib.int32).stride() == (5, 1)
    with default_dtype("float64"):
        for f in [lambda L: L.zeros(2), lambda L: L.ones(2, 1), lambda L: L.eye(2), lambda L: L.zeros_like(L.ones(2, dtype=L.int32)),
                  lambda L: L.tensor([[1, 2.5]]), lambda L: L.tensor(True), lambda L: L.ones(1).new_zeros(2)]:
            same(f)
        assert name(ember.empty(2).dtype) == name(torch.empty(2).dtype) == "float64"


def test_full_dtype_inference():
    same(lambda L: L.full((2,), 3))        # int64
    same(lambda L: L.full((2,), True))     # bool
    same(lambda L: L.full((2,), 1.5))      # default float
    same(lambda L: L.full([], 2.5))
    same(lambda L: L.full((2,), L.tensor(3.5)))
    same(lambda L: L.full((2,), np.float32(2.5)))
    with default_dtype("float64"):
        same(lambda L: L.full((2,), 1.5))
        same(lambda L: L.full((2,), 3))
    same(lambda L: L.full(2, 3))  # size must be a sequence


@pytest.mark.parametrize("value,dt", [(300, "uint8"), (-1, "uint8"), (-255, "uint8"), (-256, "uint8"), (128, "int8"),
                                      (-129, "int8"), (1.5, "int64"), (float("nan"), "int64"), (float("inf"), "int32"),
                                      (70000.0, "float16"), (1e39, "bfloat16"), (1e39, "float32"), (1e300, "float32"),
                                      (float("inf"), "float16"), (2.5, "bool"), (3, "bool"), (2**63 - 1, "float16"),
                                      (300.7, "uint8"), (-1.5, "uint8"), (2**40, "int32")])
def test_full_and_fill_overflow_like_torch(value, dt):
    same(lambda L: L.full((2,), value, dtype=getattr(L, dt)))
    same(lambda L: L.zeros(2, dtype=getattr(L, dt)).fill_(value))
    same(lambda L: L.full_like(L.zeros(2, dtype=getattr(L, dt)), value))
    same(lambda L: L.zeros(1).new_full((2,), value, dtype=getattr(L, dt)))
    same(lambda L: L.scalar_tensor(value, dtype=getattr(L, dt)))


def test_like_functions():
    srcs = {
        "contiguous": lambda L: L.ones(3, 4, dtype=L.int32),
        "transposed": lambda L: L.from_numpy(np.ones((4, 3), np.float32).T),
        "sliced": lambda L: L.from_numpy(np.ones((3, 8), np.float32)[:, ::2]),
        "zero_d": lambda L: L.ones((), dtype=L.float64),
    }
    for key, src in srcs.items():
        for f in [lambda L: L.zeros_like(src(L)), lambda L: L.ones_like(src(L)), lambda L: L.full_like(src(L), 2.7),
                  lambda L: L.full_like(src(L), 2), lambda L: L.full_like(src(L), True),
                  lambda L: L.zeros_like(src(L), dtype=L.float16), lambda L: L.ones_like(src(L), requires_grad=True),
                  lambda L: L.zeros_like(src(L), dtype=L.int8, requires_grad=True)]:
            same(f, key)
        # results keep a dense input's memory layout (torch's preserve_format)
        for fn in ["zeros_like", "ones_like", "empty_like"]:
            assert getattr(ember, fn)(src(ember)).stride() == getattr(torch, fn)(src(torch)).stride(), (key, fn)
        assert ember.full_like(src(ember), 1).stride() == torch.full_like(src(torch), 1).stride(), key


def test_new_methods():
    for base in [lambda L: L.zeros(2), lambda L: L.zeros(2, dtype=L.int32), lambda L: L.zeros(2, requires_grad=True)]:
        for f in [lambda L: base(L).new_zeros(3, 4), lambda L: base(L).new_zeros((3,)), lambda L: base(L).new_zeros(size=(3,)),
                  lambda L: base(L).new_ones(2, dtype=L.float64), lambda L: base(L).new_full((3,), 2.5),
                  lambda L: base(L).new_full(fill_value=2, size=(2,)), lambda L: base(L).new_zeros(3, requires_grad=True),
                  lambda L: base(L).new_tensor([1.5, 2]), lambda L: base(L).new_tensor([1.5, 2], dtype=L.float64),
                  lambda L: base(L).new_tensor(3), lambda L: base(L).new_tensor(L.tensor([1, 2])),
                  lambda L: base(L).new_full((2,), 2, requires_grad=True)]:
            same(f)
        for lib in (ember, torch):
            e = base(lib).new_empty(3)
            assert tuple(e.shape) == (3,) and e.dtype == base(lib).dtype and not e.requires_grad


def test_scalar_tensor():
    for f in [lambda L: L.scalar_tensor(3), lambda L: L.scalar_tensor(True), lambda L: L.scalar_tensor(3.5, dtype=L.int32),
              lambda L: L.scalar_tensor(2.5, requires_grad=True)]:
        same(f)
    with default_dtype("float64"):
        same(lambda L: L.scalar_tensor(3))


# ---------------------------------------------------------------- ranges
ARANGE_CASES = [
    (5,), (5.0,), (1, 10, 3), (10, 1, -3), (0, 1, 0.1), (-1.5, 2.25, 0.25), (1, -1, -0.3), (0, 0.3, 0.1), (0,), (5, 5),
    (0, 100000, 1.1), (0.1, 1e5, 0.7), (0, 17.0, 1 / 3), (-3.7, 1000.0, 0.013), (2**40, 2**40 + 5), (0.5, 5.5),
    (-0.5, 5.5, 1.5), (True,), (0, 10, 0.7),
]


@pytest.mark.parametrize("args", ARANGE_CASES)
@pytest.mark.parametrize("dt", [None, "float32", "float64", "float16", "bfloat16", "int64", "int32", "int16", "int8", "uint8"])
def test_arange_values(args, dt):
    kw = {} if dt is None else {"dtype": dt}
    same(lambda L: L.arange(*args, **{k: getattr(L, v) for k, v in kw.items()}), f"arange{args} {dt}")


def test_arange_arguments_and_errors():
    for f in [lambda L: L.arange(end=5), lambda L: L.arange(start=1, end=5), lambda L: L.arange(1, 5, step=2),
              lambda L: L.arange(L.tensor(3)), lambda L: L.arange(L.tensor(2.5)), lambda L: L.arange(np.int64(3)),
              lambda L: L.arange(np.float32(3)), lambda L: L.arange(3.0, requires_grad=True),
              lambda L: L.arange(0, 300, 7, dtype=L.uint8), lambda L: L.arange(0, 5, -1), lambda L: L.arange(0, 5, 0),
              lambda L: L.arange(0, 5, 0.5, dtype=L.int64), lambda L: L.arange(0, 2, dtype=L.bool),
              lambda L: L.arange(0, float("nan")), lambda L: L.arange(0, float("inf")), lambda L: L.arange(0, 10, 1e-20),
              lambda L: L.arange(5, 1)]:
        same(f)
    with default_dtype("float64"):
        same(lambda L: L.arange(0, 1, 0.1))
        same(lambda L: L.arange(5))


LINSPACE_CASES = [(0, 1, 5), (-3.3, 7.9, 7), (-3.3, 7.9, 100), (-3.3, 7.9, 1001), (0, 1, 0), (2, 1, 1), (0, 10, 4),
                  (10, -3, 37), (0, 1, 13), (-2, 5, 13), (0.1, 12345.6, 999), (5, 5, 9)]


@pytest.mark.parametrize("args", LINSPACE_CASES)
@pytest.mark.parametrize("dt", [None, "float64", "float16", "bfloat16", "int64", "int32", "int16", "int8", "uint8"])
def test_linspace_logspace_values(args, dt):
    kw = lambda L: {} if dt is None else {"dtype": getattr(L, dt)}  # noqa: E731
    same(lambda L: L.linspace(*args, **kw(L)), f"linspace{args} {dt}")
    lo, hi, n = args
    for base in [10.0, 2.0, 3.0]:  # large exponents overflow: inf for floats, torch's wrapped values for integers
        same(lambda L: L.logspace(lo, hi, n, base=base, **kw(L)), f"logspace{args} base {base} {dt}")


def test_linspace_logspace_arguments_and_errors():
    for f in [lambda L: L.linspace(0, 1, -1), lambda L: L.linspace(0, 1, 2.5), lambda L: L.linspace(0, 1, 3, dtype=L.bool),
              lambda L: L.linspace(L.tensor(0.), L.tensor(1.), 5), lambda L: L.linspace(0, 1, steps=L.tensor(3)),
              lambda L: L.linspace(0, 1, 5, requires_grad=True), lambda L: L.linspace(0, 1e39, 3),
              lambda L: L.logspace(0, 1, 3, dtype=L.bool), lambda L: L.logspace(0, 1, 3, dtype=L.float16),
              lambda L: L.logspace(0, 2, 1, dtype=L.int64), lambda L: L.logspace(-1, 3.3, 17, base=2),
              lambda L: L.logspace(0, 1, -2)]:
        same(f)
    with default_dtype("float64"):
        same(lambda L: L.linspace(-1, 1, 11))
        same(lambda L: L.logspace(-1, 1, 11))


@pytest.mark.parametrize("dt", DTYPES)
def test_eye(dt):
    for args in [(3,), (2, 4), (4, 2), (0,), (3, 0), (1,)]:
        same(lambda L: L.eye(*args, dtype=getattr(L, dt)))
    for f in [lambda L: L.eye(-1), lambda L: L.eye(3, -1), lambda L: L.eye(2.5), lambda L: L.eye(n=2, m=3),
              lambda L: L.eye(2, requires_grad=True), lambda L: L.eye(3)]:
        same(f)


# ---------------------------------------------------------------- tensor() from Python data
TENSOR_DATA = {
    "bools": [True, False], "ints": [1, 2], "floats": [1.5, 2], "bool_int": [True, 2], "int_float": [[1, 2], [3.5, 4]],
    "int": 3, "float": 3.5, "bool": False, "empty": [], "empty_nested": [[], []], "empty_deep": [[[]]],
    "tuple": ((1, 2), (3, 4)), "range": range(4), "inf_nan": [float("inf"), float("nan")],
    "np_f32_scalars": [np.float32(1.5), np.float32(2)], "np_i32_scalars": [np.int32(1), np.int32(2)],
    "np_f64_scalar": np.float64(2.5), "np_i8_scalar": np.int8(2), "np_bool_scalar": np.bool_(True),
    "np_u8_and_int": [np.uint8(2), 3], "np_f16_scalar": np.float16(2), "np_f64_and_float": [np.float64(1), 2.0],
    "np_arrays": [np.array([1, 2]), np.array([3, 4])],
    "np_f32_arrays": [np.array([1, 2], np.float32), np.array([3, 4], np.float32)],
    "np_i16": np.array([[1, 2]], dtype=np.int16), "np_f64": np.arange(6.).reshape(2, 3),
    "np_transposed": np.arange(6.).reshape(2, 3).T, "np_reversed": np.arange(6.)[::-1], "np_0d": np.array(4.5),
}


@pytest.mark.parametrize("key", list(TENSOR_DATA))
def test_tensor_inference(key):
    data = TENSOR_DATA[key]
    same(lambda L: L.tensor(data), key)
    same(lambda L: L.as_tensor(data), key)
    with default_dtype("float64"):
        same(lambda L: L.tensor(data), key + " (float64 default)")


def test_tensor_from_tensors():
    for f in [lambda L: L.tensor([L.tensor(1.5), L.tensor(2.5)]), lambda L: L.tensor([L.tensor(1), L.tensor(2)]),
              lambda L: L.tensor([L.tensor(1.5, dtype=L.float64), 2]), lambda L: L.tensor([L.tensor(1, dtype=L.int32), 2.5]),
              lambda L: L.tensor([L.tensor(1, dtype=L.int32), 2]), lambda L: L.tensor([[L.tensor(1), 2], [3, 4]]),
              lambda L: L.tensor(L.ones(2, dtype=L.int32)), lambda L: L.tensor(L.ones(2, dtype=L.int32), dtype=L.float16),
              lambda L: L.tensor(L.from_numpy(np.ones((3, 2)).T))]:
        same(f)
    x = ember.ones(2, requires_grad=True)
    y = ember.tensor(x)
    assert not y.requires_grad and y.data_ptr() != x.data_ptr()


def test_tensor_dtype_and_errors():
    for f in [lambda L: L.tensor([1, 2], dtype=L.float64), lambda L: L.tensor([0, 2], dtype=L.bool),
              lambda L: L.tensor([1.7, -2.7], dtype=L.int32), lambda L: L.tensor([-1], dtype=L.uint8),
              lambda L: L.tensor([300], dtype=L.uint8), lambda L: L.tensor([300], dtype=L.int8),
              lambda L: L.tensor([1e39], dtype=L.float32), lambda L: L.tensor([2**63]), lambda L: L.tensor(2**64),
              lambda L: L.tensor([1., 2.], requires_grad=True), lambda L: L.tensor([1, 2], requires_grad=True),
              lambda L: L.tensor("abc"), lambda L: L.tensor(["a"]), lambda L: L.tensor(None), lambda L: L.tensor({1: 2}),
              lambda L: L.tensor(np.array([1, None])), lambda L: L.tensor(np.array([1, 2], dtype=np.uint16)),
              lambda L: L.tensor([[1, 2], [3]]), lambda L: L.tensor([[1, 2], 3]), lambda L: L.tensor([1, [2, 3]]),
              lambda L: L.tensor([[[1], [2]], [[3], [4, 5]]])]:
        same(f)


def test_ragged_lists_raise_value_error():
    with pytest.raises(ValueError):
        ember.tensor([[1, 2], [3]])
    with pytest.raises(ValueError):
        ember.tensor([[[1, 2]], [[3, 4, 5]]])


# ---------------------------------------------------------------- NumPy interop
def test_from_numpy_and_as_tensor_share_memory():
    a = np.zeros(3)
    e = ember.from_numpy(a)
    a[0] = 5
    assert e.tolist() == [5.0, 0.0, 0.0]
    e.fill_(2)
    assert a.tolist() == [2.0, 2.0, 2.0]
    a = np.zeros((3, 4), np.float32)[:, 1::2]  # strided view: shared with its strides
    e = ember.from_numpy(a)
    assert e.stride() == torch.from_numpy(a).stride()
    a[1, 1] = 7
    assert e.tolist()[1][1] == 7
    b = np.zeros(3)
    s = ember.as_tensor(b)
    b[2] = 4
    assert s.tolist() == [0.0, 0.0, 4.0]
    c = np.zeros(3)
    t = ember.tensor(c)  # copies
    c[1] = 9
    assert t.tolist() == [0.0, 0.0, 0.0]
    x = ember.ones(2)
    assert ember.as_tensor(x) is x
    assert ember.as_tensor(x, dtype=ember.float64).dtype == ember.float64


def test_numpy_shares_memory():
    t = ember.zeros(3, 4)
    n = t.numpy()
    n[1, 2] = 7
    assert t.tolist()[1][2] == 7
    assert n.strides == torch.zeros(3, 4).numpy().strides
    for dt in ["float32", "float64", "float16", "int8", "int16", "int32", "int64", "uint8", "bool"]:
        assert str(ember.zeros(2, dtype=getattr(ember, dt)).numpy().dtype) == str(torch.zeros(2, dtype=getattr(torch, dt)).numpy().dtype)
    raises_like(lambda: ember.zeros(2, requires_grad=True).numpy(), lambda: torch.zeros(2, requires_grad=True).numpy())
    raises_like(lambda: ember.zeros(2, dtype=ember.bfloat16).numpy(), lambda: torch.zeros(2, dtype=torch.bfloat16).numpy())


def test_from_numpy_errors():
    for f in [lambda L: L.from_numpy([1, 2]), lambda L: L.from_numpy(np.array([1], dtype=np.uint16)),
              lambda L: L.from_numpy(np.arange(3.)[::-1]), lambda L: L.from_numpy(np.array([1, 2], dtype=">i4"))]:
        raises_like(lambda: f(ember), lambda: f(torch))
    for arr in [np.array(3.5), np.array([True, False]), np.array([1.5], np.float16), np.zeros((2, 0, 3), np.int8)]:
        same(lambda L: L.from_numpy(arr.copy()))


# ---------------------------------------------------------------- Python values out
@pytest.mark.parametrize("dt", DTYPES)
def test_tolist_and_item(dt):
    vals = [[1.5, -2.25, 0.0], [3, 0.1, 7]] if "float" in dt else [[1, 0, 3], [0, 5, 1]]
    for f in [lambda L: L.tensor(vals, dtype=getattr(L, dt)).tolist(),
              lambda L: L.tensor(vals[1][1], dtype=getattr(L, dt)).tolist(),
              lambda L: L.tensor(vals[0][0], dtype=getattr(L, dt)).item(),
              lambda L: L.tensor([[vals[0][1]]], dtype=getattr(L, dt)).item(),
              lambda L: L.zeros(2, 0, dtype=getattr(L, dt)).tolist()]:
        e, t = f(ember), f(torch)
        assert e == t and type(e) is type(t), (e, t)
        if isinstance(t, list) and t and isinstance(t[0], list) and t[0]:
            assert type(e[0][0]) is type(t[0][0])
    if "float" in dt:
        for x in [0.1, 1 / 3, 1e-8, 65504.0, 3.14159]:
            assert ember.tensor(x, dtype=getattr(ember, dt)).item() == torch.tensor(x, dtype=getattr(torch, dt)).item()
    raises_like(lambda: ember.zeros(2, dtype=getattr(ember, dt)).item(), lambda: torch.zeros(2, dtype=getattr(torch, dt)).item())
