"""`grade --help` and `grade list` stay light: they import neither torch nor docker."""

from __future__ import annotations

import subprocess
import sys

from click.testing import CliRunner

from grader.cli import main


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
