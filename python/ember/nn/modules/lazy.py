"""Lazy modules (shapes inferred on the first call) are not supported yet: constructing one says so."""
from .module import Module


class _LazyUnsupported(Module):
    def __init__(self, *args, **kwargs):
        eager = type(self).__name__[len("Lazy"):]
        raise NotImplementedError(f"lazy modules are not supported yet; use nn.{eager} with explicit input sizes "
                                  f"instead of nn.{type(self).__name__}")


def _lazy(name):
    return type(name, (_LazyUnsupported,), {})


LazyConv1d = _lazy("LazyConv1d")
LazyConv2d = _lazy("LazyConv2d")
LazyConv3d = _lazy("LazyConv3d")
LazyConvTranspose1d = _lazy("LazyConvTranspose1d")
LazyConvTranspose2d = _lazy("LazyConvTranspose2d")
LazyConvTranspose3d = _lazy("LazyConvTranspose3d")
LazyBatchNorm1d = _lazy("LazyBatchNorm1d")
LazyBatchNorm2d = _lazy("LazyBatchNorm2d")
LazyBatchNorm3d = _lazy("LazyBatchNorm3d")
LazyInstanceNorm1d = _lazy("LazyInstanceNorm1d")
LazyInstanceNorm2d = _lazy("LazyInstanceNorm2d")
LazyInstanceNorm3d = _lazy("LazyInstanceNorm3d")
LazyLinear = _lazy("LazyLinear")
