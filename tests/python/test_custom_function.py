"""Custom autograd Functions written in Python, compared with torch."""
import gc
import threading
import weakref

import numpy as np
import pytest

from oracle import check, check_grads, ember, torch

LIBS = (ember, torch)
A = [0.5, -1.25, 2.0]
B = [1.5, 0.25, -0.75]


def leaves(lib, *arrays):
    return [lib.tensor(np.asarray(a, dtype="float64"), requires_grad=True) for a in arrays]


def ones(lib, n=3):
    return lib.ones(n, dtype=lib.float64)


def make_functions(lib):
    """The same Function classes, defined against one library."""
    F = lib.autograd.Function

    class Exp(F):
        @staticmethod
        def forward(ctx, x):
            r = x.exp()
            ctx.save_for_backward(r)  # an output: saved without a reference cycle
            return r

        @staticmethod
        def backward(ctx, g):
            r, = ctx.saved_tensors
            return g * r

    class Multi(F):
        """Non-tensor arguments, several outputs (one not a tensor), ctx attributes."""

        @staticmethod
        def forward(ctx, x, k, y, tag):
            ctx.k = k
            ctx.tag = tag
            ctx.needs = ctx.needs_input_grad
            ctx.save_for_backward(x, y)
            return x * k + y, x * y, tag

        @staticmethod
        def backward(ctx, g1, g2, g3):
            x, y = ctx.saved_tensors
            ctx.seen = (g3,)
            return g1 * ctx.k + g2 * y, None, g1 + g2 * x, None

    class Cube(F):
        """backward written with differentiable ops: double backward works."""

        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x * x

        @staticmethod
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return g * 3 * x * x

    return Exp, Multi, Cube


def test_exp_values_grads_and_node():
    for lib in LIBS:
        Exp, _, _ = make_functions(lib)
        x, = leaves(lib, A)
        y = Exp.apply(x)
        assert type(y.grad_fn).__name__ == "ExpBackward"
        assert y.grad_fn.name() == "ExpBackward"
        assert type(y.grad_fn.next_functions[0][0]).__name__ == "AccumulateGrad"
        y.backward(ones(lib))
        if lib is ember:
            ey, ex = y, x
    ty = torch.tensor(A, dtype=torch.float64).exp()
    check(ey.detach(), ty)
    check(ex.grad, ty)


def test_non_tensor_args_and_multiple_outputs():
    res = []
    for lib in LIBS:
        _, Multi, _ = make_functions(lib)
        x, y = leaves(lib, A, B)
        a, b, tag = Multi.apply(x, 2.5, y, "tag")
        assert tag == "tag" and a.grad_fn is b.grad_fn
        ctx = a.grad_fn
        a.backward(ones(lib))  # b gets no gradient: backward sees zeros for it
        res.append(((a, b), (x, y), ctx.needs, ctx.seen))
    (ev, ex, en, es), (tv, tx, tn, ts) = res
    check(ev, tv)
    check_grads(ex, tx)
    assert en == tn == (True, False, True, False)
    assert es == ts == (None,)


def test_double_backward_and_gradchecks():
    for lib in LIBS:
        _, _, Cube = make_functions(lib)
        x, = leaves(lib, A)
        g, = lib.autograd.grad(Cube.apply(x), x, ones(lib), create_graph=True)
        h, = lib.autograd.grad(g, x, ones(lib))
        if lib is ember:
            eh = h
        else:
            check(eh, h)
    _, _, Cube = make_functions(ember)
    x, = leaves(ember, A)
    assert ember.autograd.gradcheck(Cube.apply, (x,))
    assert ember.autograd.gradgradcheck(Cube.apply, (x,))


def test_returned_input_is_an_alias_with_history():
    for lib in LIBS:
        class Id(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x

            @staticmethod
            def backward(ctx, g):
                return g * 2
        x, = leaves(lib, A)
        o = Id.apply(x)
        assert o is not x and o._base is x and x.is_leaf and not o.is_leaf
        o.backward(ones(lib))
        assert np.allclose(x.grad.numpy(), 2.0)


def test_mark_dirty():
    for lib in LIBS:
        class Double(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                x.mul_(2)
                ctx.mark_dirty(x)
                return x

            @staticmethod
            def backward(ctx, g):
                return g * 2
        x, = leaves(lib, A)
        with pytest.raises(RuntimeError, match="a leaf Variable that requires grad has been used in an in-place operation"):
            Double.apply(x)
        x, = leaves(lib, A)
        h = x * 1
        o = Double.apply(h)
        assert o is h and type(h.grad_fn).__name__ == "DoubleBackward" and h._version == 2
        h.backward(ones(lib))
        assert np.allclose(x.grad.numpy(), 2.0)


def test_mark_non_differentiable_and_materialize_grads():
    for lib in LIBS:
        seen = []

        class SortLike(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                idx = (x > 0).to(lib.float64)
                ctx.mark_non_differentiable(idx)
                return x * 2, idx

            @staticmethod
            def backward(ctx, g, gidx):
                seen.append(gidx.numpy().tolist())
                return g * 2

        class NoMaterialize(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.set_materialize_grads(False)
                return x * 1, x * 2

            @staticmethod
            def backward(ctx, g1, g2):
                seen.append(g2)
                return g1

        x, = leaves(lib, A)
        out, idx = SortLike.apply(x)
        assert not idx.requires_grad and out.requires_grad
        out.backward(ones(lib))
        a, _ = NoMaterialize.apply(x)
        a.backward(ones(lib))
        if lib is ember:
            e_seen = seen
        else:
            assert e_seen == seen == [[0.0, 0.0, 0.0], None]


def test_backward_result_validation():
    cases = [
        (lambda g: (g,), "returned an incorrect number of gradients \\(expected 2, got 1\\)"),
        (lambda g: (g, g), "returned a gradient different than None at position 2"),
        (lambda g: (3, None), "expected Variable or None \\(got int\\)"),
        (lambda g: (g * 1, None, None), None),  # extra Nones are fine
    ]
    for lib in LIBS:
        class Bad(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x, k):
                return x * k

            @staticmethod
            def backward(ctx, g):
                return ctx.ret(g)
        x, = leaves(lib, A)
        for ret, err in cases:
            y = Bad.apply(x, 2.0)
            y.grad_fn.ret = ret
            if err is None:
                y.backward(ones(lib))
            else:
                with pytest.raises(RuntimeError, match=err):
                    y.backward(ones(lib))

        class WrongShape(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, g):
                return lib.ones(2, dtype=lib.float64)
        with pytest.raises(RuntimeError, match="returned an invalid gradient at index 0 - got \\[2\\] but expected shape "
                                               "compatible with \\[3\\]"):
            WrongShape.apply(x).backward(ones(lib))


def test_saved_tensor_checks():
    for lib in LIBS:
        Exp, _, _ = make_functions(lib)
        x, = leaves(lib, A)
        o = Exp.apply(x)
        o.backward(ones(lib))
        with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
            o.grad_fn.saved_tensors
        o = Exp.apply(x)
        with lib.no_grad():
            o.mul_(2)
        with pytest.raises(RuntimeError, match="which is output 0 of ExpBackward, is at version 1; expected version 0"):
            o.backward(ones(lib))

        class SaveInt(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x, 3)
                return x * 2
        with pytest.raises(TypeError, match="save_for_backward can only save variables, but argument 1 is of type int"):
            SaveInt.apply(x)


def test_retain_graph_keeps_saved_tensors():
    Exp, _, _ = make_functions(ember)
    x, = leaves(ember, A)
    o = Exp.apply(x)
    o.backward(ones(ember), retain_graph=True)
    assert len(o.grad_fn.saved_tensors) == 1
    o.backward(ones(ember))
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.exp(A))


def test_exceptions_from_backward_keep_their_type():
    for lib in LIBS:
        class Raise(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, g):
                raise ValueError("boom")
        x, = leaves(lib, A)
        with pytest.raises(ValueError, match="boom"):
            Raise.apply(x).backward(ones(lib))


def test_no_grad_and_apply_errors():
    for lib in LIBS:
        Exp, _, _ = make_functions(lib)
        x, = leaves(lib, A)
        with lib.no_grad():
            o = Exp.apply(x)
        assert not o.requires_grad and o.grad_fn is None
        with pytest.raises(TypeError, match="takes no keyword arguments"):
            Exp.apply(x=x)


def test_once_differentiable():
    for lib in LIBS:
        from importlib import import_module
        once = import_module(lib.__name__ + ".autograd.function").once_differentiable

        class Sq(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x * x

            @staticmethod
            @once
            def backward(ctx, g):
                x, = ctx.saved_tensors
                return g * 2 * x
        x, = leaves(lib, A)
        v = ones(lib).requires_grad_()  # the incoming gradient itself requires grad
        g, = lib.autograd.grad(Sq.apply(x), x, v, create_graph=True)
        np.testing.assert_allclose(g.detach().numpy(), 2 * np.array(A))
        with pytest.raises(RuntimeError, match="marked with @once_differentiable"):
            g.backward(ones(lib))


def test_ctx_and_graph_are_freed_without_gc():
    # The node owns ctx; ctx holds saved tensors (the output among them) without
    # a cycle, so dropping the output frees everything by reference counting.
    Exp, _, _ = make_functions(ember)
    gc.disable()
    try:
        x, = leaves(ember, A)
        y = Exp.apply(x)
        ctx = weakref.ref(y.grad_fn)
        out = weakref.ref(y)
        del y
        assert ctx() is None and out() is None
    finally:
        gc.enable()


def test_backward_from_another_thread_and_hooks():
    # The engine releases the GIL; the Python backward and hooks take it back.
    Exp, _, _ = make_functions(ember)
    x, = leaves(ember, A)
    y = Exp.apply(x)
    y.register_hook(lambda g: g * 2)
    errors = []

    def run():
        try:
            y.backward(ones(ember))
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)
    t = threading.Thread(target=run)
    t.start()
    t.join(timeout=30)
    assert not t.is_alive() and not errors
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.exp(A))


def test_reentrant_backward_checkpoint_style():
    # backward recomputes forward with grad enabled and runs a nested backward,
    # the way activation checkpointing does.
    res = []
    for lib in LIBS:
        class Checkpoint(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x, w):
                ctx.save_for_backward(x, w)
                return (x * w).tanh() * w

            @staticmethod
            def backward(ctx, g):
                x, w = ctx.saved_tensors
                with lib.enable_grad():
                    x2, w2 = x.detach().requires_grad_(), w.detach().requires_grad_()
                    out = (x2 * w2).tanh() * w2
                return lib.autograd.grad(out, (x2, w2), g)
        x, w = leaves(lib, A, B)
        y = Checkpoint.apply(x, w) * x
        y.backward(ones(lib))
        res.append((x.grad, w.grad))
    check(res[0], res[1])
