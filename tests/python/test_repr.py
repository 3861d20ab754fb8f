"""Printed tensors: repr(ember tensor) must be torch's text, with "ember." for "torch.".

Each case builds the same values in both libraries (from NumPy) and compares the whole
repr: layout, widths, notation, summarizing, line wrapping and suffixes.
"""
import math

import numpy as np
import pytest
import torch

import ember

nan, inf = math.nan, math.inf
rng = np.random.default_rng(0)


def both(values, dtype="float32"):
    a = np.asarray(values, dtype="float32" if dtype == "bfloat16" else dtype)
    e, t = ember.from_numpy(a.copy()), torch.from_numpy(a.copy())
    if dtype == "bfloat16":
        e, t = e.to(ember.bfloat16), t.to(torch.bfloat16)
    return e, t


def same_repr(e, t):
    got, want = repr(e).replace("ember.", "torch."), repr(t)
    assert got == want, f"\nember:\n{got}\ntorch:\n{want}"
    assert str(e).replace("ember.", "torch.") == str(t)


CASES = {
    # integers
    "int": ([1, 2, 3], "int64"),
    "int_negative": ([-1, 20, -300, 4000], "int64"),
    "int_big": ([123456789012, -5], "int64"),
    "int32": ([1, -2, 3], "int32"),
    "int8": ([[1, -2], [3, 127]], "int8"),
    "uint8": ([0, 255, 7], "uint8"),
    "int16": ([5], "int16"),
    "bool": ([True, False, True], "bool"),
    "bool_2d": ([[True, False], [False, False]], "bool"),
    # floats
    "float": ([1.5, -2.25, 3.125], "float32"),
    "float_precision": ([0.123456789, 1.0, 2.5], "float32"),
    "float_int_valued": ([1.0, 2.0, -3.0], "float32"),
    "float_int_valued_big": ([1.0, 1e9], "float32"),
    "float_int_valued_ratio": ([1.0, 2000.0], "float32"),
    "float_sci_small": ([1e-5, 1.0, 2.0], "float32"),
    "float_sci_big": ([1e10, 1.5], "float32"),
    "float_sci_ratio": ([0.01, 12.5, 100.25], "float32"),
    "float_sci_negative": ([-1e-8, 3.5e-7], "float32"),
    "float_zeros": ([0.0, 0.0, -0.0], "float32"),
    "float_nan_inf": ([nan, inf, -inf, 1.5], "float32"),
    "float_nan_inf_ints": ([nan, inf, -inf, 2.0], "float32"),
    "float_all_nan": ([nan, nan], "float32"),
    "float_nan_zero": ([nan, 0.0], "float32"),
    "float_sci_with_nan": ([1e-6, nan, -inf], "float32"),
    "float64": ([1.5, 2.0], "float64"),
    "float64_precise": ([1.0 / 3, 2.0 / 3], "float64"),
    "float16": ([1.5, 2.0, 65504.0], "float16"),
    "float16_small": ([0.001, 0.1], "float16"),
    "bfloat16": ([1.5, -2.0, 3e38], "bfloat16"),
    "bfloat16_frac": ([0.1, 0.2, 0.3], "bfloat16"),
    "float_2d": ([[1.5, -2.0], [3.25, 400.0]], "float32"),
    "float_3d": (rng.standard_normal((2, 3, 4)), "float32"),
    "float_4d": (rng.standard_normal((2, 2, 2, 3)), "float64"),
    # 0-d
    "scalar_float": (3.5, "float32"),
    "scalar_int": (7, "int64"),
    "scalar_bool": (True, "bool"),
    "scalar_nan": (nan, "float32"),
    "scalar_int_valued": (2.0, "float32"),
    "scalar_sci": (1e-7, "float64"),
    "scalar_half": (1.25, "float16"),
    "scalar_int8": (-3, "int8"),
    # wide rows wrap at 80 columns
    "wide_float": (rng.standard_normal(30), "float32"),
    "wide_int": (np.arange(40) * 1000, "int64"),
    "wide_2d": (rng.standard_normal((3, 20)) * 100, "float32"),
    "wide_sci": (rng.standard_normal(25) * 1e-6, "float32"),
    "wide_bool": (rng.random(50) > 0.5, "bool"),
    # summarized above 1000 elements
    "summary_1d": (np.arange(2000), "int64"),
    "summary_1d_float": (rng.standard_normal(1500), "float32"),
    "summary_2d": (rng.standard_normal((50, 40)), "float32"),
    "summary_3d": (rng.standard_normal((11, 12, 13)), "float64"),
    "summary_short_rows": (rng.standard_normal((400, 3)), "float32"),
    "summary_sci": (rng.standard_normal((40, 40)) * 1e-5, "float32"),
    "summary_int_valued": (np.arange(1001, dtype=np.float32) * 1e6, "float32"),
    "summary_half": (rng.standard_normal(1200), "float16"),
    "summary_bool": (rng.random((40, 30)) > 0.5, "bool"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_repr_matches_torch(name):
    values, dtype = CASES[name]
    same_repr(*both(values, dtype))


@pytest.mark.parametrize("shape", [(0,), (0, 3), (2, 0, 4), (3, 0)])
@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "bool", "float16", "uint8"])
def test_repr_empty(shape, dtype):
    same_repr(*both(np.zeros(shape), dtype))


def test_repr_requires_grad_and_grad_fn():
    e, t = both([1.5, 2.0, -3.0])
    e.requires_grad_(True)
    t.requires_grad_(True)
    same_repr(e, t)
    same_repr(e * 2, t * 2)
    same_repr(e + 1, t + 1)
    same_repr(ember.exp(e), torch.exp(t))
    same_repr(e.detach(), t.detach())
    e64, t64 = both([1.5, 2.0], "float64")
    same_repr(e64.requires_grad_(True), t64.requires_grad_(True))
    same_repr(-e64, -t64)
    # 0-d and empty with suffixes
    e0, t0 = both(2.5, "float64")
    same_repr(e0.requires_grad_(), t0.requires_grad_())
    ee, te = both(np.zeros((0, 2)), "float64")
    same_repr(ee.requires_grad_(), te.requires_grad_())


def test_repr_suffixes_wrap_to_a_new_line():
    """A last line too long for the suffix moves it to a line of its own."""
    e, t = both(rng.standard_normal(7) * 1000, "float64")
    e.requires_grad_(True)
    t.requires_grad_(True)
    same_repr(e * 3, t * 3)
    e, t = both(rng.standard_normal((4, 7)), "float16")
    same_repr(e, t)


def test_repr_default_dtype_changes_the_suffix():
    e, t = both([1.5, 2.0], "float32")
    e64, t64 = both([1.5, 2.0], "float64")
    prev = ember.get_default_dtype()
    ember.set_default_dtype(ember.float64)
    torch.set_default_dtype(torch.float64)
    try:
        same_repr(e, t)
        same_repr(e64, t64)
        ee, te = both(np.zeros(0), "float32")
        same_repr(ee, te)
    finally:
        ember.set_default_dtype(prev)
        torch.set_default_dtype(torch.float32)


def test_repr_from_views_and_ops():
    """Non-contiguous tensors and op results print their logical values."""
    a = rng.standard_normal((4, 5)).astype(np.float32)
    e, t = ember.from_numpy(a.T.copy().T), torch.from_numpy(a.T.copy().T)
    same_repr(e, t)
    same_repr(e * 10, t * 10)
    same_repr(e > 0, t > 0)
    same_repr((e * 100).int(), (t * 100).int())


@pytest.mark.parametrize("opts", [dict(precision=2), dict(precision=7), dict(sci_mode=True), dict(sci_mode=False),
                                  dict(linewidth=40), dict(threshold=10, edgeitems=2), dict(profile="short"),
                                  dict(profile="full")])
def test_set_printoptions(opts):
    set_printoptions = ember.set_printoptions
    cases = [rng.standard_normal(30), rng.standard_normal((5, 6)) * 1e-5, np.arange(2000.0)]
    try:
        set_printoptions(**opts)
        torch.set_printoptions(**opts)
        for values in cases:
            same_repr(*both(values, "float32"))
    finally:
        set_printoptions(profile="default")
        torch.set_printoptions(profile="default")
