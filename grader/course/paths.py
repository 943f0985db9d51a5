"""Where the course is, and what it says about itself (``course.toml`` at its root).

A course folder holds ``course.toml``, ``assignments/``, ``reference/`` and ``datasets/``.
It is the repository root by default, or ``$GRADER_COURSE_ROOT``.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

from pydantic import BaseModel, ConfigDict

COURSE_FILE = "course.toml"


class CourseInfo(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str = "Course exercises"


def course_root() -> Path:
    env = os.environ.get("GRADER_COURSE_ROOT")
    if env:
        return Path(env).resolve()
    return Path(__file__).resolve().parents[2]


def course_info(root: Path | None = None) -> CourseInfo:
    """The course's own data (its title); defaults where the file is absent."""
    path = (root or course_root()) / COURSE_FILE
    try:
        return CourseInfo.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        return CourseInfo()
