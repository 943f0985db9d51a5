"""The report formats on hand-made results: GitHub (escaping, summary), JUnit XML, GitHub
Classroom's runner result, Gradescope's results.json; finding a Gradescope submission; the
workflow templates agree with the lessons and with .ci/run."""

from __future__ import annotations

import base64
import json
import re
import stat
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest
from click.testing import CliRunner

from grader.cli import main
from grader.course.lessons import get_lesson
from grader.delivery.gradescope import find_submission
from grader.report.classroom import classroom_error, classroom_result, output_line
from grader.report.github import (
    annotations,
    escape_data,
    escape_property,
    job_summary,
    workflow_command,
)
from grader.report.gradescope import (
    lesson_output,
    md_code_block,
    render_gradescope,
    results_of,
    write_results,
)
from grader.report.junit import render_junit
from grader.results import CheckResult, GradeResult, MistakeMatch
from tests.conftest import ROOT

MISTAKE = MistakeMatch(id="sum_instead_of_mean", title="Sum instead of mean",
                       message="The loss is the *mean*: divide by n.")


def make_result() -> GradeResult:
    checks = [
        CheckResult(name="predict: values", points=2, max_points=2, status="passed",
                    error=0.0, tolerance=1e-5),
        CheckResult(name="loss, value", points=0, max_points=3, status="failed",
                    message="received 100% <too> | big\nline two", error=99.0, tolerance=1e-5,
                    mistake=MISTAKE),
        CheckResult(name="grad", points=0, max_points=4, status="error",
                    message="ValueError: bad\x01 shape"),
        CheckResult(name="fit", points=0, max_points=1, status="timeout",
                    message="took longer than 20 s"),
    ]
    return GradeResult(lesson="1.2", title="Linear regression", submission="lr.py",
                       score=2, max_score=10, seed=77, duration_s=1.5, sandbox="process",
                       checks=checks, mistakes=[MISTAKE], notes=["a note"],
                       output="printed ``` fence\n")


def unescape(text: str) -> str:
    return (text.replace("%0D", "\r").replace("%0A", "\n").replace("%3A", ":")
            .replace("%2C", ",").replace("%25", "%"))


# --------------------------------------------------------------------------- github


def test_workflow_command_escaping_follows_the_toolkit():
    assert escape_data("100%\r\na:b,c") == "100%25%0D%0Aa:b,c"
    assert escape_property("100%\r\na:b,c") == "100%25%0D%0Aa%3Ab%2Cc"
    assert workflow_command("error", "x: y", title="t: 1, 2") == "::error title=t%3A 1%2C 2::x: y"


def test_annotations_one_error_per_unpassed_check_then_the_score():
    result = make_result()
    lines = annotations(result)
    errors = [ln for ln in lines if ln.startswith("::error ")]
    assert len(errors) == 3 and lines[-1].startswith("::notice ")
    for line, check in zip(errors, result.checks[1:], strict=True):
        m = re.fullmatch(r"::error title=([^:]*)::(.*)", line)
        assert m, line
        assert "," not in m.group(1) and "\n" not in line
        assert unescape(m.group(1)) == (f"Lesson 1.2: {check.name} ({check.status}, "
                                        f"0/{check.max_points})")
        assert unescape(m.group(2)).startswith(check.message)
    assert "Sum instead of mean" in unescape(errors[0])
    assert "2/10" in lines[-1]


def test_job_summary_is_a_table_with_the_score_and_mistakes():
    md = job_summary(make_result())
    rows = [ln for ln in md.splitlines() if ln.startswith("| ") and "---" not in ln]
    assert len(rows) == 1 + 4  # header + one row per check
    assert all(row.count(" | ") == 3 for row in rows)  # '|' in a message is escaped
    assert "\\|" in md and "&lt;too&gt;" in md and "<br>" in md
    assert "Sum instead of mean" in md and "**2/10**" in md and "seed 77" in md


# --------------------------------------------------------------------------- junit


def test_junit_is_well_formed_with_failures_errors_and_properties():
    root = ET.fromstring(render_junit(make_result()))
    assert root.tag == "testsuites"
    (suite,) = root.findall("testsuite")
    assert suite.get("name") == "1.2"
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("4", "1", "2")
    props = {p.get("name"): p.get("value") for p in suite.find("properties")}
    assert props["seed"] == "77" and props["score"] == "2" and props["max_score"] == "10"
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == ["predict: values", "loss, value", "grad", "fit"]
    assert list(cases[0]) == []
    failure = cases[1].find("failure")
    assert failure.get("message") == "received 100% <too> | big\nline two"
    assert "Sum instead of mean" in failure.text
    assert cases[2].find("error").get("type") == "error"
    assert cases[2].find("error").get("message") == "ValueError: bad shape"  # \x01 removed
    assert cases[3].find("error").get("type") == "timeout"
    assert suite.find("system-out").text == "printed ``` fence\n"


# --------------------------------------------------------------------------- classroom


def test_classroom_result_points_add_up_exactly():
    result = make_result()
    data = classroom_result(result)
    assert data["version"] == 1 and data["status"] == "fail" and data["max_score"] == 10
    assert sum(t["score"] for t in data["tests"]) == result.score
    assert [t["status"] for t in data["tests"]] == ["pass", "fail", "error", "error"]
    for t in data["tests"]:
        assert set(t) == {"name", "status", "score", "message", "test_code", "filename",
                          "line_no", "duration"}
        assert t["line_no"] == 0
    line = output_line(data)
    assert line.startswith("result=") and line.endswith("\n") and line.count("\n") == 1
    assert json.loads(base64.b64decode(line[len("result="):])) == data


def test_classroom_all_passed_is_pass_and_not_graded_is_error():
    result = make_result()
    passed = result.model_copy(update={"checks": result.checks[:1], "score": 2,
                                       "max_score": 2})
    assert classroom_result(passed)["status"] == "pass"
    err = classroom_error([("a", 2), ("b", 3)], "no file")
    assert err["status"] == "error" and err["max_score"] == 5
    assert [t["score"] for t in err["tests"]] == [0, 0]


# --------------------------------------------------------------------------- gradescope


def test_gradescope_visibility_from_the_spec_and_hidden_details_stay_in_their_test():
    result = make_result()
    vis = {"loss, value": "hidden", "grad": "after_due_date", "fit": "after_published"}
    data = json.loads(render_gradescope(result, vis))
    assert [t["visibility"] for t in data["tests"]] == ["visible", "hidden", "after_due_date",
                                                        "after_published"]
    assert [t["status"] for t in data["tests"]] == ["passed", "failed", "failed", "failed"]
    assert data["score"] == 2 and data["output_format"] == "md"
    assert "Sum instead of mean" in data["tests"][1]["output"]
    assert "Sum instead of mean" not in data["output"]  # the hidden check's mistake
    assert "&lt;too&gt;" in data["tests"][1]["output"]


def test_code_block_fence_outgrows_backticks_in_the_text():
    block = md_code_block("a ```` b")
    assert block.startswith("`````text\n") and block.endswith("\n`````")
    assert "````` " not in lesson_output(make_result())


def test_results_written_once_by_rename(tmp_path):
    path = tmp_path / "results" / "results.json"
    write_results(path, results_of([], ["hello"], 1.2))
    assert [p.name for p in path.parent.iterdir()] == ["results.json"]
    assert json.loads(path.read_text())["output"] == "hello"
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


def test_find_submission_by_stem(tmp_path):
    assert find_submission(tmp_path / "none", "lr").path is None
    assert find_submission(tmp_path, "lr").path is None
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "lr.ipynb").write_text("{}")
    assert find_submission(tmp_path, "lr").path == tmp_path / "sub" / "lr.ipynb"
    (tmp_path / "lr.ipynb").write_text("{}")
    assert find_submission(tmp_path, "lr").path == tmp_path / "lr.ipynb"
    (tmp_path / "lr.py").write_text("x = 1\n")
    found = find_submission(tmp_path, "lr")  # both changed: nothing is guessed
    assert found.path is None and "lr.py" in found.note and "lr.ipynb" in found.note


# --------------------------------------------------------------------------- CLI


def test_schema_is_the_json_result_schema():
    r = CliRunner().invoke(main, ["schema"])
    assert r.exit_code == 0
    assert json.loads(r.output) == GradeResult.model_json_schema()


def test_help_lists_the_formats_and_new_commands_without_torch():
    r = CliRunner().invoke(main, ["--help"])
    assert r.exit_code == 0
    for word in ("--format github", "--format junit", "--format classroom",
                 "gradescope build", "grade schema"):
        assert word in r.output
    code = ("import sys\nfrom click.testing import CliRunner\nfrom grader.cli import main\n"
            "for args in (['schema'], ['gradescope', '--help'], ['gradescope', 'build', '-h'],"
            " ['run', '--help']):\n"
            "    r = CliRunner().invoke(main, args)\n    assert r.exit_code == 0, r.output\n"
            "assert 'torch' not in sys.modules\n")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_unwritable_output_is_a_usage_error_before_grading(tmp_path):
    r = CliRunner().invoke(main, ["1.2", str(tmp_path / "x.py"), "-o",
                                  str(tmp_path / "no" / "r.json")])
    assert r.exit_code == 2 and "does not exist" in r.output


# --------------------------------------------------------------------------- workflows


def test_classroom_template_steps_runners_and_env_agree():
    text = (ROOT / ".github" / "classroom" / "autograding.yml").read_text()
    steps = re.findall(r"id: (lesson-(\d+)-(\d+))\n.*\n\s+working-directory: "
                       r"assignments/(\S+)\n\s+run: grade (\S+) --format classroom", text)
    assert steps
    ids = []
    for step_id, major, minor, folder, lesson in steps:
        assert lesson == folder == f"{major}.{minor}"
        get_lesson(lesson, ROOT)  # a lesson with a grader
        assert f'{step_id.upper()}_RESULTS: "${{{{ steps.{step_id}.outputs.result }}}}"' in text
        ids.append(step_id)
    assert re.search(r"runners: (\S+)", text).group(1).split(",") == ids
    assert "classroom-resources/autograding-grading-reporter@v1" in text
    assert 'python-version: "3.11"' in text
    assert "-c .course/constraints.txt" in text and "download.pytorch.org/whl/cpu" in text


def test_ci_workflow_runs_what_ci_run_runs():
    ci = (ROOT / ".github" / "workflows" / "ci.yml").read_text()
    script = (ROOT / ".ci" / "run").read_text()
    for command in ("ruff check .", "python -m pytest -q",
                    "pip install --quiet -c constraints.txt -e '.[dev]'"):
        assert command in script
        assert command.replace("--quiet ", "") in ci
    assert "bubblewrap" in ci and 'python-version: "3.11"' in ci
    assert re.search(r"(?m)^on:\n  push:\n  pull_request:", ci)
    assert "runs-on: ubuntu-latest" in ci


@pytest.mark.parametrize("path", [".github/workflows/ci.yml", ".github/classroom/autograding.yml"])
def test_workflows_have_no_tabs_and_consistent_indentation(path):
    for n, line in enumerate((ROOT / path).read_text().splitlines(), 1):
        assert "\t" not in line, f"{path}:{n}"
        indent = len(line) - len(line.lstrip(" "))
        assert indent % 2 == 0, f"{path}:{n}"


# --------------------------------------------------------------------------- isolation


def test_every_format_says_which_isolation_ran_and_warns_when_there_was_none():
    from io import StringIO

    from rich.console import Console

    from grader.report.gradescope import ISOLATION_TEST
    from grader.report.terminal import render_terminal

    isolation = "process: a user of its own per job (not root), pid+net namespaces"
    warning = "UNISOLATED: the process sandbox cannot hide the reference solution"
    quiet = make_result().model_copy(update={"isolation": isolation})
    loud = quiet.model_copy(update={"isolation_warning": warning})

    def terminal(r: GradeResult) -> str:
        buf = StringIO()
        render_terminal(r, Console(file=buf, width=400, color_system=None))
        return buf.getvalue()

    junit = {r.isolation_warning: ET.fromstring(render_junit(r).split("?>", 1)[1])
             for r in (quiet, loud)}
    props = {p.get("name"): p.get("value") for p in junit[None].iter("property")}
    assert props["isolation"] == isolation and props["isolation_warning"] == ""
    assert warning in "".join(junit[warning].itertext())
    assert warning not in "".join(junit[None].itertext())
    assert isolation in terminal(quiet) and warning in terminal(loud)
    assert "not isolated" in terminal(loud) and warning not in terminal(quiet)
    assert json.loads(loud.model_dump_json())["isolation_warning"] == warning
    assert isolation in job_summary(quiet) and warning in job_summary(loud)
    assert any(line.startswith("::warning ") and warning in unescape(line)
               for line in annotations(loud))
    assert not any(line.startswith("::warning ") for line in annotations(quiet))
    # Gradescope: the isolation in the (student-visible) output; the warning only in a
    # hidden 0-point test, which instructors see and students do not
    vis = {c.name: "visible" for c in quiet.checks}
    for r in (quiet, loud):
        data = json.loads(render_gradescope(r, vis))
        assert isolation in data["output"] and warning not in data["output"]
        extra = [t for t in data["tests"] if t["name"] == ISOLATION_TEST]
        if r.isolation_warning:
            (t,) = extra
            assert t["visibility"] == "hidden" and t["max_score"] == 0 and warning in t["output"]
            assert data["score"] == r.score
        else:
            assert extra == []
