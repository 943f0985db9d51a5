"""The checks and mistakes stages on a fabricated sandbox run: every lesson, no sandbox.

The sandbox stage hands ``evaluate_checks`` a ``SandboxRun`` of validated outputs. Here
that run is made in this process by the harness's own ``run_probe`` on our code (the
reference, or a known-mistake variant) and passed through the same encode/decode as the
channel, so the grading logic of every lesson (oracle, rules, checks, mistake recognition,
points) is tested in seconds; the slow layer (tests/lessons) proves the same through real
sandboxes on many seeds.
"""

from __future__ import annotations

import types
from typing import Any

import pytest

from grader.course.inputs import draw_inputs, draw_timed, timed_id
from grader.course.lessons import Lesson, all_lessons
from grader.grading.engine import early_probes
from grader.grading.evaluate import evaluate_checks, named_mistakes
from grader.grading.oracle import Oracle
from grader.grading.rules import rule_violations
from grader.results import CheckResult
from grader.sandbox.channel import CellError
from grader.sandbox.run import ProbeOutcome, SandboxRun
from tests.conftest import ROOT, fabricated_run

SEED = 424242
LESSONS = all_lessons(ROOT)


def _ids(lessons: list[Lesson]) -> list[str]:
    return [f"lesson {les.id}" for les in lessons]


def grade_in_process(lesson: Lesson, module: types.ModuleType, source: str,
                     seed: int = SEED, oracle_type: type[Oracle] = Oracle) -> list[CheckResult]:
    inputs, dims = draw_inputs(lesson.spec, seed, lesson.root)
    for pid in lesson.spec.timed_probes():
        inputs.update(draw_timed(lesson.spec, seed, pid, dims, lesson.root))
    run = fabricated_run(lesson, module, {**inputs, **dims}, seed)
    oracle = oracle_type(lesson, {**inputs, **dims}, seed)
    static = rule_violations(lesson.spec.probes, [source])
    return evaluate_checks(lesson, run, oracle, static, can_time=True)


ASKED: list[str] = []


class _Recording(Oracle):
    """An oracle that notes which of the reference's outputs were asked for (``ASKED``)."""

    def outputs(self, probe: Any, variant: str | None = None) -> dict[str, Any] | None:
        if variant is None:
            ASKED.append(probe.id)
        return super().outputs(probe, variant)


@pytest.mark.parametrize("lesson", LESSONS, ids=_ids(LESSONS))
def test_the_reference_outputs_score_full_marks(lesson: Lesson) -> None:
    ASKED.clear()
    results = grade_in_process(lesson, lesson.reference_module(), lesson.reference_source(),
                               oracle_type=_Recording)
    assert [(r.name, r.message) for r in results if r.status != "passed"] == []
    assert sum(r.points for r in results) == lesson.spec.max_score
    assert [r.name for r in results] == [c.name for c in lesson.spec.checks]
    # what the checks read of the reference, the engine had the oracle run early (while
    # the sandbox ran): none of it is left for the checks to compute while the grading waits
    early = {p.id for p in early_probes(lesson.spec, [timed_id(pid) for pid in
                                                      lesson.spec.timed_probes()])}
    assert set(ASKED) <= early, set(ASKED) - early


FIRST_MISTAKES = [(les, les.spec.mistakes[0]) for les in LESSONS if les.spec.mistakes]


@pytest.mark.parametrize("lesson,mistake", FIRST_MISTAKES,
                         ids=[f"{les.id}:{m.id}" for les, m in FIRST_MISTAKES])
def test_a_known_mistake_loses_exactly_its_points_and_is_named(lesson: Lesson,
                                                               mistake: Any) -> None:
    results = grade_in_process(lesson, lesson.mistake_module(mistake.id),
                               lesson.mistake_source(mistake.id))
    assert {r.name for r in results if r.status != "passed"} == set(mistake.loses)
    lost = sum(c.points for c in lesson.spec.checks if c.name in mistake.loses)
    assert sum(r.points for r in results) == lesson.spec.max_score - lost
    assert mistake.id in {m.id for m in named_mistakes(results)}


@pytest.mark.parametrize("lesson", LESSONS, ids=_ids(LESSONS))
def test_code_that_did_not_load_scores_zero_and_every_check_says_why(lesson: Lesson) -> None:
    inputs, dims = draw_inputs(lesson.spec, SEED, lesson.root)
    failed = ProbeOutcome("error", "the submission could not be loaded")
    run = SandboxRun({p.id: failed for p in lesson.spec.probes if not p.trusted_only},
                     [CellError(cell="cell 3", type="NameError", message="name 'x' is not "
                                "defined", line=7)], "", "", [], loaded=False)
    results = evaluate_checks(lesson, run, Oracle(lesson, {**inputs, **dims}, SEED), {},
                              can_time=True)
    assert sum(r.points for r in results) == 0
    for r in results:
        assert r.status == "error"
        assert r.message.startswith("your code failed to load (cell 3, line 7: NameError")


def test_a_timeout_a_rule_and_a_runtime_violation_cost_their_checks_only() -> None:
    lesson = next(les for les in LESSONS if les.id == "1.2")
    inputs, dims = draw_inputs(lesson.spec, SEED, lesson.root)
    run = fabricated_run(lesson, lesson.reference_module(), {**inputs, **dims}, SEED)
    oracle = Oracle(lesson, {**inputs, **dims}, SEED)
    probes = list(run.probes)
    timed_out, broken = probes[0], probes[1]
    run.probes[timed_out] = ProbeOutcome("timeout", "took longer than 5 s")
    run.probes[broken].violations.append("`f` used autograd")
    static = {probes[2]: "`g` calls .backward()"}
    results = evaluate_checks(lesson, run, oracle, static, can_time=True)
    by_probe = {c.name: c.probe for c in lesson.spec.checks}
    for r in results:
        probe = by_probe[r.name]
        if probe == timed_out:
            assert (r.status, r.points, r.message) == ("timeout", 0, "took longer than 5 s")
        elif probe == broken:
            assert r.points == 0 and r.message == "`f` used autograd (not accepted)"
        elif probe == probes[2]:
            assert r.points == 0 and r.message == "`g` calls .backward() (not accepted)"
        else:
            assert r.status == "passed" and r.points == r.max_points
