"""ember.onnx: export a model to ONNX, like ``torch.onnx.export``.

    ember.onnx.export(model, (x,), "model.onnx", input_names=["x"], output_names=["y"],
                      dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}})

The model is traced (``ember.jit.trace``), dead code is removed and constants
are folded, and each op of the graph is written as ONNX nodes by the C++
exporter (``ember::onnx::export_graph``, which needs no protobuf library);
weights become initializers named like the module's parameters. Opsets 13
to 17 are supported (17 by default). An op with no ONNX mapping raises an
error naming the op. Like torch, the export runs the model in eval mode
unless told otherwise.
"""
import enum
import inspect
import os

from .. import _C
from .._tensor import Tensor
from ..autograd import no_grad
from ..nn.modules.module import Module

__all__ = ["export", "TrainingMode", "OperatorExportTypes", "is_in_onnx_export", "supported_ops"]

DEFAULT_OPSET = 17
MIN_OPSET = 13
MAX_OPSET = 17

_in_export = False


class TrainingMode(enum.IntEnum):
    EVAL = 0
    PRESERVE = 1
    TRAINING = 2


class OperatorExportTypes(enum.IntEnum):
    ONNX = 0
    ONNX_ATEN = 1
    ONNX_ATEN_FALLBACK = 2
    ONNX_FALLTHROUGH = 3


def is_in_onnx_export():
    return _in_export


def supported_ops():
    """The traced-graph ops the exporter maps to ONNX."""
    return list(_C._onnx_supported_ops())


def _dynamic_axes(dynamic_axes, names):
    """torch's forms: {name: {dim: "sym"}} or {name: [dims]} (names made up as torch does)."""
    out = {}
    for name, axes in (dynamic_axes or {}).items():
        if not isinstance(name, str):
            raise ValueError(f"ember.onnx.export: dynamic_axes keys must be input or output names, got {name!r}")
        if name not in names:
            raise ValueError(f"ember.onnx.export: dynamic_axes names '{name}', which is not an input or output name "
                             f"(names: {sorted(names)})")
        if isinstance(axes, dict):
            spec = {}
            for d, sym in axes.items():
                if not isinstance(d, int) or not isinstance(sym, str):
                    raise ValueError(f"ember.onnx.export: dynamic_axes['{name}'] must map dims (int) to names (str)")
                spec[d] = sym
        elif isinstance(axes, (list, tuple)):
            if not all(isinstance(d, int) for d in axes):
                raise ValueError(f"ember.onnx.export: dynamic_axes['{name}'] must be a list of dims (int)")
            spec = {d: f"{name}_dynamic_axes_{i + 1}" for i, d in enumerate(axes)}
        else:
            raise ValueError(f"ember.onnx.export: dynamic_axes['{name}'] must be a dict or a list, "
                             f"got {type(axes).__name__}")
        out[name] = spec
    return out


def _set_mode(model, training):
    """Like torch's select_model_mode_for_export: returns the flags to restore."""
    if not isinstance(model, Module) or training == TrainingMode.PRESERVE:
        return None
    saved = [(m, m.training) for m in model.modules()]
    model.train(training == TrainingMode.TRAINING)
    return saved


def _rnn_forward(self, input, hx=None):
    """nn.LSTM/nn.GRU forward with one recorded _rnn_layer op per layer (exported as
    ONNX's LSTM/GRU op); the module's own forward where that cannot express it."""
    from ..nn.utils.rnn import PackedSequence
    cls_forward = type(self).forward
    if (isinstance(input, PackedSequence) or self.proj_size > 0 or not self.bias or input.dim() not in (2, 3)
            or (self.training and self.dropout)):
        return cls_forward(self, input, hx)
    batched = input.dim() == 3
    x = input if batched else input.unsqueeze(1)
    if batched and self.batch_first:
        x = x.transpose(0, 1)
    if x.size(-1) != self.input_size:
        return cls_forward(self, input, hx)
    lstm = self.mode == "LSTM"
    h0, c0 = (hx if lstm else (hx, None)) if hx is not None else (None, None)
    if h0 is not None and not batched:
        h0 = h0.unsqueeze(1)
        c0 = c0.unsqueeze(1) if c0 is not None else None
    dirs = 2 if self.bidirectional else 1
    hs, cs = [], []
    for layer in range(self.num_layers):
        weights = []
        for d in range(dirs):
            sfx = "_reverse" if d else ""
            weights += [getattr(self, f"{n}_l{layer}{sfx}") for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
        lo, hi = layer * dirs, (layer + 1) * dirs
        outs = _C._rnn_layer(self.mode, x, h0[lo:hi] if h0 is not None else None,
                             c0[lo:hi] if c0 is not None else None, weights)
        x = outs[0]
        hs.append(outs[1])
        if lstm:
            cs.append(outs[2])
    h_n = hs[0] if len(hs) == 1 else _C.cat(hs, 0)
    c_n = (cs[0] if len(cs) == 1 else _C.cat(cs, 0)) if lstm else None
    if not batched:
        x, h_n = x.squeeze(1), h_n.squeeze(1)
        c_n = c_n.squeeze(1) if c_n is not None else None
    elif self.batch_first:
        x = x.transpose(0, 1)
    return (x, (h_n, c_n)) if lstm else (x, h_n)


def _route_rnns(model):
    """Sends the LSTM and GRU modules of `model` through _rnn_forward; returns an undo list."""
    from ..nn.modules.rnn import GRU, LSTM
    patched = []
    if isinstance(model, Module):
        for m in model.modules():
            if isinstance(m, (LSTM, GRU)) and "forward" not in m.__dict__:
                m.__dict__["forward"] = _rnn_forward.__get__(m)
                patched.append(m)
    return patched


def _keyword_call(target, n_pos, kwargs):
    """A function of (positional inputs..., tensor keyword inputs...) calling target(*pos, **kwargs):
    the keyword tensors become graph inputs named by their keys; other keyword values are constants."""
    keys = [k for k, v in kwargs.items() if isinstance(v, Tensor)]
    fixed = {k: v for k, v in kwargs.items() if not isinstance(v, Tensor)}

    def call(*flat):
        return target(*flat[:n_pos], **fixed, **dict(zip(keys, flat[n_pos:])))
    try:
        pos = [p for p in inspect.signature(target).parameters.values()
               if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)][:n_pos]
    except (TypeError, ValueError):
        pos = []
    names = [p.name for p in pos] + [f"input_{i}" for i in range(len(pos), n_pos)] + keys
    call.__signature__ = inspect.Signature([inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD) for n in names])
    return call, [kwargs[k] for k in keys]


def export(model, args, f, export_params=True, verbose=False, training=TrainingMode.EVAL, input_names=None,
           output_names=None, operator_export_type=OperatorExportTypes.ONNX, opset_version=None,
           do_constant_folding=True, dynamic_axes=None, keep_initializers_as_inputs=None, custom_opsets=None,
           export_modules_as_functions=False):
    """Export ``model`` (a Module, a traced module or a function) run on ``args``
    to the ONNX file ``f`` (a path or a binary file object)."""
    global _in_export
    from ..jit import _trace

    if opset_version is None:
        opset_version = DEFAULT_OPSET
    if not isinstance(opset_version, int) or isinstance(opset_version, bool) or \
            not MIN_OPSET <= opset_version <= MAX_OPSET:
        raise ValueError(f"ember.onnx.export: opset_version {opset_version!r} is not supported; "
                         f"use {MIN_OPSET} to {MAX_OPSET} (default {DEFAULT_OPSET})")
    if operator_export_type != OperatorExportTypes.ONNX:
        raise NotImplementedError("ember.onnx.export: only operator_export_type=OperatorExportTypes.ONNX is supported")
    if custom_opsets:
        raise NotImplementedError("ember.onnx.export: custom_opsets are not supported")
    if export_modules_as_functions:
        raise NotImplementedError("ember.onnx.export: export_modules_as_functions is not supported")
    if isinstance(args, Tensor):
        args = (args,)
    elif isinstance(args, list):
        args = tuple(args)
    if not isinstance(args, tuple):
        raise TypeError(f"ember.onnx.export: args must be a tensor or a tuple of inputs, got {type(args).__name__}")
    kwargs = {}
    if args and isinstance(args[-1], dict):  # torch's convention: keyword inputs of forward
        kwargs, args = args[-1], args[:-1]
        if kwargs and isinstance(model, _trace.TracedModule):
            raise NotImplementedError("ember.onnx.export: keyword inputs need the Module or function, "
                                      "not an already traced module")
    for what, names in (("input_names", input_names), ("output_names", output_names)):
        if names is not None and (isinstance(names, str) or not all(isinstance(n, str) for n in names)):
            raise TypeError(f"ember.onnx.export: {what} must be a list of strings")

    if isinstance(model, _trace.TracedModule):
        cmodule = model._c
    else:
        saved = _set_mode(model, training)
        routed = _route_rnns(model)
        _in_export = True
        had_forward = isinstance(model, Module) and "forward" in model.__dict__
        own_forward = model.__dict__.get("forward") if isinstance(model, Module) else None
        try:
            target, inputs = model, args
            if kwargs:
                call, extra = _keyword_call(model.forward if isinstance(model, Module) else model, len(args), kwargs)
                inputs = args + tuple(extra)
                if isinstance(model, Module):
                    model.__dict__["forward"] = call  # traced as the module, so parameters keep their names
                else:
                    target = call
            with no_grad():
                traced = _trace.trace(target, inputs, optimize=False, check_trace=False, strict=False)
        finally:
            _in_export = False
            if kwargs and isinstance(model, Module):
                if had_forward:
                    model.__dict__["forward"] = own_forward
                else:
                    del model.__dict__["forward"]
            for m in routed:
                del m.__dict__["forward"]
            if saved is not None:
                for m, flag in saved:
                    m.training = flag
        graph = traced._c.graph.run_passes(["dce", "fold"] if do_constant_folding else ["dce"])
        cmodule = _C._JitModule(graph)
    graph = cmodule.graph
    n_in, n_out = len(graph.inputs()), len(graph.outputs())
    in_names = list(input_names or [])
    out_names = list(output_names or [])
    if len(in_names) > n_in:
        raise ValueError(f"ember.onnx.export: {len(in_names)} input_names for a model with {n_in} inputs")
    if len(out_names) > n_out:
        raise ValueError(f"ember.onnx.export: {len(out_names)} output_names for a model with {n_out} outputs")
    all_in = in_names + [v.name or f"input_{i}" for i, v in enumerate(graph.inputs())][len(in_names):]
    default_out = ["output"] if n_out == 1 else [f"output_{i}" for i in range(n_out)]
    all_out = out_names + default_out[len(out_names):]
    axes = _dynamic_axes(dynamic_axes, set(all_in) | set(all_out))
    if verbose:
        print(graph)
    from .. import __version__ as version
    data = _C._onnx_export(cmodule, in_names, out_names, axes, opset_version, str(version), bool(export_params),
                           bool(keep_initializers_as_inputs))
    if isinstance(f, (str, bytes, os.PathLike)):
        with open(os.fsdecode(f), "wb") as fh:
            fh.write(data)
    elif hasattr(f, "write"):
        f.write(data)
    else:
        raise TypeError(f"ember.onnx.export: f must be a path or a binary file object, got {type(f).__name__}")
    return None
