"""`grade slurm` on a real one-node Slurm cluster (``.ci/slurm`` starts it): a 4-shard job
array over a class of 40, merged, equals `grade batch` on the same class with the same
seed; a task requeued in the middle still leaves every student exactly once."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from grader.course.lessons import get_lesson
from tests.conftest import ROOT

LESSON = get_lesson("1.2", ROOT)
SEED = 1234
pytestmark = [pytest.mark.slow, pytest.mark.slurm]


def _cluster_up() -> str | None:
    if shutil.which("sinfo") is None or shutil.which("sbatch") is None:
        return "no Slurm here (.ci/slurm starts a one-node cluster)"
    proc = subprocess.run(["sinfo", "-h", "-o", "%T"], capture_output=True, text=True,
                          timeout=20, check=False)
    if proc.returncode != 0 or not any(s in proc.stdout for s in ("idle", "mixed", "alloc")):
        return f"the Slurm node is not up: {proc.stdout.strip() or proc.stderr.strip()}"
    return None


@pytest.fixture(scope="module", autouse=True)
def cluster() -> None:
    why = _cluster_up()
    if why:
        pytest.skip(why)


def grade(*args: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "grader", *args], capture_output=True,
                          text=True, timeout=timeout)


def make_class(folder: Path, size: int = 40) -> list[str]:
    """``size`` students (at least 10): correct ones, then seven known mistakes, a stub, one
    hostile, one that times out (with 40: s30-s36, s37, s38 and s39)."""
    mistakes = [m.id for m in LESSON.spec.mistakes][:7]  # however many the spec has
    correct = size - 10
    students = []
    for i in range(size):
        name = f"s{i:02d}"
        (folder / name).mkdir(parents=True)
        k = i - correct
        if k < 0:
            source = LESSON.reference_source()
        elif k < len(mistakes):
            source = LESSON.mistake_source(mistakes[k])
        elif k == 7:
            source = LESSON.stub_path.read_text()
        elif k == 8:  # hostile: claims a score, leaves the sandbox early
            source = 'print(\'{"score": 20}\')\nimport os\nos._exit(0)\n'
        else:  # never finishes fit
            source = LESSON.reference_source() + "\n\ndef fit(X, y, lr, steps):\n" \
                "    while True:\n        pass\n"
        (folder / name / "linear_regression.py").write_text(source)
        students.append(name)
    return students


def _wait_for(job_ids: list[str], limit: float = 900) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        q = subprocess.run(["squeue", "-h", "-j", ",".join(job_ids), "-o", "%i %T"],
                           capture_output=True, text=True, timeout=20, check=False)
        if not q.stdout.strip():
            return
        time.sleep(2)
    pytest.fail(f"jobs {job_ids} still queued after {limit} s")


def _submit(folder: Path, shards: int) -> list[str]:
    proc = grade("slurm", "1.2", str(folder), "--shards", str(shards), "--cpus-per-task", "1",
                 "--seed", str(SEED), "--time", "00:20:00")
    assert proc.returncode == 0, proc.stderr[-2000:]
    words = proc.stdout.split()
    return [words[words.index("job") + 1], words[words.index("merge") + 2]]


def _rows(path: Path) -> dict[str, dict]:
    return {r["student"]: r for r in map(json.loads, path.read_text().splitlines())}


def _essence(row: dict) -> tuple:
    return (row.get("status"), row.get("score"), row.get("seed"),
            tuple((c["name"], c["status"]) for c in row.get("checks", [])),
            tuple(sorted(m["id"] for m in row.get("mistakes", []))))


def test_a_slurm_array_equals_a_local_batch(tmp_path) -> None:
    on_cluster, local = tmp_path / "cluster", tmp_path / "local"
    students = make_class(on_cluster)
    make_class(local)
    ids = _submit(on_cluster, 4)
    proc = grade("batch", "1.2", str(local), "-j", "2", "--seed", str(SEED))
    assert proc.returncode == 0, proc.stderr[-2000:]
    _wait_for(ids)
    merged = on_cluster / "grades-1.2.jsonl"
    assert merged.is_file(), (on_cluster / "slurm-1.2" / "logs" / "merge.log").read_text()
    got, want = _rows(merged), _rows(local / "grades-1.2.jsonl")
    assert sorted(got) == sorted(want) == students
    for s in students:
        assert _essence(got[s]) == _essence(want[s]), s
    assert got["s00"]["score"] == LESSON.spec.max_score
    assert got["s37"]["score"] == 0 and got["s38"]["score"] == 0
    assert any(c["status"] == "timeout" for c in got["s39"]["checks"])
    assert (on_cluster / "report-1.2.html").is_file()
    assert (on_cluster / "grades-1.2.csv").is_file()


def test_a_requeued_task_loses_nothing_and_duplicates_nothing(tmp_path) -> None:
    folder = tmp_path / "class"
    students = make_class(folder, size=20)
    array_id, merge_id = _submit(folder, 2)
    deadline = time.monotonic() + 300
    requeued = None
    while time.monotonic() < deadline and requeued is None:
        q = subprocess.run(["squeue", "-h", "-j", array_id, "-t", "RUNNING", "-o", "%i"],
                           capture_output=True, text=True, timeout=20, check=False)
        running = q.stdout.split()
        shard_files = list((folder / "grades-1.2.shards").glob("shard-*.jsonl"))
        if running and any(f.stat().st_size for f in shard_files):
            requeued = running[0]  # a task with results already written: cut it mid-way
            subprocess.run(["scontrol", "requeue", requeued], check=True, timeout=30)
            # Slurm holds a requeued job back two minutes before it is eligible again; what
            # is under test is what the rerun leaves, not that wait. Once it is pending for
            # that alone (never while it is still being requeued), it may start at once.
            for _ in range(120):
                time.sleep(0.5)
                state = subprocess.run(["squeue", "-h", "-j", requeued, "-o", "%T %r"],
                                       capture_output=True, text=True, timeout=20,
                                       check=False).stdout.split()
                if state == ["PENDING", "BeginTime"]:
                    # and only once the node is done with its last run: a launch that comes
                    # too soon after the kill is dropped by slurmd ("Job N already killed, do
                    # not launch batch job"), and the task never runs again
                    time.sleep(5)
                    subprocess.run(["scontrol", "update", f"JobId={requeued}", "StartTime=now"],
                                   capture_output=True, timeout=30, check=False)
                    break
        else:
            time.sleep(0.5)
    assert requeued, "no task was seen running"
    _wait_for([array_id, merge_id])
    rows = [json.loads(x) for x in (folder / "grades-1.2.jsonl").read_text().splitlines()]
    assert sorted(r["student"] for r in rows) == students  # every student exactly once
