"""Fold an eval-mode BatchNorm into the preceding convolution or linear layer."""
import copy

from ... import _C
from ..parameter import Parameter


def fuse_conv_bn_eval(conv, bn, transpose=False):
    """Returns a copy of an eval-mode conv with the following eval-mode BatchNorm folded into it.

    transpose=True for ConvTranspose layers. Raises AssertionError if either module is training.
    """
    if conv.training or bn.training:
        raise AssertionError("Fusion only for eval!")
    fused = copy.deepcopy(conv)
    fused.weight, fused.bias = fuse_conv_bn_weights(fused.weight, fused.bias, bn.running_mean, bn.running_var,
                                                    bn.eps, bn.weight, bn.bias, transpose)
    return fused


def fuse_conv_bn_weights(conv_w, conv_b, bn_rm, bn_rv, bn_eps, bn_w, bn_b, transpose=False):
    """Folds BatchNorm statistics and affine terms into conv weight and bias; returns two Parameters.

    Arguments: conv_w, conv_b (or None), bn_rm, bn_rv, bn_eps, bn_w, bn_b (None means identity),
    transpose=False (True for ConvTranspose weights, whose output channels are dim 1).
    """
    if conv_b is None:
        conv_b = _C.zeros_like(bn_rm)
    if bn_w is None:
        bn_w = _C.ones_like(bn_rm)
    if bn_b is None:
        bn_b = _C.zeros_like(bn_rm)
    bn_var_rsqrt = _C.rsqrt(bn_rv + bn_eps)
    shape = ([1, -1] if transpose else [-1, 1]) + [1] * (conv_w.dim() - 2)
    fused_w = conv_w * (bn_w * bn_var_rsqrt).reshape(shape)
    fused_b = (conv_b - bn_rm) * bn_var_rsqrt * bn_w + bn_b
    return Parameter(fused_w.detach(), conv_w.requires_grad), Parameter(fused_b.detach(), conv_b.requires_grad)


def fuse_linear_bn_eval(linear, bn):
    """Returns a copy of an eval-mode Linear with the following eval-mode BatchNorm1d folded into it.

    Raises AssertionError if either module is training.
    """
    if linear.training or bn.training:
        raise AssertionError("Fusion only for eval!")
    fused = copy.deepcopy(linear)
    fused.weight, fused.bias = fuse_linear_bn_weights(fused.weight, fused.bias, bn.running_mean, bn.running_var,
                                                      bn.eps, bn.weight, bn.bias)
    return fused


def fuse_linear_bn_weights(linear_w, linear_b, bn_rm, bn_rv, bn_eps, bn_w, bn_b):
    """Folds BatchNorm statistics and affine terms into linear weight and bias; returns two Parameters.

    Arguments: linear_w, linear_b (or None), bn_rm, bn_rv, bn_eps, bn_w, bn_b.
    """
    if linear_b is None:
        linear_b = _C.zeros_like(bn_rm)
    bn_scale = bn_w * _C.rsqrt(bn_rv + bn_eps)
    fused_w = linear_w * bn_scale.unsqueeze(-1)
    fused_b = (linear_b - bn_rm) * bn_scale + bn_b
    return Parameter(fused_w.detach()), Parameter(fused_b.detach())
