"""A fault of the grader is reported as the grader's (exit 3, a message asking to report
it), never as a student's lost points: broken specs, a reference that raises, a harness
that says the spec is wrong."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import main
from grader.course.inputs import draw_inputs
from grader.course.lessons import Lesson, get_lesson
from grader.errors import EXIT_GRADER, EXIT_USAGE, GraderFault
from grader.grading.evaluate import evaluate_checks
from grader.grading.oracle import Oracle
from grader.sandbox.run import ProbeOutcome, SandboxRun

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def broken_course(tmp_path: Path) -> Path:
    for lesson in ("1.2", "1.3"):
        for top in ("reference", "assignments"):
            shutil.copytree(ROOT / top / lesson, tmp_path / top / lesson)
    spec = tmp_path / "reference" / "1.3" / "spec.toml"
    spec.write_text(spec.read_text().replace('use = "generator"', 'use = "generatr"', 1))
    return tmp_path


def _run(lesson: Lesson, status: str) -> SandboxRun:
    return SandboxRun({p.id: ProbeOutcome(status, "unknown name 'x' in probe namespace")
                       for p in lesson.spec.probes if not p.trusted_only}, [], "", "", [], True)


def test_a_typo_in_a_spec_stops_grading_with_exit_3(broken_course, monkeypatch, tmp_path):
    monkeypatch.setenv("GRADER_COURSE_ROOT", str(broken_course))
    sub = tmp_path / "minibatches.py"
    sub.write_text((ROOT / "reference" / "1.3" / "solution.py").read_text())
    for args in (["1.3", str(sub)], ["1.3", str(sub), "--format", "json"],
                 ["batch", "1.3", str(tmp_path)], ["list"], ["check-course", "1.3"]):
        r = CliRunner().invoke(main, args)
        assert r.exit_code == EXIT_GRADER, (args, r.output)
        assert "unknown harness helper 'generatr'" in r.output, (args, r.output)
        assert "Traceback" not in r.output
        assert "your code" not in r.output.replace("not your code", "")


def test_usage_problems_exit_2(broken_course, monkeypatch, tmp_path):
    monkeypatch.setenv("GRADER_COURSE_ROOT", str(broken_course))
    r = CliRunner().invoke(main, ["9.9", "x.py"])
    assert r.exit_code == EXIT_USAGE and "no lesson '9.9'" in r.output
    monkeypatch.chdir(tmp_path)
    r = CliRunner().invoke(main, ["1.2"])
    assert r.exit_code == EXIT_USAGE and "linear_regression.py" in r.output


def test_a_reference_that_raises_is_a_grader_fault(tmp_path):
    for top in ("reference", "assignments"):
        shutil.copytree(ROOT / top / "1.2", tmp_path / top / "1.2")
    sol = tmp_path / "reference" / "1.2" / "solution.py"
    sol.write_text(sol.read_text() + "\n\ndef predict(X, w, b):\n    raise ValueError('oops')\n")
    lesson = Lesson("1.2", tmp_path)
    inputs, dims = draw_inputs(lesson.spec, 1)
    oracle = Oracle(lesson, {**inputs, **dims}, 1)
    with pytest.raises(GraderFault, match="reference failed on probe 'predict'"):
        oracle.outputs(lesson.spec.probe("predict"))


def test_a_harness_fault_is_confirmed_by_the_oracle_before_it_counts():
    lesson = get_lesson("1.2")

    class Faulty:
        def outputs(self, probe, variant=None):
            raise GraderFault(f"probe {probe.id!r}: unknown name 'x'")

        def module(self, key):
            raise AssertionError

    with pytest.raises(GraderFault):
        evaluate_checks(lesson, _run(lesson, "grader_error"), Faulty(), {}, can_time=False)

    # the reference runs fine on those inputs: the sandbox's claim was forged
    inputs, dims = draw_inputs(lesson.spec, 3)
    results = evaluate_checks(lesson, _run(lesson, "grader_error"),
                              Oracle(lesson, {**inputs, **dims}, 3), {}, can_time=False)
    assert all(r.points == 0 and r.status == "error" for r in results)
    assert "does not have" in results[0].message


def test_a_load_failure_is_named_in_every_check():
    from grader.sandbox.channel import CellError

    lesson = get_lesson("1.2")
    run = _run(lesson, "error")
    run.load_errors.append(CellError(cell="linear_regression.py", type="ModuleNotFoundError",
                                     message="No module named 'seaborn'", line=1))
    inputs, dims = draw_inputs(lesson.spec, 3)
    results = evaluate_checks(lesson, run, Oracle(lesson, {**inputs, **dims}, 3), {},
                              can_time=False)
    for r in results:
        assert "failed to load" in r.message and "seaborn" in r.message and "line 1" in r.message


def test_the_result_shows_as_one_line_in_a_notebook():
    from grader.results import CheckResult, GradeResult

    r = GradeResult(lesson="1.2", title="t", submission="s.py", score=3, max_score=5, seed=9,
                    duration_s=0.1, sandbox="bwrap",
                    checks=[CheckResult(name="a", points=0, max_points=2, status="failed",
                                        message="x" * 5000)])
    assert repr(r) == "<GradeResult lesson 1.2: 3/5, 1 check(s) not passed, seed 9>"
    printed: list[str] = []

    class Printer:
        def text(self, s: str) -> None:
            printed.append(s)

    r._repr_pretty_(Printer(), False)
    assert printed == [repr(r)]
