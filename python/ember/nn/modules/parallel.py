"""DataParallel and DistributedDataParallel on a CPU-only build: torch's DataParallel with no GPU
simply runs the wrapped module, and checkpoints keep its "module." key prefix."""
from .module import Module


class DataParallel(Module):
    """Wraps a module for data-parallel execution; ember has no GPUs, so forward runs the module as is.

    DataParallel(module, device_ids=None, output_device=None, dim=0). State dict keys keep the
    'module.' prefix, so checkpoints load into torch's DataParallel.
    """

    def __init__(self, module, device_ids=None, output_device=None, dim=0):
        super().__init__()
        self.module = module
        self.device_ids = []
        self.dim = dim
        self.output_device = None
        self.src_device_obj = None

    def forward(self, *inputs, **kwargs):
        return self.module(*inputs, **kwargs)


class DistributedDataParallel(Module):
    def __init__(self, *args, **kwargs):
        raise NotImplementedError("DistributedDataParallel is not supported yet (ember has no distributed backend)")
