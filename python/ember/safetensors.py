"""ember.safetensors: the safetensors format, like ``safetensors.torch``.

A file is an 8-byte little-endian header length, a JSON header
``{name: {"dtype", "shape", "data_offsets"}, "__metadata__": {str: str}}`` and
the tensors' bytes. Reading (in C++, src/ember/serialize/safetensors.cpp)
checks every offset and length and raises a clear error for a damaged file.
"""
import os

from . import _C

__all__ = ["save", "save_file", "load", "load_file", "safe_open"]


def _check_device(device, op):
    _C._check_device_available(device if isinstance(device, _C.device) else _C.device(device), op)


def save(tensors, metadata=None):
    """The safetensors bytes of ``tensors`` (a dict name -> tensor) with optional str -> str ``metadata``."""
    return _C._safetensors_save(tensors, metadata, None)


def save_file(tensors, filename, metadata=None):
    """Write ``tensors`` (a dict name -> tensor) to ``filename`` in the safetensors format."""
    _C._safetensors_save(tensors, metadata, os.fsdecode(os.fspath(filename)))


def load(data):
    """The tensors (dict name -> tensor, sorted by name) in safetensors ``data`` (bytes)."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"safetensors.load expects bytes, got {type(data).__name__}")
    return _C._safetensors_load(bytes(data) if isinstance(data, memoryview) else data)[0]


def _load_path(filename):
    path = os.fsdecode(os.fspath(filename))
    with open(path, "rb"):  # FileNotFoundError etc. as Python raises them
        pass
    return _C._safetensors_load(path)


def load_file(filename, device="cpu"):
    """The tensors (dict name -> tensor, sorted by name) in the safetensors file ``filename``."""
    _check_device(device, "safetensors.load_file")
    return _load_path(filename)[0]


class safe_open:
    """``with safe_open(path, framework="pt") as f: f.keys(), f.get_tensor(name), f.metadata()``.

    The whole file is read on opening (no lazy slices)."""

    def __init__(self, filename, framework="pt", device="cpu"):
        if framework not in ("pt", "torch", "ember", "numpy", "np"):
            raise ValueError(f"safe_open: unsupported framework {framework!r}")
        _check_device(device, "safe_open")
        self._numpy = framework in ("numpy", "np")
        self._tensors, self._metadata = _load_path(filename)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def keys(self):
        return list(self._tensors)

    def metadata(self):
        return dict(self._metadata) if self._metadata else None

    def get_tensor(self, name):
        if name not in self._tensors:
            raise KeyError(name)
        t = self._tensors[name]
        return t.numpy() if self._numpy else t
