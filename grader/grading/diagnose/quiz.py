"""Quiz answers: a numeric answer that is the key's answer to another question (answers in
the wrong slots, or one question's reasoning carried into the next)."""

from __future__ import annotations

from grader.course.spec import OtherAnswerDiagnoser
from grader.grading.checks.quiz import answer_to, same_answer
from grader.grading.diagnose.base import DiagnoseContext, Hit, fmt, is_number


def other_answer(_d: OtherAnswerDiagnoser, ctx: DiagnoseContext) -> Hit | None:
    key = ctx.lesson.quiz_key()
    mine = key[ctx.check.question]
    given = answer_to(ctx.check, ctx.actual)
    if mine["kind"] != "numeric" or not is_number(given):
        return None
    others = [q for q, entry in key.items()
              if q != ctx.check.question and isinstance(entry, dict)
              and entry.get("kind") == "numeric" and same_answer(entry, given, entry["answer"])
              and not same_answer(mine, entry["answer"], mine["answer"])]
    if not others:
        return None
    where = " or ".join(others)
    return Hit("answer_of_another_question", "The answer to another question",
               f"{fmt(given)} is the answer to {where}, not to {ctx.check.question}: read "
               "what this question changes (a different setting, count or formula) and work "
               "it out again.", f"{fmt(given)} answers {where}")
