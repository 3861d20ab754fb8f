"""Named results of ops that return several tensors, like torch.return_types.

Each is a tuple (unpacks and indexes like one) whose items also have names:
``values, indices = x.max(0)`` and ``x.max(0).indices`` both work.
"""
import collections

__all__ = []


def _define(name, fields):
    base = collections.namedtuple(name, fields)

    def __repr__(self):
        items = ",\n".join(f"{f}={getattr(self, f)!r}" for f in self._fields)
        return f"ember.return_types.{name}(\n{items})"

    cls = type(name, (base,), {"__slots__": (), "__repr__": __repr__, "__module__": __name__})
    globals()[name] = cls
    __all__.append(name)


for _name in ("max", "min", "sort", "topk", "kthvalue", "median", "nanmedian", "mode", "cummax", "cummin"):
    _define(_name, ("values", "indices"))
_define("aminmax", ("min", "max"))
del _name
_define("frexp", ("mantissa", "exponent"))
_define("histogram", ("hist", "bin_edges"))
_define("histogramdd", ("hist", "bin_edges"))
