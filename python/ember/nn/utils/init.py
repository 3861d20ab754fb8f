"""skip_init: build a module without running its initialisers' meaning (values are unspecified)."""
import inspect


def skip_init(module_cls, *args, **kwargs):
    """Builds module_cls(*args, **kwargs) without needing its initial values.

    module_cls must take a device argument, as in torch. ember has no meta device, so the
    module is built normally (the values are its usual initialisation); device is dropped.
    """
    from ..modules.module import Module
    if not (isinstance(module_cls, type) and issubclass(module_cls, Module)):
        raise RuntimeError(f"Expected a Module; got {module_cls}")
    if "device" not in inspect.signature(module_cls).parameters:
        raise RuntimeError("Module must support a 'device' arg to skip initialization")
    # ember has no meta device: the module is built normally (its values are a valid "uninitialised" state)
    kwargs.pop("device", None)
    return module_cls(*args, **kwargs)
