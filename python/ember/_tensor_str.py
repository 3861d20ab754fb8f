"""Tensor printing: the text torch prints, with "ember." where torch says "torch.".

The rules are torch's (torch/_tensor_str.py): one formatter per tensor chooses integer,
fixed or scientific notation from the finite non-zero values; above `threshold` elements
only `edgeitems` rows and columns of each dimension are shown; rows wrap at `linewidth`;
suffixes (dtype=, size=, grad_fn=, requires_grad=) follow on the last line or a new one.
Values are read through NumPy, where slicing and summarizing are cheap.
"""
import math
from dataclasses import dataclass

import numpy as np


@dataclass
class _PrintOptions:
    precision: int = 4
    threshold: float = 1000
    edgeitems: int = 3
    linewidth: int = 80
    sci_mode: object = None


PRINT_OPTS = _PrintOptions()

_PROFILES = {
    "default": dict(precision=4, threshold=1000, edgeitems=3, linewidth=80),
    "short": dict(precision=2, threshold=1000, edgeitems=2, linewidth=80),
    "full": dict(precision=4, threshold=math.inf, edgeitems=3, linewidth=80),
}


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None, sci_mode=None):
    """Set options for printing tensors (same meaning as torch.set_printoptions)."""
    if profile is not None and profile in _PROFILES:
        for k, v in _PROFILES[profile].items():
            setattr(PRINT_OPTS, k, v)
    for k, v in dict(precision=precision, threshold=threshold, edgeitems=edgeitems, linewidth=linewidth).items():
        if v is not None:
            setattr(PRINT_OPTS, k, v)
    PRINT_OPTS.sci_mode = sci_mode


class _Formatter:
    """One width and notation for every element of a tensor (torch's _Formatter)."""

    def __init__(self, values, floating):
        self.floating = floating
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1
        p = PRINT_OPTS.precision
        if not floating:
            self.max_width = max([len(str(v)) for v in values] + [1])
        else:
            finite = [v for v in values if math.isfinite(v) and v != 0]
            if finite:
                mags = [abs(v) for v in finite]
                lo, hi = min(mags), max(mags)
                self.int_mode = all(v == math.ceil(v) for v in finite)
                if self.int_mode:
                    # integers print as "3."; the point counts in the width
                    if hi / lo > 1000.0 or hi > 1.0e8:
                        self.sci_mode = True
                        self.max_width = max(len(f"{v:.{p}e}") for v in finite)
                    else:
                        self.max_width = max(len(f"{v:.0f}") + 1 for v in finite)
                elif hi / lo > 1000.0 or hi > 1.0e8 or lo < 1.0e-4:
                    self.sci_mode = True
                    self.max_width = max(len(f"{v:.{p}e}") for v in finite)
                else:
                    self.max_width = max(len(f"{v:.{p}f}") for v in finite)
        if PRINT_OPTS.sci_mode is not None:
            self.sci_mode = PRINT_OPTS.sci_mode

    def width(self):
        return self.max_width

    def format(self, value):
        p = PRINT_OPTS.precision
        if not self.floating:
            ret = str(value)
        elif self.sci_mode:
            ret = f"{value:{self.max_width}.{p}e}"
        elif self.int_mode:
            ret = f"{value:.0f}"
            if not (math.isinf(value) or math.isnan(value)):
                ret += "."
        else:
            ret = f"{value:.{p}f}"
        return (self.max_width - len(ret)) * " " + ret


def _edges(n):
    """Indices shown of a summarized dimension of size n (as in torch, [-0:] keeps all for edgeitems=0)."""
    e = PRINT_OPTS.edgeitems
    return list(range(e)) + list(range(n)[-e:])


def _summarized(a):
    """Only the edge items of every long dimension (torch's get_summarized_data)."""
    for d in range(a.ndim):
        if a.shape[d] > 2 * PRINT_OPTS.edgeitems:
            a = np.take(a, _edges(a.shape[d]), axis=d)
    return a


def _vector_str(a, indent, summarize, fmt):
    per_line = max(1, int(math.floor((PRINT_OPTS.linewidth - indent) / (fmt.width() + 2))))
    e = PRINT_OPTS.edgeitems
    if summarize and a.shape[0] > 2 * e:
        items = [fmt.format(v) for v in a[:e].tolist()] + [" ..."] + [fmt.format(v) for v in a[-e:].tolist()]
    else:
        items = [fmt.format(v) for v in a.tolist()]
    lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
    return "[" + ("," + "\n" + " " * (indent + 1)).join(lines) + "]"


def _array_str(a, indent, summarize, fmt):
    if a.ndim == 0:
        return fmt.format(a.item())
    if a.ndim == 1:
        return _vector_str(a, indent, summarize, fmt)
    e = PRINT_OPTS.edgeitems
    n = a.shape[0]
    if summarize and n > 2 * e:
        rows = [_array_str(a[i], indent + 1, summarize, fmt) for i in range(e)] + ["..."] + \
               [_array_str(a[i], indent + 1, summarize, fmt) for i in range(n - e, n)]
    else:
        rows = [_array_str(a[i], indent + 1, summarize, fmt) for i in range(n)]
    return "[" + ("," + "\n" * (a.ndim - 1) + " " * (indent + 1)).join(rows) + "]"


def _values(t):
    """The tensor's values as a NumPy array; 16-bit floats print through float32, as in torch."""
    from . import _C
    t = t.detach()
    if t.dtype in (_C.float16, _C.bfloat16):
        t = t.float()
    return t.numpy()


def _tensor_str(t, indent):
    if t.numel() == 0:
        return "[]"
    summarize = t.numel() > PRINT_OPTS.threshold
    a = _values(t)
    shown = _summarized(a) if summarize else a
    fmt = _Formatter(shown.ravel().tolist(), t.dtype.is_floating_point)
    return _array_str(a, indent, summarize, fmt)


def _add_suffixes(tensor_str, suffixes, indent):
    out = [tensor_str]
    last_line_len = len(tensor_str) - tensor_str.rfind("\n") + 1
    for suffix in suffixes:
        if last_line_len + len(suffix) + 2 > PRINT_OPTS.linewidth:
            out.append(",\n" + " " * indent + suffix)
            last_line_len = indent + len(suffix)
        else:
            out.append(", " + suffix)
            last_line_len += len(suffix) + 2
    out.append(")")
    return "".join(out)


def tensor_repr(t):
    from . import _C
    from ._tensor import Tensor
    # plain tensors (and parameters) print as tensor(...), subclasses under their own name
    plain = type(t) is Tensor or type(t).__name__ == "Parameter"
    prefix = "tensor(" if plain else type(t).__name__ + "("
    indent = len(prefix)
    suffixes = []
    default = _C.get_default_dtype()
    if t.numel() == 0:
        if t.dim() != 1:  # the shape of an empty tensor, unless it is (0,)
            suffixes.append("size=" + str(tuple(t.shape)))
        if t.dtype != default:
            suffixes.append("dtype=" + repr(t.dtype))
        body = "[]"
    else:
        if t.dtype not in (default, _C.int64, _C.bool):
            suffixes.append("dtype=" + repr(t.dtype))
        body = _tensor_str(t, indent)
    if t.grad_fn is not None:
        suffixes.append("grad_fn=<{}>".format(t.grad_fn.name()))
    elif t.requires_grad:
        suffixes.append("requires_grad=True")
    return _add_suffixes(prefix + body, suffixes, indent)
