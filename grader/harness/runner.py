"""Run a probe (a list of steps from the spec) against a module and collect its outputs.

The same function runs the student's module inside the sandbox and the reference (or an
oracle, or a known-mistake variant) on the trusted side, so both are treated alike.
"""

from __future__ import annotations

import contextlib
import time
import traceback
from collections.abc import Callable, Iterator
from typing import Any

import torch

from . import guards
from .library import HELPERS
from .values import SpecBug, resolve

MAX_MESSAGE = 1500


class ProbeTimeout(BaseException):
    """Raised (by a timer) when a probe overruns; a BaseException so ``except Exception``
    in student code does not swallow it."""


class StudentError(Exception):
    """An error attributed to the submission, with a message written for the student."""


def _symbol_lookup(module: Any, rename: dict[str, str]) -> Callable[[str], Any]:
    def symbol(name: str) -> Any:
        target = rename.get(name, name)
        if not hasattr(module, target):
            raise StudentError(f"Your submission does not define `{name}`.")
        return getattr(module, target)
    return symbol


def _student_function(exc: BaseException, student_files: tuple[str, ...]) -> str | None:
    """The qualified name of the innermost function of the student's that the error passed
    through (``Adam.step`` when a harness helper called it), if any."""
    tb, name = exc.__traceback__, None
    while tb is not None:
        code = tb.tb_frame.f_code
        if code.co_filename.startswith(student_files) and code.co_name != "<module>":
            name = getattr(code, "co_qualname", code.co_name)
        tb = tb.tb_next
    return name


def _describe_exception(exc: BaseException, callee: str, student_files: tuple[str, ...],
                        via_helper: bool = False) -> str:
    if isinstance(exc, NotImplementedError):
        own = _student_function(exc, student_files) or callee
        return f"`{own}` is not implemented yet (it raises NotImplementedError)."
    if isinstance(exc, StudentError):
        return str(exc)
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if any(f.filename.startswith(s) for s in student_files)]
    if via_helper:  # a harness helper called the student's code: name the student's function
        callee = _student_function(exc, student_files) or callee
    where = ""
    if frames:
        f = frames[-1]
        place = f.filename if f.filename.startswith("<cell") else "line"
        where = f" ({place} {f.lineno}: {(f.line or '').strip()[:120]})" if place == "line" \
            else f" ({place}, line {f.lineno}: {(f.line or '').strip()[:120]})"
    text = f"`{callee}` raised {type(exc).__name__}: {exc}{where}"
    return text[:MAX_MESSAGE]


@contextlib.contextmanager
def _watch(step: dict[str, Any], seen: list[str], name: str, enforce: bool) -> Iterator[None]:
    with contextlib.ExitStack() as stack:
        if step.get("no_autograd"):
            if enforce:  # autograd then needs an explicit enable_grad, which the scan sees
                stack.enter_context(torch.no_grad())
            stack.enter_context(guards.watch_autograd(seen, name))
        if step.get("no_builtin_optimizers"):
            stack.enter_context(guards.watch_builtin_optimizers(seen, name))
        yield


def scoped(inputs: dict[str, Any], probe_id: str) -> dict[str, Any]:
    """The inputs (and dims) a probe instance sees: those of the random draw, with its
    scope's own (``"<scope>/<name>"``, for an id ``"<probe>__<scope>"``) in their place."""
    shared = {k: v for k, v in inputs.items() if "/" not in k}
    if "__" not in probe_id:
        return shared
    prefix = probe_id.split("__", 1)[1] + "/"
    shared.update({k[len(prefix):]: v for k, v in inputs.items() if k.startswith(prefix)})
    return shared


class _Namespace(dict):  # type: ignore[type-arg]
    """A probe's names: its inputs, each a clone of the drawn value made the first time a
    step reads it (so no run changes what the next one gets), then what its steps return.
    (A probe reads a few of a lesson's inputs: cloning them all for every probe run cost
    ~1 ms a job in the sandbox, and as much again for each reference and variant run.)"""

    def __init__(self, inputs: dict[str, Any]) -> None:
        super().__init__()
        self._inputs = inputs

    def __missing__(self, name: str) -> Any:
        value = self._inputs[name]  # (KeyError where it is not an input either)
        value = value.clone() if isinstance(value, torch.Tensor) else value
        self[name] = value
        return value

    def __contains__(self, name: object) -> bool:
        return dict.__contains__(self, name) or name in self._inputs


def seed_global_rng(seed: int) -> None:
    """``torch.manual_seed(seed)`` for the devices a run can use: the CPU generator, and
    CUDA's where it is available. (``torch.manual_seed`` itself also queues a lazy CUDA
    seeding with a formatted stack trace when CUDA is absent: about 1 ms a probe.)"""
    torch.random.default_generator.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)


def probe_device(probe: dict[str, Any], available: tuple[str, ...]) -> str | None:
    """The device a probe with ``devices`` (in order of preference) runs on: the first one
    ``available``, the CPU at the latest; None for a probe that names no devices."""
    wanted = list(probe.get("devices") or [])
    if not wanted:
        return None
    return next((d for d in wanted if d in available or d == "cpu"), "cpu")


def available_devices(probes: list[dict[str, Any]]) -> tuple[str, ...]:
    """The devices this process can give the probes: ``("cuda", "cpu")`` where one of them
    asks for CUDA and CUDA is available here (in the sandbox: only when the grading was
    given a GPU), else ``("cpu",)``. CUDA is looked up only when asked for."""
    if any("cuda" in (p.get("devices") or []) for p in probes) and torch.cuda.is_available():
        return ("cuda", "cpu")
    return ("cpu",)


def run_probe(module: Any, probe: dict[str, Any], inputs: dict[str, Any], seed: int, *,
              rename: dict[str, str] | None = None,
              student_files: tuple[str, ...] = ("<cell", "/"), enforce: bool = False,
              devices: tuple[str, ...] = ("cpu",)) -> dict[str, Any]:
    """Run ``probe`` against ``module``.

    ``enforce`` (in the sandbox): a ``no_autograd`` step runs under ``torch.no_grad()``, so
    that gradients by autograd need a visible ``enable_grad``; on the trusted side oracles
    that use autograd on purpose run those steps as they are. ``devices``: those this
    process has; a probe that names ``devices`` runs on the first of them it has, and its
    steps see that device's name as ``$device``.

    Returns ``{"status": "ok"|"error", "error": str|None, "outputs": {name: value},
    "violations": [str], "elapsed_s": float, "step_times": [float], "device": str|None}``.
    """
    ns: dict[str, Any] = _Namespace(scoped(inputs, probe.get("id", "")))
    device = probe_device(probe, devices)
    if device is not None:
        ns["device"] = device
    symbol = _symbol_lookup(module, rename or {})
    violations: list[str] = []
    step_times: list[float] = []
    if probe.get("seed_global_rng", True):
        seed_global_rng(seed)
    start = time.perf_counter()
    callee = "?"
    via_helper = False
    try:
        for step in probe["steps"]:
            via_helper = bool(step.get("use"))
            if step.get("call"):
                callee = step["call"]
                fn = symbol(callee)
            elif step.get("get"):
                callee = step["get"]
                value = symbol(callee)
                fn = lambda value=value: value  # noqa: E731 - a step that reads, not calls
            elif step.get("use"):
                callee = step["use"]
                if callee not in HELPERS:
                    raise SpecBug(f"unknown harness helper {callee!r}")
                fn = HELPERS[callee]
            else:
                obj = resolve(step["on"], ns, symbol)
                callee = f"{type(obj).__name__}.{step['method']}"
                fn = getattr(obj, step["method"])
            args = [resolve(a, ns, symbol) for a in step.get("args", [])]
            kwargs = {k: resolve(v, ns, symbol) for k, v in step.get("kwargs", {}).items()}
            t0 = time.perf_counter()
            with _watch(step, violations, callee, enforce):
                result = fn(*args, **kwargs)
            step_times.append(time.perf_counter() - t0)
            if step.get("no_autograd") and guards.graph_attached(result):
                msg = f"`{callee}` returned a tensor attached to an autograd graph"
                if msg not in violations:
                    violations.append(msg)
            out = step.get("out")
            if isinstance(out, str):
                ns[out] = result
            elif isinstance(out, list):
                if not isinstance(result, (tuple, list)) or len(result) != len(out):
                    got = f"a {type(result).__name__}" if not isinstance(result, (tuple, list)) \
                        else f"{len(result)} values"
                    raise StudentError(
                        f"`{callee}` should return {len(out)} values ({', '.join(out)}), "
                        f"but returned {got}.")
                for name, value in zip(out, result, strict=True):
                    ns[name] = value
        outputs = {name: ns[name] for name in probe["outputs"]}
        status, error = "ok", None
    except SpecBug:
        raise
    except ProbeTimeout:
        raise
    except Exception as exc:  # noqa: BLE001 - anything the student's code raises
        outputs = {}
        status, error = "error", _describe_exception(exc, callee, student_files, via_helper)
    except RecursionError as exc:  # pragma: no cover - subclass of Exception, kept for clarity
        outputs, status, error = {}, "error", _describe_exception(exc, callee, student_files,
                                                                  via_helper)
    return {"status": status, "error": error, "outputs": outputs, "violations": violations,
            "elapsed_s": time.perf_counter() - start, "step_times": step_times,
            "device": device}
