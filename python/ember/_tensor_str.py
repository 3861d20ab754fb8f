"""Tensor printing, following torch's layout rules (precision 4, summarizing
above 1000 elements with 3 edge items, lines of 80 characters)."""
import math
from dataclasses import dataclass


@dataclass
class _PrintOptions:
    precision: int = 4
    threshold: float = 1000
    edgeitems: int = 3
    linewidth: int = 80
    sci_mode: object = None


PRINT_OPTS = _PrintOptions()


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None, sci_mode=None):
    """Set options for printing tensors (same meaning as torch.set_printoptions)."""
    if profile == "default":
        PRINT_OPTS.precision, PRINT_OPTS.threshold, PRINT_OPTS.edgeitems, PRINT_OPTS.linewidth = 4, 1000, 3, 80
    elif profile == "short":
        PRINT_OPTS.precision, PRINT_OPTS.threshold, PRINT_OPTS.edgeitems, PRINT_OPTS.linewidth = 2, 1000, 2, 80
    elif profile == "full":
        PRINT_OPTS.precision, PRINT_OPTS.threshold, PRINT_OPTS.edgeitems, PRINT_OPTS.linewidth = 4, math.inf, 3, 80
    if precision is not None:
        PRINT_OPTS.precision = precision
    if threshold is not None:
        PRINT_OPTS.threshold = threshold
    if edgeitems is not None:
        PRINT_OPTS.edgeitems = edgeitems
    if linewidth is not None:
        PRINT_OPTS.linewidth = linewidth
    PRINT_OPTS.sci_mode = sci_mode


class _Formatter:
    def __init__(self, values, floating):
        self.floating = floating
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1
        p = PRINT_OPTS.precision
        if not floating:
            for v in values:
                self.max_width = max(self.max_width, len(str(v)))
        else:
            nz = [v for v in values if math.isfinite(v) and v != 0]
            if nz:
                absv = [abs(v) for v in nz]
                mn, mx = min(absv), max(absv)
                self.int_mode = all(v == math.ceil(v) for v in nz)
                if self.int_mode:
                    if mx / mn > 1000.0 or mx > 1.0e8:
                        self.sci_mode = True
                        for v in nz:
                            self.max_width = max(self.max_width, len(f"{v:.{p}e}"))
                    else:
                        for v in nz:
                            self.max_width = max(self.max_width, len(f"{v:.0f}") + 1)
                else:
                    if mx / mn > 1000.0 or mx > 1.0e8 or mn < 1.0e-4:
                        self.sci_mode = True
                        for v in nz:
                            self.max_width = max(self.max_width, len(f"{v:.{p}e}"))
                    else:
                        for v in nz:
                            self.max_width = max(self.max_width, len(f"{v:.{p}f}"))
        if PRINT_OPTS.sci_mode is not None:
            self.sci_mode = PRINT_OPTS.sci_mode

    def width(self):
        return self.max_width

    def format(self, v):
        p = PRINT_OPTS.precision
        if self.floating:
            if self.sci_mode:
                ret = f"{v:{self.max_width}.{p}e}"
            elif self.int_mode:
                ret = f"{v:.0f}"
                if not (math.isinf(v) or math.isnan(v)):
                    ret += "."
            else:
                ret = f"{v:.{p}f}"
        else:
            ret = str(v)
        return (self.max_width - len(ret)) * " " + ret


def _summarize(data, shape, edge):
    """Nested list with only the edge items of each long dimension."""
    if not shape:
        return data
    n = shape[0]
    if n > 2 * edge:
        idx = list(range(edge)) + list(range(n - edge, n))
    else:
        idx = list(range(n))
    return [_summarize(data[i], shape[1:], edge) for i in idx]


def _flatten(data, depth):
    if depth == 0:
        return [data]
    out = []
    for d in data:
        out.extend(_flatten(d, depth - 1))
    return out


def _vector_str(data, n, indent, summarize, fmt):
    edge = PRINT_OPTS.edgeitems
    element_length = fmt.width() + 2
    per_line = max(1, int(math.floor((PRINT_OPTS.linewidth - indent) / element_length)))
    if summarize and not edge:
        items = ["..."]
    elif summarize and n > 2 * edge:
        items = [fmt.format(v) for v in data[:edge]] + [" ..."] + [fmt.format(v) for v in data[-edge:]]
    else:
        items = [fmt.format(v) for v in data]
    lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
    return "[" + ("," + "\n" + " " * (indent + 1)).join(lines) + "]"


def _tensor_str_rec(data, shape, indent, summarize, fmt):
    dim = len(shape)
    if dim == 0:
        return fmt.format(data)
    if dim == 1:
        return _vector_str(data, shape[0], indent, summarize, fmt)
    edge = PRINT_OPTS.edgeitems
    n = shape[0]
    if summarize and n > 2 * edge:
        slices = ([_tensor_str_rec(data[i], shape[1:], indent + 1, summarize, fmt) for i in range(edge)] + ["..."] +
                  [_tensor_str_rec(data[i], shape[1:], indent + 1, summarize, fmt) for i in range(len(data) - edge, len(data))])
    else:
        slices = [_tensor_str_rec(data[i], shape[1:], indent + 1, summarize, fmt) for i in range(len(data))]
    return "[" + ("," + "\n" * (dim - 1) + " " * (indent + 1)).join(slices) + "]"


def _summarized_list(t, summarize):
    """The tensor's values as nested lists, keeping only edge items when summarizing."""
    shape = list(t.shape)
    if not summarize:
        return t.tolist()
    edge = PRINT_OPTS.edgeitems

    def rec(x, shp):
        if not shp:
            return x.item()
        n = shp[0]
        idx = list(range(edge)) + list(range(n - edge, n)) if n > 2 * edge else list(range(n))
        return [rec(x[i], shp[1:]) for i in idx]

    return rec(t, shape)


def _tensor_str(t, indent):
    from . import _C
    if t.numel() == 0:
        return "[]"
    summarize = t.numel() > PRINT_OPTS.threshold
    if t.dtype in (_C.float16, _C.bfloat16):
        t = t.float()
    data = _summarized_list(t, summarize)
    shape = list(t.shape)
    if summarize:
        # the list holds only edge items: expand index bookkeeping through a shape of the kept sizes
        def kept(n):
            return 2 * PRINT_OPTS.edgeitems if n > 2 * PRINT_OPTS.edgeitems else n
        kshape = [kept(n) for n in shape]
    else:
        kshape = shape
    flat = _flatten(data, len(shape))
    fmt = _Formatter(flat, t.dtype.is_floating_point)
    if summarize:
        return _summarized_str(data, shape, kshape, indent, fmt)
    return _tensor_str_rec(data, shape, indent, False, fmt)


def _summarized_str(data, shape, kshape, indent, fmt):
    edge = PRINT_OPTS.edgeitems
    dim = len(shape)
    if dim == 0:
        return fmt.format(data)
    if dim == 1:
        n = shape[0]
        if n > 2 * edge:
            full = data[:edge] + [None] * 0 + data[-edge:]
            items = [fmt.format(v) for v in full[:edge]] + [" ..."] + [fmt.format(v) for v in full[-edge:]]
        else:
            items = [fmt.format(v) for v in data]
        element_length = fmt.width() + 2
        per_line = max(1, int(math.floor((PRINT_OPTS.linewidth - indent) / element_length)))
        lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
        return "[" + ("," + "\n" + " " * (indent + 1)).join(lines) + "]"
    n = shape[0]
    if n > 2 * edge:
        parts = ([_summarized_str(data[i], shape[1:], kshape[1:], indent + 1, fmt) for i in range(edge)] + ["..."] +
                 [_summarized_str(data[i], shape[1:], kshape[1:], indent + 1, fmt) for i in range(edge, 2 * edge)])
    else:
        parts = [_summarized_str(data[i], shape[1:], kshape[1:], indent + 1, fmt) for i in range(n)]
    return "[" + ("," + "\n" * (dim - 1) + " " * (indent + 1)).join(parts) + "]"


def _add_suffixes(tensor_str, suffixes, indent):
    strs = [tensor_str]
    last_line_len = len(tensor_str) - tensor_str.rfind("\n") + 1
    for suffix in suffixes:
        if last_line_len + len(suffix) + 2 > PRINT_OPTS.linewidth:
            strs.append(",\n" + " " * indent + suffix)
            last_line_len = indent + len(suffix)
        else:
            strs.append(", " + suffix)
            last_line_len += len(suffix) + 2
    strs.append(")")
    return "".join(strs)


def tensor_repr(t):
    from . import _C
    prefix = "tensor("
    indent = len(prefix)
    suffixes = []
    grad_fn = t.grad_fn
    if grad_fn is not None or t.requires_grad:
        t_data = t.detach()
    else:
        t_data = t
    if t.numel() == 0:
        if t.dim() != 1:
            suffixes.append("size=" + str(tuple(t.shape)))
        if t.dtype != _C.get_default_dtype():
            suffixes.append("dtype=" + repr(t.dtype))
        body = "[]"
    else:
        if t.dtype not in (_C.get_default_dtype(), _C.int64, _C.bool):
            suffixes.append("dtype=" + repr(t.dtype))
        body = _tensor_str(t_data, indent)
    if grad_fn is not None:
        suffixes.append("grad_fn=<{}>".format(grad_fn.name()))
    elif t.requires_grad:
        suffixes.append("requires_grad=True")
    return _add_suffixes(prefix + body, suffixes, indent)
