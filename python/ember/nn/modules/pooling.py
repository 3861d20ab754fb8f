"""Pooling layers."""
from .. import functional as F
from .module import Module


class _MaxPoolNd(Module):
    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False, ceil_mode=False):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if (stride is not None) else kernel_size
        self.padding = padding
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode

    def extra_repr(self):
        return ("kernel_size={kernel_size}, stride={stride}, padding={padding}, dilation={dilation}, "
                "ceil_mode={ceil_mode}".format(**self.__dict__))


class MaxPool1d(_MaxPoolNd):
    """1-D max pooling over (N, C, L) (or unbatched).

    kernel_size; stride (default kernel_size); padding (0, filled with -inf); dilation (1); ints
    or 1-tuples. return_indices=True makes forward return (output, indices) for MaxUnpool1d;
    ceil_mode=True rounds output sizes up.
    """

    def forward(self, input):
        return F.max_pool1d(input, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode,
                            self.return_indices)


class MaxPool2d(_MaxPoolNd):
    """2-D max pooling over (N, C, H, W) (or unbatched).

    kernel_size; stride (default kernel_size); padding (0, filled with -inf); dilation (1); ints
    or pairs. return_indices=True makes forward return (output, indices) for MaxUnpool2d;
    ceil_mode=True rounds output sizes up.
    """

    def forward(self, input):
        return F.max_pool2d(input, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode,
                            self.return_indices)


class MaxPool3d(_MaxPoolNd):
    """3-D max pooling over (N, C, D, H, W) (or unbatched).

    kernel_size; stride (default kernel_size); padding (0, filled with -inf); dilation (1); ints
    or triples. return_indices=True makes forward return (output, indices) for MaxUnpool3d;
    ceil_mode=True rounds output sizes up.
    """

    def forward(self, input):
        return F.max_pool3d(input, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode,
                            self.return_indices)


class _AvgPoolNd(Module):
    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool1d(_AvgPoolNd):
    """1-D average pooling over (N, C, L) (or unbatched).

    kernel_size; stride (default kernel_size); padding (0); ints or 1-tuples. ceil_mode=False;
    count_include_pad=True counts padding zeros in the divisor.
    """

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
        super().__init__()
        self.kernel_size = (kernel_size,) if isinstance(kernel_size, int) else tuple(kernel_size)
        self.stride = self.kernel_size if stride is None else ((stride,) if isinstance(stride, int) else tuple(stride))
        self.padding = (padding,) if isinstance(padding, int) else tuple(padding)
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad

    def forward(self, input):
        return F.avg_pool1d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad)


class AvgPool2d(_AvgPoolNd):
    """2-D average pooling over (N, C, H, W) (or unbatched).

    kernel_size; stride (default kernel_size); padding (0); ints or pairs. ceil_mode=False;
    count_include_pad=True counts padding zeros in the divisor; divisor_override
    (None) replaces the divisor.
    """

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
                 divisor_override=None):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if (stride is not None) else kernel_size
        self.padding = padding
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad
        self.divisor_override = divisor_override

    def forward(self, input):
        return F.avg_pool2d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad, self.divisor_override)


class AvgPool3d(AvgPool2d):
    """3-D average pooling over (N, C, D, H, W) (or unbatched).

    kernel_size; stride (default kernel_size); padding (0); ints or triples. ceil_mode=False;
    count_include_pad=True counts padding zeros in the divisor; divisor_override
    (None) replaces the divisor.
    """

    def forward(self, input):
        return F.avg_pool3d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad, self.divisor_override)


class _AdaptivePool(Module):
    def __init__(self, output_size, return_indices=False):
        super().__init__()
        self.output_size = output_size
        self.return_indices = return_indices

    def extra_repr(self):
        return f"output_size={self.output_size}"


class AdaptiveAvgPool1d(_AdaptivePool):
    """Adaptive 1-D average pooling of (N, C, L) (or unbatched) to a fixed output_size.

    output_size is an int or a 1-tuple (None keeps that input size).
    """

    def __init__(self, output_size):
        super().__init__(output_size)

    def forward(self, input):
        return F.adaptive_avg_pool1d(input, self.output_size)


class AdaptiveAvgPool2d(_AdaptivePool):
    """Adaptive 2-D average pooling of (N, C, H, W) (or unbatched) to a fixed output_size.

    output_size is an int or a pair (None keeps that input size).
    """

    def __init__(self, output_size):
        super().__init__(output_size)

    def forward(self, input):
        return F.adaptive_avg_pool2d(input, self.output_size)


class AdaptiveAvgPool3d(_AdaptivePool):
    """Adaptive 3-D average pooling of (N, C, D, H, W) (or unbatched) to a fixed output_size.

    output_size is an int or a triple (None keeps that input size).
    """

    def __init__(self, output_size):
        super().__init__(output_size)

    def forward(self, input):
        return F.adaptive_avg_pool3d(input, self.output_size)


class AdaptiveMaxPool1d(_AdaptivePool):
    """Adaptive 1-D max pooling of (N, C, L) (or unbatched) to a fixed output_size.

    output_size is an int or a 1-tuple (None keeps that input size). return_indices=True returns (output, indices).
    """

    def forward(self, input):
        return F.adaptive_max_pool1d(input, self.output_size, self.return_indices)


class AdaptiveMaxPool2d(_AdaptivePool):
    """Adaptive 2-D max pooling of (N, C, H, W) (or unbatched) to a fixed output_size.

    output_size is an int or a pair (None keeps that input size). return_indices=True returns (output, indices).
    """

    def forward(self, input):
        return F.adaptive_max_pool2d(input, self.output_size, self.return_indices)


class LPPool1d(Module):
    """Power-average pooling over (N, C, L): (sum over each window of x ** p) ** (1 / p).

    LPPool1d(norm_type, kernel_size, stride=None, ceil_mode=False); norm_type is p.
    """

    def __init__(self, norm_type, kernel_size, stride=None, ceil_mode=False):
        super().__init__()
        self.norm_type, self.kernel_size, self.stride, self.ceil_mode = norm_type, kernel_size, stride, ceil_mode

    def extra_repr(self):
        return (f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, stride={self.stride}, "
                f"ceil_mode={self.ceil_mode}")

    def forward(self, input):
        return F.lp_pool1d(input, float(self.norm_type), self.kernel_size, self.stride, self.ceil_mode)


class LPPool2d(LPPool1d):
    """Power-average pooling over (N, C, H, W): (sum over each window of x ** p) ** (1 / p).

    LPPool2d(norm_type, kernel_size, stride=None, ceil_mode=False); kernel_size/stride ints or pairs.
    """

    def forward(self, input):
        return F.lp_pool2d(input, float(self.norm_type), self.kernel_size, self.stride, self.ceil_mode)


def _ntuple(x, n):
    return tuple(x) if isinstance(x, (list, tuple)) else (x,) * n


class _MaxUnpoolNd(Module):
    _n = 2

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        self.kernel_size = _ntuple(kernel_size, self._n)
        self.stride = _ntuple(stride if stride is not None else kernel_size, self._n)
        self.padding = _ntuple(padding, self._n)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool1d(_MaxUnpoolNd):
    """Partial inverse of MaxPool1d: scatters input (N, C, L) into zeros at the pooled positions.

    kernel_size, stride (default kernel_size), padding: as for the pooling.
    forward(input, indices, output_size=None); output_size resolves ambiguous sizes.
    """

    _n = 1

    def forward(self, input, indices, output_size=None):
        return F.max_unpool1d(input, indices, self.kernel_size, self.stride, self.padding, output_size)


class MaxUnpool2d(_MaxUnpoolNd):
    """Partial inverse of MaxPool2d: scatters input (N, C, H, W) into zeros at the pooled positions.

    kernel_size, stride (default kernel_size), padding: as for the pooling.
    forward(input, indices, output_size=None); output_size resolves ambiguous sizes.
    """

    def forward(self, input, indices, output_size=None):
        return F.max_unpool2d(input, indices, self.kernel_size, self.stride, self.padding, output_size)


class MaxUnpool3d(_MaxUnpoolNd):
    """Partial inverse of MaxPool3d: scatters input (N, C, D, H, W) into zeros at the pooled positions.

    kernel_size, stride (default kernel_size), padding: as for the pooling.
    forward(input, indices, output_size=None); output_size resolves ambiguous sizes.
    """

    _n = 3

    def forward(self, input, indices, output_size=None):
        return F.max_unpool3d(input, indices, self.kernel_size, self.stride, self.padding, output_size)


class AdaptiveMaxPool3d(_AdaptivePool):
    """Adaptive 3-D max pooling of (N, C, D, H, W) (or unbatched) to a fixed output_size.

    output_size is an int or a triple (None keeps that input size). return_indices=True returns (output, indices).
    """

    def forward(self, input):
        return F.adaptive_max_pool3d(input, self.output_size, self.return_indices)


class _FractionalMaxPoolNd(Module):
    _n = 2

    def __init__(self, kernel_size, output_size=None, output_ratio=None, return_indices=False, _random_samples=None):
        super().__init__()
        n = self._n
        self.kernel_size = _ntuple(kernel_size, n)
        self.return_indices = return_indices
        self.register_buffer("_random_samples", _random_samples)
        self.output_size = _ntuple(output_size, n) if output_size is not None else None
        self.output_ratio = _ntuple(output_ratio, n) if output_ratio is not None else None
        if output_size is None and output_ratio is None:
            raise ValueError(f"{type(self).__name__} requires specifying either an output size, or a pooling ratio")
        if output_size is not None and output_ratio is not None:
            raise ValueError("only one of output_size and output_ratio may be specified")
        if self.output_ratio is not None and not all(0 < r < 1 for r in self.output_ratio):
            raise ValueError(f"output_ratio must be between 0 and 1 (got {output_ratio})")


class FractionalMaxPool2d(_FractionalMaxPoolNd):
    """Fractional max pooling over (N, C, H, W): pseudo-random overlapping windows.

    kernel_size (int or pair); exactly one of output_size (int or pair) and output_ratio
    (in (0, 1)). return_indices=False; _random_samples fixes the window offsets.
    """

    def forward(self, input):
        return F.fractional_max_pool2d(input, self.kernel_size, self.output_size, self.output_ratio,
                                       self.return_indices, _random_samples=self._random_samples)


class FractionalMaxPool3d(_FractionalMaxPoolNd):
    """Fractional max pooling over (N, C, D, H, W): pseudo-random overlapping windows.

    kernel_size (int or triple); exactly one of output_size and output_ratio.
    return_indices=False; _random_samples fixes the window offsets.
    """

    _n = 3

    def forward(self, input):
        return F.fractional_max_pool3d(input, self.kernel_size, self.output_size, self.output_ratio,
                                       self.return_indices, _random_samples=self._random_samples)
