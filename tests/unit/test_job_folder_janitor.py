"""Finished jobs' folders are removed by a thread of their own (off the grading's critical
path), every one of them, those still queued at exit included."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from grader.sandbox.run import _Janitor


def test_every_folder_handed_over_is_removed_by_the_time_it_finishes(tmp_path: Path) -> None:
    janitor = _Janitor()
    names = []
    for i in range(30):
        folder = tempfile.TemporaryDirectory(dir=tmp_path, ignore_cleanup_errors=True)
        for j in range(5):
            (Path(folder.name) / f"sub{j}").mkdir()
            (Path(folder.name) / f"sub{j}" / "out.safetensors").write_bytes(b"x" * i)
        os.chmod(Path(folder.name) / "sub0", 0o500)  # a job may lock a folder of its own
        names.append(folder.name)
        janitor.remove(folder)
    assert janitor._thread is not None
    janitor._finish(janitor._thread)  # what exit runs: the queue is emptied first
    assert not janitor._thread.is_alive()
    assert list(tmp_path.iterdir()) == []
