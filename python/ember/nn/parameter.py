"""nn.Parameter: a Tensor that a Module registers as a learnable parameter."""
from collections import OrderedDict

from .. import _C
from .._tensor import Tensor


class Parameter(Tensor):
    """A tensor that is a module parameter: assigning it as a Module attribute registers it,
    and it requires grad by default. ``Parameter(data)`` shares data with ``data``."""

    _is_param = True

    def __new__(cls, data=None, requires_grad=True):
        if data is None:
            data = _C.empty(0)
        return _C._make_subclass(cls, data, requires_grad)

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        result = type(self)(self.data.clone(), self.requires_grad)
        memo[id(self)] = result
        return result

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    def __reduce_ex__(self, proto):
        return (_rebuild_parameter, (self.detach(), self.requires_grad, OrderedDict()))


def _rebuild_parameter(data, requires_grad, backward_hooks):
    return Parameter(data, requires_grad)


class UninitializedParameter(Parameter):
    def __new__(cls, *args, **kwargs):
        raise NotImplementedError("lazy modules (UninitializedParameter) are not supported yet")
