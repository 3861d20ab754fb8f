"""The backward graph's node type: grad_fn objects are Nodes (their classes
are named after the op, as in torch: MulBackward0, AccumulateGrad, ...)."""
from .. import _C

Node = _C.Node

__all__ = ["Node"]
