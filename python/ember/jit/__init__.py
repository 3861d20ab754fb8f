"""ember.jit: trace a model into a graph, optimise it, save it to one file, and
run it without Python (C++: ``ember::jit::load(path).forward(...)``, or the
``ember_run`` command-line tool).

    traced = ember.jit.trace(model, example_input)
    print(traced.graph)
    traced.save("model.ejit")
    same = ember.jit.load("model.ejit")

Like ``torch.jit.trace``, tracing records the ops one run executes: Python
control flow is unrolled, and Python numbers computed from tensors are frozen
(a ``TracerWarning`` says where).
"""
from ._trace import (  # noqa: F401
    TracedModule, TracerWarning, TracingCheckError, is_tracing, load, save, script, trace, trace_module,
)

ScriptModule = TracedModule
TopLevelTracedModule = TracedModule

__all__ = ["trace", "trace_module", "load", "save", "script", "is_tracing", "TracedModule", "ScriptModule",
           "TracerWarning", "TracingCheckError"]
