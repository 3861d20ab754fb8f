"""nn.functional: the stateless layer functions. Each is a thin call into the C++ core."""
import math
import warnings

from .. import _C
from .._tensor import Tensor

# ---------------------------------------------------------------- helpers


def _pair(x, n=2):
    if isinstance(x, (list, tuple)):
        if len(x) == 1:
            return tuple(x) * n
        return tuple(x)
    return (x,) * n


def _reduction(reduction, size_average=None, reduce=None):
    """Legacy size_average/reduce arguments -> reduction string, as torch does."""
    if size_average is not None or reduce is not None:
        size_average = True if size_average is None else size_average
        reduce = True if reduce is None else reduce
        if size_average and reduce:
            return "mean"
        if reduce:
            return "sum"
        return "none"
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def _reduce(loss, reduction):
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


# ---------------------------------------------------------------- activations


def relu(input, inplace=False):
    """Rectified linear unit, max(0, x), elementwise.

    inplace=True overwrites input and returns it.
    """
    return input.relu_() if inplace else _C.relu(input)


def relu_(input):
    """In-place relu(input); see relu."""
    return input.relu_()


def relu6(input, inplace=False):
    """ReLU capped at 6: min(max(0, x), 6), elementwise.

    inplace=True overwrites input and returns it.
    """
    return _C.hardtanh_(input, 0.0, 6.0) if inplace else _C.hardtanh(input, 0.0, 6.0)


def elu(input, alpha=1.0, inplace=False):
    """Exponential linear unit: x for x > 0, alpha * (exp(x) - 1) otherwise.

    alpha defaults to 1.0; inplace=True overwrites input and returns it.
    """
    return _C.elu_(input, alpha) if inplace else _C.elu(input, alpha)


def elu_(input, alpha=1.0):
    """In-place elu(input, alpha); see elu."""
    return _C.elu_(input, alpha)


def _inplace(input, fn):
    """input <- fn(input) for the inplace= variants. Under autograd fn reads a clone, so what its
    backward saved is not the tensor that copy_ then overwrites."""
    src = input.clone() if (input.requires_grad and _C.is_grad_enabled()) else input
    return input.copy_(fn(src))


def selu_(input):
    """In-place selu(input); see selu."""
    return input.selu_()


def celu_(input, alpha=1.0):
    """In-place celu(input, alpha); see celu."""
    return celu(input, alpha, inplace=True)


def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False):
    """In-place rrelu(input, lower, upper, training); see rrelu."""
    return rrelu(input, lower, upper, training, inplace=True)


def selu(input, inplace=False):
    """Scaled exponential linear unit: scale * elu(x, alpha) with the fixed self-normalising constants.

    inplace=True overwrites input and returns it.
    """
    return input.selu_() if inplace else _C.selu(input)


def celu(input, alpha=1.0, inplace=False):
    """Continuously differentiable ELU: max(0, x) + min(0, alpha * (exp(x / alpha) - 1)).

    alpha defaults to 1.0; inplace=True overwrites input and returns it.
    """
    if inplace:
        return _inplace(input, lambda x: _C.celu(x, alpha))
    return _C.celu(input, alpha)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """Leaky ReLU: x for x >= 0, negative_slope * x otherwise.

    negative_slope defaults to 0.01; inplace=True overwrites input and returns it.
    """
    return _C.leaky_relu_(input, negative_slope) if inplace else _C.leaky_relu(input, negative_slope)


def leaky_relu_(input, negative_slope=0.01):
    """In-place leaky_relu(input, negative_slope); see leaky_relu."""
    return _C.leaky_relu_(input, negative_slope)


def prelu(input, weight):
    """Parametric ReLU: x for x >= 0, weight * x otherwise.

    weight has one element (shared) or one per channel (input's dim 1).
    """
    return _C.prelu(input, weight)


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False):
    """Randomized leaky ReLU: negative inputs are scaled by a slope drawn from U(lower, upper).

    training=False (the default) uses the fixed slope (lower + upper) / 2 instead of drawing.
    Defaults: lower=1/8, upper=1/3. inplace=True overwrites input and returns it.
    """
    def fn(x):
        if training:
            # like torch: one double-precision uniform draw per non-positive element, in order
            neg = x.detach() <= 0
            noise = _C.ones_like(x)
            with _C._no_grad():
                noise[neg] = _C.empty(int(neg.sum()), dtype=_C.float64).uniform_(lower, upper).to(x.dtype)
            return x * noise
        return _C.leaky_relu(x, (lower + upper) / 2)
    return _inplace(input, fn) if inplace else fn(input)


def glu(input, dim=-1):
    """Gated linear unit: splits input in two halves a, b along dim and returns a * sigmoid(b).

    dim defaults to -1; its size must be even. The result has half that size along dim.
    """
    return _C.glu(input, dim)


def gelu(input, approximate="none"):
    """Gaussian error linear unit, x * Phi(x), elementwise.

    approximate: 'none' (exact, with erf; the default) or 'tanh' (the tanh approximation).
    """
    return _C.gelu(input, approximate=approximate)


def logsigmoid(input):
    """Elementwise log(sigmoid(x)), computed without overflow for large |x|."""
    return _C.logsigmoid(input)


def hardshrink(input, lambd=0.5):
    """Hard shrinkage: x where |x| > lambd, 0 elsewhere (lambd defaults to 0.5)."""
    return _C.hardshrink(input, lambd)


def tanhshrink(input):
    """Elementwise x - tanh(x)."""
    return _C.tanhshrink(input)


def softsign(input):
    """Elementwise x / (1 + |x|)."""
    return _C.softsign(input)


def softplus(input, beta=1, threshold=20):
    """Smooth approximation of relu: log(1 + exp(beta * x)) / beta, elementwise.

    Where beta * x > threshold the result is x itself (for numerical stability).
    Defaults: beta=1, threshold=20.
    """
    return _C.softplus(input, beta, threshold)


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    """Softmax of -input along dim: exp(-x_i) / sum_j exp(-x_j).

    dim=None picks a dimension as torch does, with a deprecation warning; pass dim.
    dtype, if given, casts input to it first. Same shape as input.
    """
    return softmax(-input, dim, _stacklevel, dtype)


def _softmax_dim(ndim):
    warnings.warn("Implicit dimension choice for softmax has been deprecated. Change the call to include dim=X as "
                  "an argument.", stacklevel=3)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    """Softmax along dim: exp(x_i) / sum_j exp(x_j); slices along dim sum to 1.

    dim=None picks a dimension as torch does (0 for 0-D, 1-D and 3-D input, else 1) with a
    deprecation warning; pass dim. dtype, if given, casts input to it first.
    """
    if dim is None:
        dim = _softmax_dim(input.dim())
    return _C.softmax(input, dim, dtype=dtype)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    """Log of softmax along dim, computed stably: x_i - logsumexp(x).

    dim=None picks a dimension as softmax does, with a deprecation warning.
    dtype, if given, casts input to it first. Same shape as input.
    """
    if dim is None:
        dim = _softmax_dim(input.dim())
    return _C.log_softmax(input, dim, dtype=dtype)


def gumbel_softmax(logits, tau=1, hard=False, eps=1e-10, dim=-1):
    """Samples from the Gumbel-softmax distribution over dim, given unnormalised log-probabilities.

    tau: temperature (default 1). hard=True returns one-hot vectors in the forward pass whose
    gradient is that of the soft sample (straight-through). eps is unused (kept for torch
    compatibility). dim defaults to -1.
    """
    gumbels = -_C.empty_like(logits).exponential_().log()
    y_soft = ((logits + gumbels) / tau).softmax(dim)
    if hard:
        index = y_soft.max(dim, keepdim=True)[1]
        y_hard = _C.zeros_like(logits).scatter_(dim, index, 1.0)
        return y_hard - y_soft.detach() + y_soft
    return y_soft


def softshrink(input, lambd=0.5):
    """Soft shrinkage: x - lambd if x > lambd, x + lambd if x < -lambd, else 0 (lambd defaults to 0.5)."""
    return _C.softshrink(input, lambd)


def tanh(input):
    """Elementwise hyperbolic tangent; same as ember.tanh."""
    return _C.tanh(input)


def sigmoid(input):
    """Elementwise logistic sigmoid 1 / (1 + exp(-x)); same as ember.sigmoid."""
    return _C.sigmoid(input)


def hardsigmoid(input, inplace=False):
    """Piecewise-linear sigmoid: 0 for x <= -3, 1 for x >= 3, x / 6 + 1/2 in between.

    inplace=True overwrites input and returns it.
    """
    return input.hardsigmoid_() if inplace else _C.hardsigmoid(input)


def hardswish(input, inplace=False):
    """Hard swish: x * hardsigmoid(x), elementwise.

    inplace=True overwrites input and returns it.
    """
    return input.hardswish_() if inplace else _C.hardswish(input)


def silu(input, inplace=False):
    """Sigmoid linear unit (swish): x * sigmoid(x), elementwise.

    inplace=True overwrites input and returns it.
    """
    return input.silu_() if inplace else _C.silu(input)


def mish(input, inplace=False):
    """Mish activation: x * tanh(softplus(x)), elementwise.

    inplace=True overwrites input and returns it.
    """
    return input.mish_() if inplace else _C.mish(input)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """Clamps input to [min_val, max_val] (defaults -1.0 and 1.0).

    inplace=True overwrites input and returns it.
    """
    return _C.hardtanh_(input, min_val, max_val) if inplace else _C.hardtanh(input, min_val, max_val)


def hardtanh_(input, min_val=-1.0, max_val=1.0):
    """In-place hardtanh(input, min_val, max_val); see hardtanh."""
    return _C.hardtanh_(input, min_val, max_val)


def threshold(input, threshold, value, inplace=False):
    """Replaces every element <= threshold by value; elements above it pass through.

    Both threshold and value are required. inplace=True overwrites input and returns it.
    """
    if inplace:
        return threshold_(input, threshold, value)
    return _C.threshold(input, threshold, value)


def threshold_(input, threshold, value):
    """In-place threshold(input, threshold, value); see threshold."""
    # masked_fill_'s backward needs only the mask, not the overwritten input
    return input.masked_fill_(input <= threshold, value)


# ---------------------------------------------------------------- linear


def linear(input, weight, bias=None):
    """Affine map y = input @ weight.T + bias.

    input: (*, in_features); weight: (out_features, in_features) or (in_features,);
    bias: (out_features,) or None. Returns (*, out_features).
    """
    return _C.linear(input, weight, bias)


def bilinear(input1, input2, weight, bias=None):
    """Bilinear map y[..., o] = sum_ij input1[..., i] * weight[o, i, j] * input2[..., j] + bias[o].

    input1: (*, in1), input2: (*, in2) with the same leading dims; weight: (out, in1, in2);
    bias: (out,) or None. Returns (*, out).
    """
    if input1.shape[:-1] != input2.shape[:-1]:
        raise RuntimeError(f"bilinear(): input batch dimensions do not match: got {tuple(input1.shape[:-1])} and "
                           f"{tuple(input2.shape[:-1])}")
    if weight.dim() != 3 or weight.size(1) != input1.size(-1) or weight.size(2) != input2.size(-1):
        raise RuntimeError(f"bilinear(): weight of shape {tuple(weight.shape)} does not match inputs with "
                           f"{input1.size(-1)} and {input2.size(-1)} features")
    y = _C.einsum("...i,oij,...j->...o", input1, weight, input2)
    return y + bias if bias is not None else y


# ---------------------------------------------------------------- convolution and pooling


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D convolution (cross-correlation) over an input of shape (N, C_in, L) or unbatched (C_in, L).

    weight: (C_out, C_in / groups, kW); bias: (C_out,) or None. stride, padding and dilation are
    ints or 1-tuples; padding may also be 'valid' or 'same' (stride 1 only). Returns (N, C_out, L_out).
    """
    return _C.conv1d(input, weight, bias, stride, padding, dilation, groups)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D convolution (cross-correlation) over an input of shape (N, C_in, H, W) or unbatched (C_in, H, W).

    weight: (C_out, C_in / groups, kH, kW); bias: (C_out,) or None. stride, padding and dilation
    are ints or pairs; padding may also be 'valid' or 'same' (stride 1 only).
    Returns (N, C_out, H_out, W_out).
    """
    return _C.conv2d(input, weight, bias, stride, padding, dilation, groups)


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """3-D convolution (cross-correlation) over an input of shape (N, C_in, D, H, W) or unbatched (C_in, D, H, W).

    weight: (C_out, C_in / groups, kD, kH, kW); bias: (C_out,) or None. stride, padding and dilation
    are ints or triples; padding may also be 'valid' or 'same' (stride 1 only).
    Returns (N, C_out, D_out, H_out, W_out).
    """
    return _C.conv3d(input, weight, bias, stride, padding, dilation, groups)


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """1-D transposed convolution (the gradient of conv1d) over (N, C_in, L) or unbatched (C_in, L).

    weight: (C_in, C_out / groups, kW); bias: (C_out,) or None. Note the argument order:
    stride, padding, output_padding, groups, dilation. output_padding adds to one side of the
    output to pick among the sizes a strided conv1d maps to the same input size.
    """
    return _C.conv_transpose1d(input, weight, bias, stride, padding, output_padding, groups, dilation)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """2-D transposed convolution (the gradient of conv2d) over (N, C_in, H, W) or unbatched (C_in, H, W).

    weight: (C_in, C_out / groups, kH, kW); bias: (C_out,) or None. Note the argument order:
    stride, padding, output_padding, groups, dilation (ints or pairs).
    H_out = (H - 1) * stride - 2 * padding + dilation * (kH - 1) + output_padding + 1.
    """
    return _C.conv_transpose2d(input, weight, bias, stride, padding, output_padding, groups, dilation)


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """3-D transposed convolution (the gradient of conv3d) over (N, C_in, D, H, W) or unbatched input.

    weight: (C_in, C_out / groups, kD, kH, kW); bias: (C_out,) or None. Note the argument order:
    stride, padding, output_padding, groups, dilation (ints or triples).
    """
    return _C.conv_transpose3d(input, weight, bias, stride, padding, output_padding, groups, dilation)


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """1-D max pooling over an input of shape (N, C, L) or (C, L).

    stride defaults to kernel_size; padding pads with -inf (at most half the kernel).
    ceil_mode=True rounds the output length up. return_indices=True also returns the flat
    argmax positions (for max_unpool1d) as a tuple (output, indices).
    """
    if stride is None or (isinstance(stride, (list, tuple)) and len(stride) == 0):
        stride = kernel_size
    return _C.max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """2-D max pooling over an input of shape (N, C, H, W) or (C, H, W).

    kernel_size, stride (defaults to kernel_size), padding and dilation are ints or pairs.
    ceil_mode=True rounds output sizes up. return_indices=True also returns the argmax
    positions within each H * W plane (for max_unpool2d) as a tuple (output, indices).
    """
    if stride is None or (isinstance(stride, (list, tuple)) and len(stride) == 0):
        stride = kernel_size
    return _C.max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """3-D max pooling over an input of shape (N, C, D, H, W) or (C, D, H, W).

    kernel_size, stride (defaults to kernel_size), padding and dilation are ints or triples.
    return_indices=True also returns the flat argmax positions as a tuple (output, indices).
    """
    if stride is None or (isinstance(stride, (list, tuple)) and len(stride) == 0):
        stride = kernel_size
    return _C.max_pool3d(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    """1-D average pooling over an input of shape (N, C, L) or (C, L).

    stride defaults to kernel_size. count_include_pad=True (default) counts zero padding in the
    divisor; ceil_mode=True rounds the output length up.
    """
    if stride is None or (isinstance(stride, (list, tuple)) and len(stride) == 0):
        stride = kernel_size
    return _C.avg_pool1d(input, kernel_size, stride, padding, ceil_mode, count_include_pad)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """2-D average pooling over an input of shape (N, C, H, W) or (C, H, W).

    kernel_size, stride (defaults to kernel_size) and padding are ints or pairs.
    count_include_pad=True (default) counts zero padding in the divisor; divisor_override,
    if given, replaces the divisor.
    """
    if stride is None or (isinstance(stride, (list, tuple)) and len(stride) == 0):
        stride = kernel_size
    return _C.avg_pool2d(input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override)


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """3-D average pooling over an input of shape (N, C, D, H, W) or (C, D, H, W).

    kernel_size, stride (defaults to kernel_size) and padding are ints or triples; other
    arguments as in avg_pool2d.
    """
    if stride is None or (isinstance(stride, (list, tuple)) and len(stride) == 0):
        stride = kernel_size
    return _C.avg_pool3d(input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override)


def adaptive_avg_pool1d(input, output_size):
    """1-D average pooling of (N, C, L) or (C, L) to length output_size, the windows chosen to cover the input."""
    return _C.adaptive_avg_pool1d(input, output_size)


def adaptive_avg_pool2d(input, output_size):
    """2-D average pooling of (N, C, H, W) or (C, H, W) to output_size (an int or a pair).

    None in output_size keeps that input size. Windows are chosen to cover the input.
    """
    return _C.adaptive_avg_pool2d(input, output_size)


def adaptive_avg_pool3d(input, output_size):
    """3-D average pooling of (N, C, D, H, W) or (C, D, H, W) to output_size (an int or a triple).

    None in output_size keeps that input size.
    """
    return _C.adaptive_avg_pool3d(input, output_size)


def adaptive_max_pool1d(input, output_size, return_indices=False):
    """1-D max pooling of (N, C, L) or (C, L) to length output_size.

    return_indices=True returns (output, indices).
    """
    return _C.adaptive_max_pool1d(input, output_size, return_indices)


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """2-D max pooling of (N, C, H, W) or (C, H, W) to output_size (an int or a pair).

    None in output_size keeps that input size. return_indices=True returns (output, indices).
    """
    return _C.adaptive_max_pool2d(input, output_size, return_indices)


def adaptive_max_pool3d(input, output_size, return_indices=False):
    """3-D max pooling of (N, C, D, H, W) or (C, D, H, W) to output_size (an int or a triple).

    return_indices=True returns (output, indices).
    """
    return _C.adaptive_max_pool3d(input, output_size, return_indices)


# the *_with_indices forms always return (output, indices)
def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=False):
    """Like max_pool1d, but always returns (output, indices); return_indices is ignored."""
    return max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=False):
    """Like max_pool2d, but always returns (output, indices); return_indices is ignored."""
    return max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool3d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=False):
    """Like max_pool3d, but always returns (output, indices); return_indices is ignored."""
    return max_pool3d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def adaptive_max_pool1d_with_indices(input, output_size, return_indices=False):
    """Like adaptive_max_pool1d, but always returns (output, indices)."""
    return adaptive_max_pool1d(input, output_size, True)


def adaptive_max_pool2d_with_indices(input, output_size, return_indices=False):
    """Like adaptive_max_pool2d, but always returns (output, indices)."""
    return adaptive_max_pool2d(input, output_size, True)


def adaptive_max_pool3d_with_indices(input, output_size, return_indices=False):
    """Like adaptive_max_pool3d, but always returns (output, indices)."""
    return adaptive_max_pool3d(input, output_size, True)


def fractional_max_pool2d(input, kernel_size, output_size=None, output_ratio=None, return_indices=False,
                          _random_samples=None):
    """Fractional max pooling over (N, C, H, W) or (C, H, W): pseudo-random, overlapping windows.

    Give exactly one of output_size (int or pair) and output_ratio (in (0, 1), int or pair).
    kernel_size is an int or a pair. return_indices=True returns (output, indices).
    _random_samples (N, C, 2), in [0, 1), fixes the window offsets.
    """
    from ._sampling import fractional_max_pool
    return fractional_max_pool(input, kernel_size, output_size, output_ratio, return_indices, _random_samples, 2)


def fractional_max_pool3d(input, kernel_size, output_size=None, output_ratio=None, return_indices=False,
                          _random_samples=None):
    """Fractional max pooling over (N, C, D, H, W) or (C, D, H, W): pseudo-random windows.

    Give exactly one of output_size and output_ratio (ints or triples). return_indices=True
    returns (output, indices). _random_samples (N, C, 3) fixes the window offsets.
    """
    from ._sampling import fractional_max_pool
    return fractional_max_pool(input, kernel_size, output_size, output_ratio, return_indices, _random_samples, 3)


def fractional_max_pool2d_with_indices(input, kernel_size, output_size=None, output_ratio=None, return_indices=False,
                                       _random_samples=None):
    """Like fractional_max_pool2d, but always returns (output, indices)."""
    return fractional_max_pool2d(input, kernel_size, output_size, output_ratio, True, _random_samples)


def fractional_max_pool3d_with_indices(input, kernel_size, output_size=None, output_ratio=None, return_indices=False,
                                       _random_samples=None):
    """Like fractional_max_pool3d, but always returns (output, indices)."""
    return fractional_max_pool3d(input, kernel_size, output_size, output_ratio, True, _random_samples)


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """Power-average pooling over (N, C, L): (sum over each window of x ** p) ** (1 / p).

    norm_type is p; stride defaults to kernel_size. No padding.
    """
    out = avg_pool1d(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    return (out.sign() * relu(out.abs())).mul(kernel_size).pow(1.0 / norm_type)


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """Power-average pooling over (N, C, H, W): (sum over each window of x ** p) ** (1 / p).

    norm_type is p; kernel_size and stride (defaults to kernel_size) are ints or pairs.
    """
    kw, kh = _pair(kernel_size)
    out = avg_pool2d(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    return (out.sign() * relu(out.abs())).mul(kw * kh).pow(1.0 / norm_type)


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Partial inverse of max_pool1d: scatters input into zeros at the pooled indices.

    indices come from max_pool1d(..., return_indices=True); kernel_size, stride (defaults to
    kernel_size) and padding should match the pooling. output_size resolves ambiguous lengths.
    """
    return _C.max_unpool1d(input, indices, kernel_size, stride if stride is not None else kernel_size, padding,
                           output_size)


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Partial inverse of max_pool2d: scatters input (N, C, H, W) into zeros at the pooled indices.

    indices come from max_pool2d(..., return_indices=True); kernel_size, stride (defaults to
    kernel_size) and padding should match the pooling. output_size resolves ambiguous sizes.
    """
    return _C.max_unpool2d(input, indices, kernel_size, stride if stride is not None else kernel_size, padding,
                           output_size)


def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Partial inverse of max_pool3d: scatters input (N, C, D, H, W) into zeros at the pooled indices.

    Arguments as in max_unpool2d, with triples.
    """
    return _C.max_unpool3d(input, indices, kernel_size, stride if stride is not None else kernel_size, padding,
                           output_size)


def channel_shuffle(input, groups):
    """Splits the channels into `groups` groups and interleaves them."""
    if input.dim() < 3:
        raise RuntimeError(f"channel_shuffle expects input to have at least 3 dimensions, but got input with sizes "
                           f"{list(input.shape)}")
    if groups <= 0:
        raise RuntimeError(f"Number of groups to divide channels in must be positive. Value of groups:{groups}")
    n, c = input.shape[:2]
    if c % groups != 0:
        raise RuntimeError(f"Number of channels must be divisible by groups. Got {c} channels and {groups} groups.")
    rest = tuple(input.shape[2:])
    return input.reshape(n, groups, c // groups, *rest).transpose(1, 2).reshape(n, c, *rest)


native_channel_shuffle = channel_shuffle


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """Extracts sliding blocks (im2col): (N, C, H, W) -> (N, C * kH * kW, L), L the number of blocks.

    Also takes unbatched (C, H, W), giving (C * kH * kW, L); other ranks raise, as in torch.
    kernel_size, dilation, padding and stride are ints or pairs.
    """
    return _C.im2col(input, _pair(kernel_size), _pair(dilation), _pair(padding), _pair(stride))


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Sums sliding blocks back into an image (col2im), the adjoint of unfold.

    input: (N, C * kH * kW, L) or unbatched; output_size: (H, W) of the result.
    Returns (N, C, H, W). Other arguments as in unfold.
    """
    return _C.col2im(input, _pair(output_size), _pair(kernel_size), _pair(dilation), _pair(padding), _pair(stride))


def pixel_shuffle(input, upscale_factor):
    """Rearranges (*, C * r * r, H, W) into (*, C, H * r, W * r), r = upscale_factor."""
    return _C.pixel_shuffle(input, upscale_factor)


def pixel_unshuffle(input, downscale_factor):
    """Inverse of pixel_shuffle: (*, C, H * r, W * r) into (*, C * r * r, H, W), r = downscale_factor."""
    return _C.pixel_unshuffle(input, downscale_factor)


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None, recompute_scale_factor=None,
                antialias=False):
    """Resizes input (N, C, L), (N, C, H, W) or (N, C, D, H, W) to size or by scale_factor.

    Give exactly one of size and scale_factor (a number or one per spatial dim).
    mode: 'nearest' (default), 'nearest-exact', 'linear', 'bilinear', 'bicubic', 'trilinear',
    'area'. align_corners (linear modes only) aligns the corner pixel centres.
    recompute_scale_factor=True derives the scale from the computed output size.
    antialias=True is supported for 'bilinear' and 'bicubic' on 4-D input.
    """
    if mode in ("nearest", "area", "nearest-exact") and align_corners is not None:
        raise ValueError("align_corners option can only be set with the interpolating modes: "
                         "linear | bilinear | bicubic | trilinear")
    if antialias:
        if not (mode in ("bilinear", "bicubic") and input.dim() == 4):
            raise ValueError("Anti-alias option is only supported for bilinear and bicubic modes")
        return _interpolate_antialias(input, size, scale_factor, mode, align_corners, recompute_scale_factor)
    return _C.interpolate(input, size, scale_factor, mode, align_corners, recompute_scale_factor)


def _aa_weights(in_size, out_size, scale, interp_size, filter_fn, dtype):
    """(out_size, in_size) matrix of torch's (PIL's) antialiasing weights along one dimension: the filter
    is widened by the scale when downsampling, and each row is normalised."""
    support = interp_size * 0.5 * scale if scale >= 1.0 else interp_size * 0.5
    invscale = 1.0 / scale if scale >= 1.0 else 1.0
    rows = []
    for i in range(out_size):
        center = scale * (i + 0.5)
        xmin = max(int(center - support + 0.5), 0)
        xsize = min(int(center + support + 0.5), in_size) - xmin
        w = [filter_fn((j + xmin - center + 0.5) * invscale) for j in range(xsize)]
        total = sum(w)
        if total != 0.0:
            w = [v / total for v in w]
        row = [0.0] * in_size
        row[xmin:xmin + xsize] = w
        rows.append(row)
    return _C.tensor(rows, dtype=dtype)


def _aa_filter(mode):
    if mode == "bilinear":
        return 2, lambda x: max(0.0, 1.0 - abs(x))
    a = -0.5  # Keys' cubic, as PIL and torch's antialiasing use

    def cubic(x):
        x = abs(x)
        if x < 1.0:
            return ((a + 2) * x - (a + 3)) * x * x + 1
        if x < 2.0:
            return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
        return 0.0
    return 4, cubic


def _interpolate_antialias(input, size, scale_factor, mode, align_corners, recompute_scale_factor):
    # output size (and argument checks) from the plain op run on an empty batch
    out_h, out_w = _C.interpolate(input[:0], size, scale_factor, mode, align_corners, recompute_scale_factor).shape[-2:]
    in_h, in_w = input.shape[-2:]
    factors = scale_factor if isinstance(scale_factor, (list, tuple)) else [scale_factor] * 2
    scales = []
    for in_s, out_s, f in zip((in_h, in_w), (out_h, out_w), factors):
        if align_corners:
            scales.append((in_s - 1) / (out_s - 1) if out_s > 1 else 0.0)
        elif f is not None and not recompute_scale_factor:
            scales.append(1.0 / f)
        else:
            scales.append(in_s / out_s)
    interp_size, fn = _aa_filter(mode)
    wh = _aa_weights(in_h, out_h, scales[0], interp_size, fn, input.dtype)
    ww = _aa_weights(in_w, out_w, scales[1], interp_size, fn, input.dtype)
    return _C.matmul(_C.matmul(wh, input), ww.t())


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """Deprecated spelling of interpolate(input, size, scale_factor, mode, align_corners).

    Warns that it is deprecated, as torch does.
    """
    warnings.warn("nn.functional.upsample is deprecated. Use nn.functional.interpolate instead.")
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    """Deprecated spelling of interpolate(input, size, scale_factor, mode='nearest').

    Warns that it is deprecated, as torch does.
    """
    warnings.warn("nn.functional.upsample_nearest is deprecated. Use nn.functional.interpolate instead.")
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    """Deprecated spelling of interpolate(input, size, scale_factor, mode='bilinear', align_corners=True).

    Warns that it is deprecated, as torch does.
    """
    warnings.warn("nn.functional.upsample_bilinear is deprecated. Use nn.functional.interpolate instead.")
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


def pad(input, pad, mode="constant", value=None):
    """Pads input; pad lists (left, right) amounts starting from the last dimension.

    E.g. (1, 1, 2, 0) pads the last dim by 1 on both sides and the one before by 2 at the start.
    mode: 'constant' (default, fills with value, default 0; negative amounts crop),
    'reflect', 'replicate' or 'circular' (these pad up to the last 3 dims of a 2-D to 5-D input).
    """
    return _C._pad(input, list(pad), mode, 0.0 if value is None else float(value))


# ---------------------------------------------------------------- normalization


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5):
    """Batch normalisation over dim 1 of (N, C, *): (x - mean) / sqrt(var + eps) * weight + bias.

    training=True normalises with batch statistics and, if running_mean/running_var are given,
    updates them in place with momentum (default 0.1); training=False uses the running stats.
    weight and bias are (C,) or None.
    """
    if training:
        size = input.numel() // input.size(1) if input.dim() > 1 else input.numel()
        if size == 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input size {input.shape}")
    return _C.batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps)


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None, use_input_stats=True,
                  momentum=0.1, eps=1e-5):
    """Instance normalisation: normalises each (sample, channel) of (N, C, *) over its spatial dims.

    use_input_stats=True (default) uses each instance's statistics and updates running_mean /
    running_var (if given) with momentum; False uses the running stats. weight, bias: (C,) or None.
    """
    return _C.instance_norm(input, weight, bias, running_mean, running_var, use_input_stats, momentum, eps)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Layer normalisation over the trailing dims given by normalized_shape (an int or a shape).

    weight and bias have shape normalized_shape (or are None). eps defaults to 1e-5.
    """
    if isinstance(normalized_shape, int):
        normalized_shape = (normalized_shape,)
    return _C.layer_norm(input, list(normalized_shape), weight, bias, eps)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Group normalisation: splits C of (N, C, *) into num_groups and normalises each group.

    C must be divisible by num_groups; weight and bias are (C,) or None. eps defaults to 1e-5.
    """
    return _C.group_norm(input, num_groups, weight, bias, eps)


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    """Local response normalisation across channels of (N, C, *) input (3-D or more).

    Each element is divided by (k + alpha / size * sum of squares over size neighbouring
    channels) ** beta. Defaults: alpha=1e-4, beta=0.75, k=1.0.
    """
    dim = input.dim()
    if dim < 3:
        raise ValueError(f"Expected 3D or higher dimensionality input (got {dim} dimensions)")
    div = input.mul(input).unsqueeze(1)
    if dim == 3:
        div = pad(div, (0, 0, size // 2, (size - 1) // 2))
        div = avg_pool2d(div, (size, 1), stride=1).squeeze(1)
    else:
        sizes = input.size()
        div = div.view(sizes[0], 1, sizes[1], sizes[2], -1)
        div = pad(div, (0, 0, 0, 0, size // 2, (size - 1) // 2))
        div = avg_pool3d(div, (size, 1, 1), stride=1).squeeze(1)
        div = div.view(sizes)
    div = div.mul(alpha).add(k).pow(beta)
    return input / div


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """Divides input by its p-norm along dim: x / max(||x||_p, eps).

    Defaults: p=2.0, dim=1, eps=1e-12. With out=, the result is written there (as ember.div(out=)).
    """
    denom = input.norm(p, dim, keepdim=True).clamp_min(eps).expand_as(input)
    if out is None:
        return input / denom
    from .. import div
    return div(input, denom, out=out)


# ---------------------------------------------------------------- dropout


def _check_p(p):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def dropout(input, p=0.5, training=True, inplace=False):
    """Zeroes each element with probability p and scales the rest by 1 / (1 - p).

    Defaults: p=0.5, training=True (returns input unchanged when False). inplace=True
    overwrites input and returns it.
    """
    _check_p(p)
    if not training or p == 0.0:
        return input
    if inplace:
        return _inplace(input, lambda x: _C.dropout(x, p, True))
    return _C.dropout(input, p, True)


def alpha_dropout(input, p=0.5, training=False, inplace=False):
    """Dropout that keeps the mean and variance of SELU activations (self-normalising networks).

    Note training defaults to False here (as in torch): pass training=True to drop anything.
    """
    _check_p(p)
    if not training or p == 0.0:
        return input
    if inplace:
        return _inplace(input, lambda x: _C.alpha_dropout(x, p, True))
    return _C.alpha_dropout(input, p, True)


def feature_alpha_dropout(input, p=0.5, training=False, inplace=False):
    """Alpha dropout of whole channels: each (sample, channel) of (N, C, *) is dropped together.

    Note training defaults to False (as in torch).
    """
    _check_p(p)
    if not training or p == 0.0:
        return input
    if inplace:
        return _inplace(input, lambda x: _C.feature_alpha_dropout(x, p, True))
    return _C.feature_alpha_dropout(input, p, True)


def _feature_dropout(input, p, training, inplace, min_dim, name):
    _check_p(p)
    if not training or p == 0.0:
        return input
    if inplace:
        return _inplace(input, lambda x: _C.feature_dropout(x, p, True))
    return _C.feature_dropout(input, p, True)


def dropout1d(input, p=0.5, training=True, inplace=False):
    """Zeroes whole channels of (N, C, L) or (C, L) input with probability p, scaling the rest by 1 / (1 - p).

    Defaults: p=0.5, training=True.
    """
    if input.dim() not in (2, 3):
        raise RuntimeError(f"dropout1d: Expected 2D or 3D input, but received a {input.dim()}D input.")
    if input.dim() == 2:
        return _feature_dropout(input.unsqueeze(0), p, training, inplace, 2, "dropout1d").squeeze(0)
    return _feature_dropout(input, p, training, inplace, 3, "dropout1d")


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Zeroes whole channels of (N, C, H, W) input with probability p, scaling the rest by 1 / (1 - p).

    3-D input is taken as (N, C, L), with a warning, as torch does. Defaults: p=0.5, training=True.
    """
    if input.dim() not in (3, 4):
        warnings.warn(f"dropout2d: Received a {input.dim()}-D input to dropout2d, which is deprecated and will "
                      "result in an error in a future release.")
    if input.dim() == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout "
                      "behavior is desired - input is interpreted as shape (N, C, L).")
    return _feature_dropout(input, p, training, inplace, 4, "dropout2d")


def dropout3d(input, p=0.5, training=True, inplace=False):
    """Zeroes whole channels of (N, C, D, H, W) or (C, D, H, W) input with probability p, scaling the rest.

    Other ranks warn (deprecated) and are taken as unbatched, as torch does. Defaults: p=0.5, training=True.
    """
    dim = input.dim()
    if dim not in (4, 5):
        warnings.warn(f"dropout3d: Received a {dim}-D input to dropout3d, which is deprecated and will result in an "
                      "error in a future release. To retain the behavior and silence this warning, please use dropout "
                      "instead. Note that dropout3d exists to provide channel-wise dropout on inputs with 3 spatial "
                      "dimensions, a channel dimension, and an optional batch dimension (i.e. 4D or 5D inputs).")
    if dim != 5:
        x = input.unsqueeze_(0) if inplace else input.unsqueeze(0)
        out = _feature_dropout(x, p, training, inplace, dim + 1, "dropout3d")
        return out.squeeze_(0) if inplace else out.squeeze(0)
    return _feature_dropout(input, p, training, inplace, 5, "dropout3d")


# ---------------------------------------------------------------- sparse


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False, sparse=False):
    """Looks up rows of weight: result[...] = weight[input[...]], shape (*input.shape, embedding_dim).

    input holds integer indices; weight is (num_embeddings, embedding_dim). padding_idx rows get
    no gradient. max_norm renormalises looked-up rows to at most that norm_type-norm, in place.
    scale_grad_by_freq scales gradients by inverse index frequency. sparse=True is not supported
    yet (ValueError).
    """
    if padding_idx is not None:
        if padding_idx > 0:
            if padding_idx >= weight.size(0):
                raise AssertionError("Padding_idx must be within num_embeddings")
        elif padding_idx < 0:
            if padding_idx < -weight.size(0):
                raise AssertionError("Padding_idx must be within num_embeddings")
            padding_idx = weight.size(0) + padding_idx
    else:
        padding_idx = -1
    if max_norm is not None:
        with _C._no_grad():
            _C.embedding_renorm_(weight, input, max_norm, norm_type)
    return _C.embedding(weight, input, padding_idx, scale_grad_by_freq, sparse)


def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2, scale_grad_by_freq=False, mode="mean",
                  sparse=False, per_sample_weights=None, include_last_offset=False, padding_idx=None):
    """Sums, averages or maxes bags of embeddings without building the intermediate lookup.

    input: 1-D indices with offsets (the start of each bag), or 2-D (B, bag_len) with
    offsets=None. mode: 'mean' (default), 'sum' or 'max'. per_sample_weights (mode='sum' only)
    weight each index. include_last_offset: offsets has B + 1 entries. Returns (B, embedding_dim).
    """
    if mode not in ("sum", "mean", "max"):
        raise ValueError(f"mode has to be one of sum, mean or max, got {mode}")
    if input.dim() == 2:
        if offsets is not None:
            raise ValueError("if input is 2D, then offsets has to be None, as input is treated is a mini-batch of "
                             "fixed length sequences.")
        n, length = input.shape
        offsets = _C.arange(0, n * length, length, dtype=input.dtype)
        input = input.reshape(-1)
        if per_sample_weights is not None:
            per_sample_weights = per_sample_weights.reshape(-1)
    elif input.dim() != 1:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension {input.dim()}")
    elif offsets is None:
        raise ValueError("offsets has to be a 1D Tensor but got None")
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError(f"embedding_bag: per_sample_weights was not None. per_sample_weights is only "
                                  f"supported for mode='sum' (got mode='{mode}'). Please open a feature request on "
                                  "GitHub.")
    if max_norm is not None:
        with _C._no_grad():
            _C.embedding_renorm_(weight, input, max_norm, norm_type)
    if padding_idx is None:
        padding_idx = -1
    elif padding_idx < 0:
        padding_idx += weight.size(0)
    return _C.embedding_bag(weight, input, offsets, mode, per_sample_weights, include_last_offset, padding_idx)


def one_hot(tensor, num_classes=-1):
    """One-hot encoding of an int64 tensor: shape (*input.shape, num_classes), int64.

    num_classes=-1 (default) uses input.max() + 1.
    """
    return _C.one_hot(tensor, num_classes)


# ---------------------------------------------------------------- distances


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """The p-norm distance between the rows (last dim) of x1 and x2: ||x1 - x2 + eps||_p.

    Defaults: p=2.0, eps=1e-6, keepdim=False. x1 and x2 broadcast.
    """
    return _C.pairwise_distance(x1, x2, p, eps, keepdim)


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """Cosine similarity along dim: (x1 / max(||x1||, eps)) . (x2 / max(||x2||, eps)), as torch 1.13.

    Defaults: dim=1, eps=1e-8. x1 and x2 broadcast; dim is removed from the result.
    """
    return _C.cosine_similarity(x1, x2, dim, eps)


def pdist(input, p=2):
    """Distances between all pairs of rows i < j of a 2-D input, in row-major order of (i, j)."""
    return _C.pdist(input, p)


# ---------------------------------------------------------------- losses


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean",
                  label_smoothing=0.0):
    """Cross-entropy between logits and class targets: nll_loss(log_softmax(input, 1), target).

    input: (N, C) or (N, C, d1, ...) or (C,); target: class indices (N, d1, ...) or class
    probabilities shaped like input. weight (C,) rescales classes; ignore_index (default -100)
    targets contribute nothing; label_smoothing in [0, 1] mixes in the uniform distribution.
    reduction: 'none' | 'mean' (default) | 'sum'; size_average/reduce are the legacy spelling.
    """
    reduction = _reduction(reduction, size_average, reduce)
    return _C.cross_entropy(input, target, weight, reduction, ignore_index, label_smoothing)


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
    """Negative log-likelihood loss: -input[n, target[n]] (times weight[target[n]]) per sample.

    input: log-probabilities (N, C), (N, C, d1, ...) or (C,); target: class indices.
    ignore_index (default -100) targets are skipped; 'mean' divides by the total weight.
    reduction: 'none' | 'mean' (default) | 'sum'; size_average/reduce are the legacy spelling.
    """
    reduction = _reduction(reduction, size_average, reduce)
    return _C.nll_loss(input, target, weight, reduction, ignore_index)


def _check_same_size(input, target, name):
    if tuple(target.shape) != tuple(input.shape):
        warnings.warn(f"Using a target size ({target.shape}) that is different to the input size ({input.shape}). "
                      "This will likely lead to incorrect results due to broadcasting. Please ensure they have the "
                      "same size.", stacklevel=3)


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """Mean squared error between input and target (same shape; broadcasting warns).

    reduction: 'none' | 'mean' (default) | 'sum'; size_average/reduce are the legacy spelling.
    """
    _check_same_size(input, target, "mse_loss")
    reduction = _reduction(reduction, size_average, reduce)
    return _C.mse_loss(input, target, reduction)


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """Mean absolute error |input - target| (same shape; broadcasting warns).

    reduction: 'none' | 'mean' (default) | 'sum'; size_average/reduce are the legacy spelling.
    """
    _check_same_size(input, target, "l1_loss")
    reduction = _reduction(reduction, size_average, reduce)
    return _reduce((input - target).abs(), reduction)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """Smooth L1 loss: 0.5 * d ** 2 / beta where d = |input - target| < beta, else d - 0.5 * beta.

    beta defaults to 1.0 (must be >= 0; 0 gives the L1 loss). reduction: 'none' | 'mean' (default) | 'sum';
    size_average/reduce are the legacy spelling.
    """
    _check_same_size(input, target, "smooth_l1_loss")
    reduction = _reduction(reduction, size_average, reduce)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    if beta == 0.0:
        # torch's kernel takes the -1 branch at input == target (x <= -beta); so does this where
        diff = input - target
        return _reduce(_C.where(diff <= 0, -diff, diff), reduction)
    d = (input - target).abs()
    loss = _C.where(d < beta, 0.5 * d * d / beta, d - 0.5 * beta)
    return _reduce(loss, reduction)


def huber_loss(input, target, reduction="mean", delta=1.0):
    """Huber loss: 0.5 * d ** 2 where d = |input - target| < delta, else delta * (d - 0.5 * delta).

    delta defaults to 1.0 and must be positive. reduction: 'none' | 'mean' (default) | 'sum'.
    """
    _check_same_size(input, target, "huber_loss")
    reduction = _reduction(reduction)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    d = (input - target).abs()
    loss = _C.where(d < delta, 0.5 * d * d, delta * (d - 0.5 * delta))
    return _reduce(loss, reduction)


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    """Binary cross-entropy between probabilities input (in [0, 1]) and target of the same shape.

    weight rescales each element (broadcast). Log terms are clamped at -100, as in torch.
    reduction: 'none' | 'mean' (default) | 'sum'; size_average/reduce are the legacy spelling.
    """
    reduction = _reduction(reduction, size_average, reduce)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Using a target size ({target.shape}) that is different to the input size "
                         f"({input.shape}) is deprecated. Please ensure they have the same size.")
    return _C.binary_cross_entropy(input, target, weight, reduction)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None, reduction="mean",
                                     pos_weight=None):
    """Binary cross-entropy on logits: sigmoid and BCE combined, numerically stable.

    target has input's shape. weight rescales each element; pos_weight (broadcast over the last
    dim, one per class) weighs positive examples. reduction: 'none' | 'mean' (default) | 'sum'; size_average/reduce
    are the legacy spelling.
    """
    reduction = _reduction(reduction, size_average, reduce)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Target size ({target.shape}) must be the same as input size ({input.shape})")
    return _C.binary_cross_entropy_with_logits(input, target, weight, pos_weight, reduction)


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """Kullback-Leibler divergence loss, target * (log(target) - input), with input log-probabilities.

    log_target=True takes target as log-probabilities too. reduction: 'none', 'mean' (default,
    averages over all elements, with a warning), 'batchmean' (sum / batch size; the true KL
    divergence) or 'sum'.
    """
    if reduction == "mean":
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the support size."
                      "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
                      "'mean' will be changed to behave the same as 'batchmean' in the next major release.")
    if reduction == "batchmean":
        red = "sum"
    else:
        red = _reduction(reduction, size_average, reduce)
    if log_target:
        loss = target.exp() * (target - input)
    else:
        loss = _C.xlogy(target, target) - target * input
    out = _reduce(loss, red)
    if reduction == "batchmean" and input.dim() != 0:
        out = out / input.size(0)
    return out


def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8, reduce=None,
                     reduction="mean"):
    """Poisson negative log-likelihood of target given rate input.

    log_input=True (default): loss = exp(input) - target * input; otherwise
    input - target * log(input + eps). full=True adds the Stirling term for target > 1.
    reduction: 'none' | 'mean' (default) | 'sum'; size_average/reduce are the legacy spelling.
    """
    reduction = _reduction(reduction, size_average, reduce)
    if log_input:
        loss = input.exp() - target * input
    else:
        loss = input - target * (input + eps).log()
    if full:
        stirling = target * target.log() - target + 0.5 * (2 * math.pi * target).log()
        loss = loss + stirling.masked_fill(target <= 1, 0)
    return _reduce(loss, reduction)


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    """Gaussian negative log-likelihood: 0.5 * (log(var) + (input - target) ** 2 / var).

    var has input's shape, or it without the last dim, or a last dim of 1; negative entries
    raise ValueError and values below eps (default 1e-6) are clamped. full=True adds
    0.5 * log(2 * pi). reduction: 'none' | 'mean' (default) | 'sum'.
    """
    if var.dim() == input.dim() - 1 and tuple(var.shape) == tuple(input.shape[:-1]):
        var = var.unsqueeze(-1)
    if _C.any(var < 0):
        raise ValueError("var has negative entry/entries")
    var = var.clone()
    with _C._no_grad():
        var.clamp_(min=eps)
    loss = 0.5 * (var.log() + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, _reduction(reduction))


def margin_ranking_loss(input1, input2, target, margin=0, size_average=None, reduce=None, reduction="mean"):
    """Ranking loss max(0, -target * (input1 - input2) + margin), target in {1, -1}.

    All three tensors must have the same number of dims. margin defaults to 0. reduction: 'none' | 'mean' (default)
    | 'sum'; size_average/reduce are the legacy spelling.
    """
    reduction = _reduction(reduction, size_average, reduce)
    if input1.dim() != input2.dim() or input1.dim() != target.dim():
        raise RuntimeError(f"margin_ranking_loss : All input tensors should have same dimension but got sizes: "
                           f"input1: {input1.shape}, input2: {input2.shape}, target: {target.shape} ")
    return _reduce((-target * (input1 - input2) + margin).clamp_min(0), reduction)


def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None, reduction="mean"):
    """Hinge embedding loss: x where target == 1, max(0, margin - x) where target == -1.

    margin defaults to 1.0. reduction: 'none' | 'mean' (default) | 'sum'; size_average/reduce are the legacy spelling.
    """
    reduction = _reduction(reduction, size_average, reduce)
    margin_clamp = (margin - input).clamp_min(0)
    output_margin = _C.where(target != 1, margin_clamp, _C.zeros_like(input))
    output_self = _C.where(target != -1, input, _C.zeros_like(input))
    return _reduce(output_margin + output_self, reduction)


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """Two-class logistic loss log(1 + exp(-target * input)), target in {1, -1}.

    reduction: 'none' | 'mean' (default) | 'sum'; size_average/reduce are the legacy spelling.
    """
    reduction = _reduction(reduction, size_average, reduce)
    return _reduce(_C.log1p((-target * input).exp()), reduction)


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    """Multi-label one-versus-all logistic loss, averaged over the C classes of (N, C) input.

    target (N, C) holds 0/1 labels; weight (C,) rescales classes. reduction: 'none' | 'mean' (default) | 'sum';
    size_average/reduce are the legacy spelling.
    """
    reduction = _reduction(reduction, size_average, reduce)
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    loss = loss.sum(dim=input.dim() - 1) / input.size(-1)
    return _reduce(loss, reduction)


def multilabel_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """Multi-class multi-label hinge loss of (C,) or (N, C) input.

    target has input's shape and lists each sample's target classes first, ended by -1.
    Per sample: sum over target classes j and non-target classes i of max(0, 1 - (x[j] - x[i])),
    divided by C. reduction: 'none' | 'mean' (default) | 'sum'; size_average/reduce are the legacy spelling.
    """
    reduction = _reduction(reduction, size_average, reduce)
    if input.dim() > 2 or tuple(target.shape) != tuple(input.shape):
        raise RuntimeError(f"multilabel_margin_loss: inconsistent target size: {list(target.shape)} for input of "
                           f"size: {list(input.shape)}")
    unbatched = input.dim() < 2
    if unbatched:
        input, target = input.reshape(1, -1), target.reshape(1, -1)
    n_classes = input.size(1)
    if n_classes and bool(((target < -1) | (target >= n_classes)).any()):
        raise RuntimeError(f"multilabel_margin_loss: target values must be in [-1, {n_classes - 1}]")
    valid = (target == -1).cumsum(1) == 0                                   # (N, J): before the first -1
    idx = target.clamp(min=0)
    is_target = (one_hot(idx, n_classes).to(_C.bool) & valid.unsqueeze(-1)).any(1)    # (N, C)
    x_target = input.gather(1, idx)                                         # (N, J)
    margins = (1 - (x_target.unsqueeze(-1) - input.unsqueeze(1))).clamp(min=0)       # (N, J, C)
    mask = valid.unsqueeze(-1) & is_target.logical_not().unsqueeze(1)
    loss = (margins * mask.to(input.dtype)).sum((1, 2)) / n_classes
    if unbatched:
        loss = loss.reshape(())
    return _reduce(loss, reduction)


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None, reduce=None, reduction="mean"):
    """Multi-class hinge loss: mean over classes i != y of max(0, margin - x[y] + x[i]) ** p.

    input: (N, C) or (C,); target: class indices. p is 1 (default) or 2; margin defaults to 1.0;
    weight (C,) rescales by the target class. reduction: 'none' | 'mean' (default) | 'sum'; size_average/reduce are
    the legacy spelling.
    """
    reduction = _reduction(reduction, size_average, reduce)
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    x = input if input.dim() == 2 else input.unsqueeze(0)
    t = target.reshape(-1)
    correct = x.gather(1, t.unsqueeze(1))
    z = (margin - correct + x).clamp_min(0)
    if p == 2:
        z = z * z
    if weight is not None:
        z = z * weight[t].unsqueeze(1)
    z = z.scatter(1, t.unsqueeze(1), 0.0)
    loss = z.sum(1) / x.size(1)
    if input.dim() != 2:
        loss = loss.squeeze(0)
    return _reduce(loss, reduction)


def cosine_embedding_loss(input1, input2, target, margin=0, size_average=None, reduce=None, reduction="mean"):
    """Loss on pairs: 1 - cos(x1, x2) where target == 1, max(0, cos(x1, x2) - margin) where target == -1.

    input1, input2: (N, D) with target (N,), or (D,) with a 0-D target. margin defaults to 0.
    reduction: 'none' | 'mean' (default) | 'sum'; size_average/reduce are the legacy spelling.
    """
    reduction = _reduction(reduction, size_average, reduce)
    if target.dim() not in (0, 1):
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if target.dim() == 1 and (input1.dim() != 2 or input2.dim() != 2):
        raise RuntimeError(f"1D target tensor expects 2D input tensors, but found inputs with sizes "
                           f"{list(input1.shape)} and {list(input2.shape)}.")
    if target.dim() == 0 and (input1.dim() != 1 or input2.dim() != 1):
        raise RuntimeError(f"0D target tensor expects 1D input tensors, but found inputs with sizes "
                           f"{list(input1.shape)} and {list(input2.shape)}.")
    eps = 1e-12
    prod_sum = (input1 * input2).sum(-1)
    mag_square1 = (input1 * input1).sum(-1) + eps
    mag_square2 = (input2 * input2).sum(-1) + eps
    denom = (mag_square1 * mag_square2).sqrt()
    cos = prod_sum / denom
    zeros = _C.zeros_like(cos)
    pos = 1 - cos
    neg = (cos - margin).clamp_min(0)
    output_pos = _C.where(target == 1, pos, zeros)
    output_neg = _C.where(target == -1, neg, zeros)
    return _reduce(output_pos + output_neg, reduction)


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False, size_average=None,
                        reduce=None, reduction="mean"):
    """Triplet loss max(0, d(anchor, positive) - d(anchor, negative) + margin), d the p-norm distance.

    Defaults: margin=1.0, p=2, eps=1e-6. swap=True uses min(d(a, n), d(p, n)) as the negative
    distance. Inputs (N, D) or (D,). reduction: 'none' | 'mean' (default) | 'sum'; size_average/reduce are the
    legacy spelling.
    """
    reduction = _reduction(reduction, size_average, reduce)
    a_dim, p_dim, n_dim = anchor.dim(), positive.dim(), negative.dim()
    if not (a_dim == p_dim == n_dim):
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have the same number of "
                           f"dimensions, but got: anchor {a_dim}D, positive {p_dim}D, and negative {n_dim}D inputs")
    d_pos = pairwise_distance(anchor, positive, p, eps)
    d_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_swap = pairwise_distance(positive, negative, p, eps)
        d_neg = _C.minimum(d_neg, d_swap)
    return _reduce((margin + d_pos - d_neg).clamp_min(0), reduction)


def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None, margin=1.0, swap=False,
                                      reduction="mean"):
    """Triplet loss with a custom distance: max(0, d(a, p) - d(a, n) + margin).

    Keyword-only: distance_function (default pairwise_distance), margin=1.0, swap=False,
    reduction: 'none' | 'mean' (default) | 'sum'.
    """
    dist = distance_function if distance_function is not None else pairwise_distance
    d_pos = dist(anchor, positive)
    d_neg = dist(anchor, negative)
    if swap:
        d_neg = _C.minimum(d_neg, dist(positive, negative))
    return _reduce((margin + d_pos - d_neg).clamp_min(0), _reduction(reduction))


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction="mean", zero_infinity=False):
    """Connectionist temporal classification loss over unsegmented sequences.

    log_probs: (T, N, C) log-softmax outputs (or (T, C) unbatched); targets: (N, S) padded or
    1-D concatenated; input_lengths, target_lengths: (N,) tensors or sequences. blank defaults
    to 0. zero_infinity=True zeroes infinite losses. 'mean' divides each loss by its target
    length first. Double backward is not supported yet.
    """
    return _C.ctc_loss(log_probs, targets, input_lengths, target_lengths, blank, reduction, zero_infinity)


# ---------------------------------------------------------------- attention


def _in_projection_packed(q, k, v, w, b=None):
    E = q.size(-1)
    if k is v:
        if q is k:
            return linear(q, w, b).chunk(3, dim=-1)
        w_q, w_kv = w.split([E, E * 2])
        b_q, b_kv = (None, None) if b is None else b.split([E, E * 2])
        return (linear(q, w_q, b_q),) + tuple(linear(k, w_kv, b_kv).chunk(2, dim=-1))
    w_q, w_k, w_v = w.chunk(3)
    b_q, b_k, b_v = (None, None, None) if b is None else b.chunk(3)
    return linear(q, w_q, b_q), linear(k, w_k, b_k), linear(v, w_v, b_v)


def _scaled_dot_product_attention(q, k, v, attn_mask=None, dropout_p=0.0):
    B, Nt, E = q.shape
    q = q / math.sqrt(E)
    if attn_mask is not None:
        attn = _C.baddbmm(attn_mask, q, k.transpose(-2, -1))
    else:
        attn = _C.bmm(q, k.transpose(-2, -1))
    attn = softmax(attn, dim=-1)
    if dropout_p > 0.0:
        attn = dropout(attn, p=dropout_p)
    return _C.bmm(attn, v), attn


def _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads):
    """True for batched (3-D) inputs; torch's rank checks and messages otherwise."""
    if query.dim() == 3:
        if key.dim() != 3 or value.dim() != 3:
            raise AssertionError("For batched (3-D) `query`, expected `key` and `value` to be 3-D but found "
                                 f"{key.dim()}-D and {value.dim()}-D tensors respectively")
        if key_padding_mask is not None and key_padding_mask.dim() != 2:
            raise AssertionError("For batched (3-D) `query`, expected `key_padding_mask` to be `None` or 2-D but "
                                 f"found {key_padding_mask.dim()}-D tensor instead")
        if attn_mask is not None and attn_mask.dim() not in (2, 3):
            raise AssertionError("For batched (3-D) `query`, expected `attn_mask` to be `None`, 2-D or 3-D but "
                                 f"found {attn_mask.dim()}-D tensor instead")
        return True
    if query.dim() == 2:
        if key.dim() != 2 or value.dim() != 2:
            raise AssertionError("For unbatched (2-D) `query`, expected `key` and `value` to be 2-D but found "
                                 f"{key.dim()}-D and {value.dim()}-D tensors respectively")
        if key_padding_mask is not None and key_padding_mask.dim() != 1:
            raise AssertionError("For unbatched (2-D) `query`, expected `key_padding_mask` to be `None` or 1-D but "
                                 f"found {key_padding_mask.dim()}-D tensor instead")
        if attn_mask is not None:
            if attn_mask.dim() not in (2, 3):
                raise AssertionError("For unbatched (2-D) `query`, expected `attn_mask` to be `None`, 2-D or 3-D but "
                                     f"found {attn_mask.dim()}-D tensor instead")
            expected = (num_heads, query.shape[0], key.shape[0])
            if attn_mask.dim() == 3 and tuple(attn_mask.shape) != expected:
                raise AssertionError(f"Expected `attn_mask` shape to be {expected} but got {attn_mask.shape}")
        return False
    raise AssertionError(f"query should be unbatched 2D or batched 3D tensor but received {query.dim()}-D query tensor")


def multi_head_attention_forward(query, key, value, embed_dim_to_check, num_heads, in_proj_weight, in_proj_bias,
                                 bias_k, bias_v, add_zero_attn, dropout_p, out_proj_weight, out_proj_bias,
                                 training=True, key_padding_mask=None, need_weights=True, attn_mask=None,
                                 use_separate_proj_weight=False, q_proj_weight=None, k_proj_weight=None,
                                 v_proj_weight=None, static_k=None, static_v=None, average_attn_weights=True):
    """Multi-head attention forward pass, as nn.MultiheadAttention computes it (linear, bmm, softmax).

    query (L, N, E), key and value (S, N, E), or unbatched (L, E) / (S, E). in_proj_weight (3E, E)
    packs the q, k, v projections (or use_separate_proj_weight with q/k/v_proj_weight).
    attn_mask: (L, S) or (N * num_heads, L, S), bool (True = masked) or additive float;
    key_padding_mask: (N, S). Returns (attn_output (L, N, E), weights (N, L, S) averaged over
    heads, or per head if average_attn_weights=False, or None if need_weights=False).
    """
    is_batched = _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads)
    if not is_batched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    tgt_len, bsz, embed_dim = query.shape
    src_len = key.shape[0]
    if key_padding_mask is not None and key_padding_mask.dtype != _C.bool \
            and not key_padding_mask.is_floating_point():
        raise AssertionError("only bool and floating types of key_padding_mask are supported")
    if embed_dim != embed_dim_to_check:
        raise AssertionError(f"was expecting embedding dimension of {embed_dim_to_check}, but got {embed_dim}")
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError(f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    if use_separate_proj_weight:
        if key.shape[:2] != value.shape[:2]:
            raise AssertionError(f"key's sequence and batch dims {key.shape[:2]} do not match value's "
                                 f"{value.shape[:2]}")
    elif key.shape != value.shape:
        raise AssertionError(f"key shape {key.shape} does not match value shape {value.shape}")
    if not use_separate_proj_weight:
        q, k, v = _in_projection_packed(query, key, value, in_proj_weight, in_proj_bias)
    else:
        b_q, b_k, b_v = (None, None, None) if in_proj_bias is None else in_proj_bias.chunk(3)
        eq, ek, ev = query.size(-1), key.size(-1), value.size(-1)
        for what, w, shape in (("query", q_proj_weight, (eq, eq)), ("key", k_proj_weight, (eq, ek)),
                               ("value", v_proj_weight, (eq, ev))):
            if tuple(w.shape) != shape:
                raise AssertionError(f"expecting {what} weights shape of {shape}, but got {w.shape}")
        q, k, v = linear(query, q_proj_weight, b_q), linear(key, k_proj_weight, b_k), linear(value, v_proj_weight, b_v)
    if attn_mask is not None:
        if attn_mask.dtype == _C.uint8:
            attn_mask = attn_mask.to(_C.bool)
        elif not (attn_mask.is_floating_point() or attn_mask.dtype == _C.bool):
            raise AssertionError(f"Only float, byte, and bool types are supported for attn_mask, not {attn_mask.dtype}")
        if attn_mask.dim() == 2:
            if tuple(attn_mask.shape) != (tgt_len, src_len):
                raise RuntimeError(f"The shape of the 2D attn_mask is {attn_mask.shape}, but should be "
                                   f"{(tgt_len, src_len)}.")
            attn_mask = attn_mask.unsqueeze(0)
        elif attn_mask.dim() == 3:
            if tuple(attn_mask.shape) != (bsz * num_heads, tgt_len, src_len):
                raise RuntimeError(f"The shape of the 3D attn_mask is {attn_mask.shape}, but should be "
                                   f"{(bsz * num_heads, tgt_len, src_len)}.")
        else:
            raise RuntimeError(f"attn_mask's dimension {attn_mask.dim()} is not supported")
    if key_padding_mask is not None and key_padding_mask.dtype == _C.uint8:
        key_padding_mask = key_padding_mask.to(_C.bool)
    if bias_k is not None and bias_v is not None:
        k = _C.cat([k, bias_k.repeat(1, bsz, 1)])
        v = _C.cat([v, bias_v.repeat(1, bsz, 1)])
        if attn_mask is not None:
            attn_mask = pad(attn_mask, (0, 1))
        if key_padding_mask is not None:
            key_padding_mask = pad(key_padding_mask, (0, 1))
    q = q.contiguous().view(tgt_len, bsz * num_heads, head_dim).transpose(0, 1)
    if static_k is None:
        k = k.contiguous().view(k.shape[0], bsz * num_heads, head_dim).transpose(0, 1)
    else:
        k = static_k
    if static_v is None:
        v = v.contiguous().view(v.shape[0], bsz * num_heads, head_dim).transpose(0, 1)
    else:
        v = static_v
    if add_zero_attn:
        zero_attn_shape = (bsz * num_heads, 1, head_dim)
        k = _C.cat([k, _C.zeros(zero_attn_shape, dtype=k.dtype)], dim=1)
        v = _C.cat([v, _C.zeros(zero_attn_shape, dtype=v.dtype)], dim=1)
        if attn_mask is not None:
            attn_mask = pad(attn_mask, (0, 1))
        if key_padding_mask is not None:
            key_padding_mask = pad(key_padding_mask, (0, 1))
    src_len = k.size(1)
    if key_padding_mask is not None:
        if tuple(key_padding_mask.shape) != (bsz, src_len):
            raise AssertionError(f"expecting key_padding_mask shape of {(bsz, src_len)}, but got "
                                 f"{key_padding_mask.shape}")
        key_padding_mask = key_padding_mask.view(bsz, 1, 1, src_len).expand(-1, num_heads, -1, -1).reshape(
            bsz * num_heads, 1, src_len)
        if attn_mask is None:
            attn_mask = key_padding_mask
        elif attn_mask.dtype == _C.bool and key_padding_mask.dtype == _C.bool:
            attn_mask = attn_mask.logical_or(key_padding_mask)
        elif key_padding_mask.dtype == _C.bool:
            attn_mask = attn_mask.masked_fill(key_padding_mask, float("-inf"))
        else:
            # a float padding mask is additive, like a float attn_mask
            if attn_mask.dtype == _C.bool:
                attn_mask = _C.zeros_like(attn_mask, dtype=key_padding_mask.dtype).masked_fill(
                    attn_mask, float("-inf"))
            attn_mask = attn_mask + key_padding_mask
    if attn_mask is not None and attn_mask.dtype == _C.bool:
        attn_mask = _C.zeros_like(attn_mask, dtype=q.dtype).masked_fill_(attn_mask, float("-inf"))
    if not training:
        dropout_p = 0.0
    attn_output, attn_weights = _scaled_dot_product_attention(q, k, v, attn_mask, dropout_p)
    attn_output = attn_output.transpose(0, 1).contiguous().view(tgt_len * bsz, embed_dim)
    attn_output = linear(attn_output, out_proj_weight, out_proj_bias)
    attn_output = attn_output.view(tgt_len, bsz, attn_output.size(1))
    if need_weights:
        attn_weights = attn_weights.view(bsz, num_heads, tgt_len, src_len)
        if average_attn_weights:
            attn_weights = attn_weights.sum(dim=1) / num_heads
        if not is_batched:
            attn_output = attn_output.squeeze(1)
            attn_weights = attn_weights.squeeze(0)
        return attn_output, attn_weights
    if not is_batched:
        attn_output = attn_output.squeeze(1)
    return attn_output, None


from ._sampling import affine_grid, grid_sample  # noqa: E402,F401


def conv_tbc(input, weight, bias, pad=0):
    """1-D convolution on a (time, batch, channels) input with a (kernel, in, out) weight."""
    if input.dim() != 3:
        raise RuntimeError(f"conv_tbc: Input must have 3 dims: time, batch, in_channel; got {list(input.shape)}")
    if weight.dim() != 3:
        raise RuntimeError(f"conv_tbc: Weight tensor must have 3 dims: kernel_width, in_channels, out_channels; "
                           f"got {list(weight.shape)}")
    if bias.dim() != 1:
        raise RuntimeError(f"conv_tbc: Bias must be 1-D; got {list(bias.shape)}")
    if input.size(2) != weight.size(1):
        raise RuntimeError(f"conv_tbc: Input dim 2 (input channels) is not == dim 1 in the weight tensor; input "
                           f"{list(input.shape)}, weight {list(weight.shape)}")
    if weight.size(2) != bias.size(0):
        raise RuntimeError(f"conv_tbc: Bias size must equal dim 2 in the weight tensor (output channels); weight "
                           f"{list(weight.shape)}, bias {list(bias.shape)}")
    out = conv1d(input.permute(1, 2, 0), weight.permute(2, 1, 0), bias, padding=pad)
    return out.permute(2, 0, 1)
