"""Where a trajectory first leaves the expected one: which step, which parameter (and its
group), which element, and, given the per-step state, whether the state (momentum,
second moments, step counter) or the update went wrong first. It names no mistake: its
sentence joins the check's message, so even an unnamed mistake is located."""

from __future__ import annotations

from typing import Any

import torch

from grader.course.spec import FirstDivergenceDiagnoser
from grader.grading.checks.base import MISSING
from grader.grading.compare import DEFAULT_TOLERANCES
from grader.grading.diagnose.base import DiagnoseContext, fmt, is_number_list


def _as_tensor(v: Any) -> torch.Tensor | None:
    if isinstance(v, torch.Tensor) and v.is_floating_point() and v.dim() >= 1:
        return v.detach().to(torch.float64)
    if is_number_list(v):
        return torch.tensor([float(x) for x in v], dtype=torch.float64)
    return None


def _sequences(value: Any) -> list[Any]:
    """The trajectories of an output: one tensor, or a list of them (one per parameter)."""
    if isinstance(value, (list, tuple)) and not is_number_list(value):
        return list(value)
    return [value]


def _first_bad(a: torch.Tensor, e: torch.Tensor, dtype: torch.dtype, rtol: float | None,
               atol: float | None, per_step: float) -> tuple[int, int] | None:
    """(step, flat element) of the first entry out of tolerance along dim 0, if any."""
    d_rtol, d_atol = DEFAULT_TOLERANCES.get(dtype, DEFAULT_TOLERANCES[torch.float32])
    rtol = d_rtol if rtol is None else rtol
    atol = d_atol if atol is None else atol
    steps = torch.arange(e.shape[0], dtype=torch.float64).reshape([-1] + [1] * (e.dim() - 1))
    allowed = atol + per_step * steps + rtol * e.abs()
    err = (a - e).abs()
    bad = ~(err <= allowed) & ~(torch.isnan(a) & torch.isnan(e))
    if not bad.any():
        return None
    flat = bad.reshape(e.shape[0], -1)
    t = int(flat.any(dim=1).nonzero()[0])
    return t, int(flat[t].nonzero()[0])


def _group_of(i: int, groups: list[list[int]]) -> str:
    for g, members in enumerate(groups):
        if i in members:
            return f" (group {g + 1})"
    return ""


def first_divergence(d: FirstDivergenceDiagnoser, ctx: DiagnoseContext) -> str | None:
    if ctx.actual is MISSING:
        return None
    mine, theirs = _sequences(ctx.actual), _sequences(ctx.expected)
    if len(mine) != len(theirs):
        return None
    rtol, atol = getattr(ctx.check, "rtol", None), getattr(ctx.check, "atol", None)
    per_step = getattr(ctx.check, "atol_per_step", 0.0)
    first: tuple[int, int, int] | None = None  # step, parameter, element
    for i, (a_raw, e_raw) in enumerate(zip(mine, theirs, strict=True)):
        a, e = _as_tensor(a_raw), _as_tensor(e_raw)
        if a is None or e is None or a.shape != e.shape:
            return None  # a structural difference: the check's message already says it
        dtype = e_raw.dtype if isinstance(e_raw, torch.Tensor) else torch.float32
        bad = _first_bad(a, e, dtype, rtol, atol, per_step)
        if bad is not None and (first is None or bad[0] < first[0]):
            first = (bad[0], i, bad[1])
    if first is None:
        return None
    t, i, k = first
    a, e = _as_tensor(mine[i]), _as_tensor(theirs[i])
    assert a is not None and e is not None
    shape = tuple(e.shape[1:])
    element = tuple(int(x) for x in torch.unravel_index(torch.tensor(k), shape)) if shape else ()
    got = (f"received {fmt(a[t].flatten()[k].item())}, expected "
           f"{fmt(e[t].flatten()[k].item())}")
    at = f", element {element}" if element else ""
    if len(mine) > 1:
        text = (f"First difference after step {t + 1} of {e.shape[0]} (index {t}): parameter "
                f"{i}{_group_of(i, d.groups)}{at}, {got}.")
    else:
        text = f"First difference at entry {t + 1} of {e.shape[0]} (index {t}){at}: {got}."
    return text + _state_note(d, ctx, t)


def _state_note(d: FirstDivergenceDiagnoser, ctx: DiagnoseContext, t: int) -> str:
    if d.state is None:
        return ""
    mine = ctx.student(d.state)
    theirs = ctx.expected_at(f"{ctx.check.probe}.{d.state}")
    if not isinstance(mine, dict) or not isinstance(theirs, dict):
        return ""
    earliest: tuple[int, str] | None = None
    for key, e_raw in theirs.items():
        e = _as_tensor(e_raw) if e_raw is not None else None
        if e is None:
            continue
        a = _as_tensor(mine.get(key))
        if a is None or a.shape != e.shape:
            return f" Your optimizer state {key!r} is missing or shaped differently."
        dtype = e_raw.dtype if isinstance(e_raw, torch.Tensor) else torch.float32
        bad = _first_bad(a, e, dtype, None, None, 0.0)
        if bad is not None and (earliest is None or bad[0] < earliest[0]):
            earliest = (bad[0], key)
    if earliest is not None and earliest[0] <= t:
        s, key = earliest
        return (f" Your state {key!r} already differed after step {s + 1}: the state went "
                "wrong first, so look at how you update it (its formula, its start value, "
                "the step counter).")
    return (" Your state still matched the expected one there: the update rule went wrong "
            "first (how the step uses the state, the learning rate, eps, the decay).")
