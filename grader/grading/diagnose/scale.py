"""The output is the expected one times a constant: 2 or 1/2 (the 2 of a square), -1 (a
sign), n or 1/n (a sum where a mean belongs, or the reverse), the batch size, the
learning rate. The constant is an expression over the run's inputs and dims, so "n" is
this run's n, and the evidence must hold on every entry of the output."""

from __future__ import annotations

import re

import torch

from grader.course import expr
from grader.course.spec import ScaledDiagnoser
from grader.grading.checks.base import MISSING
from grader.grading.checks.quiz import answer_to, same_answer
from grader.grading.diagnose.base import DiagnoseContext, Hit, fmt, is_number, map_leaves

_NAMES = {"2": ("scaled_by_2", "Twice the expected values"),
          "0.5": ("halved", "Half the expected values"),
          "1/2": ("halved", "Half the expected values"),
          "-1": ("sign_flipped", "The sign is flipped")}


def generic(by: str) -> tuple[str, str]:
    """The generic id and title for a factor written as ``by``."""
    key = by.replace(" ", "")
    if key in _NAMES:
        return _NAMES[key]
    slug = re.sub(r"[^a-z0-9]+", "_", key.lower()).strip("_") or "constant"
    return f"scaled_by_{slug}", f"Off by a factor {by}"


def factor(d: ScaledDiagnoser, ctx: DiagnoseContext) -> float | None:
    try:
        value = expr.evaluate(d.by, ctx.values)
    except (expr.ExpressionError, ArithmeticError, TypeError, ValueError):
        return None
    if isinstance(value, torch.Tensor):
        if value.numel() != 1:
            return None
        value = value.item()
    return float(value) if is_number(value) else None


def scaled(d: ScaledDiagnoser, ctx: DiagnoseContext) -> Hit | None:
    c = factor(d, ctx)
    if c is None or c == 1.0:
        return None
    if ctx.check.kind == "quiz":
        entry = ctx.lesson.quiz_key()[ctx.check.question]
        given = answer_to(ctx.check, ctx.actual)
        if entry["kind"] != "numeric" or not is_number(given):
            return None
        target = c * float(entry["answer"])
        loose = {**entry, "tolerance": float(entry.get("tolerance", 1e-6)) * max(1.0, abs(c))}
        if same_answer(loose, target, entry["answer"]) or not same_answer(loose, given, target):
            return None
        ident, _ = generic(d.by)
        return Hit(ident, f"The answer times {d.by}",
                   f"Your answer is the right one times {d.by}: a factor left out or counted "
                   "twice in how you worked it out (a total where an average belongs, or the "
                   "reverse; a factor such as the 2 of a square). Work it through again and "
                   "look at where that factor enters.",
                   f"{fmt(given)} is {fmt(c)} times the right answer")
    else:
        if ctx.actual is MISSING:
            return None
        candidate = map_leaves(ctx.expected, lambda t: t * c)
        if ctx.same(candidate, ctx.expected, scale=c) or not ctx.same(ctx.actual, candidate,
                                                                       scale=c):
            return None
        detail = f"your values are {fmt(c)} times the expected ones ({d.by} = {fmt(c)})"
    ident, title = generic(d.by)
    message = (f"Your values are the expected ones times {d.by}. A constant factor usually "
               "means a sum where a mean belongs (or the reverse), a missing or extra factor "
               "such as the 2 that comes down from a square, a flipped sign, or a learning "
               "rate applied twice: look at where that factor enters.")
    return Hit(ident, title, message, detail)
