"""Type promotion against torch: promote_types, result_type and the dtypes ops produce,
for every pair of dtypes and every mix of tensors, 0-d tensors and Python numbers."""
import itertools

import numpy as np
import pytest
import torch

import ember
from oracle import DTYPES, dtype_name, raises_like

SCALARS = {"bool": True, "int": 3, "float": 1.5}
KINDS = ("tensor", "zerodim")


def operand(lib, kind, dtype):
    if kind == "scalar":
        return SCALARS[dtype]
    shape = (3,) if kind == "tensor" else ()
    a = np.ones(shape, dtype="float32" if dtype == "bfloat16" else dtype)
    t = (ember if lib is ember else torch).from_numpy(a)
    return t.to(getattr(lib, "bfloat16")) if dtype == "bfloat16" else t


def name(d):
    return dtype_name(d)


def torch_lacks_16bit_kernel(exc):
    """torch 1.13 has no CPU kernel of many ops for 16-bit floats; ember computes them in float32."""
    return "'Half'" in str(exc) or "'BFloat16'" in str(exc)


@pytest.mark.parametrize("a,b", list(itertools.product(DTYPES, DTYPES)))
def test_promote_types(a, b):
    assert name(ember.promote_types(getattr(ember, a), getattr(ember, b))) == \
        name(torch.promote_types(getattr(torch, a), getattr(torch, b)))


def combos():
    out = []
    for ka, kb in itertools.product(KINDS, KINDS):
        out += [(ka, da, kb, db) for da in DTYPES for db in DTYPES]
    for kind in KINDS:
        for d in DTYPES:
            for s in SCALARS:
                out += [(kind, d, "scalar", s), ("scalar", s, kind, d)]
    return out


COMBOS = combos()


def _ids(c):
    return f"{c[0]}-{c[1]}-{c[2]}-{c[3]}"


@pytest.mark.parametrize("combo", COMBOS, ids=[_ids(c) for c in COMBOS])
def test_result_type_and_op_dtypes(combo):
    ka, da, kb, db = combo
    ea, ta = operand(ember, ka, da), operand(torch, ka, da)
    eb, tb = operand(ember, kb, db), operand(torch, kb, db)
    if ka != "scalar" or kb != "scalar":
        if ka == "scalar":  # result_type takes the tensor first or second; both orders must agree
            assert name(ember.result_type(eb, ea)) == name(torch.result_type(tb, ta))
        else:
            assert name(ember.result_type(ea, eb)) == name(torch.result_type(ta, tb))
    # what the ops actually produce: arithmetic, comparison, true division, where
    for op in (lambda x, y: x * y, lambda x, y: x == y, lambda x, y: x / y, lambda x, y: x + y):
        try:
            want = op(ta, tb)
        except RuntimeError:
            raises_like(lambda: op(ea, eb), lambda: op(ta, tb))
            continue
        got = op(ea, eb)
        assert name(got.dtype) == name(want.dtype), f"{combo}: {got.dtype} vs {want.dtype}"
        assert tuple(got.shape) == tuple(want.shape)
    ec, tc = operand(ember, "tensor", "bool"), operand(torch, "tensor", "bool")
    assert name(ember.where(ec, ea, eb).dtype) == name(torch.where(tc, ta, tb).dtype)


@pytest.mark.parametrize("d", DTYPES)
def test_promotion_with_default_dtype_float64(d):
    """A Python float (or an int tensor divided) takes the default float dtype."""
    prev = ember.get_default_dtype()
    ember.set_default_dtype(ember.float64)
    torch.set_default_dtype(torch.float64)
    try:
        ea, ta = operand(ember, "tensor", d), operand(torch, "tensor", d)
        for s in (1.5, 2, True):
            assert name((ea * s).dtype) == name((ta * s).dtype), (d, s)
            assert name(ember.result_type(ea, s)) == name(torch.result_type(ta, s))
        assert name((ea / ea).dtype) == name((ta / ta).dtype)
        want = torch.float16 if d == "float16" else torch.sqrt(ta).dtype  # torch has no float16 sqrt on CPU
        assert name(ember.sqrt(ea).dtype) == name(want)
    finally:
        ember.set_default_dtype(prev)
        torch.set_default_dtype(torch.float32)


def test_three_operand_promotion():
    """where, addcmul, clamp and lerp promote across all their tensor and number operands."""
    e_i, t_i = operand(ember, "tensor", "int32"), operand(torch, "tensor", "int32")
    e_h, t_h = operand(ember, "zerodim", "bfloat16"), operand(torch, "zerodim", "bfloat16")
    e_d, t_d = operand(ember, "tensor", "float64"), operand(torch, "tensor", "float64")
    e_b, t_b = operand(ember, "tensor", "bool"), operand(torch, "tensor", "bool")
    assert name(ember.addcmul(e_i, e_i, e_h).dtype) == name(torch.addcmul(t_i, t_i, t_h).dtype)
    assert name(ember.addcmul(e_i, e_d, e_i).dtype) == name(torch.addcmul(t_i, t_d, t_i).dtype)
    assert name(ember.clamp(e_i, 0.5, 2).dtype) == name(torch.clamp(t_i, 0.5, 2).dtype)
    assert name(ember.clamp(e_i, e_h, None).dtype) == name(torch.clamp(t_i, t_h, None).dtype)
    assert name(ember.where(e_b, e_i, 2.5).dtype) == name(torch.where(t_b, t_i, 2.5).dtype)
    assert name(ember.where(e_b, 1, 2).dtype) == name(torch.where(t_b, 1, 2).dtype)
    assert name(ember.where(e_b, e_b, e_h).dtype) == name(torch.where(t_b, t_b, t_h).dtype)


def test_unary_result_dtypes():
    for d in DTYPES:
        e, t = operand(ember, "tensor", d), operand(torch, "tensor", d)
        for fn in ("exp", "sqrt", "sigmoid", "isnan", "sign", "square", "logical_not", "reciprocal", "round"):
            try:
                want = getattr(torch, fn)(t)
            except RuntimeError as exc:
                if torch_lacks_16bit_kernel(exc):
                    want = getattr(torch, fn)(t.float()).to(t.dtype)
                else:
                    raises_like(lambda: getattr(ember, fn)(e), lambda: getattr(torch, fn)(t))
                    continue
            assert name(getattr(ember, fn)(e).dtype) == name(want.dtype), (fn, d)
