"""Convolution layers."""
import math

from ... import _C
from .. import functional as F
from .. import init
from ..parameter import Parameter
from .module import Module


def _ntuple(x, n):
    if isinstance(x, (list, tuple)):
        return tuple(x)
    return (x,) * n


class _ConvNd(Module):
    _n = 2
    _transposed = False

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True,
                 padding_mode="zeros", device=None, dtype=None, output_padding=0):
        super().__init__()
        n = self._n
        if groups <= 0:
            raise ValueError("groups must be a positive integer")
        if in_channels % groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups != 0:
            raise ValueError("out_channels must be divisible by groups")
        valid_padding_strings = {"same", "valid"}
        if isinstance(padding, str):
            if padding not in valid_padding_strings:
                raise ValueError(f"Invalid padding string {padding!r}, should be one of {valid_padding_strings}")
            if padding == "same" and any(s != 1 for s in _ntuple(stride, n)):
                raise ValueError("padding='same' is not supported for strided convolutions")
        if padding_mode not in ("zeros", "reflect", "replicate", "circular"):
            raise ValueError(f"padding_mode must be one of ['zeros', 'reflect', 'replicate', 'circular'], "
                             f"but got padding_mode='{padding_mode}'")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = _ntuple(kernel_size, n)
        self.stride = _ntuple(stride, n)
        self.padding = padding if isinstance(padding, str) else _ntuple(padding, n)
        self.dilation = _ntuple(dilation, n)
        self.transposed = self._transposed
        self.output_padding = _ntuple(output_padding, n)
        self.groups = groups
        self.padding_mode = padding_mode
        if isinstance(self.padding, str):
            self._reversed_padding_repeated_twice = [0, 0] * n
            if padding == "same":
                for d, k, i in zip(self.dilation, self.kernel_size, range(n - 1, -1, -1)):
                    total = d * (k - 1)
                    left = total // 2
                    self._reversed_padding_repeated_twice[2 * i] = left
                    self._reversed_padding_repeated_twice[2 * i + 1] = total - left
        else:
            self._reversed_padding_repeated_twice = [p for p in reversed(self.padding) for _ in range(2)]
        dtype = dtype or _C.get_default_dtype()
        if self._transposed:
            shape = (in_channels, out_channels // groups) + self.kernel_size
        else:
            shape = (out_channels, in_channels // groups) + self.kernel_size
        self.weight = Parameter(_C.empty(shape, dtype=dtype))
        if bias:
            self.bias = Parameter(_C.empty(out_channels, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            if fan_in != 0:
                bound = 1 / math.sqrt(fan_in)
                init.uniform_(self.bias, -bound, bound)

    def extra_repr(self):
        s = "{in_channels}, {out_channels}, kernel_size={kernel_size}, stride={stride}"
        if self.padding != (0,) * len(self.kernel_size):
            s += ", padding={padding}"
        if self.dilation != (1,) * len(self.dilation):
            s += ", dilation={dilation}"
        if self.output_padding != (0,) * len(self.output_padding):
            s += ", output_padding={output_padding}"
        if self.groups != 1:
            s += ", groups={groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += ", padding_mode={padding_mode}"
        return s.format(**self.__dict__)

    def __setstate__(self, state):
        super().__setstate__(state)
        if not hasattr(self, "padding_mode"):
            self.padding_mode = "zeros"

    def _conv_forward(self, input, weight, bias, fn):
        if self.padding_mode != "zeros":
            return fn(F.pad(input, self._reversed_padding_repeated_twice, mode=self.padding_mode), weight, bias,
                      self.stride, 0, self.dilation, self.groups)
        return fn(input, weight, bias, self.stride, self.padding, self.dilation, self.groups)


class Conv1d(_ConvNd):
    """Applies a 1-D convolution (cross-correlation) with a learnable weight and bias.

    Input (N, C_in, L) or unbatched (C_in, L); output (N, C_out, L_out).
    kernel_size, stride (1), padding (0; or 'valid' / 'same', stride 1 only) and dilation (1) are
    ints or 1-tuples. groups (1) splits the channels; bias (True); padding_mode: 'zeros' (default),
    'reflect', 'replicate' or 'circular'. Weight (C_out, C_in / groups, *kernel_size), initialised
    with kaiming_uniform_(a=sqrt(5)) as in torch.
    """

    _n = 1

    def forward(self, input):
        return self._conv_forward(input, self.weight, self.bias, F.conv1d)


class Conv2d(_ConvNd):
    """Applies a 2-D convolution (cross-correlation) with a learnable weight and bias.

    Input (N, C_in, H, W) or unbatched (C_in, H, W); output (N, C_out, H_out, W_out).
    kernel_size, stride (1), padding (0; or 'valid' / 'same', stride 1 only) and dilation (1) are
    ints or pairs. groups (1) splits the channels; bias (True); padding_mode: 'zeros' (default),
    'reflect', 'replicate' or 'circular'. Weight (C_out, C_in / groups, *kernel_size), initialised
    with kaiming_uniform_(a=sqrt(5)) as in torch.
    """

    _n = 2

    def forward(self, input):
        return self._conv_forward(input, self.weight, self.bias, F.conv2d)


class Conv3d(_ConvNd):
    """Applies a 3-D convolution (cross-correlation) with a learnable weight and bias.

    Input (N, C_in, D, H, W) or unbatched (C_in, D, H, W); output (N, C_out, D_out, H_out, W_out).
    kernel_size, stride (1), padding (0; or 'valid' / 'same', stride 1 only) and dilation (1) are
    ints or triples. groups (1) splits the channels; bias (True); padding_mode: 'zeros' (default),
    'reflect', 'replicate' or 'circular'. Weight (C_out, C_in / groups, *kernel_size), initialised
    with kaiming_uniform_(a=sqrt(5)) as in torch.
    """

    _n = 3

    def forward(self, input):
        return self._conv_forward(input, self.weight, self.bias, F.conv3d)


class _ConvTransposeNd(_ConvNd):
    _transposed = True

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1,
                 bias=True, dilation=1, padding_mode="zeros", device=None, dtype=None):
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for {self.__class__.__name__}')
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias, padding_mode,
                         device, dtype, output_padding=output_padding)

    def _output_padding(self, input, output_size):
        if output_size is None:
            return self.output_padding
        n = self._n
        output_size = list(output_size)[-n:]
        spatial = input.shape[-n:]
        result = []
        for d in range(n):
            min_size = ((spatial[d] - 1) * self.stride[d] - 2 * self.padding[d] +
                        self.dilation[d] * (self.kernel_size[d] - 1) + 1)
            max_size = min_size + self.stride[d] - 1
            if not (min_size <= output_size[d] <= max_size):
                raise ValueError(f"requested an output size of {output_size}, but valid sizes range from {min_size} "
                                 f"to {max_size} (for an input of {tuple(spatial)})")
            result.append(output_size[d] - min_size)
        return tuple(result)


class ConvTranspose1d(_ConvTransposeNd):
    """Applies a 1-D transposed convolution (the gradient of Conv1d) with learnable weight and bias.

    Input (N, C_in, L) or unbatched. Arguments: in_channels, out_channels, kernel_size,
    stride=1, padding=0, output_padding=0, groups=1, bias=True, dilation=1 (ints or 1-tuples).
    Only padding_mode='zeros' is supported (as in torch). forward(input, output_size=None):
    output_size picks the output_padding that yields that size. Weight (C_in, C_out / groups, *k).
    """

    _n = 1

    def forward(self, input, output_size=None):
        op = self._output_padding(input, output_size)
        return F.conv_transpose1d(input, self.weight, self.bias, self.stride, self.padding, op, self.groups,
                                  self.dilation)


class ConvTranspose2d(_ConvTransposeNd):
    """Applies a 2-D transposed convolution (the gradient of Conv2d) with learnable weight and bias.

    Input (N, C_in, H, W) or unbatched. Arguments: in_channels, out_channels, kernel_size,
    stride=1, padding=0, output_padding=0, groups=1, bias=True, dilation=1 (ints or pairs).
    Only padding_mode='zeros' is supported (as in torch). forward(input, output_size=None):
    output_size picks the output_padding that yields that size. Weight (C_in, C_out / groups, *k).
    """

    _n = 2

    def forward(self, input, output_size=None):
        op = self._output_padding(input, output_size)
        return F.conv_transpose2d(input, self.weight, self.bias, self.stride, self.padding, op, self.groups,
                                  self.dilation)


class ConvTranspose3d(_ConvTransposeNd):
    """Applies a 3-D transposed convolution (the gradient of Conv3d) with learnable weight and bias.

    Input (N, C_in, D, H, W) or unbatched. Arguments: in_channels, out_channels, kernel_size,
    stride=1, padding=0, output_padding=0, groups=1, bias=True, dilation=1 (ints or triples).
    Only padding_mode='zeros' is supported (as in torch). forward(input, output_size=None):
    output_size picks the output_padding that yields that size. Weight (C_in, C_out / groups, *k).
    """

    _n = 3

    def forward(self, input, output_size=None):
        op = self._output_padding(input, output_size)
        return F.conv_transpose3d(input, self.weight, self.bias, self.stride, self.padding, op, self.groups,
                                  self.dilation)
