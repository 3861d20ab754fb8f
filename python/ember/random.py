"""ember.random: seeding and state of the default CPU generator (torch.random).

The generator is an MT19937 with torch's seeding and draw order, and its state
is torch's byte layout, so states move between the two libraries unchanged.
"""
import contextlib

from ._C import (  # noqa: F401
    Generator, default_generator, get_rng_state, initial_seed, manual_seed, seed, set_rng_state,
)

__all__ = ["set_rng_state", "get_rng_state", "manual_seed", "seed", "initial_seed", "fork_rng"]


@contextlib.contextmanager
def fork_rng(devices=None, enabled=True, _caller="fork_rng", _devices_kw="devices"):
    """Run the block with the CPU RNG state saved and restored afterwards.

    `devices` names CUDA devices in torch; ember has only the CPU generator, so
    an empty or absent list is the only meaningful value.
    """
    if not enabled:
        yield
        return
    if devices:
        raise RuntimeError(f"{_caller}: ember has no CUDA generators to fork ({_devices_kw}={devices!r})")
    state = get_rng_state()
    try:
        yield
    finally:
        set_rng_state(state)
