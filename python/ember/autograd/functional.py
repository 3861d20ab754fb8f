"""Higher-level derivatives built on autograd.grad, as torch.autograd.functional:
vjp, jvp, vhp, hvp, jacobian and hessian. A function of one tensor gives
results as tensors; a function of a tuple of tensors gives tuples."""
from .. import _C

__all__ = ["vjp", "jvp", "jacobian", "hessian", "hvp", "vhp"]


def _as_tuple(x, arg_name, fn_name):
    is_tuple = isinstance(x, (tuple, list))
    items = tuple(x) if is_tuple else (x,)
    for i, t in enumerate(items):
        if not isinstance(t, _C._TensorBase):
            what = f"The {arg_name} given to {fn_name} must be either a Tensor or a tuple of Tensors but the"
            if is_tuple:
                raise TypeError(f"{what} value at index {i} has type {type(t)}.")
            raise TypeError(f"{what} given {arg_name} has type {type(t)}.")
    return is_tuple, items


def _unpack(res, is_tuple):
    return res if is_tuple else res[0]


def _prepare_inputs(inputs, create_graph):
    """Fresh tensors requiring grad: detached leaves, or with create_graph
    differentiable copies, so results stay connected to the caller's graph."""
    out = []
    for t in inputs:
        if create_graph and t.requires_grad:
            out.append(t.clone())
        else:
            out.append(t.detach().requires_grad_(True))
    return tuple(out)


def _postprocess(x, create_graph):
    if isinstance(x, tuple):
        return tuple(_postprocess(e, create_graph) for e in x)
    if x is None or create_graph:
        return x
    return x.detach()


def _validate_v(v, other, fn_name):
    if len(v) != len(other):
        raise RuntimeError(f"v is a tuple of invalid length: should be {len(other)} but got {len(v)}.")
    for i, (a, b) in enumerate(zip(v, other)):
        if a.shape != b.shape:
            prefix = "" if len(v) == 1 else f"Entry {i} in "
            raise RuntimeError(f"{prefix}v has invalid size: should be {b.shape} but got {a.shape}.")


def _grad(outputs, inputs, grad_outputs=None, create_graph=False, retain_graph=None):
    """autograd.grad that tolerates outputs not requiring grad and unused inputs (None)."""
    from . import grad
    pairs = [(o, g) for o, g in zip(outputs, grad_outputs or (None,) * len(outputs)) if o.requires_grad]
    if not pairs:
        return (None,) * len(inputs)
    return grad(tuple(o for o, _ in pairs), inputs, tuple(g for _, g in pairs), create_graph=create_graph,
                retain_graph=retain_graph, allow_unused=True)


def _fill_zeros(grads, refs, strict, what):
    out = []
    for i, (g, r) in enumerate(zip(grads, refs)):
        if g is None:
            if strict:
                raise RuntimeError(f"The {what} of the user-provided function is independent of input {i}. "
                                   "This is not allowed in strict mode.")
            g = _C.zeros_like(r)
        out.append(g)
    return tuple(out)


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), v^T J): the vector-Jacobian product at inputs."""
    from .grad_mode import enable_grad
    with enable_grad():
        is_in_tuple, inputs = _as_tuple(inputs, "inputs", "vjp")
        inputs = _prepare_inputs(inputs, create_graph)
        outputs = func(*inputs)
        is_out_tuple, outputs = _as_tuple(outputs, "outputs of the user-provided function", "vjp")
        if v is not None:
            _, v = _as_tuple(v, "v", "vjp")
            _validate_v(v, outputs, "vjp")
        else:
            if len(outputs) != 1 or outputs[0].numel() != 1:
                raise RuntimeError("The vector v can only be None if the user-provided function returns a single "
                                   "Tensor with a single element.")
        grads = _grad(outputs, inputs, v, create_graph=create_graph)
        res = _fill_zeros(grads, inputs, strict, "output")
    return _unpack(_postprocess(outputs, create_graph), is_out_tuple), _unpack(_postprocess(res, create_graph), is_in_tuple)


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), J v): the Jacobian-vector product, by differentiating a
    vector-Jacobian product with respect to its vector (the double-backward trick)."""
    from .grad_mode import enable_grad
    with enable_grad():
        is_in_tuple, inputs = _as_tuple(inputs, "inputs", "jvp")
        inputs = _prepare_inputs(inputs, create_graph)
        if v is not None:
            _, v = _as_tuple(v, "v", "jvp")
            _validate_v(v, inputs, "jvp")
        elif len(inputs) != 1 or inputs[0].numel() != 1:
            raise RuntimeError("The vector v can only be None if the input to the user-provided function is a "
                               "single Tensor with a single element.")
        outputs = func(*inputs)
        is_out_tuple, outputs = _as_tuple(outputs, "outputs of the user-provided function", "jvp")
        dummy = tuple(_C.zeros_like(o).requires_grad_(True) for o in outputs)
        grad_inputs = _grad(outputs, inputs, dummy, create_graph=True)
        _fill_zeros(grad_inputs, inputs, strict, "output")
        used = [(g, t) for g, t in zip(grad_inputs, v if v is not None else (_C.ones_like(inputs[0]),))
                if g is not None]
        if used:
            from . import grad
            res = grad(tuple(g for g, _ in used), dummy, tuple(t for _, t in used), create_graph=create_graph,
                       allow_unused=True)
        else:
            res = (None,) * len(dummy)
        res = _fill_zeros(res, outputs, strict, "output")
    return _unpack(_postprocess(outputs, create_graph), is_out_tuple), _unpack(_postprocess(res, create_graph), is_out_tuple)


def _scalar_output(func, inputs, fn_name):
    outputs = func(*inputs)
    is_tuple, outputs = _as_tuple(outputs, "outputs of the user-provided function", fn_name)
    if is_tuple or len(outputs) != 1:
        raise RuntimeError(f"The function given to {fn_name} should return a single Tensor")
    if outputs[0].numel() != 1:
        raise RuntimeError(f"The Tensor returned by the function given to {fn_name} should contain a single element")
    return outputs[0]


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), v^T H) for a function returning one element."""
    from .grad_mode import enable_grad
    with enable_grad():
        is_in_tuple, inputs = _as_tuple(inputs, "inputs", "vhp")
        inputs = _prepare_inputs(inputs, create_graph)
        if v is not None:
            _, v = _as_tuple(v, "v", "vhp")
            _validate_v(v, inputs, "vhp")
        elif len(inputs) != 1 or inputs[0].numel() != 1:
            raise RuntimeError("The vector v can only be None if the input to the user-provided function is a "
                               "single Tensor with a single element.")
        out = _scalar_output(func, inputs, "vhp")
        jac = _fill_zeros(_grad((out,), inputs, create_graph=True), inputs, strict, "jacobian")
        res = _grad(jac, inputs, v if v is not None else (_C.ones_like(inputs[0]),), create_graph=create_graph)
        res = _fill_zeros(res, inputs, strict, "hessian")
    return _postprocess(out, create_graph), _unpack(_postprocess(res, create_graph), is_in_tuple)


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), H v) for a function returning one element."""
    from .grad_mode import enable_grad
    with enable_grad():
        is_in_tuple, inputs = _as_tuple(inputs, "inputs", "hvp")
        inputs = _prepare_inputs(inputs, create_graph)
        if v is not None:
            _, v = _as_tuple(v, "v", "hvp")
            _validate_v(v, inputs, "hvp")
        elif len(inputs) != 1 or inputs[0].numel() != 1:
            raise RuntimeError("The vector v can only be None if the input to the user-provided function is a "
                               "single Tensor with a single element.")
        out = _scalar_output(func, inputs, "hvp")
        jac = _fill_zeros(_grad((out,), inputs, create_graph=True), inputs, strict, "jacobian")
        dummy = tuple(_C.zeros_like(t).requires_grad_(True) for t in inputs)
        double_back = _fill_zeros(_grad(jac, inputs, dummy, create_graph=True), inputs, strict, "hessian")
        res = _grad(double_back, dummy, v if v is not None else (_C.ones_like(inputs[0]),), create_graph=create_graph)
        res = _fill_zeros(res, inputs, strict, "hessian")
    return _postprocess(out, create_graph), _unpack(_postprocess(res, create_graph), is_in_tuple)


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False, strategy="reverse-mode"):
    """The Jacobian of func at inputs: for output o and input i, a tensor of
    shape o.shape + i.shape, one backward per output element."""
    from .grad_mode import enable_grad
    if strategy != "reverse-mode" or vectorize:
        raise NotImplementedError("jacobian: only strategy='reverse-mode' without vectorize is supported yet")
    import numpy as np
    with enable_grad():
        is_in_tuple, inputs = _as_tuple(inputs, "inputs", "jacobian")
        inputs = _prepare_inputs(inputs, create_graph)
        outputs = func(*inputs)
        is_out_tuple, outputs = _as_tuple(outputs, "outputs of the user-provided function", "jacobian")
        jac = []
        for o, out in enumerate(outputs):
            rows = [[] for _ in inputs]
            n = out.numel()
            for r in range(n):
                onehot = np.zeros(n)
                onehot[r] = 1.0
                g = _C.from_numpy(onehot.reshape(tuple(out.shape))).to(out.dtype)
                grads = _grad((out,), inputs, (g,), create_graph=create_graph, retain_graph=True)
                for i, (gi, inp) in enumerate(zip(grads, inputs)):
                    if gi is None:
                        if strict:
                            raise RuntimeError(f"Output {o} of the user-provided function is independent of input {i}. "
                                               "This is not allowed in strict mode.")
                        gi = _C.zeros_like(inp)
                    rows[i].append(gi)
            per_input = []
            for i, inp in enumerate(inputs):
                stacked = _C.stack(rows[i]) if rows[i] else _C.zeros((0,) + tuple(inp.shape), dtype=inp.dtype)
                per_input.append(stacked.reshape(tuple(out.shape) + tuple(inp.shape)))
            jac.append(tuple(per_input))
    jac = _postprocess(tuple(jac), create_graph)
    if is_out_tuple:
        return jac if is_in_tuple else tuple(j[0] for j in jac)
    return jac[0] if is_in_tuple else jac[0][0]


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False, outer_jacobian_strategy="reverse-mode"):
    """The Hessian of a function returning one element: the Jacobian of its gradient."""
    is_in_tuple, t_inputs = _as_tuple(inputs, "inputs", "hessian")

    def jac_func(*inp):
        from .grad_mode import enable_grad
        out = _scalar_output(func, inp, "hessian")
        with enable_grad():
            jac = _grad((out,), inp, create_graph=True)
        return _fill_zeros(jac, inp, strict, "jacobian")

    res = jacobian(jac_func, t_inputs, create_graph=create_graph, strict=strict, vectorize=vectorize,
                   strategy=outer_jacobian_strategy)
    # jacobian of a tuple-returning function of a tuple: res[i][j] = d grad_i / d input_j
    return res if is_in_tuple else res[0][0]
