"""Shared test helpers: grading a source text as a submission, markers for environment needs,
and the layers: a test that starts a sandbox must be marked ``slow`` (or ``docker``).

The fast layer, ``python -m pytest -m "not slow and not docker and not gpu"``, runs in
seconds. So that it stays so, every test not marked slow runs with sandboxes switched off:
in this process, starting a sandbox fails the test at once (``pytest.fail``, which no
``except Exception`` in the grader swallows), and in any ``grade`` process it starts,
``GRADER_NO_SANDBOX`` makes the start an error (``grader/sandbox/base.py``).
"""

from __future__ import annotations

import tempfile
import types
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    try:
        import torch

        has_cuda = torch.cuda.is_available()
    except ImportError:  # pragma: no cover
        has_cuda = False
    skip_gpu = pytest.mark.skip(reason="needs CUDA")
    for item in items:
        if "gpu" in item.keywords and not has_cuda:
            item.add_marker(skip_gpu)
    docker_items = [item for item in items if item.get_closest_marker("docker")]
    why = _docker_unavailable() if docker_items else None
    for item in docker_items if why else []:
        item.add_marker(pytest.mark.skip(reason=f"docker sandbox unavailable: {why}"))


SANDBOX_MARKS = ("slow", "docker")


@pytest.fixture(autouse=True)
def _no_sandbox_unless_slow(request: pytest.FixtureRequest,
                            monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail a test that starts a sandbox without being marked slow (see the docstring)."""
    if any(request.node.get_closest_marker(m) for m in SANDBOX_MARKS):
        return
    from grader.sandbox import bwrap, docker, process, warm
    from grader.sandbox.base import NO_SANDBOX_ENV

    def refuse(*_args: Any, **_kwargs: Any) -> Any:
        pytest.fail(f"{request.node.nodeid} starts a sandbox: mark it slow, or test the "
                    "stage without one (a fabricated SandboxRun, a fake backend)", pytrace=False)

    monkeypatch.setenv(NO_SANDBOX_ENV, "1")
    for target in (process.ProcessBackend, bwrap.BwrapBackend, docker.DockerBackend,
                   warm.WarmBackend):
        monkeypatch.setattr(target, "run", refuse)
    monkeypatch.setattr(process, "run_with_limits", refuse)
    monkeypatch.setattr(warm._Worker, "__init__", refuse)


def _docker_unavailable() -> str | None:
    """Why the docker sandbox cannot run here (no package, engine or image), or None."""
    from grader.sandbox import SandboxError, get_backend

    try:
        get_backend("docker")
    except SandboxError as e:
        return str(e)
    return None


def grade_source(lesson_id: str, source: str, seed: int, suffix: str = ".py") -> Any:
    """Grade ``source`` (a whole submission) for ``lesson_id`` through the real sandbox
    (warm workers: a fresh forked process per submission, torch already imported)."""
    from grader.course.lessons import get_lesson
    from grader.grading.engine import grade_file

    lesson = get_lesson(lesson_id)
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / f"{lesson.spec.lesson.stem}{suffix}"
        path.write_text(source, encoding="utf-8")
        return grade_file(lesson, path, seed=seed, sandbox=warm_backend())


def fabricated_run(lesson: Any, module: types.ModuleType, inputs: dict[str, Any],
                   seed: int) -> Any:
    """What the sandbox stage returns for ``module``'s code (ours: the reference or a
    known-mistake variant), made in this process without a sandbox: each probe the sandbox
    would run, run by the harness's ``run_probe``, its outputs through the channel's
    encoding, on one thread as in the sandbox. The fast layer's stand-in for
    ``run_submission``."""
    import torch

    from grader.course.inputs import timed_id, timed_scope
    from grader.harness.runner import run_probe
    from grader.harness.values import decode, encode
    from grader.sandbox.run import ProbeOutcome, SandboxRun, probe_seed

    probes: dict[str, ProbeOutcome] = {}
    spec = lesson.spec
    instances = list(spec.sandbox_probes()) + [  # the timed runs where their inputs are given
        spec.probe(timed_id(pid)) for pid in spec.timed_probes()
        if any(k.startswith(f"{timed_scope(pid)}/") for k in inputs)]
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # (and on a busy machine, several threads crawl)
    try:
        for probe in instances:
            raw = run_probe(module, probe.model_dump(mode="json"), inputs,
                            probe_seed(seed, probe.id), student_files=(module.__file__ or "?",))
            outputs = {name: decode(*encode(value, f"{probe.id}/{name}"))
                       for name, value in raw["outputs"].items()}
            # a timed run's time: measured here, in process (the sandbox measures it from
            # outside)
            cpu_s = sum(raw["step_times"]) if probe.id.endswith("_timed") else None
            probes[probe.id] = ProbeOutcome(raw["status"], raw["error"], outputs,
                                            raw["violations"], raw["elapsed_s"],
                                            raw["step_times"], cpu_s)
    finally:
        torch.set_num_threads(threads)
    return SandboxRun(probes, [], "", "", [], loaded=True)


def warm_backend() -> Any:
    """The strongest sandbox with warm workers, shared by the whole test session (the
    cold path is what the end-to-end tests of the real CLI use)."""
    from grader.sandbox import get_backend

    return get_backend("auto", warm=True, workers=2)


def grade_many(fn: Callable[[int], Any], seeds: list[int], workers: int = 2) -> list[Any]:
    """Grade several seeds at once (each sandbox is its own process)."""
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(fn, seeds))


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT
