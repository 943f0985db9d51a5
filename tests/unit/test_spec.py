"""Spec validation: every shipped spec loads; bad specs fail with the file and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.course.lessons import all_lessons
from grader.course.spec import SpecError, load_spec
from tests.conftest import ROOT

GOOD = ROOT / "reference" / "1.2" / "spec.toml"


def test_all_shipped_specs_validate():
    lessons = all_lessons(ROOT)
    assert lessons, "no lessons found"
    for les in lessons:
        spec = les.spec
        assert spec.lesson.id == les.id
        assert spec.max_score > 0
        assert les.stub_path.is_file(), les.stub_path
        for m in spec.mistakes:
            assert (les.reference_dir / "mistakes" / f"{m.id}.py").is_file(), m.id


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "spec.toml"
    p.write_text(text)
    return p


def test_error_names_file_and_field(tmp_path):
    text = GOOD.read_text().replace('name = "mse_grad: dw matches autograd"\npoints = 3',
                                    'name = "mse_grad: dw matches autograd"\npoints = -3')
    with pytest.raises(SpecError) as e:
        load_spec(_write(tmp_path, text))
    msg = str(e.value)
    assert str(tmp_path / "spec.toml") in msg
    assert "checks[2] ('mse_grad: dw matches autograd').points" in msg


def test_unknown_field_is_rejected(tmp_path):
    text = GOOD.read_text().replace("[limits]", "[limits]\ntime_limit = 5")
    with pytest.raises(SpecError, match=r"limits\.time_limit: Extra inputs"):
        load_spec(_write(tmp_path, text))


def test_check_naming_an_unknown_probe_is_rejected(tmp_path):
    text = GOOD.read_text().replace('probe = "loss"', 'probe = "losss"')
    with pytest.raises(SpecError, match="unknown probe 'losss'"):
        load_spec(_write(tmp_path, text))


def test_mistake_losing_an_unknown_check_is_rejected(tmp_path):
    text = GOOD.read_text().replace('loses = ["mse_grad: dw matches autograd", "mse_grad: db',
                                    'loses = ["nope", "mse_grad: db', 1)
    with pytest.raises(SpecError, match="loses unknown checks"):
        load_spec(_write(tmp_path, text))


def test_held_out_split_cannot_be_an_input(tmp_path):
    text = GOOD.read_text() + '\n[inputs.X_test]\ndist = "dataset"\ndataset = "digits"\n' \
                              'split = "test"\nfield = "X"\n'
    # TOML: a table after the arrays-of-tables is fine; the split field must be rejected
    with pytest.raises(SpecError, match="split"):
        load_spec(_write(tmp_path, text))


def test_invalid_toml_is_reported(tmp_path):
    with pytest.raises(SpecError, match="not valid TOML"):
        load_spec(_write(tmp_path, "[lesson\n"))
