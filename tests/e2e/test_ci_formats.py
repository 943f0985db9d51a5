"""End to end: the real `grade` command's CI formats on a known mistake of lesson 1.2.

--format github with $GITHUB_STEP_SUMMARY set to a temporary file (appended to, not
overwritten) and escaped ::error annotations; --format junit parsed back with ElementTree;
--format classroom writing `result=<base64>` to $GITHUB_OUTPUT, and an error result for a
missing file; `grade schema` validating a real JSON result. Each run also writes the JSON
result (-o), the reference the other formats are compared with field by field.
"""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from grader.course.lessons import get_lesson
from grader.results import GradeResult
from tests.conftest import ROOT

LESSON = "1.2"


def grade(*args: str, env: dict[str, str] | None = None,
          cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items()
             if k not in ("GITHUB_STEP_SUMMARY", "GITHUB_OUTPUT", "GRADER_COURSE_ROOT")}
    return subprocess.run([sys.executable, "-m", "grader", *args], text=True,
                          capture_output=True, timeout=600, env={**clean, **(env or {})},
                          cwd=cwd or ROOT)


def unescape(text: str) -> str:
    return (text.replace("%0D", "\r").replace("%0A", "\n").replace("%3A", ":")
            .replace("%2C", ",").replace("%25", "%"))


@pytest.fixture(scope="module")
def mistake(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    """A submission with the lesson's first known mistake (the reference plus its override)."""
    les = get_lesson(LESSON, ROOT)
    m = les.spec.mistakes[0]
    path = tmp_path_factory.mktemp("mistake") / f"{les.spec.lesson.stem}.py"
    path.write_text(les.mistake_source(m.id), encoding="utf-8")
    return path, m


@pytest.fixture(scope="module")
def github_run(mistake, tmp_path_factory):
    path, m = mistake
    tmp = tmp_path_factory.mktemp("github")
    summary = tmp / "summary.md"
    summary.write_text("earlier step\n")
    proc = grade(LESSON, str(path), "--format", "github", "--seed", "31", "-o",
                 str(tmp / "result.json"), env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert proc.returncode == 0, proc.stderr
    result = json.loads((tmp / "result.json").read_text())
    return proc, summary.read_text(), result, m


@pytest.mark.slow
def test_github_job_summary_and_annotations(github_run):
    proc, summary, result, m = github_run
    assert summary.startswith("earlier step\n")  # appended
    assert f"Lesson {LESSON}" in summary and f"{result['score']}/{result['max_score']}" in summary
    for c in result["checks"]:
        row = next(ln for ln in summary.splitlines() if ln.startswith(f"| {c['name']} |"))
        assert f"| {c['points']}/{c['max_points']} |" in row
        assert ("passed" in row) == (c["status"] == "passed")
    assert m.title in summary
    errors = [ln for ln in proc.stdout.splitlines() if ln.startswith("::error")]
    failed = [c for c in result["checks"] if c["status"] != "passed"]
    assert len(errors) == len(failed) > 0
    for line, c in zip(errors, failed, strict=True):
        match = re.fullmatch(r"::error title=([^:,]*)::([^\r\n]*)", line)
        assert match, line
        assert unescape(match.group(1)) == (f"Lesson {LESSON}: {c['name']} ({c['status']}, "
                                            f"0/{c['max_points']})")
        assert unescape(match.group(2)).startswith(c["message"])
    assert any(m.title in unescape(e) for e in errors)
    assert "Traceback" not in proc.stderr


@pytest.mark.slow
def test_schema_validates_a_real_result(github_run):
    _, _, result, _ = github_run
    proc = grade("schema")
    assert proc.returncode == 0
    schema = json.loads(proc.stdout)
    jsonschema.validate(result, schema)
    assert set(schema["required"]) <= result.keys()
    GradeResult.model_validate_json(json.dumps(result))
    broken = {k: v for k, v in result.items() if k != "score"}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)


@pytest.mark.slow
def test_junit_xml_parses_back_field_by_field(mistake, tmp_path):
    path, m = mistake
    proc = grade(LESSON, str(path), "--format", "junit", "--seed", "32", "-o",
                 str(tmp_path / "r.json"))
    assert proc.returncode == 0, proc.stderr
    result = json.loads((tmp_path / "r.json").read_text())
    root = ET.fromstring(proc.stdout)
    (suite,) = root.iter("testsuite")
    assert suite.get("name") == LESSON
    assert int(suite.get("tests")) == len(result["checks"])
    assert int(suite.get("failures")) == sum(c["status"] == "failed" for c in result["checks"])
    assert int(suite.get("errors")) == sum(c["status"] in ("error", "timeout")
                                           for c in result["checks"])
    props = {p.get("name"): p.get("value") for p in suite.find("properties")}
    assert props["seed"] == "32" and props["score"] == str(result["score"])
    assert props["max_score"] == str(result["max_score"])
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == [c["name"] for c in result["checks"]]
    for case, c in zip(cases, result["checks"], strict=True):
        failure = case.find("failure")
        if c["status"] == "passed":
            assert list(case) == []
        else:
            assert failure is not None and failure.get("message") == c["message"]
            if c["mistake"]:
                assert c["mistake"]["title"] in failure.text
    assert any(m.title in (case.findtext("failure") or "") for case in cases)


@pytest.mark.slow
def test_classroom_result_to_github_output(mistake, tmp_path):
    path, m = mistake
    out = tmp_path / "github_output"
    out.write_text("other=1\n")
    proc = grade(LESSON, str(path), "--format", "classroom", "--seed", "33", "-o",
                 str(tmp_path / "r.json"), env={"GITHUB_OUTPUT": str(out)})
    assert proc.returncode == 0, proc.stderr
    result = json.loads((tmp_path / "r.json").read_text())
    lines = out.read_text().splitlines()
    assert lines[0] == "other=1" and lines[1].startswith("result=") and len(lines) == 2
    data = json.loads(base64.b64decode(lines[1][len("result="):], validate=True))
    assert data["version"] == 1 and data["status"] == "fail"
    assert data["max_score"] == result["max_score"] == get_lesson(LESSON, ROOT).spec.max_score
    lost = sum(c.points for c in get_lesson(LESSON, ROOT).spec.checks if c.name in m.loses)
    assert sum(t["score"] for t in data["tests"]) == result["score"] == data["max_score"] - lost
    for t, c in zip(data["tests"], result["checks"], strict=True):
        assert t["name"] == c["name"] and t["score"] == c["points"]
        assert t["status"] == {"passed": "pass", "failed": "fail"}.get(c["status"], "error")
        assert isinstance(t["message"], str) and t["line_no"] == 0
    assert "Score:" in proc.stdout  # the usual report, for the log


def test_classroom_missing_file_is_an_error_result_on_stdout(tmp_path):
    proc = grade(LESSON, "--format", "classroom", cwd=tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    data = json.loads(proc.stdout)
    les = get_lesson(LESSON, ROOT)
    assert data["status"] == "error" and data["max_score"] == les.spec.max_score
    assert all(t["score"] == 0 and t["status"] == "error" for t in data["tests"])
    assert les.spec.lesson.stem in data["tests"][0]["message"]


def test_unwritable_ci_files_are_usage_errors(tmp_path):
    bad = str(tmp_path / "missing" / "file")
    for fmt, var in (("github", "GITHUB_STEP_SUMMARY"), ("classroom", "GITHUB_OUTPUT")):
        proc = grade(LESSON, str(tmp_path / "x.py"), "--format", fmt, env={var: bad})
        assert proc.returncode == 2 and "cannot write" in proc.stderr
        assert "Traceback" not in proc.stderr
