"""Padding, upsampling, pixel shuffle, distances, fold/unfold, channel shuffle."""
from .. import functional as F
from .module import Module


def _ntuple_pad(padding, n):
    if isinstance(padding, int):
        return (padding,) * (2 * n)
    return tuple(padding)


class _PadNd(Module):
    _n = 1
    _mode = "constant"

    def __init__(self, padding, value=0.0):
        super().__init__()
        self.padding = _ntuple_pad(padding, self._n)
        self.value = value

    def forward(self, input):
        return F.pad(input, self.padding, self._mode, self.value)

    def extra_repr(self):
        if self._mode == "constant" and type(self).__name__ != "ZeroPad2d":
            return f"padding={self.padding}, value={self.value}"
        return f"{self.padding}"


def _pad_class(name, n, mode, with_value):
    def __init__(self, padding, value=0.0):
        _PadNd.__init__(self, padding, value if with_value else 0.0)

    return type(name, (_PadNd,), {"_n": n, "_mode": mode, "__init__": __init__})


ConstantPad1d = _pad_class("ConstantPad1d", 1, "constant", True)
ConstantPad1d.__doc__ = """Pads the last dim of the input with a constant value.

padding: an int (same on every side) or a 2-tuple (left, right).
value defaults to 0.0 (torch requires it)."""
ConstantPad2d = _pad_class("ConstantPad2d", 2, "constant", True)
ConstantPad2d.__doc__ = """Pads the last 2 dims of the input with a constant value.

padding: an int (same on every side) or a 4-tuple (left, right, top, bottom).
value defaults to 0.0 (torch requires it)."""
ConstantPad3d = _pad_class("ConstantPad3d", 3, "constant", True)
ConstantPad3d.__doc__ = """Pads the last 3 dims of the input with a constant value.

padding: an int (same on every side) or a 6-tuple (left, right, top, bottom, front, back).
value defaults to 0.0 (torch requires it)."""
ZeroPad2d = _pad_class("ZeroPad2d", 2, "constant", False)
ZeroPad2d.__doc__ = """Pads the last 2 dims of the input with zeros.

padding: an int (same on every side) or a 4-tuple (left, right, top, bottom)."""
ReflectionPad1d = _pad_class("ReflectionPad1d", 1, "reflect", False)
ReflectionPad1d.__doc__ = """Pads the last dim of the input with its reflection (edge not repeated).

padding: an int (same on every side) or a 2-tuple (left, right)."""
ReflectionPad2d = _pad_class("ReflectionPad2d", 2, "reflect", False)
ReflectionPad2d.__doc__ = """Pads the last 2 dims of the input with its reflection (edge not repeated).

padding: an int (same on every side) or a 4-tuple (left, right, top, bottom)."""
ReflectionPad3d = _pad_class("ReflectionPad3d", 3, "reflect", False)
ReflectionPad3d.__doc__ = """Pads the last 3 dims of the input with its reflection (edge not repeated).

padding: an int (same on every side) or a 6-tuple (left, right, top, bottom, front, back)."""
ReplicationPad1d = _pad_class("ReplicationPad1d", 1, "replicate", False)
ReplicationPad1d.__doc__ = """Pads the last dim of the input by repeating its edge values.

padding: an int (same on every side) or a 2-tuple (left, right)."""
ReplicationPad2d = _pad_class("ReplicationPad2d", 2, "replicate", False)
ReplicationPad2d.__doc__ = """Pads the last 2 dims of the input by repeating its edge values.

padding: an int (same on every side) or a 4-tuple (left, right, top, bottom)."""
ReplicationPad3d = _pad_class("ReplicationPad3d", 3, "replicate", False)
ReplicationPad3d.__doc__ = """Pads the last 3 dims of the input by repeating its edge values.

padding: an int (same on every side) or a 6-tuple (left, right, top, bottom, front, back)."""


class Upsample(Module):
    """Resizes (N, C, L), (N, C, H, W) or (N, C, D, H, W) input to size or by scale_factor.

    mode: 'nearest' (default), 'linear', 'bilinear', 'bicubic', 'trilinear'; align_corners and
    recompute_scale_factor as in nn.functional.interpolate.
    """

    def __init__(self, size=None, scale_factor=None, mode="nearest", align_corners=None, recompute_scale_factor=None):
        super().__init__()
        self.name = type(self).__name__
        self.size = size
        self.scale_factor = float(scale_factor) if isinstance(scale_factor, (int, float)) else scale_factor
        self.mode = mode
        self.align_corners = align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, input):
        return F.interpolate(input, self.size, self.scale_factor, self.mode, self.align_corners,
                             recompute_scale_factor=self.recompute_scale_factor)

    def extra_repr(self):
        if self.scale_factor is not None:
            info = "scale_factor=" + str(self.scale_factor)
        else:
            info = "size=" + str(self.size)
        return info + ", mode=" + str(self.mode)


class UpsamplingNearest2d(Upsample):
    """Nearest-neighbour 2-D upsampling to size or by scale_factor; Upsample(mode='nearest')."""

    def __init__(self, size=None, scale_factor=None):
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    """Bilinear 2-D upsampling to size or by scale_factor; Upsample(mode='bilinear', align_corners=True)."""

    def __init__(self, size=None, scale_factor=None):
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)


class PixelShuffle(Module):
    """Rearranges (*, C * r * r, H, W) into (*, C, H * r, W * r), r = upscale_factor."""

    def __init__(self, upscale_factor):
        super().__init__()
        self.upscale_factor = upscale_factor

    def forward(self, input):
        return F.pixel_shuffle(input, self.upscale_factor)

    def extra_repr(self):
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(Module):
    """Rearranges (*, C, H * r, W * r) into (*, C * r * r, H, W), r = downscale_factor."""

    def __init__(self, downscale_factor):
        super().__init__()
        self.downscale_factor = downscale_factor

    def forward(self, input):
        return F.pixel_unshuffle(input, self.downscale_factor)

    def extra_repr(self):
        return f"downscale_factor={self.downscale_factor}"


class ChannelShuffle(Module):
    """Splits the C channels of (N, C, *) into groups and interleaves them."""

    def __init__(self, groups):
        super().__init__()
        self.groups = groups

    def forward(self, input):
        return F.channel_shuffle(input, self.groups)

    def extra_repr(self):
        return f"groups={self.groups}"


class PairwiseDistance(Module):
    """The p-norm of x1 - x2 + eps over the last dim; forward(x1, x2).

    Defaults: p=2.0, eps=1e-6, keepdim=False.
    """

    def __init__(self, p=2.0, eps=1e-6, keepdim=False):
        super().__init__()
        self.norm, self.eps, self.keepdim = p, eps, keepdim

    def forward(self, x1, x2):
        return F.pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)


class CosineSimilarity(Module):
    """Cosine similarity of x1 and x2 along dim; forward(x1, x2).

    Defaults: dim=1, eps=1e-8.
    """

    def __init__(self, dim=1, eps=1e-8):
        super().__init__()
        self.dim, self.eps = dim, eps

    def forward(self, x1, x2):
        return F.cosine_similarity(x1, x2, self.dim, self.eps)


class Fold(Module):
    """Sums sliding blocks (N, C * prod(kernel_size), L) back into an image (N, C, *output_size).

    Fold(output_size, kernel_size, dilation=1, padding=0, stride=1); the adjoint of Unfold.
    """

    def __init__(self, output_size, kernel_size, dilation=1, padding=0, stride=1):
        super().__init__()
        self.output_size, self.kernel_size = output_size, kernel_size
        self.dilation, self.padding, self.stride = dilation, padding, stride

    def forward(self, input):
        return F.fold(input, self.output_size, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self):
        return ("output_size={output_size}, kernel_size={kernel_size}, dilation={dilation}, padding={padding}, "
                "stride={stride}".format(**self.__dict__))


class Unfold(Module):
    """Extracts sliding blocks: (N, C, H, W) -> (N, C * kH * kW, L).

    Unfold(kernel_size, dilation=1, padding=0, stride=1).
    """

    def __init__(self, kernel_size, dilation=1, padding=0, stride=1):
        super().__init__()
        self.kernel_size, self.dilation, self.padding, self.stride = kernel_size, dilation, padding, stride

    def forward(self, input):
        return F.unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self):
        return "kernel_size={kernel_size}, dilation={dilation}, padding={padding}, stride={stride}".format(
            **self.__dict__)
