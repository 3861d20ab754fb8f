"""Activation modules: each wraps its nn.functional counterpart."""
from ... import _C
from .. import functional as F
from ..parameter import Parameter
from .module import Module


class _Inplace(Module):
    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class ReLU(_Inplace):
    """Elementwise max(0, x).

    inplace=True overwrites the input. Input of any shape; output has the same shape.
    """

    def forward(self, input):
        return F.relu(input, inplace=self.inplace)


class ReLU6(_Inplace):
    """Elementwise min(max(0, x), 6).

    inplace=True overwrites the input. Input of any shape; output has the same shape.
    """

    def forward(self, input):
        return F.relu6(input, inplace=self.inplace)


class SELU(_Inplace):
    """Scaled exponential linear unit (the self-normalising constants of SELU), elementwise.

    inplace=True overwrites the input. Input of any shape; output has the same shape.
    """

    def forward(self, input):
        return F.selu(input, self.inplace)


class SiLU(_Inplace):
    """Elementwise x * sigmoid(x) (swish).

    inplace=True overwrites the input. Input of any shape; output has the same shape.
    """

    def forward(self, input):
        return F.silu(input, inplace=self.inplace)


class Mish(_Inplace):
    """Elementwise x * tanh(softplus(x)).

    inplace=True overwrites the input. Input of any shape; output has the same shape.
    """

    def forward(self, input):
        return F.mish(input, inplace=self.inplace)


class Hardswish(_Inplace):
    """Elementwise x * hardsigmoid(x).

    inplace=True overwrites the input. Input of any shape; output has the same shape.
    """

    def forward(self, input):
        return F.hardswish(input, self.inplace)


class Hardsigmoid(_Inplace):
    """Piecewise-linear sigmoid: clamp(x / 6 + 1/2, 0, 1), elementwise.

    inplace=True overwrites the input. Input of any shape; output has the same shape.
    """

    def forward(self, input):
        return F.hardsigmoid(input, self.inplace)


class ELU(Module):
    """Elementwise x for x > 0, alpha * (exp(x) - 1) otherwise (alpha defaults to 1.0).

    inplace=True overwrites the input. Input of any shape; output has the same shape.
    """

    def __init__(self, alpha=1.0, inplace=False):
        super().__init__()
        self.alpha = alpha
        self.inplace = inplace

    def forward(self, input):
        return F.elu(input, self.alpha, self.inplace)

    def extra_repr(self):
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class CELU(ELU):
    """Elementwise max(0, x) + min(0, alpha * (exp(x / alpha) - 1)) (alpha defaults to 1.0).

    inplace=True overwrites the input. Input of any shape; output has the same shape.
    """

    def forward(self, input):
        return F.celu(input, self.alpha, self.inplace)


class LeakyReLU(Module):
    """Elementwise x for x >= 0, negative_slope * x otherwise (negative_slope defaults to 0.01).

    inplace=True overwrites the input. Input of any shape; output has the same shape.
    """

    def __init__(self, negative_slope=0.01, inplace=False):
        super().__init__()
        self.negative_slope = negative_slope
        self.inplace = inplace

    def forward(self, input):
        return F.leaky_relu(input, self.negative_slope, self.inplace)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class PReLU(Module):
    """Leaky ReLU with a learnable negative slope: x for x >= 0, weight * x otherwise.

    num_parameters: 1 (one slope shared by all channels, the default) or C (one per channel,
    input's dim 1). init: initial slope, 0.25.
    """

    def __init__(self, num_parameters=1, init=0.25, device=None, dtype=None):
        super().__init__()
        self.num_parameters = num_parameters
        self.init = init
        self.weight = Parameter(_C.full((num_parameters,), init, dtype=dtype or _C.get_default_dtype()))

    def reset_parameters(self):
        with _C._no_grad():
            self.weight.fill_(self.init)

    def forward(self, input):
        return F.prelu(input, self.weight)

    def extra_repr(self):
        return f"num_parameters={self.num_parameters}"


class RReLU(Module):
    """Randomized leaky ReLU: in training the negative slope is drawn from U(lower, upper) per element.

    In eval() the slope is (lower + upper) / 2. Defaults: lower=1/8, upper=1/3, inplace=False.
    """

    def __init__(self, lower=1.0 / 8, upper=1.0 / 3, inplace=False):
        super().__init__()
        self.lower, self.upper, self.inplace = lower, upper, inplace

    def forward(self, input):
        return F.rrelu(input, self.lower, self.upper, self.training, self.inplace)

    def extra_repr(self):
        return f"lower={self.lower}, upper={self.upper}" + (", inplace=True" if self.inplace else "")


class GELU(Module):
    """Gaussian error linear unit x * Phi(x), elementwise.

    approximate: 'none' (exact, default) or 'tanh'. Input of any shape; output has the same shape.
    """

    def __init__(self, approximate="none"):
        super().__init__()
        self.approximate = approximate

    def forward(self, input):
        return F.gelu(input, approximate=self.approximate)

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


class Sigmoid(Module):
    """Elementwise logistic sigmoid 1 / (1 + exp(-x)).

    Input of any shape; output has the same shape.
    """

    def forward(self, input):
        return _C.sigmoid(input)


class Tanh(Module):
    """Elementwise hyperbolic tangent.

    Input of any shape; output has the same shape.
    """

    def forward(self, input):
        return _C.tanh(input)


class Hardtanh(Module):
    """Clamps the input to [min_val, max_val] (defaults -1.0 and 1.0).

    min_value/max_value are deprecated spellings (they warn). inplace=True overwrites the input. Input of any shape;
    output has the same shape.
    """

    def __init__(self, min_val=-1.0, max_val=1.0, inplace=False, min_value=None, max_value=None):
        super().__init__()
        import warnings
        if min_value is not None:
            warnings.warn("keyword argument min_value is deprecated and rename to min_val")
            min_val = min_value
        if max_value is not None:
            warnings.warn("keyword argument max_value is deprecated and rename to max_val")
            max_val = max_value
        self.min_val, self.max_val, self.inplace = min_val, max_val, inplace
        if max_val <= min_val:
            raise AssertionError("max_val must be greater than min_val")

    def forward(self, input):
        return F.hardtanh(input, self.min_val, self.max_val, self.inplace)

    def extra_repr(self):
        return f"min_val={self.min_val}, max_val={self.max_val}" + (", inplace=True" if self.inplace else "")


class Softplus(Module):
    """Elementwise log(1 + exp(beta * x)) / beta; linear where beta * x > threshold.

    Defaults: beta=1, threshold=20. Input of any shape; output has the same shape.
    """

    def __init__(self, beta=1, threshold=20):
        super().__init__()
        self.beta, self.threshold = beta, threshold

    def forward(self, input):
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self):
        return f"beta={self.beta}, threshold={self.threshold}"


class Softsign(Module):
    """Elementwise x / (1 + |x|).

    Input of any shape; output has the same shape.
    """

    def forward(self, input):
        return F.softsign(input)


class Tanhshrink(Module):
    """Elementwise x - tanh(x).

    Input of any shape; output has the same shape.
    """

    def forward(self, input):
        return F.tanhshrink(input)


class Hardshrink(Module):
    """Keeps x where |x| > lambd and zeroes the rest (lambd defaults to 0.5).

    Input of any shape; output has the same shape.
    """

    def __init__(self, lambd=0.5):
        super().__init__()
        self.lambd = lambd

    def forward(self, input):
        return F.hardshrink(input, self.lambd)

    def extra_repr(self):
        return f"{self.lambd}"


class Softshrink(Hardshrink):
    """Shrinks x towards 0 by lambd, zeroing |x| <= lambd (lambd defaults to 0.5).

    Input of any shape; output has the same shape.
    """

    def forward(self, input):
        return F.softshrink(input, self.lambd)


class LogSigmoid(Module):
    """Elementwise log(sigmoid(x)), stable for large |x|.

    Input of any shape; output has the same shape.
    """

    def forward(self, input):
        return F.logsigmoid(input)


class Threshold(Module):
    """Replaces elements <= threshold by value: Threshold(threshold, value, inplace=False).

    Input of any shape; output has the same shape.
    """

    def __init__(self, threshold, value, inplace=False):
        super().__init__()
        self.threshold, self.value, self.inplace = threshold, value, inplace

    def forward(self, input):
        return F.threshold(input, self.threshold, self.value, self.inplace)

    def extra_repr(self):
        return f"threshold={self.threshold}, value={self.value}" + (", inplace=True" if self.inplace else "")


class GLU(Module):
    """Gated linear unit: splits the input in halves a, b along dim and returns a * sigmoid(b).

    dim defaults to -1; its size must be even and is halved in the output.
    """

    def __init__(self, dim=-1):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.glu(input, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class _DimModule(Module):
    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def __setstate__(self, state):
        super().__setstate__(state)
        if not hasattr(self, "dim"):
            self.dim = None

    def extra_repr(self):
        return f"dim={self.dim}"


class Softmax(_DimModule):
    """Softmax along dim; slices along dim sum to 1.

    dim=None picks a dimension as torch does, with a deprecation warning; pass dim.
    """

    def forward(self, input):
        return F.softmax(input, self.dim, _stacklevel=5)


class Softmin(_DimModule):
    """Softmax of the negated input along dim.

    dim=None picks a dimension with a deprecation warning.
    """

    def forward(self, input):
        return F.softmin(input, self.dim, _stacklevel=5)


class LogSoftmax(_DimModule):
    """Log of the softmax along dim, computed stably.

    dim=None picks a dimension with a deprecation warning.
    """

    def forward(self, input):
        return F.log_softmax(input, self.dim, _stacklevel=5)


class Softmax2d(Module):
    """Softmax over the channels at each spatial location of (N, C, H, W) or (C, H, W) input."""

    def forward(self, input):
        if input.dim() not in (3, 4):
            raise ValueError(f"Softmax2d: expected input to be 3D or 4D, got {input.dim()}D instead")
        return F.softmax(input, -3, _stacklevel=5)


class MultiheadAttention(Module):
    """Multi-head attention (torch.nn.MultiheadAttention), built from linear/bmm/softmax."""

    def __init__(self, embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False, add_zero_attn=False,
                 kdim=None, vdim=None, batch_first=False, device=None, dtype=None):
        super().__init__()
        from .. import init
        from .linear import NonDynamicallyQuantizableLinear
        dtype = dtype or _C.get_default_dtype()
        self.embed_dim = embed_dim
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.num_heads = num_heads
        self.dropout = dropout
        self.batch_first = batch_first
        self.head_dim = embed_dim // num_heads
        if self.head_dim * num_heads != self.embed_dim:
            raise AssertionError("embed_dim must be divisible by num_heads")
        if not self._qkv_same_embed_dim:
            self.q_proj_weight = Parameter(_C.empty((embed_dim, embed_dim), dtype=dtype))
            self.k_proj_weight = Parameter(_C.empty((embed_dim, self.kdim), dtype=dtype))
            self.v_proj_weight = Parameter(_C.empty((embed_dim, self.vdim), dtype=dtype))
            self.register_parameter("in_proj_weight", None)
        else:
            self.in_proj_weight = Parameter(_C.empty((3 * embed_dim, embed_dim), dtype=dtype))
            self.register_parameter("q_proj_weight", None)
            self.register_parameter("k_proj_weight", None)
            self.register_parameter("v_proj_weight", None)
        if bias:
            self.in_proj_bias = Parameter(_C.empty(3 * embed_dim, dtype=dtype))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = NonDynamicallyQuantizableLinear(embed_dim, embed_dim, bias=bias, dtype=dtype)
        if add_bias_kv:
            self.bias_k = Parameter(_C.empty((1, 1, embed_dim), dtype=dtype))
            self.bias_v = Parameter(_C.empty((1, 1, embed_dim), dtype=dtype))
        else:
            self.bias_k = self.bias_v = None
        self.add_zero_attn = add_zero_attn
        self._reset_parameters()

    def _reset_parameters(self):
        from .. import init  # imported here, not stored: a module attribute would break deepcopy
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            init.xavier_uniform_(self.q_proj_weight)
            init.xavier_uniform_(self.k_proj_weight)
            init.xavier_uniform_(self.v_proj_weight)
        if self.in_proj_bias is not None:
            init.constant_(self.in_proj_bias, 0.0)
            init.constant_(self.out_proj.bias, 0.0)
        if self.bias_k is not None:
            init.xavier_normal_(self.bias_k)
        if self.bias_v is not None:
            init.xavier_normal_(self.bias_v)

    def forward(self, query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
                average_attn_weights=True):
        is_batched = query.dim() == 3
        if self.batch_first and is_batched:
            query, key, value = (x.transpose(1, 0) for x in (query, key, value))
        common = dict(training=self.training, key_padding_mask=key_padding_mask, need_weights=need_weights,
                      attn_mask=attn_mask, average_attn_weights=average_attn_weights)
        if not self._qkv_same_embed_dim:
            out, w = F.multi_head_attention_forward(
                query, key, value, self.embed_dim, self.num_heads, self.in_proj_weight, self.in_proj_bias,
                self.bias_k, self.bias_v, self.add_zero_attn, self.dropout, self.out_proj.weight, self.out_proj.bias,
                use_separate_proj_weight=True, q_proj_weight=self.q_proj_weight, k_proj_weight=self.k_proj_weight,
                v_proj_weight=self.v_proj_weight, **common)
        else:
            out, w = F.multi_head_attention_forward(
                query, key, value, self.embed_dim, self.num_heads, self.in_proj_weight, self.in_proj_bias,
                self.bias_k, self.bias_v, self.add_zero_attn, self.dropout, self.out_proj.weight, self.out_proj.bias,
                **common)
        if self.batch_first and is_batched:
            return out.transpose(1, 0), w
        return out, w
