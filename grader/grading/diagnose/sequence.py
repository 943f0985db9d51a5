"""Sequences off by one (a trajectory or loss history shifted by a step, a loop that drops
or adds the last or first entry), sequences whose entries all alias one tensor, and
sequences that never move. A sequence is dim 0 of every tensor of the output (and every
list of numbers), or the output list itself (``along = "list"``)."""

from __future__ import annotations

from typing import Any

import torch

from grader.course.spec import AliasedDiagnoser, FrozenDiagnoser, ShiftedDiagnoser
from grader.grading.checks.base import MISSING
from grader.grading.diagnose.base import DiagnoseContext, Hit, map_sequences, sequence_lengths

_SHIFTS: dict[str, tuple[str, str, str]] = {
    "missing_last": ("one_step_short", "One step (or entry) short",
                     "Your sequence is the expected one without its last entry: a loop that "
                     "stops one step early (range(1, steps), or a bound off by one)."),
    "missing_first": ("missing_first_step", "The first entry is missing",
                      "Your sequence is the expected one without its first entry: the "
                      "starting point (or the value before the first update) was never "
                      "recorded."),
    "extra_last": ("one_step_too_many", "One step (or entry) too many",
                   "Your sequence is the expected one with one more entry at the end: a loop "
                   "that runs one step too far, or a final entry appended twice."),
    "extra_first": ("extra_first_step", "An extra entry at the start",
                    "Your sequence is the expected one with an extra entry in front: the "
                    "start was recorded twice, or once too early."),
    "ahead": ("shifted_one_step_ahead", "Every entry one step late",
              "Entry t of your sequence holds what belongs at t + 1: each value is recorded "
              "after the update it should precede."),
    "behind": ("shifted_one_step_behind", "Every entry one step early",
               "Entry t of your sequence holds what belongs at t - 1: each value is recorded "
               "one update too early (before the step it should follow)."),
}


def _cut(value: Any, along: str, sl: slice) -> Any:
    return map_sequences(value, along, lambda s: s[sl])


def _lengths_ok(value: Any, along: str, at_least: int) -> bool:
    lengths = sequence_lengths(value, along)
    return bool(lengths) and min(lengths) >= at_least


def shifted(d: ShiftedDiagnoser, ctx: DiagnoseContext) -> list[Hit]:
    a, e = ctx.actual, ctx.expected
    if a is MISSING or not _lengths_ok(e, d.along, 3):
        return []
    found = []
    for direction in d.directions:
        if direction == "missing_last":
            ok = ctx.same(a, _cut(e, d.along, slice(None, -1)))
        elif direction == "missing_first":
            ok = ctx.same(a, _cut(e, d.along, slice(1, None)))
        elif direction == "extra_last":
            ok = _lengths_ok(a, d.along, 4) and ctx.same(_cut(a, d.along, slice(None, -1)), e)
        elif direction == "extra_first":
            ok = _lengths_ok(a, d.along, 4) and ctx.same(_cut(a, d.along, slice(1, None)), e)
        else:
            # same length, every entry moved by one: compare the overlap, which must itself
            # tell the two apart (a sequence at a standstill shifted is still itself)
            late, early = _cut(e, d.along, slice(1, None)), _cut(e, d.along, slice(None, -1))
            if ctx.same(late, early) or sequence_lengths(a, d.along) != \
                    sequence_lengths(e, d.along):
                continue
            mine = _cut(a, d.along, slice(None, -1) if direction == "ahead" else slice(1, None))
            ok = ctx.same(mine, late if direction == "ahead" else early)
        if ok:
            found.append(direction)
    # two directions can both fit (a sequence at a standstill at one end): both are reported
    return [Hit(*_SHIFTS[f], f"your sequence matches the expected one {_says(f)}")
            for f in found]


def _says(direction: str) -> str:
    return {"missing_last": "without its last entry", "missing_first": "without its first "
            "entry", "extra_last": "plus one entry at the end", "extra_first": "plus one "
            "entry in front", "ahead": "shifted one step earlier",
            "behind": "shifted one step later"}[direction]


def _repeat(value: Any, along: str, pick: int) -> Any:
    def fill(s: Any) -> Any:
        if isinstance(s, torch.Tensor):
            return s[pick:pick + 1 if pick != -1 else None].expand_as(s).clone()
        return type(s)([s[pick]] * len(s))
    return map_sequences(value, along, fill)


def aliased(d: AliasedDiagnoser, ctx: DiagnoseContext) -> Hit | None:
    a, e = ctx.actual, ctx.expected
    if a is MISSING or not _lengths_ok(e, d.along, 2):
        return None
    candidate = _repeat(e, d.along, -1)
    if ctx.same(candidate, e) or not ctx.same(a, candidate):
        return None
    return Hit("rows_aliased", "Every entry is the last one: snapshots that alias one tensor",
               "Every entry of your sequence equals the final state. You appended the same "
               "tensor at every step and then changed it in place (p -= ..., p[0] = ...), so "
               "all the entries are one tensor. Append a copy (p.clone()) or build a new "
               "tensor at each step.", "every entry equals the expected last entry")


def frozen(d: FrozenDiagnoser, ctx: DiagnoseContext) -> Hit | None:
    a, e = ctx.actual, ctx.expected
    if a is MISSING or not _lengths_ok(e, d.along, 2) or not _lengths_ok(a, d.along, 2):
        return None
    if ctx.same(_repeat(e, d.along, 0), e) or not ctx.same(a, _repeat(a, d.along, 0)):
        return None
    if ctx.same(a, _repeat(e, d.along, -1)):
        return None  # every entry the final one: aliased snapshots, not a missing update
    return Hit("never_updated", "Nothing ever changes",
               "Your sequence never moves from its first entry, while the expected one does: "
               "the update is computed but never applied to the tensor that is read back "
               "(p = p - lr * g makes a new tensor and leaves p unchanged; update in place "
               "with p.add_(...) or p -= ... under torch.no_grad()).",
               "every entry equals the first")
