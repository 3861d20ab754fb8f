"""ember.linalg: torch.linalg's products, norms, decompositions and solvers.

The decompositions run on LAPACK (OpenBLAS) in C++; these are thin names for
the _C entry points. Singular or non-positive-definite inputs raise
LinAlgError, a RuntimeError like torch.linalg.LinAlgError.
"""
from . import _C

__all__ = ["matmul", "cross", "vecdot", "vector_norm", "norm", "matrix_norm", "LinAlgError",
           "det", "slogdet", "inv", "inv_ex", "solve", "solve_ex", "lu_factor", "lu_factor_ex", "lu", "lu_solve",
           "cholesky", "cholesky_ex", "solve_triangular", "qr", "eigh", "eigvalsh", "svd", "svdvals", "pinv",
           "matrix_rank", "lstsq", "cond", "eig", "eigvals", "matrix_power", "matrix_exp", "multi_dot",
           "householder_product", "vander", "diagonal", "tensorinv", "tensorsolve"]

LinAlgError = _C._LinAlgError

det = _C.linalg_det
slogdet = _C.linalg_slogdet
inv = _C.linalg_inv
inv_ex = _C.linalg_inv_ex
solve = _C.linalg_solve
solve_ex = _C.linalg_solve_ex
lu_factor = _C.linalg_lu_factor
lu_factor_ex = _C.linalg_lu_factor_ex
lu = _C.linalg_lu
lu_solve = _C.linalg_lu_solve
cholesky = _C.linalg_cholesky
cholesky_ex = _C.linalg_cholesky_ex
solve_triangular = _C.linalg_solve_triangular
qr = _C.linalg_qr
eigh = _C.linalg_eigh
eigvalsh = _C.linalg_eigvalsh
svd = _C.linalg_svd
svdvals = _C.linalg_svdvals
pinv = _C.linalg_pinv
matrix_rank = _C.linalg_matrix_rank
lstsq = _C.linalg_lstsq
cond = _C.linalg_cond
eig = _C.linalg_eig  # complex results: raises NotImplementedError (ember has no complex dtype)
eigvals = _C.linalg_eigvals
matrix_power = _C.linalg_matrix_power
matrix_exp = _C.linalg_matrix_exp
multi_dot = _C.linalg_multi_dot
householder_product = _C.linalg_householder_product
vander = _C.linalg_vander
tensorinv = _C.linalg_tensorinv
tensorsolve = _C.linalg_tensorsolve

# out= as torch.linalg takes it (tuples for the functions with several results)
from ._out import _with_out  # noqa: E402

for _name in ("det", "slogdet", "inv", "inv_ex", "solve", "solve_ex", "lu_factor", "lu_factor_ex", "lu", "lu_solve",
              "cholesky", "cholesky_ex", "solve_triangular", "qr", "eigh", "eigvalsh", "svd", "svdvals", "pinv",
              "matrix_rank", "cond", "matrix_power", "matrix_exp", "multi_dot", "householder_product", "tensorinv",
              "tensorsolve"):
    globals()[_name] = _with_out("linalg." + _name, globals()[_name])
del _name


def diagonal(A, *, offset=0, dim1=-2, dim2=-1):
    """Diagonals of the last two dims by default (ember.diagonal's defaults are 0 and 1)."""
    return _C.diagonal(A, offset, dim1, dim2)


def matmul(input, other):
    """Matrix product with broadcasting (same as ember.matmul)."""
    return _C.matmul(input, other)


def cross(input, other, *, dim=-1):
    """Cross product of 3-vectors along `dim` (default -1, unlike ember.cross)."""
    return _C.linalg_cross(input, other, dim=dim)


def vecdot(x, y, *, dim=-1):
    """Dot product of vectors along `dim`, broadcasting the other dims."""
    return _C.linalg_vecdot(x, y, dim=dim)


def _native(name):
    # The norms are bound with the reductions; look them up on use so that this
    # module imports even when they are missing, and say so clearly if they are.
    fn = getattr(_C, name, None)
    if fn is None:
        raise NotImplementedError(f"ember.linalg: {name[len('linalg_'):]} is not supported yet")
    return fn


def vector_norm(*args, **kwargs):
    """Vector norm over `dim` (all elements by default), as torch.linalg.vector_norm."""
    return _native("linalg_vector_norm")(*args, **kwargs)


def norm(*args, **kwargs):
    """Vector or matrix norm, as torch.linalg.norm."""
    return _native("linalg_norm")(*args, **kwargs)


def matrix_norm(*args, **kwargs):
    """Matrix norm over the last two dims (Frobenius by default), as torch.linalg.matrix_norm."""
    return _native("linalg_matrix_norm")(*args, **kwargs)
