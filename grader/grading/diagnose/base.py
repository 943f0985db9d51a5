"""What every diagnoser receives and returns, and the small helpers they share.

A diagnoser reads one failed check: the student's output, the expected one, the check's
own sameness (its tolerance), the lesson's inputs and dims, and where needed other
outputs of the probe or a re-run of the reference. It returns a ``Hit`` only when its
evidence holds on the whole output, within that tolerance; the spec's naming (a known
mistake, or the entry's own id) is applied afterwards.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch

from grader.course.lessons import Lesson
from grader.grading.checks.base import MISSING
from grader.grading.compare import compare


@dataclass
class Hit:
    """A diagnoser's finding under its generic name; ``detail`` is the measured evidence."""

    id: str
    title: str
    message: str
    detail: str = ""


@dataclass
class DiagnoseContext:
    check: Any  # the failed check (a spec model)
    actual: Any  # the student's output at the check's path (MISSING when absent)
    expected: Any  # the expected output (None for a quiz)
    values: dict[str, Any]  # the run's inputs and dims, for expressions
    lesson: Lesson
    student: Callable[[str], Any] = lambda _p: MISSING  # another output of the same probe
    expected_at: Callable[[str], Any] = lambda _p: MISSING  # "<probe>.<path>" of the oracle
    rerun: Callable[[dict[str, str]], Any] | None = None  # expected output, inputs replaced

    def same(self, a: Any, b: Any, scale: float = 1.0) -> bool:
        """The check's own sameness: within its tolerance (atol scaled by ``scale`` for an
        output scaled by a constant), exactly for an ``equal`` check."""
        if self.check.kind == "equal":
            return compare(a, b, 0.0, 0.0, equal_nan=True).ok
        atol = getattr(self.check, "atol", None)
        if atol is not None:
            atol = atol * max(1.0, abs(scale))
        elif scale != 1.0 and isinstance(b, torch.Tensor) and b.is_floating_point():
            from grader.grading.compare import DEFAULT_TOLERANCES  # noqa: PLC0415

            atol = DEFAULT_TOLERANCES.get(b.dtype, (0.0, 1e-5))[1] * max(1.0, abs(scale))
        return compare(a, b, getattr(self.check, "rtol", None), atol,
                       atol_per_step=getattr(self.check, "atol_per_step", 0.0),
                       equal_nan=True).ok


def is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def is_number_list(v: Any) -> bool:
    return isinstance(v, (list, tuple)) and len(v) > 0 and all(is_number(x) for x in v)


def map_leaves(value: Any, fn: Callable[[torch.Tensor], torch.Tensor]) -> Any:
    """``value`` with ``fn`` applied to every float tensor (and to numbers, and lists of
    numbers, as float64 tensors turned back into numbers)."""
    if isinstance(value, torch.Tensor):
        return fn(value) if value.is_floating_point() else value
    if is_number(value):
        return float(fn(torch.tensor(float(value), dtype=torch.float64)))
    if is_number_list(value):
        out = fn(torch.tensor([float(x) for x in value], dtype=torch.float64))
        return [float(x) for x in out.tolist()]
    if isinstance(value, (list, tuple)):
        return type(value)(map_leaves(v, fn) for v in value)
    if isinstance(value, dict):
        return {k: map_leaves(v, fn) for k, v in value.items()}
    return value


def leaves(value: Any) -> list[Any]:
    """The tensors and numbers of a structure, in order (a list of numbers is one leaf)."""
    if isinstance(value, torch.Tensor) or is_number(value) or is_number_list(value):
        return [value]
    if isinstance(value, (list, tuple)):
        return [x for v in value for x in leaves(v)]
    if isinstance(value, dict):
        return [x for v in value.values() for x in leaves(v)]
    return []


def map_sequences(value: Any, along: str, fn: Callable[[Any], Any]) -> Any:
    """``fn`` applied to every sequence of ``value``: the output list itself
    (``along="list"``), or dim 0 of every tensor and every list of numbers (``"leaves"``)."""
    if along == "list":
        return fn(value) if isinstance(value, (list, tuple)) else MISSING
    if isinstance(value, torch.Tensor):
        return fn(value) if value.dim() >= 1 else value
    if is_number_list(value):
        return list(fn(list(value)))
    if isinstance(value, (list, tuple)):
        return type(value)(map_sequences(v, along, fn) for v in value)
    if isinstance(value, dict):
        return {k: map_sequences(v, along, fn) for k, v in value.items()}
    return value


def sequence_lengths(value: Any, along: str) -> list[int]:
    """The lengths of the sequences ``map_sequences`` would visit."""
    if along == "list":
        return [len(value)] if isinstance(value, (list, tuple)) else []
    if isinstance(value, torch.Tensor):
        return [value.shape[0]] if value.dim() >= 1 else []
    if is_number_list(value):
        return [len(value)]
    if isinstance(value, (list, tuple)):
        return [n for v in value for n in sequence_lengths(v, along)]
    if isinstance(value, dict):
        return [n for v in value.values() for n in sequence_lengths(v, along)]
    return []


def fmt(x: Any) -> str:
    """A number for a message: ints as ints, others to 6 significant digits."""
    if isinstance(x, torch.Tensor):
        x = x.item() if x.numel() == 1 else x
    if isinstance(x, float) and x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    return f"{x:.6g}" if isinstance(x, float) else str(x)


def all_nan(value: Any) -> bool:
    """Every number in ``value`` is NaN (and there is at least one): an output that any
    blow-up gives, so it is no evidence of one mistake in particular."""
    if isinstance(value, torch.Tensor):
        return value.is_floating_point() and value.numel() > 0 and bool(value.isnan().all())
    if isinstance(value, float):
        return math.isnan(value)
    if isinstance(value, (list, tuple, dict)):
        items = list(value.values() if isinstance(value, dict) else value)
        return bool(items) and all(all_nan(v) for v in items)
    return False
