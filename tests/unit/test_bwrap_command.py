"""The bwrap command line: mounts in an order that keeps the Python installation visible."""

from __future__ import annotations

from pathlib import Path

from grader.course.spec import Limits
from grader.sandbox import bwrap
from grader.sandbox.run import job_for


def test_a_python_under_tmp_stays_visible_above_the_private_tmp(tmp_path, monkeypatch):
    venv = "/tmp/clone/.venv"  # a fresh clone in /tmp, its venv inside it
    monkeypatch.setattr(bwrap, "python_roots", lambda: ["/usr", venv])
    backend = bwrap.BwrapBackend()
    backend.exe = "/usr/bin/bwrap"
    for d in ("home", "out"):
        (tmp_path / d).mkdir()
    limits = Limits(memory_mb=512, max_processes=8, max_file_mb=8, max_output_kb=1)
    cmd = backend.command(job_for(tmp_path, limits, wall_time_s=5))
    tmp_mount = next(i for i, a in enumerate(cmd) if a == "/tmp" and cmd[i - 2] == "--bind")
    venv_mount = next(i for i, a in enumerate(cmd) if a == venv and cmd[i - 2] == "--ro-bind")
    assert tmp_mount < venv_mount
    assert Path(cmd[tmp_mount - 1]).is_relative_to(tmp_path)  # the private /tmp is the job's
