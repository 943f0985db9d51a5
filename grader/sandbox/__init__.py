"""Sandbox backends behind one interface; the factory is the one place that knows them.

Backends are imported lazily by name, so ``grade --help`` imports none of them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from grader.errors import UsageProblem
from grader.sandbox.base import Backend, SandboxError, SandboxJob, SandboxOutcome

if TYPE_CHECKING:
    from grader.sandbox.warm import WarmBackend

_BACKENDS = {
    "process": "grader.sandbox.process:ProcessBackend",
    "bwrap": "grader.sandbox.bwrap:BwrapBackend",
    "docker": "grader.sandbox.docker:DockerBackend",
}
# bwrap before docker: it hides the same files, needs no daemon and no image, and starts in
# milliseconds where a container costs about 2 s; docker is the strong choice where bwrap
# cannot run (macOS, Windows, hosts without user namespaces); process is the fallback.
_STRONGEST_FIRST = ["bwrap", "docker", "process"]


def available_names() -> list[str]:
    return list(_BACKENDS)


_WARM: dict[str, WarmBackend] = {}


def get_backend(name: str, *, warm: bool = False, workers: int = 2,
                preload: tuple[str, ...] | None = None) -> Backend:
    """Return the backend called ``name`` ('auto' picks the strongest available).

    With ``warm``, a pool of warm workers over that backend (``warm.py``), shared by every
    caller in this process and closed at exit; ``preload``: what its workers import before
    they fork a job (default: the spec's default ``warm_imports``, for a pool that grades
    any lesson; a process that grades one lesson passes that lesson's). It applies where
    the pool is made: the first call for that backend."""
    if warm:
        base = get_backend(name)
        pool = _WARM.get(base.name)
        if pool is None or pool.closed:  # (a closed one is of no use)
            from grader.sandbox.warm import WarmBackend  # noqa: PLC0415

            _WARM[base.name] = WarmBackend(base, workers=workers, preload=preload)
        return _WARM[base.name]
    if name == "auto":
        errors = []
        for candidate in _STRONGEST_FIRST:
            try:
                return get_backend(candidate)
            except SandboxError as e:
                errors.append(f"{candidate}: {e}")
        raise SandboxError("no sandbox is available: " + "; ".join(errors))
    if name not in _BACKENDS:
        raise SandboxError(f"unknown sandbox {name!r}; choose from {', '.join(_BACKENDS)}")
    module_name, cls_name = _BACKENDS[name].split(":")
    backend: Backend = getattr(importlib.import_module(module_name), cls_name)()
    backend.check_available()
    return backend


def start_early(name: str, *, gpu: bool = False) -> Backend:
    """The backend called ``name`` for grading one submission from a fresh process, already
    starting in the background.

    A cold sandbox imports torch after the grader has imported it: twice ``import torch``
    one after the other. Called before this process imports torch, this starts a one-worker
    warm pool (``warm.py``) at once, so that the worker imports torch in its sandbox while
    this process imports its own, and the submission then runs in a child forked from it
    (with the same limits, session and folder as a cold run). A backend without a warm mode,
    or ``--gpu`` (a warm worker's sandbox has no devices), gets the plain cold backend
    (``gpu_backend``: a sandbox that cannot pass a GPU in is a ``UsageProblem``).
    Importing this module does not import torch."""
    if gpu:
        return gpu_backend(name)
    base = get_backend(name)
    if not base.supports_warm:
        return base
    from grader.sandbox.warm import WarmBackend  # noqa: PLC0415

    # nothing preloaded: the worker must be ready as soon as this process is (a job that
    # needs more imports it, as a cold run would)
    pool = WarmBackend(base, workers=1, preload=())
    pool.start()
    return pool


def gpu_backend(name: str) -> Backend:
    """The backend called ``name`` for ``--gpu``: 'auto' picks process (this machine's
    torch, whose CUDA ``require_host_gpu`` asks), else docker; bwrap passes no GPU in.

    ``--gpu`` that cannot work here is the command's mistake, not a fault of the grader:
    a ``UsageProblem`` (exit 2) for a sandbox that cannot pass a GPU in. A backend that
    cannot start is a ``SandboxError``, as without ``--gpu``."""
    if name == "auto":
        errors = []
        for candidate in _GPU_ORDER:
            try:
                return get_backend(candidate)
            except SandboxError as e:
                errors.append(f"{candidate}: {e}")
        raise SandboxError("--gpu: no sandbox that can pass a GPU in is available: "
                           + "; ".join(errors))
    if name in _BACKENDS:
        module_name, cls_name = _BACKENDS[name].split(":")
        if not getattr(importlib.import_module(module_name), cls_name).supports_gpu:
            raise UsageProblem(f"--gpu: the {name} sandbox cannot pass a GPU in; use "
                               f"--sandbox {' or '.join(_GPU_ORDER)} (or auto)")
    return get_backend(name)


def require_host_gpu(backend: Backend) -> None:
    """``UsageProblem`` (exit 2) for ``--gpu`` where ``backend`` runs this machine's torch
    and it sees no CUDA GPU (a container has its own torch: Docker says itself when it
    cannot pass a GPU in). Imports torch."""
    if not backend.has_own_python and not _host_has_cuda():
        raise UsageProblem("--gpu: no CUDA GPU is available on this machine (this "
                           "Python's torch sees none); grade without --gpu")


# process first: it runs this machine's torch, whose CUDA is known here; the default image
# of docker has a CPU build of torch (a CUDA one is built on purpose: then ask for docker)
_GPU_ORDER = ["process", "docker"]


def _host_has_cuda() -> bool:
    import torch  # noqa: PLC0415 - only for --gpu

    return bool(torch.cuda.is_available())


__all__ = ["Backend", "SandboxError", "SandboxJob", "SandboxOutcome", "available_names",
           "get_backend", "gpu_backend", "require_host_gpu", "start_early"]
