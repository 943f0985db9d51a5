"""``grade check-course``: is the course itself sound, before any student meets it?

For every lesson (or the ones named): the spec validates, with every cross-reference it
makes (``grader.course.validate``); the reference solution scores full marks and the
student's stub scores zero on a fresh seed. A course author runs it after every change,
and CI runs it, so a typo in a spec is caught by the course's own check instead of
costing students points.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field

from grader.course.lessons import Lesson
from grader.errors import GraderError


@dataclass
class LessonCheck:
    lesson: str
    problems: list[str] = field(default_factory=list)
    reference: str = ""  # "9/9" when graded
    stub: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems


def check_lesson(lesson: Lesson, *, seed: int, sandbox: object) -> LessonCheck:
    """Validate ``lesson`` and grade its reference and its stub once."""
    from grader.grading.engine import grade_file  # noqa: PLC0415 - imports torch

    out = LessonCheck(lesson.id)
    try:
        spec = lesson.spec
    except GraderError as e:
        out.problems.append(str(e))
        return out
    for label, path, want in (("reference", lesson.reference_dir / "solution.py", "full"),
                              ("stub", lesson.stub_path, "zero")):
        try:
            r = grade_file(lesson, path, seed=seed, sandbox=sandbox)  # type: ignore[arg-type]
        except GraderError as e:
            out.problems.append(f"grading the {label} failed: {e}")
            continue
        setattr(out, label, f"{r.score}/{r.max_score}")
        lost = [f"{c.name}: {c.message}" for c in r.checks if c.status != "passed"]
        if want == "full" and r.score != spec.max_score:
            out.problems.append(f"the reference scores {r.score}/{r.max_score} (seed {seed}): "
                                + "; ".join(lost[:3]))
        if want == "zero" and r.score != 0:
            won = [c.name for c in r.checks if c.points]
            out.problems.append(f"the stub scores {r.score}/{r.max_score} (seed {seed}): "
                                f"checks that cannot fail? {won[:5]}")
    return out


def check_course(lessons: list[Lesson], *, seed: int | None = None, sandbox: str = "auto",
                 on_done: Callable[[LessonCheck], None] | None = None) -> list[LessonCheck]:
    """Check every lesson of ``lessons`` on warm workers; one seed for the whole run."""
    from grader.sandbox import get_backend  # noqa: PLC0415

    seed = secrets.randbits(31) if seed is None else seed
    backend = get_backend(sandbox, warm=True, workers=2)
    results = []
    for lesson in lessons:
        result = check_lesson(lesson, seed=seed, sandbox=backend)
        if on_done:
            on_done(result)
        results.append(result)
    return results
