"""ember.autograd as users see it: grad modes, backward/grad arguments,
gradcheck, functional, and memory behaviour of no_grad and training loops."""
import gc
import re

import numpy as np
import pytest

from oracle import check, ember, torch

LIBS = (ember, torch)
A = [0.5, -1.25, 2.0]
B = [1.5, 0.25, -0.75]


def leaf(lib, a=A):
    return lib.tensor(np.asarray(a, dtype="float64"), requires_grad=True)


def ones(lib, n=3):
    return lib.ones(n, dtype=lib.float64)


# ---------------------------------------------------------------- grad modes
def test_top_level_names():
    for name in ("no_grad", "enable_grad", "set_grad_enabled", "inference_mode", "is_grad_enabled",
                 "is_inference_mode_enabled"):
        assert getattr(ember, name) is getattr(ember.autograd, name)


def test_grad_modes_as_context_managers_and_decorators():
    for lib in LIBS:
        x = leaf(lib)

        @lib.no_grad()
        def f():
            return x * 2, lib.is_grad_enabled()

        @lib.enable_grad()
        def g():
            return x * 2

        @lib.no_grad()
        def gen():
            yield lib.is_grad_enabled()
            yield lib.is_grad_enabled()

        y, enabled = f()
        assert not y.requires_grad and not enabled and lib.is_grad_enabled()
        with lib.no_grad():
            assert g().requires_grad and not lib.is_grad_enabled()
            with lib.enable_grad():
                assert lib.is_grad_enabled()
            assert list(gen()) == [False, False]
        assert f.__name__ == "f"


def test_set_grad_enabled_as_function_and_context():
    for lib in LIBS:
        lib.set_grad_enabled(False)
        try:
            assert not lib.is_grad_enabled()
        finally:
            lib.set_grad_enabled(True)
        with lib.set_grad_enabled(False):
            assert not lib.is_grad_enabled()
            with lib.set_grad_enabled(True):
                assert lib.is_grad_enabled()
            assert not lib.is_grad_enabled()
        assert lib.is_grad_enabled()


def test_inference_mode():
    for lib in LIBS:
        x = leaf(lib)
        with lib.inference_mode():
            assert lib.is_inference_mode_enabled() and not lib.is_grad_enabled()
            y = x * 2
            with lib.inference_mode(False):
                assert not lib.is_inference_mode_enabled() and lib.is_grad_enabled()
        assert not y.requires_grad
        assert not lib.is_inference_mode_enabled() and lib.is_grad_enabled()

        @lib.inference_mode()
        def f():
            return lib.is_inference_mode_enabled()
        assert f() and not lib.is_inference_mode_enabled()


def test_grad_mode_restored_after_exception():
    with pytest.raises(ZeroDivisionError):
        with ember.no_grad():
            1 / 0
    assert ember.is_grad_enabled()


# ---------------------------------------------------------------- backward / grad arguments
def test_backward_argument_forms():
    res = []
    for lib in LIBS:
        x, w = leaf(lib), leaf(lib, B)
        y = x * w
        lib.autograd.backward(y, ones(lib), retain_graph=True)  # a tensor, not a list
        lib.autograd.backward([y], grad_tensors=[ones(lib) * 2], inputs=w)  # inputs as one tensor
        with pytest.raises(TypeError, match="gradients can be either Tensors or None"):
            lib.autograd.backward([y], [3])
        res.append((x.grad, w.grad))
    check(res[0], res[1])


def test_backward_scalar_and_mismatch_messages():
    for lib in LIBS:
        x = leaf(lib)
        with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar outputs"):
            (x * 2).backward()
        with pytest.raises(RuntimeError, match=re.escape("Mismatch in shape: grad_output[0] has a shape of ")):
            (x * 2).backward(ones(lib, 2))


# ---------------------------------------------------------------- gradcheck
def test_gradcheck_passes_and_fails():
    x = leaf(ember)
    w = leaf(ember, B)
    assert ember.autograd.gradcheck(lambda a, b: (a * b).tanh() * a, (x, w))
    assert ember.autograd.gradgradcheck(lambda a, b: (a * b).exp() * a, (x, w))

    class WrongGrad(ember.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            return a * a

        @staticmethod
        def backward(ctx, g):
            return g * 3  # should be 2a

    with pytest.raises(ember.autograd.GradcheckError, match="Jacobian mismatch for output 0 with respect to input 0"):
        ember.autograd.gradcheck(WrongGrad.apply, (x,))
    assert issubclass(ember.autograd.GradcheckError, RuntimeError)
    assert ember.autograd.gradcheck(WrongGrad.apply, (x,), raise_exception=False) is False
    with pytest.raises(ValueError, match="at least one input tensor to require gradient"):
        ember.autograd.gradcheck(lambda a: a * 2, (x.detach(),))


def test_gradcheck_tolerances_like_torch():
    # A gradient off by 2e-4 relative passes rtol=1e-3 but fails rtol=1e-5, in both libraries.
    for lib in LIBS:
        class Off(lib.autograd.Function):
            @staticmethod
            def forward(ctx, a):
                return a * 2

            @staticmethod
            def backward(ctx, g):
                return g * 2.0004
        x = leaf(lib)
        assert lib.autograd.gradcheck(Off.apply, (x,))
        assert not lib.autograd.gradcheck(Off.apply, (x,), rtol=1e-5, raise_exception=False)


def test_gradgradcheck_catches_wrong_double_backward():
    class BadDouble(ember.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a)
            return a * a * a

        @staticmethod
        def backward(ctx, g):
            a, = ctx.saved_tensors
            return g * 3 * a.detach() * a.detach()  # first derivative right, no second derivative

    x = leaf(ember)
    assert ember.autograd.gradcheck(BadDouble.apply, (x,))
    assert not ember.autograd.gradgradcheck(BadDouble.apply, (x,), raise_exception=False)


# ---------------------------------------------------------------- functional
def test_functional_vjp_jvp_hvp_vhp():
    def f(a, b):
        return (a * b).exp() * a

    def scalar(a):
        return (a * a * a).exp()

    for lib in LIBS:
        F = lib.autograd.functional
        a, b = leaf(lib).detach(), leaf(lib, B).detach()
        v = lib.tensor(np.array([1.0, -1.0, 0.5]), dtype=lib.float64)
        out = [F.vjp(f, (a, b), v), F.jvp(f, (a, b), (v, v))]
        s = lib.tensor([0.3], dtype=lib.float64)
        out += [F.hvp(scalar, s, lib.ones(1, dtype=lib.float64)), F.vhp(scalar, s, lib.ones(1, dtype=lib.float64))]
        if lib is ember:
            e_out = out
        else:
            check(e_out, out)


def test_functional_jacobian_hessian():
    if not hasattr(ember, "stack") or not hasattr(ember.Tensor, "reshape"):
        pytest.skip("jacobian needs stack and reshape (shape family), not written yet")

    def f(a, b):
        return (a * b).exp() * a
    res = []
    for lib in LIBS:
        a, b = leaf(lib).detach(), leaf(lib, B).detach()
        try:
            res.append((lib.autograd.functional.jacobian(f, (a, b)),
                        lib.autograd.functional.hessian(lambda t: (t * t * t).sum(), a)))
        except NotImplementedError as e:
            pytest.skip(f"needs an op that is not supported yet: {e}")
    check(res[0], res[1])


# ---------------------------------------------------------------- memory
def _chain(lib, x):
    y = x
    for _ in range(5):
        y = (y * 1.01).exp().sin()
    return y


def test_no_grad_keeps_nothing_for_backward():
    x = ember.ones(1 << 16, dtype=ember.float32).requires_grad_()  # 256 KiB per activation
    gc.collect()
    base = ember._C._allocator_stats()["allocated_bytes"]
    with ember.no_grad():
        y = _chain(ember, x)
    no_grad_bytes = ember._C._allocator_stats()["allocated_bytes"] - base
    with ember.inference_mode():
        z = _chain(ember, x)
    inference_bytes = ember._C._allocator_stats()["allocated_bytes"] - base - no_grad_bytes
    w = _chain(ember, x)
    grad_bytes = ember._C._allocator_stats()["allocated_bytes"] - base - no_grad_bytes - inference_bytes
    act = x.numel() * 4
    assert no_grad_bytes <= act * 1.1 and inference_bytes <= act * 1.1  # only the result
    assert grad_bytes >= act * 10  # the graph keeps intermediate results for backward
    w.backward(ember.ones(x.shape))
    del w
    after = ember._C._allocator_stats()["allocated_bytes"] - base
    assert after <= no_grad_bytes + inference_bytes + act * 1.1  # graph freed; x.grad remains
    del y, z


def _rss_kb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    pytest.skip("no VmRSS in /proc/self/status")


def test_training_loop_does_not_grow_memory():
    w = ember.ones(16, dtype=ember.float32).requires_grad_()
    x = ember.tensor(np.linspace(-1, 1, 16, dtype=np.float32))
    g = ember.ones(16, dtype=ember.float32)

    def step():
        y = (w * x).tanh() * x
        y.backward(g)
        with ember.no_grad():
            w.data -= 0.01 * w.grad
        w.grad = None

    for _ in range(1000):  # warm up caches and the allocator
        step()
    gc.collect()
    before = _rss_kb()
    for _ in range(10_000):
        step()
    gc.collect()
    growth = _rss_kb() - before
    # A leak of one small object per step (~60 bytes) would show as ~600 KiB.
    assert growth < 256, f"RSS grew by {growth} KiB over 10000 steps"
    assert ember._C._allocator_stats()["allocated_bytes"] < 1 << 20
