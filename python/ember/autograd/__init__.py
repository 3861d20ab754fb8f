"""ember.autograd: reverse-mode automatic differentiation.

backward() and grad() run the C++ engine over the graph that ops record while
grad mode is on; Function defines new differentiable operations in Python.
"""
from .. import _C
from .grad_mode import (no_grad, enable_grad, set_grad_enabled, inference_mode,  # noqa: F401
                        is_grad_enabled, is_inference_mode_enabled)
from .anomaly_mode import detect_anomaly, set_detect_anomaly  # noqa: F401
from .function import Function, FunctionCtx, once_differentiable  # noqa: F401
from .gradcheck import gradcheck, gradgradcheck, GradcheckError  # noqa: F401
from . import graph  # noqa: F401
from . import functional  # noqa: F401

__all__ = ["Function", "backward", "grad", "grad_mode", "no_grad", "enable_grad", "set_grad_enabled",
           "inference_mode", "detect_anomaly", "set_detect_anomaly", "gradcheck", "gradgradcheck", "functional"]


def _as_tuple(tensors):
    if isinstance(tensors, _C._TensorBase):
        return (tensors,)
    return tuple(tensors)


def _make_grads(outputs, grads):
    """The gradient for each output: as given (shape checked), or ones for a
    scalar output that requires grad."""
    new_grads = []
    for i, (out, grad) in enumerate(zip(outputs, grads)):
        if isinstance(grad, _C._TensorBase):
            if out.shape != grad.shape:
                raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of {grad.shape} and "
                                   f"output[{i}] has a shape of {out.shape}.")
            new_grads.append(grad)
        elif grad is None:
            if out.requires_grad:
                if out.numel() != 1:
                    raise RuntimeError("grad can be implicitly created only for scalar outputs")
                new_grads.append(_C.ones_like(out))
            else:
                new_grads.append(None)
        else:
            raise TypeError("gradients can be either Tensors or None, but got " + type(grad).__name__)
    return tuple(new_grads)


def _grads_tuple(grads, length):
    if grads is None:
        return (None,) * length
    if isinstance(grads, _C._TensorBase):
        return (grads,)
    return tuple(grads)


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, grad_variables=None, inputs=None):
    """Accumulate the gradients of `tensors` (weighted by `grad_tensors`) into
    the .grad of the graph's leaves, or of `inputs` only when given.

    retain_graph keeps the graph's saved tensors for another backward (default:
    create_graph); create_graph records the backward itself for higher-order
    gradients."""
    if grad_variables is not None:
        if grad_tensors is not None:
            raise RuntimeError("'grad_tensors' and 'grad_variables' (deprecated) arguments both passed to "
                               "backward(). Please only use 'grad_tensors'.")
        grad_tensors = grad_variables
    if inputs is not None and not isinstance(inputs, _C._TensorBase) and len(inputs) == 0:
        raise RuntimeError("'inputs' argument to backward() cannot be empty.")
    tensors = _as_tuple(tensors)
    inputs = _as_tuple(inputs) if inputs is not None else ()
    grads = _make_grads(tensors, _grads_tuple(grad_tensors, len(tensors)))
    if retain_graph is None:
        retain_graph = create_graph
    _C._run_backward(tensors, grads, retain_graph, create_graph, inputs)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, only_inputs=True,
         allow_unused=False, is_grads_batched=False):
    """The gradients of `outputs` (weighted by `grad_outputs`) with respect to
    each of `inputs`, as a tuple; nothing is accumulated into .grad.

    allow_unused: return None for an input the outputs do not depend on
    (otherwise that is an error)."""
    if is_grads_batched:
        raise NotImplementedError("grad(is_grads_batched=True) is not supported yet")
    outputs = _as_tuple(outputs)
    inputs = _as_tuple(inputs)
    if len(inputs) == 0:
        raise ValueError("grad requires non-empty inputs.")
    grads = _make_grads(outputs, _grads_tuple(grad_outputs, len(outputs)))
    if retain_graph is None:
        retain_graph = create_graph
    return _C._run_grad(outputs, inputs, grads, retain_graph, create_graph, allow_unused)


def Variable(data, requires_grad=False):
    """Legacy: Variable(t) is t (tensors and Variables are one type)."""
    if requires_grad:
        data.requires_grad_(True)
    return data
