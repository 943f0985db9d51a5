"""The result of grading one submission: the data every report format is made from."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

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
    error: float | None = Field(default=None, description="measured error, where it applies")
    tolerance: float | None = Field(default=None, description="allowed error, where it applies")
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
    checks: list[CheckResult]
    mistakes: list[MistakeMatch] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    output: str = Field(default="", description="what the submission printed (truncated)")
