"""`out=` for the functions of the ember namespace, with torch's rules.

The C++ ops return fresh tensors; for the functions below, a call with `out=`
computes the result as usual and writes it into `out`:
- under autograd, an input that requires grad is an error (torch does not
  differentiate through out=);
- the result must be castable to out's dtype (torch.can_cast);
- an out of another shape is resized (with torch's warning when it had elements);
- creation functions without `dtype=` take out's dtype, as torch's do.
Functions that handle `out` themselves (the random family, tensordot) are not wrapped.
The wrapper is a C object (_C._OutFunction): calls without `out` reach the binding with
no Python frame in between; only calls with `out` run the Python code below.
"""
import functools
import warnings

from . import _C

# torch functions that take out= and that ember has (generated from torch 1.13's docs,
# less the ones whose C++ binding writes into out itself).
OUT_FUNCTIONS = (
    "abs absolute acos acosh add addbmm addcdiv addcmul addmm addmv all amax amin aminmax any arange arccos "
    "arccosh arcsin arcsinh arctan arctan2 arctanh asin asinh atan atan2 atanh baddbmm bitwise_and "
    "bitwise_left_shift bitwise_not bitwise_or bitwise_right_shift bitwise_xor bmm bucketize cat ceil clamp clip "
    "column_stack concat concatenate cos cosh cross cummax cummin cumprod cumsum deg2rad diag digamma div divide "
    "dot dstack empty eq erf erfc erfinv exp exp2 expm1 eye fix float_power floor floor_divide fmax fmin fmod "
    "frac full gather ge ger greater greater_equal gt histc hstack hypot index_add index_copy index_select inner "
    "isneginf isposinf kron kthvalue le lerp less less_equal lgamma linspace log log10 log1p log2 logcumsumexp "
    "logical_and logical_not logical_or logical_xor logit logspace logsumexp lt masked_select matmul max maximum "
    "mean median min minimum mm mode msort mul multiply mv nan_to_num nanmean nanmedian ne neg negative nonzero "
    "norm not_equal ones outer pow quantile rad2deg reciprocal remainder round row_stack rsqrt searchsorted sgn "
    "sigmoid sign signbit sin sinc sinh sort sqrt square stack std sub subtract take_along_dim tan tanh topk tril "
    "triu trunc var vdot vstack xlogy zeros sum prod nansum argmax argmin take where "
    "copysign heaviside gcd lcm ldexp frexp nextafter index_reduce narrow_copy renorm range addr histogram angle "
    "conj_physical nanquantile"
).split()

# Creation functions: without dtype=, the result takes out's dtype.
_CREATION = {"arange", "empty", "eye", "full", "linspace", "logspace", "ones", "zeros", "range"}

def _write(name, result, out):
    if not isinstance(out, _C._TensorBase):
        raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type(out).__name__}")
    if _C.is_grad_enabled() and (result.requires_grad or out.requires_grad):
        raise RuntimeError(f"{name}(): functions with out=... arguments don't support automatic differentiation, "
                           "but one of the arguments requires grad.")
    if not _C.can_cast(result.dtype, out.dtype):
        raise RuntimeError(f"result type {_C._scalar_type_name(result.dtype)} can't be cast to the desired output type "
                           f"{_C._scalar_type_name(out.dtype)}")
    if tuple(out.shape) != tuple(result.shape):
        if out.numel() != 0:
            warnings.warn(f"An output with one or more elements was resized since it had shape {list(out.shape)}, "
                          f"which does not match the required output shape {list(result.shape)}. This behavior is "
                          "deprecated, and in a future PyTorch release outputs will not be resized unless they have "
                          "zero elements. You can explicitly reuse an out tensor t by resizing it, inplace, to zero "
                          "elements with t.resize_(0).", UserWarning, stacklevel=4)
        out.resize_(tuple(result.shape))
    if out.data_ptr() != result.data_ptr() or out.stride() != result.stride():
        enabled = _C.is_grad_enabled()
        _C._set_grad_enabled(False)
        try:
            out.copy_(result)
        finally:
            _C._set_grad_enabled(enabled)
    return out


def _with_out(name, fn):
    creation = name in _CREATION

    def call(*args, out=None, **kwargs):
        if out is None:
            return fn(*args, **kwargs)
        if creation and kwargs.get("dtype") is None and isinstance(out, _C._TensorBase):
            kwargs["dtype"] = out.dtype
        result = fn(*args, **kwargs)
        if isinstance(result, tuple):
            if not isinstance(out, (tuple, list)) or len(out) != len(result):
                raise TypeError(f"{name}(): argument 'out' must be a tuple of {len(result)} Tensors")
            written = tuple(_write(name, r, o) for r, o in zip(result, out))
            try:
                return type(result)(*written)
            except TypeError:
                return written
        return _write(name, result, out)
    # Calls without out= go straight to fn (in C, no Python frame); calls with it run `call`.
    wrapped = functools.update_wrapper(_C._OutFunction(fn, call), fn)
    wrapped.__module__, wrapped.__qualname__ = "ember", name  # found again by pickle as ember.<name>
    return wrapped


def install(namespace):
    """Wrap the functions of `namespace` (a module's globals) that torch lets write into out=."""
    for name in OUT_FUNCTIONS:
        fn = namespace.get(name)
        if fn is not None:
            namespace[name] = _with_out(name, fn)
