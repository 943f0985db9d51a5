"""The oracle stage: the reference (or an importable oracle such as ``torch.optim``, or a
known-mistake variant) run on the trusted side on the very inputs the sandbox got.

It runs our own code only; the student's outputs never reach it."""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable
from typing import Any, Protocol

import torch

from grader.course.lessons import Lesson
from grader.course.spec import Probe
from grader.errors import GraderFault
from grader.harness.runner import run_probe
from grader.harness.values import SpecBug, decode, encode
from grader.sandbox.run import probe_seed

# torch's global RNG (dropout, torch.randn without a generator) and its thread count are
# per process: trusted runs of probes for submissions graded in parallel threads (batch,
# the test suite) would draw from one stream in an interleaved order. One trusted run at a
# time, on a forked RNG state that is put back afterwards.
_TRUSTED_RUN = threading.Lock()


class OracleLike(Protocol):
    """What the checks read expected outputs from: ``Oracle`` here, or the student
    release's stored outputs (``grader.course.public.StoredOracle``)."""

    def outputs(self, probe: Any, variant: str | None = None) -> dict[str, Any] | None: ...

    def module(self, key: str) -> Any: ...


class Oracle:
    """Runs the reference, an oracle or a mistake variant on the trusted side, cached."""

    def __init__(self, lesson: Lesson, inputs: dict[str, Any], seed: int, *,
                 devices: tuple[str, ...] = ("cpu",)) -> None:
        self.lesson = lesson
        self.inputs = inputs
        self.seed = seed
        self.devices = devices  # where a probe that names devices may run here
        self._modules: dict[str, Any] = {}
        self._runs: dict[tuple[str, str], dict[str, Any] | None] = {}
        self._times: dict[tuple[str, str], list[float]] = {}
        self._retimed: set[tuple[str, str]] = set()

    def module(self, key: str) -> Any:
        if key not in self._modules:
            if key == "reference":
                self._modules[key] = self.lesson.reference_module()
            elif key.startswith("mistake:"):
                self._modules[key] = self.lesson.mistake_module(key.split(":", 1)[1])
            else:
                self._modules[key] = importlib.import_module(key)
        return self._modules[key]

    def outputs(self, probe: Probe, variant: str | None = None) -> dict[str, Any] | None:
        """Decoded outputs of ``probe`` for the reference (or oracle) or a mistake variant."""
        key = (probe.id, variant or "expected")
        if key not in self._runs:
            result = self._run(probe, variant)
            if result["status"] != "ok":
                if variant is None:
                    raise GraderFault(f"the reference failed on probe {probe.id!r}: "
                                       f"{result['error']}")
                self._runs[key] = None
            else:
                self._times[key] = list(result["step_times"])
                self._runs[key] = {name: decode(*encode(v, f"{probe.id}/{name}"))
                                   for name, v in result["outputs"].items()}
        return self._runs[key]

    def outputs_with(self, probe: Probe, replace: dict[str, Any],
                     key: str) -> dict[str, Any] | None:
        """Decoded outputs of the reference (or oracle) on ``probe`` with some inputs
        replaced (a diagnoser's "what if"); None if it fails there. ``key`` names the
        replacement for the cache."""
        cache = (probe.id, f"replaced:{key}")
        if cache not in self._runs:
            module, rename = self.module(probe.expect.module), probe.expect.rename
            result = self._locked_run(module, probe, {**self.inputs, **replace}, rename)
            self._runs[cache] = None if result["status"] != "ok" else {
                name: decode(*encode(v, f"{probe.id}/{name}"))
                for name, v in result["outputs"].items()}
        return self._runs[cache]

    def start_early(self, probes: list[Probe]) -> Callable[[], None]:
        """Run the reference on ``probes`` in a background thread now (while the sandbox
        runs the submission on another core); returns a function that waits for it. The
        outputs are then cached; a failure is left for ``outputs`` to raise when asked."""

        def work() -> None:
            for probe in probes:
                try:
                    self.outputs(probe)
                except Exception:  # noqa: BLE001, S112 - raised again, in order, when asked
                    continue

        thread = threading.Thread(target=work, daemon=True, name="oracle")
        thread.start()
        return thread.join

    def step_time(self, probe: Probe, i: int, variant: str | None = None) -> float | None:
        """Seconds step ``i`` of ``probe`` took, single-threaded as in the sandbox; for the
        reference the faster of two runs, so a hiccup of this machine does not shrink a
        student's time budget."""
        key = (probe.id, variant or "expected")
        if self.outputs(probe, variant) is None:
            return None
        if variant is None and key not in self._retimed:
            again = self._run(probe, None)["step_times"]
            self._times[key] = [min(a, b) for a, b in zip(self._times[key], again, strict=False)]
            self._retimed.add(key)
        times = self._times.get(key, [])
        return times[i] if i < len(times) else None

    def _run(self, probe: Probe, variant: str | None) -> dict[str, Any]:
        if variant is None:
            module, rename = self.module(probe.expect.module), probe.expect.rename
        else:
            module, rename = self.module(f"mistake:{variant}"), {}
        return self._locked_run(module, probe, self.inputs, rename)

    def _locked_run(self, module: Any, probe: Probe, inputs: dict[str, Any],
                    rename: dict[str, str]) -> dict[str, Any]:
        with _TRUSTED_RUN, torch.random.fork_rng(devices=[]):
            threads = torch.get_num_threads()
            torch.set_num_threads(1)  # as in the sandbox: timings and reductions alike
            try:
                return run_probe(module, probe.model_dump(mode="json"), inputs,
                                 probe_seed(self.seed, probe.id), rename=rename,
                                 devices=self.devices)
            except SpecBug as e:
                raise GraderFault(f"probe {probe.id!r}: {e}") from None
            finally:
                torch.set_num_threads(threads)
