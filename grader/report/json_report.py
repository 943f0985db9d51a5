"""JSON output: the ``GradeResult`` model, serialised."""

from __future__ import annotations

from grader.results import GradeResult


def render_json(result: GradeResult) -> str:
    return result.model_dump_json(indent=2)
