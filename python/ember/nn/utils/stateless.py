"""functional_call: run a module with some parameters and buffers replaced by given tensors
(torch.nn.utils.stateless). The module is left as it was afterwards."""
import contextlib
import warnings

__all__ = ["functional_call"]


def _change_class(module, params_and_buffers):
    # a subclass whose attribute lookup answers the replaced names from params_and_buffers
    cls = module.__class__
    attr_to_path = module._attr_to_path

    def _getattribute(self, name):
        if name in attr_to_path:
            return params_and_buffers[attr_to_path[name]]
        return cls.__getattribute__(self, name)

    def _setattr(self, name, value):
        if name in attr_to_path:
            params_and_buffers[attr_to_path[name]] = value
        else:
            return cls.__setattr__(self, name, value)

    module.__class__ = type(f"StatelessReplacer{cls.__name__}", (cls,),
                            {"__getattribute__": _getattribute, "__setattr__": _setattr})
    module._orig_class = cls


def _apply_func_submodules(func, module, path, full_path, args):
    if len(path) == 1:
        func(module, path[0], full_path, *args)
    else:
        _apply_func_submodules(func, getattr(module, path[0]), path[1:], full_path, args)


@contextlib.contextmanager
def _reparametrize_module(module, parameters_and_buffers):
    replaced = {}

    def swap(mod, tensor_name, full_path, tensor):
        if hasattr(mod, tensor_name):
            old = getattr(mod, tensor_name)
            if id(old) not in replaced:
                replaced[id(old)] = tensor
            elif replaced[id(old)] is not tensor:
                warnings.warn("functional_call was passed multiple values for tied weights. This behavior is "
                              "deprecated and will be an error in future versions")
        if "_attr_to_path" in mod.__dict__:
            mod._attr_to_path[tensor_name] = full_path
        else:
            mod.__dict__["_attr_to_path"] = {tensor_name: full_path}
            _change_class(mod, parameters_and_buffers)

    def unswap(mod, name, full_path):
        if "_orig_class" in mod.__dict__:
            mod.__class__ = mod.__dict__.pop("_orig_class")
            mod.__dict__.pop("_attr_to_path", None)

    for name, tensor in parameters_and_buffers.items():
        _apply_func_submodules(swap, module, name.split("."), name, (tensor,))
    try:
        yield
    finally:
        for name in parameters_and_buffers:
            _apply_func_submodules(unswap, module, name.split("."), name, ())


def functional_call(module, parameters_and_buffers, args, kwargs=None):
    kwargs = kwargs or {}
    with _reparametrize_module(module, parameters_and_buffers):
        return module(*args, **kwargs) if isinstance(args, tuple) else module(args, **kwargs)
