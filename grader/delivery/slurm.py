"""Grading a class on a Slurm cluster: a job array of ``grade batch --shard i/K`` tasks and
a merge job that runs after all of them (``afterany``).

The scripts are written into the class folder, readable and re-submittable by hand. Each
task appends to its own shard file as results come, so a task that is killed, preempted
or requeued (``--requeue``; ``--signal=TERM@60`` gives it a minute's notice) loses
nothing: it resumes where it stopped. The merge keeps one row per student.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from grader.errors import GraderFault, UsageProblem


@dataclass(frozen=True)
class SlurmJob:
    lesson: str
    folder: Path
    shards: int
    partition: str | None
    time: str
    cpus_per_task: int
    gpus_per_task: int
    sandbox: str
    seed: int


def _grade() -> list[str]:
    """How a task calls the grader: this very interpreter, so the cluster runs the same
    installation (a shared file system is what a Slurm cluster has)."""
    return [sys.executable, "-m", "grader"]


def _header(job: SlurmJob, name: str, logs: Path) -> list[str]:
    lines = ["#!/bin/bash", f"#SBATCH --job-name={name}",
             f"#SBATCH --time={job.time}", f"#SBATCH --cpus-per-task={job.cpus_per_task}",
             "#SBATCH --ntasks=1"]
    if job.partition:
        lines.append(f"#SBATCH --partition={job.partition}")
    lines.append(f"#SBATCH --chdir={job.folder}")
    return lines


def array_script(job: SlurmJob, logs: Path) -> str:
    grade = " ".join(shlex.quote(a) for a in _grade())
    lines = _header(job, f"grade-{job.lesson}", logs) + [
        f"#SBATCH --array=0-{job.shards - 1}",
        "#SBATCH --requeue",
        "#SBATCH --signal=TERM@60",
        f"#SBATCH --output={logs}/task-%a.log",
        "#SBATCH --open-mode=append",
    ]
    if job.gpus_per_task:
        lines.append(f"#SBATCH --gpus-per-task={job.gpus_per_task}")
    lines += [
        "",
        f"# Task i of {job.shards} grades shard i of lesson {job.lesson}'s class on warm workers.",
        "# Its results are appended as they come, so a requeued task resumes where it stopped.",
        "set -uo pipefail",
        f"{grade} batch {shlex.quote(job.lesson)} {shlex.quote(str(job.folder))} "
        f"--shard \"$SLURM_ARRAY_TASK_ID/{job.shards}\" -j {job.cpus_per_task} "
        f"--sandbox {job.sandbox} --seed {job.seed}",
        "status=$?",
        "# exit 3 is a grader fault on some submission: those are retried by a rerun, and the",
        "# merge reports them; any other failure fails the task (Slurm shows it)",
        "[ $status -eq 3 ] && exit 0",
        "exit $status",
        "",
    ]
    return "\n".join(lines)


def merge_script(job: SlurmJob, logs: Path) -> str:
    grade = " ".join(shlex.quote(a) for a in _grade())
    lines = _header(job, f"grade-{job.lesson}-merge", logs) + [
        f"#SBATCH --output={logs}/merge.log",
        "",
        "# After every task of the array (afterany): one results file, CSV and report.",
        "set -uo pipefail",
        f"{grade} merge {shlex.quote(job.lesson)} {shlex.quote(str(job.folder))} "
        f"--shards {job.shards}",
        "",
    ]
    return "\n".join(lines)


def write_scripts(job: SlurmJob) -> tuple[Path, Path]:
    """Write ``grade.sbatch`` and ``merge.sbatch`` into ``<folder>/slurm-<lesson>/``."""
    where = job.folder / f"slurm-{job.lesson}"
    logs = where / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    array, merge = where / "grade.sbatch", where / "merge.sbatch"
    array.write_text(array_script(job, logs), encoding="utf-8")
    merge.write_text(merge_script(job, logs), encoding="utf-8")
    return array, merge


def _sbatch(args: list[str]) -> str:
    if shutil.which("sbatch") is None:
        raise UsageProblem("sbatch is not on this machine's PATH: run `grade slurm` on a "
                           "Slurm login node (or use --dry-run to see the scripts)")
    proc = subprocess.run(["sbatch", "--parsable", *args], capture_output=True, text=True,
                          timeout=60, check=False)
    if proc.returncode != 0:
        raise GraderFault(f"sbatch failed: {proc.stderr.strip() or proc.stdout.strip()}")
    return proc.stdout.strip().split(";")[0]


def submit(array: Path, merge: Path) -> tuple[str, str]:
    """Submit the array, then the merge with ``afterany`` on it; returns both job ids."""
    array_id = _sbatch([str(array)])
    merge_id = _sbatch([f"--dependency=afterany:{array_id}", str(merge)])
    return array_id, merge_id
