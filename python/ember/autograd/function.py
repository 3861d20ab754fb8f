"""Custom differentiable functions written in Python: subclass Function with a
static forward(ctx, *args) and backward(ctx, *grads), call Function.apply."""
import functools
import warnings

from .. import _C

__all__ = ["Function", "FunctionCtx", "BackwardCFunction", "once_differentiable"]


class FunctionCtx:
    """What forward and backward get as `ctx`. Arbitrary attributes may be set on it."""

    def save_for_backward(self, *tensors):
        """Keep tensors for backward, where ctx.saved_tensors returns them. Saving
        through here (not as ctx attributes) checks them for in-place changes and
        keeps no reference cycle when an output is saved."""
        self.to_save = tensors

    def mark_dirty(self, *args):
        """Declare inputs that forward modified in place (and returns)."""
        self.dirty_tensors = args

    def mark_non_differentiable(self, *args):
        """Declare outputs that are not differentiable (backward gets zeros for them)."""
        self.non_differentiable = args

    def set_materialize_grads(self, value):
        """With False, backward gets None instead of zeros for outputs that got no gradient."""
        self.materialize_grads = value


class BackwardCFunction(_C._FunctionBase, FunctionCtx):
    """The ctx object's class: also the node of the graph (y.grad_fn is ctx)."""

    def apply(self, *args):
        backward_fn = self._forward_cls.backward
        vjp_fn = self._forward_cls.vjp
        if backward_fn is not Function.backward and vjp_fn is not Function.vjp:
            raise RuntimeError("Implementing both 'backward' and 'vjp' for a custom Function is not allowed. "
                               "You should only implement one of them.")
        user_fn = vjp_fn if vjp_fn is not Function.vjp else backward_fn
        return user_fn(self, *args)


class FunctionMeta(type):
    """Gives each Function subclass its backward (ctx) class, named <Name>Backward."""

    def __init__(cls, name, bases, attrs):
        cls._backward_cls = type(name + "Backward", (BackwardCFunction,), {"_forward_cls": cls})
        super().__init__(name, bases, attrs)


class Function(metaclass=FunctionMeta):
    """Base class of custom autograd Functions.

        class Exp(Function):
            @staticmethod
            def forward(ctx, i):
                result = i.exp()
                ctx.save_for_backward(result)
                return result

            @staticmethod
            def backward(ctx, grad_output):
                result, = ctx.saved_tensors
                return grad_output * result

        y = Exp.apply(x)
    """

    def __init__(self, *args, **kwargs):
        warnings.warn(f"{self.__class__} should not be instantiated. Methods on autograd functions are all static, "
                      "so you should invoke them on the class itself.", DeprecationWarning)

    def __call__(self, *args, **kwargs):
        raise RuntimeError("Legacy autograd function with non-static forward method is deprecated. Please use "
                           "new-style autograd function with static forward method.")

    @classmethod
    def apply(cls, *args, **kwargs):
        if kwargs:
            raise TypeError(f"{cls.__name__}.apply() takes no keyword arguments")
        return _C._function_apply(cls, *args)

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for your custom "
                                  "autograd.Function to use it with backward mode AD.")

    vjp = backward

    @staticmethod
    def jvp(ctx, *grad_inputs):
        raise NotImplementedError("You must implement the jvp function for custom autograd.Function to use it "
                                  "with forward mode AD.")


class _DelayedError(Function):
    """Passes tensors through; differentiating through it raises `msg`."""

    @staticmethod
    def forward(ctx, msg, *tensors):
        ctx.msg = msg
        return tuple(t.detach() if t is not None else None for t in tensors)

    @staticmethod
    def backward(ctx, *grads):
        raise RuntimeError(ctx.msg)


def once_differentiable(fn):
    """For a backward that cannot itself be differentiated: it runs under
    no_grad, and a second differentiation through it raises."""

    @functools.wraps(fn)
    def wrapper(ctx, *args):
        from .grad_mode import no_grad
        with no_grad():
            outputs = fn(ctx, *args)
        if not _C.is_grad_enabled():
            return outputs
        if not any(isinstance(a, _C._TensorBase) and a.requires_grad for a in args):
            return outputs
        single = not isinstance(outputs, tuple)
        outs = (outputs,) if single else outputs

        def fake_requires_grad(v):
            if v is not None:
                v = v.detach()
                v.requires_grad_(True)
            return v

        wrapped = _DelayedError.apply("trying to differentiate twice a function that was marked with "
                                      "@once_differentiable", *[fake_requires_grad(v) for v in outs])
        if not isinstance(wrapped, tuple):
            wrapped = (wrapped,)
        return wrapped[0] if single else wrapped
    return wrapper
