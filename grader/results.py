"""The result of grading one submission: the data every report format is made from."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Status = Literal["passed", "failed", "error", "timeout"]


class MistakeMatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    title: str
    message: str


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
    review: list[str] = Field(
        default_factory=list,
        description="why a person should look at this submission (code the rule checks could "
                    "not follow, a rule seen broken only while it ran); empty when nothing is "
                    "suspicious")
    output: str = Field(default="", description="what the submission printed (truncated)")
