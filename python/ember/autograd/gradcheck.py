"""Checks analytical gradients against finite differences, like torch's
gradcheck/gradgradcheck (float64 inputs, central differences, same tolerances)."""
import warnings

import numpy as np

from .. import _C

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError"]


class GradcheckError(RuntimeError):
    """Raised by gradcheck/gradgradcheck when a check fails."""


def _as_tuple(x):
    if isinstance(x, tuple):
        return x
    if isinstance(x, list):
        return tuple(x)
    return (x,)


def _is_tensor(x):
    return isinstance(x, _C._TensorBase)


def _np64(t):
    """A float64 NumPy copy of a tensor's values."""
    return np.array(t.detach().to(_C.float64).numpy(), dtype=np.float64)


def _differentiable_outputs(outputs):
    return tuple(o for o in _as_tuple(outputs) if _is_tensor(o) and o.requires_grad)


def _fail(msg, raise_exception):
    if raise_exception:
        raise GradcheckError(msg)
    return False


def _check_inputs(inputs):
    diff = [(i, x) for i, x in enumerate(inputs) if _is_tensor(x) and x.requires_grad]
    if not diff:
        raise ValueError("gradcheck expects at least one input tensor to require gradient, but none of the them "
                         "have requires_grad=True.")
    for i, x in diff:
        if x.dtype != _C.float64:
            warnings.warn(f"Input #{i} requires gradient and is not a double precision floating point or complex. "
                          "This check will likely fail if all the inputs are not of double precision floating point "
                          "or complex.")
        if x.dtype not in (_C.float32, _C.float64):
            raise ValueError(f"gradcheck: input #{i} has dtype {x.dtype}; finite differences need float32 or "
                             "float64 inputs")
        if any(s == 0 and n > 1 for s, n in zip(x.stride(), x.shape)):
            raise ValueError(f"The {i}th input has a dimension with stride 0. gradcheck only supports inputs that "
                             "are non-overlapping to be able to compute the numerical gradients correctly. You should "
                             "call .contiguous on the input before passing it to gradcheck.")
    return [i for i, _ in diff]


def _numerical_jacobian(func, inputs, diff_idx, eps):
    """jac[k][o]: (numel of input k, numel of output o), by central differences.
    Inputs are perturbed in place through a NumPy view of their memory (no
    version bump). Forward runs in the caller's grad mode: func may itself
    differentiate (gradgradcheck's does)."""

    def outputs():
        outs = _as_tuple(func(*inputs))
        return [(_np64(o).ravel() if _is_tensor(o) and o.is_floating_point() else None) for o in outs]

    base = outputs()
    jac = []
    for k in diff_idx:
        x = inputs[k]
        arr = x.detach().numpy()  # shares memory with x
        cols = [np.zeros((x.numel(), b.size)) if b is not None else None for b in base]
        for j, idx in enumerate(np.ndindex(*arr.shape)):
            orig = arr[idx].copy()
            arr[idx] = orig + eps
            plus = outputs()
            arr[idx] = orig - eps
            minus = outputs()
            arr[idx] = orig
            for o, (p, m) in enumerate(zip(plus, minus)):
                if p is not None:
                    cols[o][j] = (p - m) / (2 * eps)
        jac.append(cols)
    return jac


def _analytical_jacobian(outputs, inputs, diff_idx, nondet_tol):
    """jac[k][o] from backward with one-hot gradients, each row computed twice
    to check that backward is deterministic (reentrant)."""
    from . import grad as autograd_grad
    diff_inputs = [inputs[k] for k in diff_idx]
    jac = [[None] * len(outputs) for _ in diff_idx]
    reentrant = True
    for o, out in enumerate(outputs):
        if not (_is_tensor(out) and out.requires_grad):
            continue
        n = out.numel()
        cols = [np.zeros((inputs[k].numel(), n)) for k in diff_idx]
        for r in range(n):
            onehot = np.zeros(n)
            onehot[r] = 1.0
            g = _C.from_numpy(onehot.reshape(tuple(out.shape))).to(out.dtype)
            first = autograd_grad(out, diff_inputs, g, retain_graph=True, allow_unused=True)
            second = autograd_grad(out, diff_inputs, g, retain_graph=True, allow_unused=True)
            for c, (a, b) in enumerate(zip(first, second)):
                if a is None:
                    continue
                av = _np64(a).ravel()
                cols[c][:, r] = av
                if b is None or np.max(np.abs(av - _np64(b).ravel()), initial=0.0) > nondet_tol:
                    reentrant = False
        for c in range(len(diff_idx)):
            jac[c][o] = cols[c]
    return jac, reentrant


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, check_sparse_nnz=False,
              nondet_tol=0.0, check_undefined_grad=True, check_grad_dtypes=False, check_batched_grad=False,
              check_batched_forward_grad=False, check_forward_ad=False, check_backward_ad=True, fast_mode=False):
    """True when the gradients of func at inputs (by backward) match central
    finite differences: |analytical - numerical| <= atol + rtol * |numerical|.
    On a mismatch, raises GradcheckError naming the output and input (or
    returns False with raise_exception=False).

    Options torch has that ember does not implement (forward AD, batched
    gradients, sparse inputs, fast mode) raise NotImplementedError when asked for.
    check_undefined_grad is accepted but not performed: ember's engine never
    hands a node undefined gradients unless it asked for them
    (set_materialize_grads(False)). check_grad_dtypes likewise: the engine casts
    every gradient to its input's dtype."""
    for name, on in (("check_forward_ad", check_forward_ad), ("check_batched_grad", check_batched_grad),
                     ("check_batched_forward_grad", check_batched_forward_grad), ("check_sparse_nnz", check_sparse_nnz),
                     ("fast_mode", fast_mode)):
        if on:
            raise NotImplementedError(f"gradcheck({name}=True) is not supported yet")
    inputs = _as_tuple(inputs)
    diff_idx = _check_inputs(inputs)

    outputs = _as_tuple(func(*inputs))
    numerical = _numerical_jacobian(func, inputs, diff_idx, eps)

    # Outputs that do not require grad must not depend on the inputs.
    for o, out in enumerate(outputs):
        if _is_tensor(out) and out.is_floating_point() and not out.requires_grad:
            for c in range(len(diff_idx)):
                n = numerical[c][o]
                if n is not None and not np.allclose(n, 0.0, rtol=rtol, atol=atol):
                    return _fail("Numerical gradient for function expected to be zero", raise_exception)
    if not check_backward_ad:
        return True

    analytical, reentrant = _analytical_jacobian(outputs, inputs, diff_idx, nondet_tol)
    for o, out in enumerate(outputs):
        if not (_is_tensor(out) and out.requires_grad):
            continue
        for c, k in enumerate(diff_idx):
            a, n = analytical[c][o], numerical[c][o]
            if not np.allclose(a, n, rtol=rtol, atol=atol):
                with np.printoptions(precision=4, suppress=True):
                    msg = (f"Jacobian mismatch for output {o} with respect to input {k},\n"
                           f"numerical:{_C.from_numpy(n)}\nanalytical:{_C.from_numpy(a)}\n")
                return _fail(msg, raise_exception)
    if not reentrant:
        return _fail("Backward is not reentrant, i.e., running backward with same input and grad_output multiple "
                     "times gives different values, although analytical gradient matches numerical gradient. "
                     f"The tolerance for nondeterminism was {nondet_tol}.", raise_exception)
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3,
                  gen_non_contig_grad_outputs=False, raise_exception=True, nondet_tol=0.0, check_undefined_grad=True,
                  check_grad_dtypes=False, check_batched_grad=False, check_fwd_over_rev=False, check_rev_over_rev=True,
                  fast_mode=False):
    """gradcheck of the gradients of func: checks second derivatives, with
    random (seeded) grad_outputs unless they are given."""
    from . import grad as autograd_grad
    if check_fwd_over_rev:
        raise NotImplementedError("gradgradcheck(check_fwd_over_rev=True) is not supported yet")
    inputs = _as_tuple(inputs)
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        outs = _as_tuple(func(*inputs))
        grad_outputs = tuple(
            _C.from_numpy(np.asarray(rng.standard_normal(tuple(o.shape)))).to(o.dtype if o.is_floating_point() else _C.float64)
            .requires_grad_() for o in outs)
    else:
        grad_outputs = _as_tuple(grad_outputs)
    num_outputs = len(grad_outputs)
    diff_inputs = {i for i, x in enumerate(inputs) if _is_tensor(x) and x.requires_grad}
    diff_grads = {i for i, x in enumerate(grad_outputs) if x.requires_grad}

    def new_func(*args):
        input_args = tuple(x.requires_grad_() if i in diff_inputs else x for i, x in enumerate(args[:-num_outputs]))
        outputs = _differentiable_outputs(func(*input_args))
        gos = tuple(x.requires_grad_() if i in diff_grads else x for i, x in enumerate(args[-num_outputs:]))
        diff_args = tuple(x for i, x in enumerate(input_args) if i in diff_inputs)
        grads = autograd_grad(outputs, diff_args, gos, create_graph=True, allow_unused=True)
        return tuple(g for g in grads if g is not None)

    return gradcheck(new_func, inputs + grad_outputs, eps=eps, atol=atol, rtol=rtol, raise_exception=raise_exception,
                     nondet_tol=nondet_tol, check_undefined_grad=check_undefined_grad,
                     check_grad_dtypes=check_grad_dtypes, check_backward_ad=check_rev_over_rev)
