"""ember.jit.trace and the traced module.

The recording itself happens in C++ at the binding boundary (python/src/
jit_record.h); this file runs the model under the tracer, packs and unpacks
nested inputs and outputs, checks the trace, and wraps the C++ module."""
import inspect
import json
import os
import warnings

from .. import _C
from .._tensor import Tensor
from ..autograd import no_grad
from ..nn.modules.module import Module
from ..nn.parameter import Parameter


class TracerWarning(Warning):
    """The trace may not generalise: a value it depends on was frozen while tracing."""

    @staticmethod
    def ignore_lib_warnings():
        warnings.filterwarnings("ignore", category=TracerWarning, module="ember.(?!jit)")


class TracingCheckError(Exception):
    """Raised by trace(check_trace=True) when re-running the traced graph disagrees with Python."""

    def __init__(self, graph_diagnostic_info, python_diagnostic_info, extra_msg=None):
        msg = "Tracing failed sanity checks!\n" + (extra_msg or "") + "\n" + str(graph_diagnostic_info)
        if python_diagnostic_info:
            msg += "\n" + str(python_diagnostic_info)
        super().__init__(msg)


_C._jit_set_warning_class(TracerWarning)


def is_tracing():
    """True while this thread runs a function under ember.jit.trace."""
    return _C._jit_is_tracing()


# ---------------------------------------------------------------- nested inputs and outputs
# A structure is "T" (a tensor) or {"tuple"|"list": [...]} or {"dict": [[key, ...], ...]}.

def _flatten(obj, out, strict, what):
    if isinstance(obj, Tensor):
        out.append(obj)
        return "T"
    if isinstance(obj, tuple):
        return {"tuple": [_flatten(x, out, strict, what) for x in obj]}
    if isinstance(obj, list):
        if strict and what == "output":
            raise RuntimeError(
                "Encountering a list at the output of the tracer might cause the trace to be incorrect, this is only "
                "valid if the container structure does not change based on the module's inputs. Consider using a "
                "constant container instead (e.g. for `list`, use a `tuple` instead. for `dict`, use a `NamedTuple` "
                "instead). If you absolutely need this and know the side effects, pass strict=False to trace() to "
                "allow this behavior.")
        return {"list": [_flatten(x, out, strict, what) for x in obj]}
    if isinstance(obj, dict):
        if strict and what == "output":
            raise RuntimeError(
                "Encountering a dict at the output of the tracer might cause the trace to be incorrect, this is only "
                "valid if the container structure does not change based on the module's inputs. Consider using a "
                "constant container instead (e.g. for `list`, use a `tuple` instead. for `dict`, use a `NamedTuple` "
                "instead). If you absolutely need this and know the side effects, pass strict=False to trace() to "
                "allow this behavior.")
        items = []
        for k, v in obj.items():
            if not isinstance(k, str):
                raise RuntimeError(f"ember.jit.trace: dict {what}s need string keys, got {type(k).__name__}")
            items.append([k, _flatten(v, out, strict, what)])
        return {"dict": items}
    raise RuntimeError(f"ember.jit.trace: {what}s must be tensors or (nested) tuples, lists or dicts of tensors, "
                       f"got {type(obj).__name__}")


def _unflatten(spec, it):
    if spec == "T":
        return next(it)
    if "tuple" in spec:
        return tuple(_unflatten(s, it) for s in spec["tuple"])
    if "list" in spec:
        return [_unflatten(s, it) for s in spec["list"]]
    return {k: _unflatten(s, it) for k, s in spec["dict"]}


def _count(spec):
    if spec == "T":
        return 1
    if "dict" in spec:
        return sum(_count(s) for _, s in spec["dict"])
    return sum(_count(s) for s in next(iter(spec.values())))


def _input_names(func, n_args, in_spec):
    """Argument names of forward (or the function) for the flat inputs: x, y, or x_0, x_1 for nested ones."""
    target = func.forward if isinstance(func, Module) else func
    try:
        params = [p.name for p in inspect.signature(target).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        params = []
    names = []
    for i, spec in enumerate(in_spec["tuple"]):
        base = params[i] if i < len(params) else f"input_{i}"
        n = _count(spec)
        names += [base] if spec == "T" else [f"{base}_{k}" for k in range(n)]
    return names


# ---------------------------------------------------------------- the traced module

class _Holder(Module):
    """A bare container that gives parameters their dotted names back."""

    def forward(self, *args):
        raise RuntimeError("this container only holds parameters of a traced module")


class TracedModule(Module):
    """A traced model: calling it runs its graph in C++. ``.graph`` shows the
    graph, ``.save(path)`` writes one file that ``ember.jit.load`` and
    ``ember::jit::load`` read. Parameters are shared with the module that was
    traced (``state_dict``/``load_state_dict`` work through them)."""

    def __init__(self, cmodule, name="TracedModule", param_objects=None):
        super().__init__()
        self.__dict__["_c"] = cmodule
        self.__dict__["_name"] = name
        graph = cmodule.graph
        meta = json.loads(graph.input_spec) if graph.input_spec else {"args": None, "buffers": []}
        self.__dict__["_in_spec"] = meta.get("args")
        self.__dict__["_out_spec"] = json.loads(graph.output_spec) if graph.output_spec else None
        buffers = set(meta.get("buffers", []))
        param_objects = param_objects or {}
        for qual, t in cmodule.named_parameters():
            *path, leaf = qual.split(".")
            owner = self
            for p in path:
                child = owner._modules.get(p)
                if child is None:
                    child = _Holder()
                    owner._modules[p] = child
                owner = child
            obj = param_objects.get(qual)
            if qual in buffers:
                owner._buffers[leaf] = obj if obj is not None else t
            else:
                if obj is None or not isinstance(obj, Parameter):
                    obj = Parameter(t)
                owner._parameters[leaf] = obj

    @property
    def graph(self):
        return self._c.graph

    @property
    def inlined_graph(self):
        return self._c.graph

    @property
    def code(self):
        return str(self._c.graph)

    @property
    def original_name(self):
        return self._name

    def forward(self, *args):
        flat = []
        spec = _flatten(args, flat, False, "input")
        if self._in_spec is not None and spec != self._in_spec:
            raise RuntimeError(f"{self._name}: the traced model takes inputs structured as {self._in_spec}, "
                               f"got {spec}")
        outs = self._c.forward(flat)
        if self._out_spec is None:
            return outs[0] if len(outs) == 1 else tuple(outs)
        return _unflatten(self._out_spec, iter(outs))

    def save(self, f, _extra_files=None):
        """Write graph and weights to one file (a path, or a binary file object)."""
        if _extra_files:
            raise NotImplementedError("ember.jit: _extra_files are not supported yet")
        if isinstance(f, (str, bytes, os.PathLike)):
            self._c.save(os.fsdecode(f))
        else:
            f.write(self._c.save_to_bytes())

    def _save_for_lite_interpreter(self, *args, **kwargs):
        raise NotImplementedError("ember.jit: the lite interpreter format is not supported; use save()")

    def extra_repr(self):
        return f"original_name={self._name}"


def save(m, f, _extra_files=None):
    """Saves a traced module to f (a path or a binary file); the same as m.save(f)."""
    if not isinstance(m, TracedModule):
        raise TypeError(f"ember.jit.save expects a traced module, got {type(m).__name__}")
    m.save(f, _extra_files)


def load(f, map_location=None, _extra_files=None):
    """Read a model written by TracedModule.save (a path or a binary file object)."""
    if map_location is not None and str(map_location) != "cpu":
        _C.empty(0).to(map_location)  # raises the clear "built without" error for other devices
    if isinstance(f, (str, bytes, os.PathLike)):
        cm = _C._jit_load(os.fsdecode(f))
    else:
        cm = _C._jit_load_bytes(f.read())
    return TracedModule(cm, name="TracedModule")


def script(obj, *args, **kwargs):
    """Not supported: ember compiles models by tracing only; always raises NotImplementedError.

    Use ember.jit.trace(model, example_inputs) instead.
    """
    raise NotImplementedError("ember.jit.script is not supported: ember compiles models by tracing; use ember.jit.trace")


# ---------------------------------------------------------------- tracing

def _named_state(module):
    params = list(module.named_parameters())
    buffers = [(n, b) for n, b in module.named_buffers() if b is not None]
    return params, buffers


def trace(func, example_inputs=None, optimize=None, check_trace=True, check_inputs=None, check_tolerance=1e-5,
          strict=True, _force_outplace=False, _module_class=None, _compilation_unit=None, example_kwarg_inputs=None,
          _store_inputs=True):
    """Run ``func`` (a Module or a function) once on ``example_inputs`` and record
    the ops it executes into a graph; returns a TracedModule running that graph.

    optimize: run dead-code elimination, constant folding and elementwise fusion
    (default True). check_trace: run the traced module on the inputs again and
    warn (TracerWarning) if its outputs differ from the eager ones by more than
    check_tolerance. strict: refuse list and dict outputs, as torch does."""
    if example_kwarg_inputs is not None:
        raise NotImplementedError("ember.jit.trace: example_kwarg_inputs is not supported yet; pass positional inputs")
    if example_inputs is None:
        raise ValueError("ember.jit.trace: example_inputs is required")
    if isinstance(func, TracedModule):
        warnings.warn("The input to trace is already a ScriptModule, tracing it is a no-op. Returning the object as is.")
        return func
    if not callable(func):
        raise TypeError(f"ember.jit.trace expects a Module or a function, got {type(func).__name__}")
    if isinstance(example_inputs, (Tensor, dict)):
        example_inputs = (example_inputs,)
    elif not isinstance(example_inputs, tuple):
        example_inputs = tuple(example_inputs)

    flat_in = []
    in_spec = _flatten(example_inputs, flat_in, False, "input")
    names = _input_names(func, len(example_inputs), in_spec)
    params, buffers = _named_state(func) if isinstance(func, Module) else ([], [])
    check_copies = [t.detach().clone() for t in flat_in] if check_trace else None

    # each input must be its own tensor object for the tracer to tell them apart
    seen, trace_in = set(), []
    for t in flat_in:
        trace_in.append(t.view_as(t) if id(t) in seen else t)
        seen.add(id(t))
    args = _unflatten(in_spec, iter(trace_in))

    with no_grad():
        _C._jit_trace_start(params + buffers)
        try:
            for t, name in zip(trace_in, names):
                _C._jit_trace_add_input(t, name)
            out = func(*args)
            flat_out = []
            out_spec = _flatten(out, flat_out, strict, "output")
            meta = {"args": in_spec, "buffers": [n for n, _ in buffers]}
            graph = _C._jit_trace_finish(flat_out, json.dumps(meta), json.dumps(out_spec))
        except BaseException:
            if _C._jit_is_tracing():
                _C._jit_trace_abort()
            raise
    if optimize is None or optimize:
        graph = graph.run_passes(["optimize"])
    objects = {n: p for n, p in params + buffers}
    name = type(func).__name__ if isinstance(func, Module) else getattr(func, "__name__", "function")
    traced = TracedModule(_C._JitModule(graph), name=name, param_objects=objects)
    if check_trace:
        eager_out = [t.detach().clone() for t in flat_out]
        sets = [(check_copies, eager_out)]
        if check_inputs:
            for inputs in check_inputs:
                if isinstance(inputs, (Tensor, dict)):
                    inputs = (inputs,)
                flat = []
                _flatten(tuple(inputs), flat, False, "input")
                sets.append((flat, None))
        _check_trace(traced, func, in_spec, sets, check_tolerance, params + buffers)
    return traced


def trace_module(mod, inputs, **kwargs):
    """Traces mod's methods from a dict {"method name": example inputs}; only "forward" is supported."""
    if set(inputs) - {"forward"}:
        raise NotImplementedError("ember.jit.trace_module: only the forward method can be traced")
    return trace(mod, inputs["forward"], **kwargs)


def _nondeterministic(graph):
    for node in graph.nodes():
        if node.body is None:
            info = _C._jit_op_info(node.op)
            if info and info["nondeterministic"]:
                args = node.args()
                # dropout(x, p, train) is random only when training with p > 0
                if node.op.endswith("dropout") and len(args) >= 3 and (not args[2] or args[1] == 0):
                    continue
                return node.op
    return None


def _check_trace(traced, func, in_spec, sets, tol, state):
    op = _nondeterministic(traced.graph)
    if op is not None:
        warnings.warn(f"Trace had nondeterministic nodes ({op}). Did you forget call .eval() on your model? "
                      "The trace check was skipped.", TracerWarning, stacklevel=3)
        return
    saved = [(t, t.detach().clone()) for _, t in state]
    try:
        for flat, expected in sets:
            with no_grad():
                if expected is None:
                    expected = []
                    _flatten(func(*_unflatten(in_spec, iter([t.clone() for t in flat]))), expected, False, "output")
                got = traced._c.forward([t.clone() for t in flat])
            for i, (e, g) in enumerate(zip(expected, got)):
                problem = _compare(e, g, tol)
                if problem:
                    warnings.warn(f"Output nr {i + 1}. of the traced function does not match the corresponding output "
                                  f"of the Python function. Detailed error:\n{problem}", TracerWarning, stacklevel=3)
    finally:
        with no_grad():
            for t, copy in saved:
                t.copy_(copy)


def _compare(expected, got, tol):
    import numpy as np
    if tuple(expected.shape) != tuple(got.shape):
        return f"shapes differ: {tuple(expected.shape)} (Python) vs {tuple(got.shape)} (traced)"
    if expected.dtype != got.dtype:
        return f"dtypes differ: {expected.dtype} (Python) vs {got.dtype} (traced)"
    if expected.numel() == 0:
        return None
    e = expected.detach().double().numpy() if expected.is_floating_point() else expected.detach().numpy()
    g = got.detach().double().numpy() if got.is_floating_point() else got.detach().numpy()
    if expected.is_floating_point():
        close = np.isclose(e, g, rtol=tol, atol=tol, equal_nan=True)
    else:
        close = e == g
    if not close.all():
        diff = np.abs(e.astype(np.float64) - g.astype(np.float64))
        return f"Tensor-likes are not close! Greatest absolute difference: {np.nanmax(diff)}"
    return None
