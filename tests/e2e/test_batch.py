"""`grade batch`: a class folder graded on warm workers, results appended as they come,
a second run skips who is done, and a broken or missing submission never stops the rest."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from grader.course.lessons import get_lesson
from tests.conftest import ROOT

LESSON = get_lesson("1.2", ROOT)
pytestmark = pytest.mark.slow


def grade(*args: str, env: dict[str, str] | None = None,
          cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "grader", *args], capture_output=True,
                          text=True, timeout=600, env=env, cwd=cwd)


def test_batch_grades_a_class_and_resumes(tmp_path):
    cls = tmp_path / "class"
    for name in ("alice", "bob", "carol", "erin"):
        (cls / name).mkdir(parents=True)
    (cls / "alice" / "linear_regression.py").write_text(LESSON.reference_source())
    (cls / "bob" / "linear_regression.ipynb").write_text(
        LESSON.stub_path.with_suffix(".ipynb").read_text())
    (cls / "erin" / "linear_regression.ipynb").write_text("{not a notebook")
    (cls / "dave.py").write_text(LESSON.mistake_source("sign_error"))
    # gil handed in twice (his folder and a file): neither is graded, nothing is guessed
    (cls / "gil").mkdir()
    (cls / "gil" / "linear_regression.py").write_text(LESSON.reference_source())
    (cls / "gil.py").write_text(LESSON.mistake_source("sign_error"))
    (cls / "__pycache__").mkdir()  # Python's, not a student's
    (cls / "__pycache__" / "dave.cpython-311.pyc").write_bytes(b"\0")
    proc = grade("batch", "1.2", str(cls), "-j", "2")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "carol: no linear_regression.py" in proc.stderr
    assert "__pycache__" not in proc.stderr
    rows = {json.loads(ln)["student"]: json.loads(ln)
            for ln in (cls / "grades-1.2.jsonl").read_text().splitlines()}
    assert set(rows) == {"alice", "bob", "dave", "erin", "gil"}
    assert rows["gil"]["status"] == "ambiguous" and rows["gil"]["score"] == 0
    assert "gil.py" in rows["gil"]["error"] and "gil/linear_regression.py" in rows["gil"]["error"]
    full = LESSON.spec.max_score
    assert rows["alice"]["score"] == full and rows["bob"]["score"] == 0
    assert rows["alice"]["sandbox"].endswith("+warm")
    assert "sign_error" in {m["id"] for m in rows["dave"]["mistakes"]}
    assert rows["erin"]["score"] == 0 and "not a readable notebook" in rows["erin"]["error"]
    summary = list(csv.DictReader((cls / "grades-1.2.csv").read_text().splitlines()))
    assert {r["student"]: int(r["score"]) for r in summary}["alice"] == full

    # an interrupted run left a cut line; the next run grades only who is missing
    with (cls / "grades-1.2.jsonl").open("a") as f:
        f.write('{"student": "fr')
    (cls / "frank").mkdir()
    (cls / "frank" / "linear_regression.py").write_text(LESSON.reference_source())
    proc = grade("batch", "1.2", str(cls))
    assert proc.returncode == 0, proc.stderr[-2000:]
    # (gil is looked at again: still ambiguous, and not written twice)
    assert "4 already graded" in proc.stderr and "grading the other 2" in proc.stderr
    summary = list(csv.DictReader((cls / "grades-1.2.csv").read_text().splitlines()))
    assert len(summary) == 6
    assert {r["student"]: r["status"] for r in summary}["gil"] == "ambiguous"
    lines = (cls / "grades-1.2.jsonl").read_text().splitlines()
    assert len(lines) == 6  # the cut line was dropped, not left in the middle
    # so `grade report` reads the resumed file (it refused the cut line in the middle)
    report = grade("report", str(cls / "grades-1.2.jsonl"), "-o", str(tmp_path / "r.html"))
    assert report.returncode == 0, report.stderr[-2000:]


def test_batch_usage_errors():
    assert grade("batch", "9.9", str(ROOT)).returncode == 2
    assert grade("batch", "1.2", "/no/such/folder").returncode == 2


def test_a_lane_that_dies_costs_its_grading_only_and_is_replaced(tmp_path):
    """`grade batch -j N` grades in N lane processes (``delivery/lanes.py``): one killed in
    the middle of a grading fails that grading as the grader's (LaneDied, a grader error),
    and the next grading gets a fresh lane."""
    from concurrent.futures import ThreadPoolExecutor

    from grader.delivery.lanes import LaneDied, Lanes

    slow = tmp_path / "slow" / "linear_regression.py"
    slow.parent.mkdir()
    slow.write_text("import time\ntime.sleep(60)\n" + LESSON.reference_source())
    good = tmp_path / "good" / "linear_regression.py"
    good.parent.mkdir()
    good.write_text(LESSON.reference_source())
    lanes = Lanes(ROOT, "1.2", "process", True, None, size=1, threads=16)
    try:
        with ThreadPoolExecutor(1) as pool:
            pending = pool.submit(lanes.grade, "slow", slow, 1)
            for _ in range(600):  # until the lane has started and taken the job
                if lanes._all and not pending.done():
                    break
                time.sleep(0.05)
            time.sleep(3)
            lanes._all[0].proc.kill()
            with pytest.raises(LaneDied, match="ended in the middle of a grading"):
                pending.result(timeout=120)
        row = lanes.grade("good", good, 2)
        assert row["status"] == "graded" and row["score"] == LESSON.spec.max_score
        assert row["student"] == "good" and len(lanes._all) == 1
    finally:
        lanes.close()


def test_a_class_large_enough_for_lanes_is_graded_right(tmp_path):
    """From ``LANES_FROM`` submissions on, `grade batch -j 2` grades in two lane processes:
    every student once, each score what their file earns, warm workers; and the lanes end
    cleanly, each removing its worker's folder (a lane started by a grading thread used to
    be killed when that thread ended, leaving its folder in /tmp). The class is named by a
    path relative to the folder `grade batch` runs in (the lanes run in "/": every one of
    them used to be "unreadable", the students blamed for the grader's fault)."""
    from grader.delivery.batch import LANES_FROM

    mistake = LESSON.spec.mistakes[0]
    lost = sum(c.points for c in LESSON.spec.checks if c.name in mistake.loses)
    cls = tmp_path / "class"
    expected = {}
    for i in range(LANES_FROM):
        (cls / f"s{i:02d}").mkdir(parents=True)
        right = i % 2 == 0
        (cls / f"s{i:02d}" / "linear_regression.py").write_text(
            LESSON.reference_source() if right else LESSON.mistake_source(mistake.id))
        expected[f"s{i:02d}"] = LESSON.spec.max_score - (0 if right else lost)
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    proc = grade("batch", "1.2", "class", "-j", "2", "--seed", "7",
                 env={**os.environ, "TMPDIR": str(tmp)},
                 cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert not list(tmp.iterdir())
    rows = [json.loads(ln) for ln in (cls / "grades-1.2.jsonl").read_text().splitlines()]
    assert sorted(r["student"] for r in rows) == sorted(expected)
    assert {r["student"]: r["score"] for r in rows} == expected
    assert all(r["sandbox"].endswith("+warm") for r in rows)
    assert all(mistake.id in {m["id"] for m in r["mistakes"]} for r in rows
               if r["score"] < LESSON.spec.max_score)


def test_sigterm_stops_a_batch_at_once_keeping_what_it_graded(tmp_path):
    """A cluster's SIGTERM (the notice before a task is ended or requeued) stops `grade
    batch` as Ctrl-C does: the gradings under way finish and are written, no other starts,
    the lanes and workers end and leave nothing in TMPDIR; the same command then grades
    only the rest."""
    import signal

    cls = tmp_path / "class"
    for i in range(60):
        (cls / f"s{i:02d}").mkdir(parents=True)
        (cls / f"s{i:02d}" / "linear_regression.py").write_text(LESSON.reference_source())
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = {**os.environ, "TMPDIR": str(tmp)}
    results = cls / "grades-1.2.jsonl"
    proc = subprocess.Popen([sys.executable, "-m", "grader", "batch", "1.2", str(cls), "-j", "2",
                             "--sandbox", "process"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None and not (
            results.exists() and len(results.read_text().splitlines()) >= 3):
        time.sleep(0.1)
    proc.send_signal(signal.SIGTERM)
    sent = time.monotonic()
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err[-2000:]
    assert time.monotonic() - sent < 20
    assert "the same command grades the rest" in err
    kept = [json.loads(ln)["student"] for ln in results.read_text().splitlines()]
    assert 3 <= len(kept) < 60 and len(set(kept)) == len(kept)
    assert not list(tmp.iterdir())
    again = grade("batch", "1.2", str(cls), "-j", "2", "--sandbox", "process", env=env)
    assert again.returncode == 0, again.stderr[-2000:]
    rows = [json.loads(ln) for ln in results.read_text().splitlines()]
    assert sorted(r["student"] for r in rows) == [f"s{i:02d}" for i in range(60)]


def test_ctrl_c_and_sigterm_to_the_process_group_let_the_lanes_finish(tmp_path):
    """Ctrl-C at a terminal signals the whole process group, and a cluster's SIGTERM may
    too: the lanes (from ``LANES_FROM`` submissions on) are in it. They used to die of it:
    two KeyboardInterrupt tracebacks and every grading under way lost (SIGTERM: written as
    a grader error each, rows that stayed after the resume). Now the lanes ignore both, the
    gradings under way finish and are written, the batch exits 130 with no traceback, and
    the same command grades the rest: one row per student in the end."""
    import signal

    from grader.delivery.batch import LANES_FROM

    cls = tmp_path / "class"
    n = LANES_FROM + 4
    for i in range(n):
        (cls / f"s{i:02d}").mkdir(parents=True)
        (cls / f"s{i:02d}" / "linear_regression.py").write_text(LESSON.reference_source())
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = {**os.environ, "TMPDIR": str(tmp)}
    results = cls / "grades-1.2.jsonl"
    command = [sys.executable, "-m", "grader", "batch", "1.2", str(cls), "-j", "2",
               "--sandbox", "process", "--seed", "7"]

    def rows() -> list[dict]:
        out = []
        for ln in results.read_text().splitlines() if results.exists() else []:
            try:
                out.append(json.loads(ln))
            except ValueError:
                pass  # being written
        return out

    for sig in (signal.SIGINT, signal.SIGTERM):
        had = len(rows())
        # a session of its own: its process group is the batch and its lanes, as a
        # terminal's foreground job is
        proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, start_new_session=True)
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and proc.poll() is None and len(rows()) < had + 3:
            time.sleep(0.1)
        assert proc.poll() is None, proc.communicate()[1][-2000:]
        os.killpg(proc.pid, sig)
        _out, err = proc.communicate(timeout=120)
        assert proc.returncode == 130, err[-2000:]
        assert "Traceback" not in err and "KeyboardInterrupt" not in err, err[-3000:]
        assert "the same command grades the rest" in err
        kept = rows()
        assert [r for r in kept if r["status"] != "graded"] == [], err[-2000:]
        assert len({r["student"] for r in kept}) == len(kept) < n
        assert not list(tmp.iterdir())
    again = grade(*command[3:], env=env)
    assert again.returncode == 0, again.stderr[-2000:]
    assert sorted(r["student"] for r in rows()) == [f"s{i:02d}" for i in range(n)]
    assert {r["status"] for r in rows()} == {"graded"}
