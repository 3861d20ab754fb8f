"""The ember.* function namespace: C++ ops re-exported from _C."""
from . import _C

__all__ = []
for _name in dir(_C):
    if _name.startswith("_") or _name in ("dtype", "device", "Node"):
        continue
    globals()[_name] = getattr(_C, _name)
    __all__.append(_name)
del _name

from ._out import install as _install_out  # noqa: E402

_install_out(globals())
