"""`grade --help` and `grade list` stay light: they import neither torch nor docker; the
usage errors of a single grading (which file, --gpu) exit 2 before any sandbox starts."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

from click.testing import CliRunner

import grader.sandbox as sandbox
from grader.cli import main
from grader.sandbox import SandboxError


def test_help_does_not_import_torch_or_docker():
    code = ("import sys\nfrom click.testing import CliRunner\nfrom grader.cli import main\n"
            "r = CliRunner().invoke(main, ['--help'])\nassert r.exit_code == 0, r.output\n"
            "r = CliRunner().invoke(main, ['list'])\nassert r.exit_code == 0, r.output\n"
            "bad = [m for m in ('torch', 'docker', 'safetensors') if m in sys.modules]\n"
            "assert not bad, bad\n")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_help_explains_usage():
    r = CliRunner().invoke(main, ["--help"])
    assert r.exit_code == 0
    assert "grade 1.2" in r.output and "--seed" in r.output and "sandbox" in r.output


def test_unknown_lesson_is_a_usage_error():
    r = CliRunner().invoke(main, ["9.9", "x.py"])
    assert r.exit_code == 2
    assert "no lesson '9.9'" in r.output


def test_missing_file_is_a_usage_error(tmp_path):
    r = CliRunner().invoke(main, ["1.2", str(tmp_path / "nope.py")])
    assert r.exit_code == 2 and "cannot read" in r.output


def test_no_submission_in_folder_says_what_it_looked_for(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = CliRunner().invoke(main, ["1.2"])
    assert r.exit_code == 2 and "linear_regression.py" in r.output


def test_list_shows_lessons_with_points():
    r = CliRunner().invoke(main, ["list"])
    assert r.exit_code == 0 and "1.2" in r.output and "20" in r.output


def test_no_submission_in_the_current_folder_names_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = CliRunner().invoke(main, ["1.2"])
    assert r.exit_code == 2
    assert f"in the current folder ({tmp_path})" in r.output and " in .." not in r.output


def test_a_folder_given_is_searched_for_the_lessons_file(tmp_path):
    sub = tmp_path / "sub"
    sub.mkdir()
    r = CliRunner().invoke(main, ["1.2", str(sub)])
    assert r.exit_code == 2 and "is not a file" not in r.output
    assert "no linear_regression.py or linear_regression.ipynb in" in r.output
    (sub / "linear_regression.ipynb").write_text("[1, 2]")  # found, then read: not graded
    r = CliRunner().invoke(main, ["1.2", str(sub) + "/"])
    assert r.exit_code == 2, r.output
    assert "linear_regression.ipynb is not a Jupyter notebook" in r.output


def test_an_unreadable_file_found_by_name_is_a_usage_error(tmp_path, monkeypatch):
    """As when the file is named (click: 'is not readable'), not a fault of the grader."""
    (tmp_path / "linear_regression.py").write_text("x = 1\n")
    monkeypatch.chdir(tmp_path)
    read_bytes = Path.read_bytes

    def unreadable(self: Path) -> bytes:
        if self.name == "linear_regression.py":
            raise PermissionError(13, "Permission denied", str(self))
        return read_bytes(self)

    monkeypatch.setattr(Path, "read_bytes", unreadable)
    r = CliRunner().invoke(main, ["1.2"])
    assert r.exit_code == 2, r.output
    assert "cannot read linear_regression.py: Permission denied" in r.output
    assert "fault of the grader" not in r.output


def test_gpu_where_the_sandbox_cannot_pass_one_is_a_usage_error(tmp_path):
    sub = tmp_path / "linear_regression.py"
    sub.write_text("x = 1\n")
    r = CliRunner().invoke(main, ["1.2", str(sub), "--gpu", "--sandbox", "bwrap"])
    assert r.exit_code == 2, r.output
    assert "--gpu: the bwrap sandbox cannot pass a GPU in" in r.output
    assert "report it" not in r.output


def test_gpu_without_cuda_is_a_usage_error(tmp_path, monkeypatch):
    monkeypatch.setattr(sandbox, "_host_has_cuda", lambda: False)
    sub = tmp_path / "linear_regression.py"
    sub.write_text("x = 1\n")
    for choice in ("auto", "process"):
        r = CliRunner().invoke(main, ["1.2", str(sub), "--gpu", "--sandbox", choice])
        assert r.exit_code == 2, r.output
        assert "--gpu: no CUDA GPU is available" in r.output and "report it" not in r.output


def test_gpu_with_auto_picks_a_sandbox_that_passes_one_in(monkeypatch):
    """Never bwrap (no devices inside): process (this machine's torch), else docker."""
    asked: list[str] = []

    def fake(name: str, **_: object) -> object:
        asked.append(name)
        if name == "process":
            raise SandboxError("not here")
        return SimpleNamespace(name=name)

    monkeypatch.setattr(sandbox, "get_backend", fake)
    assert sandbox.start_early("auto", gpu=True).name == "docker"
    assert asked == ["process", "docker"]
