"""Normalization layers: BatchNorm, InstanceNorm, LayerNorm, GroupNorm, LocalResponseNorm."""
from ... import _C
from .. import functional as F
from .. import init
from ..parameter import Parameter
from ...autograd.function import Function as _Function
from .module import Module


class _NormBase(Module):
    _version = 2

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True, device=None,
                 dtype=None):
        super().__init__()
        dtype = dtype or _C.get_default_dtype()
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        if affine:
            self.weight = Parameter(_C.empty(num_features, dtype=dtype))
            self.bias = Parameter(_C.empty(num_features, dtype=dtype))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", _C.zeros(num_features, dtype=dtype))
            self.register_buffer("running_var", _C.ones(num_features, dtype=dtype))
            self.register_buffer("num_batches_tracked", _C.tensor(0, dtype=_C.int64))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        self.reset_parameters()

    def reset_running_stats(self):
        if self.track_running_stats:
            self.running_mean.zero_()
            self.running_var.fill_(1)
            self.num_batches_tracked.zero_()

    def reset_parameters(self):
        self.reset_running_stats()
        if self.affine:
            init.ones_(self.weight)
            init.zeros_(self.bias)

    def _check_input_dim(self, input):
        raise NotImplementedError

    def extra_repr(self):
        return ("{num_features}, eps={eps}, momentum={momentum}, affine={affine}, "
                "track_running_stats={track_running_stats}".format(**self.__dict__))

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                              error_msgs):
        version = local_metadata.get("version", None)
        if (version is None or version < 2) and self.track_running_stats:
            key = prefix + "num_batches_tracked"
            if key not in state_dict:
                state_dict[key] = _C.tensor(0, dtype=_C.int64)
        super()._load_from_state_dict(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                                      error_msgs)


class _BatchNorm(_NormBase):
    def forward(self, input):
        self._check_input_dim(input)
        exponential_average_factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats and self.num_batches_tracked is not None:
            self.num_batches_tracked.add_(1)
            if self.momentum is None:
                exponential_average_factor = 1.0 / float(self.num_batches_tracked)
            else:
                exponential_average_factor = self.momentum
        bn_training = self.training or (self.running_mean is None and self.running_var is None)
        return F.batch_norm(
            input,
            self.running_mean if not self.training or self.track_running_stats else None,
            self.running_var if not self.training or self.track_running_stats else None,
            self.weight, self.bias, bn_training, exponential_average_factor, self.eps)


class BatchNorm1d(_BatchNorm):
    """Batch normalisation over the channel dim of (N, C) or (N, C, L), with learnable affine and running stats.

    num_features: C. Defaults: eps=1e-5, momentum=0.1 (None: cumulative average), affine=True,
    track_running_stats=True. Training uses batch statistics and updates running_mean/var;
    eval() uses the running statistics.
    """

    def _check_input_dim(self, input):
        if input.dim() != 2 and input.dim() != 3:
            raise ValueError(f"expected 2D or 3D input (got {input.dim()}D input)")


class BatchNorm2d(_BatchNorm):
    """Batch normalisation over the channel dim of (N, C, H, W), with learnable affine and running stats.

    num_features: C. Defaults: eps=1e-5, momentum=0.1 (None: cumulative average), affine=True,
    track_running_stats=True. Training uses batch statistics and updates running_mean/var;
    eval() uses the running statistics.
    """

    def _check_input_dim(self, input):
        if input.dim() != 4:
            raise ValueError(f"expected 4D input (got {input.dim()}D input)")


class BatchNorm3d(_BatchNorm):
    """Batch normalisation over the channel dim of (N, C, D, H, W), with learnable affine and running stats.

    num_features: C. Defaults: eps=1e-5, momentum=0.1 (None: cumulative average), affine=True,
    track_running_stats=True. Training uses batch statistics and updates running_mean/var;
    eval() uses the running statistics.
    """

    def _check_input_dim(self, input):
        if input.dim() != 5:
            raise ValueError(f"expected 5D input (got {input.dim()}D input)")


class _InstanceNorm(_NormBase):
    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=False, track_running_stats=False, device=None,
                 dtype=None):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype)

    def _get_no_batch_dim(self):
        raise NotImplementedError

    def forward(self, input):
        self._check_input_dim(input)
        feature_dim = input.dim() - self._get_no_batch_dim()
        if input.size(feature_dim) != self.num_features:
            if self.affine:  # torch 1.13 fails here in the kernel, with a RuntimeError
                raise RuntimeError(f"{type(self).__name__}: expected input's size at dim={feature_dim} to match "
                                   f"num_features ({self.num_features}), but got: {input.size(feature_dim)} "
                                   f"(input of shape {list(input.shape)})")
        if input.dim() == self._get_no_batch_dim():
            return F.instance_norm(input.unsqueeze(0), self.running_mean, self.running_var, self.weight, self.bias,
                                   self.training or not self.track_running_stats, self.momentum, self.eps).squeeze(0)
        return F.instance_norm(input, self.running_mean, self.running_var, self.weight, self.bias,
                               self.training or not self.track_running_stats, self.momentum, self.eps)


class InstanceNorm1d(_InstanceNorm):
    """Instance normalisation: each (sample, channel) of (N, C, L) normalised over its own spatial dims.

    Also accepts unbatched (C, L). num_features: C. Defaults: eps=1e-5, momentum=0.1,
    affine=False, track_running_stats=False (unlike BatchNorm1d).
    """

    def _get_no_batch_dim(self):
        return 2

    def _check_input_dim(self, input):
        if input.dim() not in (2, 3):
            raise ValueError(f"expected 2D or 3D input (got {input.dim()}D input)")


class InstanceNorm2d(_InstanceNorm):
    """Instance normalisation: each (sample, channel) of (N, C, H, W) normalised over its own spatial dims.

    Also accepts unbatched (C, H, W). num_features: C. Defaults: eps=1e-5, momentum=0.1,
    affine=False, track_running_stats=False (unlike BatchNorm2d).
    """

    def _get_no_batch_dim(self):
        return 3

    def _check_input_dim(self, input):
        if input.dim() not in (3, 4):
            raise ValueError(f"expected 3D or 4D input (got {input.dim()}D input)")


class InstanceNorm3d(_InstanceNorm):
    """Instance normalisation: each (sample, channel) of (N, C, D, H, W) normalised over its own spatial dims.

    Also accepts unbatched (C, D, H, W). num_features: C. Defaults: eps=1e-5, momentum=0.1,
    affine=False, track_running_stats=False (unlike BatchNorm3d).
    """

    def _get_no_batch_dim(self):
        return 4

    def _check_input_dim(self, input):
        if input.dim() not in (4, 5):
            raise ValueError(f"expected 4D or 5D input (got {input.dim()}D input)")


class LayerNorm(Module):
    """Layer normalisation over the trailing dims given by normalized_shape (an int or a shape).

    Defaults: eps=1e-5, elementwise_affine=True (weight ones and bias zeros of that shape).
    """

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, device=None, dtype=None):
        super().__init__()
        if isinstance(normalized_shape, int):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        dtype = dtype or _C.get_default_dtype()
        if elementwise_affine:
            self.weight = Parameter(_C.empty(self.normalized_shape, dtype=dtype))
            self.bias = Parameter(_C.empty(self.normalized_shape, dtype=dtype))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        if self.elementwise_affine:
            init.ones_(self.weight)
            init.zeros_(self.bias)

    def forward(self, input):
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return "{normalized_shape}, eps={eps}, elementwise_affine={elementwise_affine}".format(**self.__dict__)


class GroupNorm(Module):
    """Group normalisation: the C channels of (N, C, *) split into num_groups groups, each normalised.

    GroupNorm(num_groups, num_channels, eps=1e-5, affine=True); num_channels % num_groups == 0.
    """

    def __init__(self, num_groups, num_channels, eps=1e-5, affine=True, device=None, dtype=None):
        super().__init__()
        if num_channels % num_groups != 0:
            raise ValueError("num_channels must be divisible by num_groups")
        self.num_groups = num_groups
        self.num_channels = num_channels
        self.eps = eps
        self.affine = affine
        dtype = dtype or _C.get_default_dtype()
        if affine:
            self.weight = Parameter(_C.empty(num_channels, dtype=dtype))
            self.bias = Parameter(_C.empty(num_channels, dtype=dtype))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        if self.affine:
            init.ones_(self.weight)
            init.zeros_(self.bias)

    def forward(self, input):
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return "{num_groups}, {num_channels}, eps={eps}, affine={affine}".format(**self.__dict__)


class LocalResponseNorm(Module):
    """Local response normalisation across neighbouring channels of (N, C, *) input.

    LocalResponseNorm(size, alpha=1e-4, beta=0.75, k=1.0): x / (k + alpha / size * sum of squares
    over size channels) ** beta.
    """

    def __init__(self, size, alpha=1e-4, beta=0.75, k=1.0):
        super().__init__()
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, input):
        return F.local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self):
        return "{size}, alpha={alpha}, beta={beta}, k={k}".format(**self.__dict__)


def _cross_map_scale(input, size, alpha, k):
    """torch's legacy running channel window, replayed: channel 0 sums the first pre_pad squares, then
    each channel adds the square pre_pad - 1 ahead and (past pre_pad) drops the one pre_pad behind.
    The replay gives each channel's 0/1 weights over all channels (a quirk: channel 0 is never dropped)."""
    c_total = input.size(1)
    pre_pad = int((size - 1) / 2 + 1)
    rows = []
    cur = [0.0] * c_total
    for j in range(min(pre_pad, c_total)):
        cur[j] += 1.0
    rows.append(list(cur))
    for c in range(1, c_total):
        if c < c_total - pre_pad + 1:
            cur[c + pre_pad - 1] += 1.0
        if c > pre_pad:
            cur[c - pre_pad] -= 1.0
        rows.append(list(cur))
    weights = _C.tensor(rows, dtype=input.dtype)                     # (C, C)
    sq = (input * input).movedim(1, -1)                             # (N, H, W, C)
    return _C.matmul(sq, weights.t()).movedim(-1, 1) * (alpha / size) + k


class _CrossMapLRN2dFunction(_Function):
    """torch.nn.CrossMapLRN2d's forward and hand-written backward, ported as they are."""

    @staticmethod
    def forward(ctx, input, size, alpha=1e-4, beta=0.75, k=1):
        if input.dim() != 4:
            raise AssertionError("CrossMapLRN2d expects a 4-D input")
        ctx.size, ctx.alpha, ctx.beta, ctx.k = size, alpha, beta, k
        scale = _cross_map_scale(input, size, alpha, k)
        output = scale.pow(-beta) * input
        ctx.save_for_backward(input, output, scale)
        return output

    @staticmethod
    def backward(ctx, grad_output):
        input, output, scale = ctx.saved_tensors
        size = ctx.size
        c_total = input.size(1)
        cache_ratio = 2 * ctx.alpha * ctx.beta / size
        inverse_pre_pad = int(size - (size - 1) / 2)
        ratio = grad_output * output / scale
        n, _, h, w = input.shape
        if size - 1 - inverse_pre_pad < 0:
            raise RuntimeError(f"CrossMapLRN2d: the backward of size {size} is not defined (torch fails on it too)")
        padded = _C.cat([_C.zeros((n, inverse_pre_pad, h, w), dtype=input.dtype), ratio,
                         _C.zeros((n, size - 1 - inverse_pre_pad, h, w), dtype=input.dtype)], 1)
        # torch slides a window of `size` channels over the padded ratios
        csum = _C.cat([_C.zeros_like(padded[:, :1]), padded.cumsum(1)], 1)
        accum = _C.stack([csum[:, c + size] - csum[:, c] for c in range(c_total)], 1)
        grad_input = scale.pow(-ctx.beta) * grad_output - cache_ratio * input * accum
        return grad_input, None, None, None, None


class CrossMapLRN2d(Module):
    """Legacy local response normalisation across channels (torch.nn.CrossMapLRN2d), with torch's
    window and hand-written gradient."""

    def __init__(self, size, alpha=1e-4, beta=0.75, k=1):
        super().__init__()
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, input):
        return _CrossMapLRN2dFunction.apply(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self):
        return "{size}, alpha={alpha}, beta={beta}, k={k}".format(**self.__dict__)


class SyncBatchNorm(_BatchNorm):
    """Batch norm synchronised across processes. It needs GPU inputs, as in torch: on a CPU-only build
    the module exists (for convert_sync_batchnorm and checkpoints) but forward raises."""

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True,
                 process_group=None, device=None, dtype=None):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype)
        self.process_group = process_group

    def _check_input_dim(self, input):
        if input.dim() < 2:
            raise ValueError(f"expected at least 2D input (got {input.dim()}D input)")

    def forward(self, input):
        raise ValueError("SyncBatchNorm expected input tensor to be on GPU")

    @classmethod
    def convert_sync_batchnorm(cls, module, process_group=None):
        """A copy of the module tree with every BatchNorm replaced by a SyncBatchNorm sharing its state."""
        module_output = module
        if isinstance(module, _BatchNorm):
            module_output = SyncBatchNorm(module.num_features, module.eps, module.momentum, module.affine,
                                          module.track_running_stats, process_group)
            if module.affine:
                module_output.weight = module.weight
                module_output.bias = module.bias
            module_output.running_mean = module.running_mean
            module_output.running_var = module.running_var
            module_output.num_batches_tracked = module.num_batches_tracked
            if hasattr(module, "qconfig"):
                module_output.qconfig = module.qconfig
        for name, child in module.named_children():
            module_output.add_module(name, cls.convert_sync_batchnorm(child, process_group))
        return module_output
