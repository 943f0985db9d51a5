"""Watchers that notice forbidden shortcuts while a student's function runs.

``watch_autograd`` records any use of autograd (``backward``, ``autograd.grad``);
``watch_builtin_optimizers`` records calls into torch.optim's own algorithms. They only
observe and report; the trusted side also scans the source, since code in the sandbox
could undo a patch.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from typing import Any

import torch

_OPTIMIZERS = ("SGD", "Adam", "AdamW", "Adagrad", "Adadelta", "Adamax", "NAdam", "RAdam",
               "RMSprop", "Rprop", "ASGD", "LBFGS", "SparseAdam", "Adafactor", "Muon")
_FUNCTIONAL = ("sgd", "adam", "adamw", "adagrad", "adadelta", "adamax", "nadam", "radam",
               "rmsprop", "rprop", "asgd")


def _wrap(fn: Callable[..., Any], note: Callable[[], None]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        note()
        return fn(*args, **kwargs)
    return wrapper


@contextlib.contextmanager
def _patched(targets: list[tuple[Any, str]], message: str, seen: list[str]) -> Iterator[None]:
    saved = []
    def note() -> None:
        if message not in seen:
            seen.append(message)
    for owner, name in targets:
        original = getattr(owner, name, None)
        if original is None:
            continue
        saved.append((owner, name, original))
        setattr(owner, name, _wrap(original, note))
    try:
        yield
    finally:
        for owner, name, original in reversed(saved):
            setattr(owner, name, original)


@contextlib.contextmanager
def watch_autograd(seen: list[str], where: str) -> Iterator[None]:
    targets = [(torch.Tensor, "backward"), (torch.autograd, "backward"), (torch.autograd, "grad")]
    with _patched(targets, f"`{where}` used autograd (backward / autograd.grad)", seen):
        yield


def _algorithm_targets() -> list[tuple[Any, str]]:
    """Where torch.optim's algorithms live: the module-level functions every built-in
    ``step`` calls (``torch.optim.adam.adam`` and its single-tensor, multi-tensor and fused
    forms), patched where ``step`` looks them up, so a subclass, a wrapper or an import
    through ``importlib`` is seen alike; ``step`` itself only for the optimizers that have
    no such function."""
    import importlib  # noqa: PLC0415

    targets: list[tuple[Any, str]] = []
    covered: set[str] = set()
    for name in _FUNCTIONAL:
        try:
            mod = importlib.import_module(f"torch.optim.{name}")
        except ImportError:
            continue
        for attr in dir(mod):
            if attr == name or attr.startswith(("_single_tensor_", "_multi_tensor_", "_fused_")):
                if callable(getattr(mod, attr)):
                    targets.append((mod, attr))
                    covered.add(name)
    for name in _OPTIMIZERS:
        cls = getattr(torch.optim, name, None)
        if isinstance(cls, type) and name.lower() not in covered and name != "AdamW":
            targets.append((cls, "step"))
    return targets


@contextlib.contextmanager
def watch_builtin_optimizers(seen: list[str], where: str) -> Iterator[None]:
    with _patched(_algorithm_targets(), f"`{where}` called one of torch.optim's own algorithms",
                  seen):
        yield


_CONTAINERS = (torch.Tensor, list, tuple, dict)  # what may hold a tensor, in a result


def graph_attached(value: Any) -> bool:
    """True when a returned tensor is part of an autograd graph."""
    if isinstance(value, torch.Tensor):
        return value.grad_fn is not None
    if isinstance(value, (list, tuple)):  # (a loss history: hundreds of floats, skipped)
        return any(graph_attached(v) for v in value if isinstance(v, _CONTAINERS))
    if isinstance(value, dict):
        return any(graph_attached(v) for v in value.values() if isinstance(v, _CONTAINERS))
    return False
