"""ember.save / ember.load: checkpoints in PyTorch's own file format.

Files are what torch.save writes (a zip archive holding a protocol-2 pickle and
each storage's raw bytes), so torch.load reads ember's files and ember.load
reads torch's, including the legacy pre-zip format. Reading and writing happen
in C++ (src/ember/serialize). The loader never runs code named in a file: it
rebuilds tensors, nn.Parameters, OrderedDicts (with a state_dict's _metadata),
dicts, lists, tuples, sets, numbers, strings, bytes, None, torch.Size, dtypes
and devices, and refuses anything else with an error naming the global, whether
or not ``weights_only`` is passed.
"""
import os
import pickle

from . import _C

DEFAULT_PROTOCOL = 2

__all__ = ["save", "load", "UnpicklingError", "DEFAULT_PROTOCOL"]


class UnpicklingError(RuntimeError, pickle.UnpicklingError):
    """A file ember.load cannot read: damaged, not a checkpoint, or holding objects it refuses to build."""


def _is_path(f):
    return isinstance(f, (str, os.PathLike))


def save(obj, f, pickle_module=pickle, pickle_protocol=DEFAULT_PROTOCOL, _use_new_zipfile_serialization=True,
         _disable_byteorder_record=False):
    """Save ``obj`` (tensors, state_dicts, and containers of tensors, numbers and strings) to ``f``,
    a path or a binary file object, in the format of ``torch.save``.

    Tensors that share storage (views) are written once and load back sharing it. With
    ``_use_new_zipfile_serialization=False`` the legacy pre-zip format is written.
    """
    if pickle_module is not None and pickle_module is not pickle:
        raise ValueError("ember.save: only the standard pickle format is supported (pickle_module=pickle)")
    if not isinstance(pickle_protocol, int) or isinstance(pickle_protocol, bool):
        raise TypeError("ember.save: pickle_protocol must be an int")
    zip_format = bool(_use_new_zipfile_serialization)
    if _is_path(f):
        _C._pt_save(obj, os.fsdecode(os.fspath(f)), pickle_protocol, zip_format)
        return
    if not hasattr(f, "write"):
        raise AttributeError(f"ember.save: expected a path or a binary file object with write(), got {type(f).__name__}")
    _C._pt_save(obj, f, pickle_protocol, zip_format)


def _device_of(spec):
    return spec if isinstance(spec, _C.device) else _C.device(spec)


def _resolver(map_location):
    """map_location as a function (location recorded in the file, storage bytes) -> device."""
    if map_location is None:
        return None
    if isinstance(map_location, (str, _C.device)):
        dev = _device_of(map_location)
        return lambda location, storage: dev
    if isinstance(map_location, dict):
        return lambda location, storage: _device_of(map_location.get(location, location))
    if callable(map_location):
        # torch calls map_location(storage, location) and uses what it returns (None: the default).
        # ember's storages are CPU memory; they are passed as a uint8 tensor of their bytes.
        def call(location, storage):
            result = map_location(storage, location)
            if result is None:
                return _device_of(location)
            device = getattr(result, "device", None)
            if device is None:
                raise TypeError("ember.load: map_location returned " + type(result).__name__ +
                                ", expected a storage or None")
            return device
        return call
    raise TypeError("ember.load: map_location must be None, a str, an ember.device, a dict or a callable, not " +
                    type(map_location).__name__)


def load(f, map_location=None, pickle_module=None, *, weights_only=False, **pickle_load_args):
    """Load an object saved by ``ember.save`` or ``torch.save`` from ``f``, a path or a binary
    file object.

    ``map_location`` (a device, a str, a dict from saved location to target, or a callable
    ``(storage, location) -> storage``) picks where storages go; ember has only the CPU, so a CUDA
    target raises ember's "built without CUDA" error. ``weights_only`` is accepted for
    compatibility: ember's loader is always restricted to weights and plain data.
    """
    if pickle_module is not None and pickle_module is not pickle:
        raise ValueError("ember.load: only the standard pickle format is supported (pickle_module=pickle)")
    unknown = set(pickle_load_args) - {"encoding", "errors", "fix_imports"}
    if unknown:
        raise TypeError(f"ember.load: unexpected keyword argument(s) {sorted(unknown)}")
    resolver = _resolver(map_location)
    if _is_path(f):
        source = os.fsdecode(os.fspath(f))
        with open(source, "rb"):  # FileNotFoundError / IsADirectoryError / PermissionError, as torch raises
            pass
    elif hasattr(f, "read"):
        source = f.read()
        if not isinstance(source, (bytes, bytearray, memoryview)):
            raise TypeError("ember.load: the file object must be opened in binary mode")
    else:
        raise AttributeError(f"ember.load: expected a path or a binary file object with read(), got {type(f).__name__}")
    try:
        return _C._pt_load(source, resolver)
    except RuntimeError as e:
        if type(e) is RuntimeError and str(e).startswith("ember.load:") and "CUDA" not in str(e):
            raise UnpicklingError(str(e)) from None
        raise
