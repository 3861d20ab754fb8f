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
# decompositions and solvers (ember.linalg)
for _name, _fields in (
        ("slogdet", ("sign", "logabsdet")), ("linalg_slogdet", ("sign", "logabsdet")),
        ("linalg_inv_ex", ("inverse", "info")), ("linalg_solve_ex", ("result", "info")),
        ("linalg_lu_factor", ("LU", "pivots")), ("linalg_lu_factor_ex", ("LU", "pivots", "info")),
        ("linalg_lu", ("P", "L", "U")), ("lu_unpack", ("P", "L", "U")), ("linalg_cholesky_ex", ("L", "info")),
        ("triangular_solve", ("solution", "cloned_coefficient")), ("linalg_qr", ("Q", "R")), ("qr", ("Q", "R")),
        ("linalg_eigh", ("eigenvalues", "eigenvectors")), ("linalg_eig", ("eigenvalues", "eigenvectors")),
        ("linalg_svd", ("U", "S", "Vh")), ("svd", ("U", "S", "V")),
        ("linalg_lstsq", ("solution", "residuals", "rank", "singular_values")), ("geqrf", ("a", "tau"))):
    _define(_name, _fields)
del _fields
del _name
_define("frexp", ("mantissa", "exponent"))
_define("histogram", ("hist", "bin_edges"))
_define("histogramdd", ("hist", "bin_edges"))
