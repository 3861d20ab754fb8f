import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "python"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _torch_single_threaded():
    """Keep the oracle on one thread for every test: some torch kernels (arange over many
    elements) round differently when they split the work, and small ops run fastest so."""
    try:
        import torch
    except ImportError:
        yield
        return
    torch.set_num_threads(1)
    yield
