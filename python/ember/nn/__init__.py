"""ember.nn: layers, losses and the Module system, with torch's names and defaults."""
from .parameter import Parameter, UninitializedParameter, UninitializedBuffer
from .modules import *  # noqa: F401,F403
from . import functional, init, utils  # noqa: F401
from .modules import parallel  # noqa: F401,E402  (nn.parallel.DataParallel, as in torch)
from . import grad  # noqa: F401,E402
