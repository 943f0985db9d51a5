"""Quiz answers compared with the hidden key (``reference/<id>/key.toml``)."""

from __future__ import annotations

import math
import re
from typing import Any

from grader.course.spec import QuizCheck
from grader.grading.checks.base import MISSING, CheckContext, Verdict
from grader.grading.compare import describe


def answer_to(check: QuizCheck, answers: Any) -> Any:
    """The answer given to ``check.question`` in an ANSWERS dict (None when absent)."""
    return answers.get(check.question) if isinstance(answers, dict) else None


def same_answer(entry: dict[str, Any], a: Any, b: Any) -> bool:
    """Two answers to one question are the same answer (letters ignore case; numbers
    agree within the question's tolerance)."""
    if a is None or b is None:
        return False
    if entry["kind"] == "numeric":
        if any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in (a, b)):
            return False
        err = abs(float(a) - float(b))
        return math.isfinite(err) and err <= float(entry.get("tolerance", 1e-6))
    la, lb = letter_of(a), letter_of(b)
    return la is not None and la == lb


_LETTER = re.compile(r"\(?([a-z])\)?[.:]?")


def letter_of(answer: Any) -> str | None:
    """The letter a choice answer names, in lower case: "b", "B", " b", "b)", "(c)", "d."
    (the ways a letter is written on paper); None for anything else."""
    if not isinstance(answer, str):
        return None
    m = _LETTER.fullmatch(answer.strip().lower())
    return m.group(1) if m else None


def check_quiz(check: QuizCheck, ctx: CheckContext) -> Verdict:
    answers = ctx.student(check.output)
    entry = ctx.lesson.quiz_key()[check.question]
    revisit = f"revisit lesson {entry['lesson']}: {entry['concept']}"
    if answers is MISSING or not isinstance(answers, dict):
        return Verdict(False, "no answers found (ANSWERS must be a dict)", comparable=False)
    given = answer_to(check, answers)
    if given is None:
        return Verdict(False, f"not answered yet — {revisit}", comparable=False)
    if entry["kind"] == "numeric":
        if isinstance(given, bool) or not isinstance(given, (int, float)):
            return Verdict(False, f"expected a number, got {describe(given)}",
                           comparable=False)
        err = abs(float(given) - float(entry["answer"]))
        ok = same_answer(entry, given, entry["answer"])
        return Verdict(ok, "" if ok else f"{given!r} is not right — {revisit}", error=err,
                       tolerance=float(entry.get("tolerance", 1e-6)))
    letter = letter_of(given)
    if letter is None:
        return Verdict(False, f"{given!r} is not one letter: answer this question with the "
                              f"letter of one option as a string, such as \"a\"",
                       comparable=False)
    ok = same_answer(entry, given, entry["answer"])
    hint = entry.get("wrong", {}).get(letter)
    msg = "" if ok else f"{letter!r} is not right" + (f": {hint}" if hint else "") + f" — {revisit}"
    return Verdict(ok, msg)
