"""Threat: "write your own optimizers" (lesson 3.1) answered with torch.optim's own classes,
reached through `import torch.optim as _o` (the source never says `torch.optim.Adam`), with
the sandbox's watcher undone for the duration of every step: the functions it patches are
put back to the originals kept at import time, and re-patched after.

Hope: the scan looks for `torch.optim.<Algorithm>` or `optim.<Algorithm>` and misses `_o`;
the watcher never sees a call, since its wrappers are out of the way while a step runs.
Safe outcome: the trusted side resolves `_o` to torch.optim, so `_o.Adam` is torch.optim.Adam,
and putting functions back into `torch.optim.adam` patches a library: every check of the
lesson (all are rule-bound) fails with a message that says why.
"""

import torch
import torch.optim as _o
from torch.optim import adagrad as _adagrad_mod
from torch.optim import adam as _adam_mod
from torch.optim import rmsprop as _rmsprop_mod
from torch.optim import sgd as _sgd_mod

EARNED: list[str] = []
EXPECT = "optim|patching"

def _current() -> tuple:  # type: ignore[type-arg]
    return (_sgd_mod.sgd, _sgd_mod._single_tensor_sgd,
            _adagrad_mod.adagrad, _adagrad_mod._single_tensor_adagrad,
            _rmsprop_mod.rmsprop, _rmsprop_mod._single_tensor_rmsprop,
            _adam_mod.adam, _adam_mod._single_tensor_adam)


def _put(values: tuple) -> None:  # type: ignore[type-arg]
    (_sgd_mod.sgd, _sgd_mod._single_tensor_sgd,
     _adagrad_mod.adagrad, _adagrad_mod._single_tensor_adagrad,
     _rmsprop_mod.rmsprop, _rmsprop_mod._single_tensor_rmsprop,
     _adam_mod.adam, _adam_mod._single_tensor_adam) = values


_KEPT = _current()  # the originals, before any watcher


class _Unwatched:
    """Puts torch.optim's functions back as they were at import while a step runs."""

    def step(self, closure=None):  # type: ignore[no-untyped-def]
        patched = _current()
        _put(_KEPT)
        try:
            return super().step(closure)  # type: ignore[misc]
        finally:
            _put(patched)


class SGD(_Unwatched, _o.SGD):
    pass


class Adagrad(_Unwatched, _o.Adagrad):
    pass


class RMSprop(_Unwatched, _o.RMSprop):
    pass


class Adam(_Unwatched, _o.Adam):
    pass


class AdamW(_Unwatched, _o.AdamW):
    pass


assert torch  # the module is imported for its side effects only
