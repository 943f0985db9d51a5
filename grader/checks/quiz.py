"""Quiz answers compared with the hidden key (``reference/<id>/key.toml``)."""

from __future__ import annotations

import math
import tomllib
from typing import Any

from ..spec import QuizCheck
from .base import MISSING, CheckContext, Verdict


def _key(ctx: CheckContext) -> dict[str, Any]:
    return tomllib.loads((ctx.lesson.reference_dir / "key.toml").read_text(encoding="utf-8"))


def check_quiz(check: QuizCheck, ctx: CheckContext) -> Verdict:
    answers = ctx.student(check.output)
    entry = _key(ctx)[check.question]
    revisit = f"revisit lesson {entry['lesson']}: {entry['concept']}"
    if answers is MISSING or not isinstance(answers, dict):
        return Verdict(False, "no answers found (ANSWERS must be a dict)", comparable=False)
    given = answers.get(check.question)
    if given is None:
        return Verdict(False, f"not answered yet — {revisit}", comparable=False)
    if entry["kind"] == "numeric":
        if isinstance(given, bool) or not isinstance(given, (int, float)):
            return Verdict(False, f"expected a number, got {type(given).__name__}",
                           comparable=False)
        err = abs(float(given) - float(entry["answer"]))
        ok = math.isfinite(err) and err <= float(entry.get("tolerance", 1e-6))
        return Verdict(ok, "" if ok else f"{given!r} is not right — {revisit}", error=err,
                       tolerance=float(entry.get("tolerance", 1e-6)), comparable=False)
    letter = str(given).strip().lower()
    ok = letter == str(entry["answer"]).lower()
    hint = entry.get("wrong", {}).get(letter)
    msg = "" if ok else f"{letter!r} is not right" + (f": {hint}" if hint else "") + f" — {revisit}"
    return Verdict(ok, msg, comparable=False)
