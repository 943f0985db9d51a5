"""The result of grading one submission: the data every report format is made from."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

# a batch row's statuses that are no result of the student's: the grader failed on it, or
# the student had several submissions and none was graded (the batch grades them again;
# the class report counts no attempt for them)
NOT_A_RESULT = frozenset({"grader_error", "ambiguous"})

Status = Literal["passed", "failed", "error", "timeout"]


class MistakeMatch(BaseModel):
    """A named mistake: a known-mistake variant that reproduces the output, or a diagnoser's
    finding. When the evidence fits several mistakes equally well, ``id`` is the first and
    ``alternatives`` the others (the title and message then present them all)."""

    model_config = ConfigDict(extra="forbid")

    id: str
    title: str
    message: str
    alternatives: list[str] = Field(default_factory=list,
                                    description="other mistakes the output fits equally well")


class CheckResult(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    points: int
    max_points: int
    status: Status
    message: str = ""
    error: float | None = Field(
        default=None, description="measured |difference| from the expected value, for checks "
                                  "that compare values")
    tolerance: float | None = Field(
        default=None, description="the allowed |difference| at that element")
    measured: float | None = Field(
        default=None, description="another measured quantity (accuracy, seconds): see unit")
    limit: float | None = Field(default=None, description="the bound `measured` had to meet")
    unit: Literal["accuracy", "loss", "seconds"] | None = Field(
        default=None, description="accuracy: measured had to be at least limit; loss (a mean "
                                  "cross-entropy in nats) and seconds: at most limit")
    mistake: MistakeMatch | None = None


class GradeResult(BaseModel):
    """One graded submission (the JSON output of ``grade --format json``)."""

    model_config = ConfigDict(extra="forbid")

    lesson: str
    title: str
    submission: str
    score: int
    max_score: int
    seed: int
    duration_s: float
    sandbox: str
    isolation: str = Field(default="", description="what kept the submission's code apart "
                           "from the grader and the machine, as the sandbox enforced it")
    isolation_warning: str | None = Field(
        default=None, description="set when the submission's code could reach what it must "
        "not (the reference, the grader's files): an unisolated run, for the instructor")
    checks: list[CheckResult]
    mistakes: list[MistakeMatch] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    review: list[str] = Field(
        default_factory=list,
        description="why a person should look at this submission (code the rule checks could "
                    "not follow, a rule seen broken only while it ran); empty when nothing is "
                    "suspicious")
    output: str = Field(default="", description="what the submission printed (truncated)")

    def __repr__(self) -> str:
        """One line: what a notebook shows under ``check("1.2")``'s report."""
        failed = sum(c.status != "passed" for c in self.checks)
        return (f"<GradeResult lesson {self.lesson}: {self.score}/{self.max_score}, "
                f"{failed} check(s) not passed, seed {self.seed}>")

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self))
