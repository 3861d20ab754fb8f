"""Gradients of convolutions with respect to their input or weight (torch.nn.grad), from the
convolution's own derivative: the same numbers autograd gives, as a function."""
from .. import _C
from ..autograd import grad as _grad
from ..autograd.grad_mode import enable_grad as _enable_grad
from . import functional as F

__all__ = ["conv1d_input", "conv1d_weight", "conv2d_input", "conv2d_weight", "conv3d_input", "conv3d_weight"]


def _conv_input(conv, input_size, weight, grad_output, stride, padding, dilation, groups):
    x = _C.zeros(tuple(input_size), dtype=grad_output.dtype, requires_grad=True)
    with _enable_grad():
        out = conv(x, weight, None, stride, padding, dilation, groups)
    if tuple(out.shape) != tuple(grad_output.shape):
        raise ValueError(f"grad_output of shape {list(grad_output.shape)} does not match the convolution's output "
                         f"{list(out.shape)} for an input of size {list(input_size)}")
    # the convolution is linear in x: its vector-Jacobian product stays differentiable in weight and grad_output
    return _grad(out, x, grad_output, create_graph=weight.requires_grad or grad_output.requires_grad)[0]


def _conv_weight(conv, input, weight_size, grad_output, stride, padding, dilation, groups):
    w = _C.zeros(tuple(weight_size), dtype=grad_output.dtype, requires_grad=True)
    with _enable_grad():
        out = conv(input, w, None, stride, padding, dilation, groups)
    if tuple(out.shape) != tuple(grad_output.shape):
        raise ValueError(f"grad_output of shape {list(grad_output.shape)} does not match the convolution's output "
                         f"{list(out.shape)} for a weight of size {list(weight_size)}")
    return _grad(out, w, grad_output, create_graph=input.requires_grad or grad_output.requires_grad)[0]


def conv1d_input(input_size, weight, grad_output, stride=1, padding=0, dilation=1, groups=1):
    return _conv_input(F.conv1d, input_size, weight, grad_output, stride, padding, dilation, groups)


def conv1d_weight(input, weight_size, grad_output, stride=1, padding=0, dilation=1, groups=1):
    return _conv_weight(F.conv1d, input, weight_size, grad_output, stride, padding, dilation, groups)


def conv2d_input(input_size, weight, grad_output, stride=1, padding=0, dilation=1, groups=1):
    return _conv_input(F.conv2d, input_size, weight, grad_output, stride, padding, dilation, groups)


def conv2d_weight(input, weight_size, grad_output, stride=1, padding=0, dilation=1, groups=1):
    return _conv_weight(F.conv2d, input, weight_size, grad_output, stride, padding, dilation, groups)


def conv3d_input(input_size, weight, grad_output, stride=1, padding=0, dilation=1, groups=1):
    return _conv_input(F.conv3d, input_size, weight, grad_output, stride, padding, dilation, groups)


def conv3d_weight(input, weight_size, grad_output, stride=1, padding=0, dilation=1, groups=1):
    return _conv_weight(F.conv3d, input, weight_size, grad_output, stride, padding, dilation, groups)
