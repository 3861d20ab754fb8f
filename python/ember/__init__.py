"""ember: a deep-learning framework in the shape of PyTorch.

`import ember as torch` runs PyTorch code: tensors with autograd, nn, optim,
data loading, a tracing JIT and ONNX export, on a C++20 core.
"""
from . import _C
from ._C import (  # noqa: F401
    dtype, device, float32, float64, float16, bfloat16, int8, int16, int32, int64, uint8,
    get_default_dtype, set_default_dtype, promote_types, can_cast, result_type,
    set_num_threads, get_num_threads, set_num_interop_threads, get_num_interop_threads,
)

# The C++ types carry no class docstring; give help() a summary (kept if the binding ever adds one).
for _cls, _doc in (
    (dtype, "A tensor element type (ember.float32, ember.int64, ember.bool, ...); no complex dtypes.\n\n"
            "Properties: is_floating_point, is_signed, is_complex, itemsize."),
    (device, "Where a tensor lives: ember.device('cpu') or ember.device('cpu', 0).\n\n"
             "Other device types parse, but ember computes on the CPU only."),
    (_C.Generator, "A pseudo-random number generator with its own state, passed as generator= to random ops.\n\n"
                   "Methods: manual_seed(seed), seed(), initial_seed(), get_state(), set_state(state)."),
):
    if not _cls.__doc__:
        _cls.__doc__ = _doc
del _cls, _doc

from ._size import Size
from ._tensor import Tensor
from ._tensor_str import set_printoptions
from ._ops import *  # noqa: F401,F403
from ._ops import __all__ as _ops_all
from .autograd import no_grad, enable_grad, set_grad_enabled, inference_mode, is_inference_mode_enabled  # noqa: F401
from . import linalg  # noqa: F401  (torch.linalg)
from . import return_types  # noqa: F401  (torch.return_types)

# dtype aliases as in torch
float = float32
double = float64
half = float16
long = int64
int = int32
short = int16
bool = _C.bool
cfloat = None  # complex dtypes are not supported
uint8 = uint8

from . import random  # noqa: E402,F401


class layout:
    """How a tensor's elements are laid out in memory; ember has only ember.strided (dense)."""

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return "ember." + self.name


strided = layout("strided")


class memory_format:
    """A memory-format tag (ember.contiguous_format, preserve_format, channels_last), accepted where torch takes one."""

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return "ember." + self.name


contiguous_format = memory_format("contiguous_format")
preserve_format = memory_format("preserve_format")
channels_last = memory_format("channels_last")

from . import nn, optim, utils, jit  # noqa: E402,F401
from . import onnx  # noqa: E402,F401
from .serialization import save, load  # noqa: E402,F401
from . import safetensors  # noqa: E402,F401  (ember.safetensors.save_file / load_file)

__version__ = "0.1.0"
