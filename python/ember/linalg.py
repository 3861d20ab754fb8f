"""ember.linalg: the torch.linalg functions ember has (products and norms)."""
from . import _C

__all__ = ["matmul", "cross", "vecdot", "vector_norm", "norm", "matrix_norm"]


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
