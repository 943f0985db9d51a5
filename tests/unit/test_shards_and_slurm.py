"""Sharded batch grading and the Slurm scripts, without a cluster: stable disjoint shards,
merging that keeps one row per student, scripts that requeue and resume."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import main
from grader.delivery.batch import merge_results, parse_shard, shard_of, student_seed
from grader.delivery.slurm import SlurmJob, array_script, merge_script
from grader.errors import UsageProblem

NAMES = [f"student-{i:03d}" for i in range(200)]


def test_shards_are_disjoint_cover_everyone_and_stable() -> None:
    shards = {n: shard_of(n, 4) for n in NAMES}
    assert set(shards.values()) == {0, 1, 2, 3}
    assert all(shard_of(n, 4) == s for n, s in shards.items())  # same answer every time
    # adding students never moves the others
    assert all(shard_of(n, 4) == shards[n] for n in NAMES[:50])
    sizes = [sum(s == i for s in shards.values()) for i in range(4)]
    assert min(sizes) > 25, sizes  # roughly balanced


def test_student_seeds_depend_on_the_name_only() -> None:
    assert student_seed(7, "ada") == student_seed(7, "ada") != student_seed(7, "ben")
    assert student_seed(7, "ada") != student_seed(8, "ada")


@pytest.mark.parametrize("text", ["4/4", "-1/4", "a/b", "3", "1/0"])
def test_bad_shards_are_usage_problems(text: str) -> None:
    with pytest.raises(UsageProblem):
        parse_shard(text)
    assert parse_shard("3/4") == (3, 4)


def test_merge_keeps_one_row_per_student(tmp_path: Path) -> None:
    a, b = tmp_path / "shard-0.jsonl", tmp_path / "shard-1.jsonl"
    a.write_text(json.dumps({"student": "ada", "score": 1}) + "\n"
                 + json.dumps({"student": "ada", "score": 2}) + "\n"  # requeued: graded again
                 + '{"student": "ben", "sco')  # killed mid-line
    b.write_text(json.dumps({"student": "cy", "score": 5}) + "\n"
                 + json.dumps({"student": "cy", "status": "grader_error", "score": 0}) + "\n"
                 + json.dumps({"student": "dee", "status": "grader_error", "score": 0}) + "\n")
    out = tmp_path / "all.jsonl"
    rows = merge_results([a, b, tmp_path / "missing.jsonl"], out)
    assert {s: r.get("score") for s, r in rows.items()} == {"ada": 2, "cy": 5, "dee": 0}
    lines = [json.loads(x)["student"] for x in out.read_text().splitlines()]
    assert lines == ["ada", "cy", "dee"]


def _job(tmp_path: Path) -> SlurmJob:
    return SlurmJob(lesson="1.2", folder=tmp_path, shards=4, partition="gpu", time="00:30:00",
                    cpus_per_task=2, gpus_per_task=1, sandbox="bwrap", seed=42)


def test_the_array_script_requeues_signals_and_runs_one_shard_per_task(tmp_path) -> None:
    text = array_script(_job(tmp_path), tmp_path / "logs")
    for line in ("#SBATCH --array=0-3", "#SBATCH --requeue", "#SBATCH --signal=TERM@60",
                 "#SBATCH --partition=gpu", "#SBATCH --time=00:30:00",
                 "#SBATCH --cpus-per-task=2", "#SBATCH --gpus-per-task=1"):
        assert line in text.splitlines(), line
    assert '--shard "$SLURM_ARRAY_TASK_ID/4"' in text and "--seed 42" in text
    assert " batch 1.2 " in text
    merge = merge_script(_job(tmp_path), tmp_path / "logs")
    assert " merge 1.2 " in merge and "--shards 4" in merge


def test_dry_run_prints_both_scripts(tmp_path) -> None:
    r = CliRunner().invoke(main, ["slurm", "1.2", str(tmp_path), "--shards", "3", "--dry-run",
                                  "--seed", "5"])
    assert r.exit_code == 0, r.output
    assert "#SBATCH --array=0-2" in r.output and "merge 1.2" in r.output
    assert (tmp_path / "slurm-1.2" / "grade.sbatch").is_file()


def test_merging_unfinished_shards_says_who_is_missing_and_that_they_resume(
        tmp_path: Path) -> None:
    """A shard that did not finish is the cluster's doing as often as the grader's: exit 3,
    the students without a result named, and the advice to run it again (not "report a
    grader fault")."""
    from grader.delivery.batch import shard_path

    for name in ("ada", "bo", "cy"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "linear_regression.py").write_text("x = 1\n")
    first = shard_path(tmp_path, "1.2", 0)
    first.parent.mkdir(parents=True)
    first.write_text(json.dumps({"student": "ada", "lesson": "1.2", "status": "graded",
                                 "score": 3, "max_score": 20}) + "\n")
    r = CliRunner().invoke(main, ["merge", "1.2", str(tmp_path), "--shards", "2",
                                  "--no-report"])
    assert r.exit_code == 3, r.output
    assert "missing shard file(s): shard-1.jsonl" in r.output
    assert "2 student(s) without a result: bo, cy" in r.output
    assert "run again with the same command" in r.output and "report" not in r.output
