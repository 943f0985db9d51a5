"""Randomness from the wrong source: an index order that is a valid rearrangement but not
the generator's, and two identically seeded runs that differ."""

from __future__ import annotations

from typing import Any

import torch

from grader.course.spec import NondeterministicDiagnoser, PermutationDiagnoser
from grader.grading.checks.base import MISSING
from grader.grading.compare import compare
from grader.grading.diagnose.base import DiagnoseContext, Hit


def _pieces(value: Any) -> list[torch.Tensor] | None:
    """An index order as its batches (a 1-d integer tensor is one batch)."""
    items = value if isinstance(value, (list, tuple)) else [value]
    if not items or not all(isinstance(t, torch.Tensor) and t.dim() == 1
                            and not t.is_floating_point() for t in items):
        return None
    return list(items)


def permutation(_d: PermutationDiagnoser, ctx: DiagnoseContext) -> Hit | None:
    mine, theirs = _pieces(ctx.actual), _pieces(ctx.expected)
    if mine is None or theirs is None or [len(t) for t in mine] != [len(t) for t in theirs]:
        return None
    a = torch.cat(mine).to(torch.int64)
    e = torch.cat(theirs).to(torch.int64)
    if a.numel() < 3 or torch.equal(a, e) or not torch.equal(a.sort().values, e.sort().values):
        return None
    if torch.equal(a, a.sort().values):
        return None  # not shuffled at all: another mistake than the source of randomness
    return Hit("wrong_random_source", "A valid shuffle, but not the generator's",
               "Your batches hold every index exactly once, in the right sizes, but in "
               "another order than torch.randperm(n, generator=generator) gives: the shuffle "
               "draws from another source (torch's global RNG, a generator made inside the "
               "function, or extra draws from the generator before it). Draw the order with "
               "exactly one torch.randperm(n, generator=generator).",
               "same indices and batch sizes, different order")


def nondeterministic(d: NondeterministicDiagnoser, ctx: DiagnoseContext) -> Hit | None:
    other = ctx.student(ctx.check.other)
    if ctx.actual is MISSING or other is MISSING or compare(ctx.actual, other, 0.0, 0.0).ok:
        return None
    return Hit("not_reproducible", "Identically seeded runs differ",
               "Two runs with identically seeded generators gave different results, so some "
               "randomness does not come from the generator you were given: torch's global "
               "RNG (torch.randperm(n) without generator=), a generator made inside the "
               "function, or state kept between calls.",
               "two identically seeded runs differ")
