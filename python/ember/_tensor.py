"""ember.Tensor: the Python face of the C++ tensor. Almost every method is bound
in C++ on _C._TensorBase; this class adds the pieces that are plain Python."""
import copyreg

from . import _C
from ._tensor_str import tensor_repr


class Tensor(_C._TensorBase):
    """A multi-dimensional array of one dtype, with autograd; ember's counterpart of torch.Tensor.

    Make tensors with ember.tensor(data), ember.zeros(shape), ember.randn(shape), ... rather
    than this constructor. Methods mirror torch's (t.add(u), t.sum(dim), t.backward(), ...);
    in-place methods end in an underscore. There is no complex dtype and no GPU device.
    """

    __module__ = "ember"

    def __repr__(self, *, tensor_contents=None):
        return tensor_repr(self)

    def __format__(self, spec):
        if self.dim() == 0:
            return self.item().__format__(spec)
        return object.__format__(self, spec)

    def __iter__(self):
        if self.dim() == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    def __contains__(self, element):
        return bool((self == element).any())

    def __reversed__(self):
        return self.flip(0) if self.dim() > 0 else self

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        with _C._no_grad():
            new = self.clone()
        if type(self) is not Tensor:
            new = type(self).__new__(type(self), new, self.requires_grad) if hasattr(type(self), "_is_param") else new
        new.requires_grad_(self.requires_grad)
        if self.grad is not None:
            new.grad = self.grad.__deepcopy__(memo)
        new.__dict__.update({k: __import__("copy").deepcopy(v, memo) for k, v in self.__dict__.items()})
        memo[id(self)] = new
        return new

    def __reduce_ex__(self, proto):
        # Pickling (DataLoader workers, copy.deepcopy of modules): the data travels as a NumPy array.
        return (_rebuild_tensor, (self.detach().contiguous().numpy().copy() if self.dtype != _C.bfloat16
                                  else self.detach().float().numpy().copy(),
                                  repr(self.dtype), self.requires_grad))

    def __array_wrap__(self, array):
        return _C.from_numpy(array)

    def __dir__(self):
        return sorted(set(dir(type(self)) + list(self.__dict__.keys())))

    __hash__ = _C._TensorBase.__hash__

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Accumulate the gradient of this tensor (times `gradient`, needed unless
        it has one element) into the .grad of the graph's leaves (or of `inputs`)."""
        from .autograd import backward
        backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    def storage(self):
        """Not supported yet: ember exposes no storage objects; always raises NotImplementedError."""
        raise NotImplementedError("Tensor.storage() is not supported yet; use data_ptr()/untyped storage APIs")


def _rebuild_tensor(array, dtype_repr, requires_grad):
    t = _C.from_numpy(array)
    name = dtype_repr.split(".")[-1]
    if name != str(t.dtype).split(".")[-1]:
        t = t.to(getattr(_C, name))
    if requires_grad:
        t.requires_grad_(True)
    return t


_C._set_tensor_class(Tensor)
